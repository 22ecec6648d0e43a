//! Expressions a million levels deep, built from the variants directly, go through every
//! traversal on a 2 MiB thread: drop, `Debug`, `Display`, LaTeX, `Clone`, `==`, `Ord`,
//! `Hash`, serde both ways, `simplify`, `eval` and the smart constructors. Each shape
//! exercises a different kind of node; each test asserts a real result.

use chaintrace::symbolic::Expr;
use std::collections::BTreeMap;
use std::hash::{DefaultHasher, Hash, Hasher};

/// The depth of the one shape each traversal is tested on at full depth.
const DEPTH: usize = 1_000_000;
/// The depth of the other shapes (a tenth, to keep the test fast; the code path is the same).
const SHORT: usize = 100_000;

/// Runs `f` on a thread with a 2 MiB stack; a stack overflow aborts the test binary.
fn on_small_stack(f: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(f)
        .unwrap()
        .join()
        .expect("the thread finished");
}

fn x() -> Expr {
    Expr::sym("x")
}

fn env(x: f64) -> BTreeMap<String, f64> {
    BTreeMap::from([("x".to_string(), x)])
}

/// `−(−(…(−x)…))`, `levels` minus signs, as raw products `(−1)·(…)`.
fn negations(levels: usize) -> Expr {
    let mut e = x();
    for _ in 0..levels {
        e = Expr::Product(vec![Expr::constant(-1.0), e]);
    }
    e
}

/// `tanh(tanh(…tanh(x)…))`, `levels` calls.
fn tanh_chain(levels: usize) -> Expr {
    let mut e = x();
    for _ in 0..levels {
        e = Expr::Call("tanh".into(), vec![e]);
    }
    e
}

/// `x + (x + (… + x))`, `levels` sums.
fn sums(levels: usize) -> Expr {
    let mut e = x();
    for _ in 0..levels {
        e = Expr::Sum(vec![x(), e]);
    }
    e
}

/// `((x⁻¹)⁻¹…)⁻¹`, `levels` powers.
fn reciprocals(levels: usize) -> Expr {
    let mut e = x();
    for _ in 0..levels {
        e = Expr::Pow(Box::new(e), Box::new(Expr::constant(-1.0)));
    }
    e
}

/// `((A·A)·A)·…`, `levels` matrix products nested to the left, or to the right when
/// `right` (`A·(A·(…))`).
fn matmuls(levels: usize, right: bool) -> Expr {
    let a = || Expr::sym("A");
    let mut e = a();
    for _ in 0..levels {
        e = if right {
            Expr::MatMul(Box::new(a()), Box::new(e))
        } else {
            Expr::MatMul(Box::new(e), Box::new(a()))
        };
    }
    e
}

/// `diag(diag(…(xᵀ)ᵀ…))`: transposes inside, diags outside, `levels` each.
fn diag_of_transposes(levels: usize) -> Expr {
    let mut e = x();
    for _ in 0..levels {
        e = Expr::Transpose(Box::new(e));
    }
    for _ in 0..levels {
        e = Expr::Diag(Box::new(e));
    }
    e
}

fn hash(e: &Expr) -> u64 {
    let mut h = DefaultHasher::new();
    e.hash(&mut h);
    h.finish()
}

#[test]
fn dropping_a_deep_expression_needs_no_stack() {
    on_small_stack(|| {
        let e = sums(DEPTH);
        assert_eq!(e.depth(), DEPTH + 1);
        drop(e);
        let shapes: [fn(usize) -> Expr; 6] = [
            negations,
            tanh_chain,
            reciprocals,
            |n| matmuls(n, false),
            |n| matmuls(n, true),
            diag_of_transposes,
        ];
        for shape in shapes {
            let e = shape(SHORT);
            assert!(e.depth() > SHORT);
            drop(e);
        }
    });
}

/// `open` `n` times, `inner`, then `close` `n` times.
fn nested(open: &str, inner: &str, close: &str, n: usize) -> String {
    open.repeat(n) + inner + &close.repeat(n)
}

#[test]
fn debug_prints_a_deep_expression() {
    on_small_stack(|| {
        let text = format!("{:?}", tanh_chain(DEPTH));
        assert_eq!(
            text,
            nested(r#"Call("tanh", ["#, r#"Sym("x")"#, "])", DEPTH)
        );
        let small = format!(
            "{:?}",
            Expr::Pow(Box::new(x()), Box::new(Expr::constant(2.0)))
        );
        assert_eq!(small, r#"Pow(Sym("x"), Const(2.0))"#);
        let sum = format!("{:?}", Expr::Sum(vec![x(), Expr::Transpose(Box::new(x()))]));
        assert_eq!(sum, r#"Sum([Sym("x"), Transpose(Sym("x"))])"#);
        let matrices = format!("{:?}", matmuls(SHORT, false));
        assert!(matrices.starts_with("MatMul(MatMul(MatMul("));
        assert!(matrices.ends_with(r#"Sym("A")), Sym("A")), Sym("A"))"#));
    });
}

#[test]
fn display_and_latex_render_a_deep_expression() {
    on_small_stack(|| {
        let e = tanh_chain(DEPTH);
        assert_eq!(e.to_string(), nested("tanh(", "x", ")", DEPTH));
        assert_eq!(e.to_latex(), nested(r"\tanh(", "x", ")", DEPTH));
        let negated = nested("−(", "−x", ")", SHORT - 1);
        assert_eq!(negations(SHORT).to_string(), negated);
        let powers = nested("1/(", "1/x", ")", SHORT - 1);
        assert_eq!(reciprocals(SHORT).to_string(), powers);
        let matrices = nested("A·(", "A·A", ")", SHORT - 1);
        assert_eq!(matmuls(SHORT, true).to_string(), matrices);
        let half = SHORT / 2;
        let transposes = nested("(", r"x^{\top}", r")^{\top}", half - 1);
        let diags = nested(r"\operatorname{diag}(", &transposes, ")", half);
        assert_eq!(diag_of_transposes(half).to_latex(), diags);
    });
}

#[test]
fn clone_compare_and_hash_a_deep_expression() {
    on_small_stack(|| {
        for e in [sums(DEPTH), matmuls(SHORT, true), reciprocals(SHORT)] {
            let copy = e.clone();
            assert_eq!(copy, e);
            assert_eq!(hash(&copy), hash(&e));
            let deeper = Expr::Diag(Box::new(e.clone()));
            assert_ne!(deeper, e);
            assert!(deeper > e, "Diag sorts after the other variants");
        }
    });
}

#[cfg(feature = "serde")]
#[test]
fn serde_round_trips_a_deep_expression() {
    on_small_stack(|| {
        for e in [
            tanh_chain(DEPTH),
            matmuls(SHORT, true),
            diag_of_transposes(SHORT),
        ] {
            let json = serde_json::to_string(&e).unwrap();
            let back: Expr = serde_json::from_str(&json).unwrap();
            assert_eq!(back, e);
        }
        let json = serde_json::to_string(&negations(3)).unwrap();
        assert_eq!(
            json,
            r#"[{"Const":-1.0},{"Const":-1.0},{"Const":-1.0},{"Sym":"x"},{"Product":2},{"Product":2},{"Product":2}]"#
        );
    });
}

#[test]
fn eval_and_simplify_a_deep_expression() {
    on_small_stack(|| {
        // An even number of negations and of reciprocals is the identity.
        let e = negations(DEPTH);
        assert_eq!(e.eval(&env(3.0)).unwrap(), 3.0);
        assert_eq!(e.simplify(), x());
        assert_eq!(negations(SHORT + 1).simplify(), -x());
        assert_eq!(reciprocals(SHORT).eval(&env(2.0)).unwrap(), 2.0);
        assert_eq!(reciprocals(SHORT).simplify(), x());
        // x + (x + …) with a million sums is a million and one x.
        let n = (SHORT + 1) as f64;
        assert_eq!(sums(SHORT).eval(&env(1.0)).unwrap(), n);
        assert_eq!(sums(SHORT).simplify(), Expr::constant(n) * x());
        let e = tanh_chain(SHORT);
        let value = e.eval(&env(0.5)).unwrap();
        assert!(
            value > 0.0 && value < 0.01,
            "tanh iterated shrinks to 0: {value}"
        );
        assert_eq!(e.simplify(), e);
        // On scalars a matrix product is a product.
        let mut a = BTreeMap::new();
        a.insert("A".to_string(), -1.0);
        assert_eq!(matmuls(SHORT + 1, true).eval(&a).unwrap(), 1.0);
        // Simplifying re-associates a matrix product to the left (`A·(B·C) = (A·B)·C`), which
        // copies the chain at each level of a right-nested one: built left-nested here.
        let left = matmuls(SHORT, false);
        assert_eq!(left.simplify(), left);
        assert_eq!(diag_of_transposes(SHORT).simplify().depth(), SHORT + 1);
    });
}

#[test]
fn constructors_take_deep_raw_operands() {
    on_small_stack(|| {
        // (A·(A·(…)))ᵀ = Aᵀ·Aᵀ·…: a million and one transposed operands.
        let t = matmuls(DEPTH, true).transpose();
        assert_eq!(t.node_count(), 2 * (DEPTH + 1) + DEPTH);
        // An integer power of a power or of a product of products is unwrapped in a loop.
        assert_eq!(reciprocals(SHORT).powf(2.0), x().powf(2.0));
        let mut nested = x();
        for _ in 0..SHORT {
            nested = Expr::Product(vec![Expr::constant(1.0), nested]);
        }
        assert_eq!(nested.powf(3.0), x().powf(3.0));
        let e = tanh_chain(SHORT);
        let sum = e.clone() + e.clone();
        assert_eq!(sum, Expr::constant(2.0) * e.clone());
        assert_eq!(e.clone() * e.clone(), e.powf(2.0));
    });
}
