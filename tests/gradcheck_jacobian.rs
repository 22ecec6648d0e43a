//! `check::gradcheck` compares the whole Jacobian, not the gradient of the summed output: a
//! negative control whose vector-Jacobian product is right on the sum and wrong elsewhere
//! fails it (and passes a sum-based check), and the crate's ops and layers pass it on their raw,
//! non-scalar outputs.

use chaintrace::check::{GradcheckOptions, Probe, Sampling, gradcheck, gradcheck_with};
use chaintrace::nn::{BatchNorm1d, Gru, Init, Layer, LayerNorm, Linear, Lstm, ParamStore};
use chaintrace::ops::Op;
use chaintrace::symbolic::Expr;
use chaintrace::{Float, Result, Tape, Tensor, Var};

/// `y = x` on a vector, with a VJP that hands each element its neighbour's gradient:
/// `∂L/∂x[k] = g[swap(k)]` where `swap` exchanges `pair` and `pair + 1`. Seeded with ones (a
/// summed output), `g` is all ones and the swap changes nothing; any other seed exposes it.
#[derive(Debug)]
struct SwappedIdentity {
    pair: usize,
}

impl<T: Float> Op<T> for SwappedIdentity {
    fn name(&self) -> &'static str {
        "swapped_identity"
    }
    fn forward(&self, x: &[&Tensor<T>]) -> Result<Tensor<T>> {
        Ok(x[0].clone())
    }
    fn vjp(&self, _slot: usize, _x: &[&Tensor<T>], _y: &Tensor<T>, g: &Tensor<T>) -> Tensor<T> {
        let mut data = g.to_vec();
        data.swap(self.pair, self.pair + 1);
        Tensor::from_vec(data, g.shape())
    }
    fn symbolic(&self, x: &[Expr]) -> Expr {
        x[0].clone()
    }
    fn local_derivative(&self, _slot: usize, _x: &[Expr]) -> Expr {
        Expr::constant(1.0)
    }
}

#[test]
fn a_vjp_right_only_on_the_sum_passes_a_summed_check_and_fails_the_jacobian_check() {
    let x = Tensor::from_vec(vec![0.5, -1.5], &[2]);
    let op = || SwappedIdentity { pair: 0 };
    // What gradcheck did before: differentiate Σy. The swap is invisible.
    let summed = gradcheck(
        std::slice::from_ref(&x),
        |tape, v| tape.apply(op(), &[v[0]]).sum(),
        GradcheckOptions::default(),
    );
    assert!(summed.passed(), "{summed}");
    assert_eq!(summed.checked, 2);

    // The Jacobian check: ∂y[1]/∂x = [0, 1], but the VJP seeded with [0, 1] gives [1, 0]
    // (and row 0 is wrong the other way). The worst entry is the one whose true value is 0,
    // where only atol applies: ∂y[1]/∂x[0], analytic 1, numeric 0.
    let full = gradcheck(
        &[x],
        |tape, v| tape.apply(op(), &[v[0]]),
        GradcheckOptions::default(),
    );
    assert!(!full.passed(), "{full}");
    assert_eq!((full.checked, full.outputs, full.rows), (4, 2, 2));
    let worst = full.worst.clone().expect("entries were compared");
    assert_eq!((worst.input, worst.element), (0, 0));
    assert_eq!(worst.output, Probe::Element(1));
    assert_eq!(worst.analytic, 1.0);
    assert!(worst.numeric.abs() < 1e-9, "{full}");
    let shown = full.to_string();
    assert!(
        shown.starts_with("gradcheck FAILED over 4 entries (all 2 output elements); worst: input 0 element 0, output element 1: analytic 1.000000000e0"),
        "{shown}"
    );
}

fn swap_100<'t>(tape: &'t Tape<f64>, v: &[Var<'t, f64>]) -> Var<'t, f64> {
    tape.apply(SwappedIdentity { pair: 100 }, &[v[0]])
}

/// On an output too large to check row by row, the random projections catch an error that the
/// sampled rows miss.
#[test]
fn random_projections_catch_an_error_between_the_sampled_rows() {
    let n = 200;
    let x = Tensor::from_vec((0..n).map(|k| (k as f64 * 0.61).sin()).collect(), &[n]);
    let sampling = Sampling {
        full_up_to: 64,
        rows: 4, // rows 0, 66, 132, 199: not 100 or 101
        projections: 4,
        seed: 1,
    };
    let report = gradcheck_with(
        std::slice::from_ref(&x),
        swap_100,
        GradcheckOptions::default(),
        sampling,
    );
    assert!(!report.passed(), "{report}");
    assert_eq!((report.outputs, report.rows, report.projections), (n, 4, 4));
    assert_eq!(report.checked, n * 8);
    let worst = report.worst.clone().unwrap();
    assert!(matches!(worst.output, Probe::Projection(_)), "{report}");
    assert!(worst.element == 100 || worst.element == 101, "{report}");
    // The same seed gives the same report.
    assert_eq!(
        gradcheck_with(&[x], swap_100, GradcheckOptions::default(), sampling),
        report
    );
}

#[test]
fn a_scalar_output_is_one_row() {
    let x = Tensor::from_vec(vec![0.3, -1.2, 0.8], &[3]);
    let report = gradcheck(&[x], |_, v| v[0].tanh().sum(), GradcheckOptions::default());
    assert!(report.passed(), "{report}");
    assert_eq!((report.checked, report.outputs, report.rows), (3, 1, 1));
    assert_eq!(report.projections, 0);
}

/// The ops whose outputs are coupled across elements (softmax and log-softmax sum to a
/// constant; matmul, reductions, concatenation mix elements), on their raw outputs.
#[test]
fn coupled_ops_pass_on_their_raw_outputs() {
    let a = Tensor::from_vec(vec![0.3, -1.2, 0.8, 2.0, -0.5, 1.1], &[2, 3]);
    let b = Tensor::from_vec(vec![0.5, -0.7, 1.1, 0.2, -0.4, 0.9], &[3, 2]);
    let check = |name: &str,
                 inputs: &[Tensor<f64>],
                 f: &dyn for<'t> Fn(&[Var<'t, f64>]) -> Var<'t, f64>| {
        let report = gradcheck(inputs, |_, v| f(v), GradcheckOptions::default());
        assert!(report.passed(), "{name}: {report}");
        assert_eq!(report.rows, report.outputs, "{name}");
    };
    check("softmax", std::slice::from_ref(&a), &|v| v[0].softmax());
    check("log_softmax", std::slice::from_ref(&a), &|v| {
        v[0].log_softmax()
    });
    check("matmul", &[a.clone(), b.clone()], &|v| v[0].matmul(v[1]));
    check("sum_axis", std::slice::from_ref(&a), &|v| v[0].sum_axis(0));
    check("mean_axis", std::slice::from_ref(&a), &|v| {
        v[0].mean_axis(1)
    });
    check("transpose", std::slice::from_ref(&a), &|v| v[0].transpose());
    check("concat", &[a.clone(), b.clone()], &|v| {
        Var::concat(&[v[0], v[1].transpose()], 0)
    });
    check("broadcast mul", &[a.clone(), b.clone()], &|v| {
        v[0] * v[1].select(1, 0).reshape(&[1, 3])
    });
}

/// An input whose elements vary in size and sign.
fn input(shape: &[usize]) -> Tensor<f64> {
    let n: usize = shape.iter().product();
    Tensor::from_vec(
        (1..=n).map(|k| (0.9 * k as f64 + 0.3).sin()).collect(),
        shape,
    )
}

/// Full-Jacobian check of a layer's raw output over its input and every parameter.
fn check_layer(layer: &dyn Layer<f64>, store: &ParamStore<f64>, x: Tensor<f64>) {
    let mut inputs = vec![x];
    inputs.extend(store.tensors());
    let report = gradcheck(
        &inputs,
        |tape, v| layer.forward(tape, &store.bind_vars(tape, &v[1..]), v[0]),
        GradcheckOptions::default(),
    );
    assert!(report.passed(), "{}: {report}", layer.name());
    assert_eq!(report.rows, report.outputs, "{}", layer.name());
}

#[test]
fn layers_pass_on_their_raw_outputs() {
    let mut store = ParamStore::new(1);
    let fc = Linear::new(&mut store, "fc", 3, 4, Init::Torch);
    check_layer(&fc, &store, input(&[5, 3]));

    let mut store = ParamStore::new(2);
    let bn = BatchNorm1d::new(&mut store, "bn", 3);
    *store.get_mut(bn.weight()) = Tensor::from_vec(vec![1.5, -0.7, 0.3], &[3]);
    check_layer(&bn, &store, input(&[5, 3]));

    let mut store = ParamStore::new(3);
    let ln = LayerNorm::new(&mut store, "ln", 4);
    *store.get_mut(ln.weight()) = Tensor::from_vec(vec![1.2, 0.8, -0.5, 2.0], &[4]);
    check_layer(&ln, &store, input(&[3, 4]));

    let mut store = ParamStore::new(4);
    let lstm = Lstm::new(&mut store, "lstm", 2, 3, Init::Torch);
    check_layer(&lstm, &store, input(&[4, 2, 2]));

    let mut store = ParamStore::new(5);
    let gru = Gru::new(&mut store, "gru", 2, 3, Init::Torch);
    check_layer(&gru, &store, input(&[3, 2, 2]));
}
