//! The stepper of `demo rnn`: a one-unit RNN over four steps, traced, so the page steps
//! through a backward pass where ∂L/∂h₁ is built as a product of one w·tanh′(a_t) per step
//! back, with the same w every time.

use chaintrace::report::{GradientLine, HtmlTrace, fmt_num, fmt_sig};
use chaintrace::{Tape, TraceOptions, Var};

use crate::cli::demo::present::subscript;

/// The recurrent weight at `--scale 1`: one draw from PyTorch's U(±1/√H) for H = 1, fixed so
/// the page reads the same every run.
const W: f64 = 0.9;
/// The inputs x_1 … x_4 (the input term, an input weight times the input, as one number).
const XS: [f64; 4] = [0.5, 0.25, -0.25, 0.5];

/// The nodes a reader follows: h_t and a_t for t = 1 … T.
struct Unrolled<'t> {
    h: Vec<Var<'t, f64>>,
    a: Vec<Var<'t, f64>>,
}

/// h_t = tanh(w·h_(t−1) + x_t) for t = 1 … 4 (each step in its own layer scope, `t=1` …,
/// as `nn::Rnn` names them), h_0 = 0, L = h_4, with w = 0.9 × `scale` (the demo's `--scale`,
/// which multiplies W_hh): traced, with a title and context lines saying what to look for.
pub(super) fn small_rnn(scale: f64) -> HtmlTrace {
    let w_value = W * scale;
    let tape = Tape::<f64>::new();
    let w = tape.var("w", w_value);
    let mut h = tape.named_constant("h₀", 0.0);
    let mut net = Unrolled {
        h: Vec::new(),
        a: Vec::new(),
    };
    for (t, &x) in XS.iter().enumerate() {
        let t = t + 1;
        h = tape.layer(&format!("t={t}"), || {
            let x = tape.named_constant(&format!("x{}", subscript(t)), x);
            let a = w * h + x;
            net.a.push(a);
            a.tanh()
        });
        net.h.push(h);
    }
    let (grads, trace) = h.backward_traced(TraceOptions::default());
    let mut page = HtmlTrace::from_trace(&trace, "L");
    let name = |v: Var<'_, f64>| {
        page.nodes
            .iter()
            .find(|n| n.id == v.id().index())
            .map_or_else(|| "?".into(), |n| n.name.clone())
    };
    // One factor w·tanh′(a_t) per step back, from t = T down to t = 2.
    let steps = XS.len();
    let factors: Vec<f64> = (2..=steps)
        .rev()
        .map(|t| w_value * (1.0 - net.h[t - 1].item().expect("a scalar").powi(2)))
        .collect();
    let h1 = net.h[0];
    let gradient = grads.scalar(h1).expect("h₁ is on the path to L");
    let formula: Vec<String> = (2..=steps)
        .rev()
        .map(|t| format!("w·(1 − tanh({})²)", name(net.a[t - 1])))
        .collect();
    let gradients = vec![GradientLine {
        wrt: name(h1),
        formula: formula.join(" · "),
        value: gradient,
    }];
    let hs: Vec<String> = net.h.iter().map(|&h| name(h)).collect();
    let as_: Vec<String> = net.a.iter().map(|&a| name(a)).collect();
    let shown: Vec<String> = factors.iter().map(|&f| fmt_sig(f, 3)).collect();
    let largest = factors.iter().map(|f| f.abs()).fold(0.0, f64::max);
    let fate = if gradient.abs() < 1.0 {
        "smaller in size than ∂L/∂h₄ = 1: it shrinks"
    } else {
        "larger in size than ∂L/∂h₄ = 1: it grows"
    };
    let why = if w_value.abs() < 1.0 {
        format!(
            "|w| = {} < 1/γ = 1 (tanh′ ≤ 1), so no factor can exceed 1",
            fmt_num(w_value.abs())
        )
    } else {
        format!(
            "|w| = {} ≥ 1, so a factor exceeds 1 in size only where tanh′(a_t) > 1/|w|; the \
             largest |w·tanh′(a_t)| here is {}",
            fmt_num(w_value.abs()),
            fmt_sig(largest, 3)
        )
    };
    page.gradients = gradients;
    page.title = format!(
        "A one-unit RNN over {steps} steps, step by step: ∂L/∂h₁ = {}, one w·tanh′ per step back",
        fmt_num(gradient)
    );
    page.context = vec![
        format!(
            "h_t = tanh(w·h_(t−1) + x_t), h_0 = 0, w = 0.9 × --scale {} = {} (0.9: a draw \
             from PyTorch's U(±1) for one unit), x = {}; L = h_{steps}",
            fmt_num(scale),
            fmt_num(w_value),
            XS.map(fmt_num).join(", "),
        ),
        format!(
            "The tracer names h₁ … h₄ as {} and a₁ … a₄ (a_t = w·h_(t−1) + x_t) as {}; w is \
             one leaf, drawn again beside each step's product",
            hs.join(", "),
            as_.join(", ")
        ),
        format!(
            "Look for: each step back multiplies the gradient by tanh′(a_t) (the tanh step) and \
             by w (the mul step into h_(t−1)): ∂L/∂h₁ = w·tanh′(a₄) · w·tanh′(a₃) · w·tanh′(a₂) \
             = {} = {}, {fate}; {why}",
            shown.join(" × "),
            fmt_num(gradient)
        ),
    ];
    page
}

#[cfg(test)]
mod tests {
    use super::*;

    /// By hand (and in Python's math module): h_1 = tanh(0.5) = 0.462117, a_2 = 0.9·h_1 + 0.25
    /// = 0.665905, h_2 = 0.58228; each factor is 0.9·(1 − h_t²); the product of the three is
    /// 0.270076.
    #[test]
    fn the_gradient_at_h1_is_the_product_of_the_step_factors() {
        let page = small_rnn(1.0);
        let (mut h, mut hs) = (0.0f64, Vec::new());
        for x in XS {
            h = (W * h + x).tanh();
            hs.push(h);
        }
        let product: f64 = hs[1..].iter().map(|h| W * (1.0 - h * h)).product();
        let g = &page.gradients[0];
        assert!((g.value - product).abs() < 1e-12, "{}", g.value);
        assert_eq!(fmt_num(g.value), "0.270076");
        // Four multiplications per step (tanh, the sum into w·h_(t−1), w, h_(t−1)), less the
        // one into the constant h_0; none into the constant inputs.
        assert_eq!(page.steps.len(), 15);
        assert!(page.context[2].contains("0.543 × 0.836 × 0.595 = 0.270076"));
        assert!(page.context[2].contains("no factor can exceed 1"));
    }

    /// --scale multiplies w, as it multiplies W_hh in the demo.
    #[test]
    fn the_scale_multiplies_w() {
        let page = small_rnn(4.0);
        assert!(page.context[0].contains("w = 0.9 × --scale 4 = 3.6 (0.9"));
        assert!(page.context[2].contains("|w| = 3.6 ≥ 1"));
    }
}
