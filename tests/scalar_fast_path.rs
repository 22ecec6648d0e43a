//! The scalar fast path (`Op::scalar`, `Op::scalar_derivative`) against each op's tensor rules on
//! rank-0 tensors: the tape takes the fast path whenever every input is a scalar, so the two
//! must agree bit for bit (same value, same gradient, same NaN) or a scalar graph and the same
//! graph of 1-element arrays would differ.

use chaintrace::Tensor;
use chaintrace::ops::{
    Abs, Add, BUILTIN_FUNCTIONS, Div, ElementwiseOp, Exp, Ln, Mul, Neg, Op, Powf, Relu, Sigmoid,
    Sqrt, Square, Sub, Tanh,
};
use proptest::prelude::*;

/// Same bits, or both NaN (a NaN's payload is not part of the contract).
fn same(a: f64, b: f64) -> bool {
    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
}

/// Checks `op`'s scalar forward, and the upstream gradient times every slot's scalar local
/// derivative (what the sweep computes for a scalar node), against its tensor rules at
/// `inputs`, with upstream gradient `grad`.
fn agrees(op: &dyn Op<f64>, inputs: &[f64], grad: f64) -> Result<(), TestCaseError> {
    let tensors: Vec<Tensor<f64>> = inputs.iter().map(|&x| Tensor::scalar(x)).collect();
    let refs: Vec<&Tensor<f64>> = tensors.iter().collect();
    let output = op.forward(&refs).expect("scalars always fit");
    let y = output.item().expect("a scalar");
    let fast = op.scalar(inputs).expect("the op has a scalar form");
    prop_assert!(same(fast, y), "{op:?} forward at {inputs:?}: {fast} vs {y}");
    for slot in 0..inputs.len() {
        let slow = op
            .vjp(slot, &refs, &output, &Tensor::scalar(grad))
            .item()
            .expect("a scalar");
        let fast = grad
            * op.scalar_derivative(slot, inputs, y)
                .expect("the op has a scalar derivative");
        prop_assert!(same(fast, slow), "{op:?} vjp slot {slot}: {fast} vs {slow}");
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn binary_ops(a in -10.0..10.0f64, b in -10.0..10.0f64, g in -3.0..3.0f64) {
        for op in [&Add as &dyn Op<f64>, &Sub, &Mul, &Div] {
            agrees(op, &[a, b], g)?;
        }
    }

    /// Unary ops over a range that includes their domain edges (ln and sqrt of negatives give
    /// NaN on both paths) and zero (relu, abs).
    #[test]
    fn unary_ops(u in prop_oneof![-5.0..5.0f64, Just(0.0)], g in -3.0..3.0f64, p in -3.0..3.0f64) {
        let powf = Powf(p);
        for op in [
            &Neg as &dyn Op<f64>, &Tanh, &Sigmoid, &Relu, &Exp, &Ln, &Sqrt, &Square, &Abs, &powf,
        ] {
            agrees(op, &[u], g)?;
        }
    }

    /// Every registered built-in function (read from the registry, so none can escape), as
    /// the op `x.apply_fn(&F)` records, including at NaN and ±∞.
    #[test]
    fn every_builtin_function(
        u in prop_oneof![
            -5.0..5.0f64,
            Just(0.0),
            Just(f64::NAN),
            Just(f64::INFINITY),
            Just(f64::NEG_INFINITY),
        ],
        g in -3.0..3.0f64,
    ) {
        for f in BUILTIN_FUNCTIONS {
            agrees(&ElementwiseOp(f), &[u], g)?;
        }
    }
}

/// The negative control: an op whose scalar path rounds differently from its tensor rule
/// (`u·(1/3)` against `u/3`) is caught by the same check.
#[test]
fn a_scalar_path_that_differs_is_caught() {
    use chaintrace::symbolic::Expr;
    use chaintrace::{Result, Tensor};
    #[derive(Debug)]
    struct Third;
    impl Op<f64> for Third {
        fn name(&self) -> &'static str {
            "third"
        }
        fn forward(&self, x: &[&Tensor<f64>]) -> Result<Tensor<f64>> {
            Ok(x[0].map(|u| u / 3.0))
        }
        fn vjp(
            &self,
            _: usize,
            _: &[&Tensor<f64>],
            _: &Tensor<f64>,
            g: &Tensor<f64>,
        ) -> Tensor<f64> {
            g.map(|g| g / 3.0)
        }
        fn scalar(&self, x: &[f64]) -> Option<f64> {
            Some(x[0] * (1.0 / 3.0))
        }
        fn scalar_derivative(&self, _: usize, _: &[f64], _: f64) -> Option<f64> {
            Some(1.0 / 3.0)
        }
        fn symbolic(&self, x: &[Expr]) -> Expr {
            x[0].clone() / Expr::constant(3.0)
        }
        fn local_derivative(&self, _: usize, _: &[Expr]) -> Expr {
            Expr::constant(1.0 / 3.0)
        }
    }
    // 5·(1/3) and 5/3 differ in the last bit.
    assert_ne!(5f64 * (1.0 / 3.0), 5f64 / 3.0);
    assert!(agrees(&Third, &[5.0], 1.0).is_err());
}

/// The tape takes the fast path for scalars and the tensor rules for 1-element arrays; both
/// give `d(a·b/c)/da = b/c` exactly as the tensor arithmetic computes it.
#[test]
fn scalar_and_one_element_graphs_agree() {
    use chaintrace::Tape;
    let tape = Tape::<f64>::new();
    let (a, b, c) = (tape.var("a", 1.5), tape.var("b", -2.0), tape.var("c", 0.3));
    let y = (a * b / c).tanh();
    let grads = y.backward();
    let one = |x: f64| Tensor::from_vec(vec![x], &[1]);
    let tape1 = Tape::<f64>::new();
    let (a1, b1, c1) = (
        tape1.var("a", one(1.5)),
        tape1.var("b", one(-2.0)),
        tape1.var("c", one(0.3)),
    );
    let y1 = (a1 * b1 / c1).tanh();
    let grads1 = y1.backward();
    assert_eq!(y.value().item(), y1.value().item());
    for (v, v1) in [(a, a1), (b, b1), (c, c1)] {
        assert_eq!(grads.wrt(v).unwrap().item(), grads1.wrt(v1).unwrap().item());
    }
}
