//! The chaos demo's claim: the order-to-chaos transition.

use super::*;

fn nums(v: &Value) -> Vec<f64> {
    v.as_array().expect("an array").iter().map(num).collect()
}

/// The chaos verdict recomputed from the numbers (Poole et al. 2016): every σ_w's gain per
/// layer (geometric mean over seeds) within 5% of √χ₁; every measured separation growth (the
/// median over seeds) within 5% of √χ₁; ordered pairs (√χ₁ < 0.95) end closer than 1e-6,
/// chaotic ones (√χ₁ > 1.05) farther; the most chaotic ends with 1 − cos ≥ 0.1. And χ₁ at
/// σ_w = 4, σ_b = 0.3 against an independent integration (numpy, Simpson's rule on 200,001
/// points): 2.367261.
#[test]
fn chaos_claim_is_shown_by_the_transition() {
    let r = json("demo chaos --depth 50 --width 64 --batch 4 --seeds 2 --sigma-w 0.5,1,4");
    let runs = r["runs"].as_array().unwrap();
    let mut decorrelation = 0.0;
    for run in runs {
        let root = num(&run["chi1"]).sqrt();
        let gains = nums(&run["gains"]);
        let gain = (gains.iter().map(|g| g.ln()).sum::<f64>() / gains.len() as f64).exp();
        assert!(
            (gain / root - 1.0).abs() <= 0.05,
            "gain {gain} against {root}"
        );
        let mut growths: Vec<f64> = nums(&run["growths"]);
        growths.sort_by(f64::total_cmp);
        let m = growths.len();
        let growth = (growths[(m - 1) / 2] + growths[m / 2]) / 2.0;
        assert!(
            (growth / root - 1.0).abs() <= 0.05,
            "growth {growth} against {root}"
        );
        let d = nums(&run["distance"]);
        if root < 0.95 {
            assert!(d[50] < d[0]);
        } else {
            assert!(root > 1.05 && d[50] > d[0]);
        }
        decorrelation = num(&run["decorrelation"]);
    }
    assert!(decorrelation >= 0.1, "{decorrelation}");
    assert!((num(&runs[2]["chi1"]) / 2.367_261 - 1.0).abs() < 1e-6);
    assert_eq!(verdicts(&r), pairs(&[("chaos", "shown")]));
    let e = evidence(&r, "chaos");
    mentions(e, num(&r["critical_sigma_w"]));
    mentions(e, num(&runs[2]["chi1"]));
    mentions(e, decorrelation);
    mentions(e, num(&runs[0]["chi1"]));
    // Without a chaotic σ_w the transition is not shown.
    let ordered = json("demo chaos --depth 20 --width 32 --batch 2 --seeds 2 --sigma-w 0.5,1");
    assert_eq!(verdicts(&ordered), pairs(&[("chaos", "partly")]));
    assert!(evidence(&ordered, "chaos").contains("no σ_w in the sweep is chaotic"));
}
