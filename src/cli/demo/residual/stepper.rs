//! The stepper of `demo residual`: three residual blocks one number wide, traced, so the page
//! steps through a backward pass where each block's skip edge carries the gradient back
//! multiplied by 1, beside its branch's w·tanh′.

use chaintrace::report::{GradientLine, HtmlTrace, fmt_num, fmt_sig};
use chaintrace::{Tape, TraceOptions, Var};

use crate::cli::demo::present::subscript;

/// The input h_0 = x.
const X: f64 = 1.0;
/// The weights w_1, w_2, w_3 of the blocks: fixed, so the page reads the same every run.
const WEIGHTS: [f64; 3] = [0.9, 0.6, 0.7];

/// The residual net h_k = h_(k−1) + w_k·tanh(h_(k−1)) (each block in its own layer scope and
/// recorded with `tape.residual`, so its skip edge is marked), L = h_3, traced; and the same
/// blocks without skips, for comparison: the page, its title and context lines saying what to
/// look for.
pub(super) fn small_net() -> HtmlTrace {
    let tape = Tape::<f64>::new();
    let x = tape.var("x", X);
    let mut h = x;
    let mut outputs = Vec::new();
    let mut factors = Vec::new();
    for (k, &w) in WEIGHTS.iter().enumerate() {
        let k = k + 1;
        let input = h.item().expect("a scalar");
        factors.push(1.0 + w * (1.0 - input.tanh().powi(2)));
        h = tape.layer(&format!("block{k}"), || {
            let wk = tape.var(&format!("w{}", subscript(k)), w);
            tape.residual(h, |h| wk * h.tanh())
        });
        outputs.push(h);
    }
    let (grads, trace) = h.backward_traced(TraceOptions::default());
    let residual = grads.scalar(x).expect("x is on the path to L");
    let mut page = HtmlTrace::from_trace(&trace, "L");
    // The closed form as the product of the blocks' factors, in the names the steps use
    // (the expansion in x alone runs over several lines and hides the product).
    let inputs: Vec<String> = std::iter::once(x)
        .chain(outputs.iter().copied())
        .map(|v| name_of(&page, v))
        .collect();
    let formula: Vec<String> = (1..=WEIGHTS.len())
        .rev()
        .map(|k| format!("(1 + w{}·(1 − tanh({})²))", subscript(k), inputs[k - 1]))
        .collect();
    page.gradients = vec![GradientLine {
        wrt: "x".into(),
        formula: formula.join("·"),
        value: residual,
    }];
    let plain = plain_gradient();
    page.title = format!(
        "Three scalar residual blocks, step by step: ∂L/∂x = {} (plain: {})",
        fmt_num(residual),
        fmt_num(plain)
    );
    let names: Vec<String> = outputs
        .iter()
        .enumerate()
        .map(|(k, h)| format!("h{} = {}", subscript(k + 1), name_of(&page, *h)))
        .collect();
    let weights: Vec<String> = WEIGHTS.iter().map(|&w| fmt_num(w)).collect();
    let shown: Vec<String> = factors.iter().map(|&f| fmt_num(f)).collect();
    page.context = vec![
        format!(
            "h_k = h_(k−1) + w_k·tanh(h_(k−1)), x = h_0 = {}, w = {}, L = h_3; the tracer \
             names {} (the dashed edges are the skips)",
            fmt_num(X),
            weights.join(", "),
            names.join(", ")
        ),
        format!(
            "Look for: at every block the skip edge carries ∂L/∂h_k × 1 back to h_(k−1), and \
             the branch adds ∂L/∂h_k · w_k·tanh′(h_(k−1)) there (the step that \"sums to\"): \
             ∂h_k/∂h_(k−1) = 1 + w_k·tanh′(h_(k−1)) = {}",
            shown.join(", ")
        ),
        format!(
            "∂L/∂x is their product, {}; the plain blocks h_k = w_k·tanh(h_(k−1)), same \
             weights, keep only the branch: ∂L/∂x = ∏ w_k·tanh′(h_(k−1)) = {}, {}× smaller",
            fmt_num(residual),
            fmt_num(plain),
            fmt_sig(residual / plain, 3)
        ),
    ];
    page
}

/// ∂L/∂x of the same blocks without their skips: h_k = w_k·tanh(h_(k−1)), L = h_3.
fn plain_gradient() -> f64 {
    let tape = Tape::<f64>::new();
    let x = tape.var("x", X);
    let mut h = x;
    for &w in &WEIGHTS {
        h = tape.var("w", w) * h.tanh();
    }
    h.backward().scalar(x).expect("x is on the path to L")
}

/// The name the page gives `v`'s node: `u₄`.
fn name_of(page: &HtmlTrace, v: Var<'_, f64>) -> String {
    page.nodes
        .iter()
        .find(|n| n.id == v.id().index())
        .map_or_else(|| "?".into(), |n| n.name.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// By hand: h_0 = 1, and block k multiplies the gradient by 1 + w_k·(1 − tanh²(h_(k−1)))
    /// with the skip, by w_k·(1 − tanh²(h_(k−1))) without; the products (1.52974 and
    /// 0.0905059) were also computed apart from the crate, in Python's math module.
    #[test]
    fn the_small_net_matches_the_product_of_its_block_factors() {
        let page = small_net();
        let (residual, plain) = (page.gradients[0].value, plain_gradient());
        let factor = |w: f64, h: f64| w * (1.0 - h.tanh().powi(2));
        let (mut h, mut with, mut hp, mut without) = (X, 1.0, X, 1.0);
        for w in WEIGHTS {
            with *= 1.0 + factor(w, h);
            without *= factor(w, hp);
            h += w * h.tanh();
            hp = w * hp.tanh();
        }
        assert!((residual - with).abs() < 1e-12, "{}", residual);
        assert!((plain - without).abs() < 1e-12, "{}", plain);
        assert_eq!(fmt_num(residual), "1.52974");
        assert_eq!(fmt_num(plain), "0.0905059");
        // Five multiplications per block: the skip, the branch, w_k, tanh's input, and tanh.
        assert_eq!(page.steps.len(), 15);
        assert!(page.context[0].contains("h₁ = u₄, h₂ = u₈, h₃ = u₁₂"));
        assert_eq!(
            page.gradients[0].formula,
            "(1 + w₃·(1 − tanh(u₈)²))·(1 + w₂·(1 − tanh(u₄)²))·(1 + w₁·(1 − tanh(x)²))"
        );
    }
}
