//! The `chaintrace` binary's output: snapshots of `expr` and of `demo chain`, `rnn` and
//! `clip`, each demo in every format, and the demos' bad options.
//!
//! `chaintrace expr` on malformed input is in `expr_errors.rs`, saved trace files in
//! `trace_files.rs`, and the expression language's property tests in `expr_props.rs`.

mod binary;
use binary::{chaintrace, rejects};

#[test]
fn expr_text_snapshot() {
    let (code, out, err) = chaintrace(&["expr", "tanh(w*x + b)", "--at", "w=1.5,x=2,b=0.1"]);
    assert_eq!((code, err.as_str()), (0, ""));
    insta::assert_snapshot!("expr_tanh_neuron", out);
}

#[test]
fn demo_chain_snapshot() {
    let (code, out, err) = chaintrace(&["demo", "chain", "--depth", "10"]);
    assert_eq!((code, err.as_str()), (0, ""));
    insta::assert_snapshot!("demo_chain_depth_10", out);
}

#[test]
fn demo_chain_default_shows_the_article_numbers() {
    let (code, out, _) = chaintrace(&["demo", "chain"]);
    assert_eq!(code, 0);
    // 1.5^50 = 637621500.21… and 0.5^50 = 8.8817841970012523e-16.
    assert!(
        out.contains("  1.5    6.37622e8    6.37622e8         6.37622e8"),
        "{out}"
    );
    assert!(
        out.contains("  0.5  8.88178e-16  8.88178e-16       8.88178e-16"),
        "{out}"
    );
    assert!(
        out.contains("1.5  f32   overflows to inf at depth 219"),
        "{out}"
    );
    assert!(
        out.contains("1.5  f64   overflows to inf at depth 1751"),
        "{out}"
    );
}

#[test]
fn demo_chain_renders_in_every_format() {
    for format in ["md", "json", "dot", "svg", "html"] {
        let (code, out, err) = chaintrace(&["demo", "chain", "--depth", "6", "--format", format]);
        assert_eq!((code, err.as_str()), (0, ""), "{format}");
        let start = match format {
            "md" => "## The exploding chain",
            "json" => "{",
            "dot" => "digraph chaintrace {",
            "svg" => "<svg",
            _ => "<!DOCTYPE html>",
        };
        assert!(
            out.starts_with(start),
            "{format}: {}",
            &out[..80.min(out.len())]
        );
    }
    let (_, json, _) = chaintrace(&["demo", "chain", "--depth", "300", "--format", "json"]);
    let report: serde_json::Value = serde_json::from_str(&json).unwrap();
    // 1.5^300 overflows f32 (past depth 219) but not f64.
    assert_eq!(report["runs"][0]["gradient_f32"], "Infinity");
    assert!(report["runs"][0]["gradient_f64"].as_f64().unwrap() > 1e52);
}

#[test]
fn demo_rnn_snapshot() {
    // Twelve training steps (windows of two): the training table without the minutes.
    let args = [
        "demo",
        "rnn",
        "--steps",
        "8",
        "--hidden",
        "4",
        "--batch",
        "2",
        "--train-steps",
        "12",
    ];
    let (code, out, err) = chaintrace(&args);
    assert_eq!((code, err.as_str()), (0, ""));
    insta::assert_snapshot!("demo_rnn_t8_h4", out);
}

#[test]
fn demo_rnn_renders_in_every_format() {
    let small = [
        "demo",
        "rnn",
        "--steps",
        "6",
        "--hidden",
        "3",
        "--batch",
        "2",
        "--train-steps",
        "6",
    ];
    for (format, start) in [
        ("md", "# Gradients through time"),
        ("svg", "<svg"),
        ("html", "<!DOCTYPE html>"),
    ] {
        let (code, out, err) = chaintrace(&[&small[..], &["--format", format]].concat());
        assert_eq!((code, err.as_str()), (0, ""), "{format}");
        assert!(
            out.starts_with(start),
            "{format}: {}",
            &out[..80.min(out.len())]
        );
    }
    let (_, json, _) = chaintrace(&[&small[..], &["--format", "json", "--seed", "3"]].concat());
    let report: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(report["seed"], 3);
    let cells: Vec<&str> = report["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["cell"].as_str().unwrap())
        .collect();
    assert_eq!(cells, ["rnn", "lstm", "gru"]);
    for run in report["runs"].as_array().unwrap() {
        let norms = run["gradient_norms"].as_array().unwrap();
        assert_eq!(norms.len(), 6);
        // The ratio is the first norm over the last.
        let (first, last) = (norms[0].as_f64().unwrap(), norms[5].as_f64().unwrap());
        assert!((run["ratio"].as_f64().unwrap() - first / last).abs() <= 1e-12 * first / last);
    }
    let sigma = report["w_hh"]["largest_singular_value"].as_f64().unwrap();
    let rho = report["w_hh"]["spectral_radius"].as_f64().unwrap();
    assert!(
        0.0 < rho && rho <= sigma * (1.0 + 1e-9),
        "ρ = {rho}, σ = {sigma}"
    );
}

/// `demo rnn`'s page steps through a one-unit RNN over four steps (15 multiplications: per
/// step tanh, the sum into w·h_(t−1), w and h_(t−1), none into the constant h_0), whatever
/// --steps the measured cells run; the shared w is drawn again beside each step's product.
#[test]
fn demo_rnn_page_steps_through_a_one_unit_rnn() {
    let small = [
        "demo",
        "rnn",
        "--steps",
        "4",
        "--hidden",
        "2",
        "--batch",
        "2",
        "--scales",
        "1",
        "--train-steps",
        "0",
        "--format",
        "html",
    ];
    let (code, page, err) = chaintrace(&small);
    assert_eq!((code, err.as_str()), (0, ""));
    assert!(page.contains("<body data-step=\"0\" data-steps=\"15\" data-formula=\"∂L/∂u₁₇ = 1\">"));
    assert!(page.contains("<span id=\"position\">step 0 of 15</span>"));
    assert_eq!(page.matches("<li id=\"step-").count(), 15);
    assert_eq!(page.matches("id=\"stepper\"").count(), 1);
    // w feeds four products; the three more than a column away get a copy beside them.
    assert_eq!(page.matches("class=\"node ghost\"").count(), 3);
    // ∂L/∂h₁ = 0.9·tanh′(a₄) · 0.9·tanh′(a₃) · 0.9·tanh′(a₂), computed apart in
    // src/cli/demo/rnn/stepper.rs's test.
    assert!(page.contains("A one-unit RNN over 4 steps, step by step: ∂L/∂h₁ = 0.270076"));
    assert!(page.contains("0.543 × 0.836 × 0.595 = 0.270076"));
    let at = |s: &str| page.find(s).unwrap_or_else(|| panic!("{s}"));
    assert!(at("<figure>") < at("A one-unit RNN"), "the chart first");
    assert!(
        at("id=\"stepper\"") < at("at every step, from the loss"),
        "before the long table"
    );
}

#[test]
fn demo_rnn_rejects_bad_options() {
    rejects(
        &["demo", "rnn", "--scale", "NaN"],
        "error: --scale must be a finite number, got NaN\n",
    );
    rejects(
        &["demo", "rnn", "--steps", "4", "--format", "dot"],
        "error: demo rnn has no computation graph to draw: use --format text, md, json, svg or \
         html\n",
    );
    for bad in [
        &["--steps", "1"][..],
        &["--hidden", "0"],
        &["--batch", "x"],
        &["--init", "xavier"],
    ] {
        let (code, out, err) = chaintrace(&[&["demo", "rnn"][..], bad].concat());
        assert_eq!((code, out.as_str()), (2, ""), "{bad:?}");
        assert!(err.starts_with("error: invalid value"), "{bad:?}: {err}");
    }
}

#[test]
fn demo_clip_snapshot() {
    // Eight steps: enough for the unclipped run to reach NaN (at step 3 with seed 0).
    let (code, out, err) = chaintrace(&["demo", "clip", "--steps", "8"]);
    assert_eq!((code, err.as_str()), (0, ""));
    insta::assert_snapshot!("demo_clip_8_steps", out);
}

#[test]
fn demo_clip_renders_in_every_format() {
    let small = [
        "demo", "clip", "--steps", "30", "--depth", "6", "--width", "4",
    ];
    for (format, start) in [
        ("md", "# Gradient clipping"),
        ("svg", "<svg xmlns"),
        ("html", "<!DOCTYPE html>"),
    ] {
        let (code, out, err) = chaintrace(&[&small[..], &["--format", format]].concat());
        assert_eq!((code, err.as_str()), (0, ""), "{format}");
        assert!(
            out.starts_with(start),
            "{format}: {}",
            &out[..80.min(out.len())]
        );
    }
    // The default run: the unclipped run fails, is located by the tracer, and the clipped
    // run ends at the least-squares line's loss.
    let (code, json, _) = chaintrace(&["demo", "clip", "--format", "json"]);
    assert_eq!(code, 0);
    let report: serde_json::Value = serde_json::from_str(&json).unwrap();
    let (plain, clipped) = (&report["runs"][0], &report["runs"][1]);
    assert_eq!(plain["max_norm"], serde_json::Value::Null);
    let failure = &plain["failure"];
    let step = failure["step"].as_u64().unwrap() as usize;
    assert_eq!(plain["steps"].as_array().unwrap().len(), step + 1);
    assert!(
        failure["trace"]["anomalies"]["forward"]["op"].is_string(),
        "{failure}"
    );
    assert_eq!(clipped["failure"], serde_json::Value::Null);
    let steps = clipped["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 100);
    let last = steps[99]["loss"].as_f64().unwrap();
    let best = report["best_line_loss"].as_f64().unwrap();
    assert!((last - best).abs() < 1e-6 * best, "{last} vs {best}");
    // Where it clipped, the scale is max_norm / (‖g‖ + 1e-6).
    for s in steps {
        let (g, scale) = (
            s["grad_norm"].as_f64().unwrap(),
            s["scale"].as_f64().unwrap(),
        );
        let expected = if g > 5.0 { 5.0 / (g + 1e-6) } else { 1.0 };
        assert!((scale - expected).abs() < 1e-12, "{s}");
    }
}

#[test]
fn demo_clip_rejects_bad_options() {
    rejects(
        &["demo", "clip", "--lr", "0"],
        "error: --lr must be a positive number, got 0\n",
    );
    rejects(
        &["demo", "clip", "--max-norm", "inf"],
        "error: --max-norm must be a positive number, got inf\n",
    );
    rejects(
        &["demo", "clip", "--steps", "3", "--format", "dot"],
        "error: demo clip has no computation graph to draw: use --format text, md, json, svg or \
         html\n",
    );
    for bad in [&["--depth", "0"][..], &["--steps", "0"], &["--gain", "big"]] {
        let (code, out, err) = chaintrace(&[&["demo", "clip"][..], bad].concat());
        assert_eq!((code, out.as_str()), (2, ""), "{bad:?}");
        assert!(err.starts_with("error: invalid value"), "{bad:?}: {err}");
    }
}
