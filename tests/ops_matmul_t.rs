//! `matmul_t` (`A·Bᵀ` on a transposed view of `B`, the product `Linear` records): its gradient
//! against central finite differences (f64), its value and gradients against
//! `matmul(transpose)`, its formulas against the same two-op chain, its shape errors, and
//! `Linear` recording it without a transposed copy of the weight.

use chaintrace::check::{GradcheckOptions, gradcheck};
use chaintrace::nn::{Init, Layer, Linear, ParamStore};
use chaintrace::ops::{MatMul, MatMulT, Op, Transpose};
use chaintrace::symbolic::Expr;
use chaintrace::{Tape, Tensor};
use proptest::prelude::*;

/// A tensor of the given shape with elements in `−2..2`.
fn tensor_of(shape: Vec<usize>) -> impl Strategy<Value = Tensor<f64>> {
    let n: usize = shape.iter().product();
    prop::collection::vec(-2.0..2.0f64, n).prop_map(move |v| Tensor::from_vec(v, &shape))
}

/// `[m, k]` and `[n, k]` matrices.
fn operands() -> impl Strategy<Value = (Tensor<f64>, Tensor<f64>)> {
    (1usize..=4, 1usize..=4, 1usize..=4)
        .prop_flat_map(|(m, k, n)| (tensor_of(vec![m, k]), tensor_of(vec![n, k])))
}

/// A fixed weighting `c` in ±[0.5, 1.5] so every output element counts differently in `Σ y ⊙ c`.
fn weights(shape: &[usize]) -> Tensor<f64> {
    let n: usize = shape.iter().product();
    let w = (0..n)
        .map(|i| (0.5 + (i * 7 % 11) as f64 / 10.0) * if i % 2 == 0 { 1.0 } else { -1.0 })
        .collect();
    Tensor::from_vec(w, shape)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// ∂(Σ (A·Bᵀ) ⊙ c)/∂A and /∂B against central differences.
    #[test]
    fn gradcheck_matmul_t((a, b) in operands()) {
        let elements = a.len() + b.len();
        let report = gradcheck(
            &[a, b],
            |tape, v| {
                let y = v[0].matmul_t(v[1]);
                (y * tape.constant(weights(&y.shape()))).sum()
            },
            GradcheckOptions::default(),
        );
        prop_assert_eq!(report.checked, elements);
        prop_assert!(report.passed(), "{}", report);
    }

    /// The value and both gradients equal those of `A.matmul(B.transpose())`.
    #[test]
    fn equals_matmul_of_transpose((a, b) in operands()) {
        let c = weights(&[a.shape()[0], b.shape()[0]]);
        let run = |fused: bool| {
            let tape = Tape::<f64>::new();
            let (va, vb) = (tape.var("A", a.clone()), tape.var("B", b.clone()));
            let y = if fused { va.matmul_t(vb) } else { va.matmul(vb.transpose()) };
            let grads = (y * tape.constant(c.clone())).sum().backward();
            let ga = grads.wrt(va).unwrap().to_vec();
            let gb = grads.wrt(vb).unwrap().to_vec();
            (y.value().to_vec(), ga, gb)
        };
        let (fused, chain) = (run(true), run(false));
        for (x, y) in [(&fused.0, &chain.0), (&fused.1, &chain.1), (&fused.2, &chain.2)] {
            for (p, q) in x.iter().zip(y.iter()) {
                prop_assert!((p - q).abs() <= 1e-12 * (1.0 + q.abs()), "{} vs {}", p, q);
            }
        }
    }
}

/// Large enough for matrixmultiply's packed kernels, in `f32`: the strided (transposed) operand
/// gives the same product as a transposed copy, and the gradients as the two-op chain.
#[test]
fn large_f32_product_and_gradients_match_the_chain() {
    let fill = |shape: &[usize], seed: usize| {
        let n: usize = shape.iter().product();
        let v = (0..n)
            .map(|i| ((i * 37 + seed) % 101) as f32 / 50.0 - 1.0)
            .collect();
        Tensor::from_vec(v, shape)
    };
    let (x, w) = (fill(&[33, 300], 1), fill(&[70, 300], 2));
    let run = |fused: bool| {
        let tape = Tape::<f32>::new();
        let (vx, vw) = (tape.var("x", x.clone()), tape.var("W", w.clone()));
        let y = if fused {
            vx.matmul_t(vw)
        } else {
            vx.matmul(vw.transpose())
        };
        let grads = y.tanh().sum().backward();
        [
            y.value().to_vec(),
            grads.wrt(vx).unwrap().to_vec(),
            grads.wrt(vw).unwrap().to_vec(),
        ]
    };
    for (fused, chain) in run(true).iter().zip(run(false).iter()) {
        assert_eq!(fused.len(), chain.len());
        for (p, q) in fused.iter().zip(chain) {
            assert!((p - q).abs() <= 1e-4 * (1.0 + q.abs()), "{p} vs {q}");
        }
    }
}

/// The formulas are those of `Transpose` then `MatMul`: `A·Bᵀ`, `∂L/∂A = G·B`,
/// `∂L/∂B = Gᵀ·A` (the chain's `(Aᵀ·G)ᵀ`, simplified).
#[test]
fn formulas_match_the_two_op_chain() {
    let (a, b, g) = (Expr::sym("A"), Expr::sym("B"), Expr::sym("G"));
    let x = [a.clone(), b.clone()];
    let bt = <Transpose as Op<f64>>::symbolic(&Transpose, std::slice::from_ref(&b));
    let chain = [a.clone(), bt.clone()];
    assert_eq!(
        <MatMulT as Op<f64>>::symbolic(&MatMulT, &x).to_string(),
        <MatMul as Op<f64>>::symbolic(&MatMul, &chain).to_string()
    );
    assert_eq!(
        <MatMulT as Op<f64>>::symbolic(&MatMulT, &x).to_string(),
        "A·Bᵀ"
    );
    let via_chain_a = <MatMul as Op<f64>>::vjp_symbolic(&MatMul, 0, &chain, &g);
    let via_chain_bt = <MatMul as Op<f64>>::vjp_symbolic(&MatMul, 1, &chain, &g);
    let via_chain_b = <Transpose as Op<f64>>::vjp_symbolic(&Transpose, 0, &[b], &via_chain_bt);
    assert_eq!(
        <MatMulT as Op<f64>>::vjp_symbolic(&MatMulT, 0, &x, &g).to_string(),
        via_chain_a.to_string()
    );
    assert_eq!(
        <MatMulT as Op<f64>>::vjp_symbolic(&MatMulT, 1, &x, &g).to_string(),
        via_chain_b.to_string()
    );
    assert_eq!(via_chain_b.to_string(), "Gᵀ·A");
}

/// A mismatch names the op, both shapes (the weight as stored) and the layer.
#[test]
fn shape_errors_name_op_shapes_and_layer() {
    let tape = Tape::<f64>::new();
    let x = tape.var("x", Tensor::zeros(&[2, 3]));
    let w = tape.var("W", Tensor::zeros(&[4, 2]));
    let err = tape.layer("fc", || x.try_matmul_t(w)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "shape mismatch in `matmul` (layer `fc`): [2, 3] and [4, 2]: inner dimensions of A·Bᵀ \
         differ (3 columns vs 2 columns)"
    );
    let v = tape.var("v", Tensor::zeros(&[3]));
    assert!(x.try_matmul_t(v).is_err());
}

/// `Linear` records `x·Wᵀ` as one `matmul` node on the weight itself: no `transpose` node, so
/// no transposed copy of the weight forward or of its gradient backward; the value is
/// `x·Wᵀ + b` as before.
#[test]
fn linear_records_no_transpose() {
    let mut store = ParamStore::<f64>::new(0);
    let fc = Linear::new(&mut store, "fc", 3, 2, Init::Torch);
    *store.get_mut(fc.weight()) = Tensor::from_vec(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3]);
    *store.get_mut(fc.bias()) = Tensor::from_vec(vec![0.5, -0.5], &[2]);
    let tape = Tape::new();
    let p = store.bind(&tape);
    let x = tape.constant(Tensor::from_vec(vec![1.0, 0.0, -1.0], &[1, 3]));
    let y = fc.forward(&tape, &p, x);
    // [1·1 + 0·2 − 1·3 + 0.5, 1·4 + 0·5 − 1·6 − 0.5]
    assert_eq!(y.value().to_vec(), vec![-1.5, -2.5]);
    let ops: Vec<String> = tape
        .nodes()
        .iter()
        .filter_map(|n| n.op().map(|op| op.name().to_string()))
        .collect();
    assert_eq!(ops, ["matmul", "add"]);
    let grads = y.sum().backward();
    // ∂(Σy)/∂W = (∂L/∂y)ᵀ·x: each row is x.
    let gw = grads.wrt(p.var(fc.weight())).unwrap();
    assert_eq!(gw.to_vec(), vec![1.0, 0.0, -1.0, 1.0, 0.0, -1.0]);
    assert_eq!(gw.shape(), &[2, 3]);
}
