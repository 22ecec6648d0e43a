//! The graphs `trace.rs` times and `trace_instructions.rs` counts: one definition, so the two
//! measure the same thing.

use chaintrace::{Tape, Tensor, Var};

/// A deterministic stream of values in [-1, 1) (xorshift; no global state).
struct Stream(u64);

impl Stream {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 52) as f64 - 1.0
    }

    fn tensor(&mut self, shape: &[usize], scale: f64) -> Tensor<f64> {
        let n = shape.iter().product();
        Tensor::from_vec((0..n).map(|_| self.next() * scale).collect(), shape)
    }
}

/// h ← tanh(W·h + b) `layers` times on a [64, 32] batch, weights inside their layers,
/// L = Σ h².
pub fn mlp(tape: &Tape<f64>, layers: usize) -> Var<'_, f64> {
    let mut s = Stream(0x9E37_79B9_7F4A_7C15);
    let mut h = tape.constant(s.tensor(&[64, 32], 1.0));
    for k in 0..layers {
        h = tape.layer(&format!("layer{k}"), || {
            let w = tape.var("W", s.tensor(&[64, 64], 1.5 / 8.0));
            let b = tape.var("b", s.tensor(&[64, 1], 0.1));
            (w.matmul(h) + b).tanh()
        });
    }
    h.square().sum()
}

/// y = w·(w·(…(w·x))) with `levels` multiplies of one shared `w`, no layers.
pub fn chain(tape: &Tape<f64>, levels: usize) -> Var<'_, f64> {
    let w = tape.var("w", 1.0 + 1e-6);
    let mut y = tape.var("x", 1.0);
    for _ in 0..levels {
        y = w * y;
    }
    y
}
