//! No silent NaN (issue 12, item 4): a NaN in an op's input reaches the output elements that
//! depend on it and the gradients that depend on it, for every op in `src/ops`; and a mean over
//! nothing is an error, not `NaN`.
//!
//! "Depends on" is measured, not declared per op: output element `j` depends on input element
//! `i` when some finite value put in place of `xᵢ` changes `yⱼ` (likewise for gradient
//! elements, and for an element of the upstream gradient). So an elementwise op must make `yᵢ`
//! NaN, a softmax the whole row, a matmul the row of the product, `abs` its derivative at NaN
//! (it was 0); and a slice need not make anything NaN for an element it leaves out, nor
//! `powf(0)` (IEEE `NaN⁰ = 1`, named in `Powf`'s doc) for its value.

use chaintrace::ops::Mean;
use chaintrace::{Error, Tape, Tensor, Var};
use proptest::prelude::*;

/// One op under test: a name, the input shapes, whether inputs must be positive (`ln`,
/// `sqrt`), and how to record it.
struct Case {
    name: &'static str,
    shapes: &'static [&'static [usize]],
    positive: bool,
    build: for<'t> fn(&[Var<'t, f64>]) -> Var<'t, f64>,
}

const fn case(
    name: &'static str,
    shapes: &'static [&'static [usize]],
    build: for<'t> fn(&[Var<'t, f64>]) -> Var<'t, f64>,
) -> Case {
    Case {
        name,
        shapes,
        positive: false,
        build,
    }
}

const fn positive(mut c: Case) -> Case {
    c.positive = true;
    c
}

const V: &[&[usize]] = &[&[3]];
const S: &[&[usize]] = &[&[]];
const M: &[&[usize]] = &[&[2, 3]];
const MM: &[&[usize]] = &[&[2, 3], &[2, 3]];
const MV: &[&[usize]] = &[&[2, 3], &[3]];
const SS: &[&[usize]] = &[&[], &[]];

/// Every op in `src/ops`, on tensors and (where an op has a scalar fast path) on scalars.
fn cases() -> Vec<Case> {
    vec![
        // unary.rs
        case("tanh", V, |x| x[0].tanh()),
        case("tanh scalar", S, |x| x[0].tanh()),
        case("sigmoid", V, |x| x[0].sigmoid()),
        case("sigmoid scalar", S, |x| x[0].sigmoid()),
        case("relu", V, |x| x[0].relu()),
        case("relu scalar", S, |x| x[0].relu()),
        case("exp", V, |x| x[0].exp()),
        case("exp scalar", S, |x| x[0].exp()),
        positive(case("ln", V, |x| x[0].ln())),
        positive(case("ln scalar", S, |x| x[0].ln())),
        positive(case("sqrt", V, |x| x[0].sqrt())),
        positive(case("sqrt scalar", S, |x| x[0].sqrt())),
        case("square", V, |x| x[0].square()),
        case("square scalar", S, |x| x[0].square()),
        case("abs", V, |x| x[0].abs()),
        case("abs scalar", S, |x| x[0].abs()),
        case("powf(3)", V, |x| x[0].powf(3.0)),
        case("powf(3) scalar", S, |x| x[0].powf(3.0)),
        positive(case("powf(0.5)", V, |x| x[0].powf(0.5))),
        case("powf(0)", V, |x| x[0].powf(0.0)),
        // arith.rs
        case("add", MM, |x| x[0] + x[1]),
        case("add broadcast", MV, |x| x[0] + x[1]),
        case("add scalar", SS, |x| x[0] + x[1]),
        case("sub", MM, |x| x[0] - x[1]),
        case("sub broadcast", MV, |x| x[1] - x[0]),
        case("sub scalar", SS, |x| x[0] - x[1]),
        case("mul", MM, |x| x[0] * x[1]),
        case("mul broadcast", MV, |x| x[0] * x[1]),
        case("mul scalar", SS, |x| x[0] * x[1]),
        case("div", MM, |x| x[0] / x[1]),
        case("div broadcast", MV, |x| x[1] / x[0]),
        case("div scalar", SS, |x| x[0] / x[1]),
        case("neg", V, |x| -x[0]),
        case("neg scalar", S, |x| -x[0]),
        // matmul.rs
        case("matmul", &[&[2, 3], &[3, 2]], |x| x[0].matmul(x[1])),
        // reduce.rs
        case("sum", M, |x| x[0].sum()),
        case("mean", M, |x| x[0].mean()),
        case("sum_axis(0)", M, |x| x[0].sum_axis(0)),
        case("sum_axis(1)", M, |x| x[0].sum_axis(1)),
        case("mean_axis(0)", M, |x| x[0].mean_axis(0)),
        case("mean_axis(1)", M, |x| x[0].mean_axis(1)),
        // shape.rs
        case("transpose", M, |x| x[0].transpose()),
        case("reshape", M, |x| x[0].reshape(&[3, 2])),
        case("concat", &[&[1, 3], &[2, 3]], |x| Var::concat(x, 0)),
        case("slice", M, |x| x[0].slice(1, 1, 3)),
        case("select", M, |x| x[0].select(0, 1)),
        // loss.rs
        case("softmax", M, |x| x[0].softmax()),
        case("log_softmax", M, |x| x[0].log_softmax()),
        case("cross_entropy", M, |x| x[0].cross_entropy(&[0, 2])),
        case("cross_entropy one row", V, |x| x[0].cross_entropy(&[1])),
        case("mse", MM, |x| x[0].mse(x[1])),
    ]
}

/// The op's output and the gradient of `L = Σ y ⊙ w` with respect to each input.
struct Run {
    value: Vec<f64>,
    grads: Vec<Vec<f64>>,
}

fn run(case: &Case, inputs: &[Vec<f64>], w: Option<&[f64]>) -> Run {
    let tape = Tape::<f64>::new();
    let vars: Vec<Var<'_, f64>> = inputs
        .iter()
        .zip(case.shapes)
        .map(|(x, shape)| tape.var("x", Tensor::from_vec(x.clone(), shape)))
        .collect();
    let y = (case.build)(&vars);
    let shape = y.shape();
    let w = w.map_or_else(|| vec![1.0; y.value().len()], <[f64]>::to_vec);
    let loss = (y * tape.constant(Tensor::from_vec(w, &shape))).sum();
    let grads = loss.backward();
    Run {
        value: y.value().to_vec(),
        grads: vars
            .iter()
            .map(|v| grads.wrt(*v).expect("every input is on the path").to_vec())
            .collect(),
    }
}

/// The finite values tried in place of an element to find what depends on it.
const PROBES: [f64; 5] = [-1.7, -0.3, 0.0, 0.4, 2.5];

fn differs(a: f64, b: f64) -> bool {
    !(a == b || (a.is_nan() && b.is_nan()))
}

/// Which elements of `base` some probe changes (`probe(v)` recomputes with the probed value).
fn dependents(base: &[f64], probe: impl Fn(f64) -> Vec<f64>) -> Vec<bool> {
    let mut dep = vec![false; base.len()];
    for v in PROBES {
        for (d, (a, b)) in dep.iter_mut().zip(base.iter().zip(probe(v))) {
            *d |= differs(*a, b);
        }
    }
    dep
}

fn flat(grads: &[Vec<f64>]) -> Vec<f64> {
    grads.concat()
}

fn check_case(case: &Case, inputs: &[Vec<f64>], w: &[f64]) -> Result<(), TestCaseError> {
    let base = run(case, inputs, Some(w));
    // A NaN in each input element.
    for k in 0..inputs.len() {
        for i in 0..inputs[k].len() {
            let with = |v: f64| {
                let mut xs = inputs.to_vec();
                xs[k][i] = v;
                run(case, &xs, Some(w))
            };
            let nan = with(f64::NAN);
            let value_dep = dependents(&base.value, |v| with(v).value);
            for (j, _) in value_dep.iter().enumerate().filter(|(_, d)| **d) {
                prop_assert!(
                    nan.value[j].is_nan(),
                    "{}: NaN in input {k}[{i}] gives output[{j}] = {}",
                    case.name,
                    nan.value[j]
                );
            }
            let grad_dep = dependents(&flat(&base.grads), |v| flat(&with(v).grads));
            let nan_grads = flat(&nan.grads);
            for (m, _) in grad_dep.iter().enumerate().filter(|(_, d)| **d) {
                prop_assert!(
                    nan_grads[m].is_nan(),
                    "{}: NaN in input {k}[{i}] gives gradient element {m} = {}",
                    case.name,
                    nan_grads[m]
                );
            }
        }
    }
    // A NaN in each element of the gradient flowing back into the output.
    for j in 0..w.len() {
        let with = |v: f64| {
            let mut w = w.to_vec();
            w[j] = v;
            flat(&run(case, inputs, Some(&w)).grads)
        };
        let nan = with(f64::NAN);
        let dep = dependents(&flat(&base.grads), with);
        for (m, _) in dep.iter().enumerate().filter(|(_, d)| **d) {
            prop_assert!(
                nan[m].is_nan(),
                "{}: NaN in the upstream gradient [{j}] gives gradient element {m} = {}",
                case.name,
                nan[m]
            );
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    #[test]
    fn a_nan_reaches_every_value_and_gradient_that_depends_on_it(
        values in prop::collection::vec(-2.0f64..2.0, 12),
        upstream in prop::collection::vec(-2.0f64..2.0, 6),
    ) {
        for case in cases() {
            let mut next = values.iter().cycle();
            let inputs: Vec<Vec<f64>> = case
                .shapes
                .iter()
                .map(|shape| {
                    let n = shape.iter().product();
                    next.by_ref()
                        .take(n)
                        .map(|&x| if case.positive { x.abs() + 0.1 } else { x })
                        .collect()
                })
                .collect();
            let outputs = run(&case, &inputs, None).value.len();
            let w: Vec<f64> = upstream.iter().cycle().take(outputs).copied().collect();
            check_case(&case, &inputs, &w)?;
        }
    }
}

/// The measured dependence is not vacuous: it finds what the old `abs` swallowed.
#[test]
fn abs_derivative_at_nan_is_nan() {
    let tape = Tape::<f64>::new();
    let x = tape.var("x", f64::NAN);
    assert!(x.abs().backward().wrt(x).unwrap().item().unwrap().is_nan()); // was 0
    let v = tape.var("v", Tensor::from_vec(vec![1.0, f64::NAN, -2.0], &[3]));
    let g = v.abs().sum().backward().wrt(v).unwrap().to_vec();
    assert_eq!((g[0], g[2]), (1.0, -1.0));
    assert!(g[1].is_nan()); // was 0
}

// A mean over nothing is an error, not NaN.

#[test]
fn cross_entropy_of_an_empty_batch_is_an_error() {
    let tape = Tape::<f64>::new();
    let z = tape.var("z", Tensor::zeros(&[0, 3]));
    let err = z.try_cross_entropy(&[]).unwrap_err(); // was Ok([NaN])
    assert!(matches!(err, Error::Shape { .. }));
    assert_eq!(
        err.to_string(),
        "shape mismatch in `cross_entropy`: [0, 3] and [0]: an empty batch has no mean loss (0/0)"
    );
}

#[test]
fn mean_of_nothing_is_an_error() {
    let tape = Tape::<f64>::new();
    let empty = tape.var("e", Tensor::zeros(&[0, 3]));
    let err = tape.try_apply(Mean, &[empty]).unwrap_err(); // was NaN
    assert_eq!(
        err.to_string(),
        "shape mismatch in `mean`: [0, 3] and []: the tensor has no elements, and a mean over \
         nothing is undefined (0/0)"
    );
    let err = empty.try_mean_axis(0).unwrap_err(); // was [NaN, NaN, NaN]
    assert_eq!(
        err.to_string(),
        "shape mismatch in `mean_axis`: [0, 3] and [0]: axis 0 has no elements, and a mean over \
         nothing is undefined (0/0)"
    );
    // Over the other axis there are 3 elements to each of no means: an empty result, no NaN.
    assert_eq!(empty.try_mean_axis(1).unwrap().shape(), vec![0]);
    // A sum over nothing is 0, as in mathematics.
    assert_eq!(empty.sum().value().item(), Some(0.0));
    let err = tape.layer("head", || empty.try_mse(empty)).unwrap_err(); // was NaN
    assert_eq!(
        err.to_string(),
        "shape mismatch in `mse` (layer `head`): [0, 3] and [0, 3]: no elements, and a mean over \
         nothing is undefined (0/0)"
    );
}

#[test]
#[should_panic(expected = "a mean over nothing is undefined")]
fn mean_sugar_panics_on_nothing() {
    let tape = Tape::<f32>::new();
    let _ = tape.var("e", Tensor::zeros(&[0])).mean();
}
