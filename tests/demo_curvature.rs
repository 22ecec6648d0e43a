//! `demo curvature` (issue 16's curvature demo, issue 15's `overshoot` claim): the
//! Hessian-vector products, power iteration and quadratic it measures with, checked against
//! closed forms and against a Hessian built column by column and diagonalised by Jacobi
//! rotations written here; and its JSON claim, whose verdict follows from its own numbers.

// The demo's measuring code uses the library alone, so it is compiled here as it is.
#[allow(dead_code)]
#[path = "../src/cli/demo/curvature/hessian.rs"]
mod hessian;
#[allow(dead_code)]
#[path = "../src/cli/demo/curvature/model.rs"]
mod model;

mod binary;

use chaintrace::data;
use hessian::{Objective, curvature_along, gradient, hvp, hvp_finite_differences, norm, top_eigen};
use model::{NetLoss, Quadratic, flat, tanh_mlp};
use serde_json::Value;

/// The symmetric matrix's eigenvalues by cyclic Jacobi rotations (Golub & Van Loan §8.5):
/// each rotation zeroes one off-diagonal pair; sweeps until the off-diagonal mass is gone.
fn jacobi_eigenvalues(mut a: Vec<Vec<f64>>) -> Vec<f64> {
    let n = a.len();
    for _sweep in 0..100 {
        let off: f64 = (0..n)
            .flat_map(|i| (0..n).filter(move |&j| j != i).map(move |j| (i, j)))
            .map(|(i, j)| a[i][j] * a[i][j])
            .sum();
        if off < 1e-26 {
            break;
        }
        for p in 0..n {
            for q in p + 1..n {
                if a[p][q].abs() < 1e-300 {
                    continue;
                }
                let theta = (a[q][q] - a[p][p]) / (2.0 * a[p][q]);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let t = if theta == 0.0 { 1.0 } else { t };
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                // A ← Jᵀ·A·J: first the columns p and q, then the rows.
                for row in a.iter_mut() {
                    let (akp, akq) = (row[p], row[q]);
                    row[p] = c * akp - s * akq;
                    row[q] = s * akp + c * akq;
                }
                let (row_p, row_q) = (a[p].clone(), a[q].clone());
                for (k, (apk, aqk)) in row_p.into_iter().zip(row_q).enumerate() {
                    a[p][k] = c * apk - s * aqk;
                    a[q][k] = s * apk + c * aqk;
                }
            }
        }
    }
    let mut eig: Vec<f64> = (0..n).map(|i| a[i][i]).collect();
    eig.sort_by(f64::total_cmp);
    eig
}

#[test]
fn jacobi_finds_a_known_spectrum() {
    // [[2, 1], [1, 2]] has eigenvalues 1 and 3; diag(5, −1, 0.5) its diagonal.
    assert!(
        jacobi_eigenvalues(vec![vec![2.0, 1.0], vec![1.0, 2.0]])
            .iter()
            .zip([1.0, 3.0])
            .all(|(a, b)| (a - b).abs() < 1e-14)
    );
    let d = jacobi_eigenvalues(vec![
        vec![5.0, 0.0, 0.0],
        vec![0.0, -1.0, 0.0],
        vec![0.0, 0.0, 0.5],
    ]);
    assert_eq!(d, vec![-1.0, 0.5, 5.0]);
}

#[test]
fn the_quadratics_curvature_is_its_closed_form() {
    // L = ½(1·w₁² + 20·w₂²): H = diag(1, 20), so H·v = (v₁, 20·v₂) and λ_max = 20.
    let q = Quadratic {
        lambdas: vec![1.0, 20.0],
    };
    let w = [10.0, 0.01];
    let (loss, g) = gradient(&q, &w).unwrap();
    assert_eq!(loss, 0.5 * 100.0 + 0.5 * 20.0 * 1e-4);
    assert_eq!(g, vec![10.0, 0.2]);
    assert_eq!(hvp(&q, &w, &[0.3, -2.0]).unwrap(), vec![0.3, -40.0]);
    let top = top_eigen(&q, &w, &[1.0, 1.0], 1e-14, 200).unwrap();
    assert!((top.value - 20.0).abs() < 1e-12, "{}", top.value);
    assert!(top.vector[1].abs() > 1.0 - 1e-12);
    assert!((curvature_along(&q, &w, &[1.0, 0.0]).unwrap() - 1.0).abs() < 1e-15);
    // Power iteration turns to the most negative direction's mirror: λ = −3 and 2 → λ_max 2.
    let saddle = Quadratic {
        lambdas: vec![-3.0, 2.0],
    };
    let top = top_eigen(&saddle, &[0.0, 0.0], &[1.0, 1.0], 1e-14, 500).unwrap();
    assert!((top.value - 2.0).abs() < 1e-10, "{}", top.value);
}

#[test]
fn exact_hessian_vector_products_match_finite_differences() {
    let data = data::noisy_regression::<f64>(16, 0.1, 3);
    let (store, net) = tanh_mlp(8, 3);
    let obj = NetLoss {
        store: &store,
        net: &net,
        data: &data,
    };
    let w = flat(&store);
    for k in 0..4 {
        let v: Vec<f64> = (0..w.len())
            .map(|i| ((i * 7 + k * 13) % 11) as f64 - 5.0)
            .collect();
        let exact = hvp(&obj, &w, &v).unwrap();
        let estimate = hvp_finite_differences(&obj, &w, &v).unwrap();
        let diff: Vec<f64> = exact.iter().zip(&estimate).map(|(a, b)| a - b).collect();
        let gap = norm(&diff) / norm(&exact);
        assert!(gap < 1e-6, "direction {k}: relative gap {gap}");
    }
}

#[test]
fn power_iteration_finds_the_top_eigenvalue_of_the_full_hessian() {
    // A 1 → 3 → 3 → 1 tanh net (22 parameters) at its initial weights and after 30 steps:
    // the Hessian built column by column from exact products, H[:, j] = H·e_j.
    let data = data::noisy_regression::<f64>(12, 0.1, 1);
    let (store, net) = tanh_mlp(3, 1);
    let obj = NetLoss {
        store: &store,
        net: &net,
        data: &data,
    };
    let n = obj.dim();
    assert_eq!(n, 22);
    let mut w = flat(&store);
    for round in 0..2 {
        let columns: Vec<Vec<f64>> = (0..n)
            .map(|j| {
                let e: Vec<f64> = (0..n).map(|i| f64::from(u8::from(i == j))).collect();
                hvp(&obj, &w, &e).unwrap()
            })
            .collect();
        let mut h = vec![vec![0.0; n]; n];
        for i in 0..n {
            for j in 0..n {
                // Symmetric to rounding: a second derivative does not depend on the order.
                assert!(
                    (columns[j][i] - columns[i][j]).abs() < 1e-10 * (1.0 + columns[i][j].abs())
                );
                h[i][j] = columns[j][i];
            }
        }
        let eig = jacobi_eigenvalues(h);
        let top = top_eigen(&obj, &w, &vec![1.0; n], 1e-13, 5000).unwrap();
        let want = *eig.last().unwrap();
        assert!(
            (top.value / want - 1.0).abs() < 1e-6,
            "round {round}: power iteration {} against Jacobi {want} (spectrum {eig:?})",
            top.value
        );
        for _ in 0..30 {
            let (_, g) = gradient(&obj, &w).unwrap();
            for (x, d) in w.iter_mut().zip(&g) {
                *x -= 0.2 * d;
            }
        }
    }
}

fn report(args: &[&str]) -> Value {
    let args = [&["demo", "curvature"][..], args, &["--format", "json"]].concat();
    let (code, out, err) = binary::chaintrace(&args);
    assert_eq!((code, err.as_str()), (0, ""), "{args:?}");
    serde_json::from_str(&out).expect("valid JSON")
}

fn num(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("a number, got {v}"))
}

#[test]
fn the_overshoot_claim_follows_from_the_measurements() {
    let r = report(&["--width", "16", "--steps", "400"]);
    let claims = r["claims"].as_array().expect("a claims array");
    assert_eq!(claims.len(), 1);
    let c = &claims[0];
    assert_eq!(c["id"], "overshoot");
    assert!(c["anchor"].as_str().unwrap().starts_with("Cohen"));
    // The quadratic: λ_max measured 20, and each factor |1 − lr·λ|.
    let q = &r["quadratic"];
    assert!((num(&q["lambda_max_measured"]) - 20.0).abs() < 1e-9);
    for run in q["runs"].as_array().unwrap() {
        let ratio = num(&run["ratio"]);
        let sharp = num(&run["factors"][1]);
        assert!((sharp - (1.0 - ratio).abs()).abs() < 1e-9, "{run}");
        assert_eq!(sharp > 1.0 + 1e-9, ratio > 2.0);
    }
    // The network: recount the rises and the steps with lr·λ_along > 2 from the steps.
    let large = &r["runs"][0];
    let lr = num(&large["lr"]);
    let steps = large["steps"].as_array().unwrap();
    let (mut rises, mut over, mut agree) = (0, 0, 0);
    for w in steps.windows(2) {
        let rose = num(&w[1]["loss"]) > num(&w[0]["loss"]);
        let predicted = lr * num(&w[0]["along_step"]) > 2.0;
        rises += usize::from(rose);
        over += usize::from(predicted);
        agree += usize::from(rose == predicted);
    }
    let lambdas: Vec<f64> = steps.iter().map(|s| num(&s["lambda_max"])).collect();
    let crossed = lambdas.iter().any(|&l| l >= 2.0 / lr);
    let small = &r["runs"][1];
    let small_edge = 2.0 / num(&small["lr"]);
    let calm = small["steps"]
        .as_array()
        .unwrap()
        .iter()
        .all(|s| num(&s["lambda_max"]) < small_edge);
    let evidence = c["evidence"].as_str().unwrap();
    let numbers: Vec<f64> = evidence
        .split(|c: char| !(c.is_ascii_digit() || c == '.'))
        .filter_map(|t| t.trim_matches('.').parse().ok())
        .collect();
    for n in [rises, over, agree] {
        assert!(numbers.contains(&(n as f64)), "{n} not in {evidence}");
    }
    let shown = rises > 0
        && agree as f64 >= 0.95 * (steps.len() - 1) as f64
        && lambdas[0] < 2.0 / lr
        && crossed
        && calm;
    assert_eq!(c["verdict"], if shown { "shown" } else { "partly" });
    assert_eq!(c["verdict"], "shown", "{evidence}");
    // The exact product agrees with the finite difference at step 0.
    assert!(num(&large["hvp_check"]) < 1e-6);
}

#[test]
fn bad_learning_rates_are_refused() {
    for bad in [["--lr", "0"], ["--small-lr", "-1"]] {
        let args = [&["demo", "curvature"][..], &bad[..]].concat();
        let (code, _, err) = binary::chaintrace(&args);
        assert_eq!(code, 2, "{bad:?}");
        assert!(err.contains("must be a positive number"), "{err}");
    }
}

#[test]
fn every_format_renders_and_dot_is_refused() {
    let small = ["demo", "curvature", "--width", "4", "--steps", "20"];
    for (format, start) in [
        (
            "text",
            "Curvature: a gradient step overshoots when lr·λ > 2\n",
        ),
        ("md", "# Curvature"),
        ("json", "{"),
        ("svg", "<svg"),
        ("html", "<!DOCTYPE html>"),
    ] {
        let (code, out, err) = binary::chaintrace(&[&small[..], &["--format", format]].concat());
        assert_eq!((code, err.as_str()), (0, ""), "{format}");
        assert!(out.starts_with(start), "{format}: {}", &out[..40]);
        if format != "json" && format != "svg" {
            assert!(out.contains("overshoot"), "{format} ends with the verdict");
        }
    }
    let (code, out, _) = binary::chaintrace(&[&small[..], &["--format", "dot"]].concat());
    assert_eq!((code, out.as_str()), (2, ""));
}

#[test]
fn degenerate_sizes_run_and_print_no_nan() {
    // One hidden unit and two points: the run still measures, and says nothing undefined.
    let args = [
        "demo",
        "curvature",
        "--width",
        "1",
        "--samples",
        "2",
        "--steps",
        "3",
    ];
    let (code, out, err) = binary::chaintrace(&args);
    assert_eq!((code, err.as_str()), (0, ""));
    assert!(!out.contains("NaN"), "{out}");
}

/// A small run's text, read line by line when accepted.
#[test]
fn small_run_text_snapshot() {
    let args = [
        "demo",
        "curvature",
        "--width",
        "4",
        "--samples",
        "16",
        "--steps",
        "30",
    ];
    let (code, out, err) = binary::chaintrace(&args);
    assert_eq!((code, err.as_str()), (0, ""));
    insta::assert_snapshot!("demo_curvature_small", out);
}
