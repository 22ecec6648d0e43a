//! What a Hessian-vector product costs against a gradient (issue 16: "at most ~4×"), on the
//! workloads of `train.rs` (`f32`, the weights of each layer as leaves):
//!
//! - `gradient`: forward pass and `backward()`;
//! - `hvp`: forward pass, `grad(loss, params)` recorded on the tape, `Σ gᵢ·vᵢ` for a fixed
//!   direction `v`, and `grad` of that: `H·v` (Pearlmutter's trick, reverse-over-reverse).
//!
//! Both in one criterion group per workload, so the ratio is read from one run:
//! `cargo bench --bench hvp`. For an instruction counter (immune to the machine's load), run
//! the built binary as `hvp-* gradient|hvp mlp|deep|small STEPS` under
//! `valgrind --tool=callgrind` for two values of `STEPS` (docs/performance.md, section 7).

mod workloads;

use std::hint::black_box;
use std::time::Duration;

use chaintrace::{Tape, Tensor, Var, grad};
use criterion::Criterion;
use workloads::{Activation, Workload};

/// The forward pass of `w` on `tape`: its weight and bias leaves, and the loss.
fn forward<'t>(w: &Workload, tape: &'t Tape<f32>) -> (Vec<Var<'t, f32>>, Var<'t, f32>) {
    let mut params = Vec::new();
    let mut h = tape.constant(w.x.clone());
    for (i, (wt, b)) in w.layers.iter().enumerate() {
        let (wv, bv) = (tape.var("w", wt.clone()), tape.var("b", b.clone()));
        params.extend([wv, bv]);
        h = h.matmul(wv) + bv;
        if i + 1 < w.layers.len() {
            h = match w.activation {
                Activation::Relu => h.relu(),
                Activation::Tanh => h.tanh(),
            };
        }
    }
    (params, w.loss(tape, h))
}

fn gradient(w: &Workload) -> f32 {
    let tape = Tape::new();
    let (params, loss) = forward(w, &tape);
    let grads = loss.backward();
    grads.wrt(params[0]).expect("a gradient").view()[[0, 0]]
}

fn hvp(w: &Workload, direction: &[Tensor<f32>]) -> f32 {
    let tape = Tape::new();
    let (params, loss) = forward(w, &tape);
    let g = grad(loss, &params).expect("first order");
    let dot = g
        .iter()
        .zip(direction)
        .map(|(&gi, vi)| (gi * tape.constant(vi.clone())).sum())
        .reduce(|a, b| a + b)
        .expect("parameters");
    let hv = grad(dot, &params).expect("second order");
    hv[0].value().view()[[0, 0]]
}

/// A fixed direction: every parameter's shape, filled with ±1/√n alternating.
fn direction(w: &Workload) -> Vec<Tensor<f32>> {
    w.layers
        .iter()
        .flat_map(|(wt, b)| [wt, b])
        .map(|t| {
            let s = 1.0 / (t.len() as f32).sqrt();
            let v = (0..t.len())
                .map(|i| if i % 2 == 0 { s } else { -s })
                .collect();
            Tensor::from_vec(v, t.shape())
        })
        .collect()
}

fn workload(name: &str) -> Option<Workload> {
    match name {
        "mlp" => Some(workloads::mlp()),
        "deep" => Some(workloads::deep()),
        "small" => Some(workloads::small()),
        _ => None,
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let (Some(form @ ("gradient" | "hvp")), Some(w), Some(steps)) = (
        args.get(1).map(String::as_str),
        args.get(2).and_then(|n| workload(n)),
        args.get(3).and_then(|s| s.parse::<usize>().ok()),
    ) {
        let v = direction(&w);
        for _ in 0..steps {
            black_box(match form {
                "gradient" => gradient(&w),
                _ => hvp(&w, &v),
            });
        }
        return;
    }
    let mut c = Criterion::default().configure_from_args();
    for name in ["small", "deep", "mlp"] {
        let w = workload(name).expect("a workload");
        let v = direction(&w);
        let mut group = c.benchmark_group(format!("hvp_{name}"));
        group.sample_size(30);
        group.measurement_time(Duration::from_secs(3));
        group.bench_function("gradient", |b| b.iter(|| black_box(gradient(&w))));
        group.bench_function("hvp", |b| b.iter(|| black_box(hvp(&w, &v))));
        group.finish();
    }
    c.final_summary();
}
