//! The rnn demo's claims: both regimes, and the gated cells learning.

use super::*;

fn final_losses(r: &Value) -> Vec<f64> {
    r["trained"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| num(&t["windows"].as_array().unwrap().last().unwrap()["loss"]))
        .collect()
}

#[test]
fn rnn_default_run_shows_both_regimes_and_the_gated_cells_learning() {
    // The default run: T = 50; the RNN's drawn W_hh ×0.5, ×1 and ×4; then 1200 steps of Adam
    // on the adding problem for each cell (H = 16, the LSTM's forget-gate bias +1).
    let r = json("demo rnn");
    assert_eq!(verdicts(&r), pairs(&[("rnn", "shown"), ("gates", "shown")]));
    let regimes = r["regimes"].as_array().unwrap();
    let scales: Vec<f64> = regimes.iter().map(|g| num(&g["scale"])).collect();
    assert_eq!(scales, [0.5, 1.0, 4.0]);
    let e = evidence(&r, "rnn");
    for g in regimes {
        let (sigma, per_step) = (num(&g["largest_singular_value"]), num(&g["per_step"]));
        // Pascanu et al. (2013): with |tanh′| ≤ γ = 1 no step multiplies by more than σ_max.
        assert!(per_step <= sigma, "{per_step} > {sigma}");
        mentions(e, sigma);
        mentions(e, per_step);
        mentions(e, num(&g["ratio"]));
    }
    // ×0.5: σ_max < 1, sufficient for vanishing, and it vanishes (below the ledger's 1e-3).
    assert!(num(&regimes[0]["largest_singular_value"]) < 1.0);
    assert!(num(&regimes[0]["ratio"]) < 1e-3);
    // ×4: σ_max > 1, necessary for exploding, and it explodes (above 1e3).
    assert!(num(&regimes[2]["largest_singular_value"]) > 1.0);
    assert!(num(&regimes[2]["ratio"]) > 1e3);
    // ×1: σ_max = 1.08 > 1, yet it vanishes: the condition for explosion is only necessary.
    assert!(num(&regimes[1]["largest_singular_value"]) > 1.0);
    assert!(num(&regimes[1]["per_step"]) < 1.0);
    assert!(e.contains("only necessary"));

    // The adding problem's baseline, always predicting 1: Var(u₁ + u₂) = 1/6.
    let baseline = 1.0 / 6.0;
    let losses = final_losses(&r);
    // Shown means the LSTM and the GRU end below a quarter of it and the RNN above 3/4.
    assert!(losses[0] > 0.75 * baseline, "RNN {}", losses[0]);
    assert!(losses[1] < 0.25 * baseline, "LSTM {}", losses[1]);
    assert!(losses[2] < 0.25 * baseline, "GRU {}", losses[2]);
    let g = evidence(&r, "gates");
    for loss in losses {
        mentions(g, loss);
    }
    mentions(g, baseline);
    assert_eq!(r["training"]["forget_bias"], 1.0);
    // ‖∂L/∂h₁‖ at the start and the end of training, for each cell.
    for t in r["trained"].as_array().unwrap() {
        let w = t["windows"].as_array().unwrap();
        mentions(g, num(&w[0]["grad_h1"]));
        mentions(g, num(&w[w.len() - 1]["grad_h1"]));
    }
}

#[test]
fn rnn_claims_are_partly_with_one_regime_and_no_training() {
    // Only W_hh ×0.5 (vanishing), and nothing trained: neither claim is settled.
    let r = json("demo rnn --steps 8 --hidden 4 --batch 2 --scales 0.5 --train-steps 0");
    assert_eq!(
        verdicts(&r),
        pairs(&[("rnn", "partly"), ("gates", "partly")])
    );
    assert!(evidence(&r, "rnn").contains("vanishing only"));
    let g = evidence(&r, "gates");
    assert!(g.contains("nothing is trained"));
    for cell in 0..3 {
        mentions(g, num(&r["runs"][cell]["per_step"]));
    }
    // Trained briefly at T = 8, the verdict follows the losses, whatever they are.
    let r = json("demo rnn --steps 8 --hidden 4 --batch 2 --train-steps 30");
    let losses = final_losses(&r);
    let learned = losses[1] < 1.0 / 24.0 && losses[2] < 1.0 / 24.0;
    let stuck = losses[0] > 0.125;
    let gates = &verdicts(&r)[1];
    assert_eq!(
        gates.1 == "shown",
        learned && stuck,
        "{losses:?}: {gates:?}"
    );
}
