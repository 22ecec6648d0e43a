//! How numbers, symbols and function names are spelled in text and in LaTeX.

use std::borrow::Cow;

use super::render::Notation;
use crate::ops::builtin_function;

/// A number: integers without `.0`, others with up to 6 significant digits; the minus sign is
/// U+2212 in text.
pub(super) fn number(x: f64, n: Notation) -> String {
    if x.is_nan() {
        return match n {
            Notation::Text => "NaN".into(),
            Notation::Latex => "\\mathrm{NaN}".into(),
        };
    }
    let sign = match (x < 0.0, n) {
        (false, _) => "",
        (true, Notation::Text) => "−",
        (true, Notation::Latex) => "-",
    };
    let a = x.abs();
    let body = if a.is_infinite() {
        match n {
            Notation::Text => "∞".into(),
            Notation::Latex => "\\infty".into(),
        }
    } else if a.fract() == 0.0 && a < 1e15 {
        format!("{a}")
    } else {
        six_significant_digits(a, n)
    };
    format!("{sign}{body}")
}

/// A positive finite number to 6 significant digits, in scientific notation below 1e-4 or
/// from 1e6 on (as C's `%g`), without trailing zeros.
fn six_significant_digits(a: f64, n: Notation) -> String {
    let scientific = format!("{a:.5e}");
    let (mantissa, exponent) = scientific
        .split_once('e')
        .expect("`{:e}` writes an exponent");
    let exponent: i32 = exponent.parse().expect("an integer exponent");
    if (-4..6).contains(&exponent) {
        let decimals = usize::try_from(5 - exponent).expect("at most 9 decimals");
        return trim_zeros(&format!("{a:.decimals$}")).to_string();
    }
    let mantissa = trim_zeros(mantissa);
    match n {
        Notation::Text => format!("{mantissa}e{exponent}"),
        Notation::Latex => format!("{mantissa} \\times 10^{{{exponent}}}"),
    }
}

fn trim_zeros(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}

/// An integer as a Unicode superscript: `⁵⁰`, `⁻¹`.
pub(super) fn superscript(p: f64) -> String {
    format!("{p}")
        .chars()
        .map(|c| match c {
            '-' => '⁻',
            d => ['⁰', '¹', '²', '³', '⁴', '⁵', '⁶', '⁷', '⁸', '⁹'][digit(d)],
        })
        .collect()
}

fn subscript(digits: &str) -> String {
    digits
        .chars()
        .map(|d| ['₀', '₁', '₂', '₃', '₄', '₅', '₆', '₇', '₈', '₉'][digit(d)])
        .collect()
}

fn digit(d: char) -> usize {
    d.to_digit(10).expect("an ASCII digit") as usize
}

/// A symbol: when the name is a word (letters only) followed by digits, after an optional
/// underscore, the digits become a subscript (`w1` and `w_1` are `w₁`, `w_{1}`); other names
/// (`fc1.weight`) are kept as written. In LaTeX any other part after an underscore is a subscript too
/// (`w_out` is `w_{\mathrm{out}}`), multi-letter names are upright and Greek letters and `∂`
/// become commands.
pub(super) fn symbol(name: &str, n: Notation) -> Cow<'_, str> {
    let (stem, sub) = split_subscript(name, n);
    match (n, sub) {
        // Most names print as written: borrowed, not copied.
        (Notation::Text, None) => Cow::Borrowed(stem),
        (Notation::Text, Some(sub)) => format!("{stem}{}", subscript(sub)).into(),
        (Notation::Latex, None) => latex_word(stem).into(),
        (Notation::Latex, Some(sub)) => {
            format!("{}_{{{}}}", latex_word(stem), latex_word(sub)).into()
        }
    }
}

fn split_subscript(name: &str, n: Notation) -> (&str, Option<&str>) {
    if let (Notation::Latex, Some((stem, sub))) = (n, name.split_once('_'))
        && !stem.is_empty()
        && !sub.is_empty()
    {
        return (stem, Some(sub));
    }
    let stem = name.trim_end_matches(|c: char| c.is_ascii_digit());
    let digits = &name[stem.len()..];
    let stem = stem.strip_suffix('_').unwrap_or(stem);
    // Only a plain word takes a subscript: `w1`, `W_1`, `h10`; a path such as
    // `rnn.weight_hh_l0` stays as the user wrote it. (The word is checked last: a name
    // without trailing digits, such as `u₁₂`, needs no Unicode lookup per character.)
    if stem.is_empty() || digits.is_empty() || !stem.chars().all(char::is_alphabetic) {
        (name, None)
    } else {
        (stem, Some(digits))
    }
}

fn latex_word(word: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric();
    if word.chars().all(|c| c.is_ascii_digit()) || word.chars().count() == 1 {
        word.chars().map(latex_char).collect()
    } else if word.chars().all(plain) {
        format!("\\mathrm{{{word}}}")
    } else {
        word.chars().map(latex_char).collect()
    }
}

const GREEK: [(char, &str); 30] = [
    ('α', "alpha"),
    ('β', "beta"),
    ('γ', "gamma"),
    ('δ', "delta"),
    ('ε', "epsilon"),
    ('ζ', "zeta"),
    ('η', "eta"),
    ('θ', "theta"),
    ('ι', "iota"),
    ('κ', "kappa"),
    ('λ', "lambda"),
    ('μ', "mu"),
    ('ν', "nu"),
    ('ξ', "xi"),
    ('π', "pi"),
    ('ρ', "rho"),
    ('σ', "sigma"),
    ('τ', "tau"),
    ('υ', "upsilon"),
    ('φ', "phi"),
    ('χ', "chi"),
    ('ψ', "psi"),
    ('ω', "omega"),
    ('Γ', "Gamma"),
    ('Δ', "Delta"),
    ('Θ', "Theta"),
    ('Λ', "Lambda"),
    ('Π', "Pi"),
    ('Σ', "Sigma"),
    ('Ω', "Omega"),
];

/// One character in LaTeX math: Greek letters and `∂` as commands, special characters escaped.
fn latex_char(c: char) -> String {
    if let Some((_, command)) = GREEK.iter().find(|(g, _)| *g == c) {
        return format!("\\{command} ");
    }
    match c {
        '∂' => "\\partial ".into(),
        '\\' => "\\backslash ".into(),
        '{' | '}' | '_' | '#' | '$' | '%' | '&' => format!("\\{c}"),
        '^' => "\\hat{}".into(),
        '~' => "\\sim ".into(),
        c => c.to_string(),
    }
}

/// A function's name: a built-in's spelling whatever name it was called by (`sigmoid` is
/// `σ`, `log` is `ln`), other names as written; in LaTeX the built-in's command (`\tanh`,
/// `\sigma`), a standard command for the usual functions (`\sin`), `\operatorname{…}` for
/// the others.
pub(super) fn function_name(name: &str, n: Notation) -> String {
    let builtin = builtin_function(name);
    let spelling = builtin.map_or(name, |f| f.spelling);
    match (n, builtin.and_then(|f| f.latex)) {
        (Notation::Text, _) => spelling.to_string(),
        (Notation::Latex, Some(command)) => command.to_string(),
        (Notation::Latex, None) if LATEX_FUNCTIONS.contains(&spelling) => format!("\\{spelling}"),
        (Notation::Latex, None) => {
            let escaped: String = spelling.chars().map(latex_char).collect();
            format!("\\operatorname{{{escaped}}}")
        }
    }
}

/// Functions LaTeX has a command for (`\sin`), for names outside the built-ins.
const LATEX_FUNCTIONS: [&str; 4] = ["sin", "cos", "sinh", "cosh"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        let text = |x| number(x, Notation::Text);
        assert_eq!(text(50.0), "50");
        assert_eq!(text(-3.0), "−3");
        assert_eq!(text(0.5), "0.5");
        assert_eq!(text(1.0 / 3.0), "0.333333");
        assert_eq!(text(std::f64::consts::E), "2.71828");
        assert_eq!(text(1.5f64.powi(50)), "6.37622e8");
        assert_eq!(text(1.2345e-7), "1.2345e-7");
        assert_eq!(text(0.00012345), "0.00012345");
        assert_eq!(text(999999.7), "1e6");
        assert_eq!(text(f64::INFINITY), "∞");
        assert_eq!(
            number(1.5f64.powi(50), Notation::Latex),
            "6.37622 \\times 10^{8}"
        );
        assert_eq!(number(-2.5, Notation::Latex), "-2.5");
    }

    #[test]
    fn symbols() {
        let text = |s| symbol(s, Notation::Text);
        let latex = |s| symbol(s, Notation::Latex);
        assert_eq!(text("w1"), "w₁");
        assert_eq!(text("w_12"), "w₁₂");
        assert_eq!(text("x"), "x");
        assert_eq!(text("12"), "12");
        assert_eq!(text("∂L/∂y"), "∂L/∂y");
        assert_eq!(latex("w1"), "w_{1}");
        assert_eq!(latex("w_out"), "w_{\\mathrm{out}}");
        assert_eq!(latex("loss"), "\\mathrm{loss}");
        assert_eq!(latex("α2"), "\\alpha _{2}");
        assert_eq!(latex("∂L/∂y"), "\\partial L/\\partial y");
        assert_eq!(superscript(-12.0), "⁻¹²");
    }
}
