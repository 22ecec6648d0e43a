//! The measurement of `demo chaos`: for every multiplier and seed, one network's ‖∂L/∂W₁‖.
//!
//! Each network is the one [`DeepNet::measure`] builds for its seed (the same draws in the same
//! order, the same ops), run forward and back once; only the two numbers this demo reports are
//! read off, so none of the per-layer statistics the other demos need is computed. The networks
//! are independent: they run on every core, and each result goes to its own slot, so the report
//! does not depend on the number of threads. A progress bar counts the networks on a terminal.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde::Serialize;

use chaintrace::Tape;
use chaintrace::nn::{Layer, Linear, ParamStore, init};

use super::super::deepnet::{Activation, DeepNet, norm_f64};
use super::super::present::median;
use super::{ChaosArgs, scheme};
use crate::cli::progress::Progress;

#[derive(Debug, Serialize)]
pub(super) struct ChaosReport {
    pub(super) depth: usize,
    pub(super) width: usize,
    pub(super) batch: usize,
    pub(super) activation: Activation,
    /// The critical standard deviation the multipliers scale.
    pub(super) critical_std: f64,
    pub(super) seeds: Vec<u64>,
    pub(super) runs: Vec<MultiplierRun>,
}

/// Every seed at one multiplier.
#[derive(Debug, Serialize)]
pub(super) struct MultiplierRun {
    pub(super) multiplier: f64,
    pub(super) std: f64,
    /// ‖∂L/∂W₁‖, one per seed.
    #[serde(with = "chaintrace::report::serde_number::vec")]
    pub(super) first_layer: Vec<f64>,
    /// ‖∂L/∂x‖, one per seed.
    #[serde(with = "chaintrace::report::serde_number::vec")]
    pub(super) input: Vec<f64>,
}

impl MultiplierRun {
    pub(super) fn min(&self) -> f64 {
        self.first_layer
            .iter()
            .copied()
            .fold(f64::INFINITY, f64::min)
    }

    pub(super) fn max(&self) -> f64 {
        self.first_layer
            .iter()
            .copied()
            .fold(f64::NEG_INFINITY, f64::max)
    }

    pub(super) fn median(&self) -> f64 {
        median(&self.first_layer)
    }
}

pub(super) fn measure(args: &ChaosArgs, seed: u64) -> ChaosReport {
    let (depth, width) = (args.depth as usize, args.width as usize);
    let scheme = scheme(args.activation);
    let seeds: Vec<u64> = (0..u64::from(args.seeds))
        .map(|i| seed.wrapping_add(i))
        .collect();
    let mut multipliers = args.multipliers.clone();
    multipliers.sort_by(f64::total_cmp);
    multipliers.dedup();
    let nets: Vec<DeepNet> = multipliers
        .iter()
        .flat_map(|&m| {
            seeds.iter().map(move |&s| DeepNet {
                depth,
                width,
                batch: args.batch as usize,
                init: scheme.init(m),
                activation: args.activation,
                residual: false,
                batchnorm: false,
                seed: s,
            })
        })
        .collect();
    let progress = Mutex::new(Progress::new("demo chaos", nets.len()));
    let measured = on_every_core(&nets, first_layer_gradient, &progress);
    let runs = multipliers
        .iter()
        .zip(measured.chunks(seeds.len()))
        .map(|(&m, measured)| MultiplierRun {
            multiplier: m,
            std: scheme.std(width, m),
            first_layer: measured.iter().map(|r| r.0).collect(),
            input: measured.iter().map(|r| r.1).collect(),
        })
        .collect();
    ChaosReport {
        depth,
        width,
        batch: args.batch as usize,
        activation: args.activation,
        critical_std: scheme.std(width, 1.0),
        seeds,
        runs,
    }
}

/// `f` of every item, in order, computed on as many threads as the machine has cores; each
/// finished item ticks `progress`.
fn on_every_core<I: Sync, R: Send + Copy + Default>(
    items: &[I],
    f: fn(&I) -> R,
    progress: &Mutex<Progress>,
) -> Vec<R> {
    let threads = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .min(items.len())
        .max(1);
    let next = AtomicUsize::new(0);
    let mut out = vec![R::default(); items.len()];
    let done: Vec<Vec<(usize, R)>> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(item) = items.get(i) else { break };
                        mine.push((i, f(item)));
                        progress
                            .lock()
                            .unwrap_or_else(std::sync::PoisonError::into_inner)
                            .tick();
                    }
                    mine
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().expect("a network's measurement does not panic"))
            .collect()
    });
    for (i, r) in done.into_iter().flatten() {
        out[i] = r;
    }
    out
}

/// (‖∂L/∂W₁‖, ‖∂L/∂x‖) of `net`: the network and batch [`DeepNet::measure`] draws for its seed
/// (x first, then each layer's weight and bias in order), h_k = f(h_(k−1)·W_kᵀ + b_k),
/// L = mean(h_L), one backward pass without the tracer.
fn first_layer_gradient(net: &DeepNet) -> (f64, f64) {
    let mut store = ParamStore::<f64>::new(net.seed);
    let x_value = init::normal::<f64>(&[net.batch, net.width], 1.0, store.rng());
    let layers: Vec<Linear> = (1..=net.depth)
        .map(|k| {
            Linear::new(
                &mut store,
                &format!("fc{k}"),
                net.width,
                net.width,
                net.init,
            )
        })
        .collect();
    let tape = Tape::<f64>::new();
    let p = store.bind(&tape);
    let x = tape.var("x", x_value);
    let mut h = x;
    for layer in &layers {
        let z = layer.compute(&tape, &p, h);
        h = match net.activation {
            Activation::Tanh => z.tanh(),
            Activation::Relu => z.relu(),
        };
    }
    let grads = h.mean().backward();
    let w1 = p
        .node(layers[0].weight())
        .and_then(|id| grads.get(id))
        .map_or(f64::NAN, norm_f64);
    let input = grads.wrt(x).map_or(f64::NAN, norm_f64);
    (w1, input)
}
