//! The measurement of `demo chaos`: for every σ_w and seed, one tanh network run forward and
//! back once on pairs of inputs 10⁻⁶ apart.
//!
//! Network s at σ_w draws, from one generator seeded with s and in this order: the inputs'
//! Gaussian numbers g ([B, n]), the directions u of the perturbations ([B, n]), then each
//! layer's weights ([n, n]) and biases ([n]). Every σ_w reuses the same draws, only scaled, so
//! the networks differ between σ_w by the scale alone. The inputs are x = tanh(√q*·g), a
//! layer's output at the fixed point, so z_1 already has variance q* and every layer is alike;
//! their twins are x′ = x + 10⁻⁶·u/‖u‖. The networks are independent: they run on every core,
//! each result in its own slot, so the report does not depend on the number of threads.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use chaintrace::nn::init;
use chaintrace::{Tape, Tensor};

use super::super::deepnet::norm_f64;
use super::super::present::median;
use super::ChaosArgs;
use super::mean_field::{chi1, critical_sigma_w, q_star};
use crate::cli::progress::Progress;

/// How far apart the two inputs of a pair start.
pub(super) const SEPARATION: f64 = 1e-6;

/// The separation grows by √χ₁ per layer while it is small against the pre-activations
/// themselves: the growth rate is measured over the layers where ‖z − z′‖/‖z‖ lies in
/// [`LINEAR_LOW`, `LINEAR_HIGH`] (above f64's rounding, below the saturation).
pub(super) const LINEAR_HIGH: f64 = 1e-3;
/// See [`LINEAR_HIGH`].
pub(super) const LINEAR_LOW: f64 = 1e-12;

#[derive(Debug, Serialize)]
pub(super) struct ChaosReport {
    pub(super) depth: usize,
    pub(super) width: usize,
    /// Pairs of inputs per network.
    pub(super) pairs: usize,
    pub(super) sigma_b: f64,
    pub(super) separation: f64,
    /// The σ_w where χ₁ = 1 at this σ_b.
    pub(super) critical_sigma_w: f64,
    pub(super) seeds: Vec<u64>,
    pub(super) runs: Vec<SigmaRun>,
}

/// Every seed at one σ_w, beside the mean-field prediction.
#[derive(Debug, Serialize)]
pub(super) struct SigmaRun {
    pub(super) sigma_w: f64,
    /// The fixed point of the variance map.
    pub(super) q_star: f64,
    /// σ_w²·E[tanh′(√q*·z)²].
    pub(super) chi1: f64,
    /// (‖∂L/∂x‖/‖∂L/∂h_L‖)^(1/L), one per seed: the gradient's gain per layer.
    #[serde(with = "chaintrace::report::serde_number::vec")]
    pub(super) gains: Vec<f64>,
    /// The separation's growth per layer where it is small, one per seed (NaN where no two
    /// layers are in that range).
    #[serde(with = "chaintrace::report::serde_number::vec")]
    pub(super) growths: Vec<f64>,
    /// ‖z_k − z′_k‖, the root mean square over pairs and seeds, k = 0..=L (k = 0: the inputs).
    #[serde(with = "chaintrace::report::serde_number::vec")]
    pub(super) distance: Vec<f64>,
    /// 1 − cos(z_L, z′_L), the mean over pairs and seeds.
    #[serde(with = "chaintrace::report::serde_number")]
    pub(super) decorrelation: f64,
    /// ‖z_L‖, the root mean square over the inputs x and seeds: the scale the distance is
    /// measured against.
    #[serde(with = "chaintrace::report::serde_number")]
    pub(super) size: f64,
}

impl SigmaRun {
    /// √χ₁: the mean-field gain per layer.
    pub(super) fn predicted(&self) -> f64 {
        self.chi1.sqrt()
    }

    /// The geometric mean of the seeds' gains.
    pub(super) fn gain(&self) -> f64 {
        geometric_mean(&self.gains)
    }

    /// The median of the seeds' separation growths (NaN sorts last; NaN if none was
    /// measured): robust to a seed whose window of small separations is short.
    pub(super) fn growth(&self) -> f64 {
        let measured: Vec<f64> = self
            .growths
            .iter()
            .copied()
            .filter(|g| g.is_finite())
            .collect();
        median(&measured)
    }

    pub(super) fn gain_range(&self) -> (f64, f64) {
        let lo = self.gains.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = self.gains.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        (lo, hi)
    }
}

fn geometric_mean(v: &[f64]) -> f64 {
    (v.iter().map(|x| x.ln()).sum::<f64>() / v.len() as f64).exp()
}

/// One network's numbers.
#[derive(Clone, Debug, Default)]
struct NetResult {
    gain: f64,
    growth: f64,
    /// Σ over pairs of ‖z_k − z′_k‖², k = 0..=L.
    distance_sq: Vec<f64>,
    /// Σ over pairs of 1 − cos(z_L, z′_L).
    decorrelation: f64,
    /// Σ over the inputs x of ‖z_L‖².
    size_sq: f64,
}

/// One network to run.
struct Net {
    depth: usize,
    width: usize,
    pairs: usize,
    sigma_w: f64,
    sigma_b: f64,
    q_star: f64,
    seed: u64,
}

pub(super) fn measure(args: &ChaosArgs, seed: u64) -> ChaosReport {
    let (depth, width, pairs) = (
        args.depth as usize,
        args.width as usize,
        args.batch as usize,
    );
    let seeds: Vec<u64> = (0..u64::from(args.seeds))
        .map(|i| seed.wrapping_add(i))
        .collect();
    let mut sigmas = args.sigma_w.clone();
    sigmas.sort_by(f64::total_cmp);
    sigmas.dedup();
    let fixed: Vec<f64> = sigmas.iter().map(|&w| q_star(w, args.sigma_b)).collect();
    let nets: Vec<Net> = sigmas
        .iter()
        .zip(&fixed)
        .flat_map(|(&sigma_w, &q)| {
            seeds.iter().map(move |&s| Net {
                depth,
                width,
                pairs,
                sigma_w,
                sigma_b: args.sigma_b,
                q_star: q,
                seed: s,
            })
        })
        .collect();
    let progress = Mutex::new(Progress::new("demo chaos", nets.len()));
    let measured = on_every_core(&nets, run_net, &progress);
    let runs = sigmas
        .iter()
        .zip(&fixed)
        .zip(measured.chunks(seeds.len()))
        .map(|((&sigma_w, &q), nets)| {
            let count = (nets.len() * pairs) as f64;
            SigmaRun {
                sigma_w,
                q_star: q,
                chi1: chi1(sigma_w, q),
                gains: nets.iter().map(|r| r.gain).collect(),
                growths: nets.iter().map(|r| r.growth).collect(),
                distance: (0..=depth)
                    .map(|k| (nets.iter().map(|r| r.distance_sq[k]).sum::<f64>() / count).sqrt())
                    .collect(),
                decorrelation: nets.iter().map(|r| r.decorrelation).sum::<f64>() / count,
                size: (nets.iter().map(|r| r.size_sq).sum::<f64>() / count).sqrt(),
            }
        })
        .collect();
    ChaosReport {
        depth,
        width,
        pairs,
        sigma_b: args.sigma_b,
        separation: SEPARATION,
        critical_sigma_w: critical_sigma_w(args.sigma_b),
        seeds,
        runs,
    }
}

/// `f` of every item, in order, computed on as many threads as the machine has cores; each
/// finished item ticks `progress`.
fn on_every_core<I: Sync, R: Send + Clone + Default>(
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

/// Runs `net` on its pairs: rows 0..B of the batch are the inputs x, rows B..2B their twins
/// x′. z_k = h_(k−1)·W_kᵀ + b_k, h_k = tanh(z_k), L = mean(h_L), one backward pass.
fn run_net(net: &Net) -> NetResult {
    let (b, n) = (net.pairs, net.width);
    let mut rng = ChaCha8Rng::seed_from_u64(net.seed);
    let g = init::normal::<f64>(&[b, n], 1.0, &mut rng).to_vec();
    let u = init::normal::<f64>(&[b, n], 1.0, &mut rng).to_vec();
    let s = net.q_star.sqrt();
    let x: Vec<f64> = g.iter().map(|g| (s * g).tanh()).collect();
    let mut rows = x.clone();
    for (i, row) in u.chunks(n).enumerate() {
        let norm = row.iter().map(|v| v * v).sum::<f64>().sqrt();
        rows.extend(
            row.iter()
                .zip(&x[i * n..(i + 1) * n])
                .map(|(v, x)| x + SEPARATION * v / norm),
        );
    }
    let tape = Tape::<f64>::new();
    let input = tape.var("x", Tensor::from_vec(rows.clone(), &[2 * b, n]));
    let mut distance_sq = vec![pair_stats(&rows, b, n).0];
    let mut last = (0.0, 0.0, 0.0);
    let mut relative = Vec::new();
    let mut h = input;
    for k in 1..=net.depth {
        let w = init::normal::<f64>(&[n, n], net.sigma_w / (n as f64).sqrt(), &mut rng);
        let bias = init::normal::<f64>(&[n], net.sigma_b, &mut rng);
        let z = h.matmul_t(tape.var(&format!("W{k}"), w)) + tape.var(&format!("b{k}"), bias);
        let stats = pair_stats(&z.value().to_vec(), b, n);
        distance_sq.push(stats.0);
        relative.push((stats.0 / stats.1).sqrt());
        last = stats;
        h = z.tanh();
    }
    let grads = h.mean().backward();
    let top = grads.wrt(h).map_or(f64::NAN, norm_f64);
    let bottom = grads.wrt(input).map_or(f64::NAN, norm_f64);
    NetResult {
        gain: (bottom / top).powf(1.0 / net.depth as f64),
        growth: linear_growth(&distance_sq, &relative),
        distance_sq,
        decorrelation: last.2,
        size_sq: last.1,
    }
}

/// (Σ‖z_i − z′_i‖², Σ‖z_i‖², Σ(1 − cos(z_i, z′_i))) over the pairs of a [2B, n] batch. 1 − cos
/// is computed as (‖a − b‖² − (‖a‖ − ‖b‖)²)/(2‖a‖‖b‖), exact in real arithmetic and free of
/// the cancellation of 1 − a·b/(‖a‖‖b‖) when the two are close.
fn pair_stats(v: &[f64], b: usize, n: usize) -> (f64, f64, f64) {
    let (mut diff, mut size, mut decorrelation) = (0.0, 0.0, 0.0);
    for i in 0..b {
        let (p, q) = (&v[i * n..(i + 1) * n], &v[(b + i) * n..(b + i + 1) * n]);
        let d: f64 = p.iter().zip(q).map(|(x, y)| (x - y).powi(2)).sum();
        let (np, nq) = (
            p.iter().map(|x| x * x).sum::<f64>().sqrt(),
            q.iter().map(|x| x * x).sum::<f64>().sqrt(),
        );
        diff += d;
        size += np * np;
        if np > 0.0 && nq > 0.0 {
            decorrelation += (d - (np - nq).powi(2)) / (2.0 * np * nq);
        }
    }
    (diff, size, decorrelation)
}

/// (d_K/d_1)^(1/(K − 1)), d_k = ‖z_k − z′_k‖, over the layers 1..=K from the first on while
/// ‖z_k − z′_k‖/‖z_k‖ stays in [`LINEAR_LOW`, `LINEAR_HIGH`]; NaN if fewer than two.
fn linear_growth(distance_sq: &[f64], relative: &[f64]) -> f64 {
    let k = relative
        .iter()
        .take_while(|r| (LINEAR_LOW..=LINEAR_HIGH).contains(*r))
        .count();
    if k < 2 {
        return f64::NAN;
    }
    (distance_sq[k] / distance_sq[1])
        .sqrt()
        .powf(1.0 / (k - 1) as f64)
}
