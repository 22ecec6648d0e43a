//! How a [`DeepNet`](super::DeepNet)'s weights are drawn: the four schemes the article
//! contrasts, Glorot & Bengio's "standard" one, their rules and the standard deviation each
//! gives.

use clap::ValueEnum;
use serde::Serialize;

use chaintrace::nn::Init;

/// The four ways to draw the weights that the article contrasts, and the one Glorot & Bengio
/// (2010) compare theirs with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Scheme {
    /// N(0, 1): the naive choice.
    Naive,
    /// N(0, 0.01²): too small.
    Small,
    /// U[−1/√n, 1/√n], n = fan_in, biases 0: the "standard" initialisation Glorot & Bengio
    /// (2010) compare theirs with; std 1/√(3n).
    Standard,
    /// Xavier/Glorot normal, gain 1: std √(2/(fan_in + fan_out)).
    Xavier,
    /// He/Kaiming normal, gain √2: std √(2/fan_in).
    He,
}

impl Scheme {
    pub const ALL: [Scheme; 5] = [
        Scheme::Naive,
        Scheme::Small,
        Scheme::Standard,
        Scheme::Xavier,
        Scheme::He,
    ];

    /// A short label for column headings.
    pub fn label(self) -> &'static str {
        match self {
            Scheme::Naive => "N(0,1)",
            Scheme::Small => "N(0,.01²)",
            Scheme::Standard => "standard",
            Scheme::Xavier => "Xavier",
            Scheme::He => "He",
        }
    }

    /// How the standard deviation is chosen, for the explanation.
    pub fn rule(self) -> &'static str {
        match self {
            Scheme::Naive => "σ = 1",
            Scheme::Small => "σ = 0.01",
            Scheme::Standard => "U[−1/√n, 1/√n], σ = 1/√(3n)",
            Scheme::Xavier => "σ = √(2/(fan_in + fan_out))",
            Scheme::He => "σ = √(2/fan_in)",
        }
    }

    /// The initialiser, with every weight's standard deviation multiplied by `scale` (for
    /// Xavier, `scale` is the gain). The standard scheme is He's uniform with gain 1/√3:
    /// U(−a, a), a = (1/√3)·√(3/fan_in) = 1/√fan_in.
    pub fn init(self, scale: f64) -> Init {
        match self {
            Scheme::Naive => Init::Normal(scale),
            Scheme::Small => Init::Normal(0.01 * scale),
            Scheme::Standard => Init::HeUniform(scale / 3f64.sqrt()),
            Scheme::Xavier => Init::XavierNormal(scale),
            Scheme::He => Init::HeNormal(2f64.sqrt() * scale),
        }
    }

    /// The weights' standard deviation for a square `width × width` layer, times `scale`.
    pub fn std(self, width: usize, scale: f64) -> f64 {
        let n = width as f64;
        scale
            * match self {
                Scheme::Naive => 1.0,
                Scheme::Small => 0.01,
                Scheme::Standard => (1.0 / (3.0 * n)).sqrt(),
                Scheme::Xavier => (2.0 / (n + n)).sqrt(),
                Scheme::He => (2.0 / n).sqrt(),
            }
    }
}
