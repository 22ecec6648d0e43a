//! The deep networks that `demo init`, `residual`, `batchnorm` and `chaos` measure, and the
//! measurement: one traced backward pass, read through the tracer's per-layer ledger.
//!
//! A network is `depth` blocks of `width` units on a batch of `batch` inputs
//! `x ~ N(0, 1)`. Block k computes `h_k = act(W_k·h_(k−1) + b_k)` (with `BatchNorm1d`
//! between the affine map and the activation, and `h_(k−1) + …` around it for a residual
//! block), all inside one layer scope `layer{k}`, so the ledger has exactly one row per block.
//! The loss is `L = mean(h_L)`: its gradient, `1/(batch·width)` in every entry, does not
//! depend on how large `h_L` has become, so every change of ‖∂L/∂h_k‖ from one block to the
//! next is made by that block on the way back.
//!
//! The files: this one builds and measures the network ([`DeepNet`], its blocks and the one
//! traced pass); `activation.rs` and `scheme.rs` are the choices a network is built from (its
//! nonlinearity and how its weights are drawn); `measurement.rs` is what a pass yields
//! ([`Measurement`], the ledger's [`Flag`]s and their thresholds); `tests.rs` tests them.

mod activation;
mod measurement;
mod scheme;
#[cfg(test)]
mod tests;

pub use activation::Activation;
pub use measurement::{EXPLODING, Flag, Measurement, VANISHING, mean_std, norm_f64};
pub use scheme::Scheme;

use chaintrace::hooks::Scale;
use chaintrace::nn::{BatchNorm1d, Init, Layer, Linear, ParamStore, Params, init};
use chaintrace::trace::LayerRow;
use chaintrace::{Float, Tape, TraceOptions, Var};

/// A deep MLP, fully described (the same description and seed give the same numbers).
#[derive(Clone, Copy, Debug)]
pub struct DeepNet {
    pub depth: usize,
    pub width: usize,
    pub batch: usize,
    pub init: Init,
    pub activation: Activation,
    pub residual: bool,
    pub batchnorm: bool,
    /// Seeds the input and then the weights, drawn in that order from one generator.
    pub seed: u64,
}

/// What to record besides the ledger.
#[derive(Clone, Copy, Debug, Default)]
pub struct Probe {
    /// Split ‖∂L/∂x‖ by path length (costs one VJP per edge and length).
    pub path_lengths: bool,
    /// Cut every residual block's skip edge in the backward pass (`hook_edge(h, 0, Scale(0))`).
    pub cut_skips: bool,
}

/// One block: `act(BN(W·h + b))`, or `h + act(…)`.
struct Block<T: Float> {
    name: String,
    linear: Linear,
    norm: Option<BatchNorm1d<T>>,
    activation: Activation,
    residual: bool,
}

impl<T: Float> Layer<T> for Block<T> {
    fn name(&self) -> &str {
        &self.name
    }

    fn params(&self) -> Vec<chaintrace::nn::ParamId> {
        let mut ids = Layer::<T>::params(&self.linear);
        ids.extend(self.norm.iter().flat_map(|n| n.params()));
        ids
    }

    /// Records the parts with `compute`, not `forward`, so they share the block's one scope
    /// (nested scopes would be ledger rows of their own and lengthen every path).
    fn compute<'t>(&self, tape: &'t Tape<T>, p: &Params<'t, T>, x: Var<'t, T>) -> Var<'t, T> {
        let branch = |h: Var<'t, T>| {
            let z = self.linear.compute(tape, p, h);
            let z = match &self.norm {
                Some(bn) => bn.compute(tape, p, z),
                None => z,
            };
            self.activation.apply(z)
        };
        if self.residual {
            tape.residual(x, branch)
        } else {
            branch(x)
        }
    }
}

impl DeepNet {
    /// Builds the network in `T`, runs it forward and back once with the tracer, and reads
    /// the numbers off the ledger.
    pub fn measure<T: Float>(&self, probe: Probe) -> Measurement {
        let mut store = ParamStore::<T>::new(self.seed);
        let x_value = init::normal::<T>(&[self.batch, self.width], 1.0, store.rng());
        let blocks = self.blocks(&mut store);
        let tape = Tape::<T>::new();
        let p = store.bind(&tape);
        let x = tape.var("x", x_value);
        let mut hs = vec![x];
        for block in &blocks {
            let h = block.forward(&tape, &p, *hs.last().expect("x"));
            if probe.cut_skips && self.residual {
                tape.hook_edge(h, 0, Scale(0.0));
            }
            hs.push(h);
        }
        let loss = hs.last().expect("blocks").mean();
        let options = TraceOptions::ledger_only()
            .with_paths(probe.path_lengths)
            .with_thresholds(EXPLODING, VANISHING);
        let (grads, trace) = loss.backward_traced(options);
        let (grad_norms, flags) = self.read_ledger(trace.ledger());
        let stats: Vec<(f64, f64)> = hs.iter().map(|h| mean_std(&h.value())).collect();
        let weight_grads = blocks
            .iter()
            .map(|b| {
                p.node(b.linear.weight())
                    .and_then(|id| grads.get(id))
                    .map_or(f64::NAN, norm_f64)
            })
            .collect();
        let deriv_sq = hs[1..]
            .iter()
            .map(|h| self.mean_deriv_sq(&tape, *h))
            .collect();
        let path_lengths = trace
            .path_lengths()
            .iter()
            .find(|s| s.node == x.id())
            .map(|s| s.parts.clone())
            .unwrap_or_default();
        Measurement {
            dtype: T::NAME,
            loss: loss.value().item().map_or(f64::NAN, Float::as_f64),
            grad_norms,
            flags,
            act_mean: stats.iter().map(|s| s.0).collect(),
            act_std: stats.iter().map(|s| s.1).collect(),
            weight_grads,
            deriv_sq,
            path_lengths,
            output: hs[self.depth]
                .value()
                .to_vec()
                .into_iter()
                .map(Float::as_f64)
                .collect(),
        }
    }

    /// E[f′(z)²] of a block's activation, read from its output (for a residual block, the
    /// second input of the final sum).
    fn mean_deriv_sq<T: Float>(&self, tape: &Tape<T>, h: Var<'_, T>) -> f64 {
        let activation_output = if self.residual {
            tape.var_at(tape.nodes().node(h.id().index()).input(1).node)
                .value()
        } else {
            h.value()
        };
        let v = activation_output.to_vec();
        let total: f64 = v
            .iter()
            .map(|a| self.activation.deriv_sq_from_output(a.as_f64()))
            .sum();
        total / v.len() as f64
    }

    fn blocks<T: Float>(&self, store: &mut ParamStore<T>) -> Vec<Block<T>> {
        (1..=self.depth)
            .map(|k| Block {
                name: format!("layer{k}"),
                linear: Linear::new(store, &format!("fc{k}"), self.width, self.width, self.init),
                norm: self
                    .batchnorm
                    .then(|| BatchNorm1d::new(store, &format!("bn{k}"), self.width)),
                activation: self.activation,
                residual: self.residual,
            })
            .collect()
    }

    /// ‖∂L/∂h_k‖ and its flag for k = 0..=L: row `layer{k}` holds ‖∂L/∂h_k‖ as its output
    /// norm and ‖∂L/∂h_(k−1)‖ as its input norm (for layer1 the input is the leaf x).
    fn read_ledger(&self, ledger: &[LayerRow]) -> (Vec<f64>, Vec<Flag>) {
        let l = self.depth;
        let mut norms = vec![f64::NAN; l + 1];
        let mut flags = vec![Flag::Ok; l + 1];
        for row in ledger {
            let Some(k) = row
                .layer
                .strip_prefix("layer")
                .and_then(|k| k.parse::<usize>().ok())
                .filter(|k| (1..=l).contains(k))
            else {
                continue;
            };
            norms[k] = row.output_norm;
            norms[k - 1] = row.input_norm.unwrap_or(f64::NAN);
            flags[k - 1] = Flag::of(row);
        }
        if !norms[l].is_finite() {
            flags[l] = Flag::NonFinite;
        }
        (norms, flags)
    }
}
