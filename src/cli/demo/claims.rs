//! The article's claims, each as a demo settles it: a verdict computed from the demo's
//! measurements, the evidence (the measured numbers, with the prediction beside them) and the
//! paper that settles the claim.
//!
//! Every demo's JSON carries them as a top-level `"claims"` array; its text, Markdown and HTML
//! end with the same verdicts, rendered here once ([`add_verdicts`], [`verdicts_text`],
//! [`verdicts_markdown`], [`verdicts_html`]) so the forms cannot disagree.

use serde::Serialize;

use chaintrace::report::Document;
use chaintrace::report::escape::html::escape;

use super::present;
use crate::cli::CliError;
use crate::cli::args::Format;

/// The papers the claims are settled against.
pub mod anchors {
    /// The product of the local derivatives, and its exponential growth or decay.
    pub const BENGIO_1994: &str = "Bengio, Simard & Frasconi 1994, Learning long-term \
                                   dependencies with gradient descent is difficult";
    /// Exploding and vanishing gradients in RNNs, their conditions, and clipping.
    pub const PASCANU_2013: &str = "Pascanu, Mikolov & Bengio 2013, On the difficulty of \
                                    training recurrent neural networks";
    /// IEEE 754 arithmetic: overflow to ±inf, and inf − inf or 0·inf giving NaN.
    pub const IEEE_754: &str = "IEEE 754-2019, Standard for Floating-Point Arithmetic";
    /// The order-to-chaos transition of deep random networks.
    pub const POOLE_2016: &str = "Poole et al. 2016, Exponential expressivity in deep neural \
                                  networks through transient chaos";
    /// Xavier initialisation.
    pub const GLOROT_2010: &str = "Glorot & Bengio 2010, Understanding the difficulty of \
                                   training deep feedforward neural networks";
    /// He initialisation.
    pub const HE_2015: &str = "He et al. 2015, Delving deep into rectifiers";
    /// Residual networks as ensembles of paths of different lengths.
    pub const VEIT_2016: &str = "Veit, Wilber & Belongie 2016, Residual networks behave like \
                                 ensembles of relatively shallow networks";
    /// Gated cells and the forget-gate bias.
    pub const HOCHREITER_1997: &str = "Hochreiter & Schmidhuber 1997, Long short-term memory; \
                                       Jozefowicz, Zaremba & Sutskever 2015, An empirical \
                                       exploration of recurrent network architectures";
    /// Full-batch gradient descent drives the sharpness λ_max up to 2/lr, where it hovers.
    pub const COHEN_2021: &str = "Cohen, Kaur, Li, Kolter & Talwalkar 2021, Gradient descent \
                                  on neural networks typically occurs at the edge of stability";
    /// The gradient of deep batch-normalised networks at initialisation.
    pub const YANG_2019: &str = "Yang et al. 2019, A mean field theory of batch normalization";
}

/// How a demo's measurements bear on a claim.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The measurements show the claim, as its anchor predicts.
    Shown,
    /// The measurements contradict the claim, as its anchor predicts.
    Refuted,
    /// The measurements show part of the claim only; the evidence says which part is missing.
    Partly,
}

impl Verdict {
    /// The mark and the word, as the verdicts section prints them.
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Shown => "✔ shown",
            Verdict::Refuted => "✘ refuted",
            Verdict::Partly => "◐ partly",
        }
    }
}

/// One claim of the article as one demo settles it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Claim {
    /// `product`, `w1.5-50`, `overflow-nan`, `overshoot`, `rnn`, `chaos`, `clipping`,
    /// `xavier-tanh`, `he-relu`, `residual`, `gates` or `batchnorm`.
    pub id: &'static str,
    /// What the measurements say.
    pub verdict: Verdict,
    /// The measured numbers that decide the verdict, with the prediction beside them.
    pub evidence: String,
    /// The paper that settles the claim.
    pub anchor: &'static str,
}

impl Claim {
    /// A claim.
    pub fn new(id: &'static str, verdict: Verdict, evidence: String, anchor: &'static str) -> Self {
        Claim {
            id,
            verdict,
            evidence,
            anchor,
        }
    }

    /// `✔ shown  product — evidence (anchor)`.
    pub fn line(&self) -> String {
        format!(
            "{}  {} — {} ({})",
            self.verdict.label(),
            self.id,
            self.evidence,
            self.anchor
        )
    }
}

/// A demo's numbers with its claims beside them: the JSON form.
#[derive(Serialize)]
struct WithClaims<'a, R: Serialize> {
    #[serde(flatten)]
    numbers: &'a R,
    claims: &'a [Claim],
}

/// The demo's numbers as pretty JSON, with a top-level `"claims"` array after them.
pub fn json(numbers: &impl Serialize, claims: &[Claim]) -> String {
    serde_json::to_string_pretty(&WithClaims { numbers, claims }).expect("plain data") + "\n"
}

/// Appends the verdicts section: a heading and one paragraph per claim.
pub fn add_verdicts(doc: &mut Document, claims: &[Claim]) {
    doc.section("verdicts", claims.iter().map(Claim::line));
}

/// The verdicts section as text, for a report not built as a [`Document`].
pub fn verdicts_text(claims: &[Claim]) -> String {
    let mut doc = Document::new("verdicts");
    for c in claims {
        doc.paragraph(c.line());
    }
    doc.to_text()
}

/// The verdicts section as Markdown, under a heading of `level` `#`s.
pub fn verdicts_markdown(claims: &[Claim], level: usize) -> String {
    let mut out = format!("{} verdicts\n", "#".repeat(level));
    for c in claims {
        out += &format!("\n{}\n", c.line());
    }
    out
}

/// The verdicts section as HTML, placed at the end of a page's `<main>`.
pub fn verdicts_html(page: &str, claims: &[Claim]) -> String {
    let mut section = String::from("<section id=\"verdicts\">\n<h2>verdicts</h2>\n");
    for c in claims {
        section += &format!("<p>{}</p>\n", escape(&c.line()));
    }
    section += "</section>\n";
    match page.rfind("</main>") {
        Some(at) => format!("{}{section}{}", &page[..at], &page[at..]),
        None => page.to_string() + &section,
    }
}

/// Renders a [`Document`] demo as [`present::render`] does, ending with the verdicts: the
/// document's text, Markdown, HTML and SVG (chart `chart`) get the verdicts section, the JSON
/// a `"claims"` array.
pub fn render(
    demo: &str,
    format: Format,
    numbers: &impl Serialize,
    doc: &Document,
    chart: Option<usize>,
    claims: &[Claim],
) -> Result<String, CliError> {
    if format == Format::Json {
        return Ok(json(numbers, claims));
    }
    let mut doc = doc.clone();
    add_verdicts(&mut doc, claims);
    match chart {
        Some(chart) => present::render(demo, format, numbers, &doc, chart),
        None => crate::cli::output::render_report(demo, &doc, numbers, format),
    }
}

/// `|measured / predicted − 1| ≤ tolerance`, false for a non-finite ratio.
pub fn within(measured: f64, predicted: f64, tolerance: f64) -> bool {
    let r = measured / predicted;
    r.is_finite() && (r - 1.0).abs() <= tolerance
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claim() -> Claim {
        Claim::new(
            "product",
            Verdict::Shown,
            "x <1>".into(),
            anchors::BENGIO_1994,
        )
    }

    #[test]
    fn json_puts_the_claims_after_the_numbers() {
        #[derive(Serialize)]
        struct N {
            depth: usize,
        }
        let v: serde_json::Value =
            serde_json::from_str(&json(&N { depth: 3 }, &[claim()])).unwrap();
        assert_eq!(v["depth"], 3);
        assert_eq!(v["claims"][0]["id"], "product");
        assert_eq!(v["claims"][0]["verdict"], "shown");
        assert_eq!(v["claims"][0]["evidence"], "x <1>");
    }

    #[test]
    fn every_form_ends_with_the_same_line() {
        let line = claim().line();
        assert!(line.starts_with("✔ shown  product — x <1> (Bengio"));
        let mut doc = Document::new("t");
        add_verdicts(&mut doc, &[claim()]);
        assert!(doc.to_text().trim_end().ends_with("difficult)"));
        assert!(verdicts_text(&[claim()]).starts_with("verdicts\n========\n\n✔ shown"));
        assert!(verdicts_markdown(&[claim()], 3).ends_with(&format!("{line}\n")));
        let page = verdicts_html("<main>\n</main>\n", &[claim()]);
        assert!(page.contains("<p>✔ shown  product — x &lt;1&gt; (Bengio"));
        assert!(page.ends_with("</section>\n</main>\n"));
    }

    #[test]
    fn tolerance_is_relative() {
        assert!(within(1.21, 1.2103, 0.01));
        assert!(!within(1.3, 1.21, 0.05));
        assert!(!within(f64::NAN, 1.0, 0.05));
    }
}
