//! `chaintrace demo init`: one deep MLP, four ways to draw its weights (N(0,1), too small,
//! Xavier, He), with tanh and with ReLU: per-layer gradient norms from the tracer's ledger,
//! the activations' spread per layer, and what f32 makes of the same networks.

use clap::{Args, ValueEnum};
use serde::Serialize;

use chaintrace::report::svg::{LineChart, Series, layer_norms, line_chart};
use chaintrace::report::{Chart, Document, Table, fmt_num};

use super::deepnet::{Activation, DeepNet, EXPLODING, Flag, Measurement, Probe, Scheme, VANISHING};
use super::present::{band, fmt3, render};
use crate::cli::CliError;
use crate::cli::args::Format;

/// Arguments of `chaintrace demo init`.
#[derive(Debug, Clone, Args)]
pub struct InitArgs {
    /// Number of layers L.
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..=2000))]
    pub depth: u32,

    /// Units per layer (every weight matrix is width × width).
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub width: u32,

    /// Inputs in the batch.
    #[arg(long, default_value_t = 32, value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub batch: u32,

    /// The gain of the Xavier initialiser (1 as Glorot and Bengio; PyTorch suggests 5/3 for
    /// tanh).
    #[arg(long, default_value_t = 1.0, allow_negative_numbers = true)]
    pub xavier_gain: f64,

    /// The chart --format svg draws.
    #[arg(long, value_enum, default_value_t = InitChart::Gradients)]
    pub chart: InitChart,
}

/// The charts of `demo init`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InitChart {
    /// ‖∂L/∂h_k‖ per layer.
    Gradients,
    /// The standard deviation of h_k per layer.
    Activations,
}

/// Everything the demo measured.
#[derive(Debug, Serialize)]
struct InitReport {
    depth: usize,
    width: usize,
    batch: usize,
    seed: u64,
    xavier_gain: f64,
    exploding: f64,
    vanishing: f64,
    runs: Vec<InitRun>,
}

/// One configuration: an initialiser and an activation, measured in f64 and in f32.
#[derive(Debug, Serialize)]
struct InitRun {
    init: Scheme,
    activation: Activation,
    /// The weights' standard deviation σ.
    weight_std: f64,
    f64: Measurement,
    f32: Measurement,
}

impl InitRun {
    fn label(&self) -> String {
        format!("{} {}", self.init.label(), self.activation.name())
    }

    /// The geometric mean over the layers of σ·√(n·E[f′(z_k)²]), the factor by which layer
    /// k is expected to scale ‖∂L/∂h‖ on the way back.
    fn predicted_gain(&self, width: usize) -> f64 {
        let d = &self.f64.deriv_sq;
        let mean_ln: f64 = d
            .iter()
            .map(|e| (self.weight_std * (width as f64 * e).sqrt()).ln())
            .sum::<f64>()
            / d.len() as f64;
        mean_ln.exp()
    }

    /// The smallest and largest ‖∂L/∂h_k‖ / ‖∂L/∂h_L‖ over k.
    fn grad_band(&self) -> (f64, f64) {
        ratio_band(&self.f64.grad_norms, self.f64.depth())
    }

    fn verdict(&self) -> &'static str {
        let m = &self.f64;
        match m.total_gain() {
            _ if m.any_non_finite() => "overflows ✗",
            r if r > EXPLODING => "explodes ▲",
            r if r < VANISHING => "vanishes ▼",
            _ if m.flags.iter().any(|f| *f != Flag::Ok) => "is flagged on the way",
            _ => "stays within the thresholds",
        }
    }

    /// True when f32 lost a number f64 holds: every norm f64 has as finite and non-zero is
    /// so in f32 too (a ReLU network whose units all died has zeros in f64 as well).
    fn f32_intact(&self) -> bool {
        let (a, b) = (&self.f32, &self.f64);
        let pairs = |x: &[f64], y: &[f64]| x.iter().zip(y).all(|(p, q)| !lost(*p, *q));
        pairs(&a.act_std, &b.act_std)
            && pairs(&a.grad_norms, &b.grad_norms)
            && pairs(&a.weight_grads, &b.weight_grads)
    }

    /// How far f32's last activations are from f64's, relative to f64's (0 when both are 0).
    fn forward_divergence(&self) -> f64 {
        let (a, b) = (&self.f32.output, &self.f64.output);
        let diff: f64 = a.iter().zip(b).map(|(x, y)| (x - y).powi(2)).sum();
        let size: f64 = b.iter().map(|y| y * y).sum();
        if size == 0.0 && diff == 0.0 {
            0.0
        } else {
            (diff / size).sqrt()
        }
    }

    /// What f32 made of the same network, against f64.
    fn f32_outcome(&self) -> String {
        let (a, b) = (&self.f32, &self.f64);
        let l = a.depth();
        let mut parts = Vec::new();
        if let Some(k) = (0..=l).find(|&k| lost(a.act_std[k], b.act_std[k])) {
            parts.push(if a.act_std[k] == 0.0 {
                format!("forward: h_{k} underflows to all zeros")
            } else {
                format!("forward: h_{k} reaches inf or NaN")
            });
        }
        if let Some(k) = (0..=l)
            .rev()
            .find(|&k| lost(a.grad_norms[k], b.grad_norms[k]))
        {
            // A 0 here is an underflow only when the forward pass stayed finite: ReLU passes
            // no gradient through a NaN (NaN > 0 is false), so NaN activations also give 0.
            parts.push(format!(
                "‖∂L/∂h_{k}‖ = {} (f64: {})",
                fmt3(a.grad_norms[k]),
                fmt3(b.grad_norms[k])
            ));
        }
        let count = |bad: fn(f64) -> bool| {
            a.weight_grads
                .iter()
                .zip(&b.weight_grads)
                .filter(|(p, q)| lost(**p, **q) && bad(**p))
                .count()
        };
        for (n, what) in [
            (count(|g| g == 0.0), "0"),
            (count(f64::is_infinite), "inf"),
            (count(f64::is_nan), "NaN"),
        ] {
            if n > 0 {
                parts.push(format!("‖∂L/∂W_k‖ = {what} in {n} of {l} layers"));
            }
        }
        if !parts.is_empty() {
            return parts.join("; ");
        }
        let comparable: Vec<f64> = (0..=l)
            .filter(|&k| b.grad_norms[k].is_finite() && b.grad_norms[k] != 0.0)
            .map(|k| (a.grad_norms[k] / b.grad_norms[k] - 1.0).abs())
            .collect();
        let worst = comparable.iter().copied().fold(0.0, f64::max);
        let within = format!("‖∂L/∂h_k‖ within {} of f64's", relative(worst));
        if comparable.len() == l + 1 {
            format!("finite and non-zero; {within}")
        } else {
            format!("no number lost that f64 holds; {within} where f64's is non-zero")
        }
    }
}

/// True when f32 turned a number f64 holds (finite, non-zero) into 0, inf or NaN.
fn lost(f32_value: f64, f64_value: f64) -> bool {
    f64_value.is_finite() && f64_value != 0.0 && (f32_value == 0.0 || !f32_value.is_finite())
}

/// `0.0012%`-style relative differences.
fn relative(x: f64) -> String {
    format!("{}%", fmt3(100.0 * x))
}

/// The gain applies to Xavier alone.
fn scheme_scale(scheme: Scheme, xavier_gain: f64) -> f64 {
    if scheme == Scheme::Xavier {
        xavier_gain
    } else {
        1.0
    }
}

/// Min and max of norms[k] / norms[top] over k.
fn ratio_band(norms: &[f64], top: usize) -> (f64, f64) {
    norms
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), g| {
            let r = g / norms[top];
            (lo.min(r), hi.max(r))
        })
}

/// Runs the demo and renders it in `format`.
pub fn run(args: &InitArgs, format: Format, seed: u64) -> Result<String, CliError> {
    if !(args.xavier_gain.is_finite() && args.xavier_gain > 0.0) {
        return Err(CliError::Usage(format!(
            "--xavier-gain must be a positive number, got {}",
            args.xavier_gain
        )));
    }
    let report = measure(args, seed);
    let doc = report.document();
    let chart = match args.chart {
        InitChart::Gradients => 0,
        InitChart::Activations => 1,
    };
    render("init", format, &report, &doc, chart)
}

fn measure(args: &InitArgs, seed: u64) -> InitReport {
    let (depth, width, batch) = (
        args.depth as usize,
        args.width as usize,
        args.batch as usize,
    );
    let mut runs = Vec::new();
    for activation in [Activation::Tanh, Activation::Relu] {
        for scheme in Scheme::ALL {
            let scale = scheme_scale(scheme, args.xavier_gain);
            let net = DeepNet {
                depth,
                width,
                batch,
                init: scheme.init(scale),
                activation,
                residual: false,
                batchnorm: false,
                seed,
            };
            runs.push(InitRun {
                init: scheme,
                activation,
                weight_std: scheme.std(width, scale),
                f64: net.measure::<f64>(Probe::default()),
                f32: net.measure::<f32>(Probe::default()),
            });
        }
    }
    InitReport {
        depth,
        width,
        batch,
        seed,
        xavier_gain: args.xavier_gain,
        exploding: EXPLODING,
        vanishing: VANISHING,
        runs,
    }
}

/// The layers a per-layer table shows, from the output back to the input: all of them up to
/// 60, else about 50 evenly spaced ones (always both ends).
pub fn shown_layers(depth: usize) -> Vec<usize> {
    let step = if depth <= 60 { 1 } else { depth.div_ceil(50) };
    let mut ks: Vec<usize> = (0..=depth).rev().step_by(step).collect();
    if ks.last() != Some(&0) {
        ks.push(0);
    }
    ks
}

impl InitReport {
    fn document(&self) -> Document {
        let (l, n, b) = (self.depth, self.width, self.batch);
        let mut doc = Document::new(format!(
            "Initialisation: a {l}-layer MLP of width {n}, four ways to draw its weights, with \
             tanh and with ReLU"
        ));
        doc.paragraph(
            "The article: the gradient at the first layer is roughly the product of the weights \
             of all the layers above it. Initialisers that scale the weights by the size of the \
             previous layer (Xavier/Glorot for tanh and sigmoid, He for ReLU) keep the variance \
             of the activations the same throughout the network, and with it the gradients.",
        );
        doc.paragraph(format!(
            "What ran: {l} layers h_k = f(W_k·h_(k−1) + b_k), b_k = 0, width {n}, on one batch of \
             {b} inputs h_0 = x ~ N(0, 1) (seed {seed}), f = tanh or ReLU. Loss L = mean(h_{l}), \
             so ∂L/∂h_{l} = 1/({b}·{n}) in every entry and ‖∂L/∂h_{l}‖ = {top}: every change of \
             the norm below it is made by the layers. One traced backward pass per network, in \
             f64 (f32 at the end); ‖∂L/∂h_k‖ is read from the tracer's per-layer ledger. W_k ~ \
             N(0, σ²) with {rules}.",
            seed = self.seed,
            top = fmt3(self.runs[0].f64.grad_norms[l]),
            rules = Scheme::ALL
                .iter()
                .map(|s| rule(*s, n, scheme_scale(*s, self.xavier_gain)))
                .collect::<Vec<_>>()
                .join("; "),
        ));
        doc.paragraph(format!(
            "Why: on the way back layer k maps g to W_kᵀ·(f′(z_k) ⊙ g), which multiplies ‖g‖ by \
             about σ·√(n·E[f′(z_k)²]). For ReLU E[f′²] = 1/2, so He's σ = √(2/n) gives 1; for \
             tanh E[f′²] ≤ 1, so Xavier's σ = 1/√n gives at most 1, and less as units saturate. \
             The column 'predicted' is that factor with E[f′(z_k)²] measured on the forward \
             pass, as a geometric mean over the {l} layers."
        ));
        doc.heading(format!(
            "summary: ‖∂L/∂h_0‖ / ‖∂L/∂h_{l}‖ is the product of the {l} layers' gains"
        ));
        doc.table(self.summary_table());
        for activation in [Activation::Tanh, Activation::Relu] {
            doc.heading(format!(
                "‖∂L/∂h_k‖ at each layer of the {} networks, from the output (k = {l}) back to \
                 the input (k = 0)",
                activation.name(),
            ));
            doc.paragraph(format!(
                "The ledger's flags: ▲ exploding, above {} × ‖∂L/∂h_{l}‖; ▼ vanishing, below {} \
                 × ‖∂L/∂h_{l}‖.",
                fmt_num(self.exploding),
                fmt_num(self.vanishing)
            ));
            doc.table(self.layer_table(activation, |m, k| {
                format!("{}{}", fmt3(m.grad_norms[k]), m.flags[k].mark())
            }));
        }
        for activation in [Activation::Tanh, Activation::Relu] {
            doc.heading(format!(
                "std(h_k), the spread of the activations at each layer of the {} networks",
                activation.name()
            ));
            doc.table(self.layer_table(activation, |m, k| fmt3(m.act_std[k])));
        }
        doc.heading("the same networks in f32");
        doc.paragraph(
            "The same weights and inputs, rounded to f32, run in f32 (largest number 3.4e38, \
             smallest 1.4e-45).",
        );
        doc.table(self.f32_table());
        doc.section("what the numbers show", self.conclusions());
        self.add_charts(&mut doc);
        doc
    }

    fn summary_table(&self) -> Table {
        let l = self.depth;
        let mut t = Table::new(&[
            "configuration",
            "σ",
            &format!("‖∂L/∂h_0‖/‖∂L/∂h_{l}‖"),
            "gain per layer",
            "predicted",
            "all layers within",
            "verdict",
        ]);
        for c in 1..5 {
            t = t.right_align(c);
        }
        for r in &self.runs {
            let (lo, hi) = r.grad_band();
            t.row(vec![
                r.label(),
                fmt3(r.weight_std),
                fmt3(r.f64.total_gain()),
                fmt3(r.f64.gain_per_block()),
                fmt3(r.predicted_gain(self.width)),
                band(lo, hi),
                r.verdict().to_string(),
            ]);
        }
        t
    }

    fn layer_table(
        &self,
        activation: Activation,
        cell: impl Fn(&Measurement, usize) -> String,
    ) -> Table {
        let runs: Vec<&InitRun> = self
            .runs
            .iter()
            .filter(|r| r.activation == activation)
            .collect();
        let mut headers = vec!["k".to_string()];
        headers.extend(runs.iter().map(|r| r.init.label().to_string()));
        let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
        let mut t = Table::new(&headers).right_align(0);
        for c in 1..headers.len() {
            t = t.right_align(c);
        }
        for k in shown_layers(self.depth) {
            let mut cells = vec![k.to_string()];
            cells.extend(runs.iter().map(|r| cell(&r.f64, k)));
            t.row(cells);
        }
        t
    }

    fn f32_table(&self) -> Table {
        let l = self.depth;
        let mut t = Table::new(&[
            "configuration",
            &format!("‖h_{l}(f32) − h_{l}(f64)‖/‖h_{l}(f64)‖"),
            "f32 against f64",
        ])
        .right_align(1);
        for r in &self.runs {
            t.row(vec![
                r.label(),
                fmt3(r.forward_divergence()),
                r.f32_outcome(),
            ]);
        }
        t
    }

    /// Sentences computed from the numbers.
    fn conclusions(&self) -> Vec<String> {
        let mut out: Vec<String> = [Activation::Tanh, Activation::Relu]
            .into_iter()
            .map(|a| self.activation_conclusion(a))
            .collect();
        let comparable: Vec<(String, f64)> = self
            .runs
            .iter()
            .map(|r| {
                let off = (r.f64.gain_per_block() / r.predicted_gain(self.width))
                    .ln()
                    .abs();
                (r.label(), off)
            })
            .filter(|(_, off)| off.is_finite())
            .collect();
        if let Some(worst) = comparable.iter().max_by(|a, b| a.1.total_cmp(&b.1)) {
            let of = if comparable.len() == self.runs.len() {
                format!("all {} networks", self.runs.len())
            } else {
                format!(
                    "the {} networks where both are finite and non-zero",
                    comparable.len()
                )
            };
            out.push(format!(
                "Measured gain per layer against σ·√(n·E[f′²]): they agree within a factor {} \
                 for {of} (worst: {}). The gradient at the input is the product of the layers' \
                 factors, and each factor is set by the weights' scale.",
                fmt3(worst.1.exp()),
                worst.0
            ));
        }
        let naive_relu = self.run(Scheme::Naive, Activation::Relu);
        out.push(format!(
            "N(0,1) with ReLU: ×{} per layer against √(n/2) = {}; over {} layers that is {}, and \
             the activations grow alike (std(h_{}) = {}).",
            fmt3(naive_relu.f64.gain_per_block()),
            fmt3((self.width as f64 / 2.0).sqrt()),
            self.depth,
            fmt3(naive_relu.f64.total_gain()),
            self.depth,
            fmt3(naive_relu.f64.act_std[self.depth])
        ));
        let broken: Vec<String> = self
            .runs
            .iter()
            .filter(|r| !r.f32_intact())
            .map(InitRun::label)
            .collect();
        let diverged: Vec<String> = self
            .runs
            .iter()
            .filter(|r| r.f32_intact() && r.forward_divergence() > 0.01)
            .map(|r| format!("{} ({})", r.label(), relative(r.forward_divergence())))
            .collect();
        if !diverged.is_empty() {
            out.push(format!(
                "f32 and f64 start from the same weights (rounded to f32), yet h_{} differs by \
                 {}: f32's rounding errors, about 1e-7, grow from layer to layer until the two \
                 networks compute different activations. This is the sensitivity of the \
                 article's note on chaos; `chaintrace demo chaos` measures it across seeds.",
                self.depth,
                diverged.join(", ")
            ));
        }
        out.push(if broken.is_empty() {
            "In f32 every norm stays finite and non-zero at this size.".to_string()
        } else {
            format!(
                "In f32, {} {} the floating-point range (table above), where f64 still holds \
                 {}.",
                broken.join(", "),
                if broken.len() == 1 { "leaves" } else { "leave" },
                if broken.len() == 1 { "it" } else { "them" },
            )
        });
        out
    }

    fn run(&self, init: Scheme, activation: Activation) -> &InitRun {
        self.runs
            .iter()
            .find(|r| r.init == init && r.activation == activation)
            .expect("every configuration ran")
    }

    /// How the four initialisers fared with one activation, against the article's pairing.
    fn activation_conclusion(&self, activation: Activation) -> String {
        let l = self.depth;
        let chosen = match activation {
            Activation::Tanh => Scheme::Xavier,
            Activation::Relu => Scheme::He,
        };
        let runs: Vec<&InitRun> = self
            .runs
            .iter()
            .filter(|r| r.activation == activation)
            .collect();
        let describe = |r: &InitRun| {
            let (lo, hi) = r.grad_band();
            format!(
                "‖∂L/∂h_k‖ within {} of ‖∂L/∂h_{l}‖, ×{} per layer; std(h_k) from {} at k = 1 \
                 to {} at k = {l}",
                band(lo, hi),
                fmt3(r.f64.gain_per_block()),
                fmt3(r.f64.act_std[1]),
                fmt3(r.f64.act_std[l])
            )
        };
        let mine = self.run(chosen, activation);
        let others: Vec<String> = runs
            .iter()
            .filter(|r| r.init != chosen)
            .map(|r| {
                format!(
                    "{} {} (×{} in all)",
                    r.init.label(),
                    r.verdict(),
                    fmt3(r.f64.total_gain())
                )
            })
            .collect();
        let narrowest = runs
            .iter()
            .min_by(|a, b| band_width(a.grad_band()).total_cmp(&band_width(b.grad_band())))
            .expect("four runs");
        let verdict = if narrowest.init == chosen {
            format!(
                "the narrowest band of the four is {}'s, the article's choice",
                chosen.label()
            )
        } else {
            format!(
                "the narrowest band of the four is {}'s, not the article's choice ({})",
                narrowest.init.label(),
                describe(narrowest)
            )
        };
        format!(
            "{}: the article's choice, {}, {} ({}). {}; {}.",
            activation.name(),
            chosen.label(),
            mine.verdict(),
            describe(mine),
            others.join(", "),
            verdict
        )
    }

    fn add_charts(&self, doc: &mut Document) {
        let per_layer = |value: &dyn Fn(&Measurement, usize) -> f64| -> Vec<Series> {
            self.runs
                .iter()
                .map(|r| {
                    Series::new(
                        r.label(),
                        (0..=self.depth).map(|k| (k as f64, value(&r.f64, k))),
                    )
                })
                .collect()
        };
        let grads = layer_norms(
            &format!(
                "‖∂L/∂h_k‖ per layer, {}-layer MLP of width {}",
                self.depth, self.width
            ),
            &per_layer(&|m, k| m.grad_norms[k]),
        );
        let stds = line_chart(
            &LineChart {
                log_y: true,
                ..LineChart::new(
                    &format!(
                        "std(h_k) per layer, {}-layer MLP of width {}",
                        self.depth, self.width
                    ),
                    "layer k",
                    "std of the activations (log scale)",
                )
            },
            &per_layer(&|m, k| m.act_std[k]),
        );
        for (title, svg) in [
            ("Gradient norm per layer, log scale", grads),
            ("Activation spread per layer, log scale", stds),
        ] {
            doc.chart(Chart {
                title: title.into(),
                svg: svg.expect("charts of finite size lay out"),
            });
        }
    }
}

/// `Xavier: σ = √(2/(fan_in + fan_out)) = 0.125`.
fn rule(scheme: Scheme, width: usize, scale: f64) -> String {
    let value = fmt3(scheme.std(width, scale));
    match scheme {
        Scheme::Naive | Scheme::Small => format!("{}: {}", scheme.label(), scheme.rule()),
        Scheme::Xavier if scale != 1.0 => {
            format!(
                "Xavier: σ = {}·√(2/(fan_in + fan_out)) = {value}",
                fmt_num(scale)
            )
        }
        _ => format!("{}: {} = {value}", scheme.label(), scheme.rule()),
    }
}

/// How many decades a band spans.
fn band_width((lo, hi): (f64, f64)) -> f64 {
    (hi / lo).log10()
}
