//! The three training workloads of issue 14 (forward + backward + SGD update, `f32`), each in
//! two forms that compute the same function from the same weights: `raw` (tape and tensors by
//! hand, SGD by hand) and `nn` (`ParamStore` + `Sequential` of `Linear` and activation
//! layers + `Sgd`, as the examples use them). Shared by `train.rs` (times) and
//! `train_instructions.rs` (instruction counts).

#![allow(dead_code)]

use chaintrace::nn::{Init, Layer, Linear, ParamStore, Relu, Sequential, Tanh};
use chaintrace::optim::{Optimizer, Sgd};
use chaintrace::{Gradients, Tape, Tensor, Var};

pub const LR: f32 = 1e-3;

/// A deterministic stream of numbers in [−1, 1) (splitmix64), for weights and inputs.
struct Numbers(u64);

impl Numbers {
    fn next(&mut self) -> f32 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        ((z >> 40) as f32 / (1u64 << 23) as f32) - 1.0
    }

    fn tensor(&mut self, shape: &[usize], scale: f32) -> Tensor<f32> {
        let n = shape.iter().product();
        Tensor::from_vec((0..n).map(|_| scale * self.next()).collect(), shape)
    }
}

#[derive(Clone, Copy)]
pub enum Activation {
    Relu,
    Tanh,
}

/// What the network is trained to: class indices (cross-entropy) or values (mean squared error).
#[derive(Clone)]
pub enum Targets {
    Classes(Vec<usize>),
    Values(Tensor<f32>),
}

/// One workload: the batch, the targets and the starting weights `(W [in, out], b [out])`.
#[derive(Clone)]
pub struct Workload {
    pub x: Tensor<f32>,
    pub targets: Targets,
    pub layers: Vec<(Tensor<f32>, Tensor<f32>)>,
    pub activation: Activation,
}

impl Workload {
    /// Layer widths `widths` (input first), Glorot-uniform weights, small biases, a batch of
    /// `batch` random inputs; class targets when the output is wider than 1, else values.
    pub fn new(widths: &[usize], batch: usize, activation: Activation) -> Self {
        let mut numbers = Numbers(7);
        let layers = widths
            .windows(2)
            .map(|w| {
                let scale = (6.0 / (w[0] + w[1]) as f32).sqrt();
                let weight = numbers.tensor(&[w[0], w[1]], scale);
                (weight, numbers.tensor(&[w[1]], 0.1))
            })
            .collect();
        let outputs = *widths.last().unwrap();
        let targets = match outputs {
            1 => Targets::Values(numbers.tensor(&[batch, 1], 1.0)),
            classes => Targets::Classes((0..batch).map(|i| (i * 7 + 3) % classes).collect()),
        };
        Workload {
            x: numbers.tensor(&[batch, widths[0]], 1.0),
            targets,
            layers,
            activation,
        }
    }

    pub fn loss<'t>(&self, tape: &'t Tape<f32>, out: Var<'t, f32>) -> Var<'t, f32> {
        match &self.targets {
            Targets::Classes(classes) => out.cross_entropy(classes),
            Targets::Values(values) => out.mse(tape.constant(values.clone())),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Raw ops
// ---------------------------------------------------------------------------------------------

/// `p ← p − lr·g`, into a new array in one pass: the step's tape still holds `p`'s storage (its
/// leaf), so changing it in place would first copy it.
pub fn sgd_by_hand(p: &mut Tensor<f32>, g: &Tensor<f32>) {
    let new = ndarray::Zip::from(&p.view())
        .and(&g.view())
        .map_collect(|&p, &g| p - LR * g);
    *p = Tensor::from_array(new);
}

/// One raw-op step on `w`'s weights; returns the loss before the update.
pub fn raw_step(w: &Workload, params: &mut [(Tensor<f32>, Tensor<f32>)]) -> f32 {
    let tape = Tape::new();
    let vars: Vec<_> = params
        .iter()
        .map(|(wt, b)| (tape.var("w", wt.clone()), tape.var("b", b.clone())))
        .collect();
    let mut h = tape.constant(w.x.clone());
    for (i, &(wv, bv)) in vars.iter().enumerate() {
        h = h.matmul(wv) + bv;
        if i + 1 < vars.len() {
            h = match w.activation {
                Activation::Relu => h.relu(),
                Activation::Tanh => h.tanh(),
            };
        }
    }
    let loss = w.loss(&tape, h);
    let grads = loss.backward();
    for ((wt, b), (wv, bv)) in params.iter_mut().zip(&vars) {
        sgd_by_hand(wt, grads.wrt(*wv).expect("a weight gradient"));
        sgd_by_hand(b, grads.wrt(*bv).expect("a bias gradient"));
    }
    loss.item().expect("a scalar loss")
}

// ---------------------------------------------------------------------------------------------
// The nn path
// ---------------------------------------------------------------------------------------------

/// The same network as a `Sequential` of `Linear` and activation layers, its weights set to the
/// raw ones (transposed to `[out, in]`).
pub struct Nn {
    store: ParamStore<f32>,
    model: Sequential<f32>,
    opt: Sgd<f32>,
}

impl Nn {
    pub fn new(w: &Workload) -> Self {
        let mut store = ParamStore::new(0);
        let mut model = Sequential::new("net");
        let last = w.layers.len() - 1;
        for (i, (wt, b)) in w.layers.iter().enumerate() {
            let (fan_in, fan_out) = (wt.shape()[0], wt.shape()[1]);
            let fc = Linear::new(&mut store, &format!("fc{i}"), fan_in, fan_out, Init::Torch);
            // In row-major order, as `Linear::new` makes it (`transpose` alone would give a
            // column-major view of the raw weights' storage, which no user's model has).
            let w_out_in = wt.transpose();
            *store.get_mut(fc.weight()) = Tensor::from_vec(w_out_in.to_vec(), w_out_in.shape());
            *store.get_mut(fc.bias()) = b.clone();
            model.push(fc);
            if i < last {
                match w.activation {
                    Activation::Relu => model.push(Relu::new(&format!("act{i}"))),
                    Activation::Tanh => model.push(Tanh::new(&format!("act{i}"))),
                }
            }
        }
        Nn {
            store,
            model,
            opt: Sgd::new(f64::from(LR)),
        }
    }

    /// One step through `ParamStore::bind`, `Layer::forward` and `Sgd::step`; returns the loss
    /// before the update.
    pub fn step(&mut self, w: &Workload) -> f32 {
        let tape = Tape::new();
        let p = self.store.bind(&tape);
        let out = self.model.forward(&tape, &p, tape.constant(w.x.clone()));
        let loss = w.loss(&tape, out);
        let grads: Gradients<f32> = loss.backward();
        self.opt.step(&mut self.store, &p, &grads);
        loss.item().expect("a scalar loss")
    }
}

/// Checks once, outside the timings, that the two forms compute the same losses over three
/// steps (so the same function and the same updates).
pub fn agree(w: &Workload) {
    let mut raw = w.layers.clone();
    let mut nn = Nn::new(w);
    for _ in 0..3 {
        let (a, b) = (raw_step(w, &mut raw), nn.step(w));
        assert!(
            a.is_finite() && (a - b).abs() <= 1e-4 * a.abs().max(1.0),
            "raw {a} vs nn {b}"
        );
    }
}

/// The MLP 784-256-256-10, ReLU, batch 64, cross-entropy over 10 classes.
pub fn mlp() -> Workload {
    Workload::new(&[784, 256, 256, 10], 64, Activation::Relu)
}

/// 50 layers of width 64, tanh, batch 32, cross-entropy over 64 classes.
pub fn deep() -> Workload {
    Workload::new(&[64; 51], 32, Activation::Tanh)
}

/// 2-16-16-1, tanh, batch 32, mean squared error.
pub fn small() -> Workload {
    Workload::new(&[2, 16, 16, 1], 32, Activation::Tanh)
}
