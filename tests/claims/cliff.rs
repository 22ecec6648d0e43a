//! `demo clip`'s cliff (Pascanu, Mikolov & Bengio 2013): the second half of the overshoot
//! claim, recomputed from the JSON.

use super::*;

/// The one-unit loss by a plain loop: x_t = w·σ(x_{t−1}) + b from x_0, L = (x_T − target)².
fn loss(c: &Value, w: f64, b: f64) -> f64 {
    let mut x = num(&c["x0"]);
    for _ in 0..c["steps"].as_u64().unwrap() {
        x = w / (1.0 + (-x).exp()) + b;
    }
    (x - num(&c["target"])).powi(2)
}

fn point(run: &Value, k: usize) -> &Value {
    &run["points"][k]
}

/// The length of the step from point `k` of a run to the next, from their coordinates.
fn step(run: &Value, k: usize) -> f64 {
    let (p, q) = (point(run, k), point(run, k + 1));
    (num(&q["w"]) - num(&p["w"])).hypot(num(&q["b"]) - num(&p["b"]))
}

/// The start is the first point before the wall whose ‖∇L‖ is 100 times the flat part's; from
/// it one unclipped step is lr·‖∇L‖ long and at least 100 times the clipped one, which is at
/// most lr·max_norm; the landing losses (recomputed here) are 100 times apart; every clipped
/// step stays within lr·max_norm, and the clipped descent stays within 1 of the start.
#[test]
fn cliff_throws_the_unclipped_step_and_the_clipped_one_stays() {
    let r = json("demo clip --steps 8");
    let (lr, max_norm) = (num(&r["lr"]), num(&r["max_norm"]));
    let c = &r["cliff"];
    let approach = c["approach"].as_array().unwrap();
    let start = c["start"].as_u64().unwrap() as usize;
    let flat = num(&approach[0]["grad_norm"]);
    for (k, p) in approach.iter().enumerate() {
        assert_eq!(num(&p["grad_norm"]) >= 100.0 * flat, k >= start, "{p}");
        let b = num(&c["wall_b"]) - num(&p["distance"]);
        assert!((num(&p["b"]) - b).abs() < 1e-12, "{p}");
        let l = loss(c, num(&c["w"]), b);
        assert!((num(&p["loss"]) / l - 1.0).abs() < 1e-6, "{p} vs {l}");
    }
    assert_eq!(start, 3, "10⁻⁴ before the wall");
    // A learning rate safe on the flat part: lr·λ < 2 there.
    assert!(lr * num(&c["flat_curvature"]) < 2.0);
    let (plain, clipped) = (&c["runs"][0], &c["runs"][1]);
    assert_eq!(plain["max_norm"], Value::Null);
    assert_eq!(num(&clipped["max_norm"]), max_norm);
    for run in [plain, clipped] {
        assert_eq!(num(&point(run, 0)["b"]), num(&approach[start]["b"]));
        assert_eq!(num(&point(run, 0)["w"]), num(&c["w"]));
        let points = run["points"].as_array().unwrap();
        for k in 0..points.len() - 1 {
            assert!((num(&points[k]["step_length"]) / step(run, k) - 1.0).abs() < 1e-9);
            let (w, b) = (num(&points[k + 1]["w"]), num(&points[k + 1]["b"]));
            let l = num(&points[k + 1]["loss"]);
            assert!((l / loss(c, w, b) - 1.0).abs() < 1e-6, "{l} at ({w}, {b})");
        }
    }
    let (long, short) = (step(plain, 0), step(clipped, 0));
    let start_norm = num(&approach[start]["grad_norm"]);
    assert!((long / (lr * start_norm) - 1.0).abs() < 1e-9, "{long}");
    assert!(short <= lr * max_norm * (1.0 + 1e-9), "{short}");
    assert!(long >= 100.0 * short, "{long} vs {short}");
    let (far, near) = (
        num(&point(plain, 1)["loss"]),
        num(&point(clipped, 1)["loss"]),
    );
    assert!(far >= 100.0 * near, "{far} vs {near}");
    let points = clipped["points"].as_array().unwrap();
    for k in 0..points.len() - 1 {
        assert!(step(clipped, k) <= lr * max_norm * (1.0 + 1e-9));
        assert!(num(&points[k + 1]["distance"]) < 1.0);
    }
    // The evidence prints those numbers, and names both anchors.
    let e = evidence(&r, "overshoot");
    for v in [
        start_norm,
        long,
        short,
        far,
        near,
        num(&point(plain, 0)["loss"]),
    ] {
        mentions(e, v);
    }
    let anchor = r["claims"][1]["anchor"].as_str().unwrap();
    assert!(
        anchor.contains("Pascanu, Mikolov & Bengio 2013"),
        "{anchor}"
    );
}

/// A threshold above the start's ‖∇L‖ never clips there: both steps are the same, nothing is
/// thrown farther than the clipped step, and the overshoot is only partly shown.
#[test]
fn cliff_without_clipping_at_the_start_is_partly() {
    let r = json("demo clip --steps 4 --max-norm 1e6");
    let c = &r["cliff"];
    let (plain, clipped) = (&c["runs"][0], &c["runs"][1]);
    assert_eq!(step(plain, 0), step(clipped, 0));
    let verdict = verdicts(&r)
        .into_iter()
        .find(|v| v.0 == "overshoot")
        .unwrap();
    assert_eq!(verdict.1, "partly");
    assert!(evidence(&r, "overshoot").contains("not thrown"));
}
