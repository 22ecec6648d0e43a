//! The measuring demos (`init`, `residual`, `batchnorm`, `chaos`) through the binary: text
//! snapshots at a small size, every format, hand-checked numbers in the JSON, bad input.
//!
//! Each snapshot was read line by line when accepted; the numbers checked by hand are asserted
//! below, each with its derivation.

use serde_json::Value;

mod binary;
use binary::chaintrace;

/// Runs a command that must succeed and returns its stdout.
fn ok(args: &[&str]) -> String {
    let (code, out, err) = chaintrace(args);
    assert_eq!((code, err.as_str()), (0, ""), "{args:?}");
    out
}

const SMALL: [&str; 6] = ["--depth", "6", "--width", "8", "--batch", "4"];

fn small(demo: &str, extra: &[&str]) -> Vec<String> {
    let mut args = vec!["demo".to_string(), demo.to_string()];
    args.extend(SMALL.iter().map(|s| s.to_string()));
    args.extend(extra.iter().map(|s| s.to_string()));
    args
}

fn run_small(demo: &str, extra: &[&str]) -> String {
    let args = small(demo, extra);
    ok(&args.iter().map(String::as_str).collect::<Vec<_>>())
}

fn json(demo: &str, extra: &[&str]) -> Value {
    let mut extra = extra.to_vec();
    extra.extend(["--format", "json"]);
    serde_json::from_str(&run_small(demo, &extra)).expect("valid JSON")
}

fn number(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("a number, got {v}"))
}

fn numbers(v: &Value) -> Vec<f64> {
    v.as_array().expect("an array").iter().map(number).collect()
}

#[test]
fn init_text() {
    insta::assert_snapshot!(run_small("init", &["--seed", "1"]));
}

#[test]
fn residual_text() {
    insta::assert_snapshot!(run_small("residual", &["--seed", "1"]));
}

#[test]
fn batchnorm_text() {
    insta::assert_snapshot!(run_small("batchnorm", &["--seed", "1"]));
}

#[test]
fn chaos_text() {
    insta::assert_snapshot!(run_small(
        "chaos",
        &["--seed", "1", "--seeds", "3", "--sigma-w", "0.5,1.4,4"]
    ));
}

/// L = mean(h_L) over a 4 × 8 batch: ∂L/∂h_L = 1/32 in each of 32 entries, so
/// ‖∂L/∂h_L‖ = √32/32 = 0.1767767; the input x is the same N(0, 1) draw in every network of
/// one seed, and its std is printed as std(h_0).
#[test]
fn init_numbers_by_hand() {
    let report = json("init", &["--seed", "1"]);
    let runs = report["runs"].as_array().expect("runs");
    assert_eq!(runs.len(), 10);
    for run in runs {
        for dtype in ["f64", "f32"] {
            let m = &run[dtype];
            let g = numbers(&m["grad_norms"]);
            assert_eq!(g.len(), 7);
            assert!(
                (g[6] - 32f64.sqrt() / 32.0).abs() < 1e-6,
                "{dtype}: {}",
                g[6]
            );
        }
        let std0 = numbers(&run["f64"]["act_std"])[0];
        assert_eq!(std0, numbers(&runs[0]["f64"]["act_std"])[0]);
    }
    // The weights' σ: Xavier 1/√8 = 0.353553, He √(2/8) = 0.5, the standard U[−1/√8, 1/√8]
    // 1/√(3·8) = 0.204124.
    let sigma = |init: &str| {
        runs.iter()
            .find(|r| r["init"] == init)
            .map(|r| number(&r["weight_std"]))
            .expect("that init")
    };
    assert!((sigma("xavier") - 0.125f64.sqrt()).abs() < 1e-15);
    assert_eq!(sigma("he"), 0.5);
    assert!((sigma("standard") - (1.0f64 / 24.0).sqrt()).abs() < 1e-15);
    assert_eq!((sigma("naive"), sigma("small")), (1.0, 0.01));
}

/// ReLU layers with σ = 0.01 and width 8 shrink the gradient by about 0.01·√(8/2) = 0.02 per
/// layer, N(0,1) grows it by about √(8/2) = 2; with six layers the product is far outside
/// [1e-3, 1e3] for the small one (0.02^6 = 6.4e-11).
#[test]
fn init_small_relu_vanishes_and_is_flagged() {
    let report = json("init", &["--seed", "1"]);
    let run = report["runs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["init"] == "small" && r["activation"] == "relu")
        .unwrap()
        .clone();
    let g = numbers(&run["f64"]["grad_norms"]);
    let per_layer = (g[0] / g[6]).powf(1.0 / 6.0);
    assert!(per_layer > 0.005 && per_layer < 0.05, "{per_layer}");
    assert_eq!(run["f64"]["flags"][0], "vanishing");
    assert_eq!(run["f64"]["flags"][6], "ok");
}

/// The residual network's split: the parts are one per length 0..=6, the length-0 part is
/// ∂L/∂h_6 itself, and with the skips cut ‖∂L/∂x‖ equals the length-6 part.
#[test]
fn residual_split_by_hand() {
    let report = json("residual", &["--seed", "1"]);
    let parts = report["residual"]["path_lengths"].as_array().unwrap();
    let lengths: Vec<u64> = parts
        .iter()
        .map(|p| p["length"].as_u64().unwrap())
        .collect();
    assert_eq!(lengths, [0, 1, 2, 3, 4, 5, 6]);
    let top = numbers(&report["residual"]["grad_norms"])[6];
    assert!((number(&parts[0]["norm"]) - top).abs() < 1e-15);
    let cut = numbers(&report["skips_cut"]["grad_norms"])[0];
    let longest = number(&parts[6]["norm"]);
    assert!(
        (cut - longest).abs() <= 1e-12 * longest,
        "{cut} vs {longest}"
    );
    // C(6, n): 1 6 15 20 15 6 1.
    assert_eq!(
        numbers(&report["path_counts"]),
        [1.0, 6.0, 15.0, 20.0, 15.0, 6.0, 1.0]
    );
}

/// Batch normalisation in training mode centres every unit over the batch before the ReLU,
/// so its activations stay in range whatever the weights' scale.
#[test]
fn batchnorm_keeps_activations_in_range() {
    let report = json("batchnorm", &["--seed", "1"]);
    let bn = numbers(&report["batchnorm"]["act_std"]);
    assert!(bn[1..].iter().all(|s| *s > 0.2 && *s < 1.0), "{bn:?}");
    let plain = numbers(&report["plain"]["act_std"]);
    // N(0,1) weights feeding ReLU: each layer scales the spread by about √(8/2) = 2.
    assert!(plain[6] > 10.0 * plain[1], "{plain:?}");
}

/// After batch normalisation (γ = 1, β = 0) each unit has mean 0 and variance 1 over the
/// batch, and with 64 inputs per unit it is close to N(0, 1), so ReLU(z) has mean
/// 1/√(2π) = 0.3989 and standard deviation √(1/2 − 1/(2π)) = 0.5838 (its second moment is
/// 1/2). With 256 examples the measured values are within 0.03.
#[test]
fn batchnorm_relu_activations_match_the_half_normal() {
    let args = "demo batchnorm --depth 4 --width 64 --batch 256 --format json";
    let out = ok(&args.split(' ').collect::<Vec<_>>());
    let report: Value = serde_json::from_str(&out).expect("valid JSON");
    let (mean, std) = (
        numbers(&report["batchnorm"]["act_mean"]),
        numbers(&report["batchnorm"]["act_std"]),
    );
    let want_mean = 1.0 / (2.0 * std::f64::consts::PI).sqrt();
    let want_std = (0.5 - 1.0 / (2.0 * std::f64::consts::PI)).sqrt();
    for k in 1..=4 {
        assert!(
            (mean[k] - want_mean).abs() < 0.03,
            "mean h_{k} = {}",
            mean[k]
        );
        assert!((std[k] - want_std).abs() < 0.03, "std h_{k} = {}", std[k]);
    }
}

/// The mean field by hand: with σ_b = 0 and σ_w ≤ 1 the variance map's fixed point is
/// q* = 0, where tanh′ = 1, so χ₁ = σ_w² exactly (0.25 at σ_w = 0.5) and the critical σ_w is 1;
/// the pairs start 1e-6 apart (‖x − x′‖ = 1e-6 in every pair); σ_w are sorted; the seeds are
/// --seed, --seed + 1, ….
#[test]
fn chaos_numbers_by_hand() {
    let report = json(
        "chaos",
        &[
            "--seed",
            "1",
            "--seeds",
            "3",
            "--sigma-w",
            "0.8,0.5",
            "--sigma-b",
            "0",
        ],
    );
    let runs = report["runs"].as_array().unwrap();
    let ws: Vec<f64> = runs.iter().map(|r| number(&r["sigma_w"])).collect();
    assert_eq!(ws, [0.5, 0.8], "sorted");
    for (run, w) in runs.iter().zip(ws) {
        assert_eq!(number(&run["q_star"]), 0.0);
        assert!((number(&run["chi1"]) - w * w).abs() < 1e-12);
        assert!((numbers(&run["distance"])[0] / 1e-6 - 1.0).abs() < 1e-9);
    }
    assert!((number(&report["critical_sigma_w"]) - 1.0).abs() < 1e-6);
    assert_eq!(report["seeds"], serde_json::json!([1, 2, 3]));
}

#[test]
fn every_format_renders_and_dot_is_refused() {
    for demo in ["init", "residual", "batchnorm", "chaos"] {
        let extra: &[&str] = if demo == "chaos" {
            &["--seeds", "2"]
        } else {
            &[]
        };
        for (format, start) in [("md", "# "), ("svg", "<svg"), ("html", "<!DOCTYPE html>")] {
            let mut args = extra.to_vec();
            args.extend(["--format", format]);
            let out = run_small(demo, &args);
            assert!(out.starts_with(start), "{demo} {format}: {}", &out[..40]);
        }
        let args = small(demo, &["--format", "dot"]);
        let (code, out, err) = chaintrace(&args.iter().map(String::as_str).collect::<Vec<_>>());
        assert_eq!((code, out.as_str()), (2, ""), "{demo}");
        assert!(err.contains("no computation graph to draw"), "{err}");
    }
}

#[test]
fn html_pages_are_self_contained_with_tables_and_charts() {
    let page = run_small("residual", &["--format", "html"]);
    assert_eq!(
        page.matches("<svg").count(),
        3,
        "two charts, the stepper's graph"
    );
    assert!(page.contains("<table>") && page.contains("<td class=\"num\">"));
    // Nothing to fetch: the stepper's script is inline; no sources, no links (the SVG
    // namespace is only a name).
    assert!(!page.contains("src=") && !page.contains("href="));
    assert_eq!(
        page.matches("<script").count(),
        2,
        "the page model and the stepper's script"
    );
}

/// A page of long tables shows its charts first: `demo init`'s two charts (tanh above, ReLU
/// below in each) come before its first table, not after its six per-layer tables.
#[test]
fn charts_come_before_the_long_tables() {
    let page = run_small("init", &["--format", "html"]);
    let at = |s: &str| page.find(s).unwrap_or_else(|| panic!("{s}"));
    assert_eq!(page.matches("<figure>").count(), 2);
    assert!(
        at("<figure>") < at("<table>"),
        "charts before the first table"
    );
    assert!(page.rfind("<figure>").unwrap() < at("<table>"));
}

/// `demo residual`'s page steps through three scalar residual blocks: 15 multiplications
/// (per block: the skip, the branch, w_k, tanh's input, tanh), with the stepper's controls,
/// state on <body> and the page model, after the charts and before the long per-block table.
/// Text and Markdown name the blocks and say what the page shows.
#[test]
fn the_residual_page_steps_through_three_scalar_blocks() {
    let page = run_small("residual", &["--format", "html"]);
    assert!(page.contains("<body data-step=\"0\" data-steps=\"15\" data-formula=\"∂L/∂u₁₂ = 1\">"));
    assert!(page.contains("<span id=\"position\">step 0 of 15</span>"));
    assert_eq!(page.matches("<li id=\"step-").count(), 15);
    assert!(page.contains("id=\"trace-data\"") && page.contains("id=\"announce\""));
    // The first step walks the skip edge of block 3 (dashed in the graph): ∂L/∂h₂ × 1.
    assert!(page.contains("<li id=\"step-1\">∂L/∂u₈ = ∂L/∂u₁₂ · ∂u₁₂/∂u₈ = 1 × 1 = 1"));
    assert!(page.contains("class=\"edge residual\""));
    let at = |s: &str| page.find(s).unwrap_or_else(|| panic!("{s}"));
    let stepper =
        at("Three scalar residual blocks, step by step: ∂L/∂x = 1.52974 (plain: 0.0905059)");
    assert!(at("<figure>") < stepper, "charts first");
    assert!(
        stepper < at("at each block, from the output"),
        "before the long table"
    );
    let text = run_small("residual", &[]);
    assert!(text.contains("--format html steps through its 15 chain-rule multiplications"));
    let markdown = run_small("residual", &["--format", "md"]);
    assert!(markdown.contains("## Three scalar residual blocks, step by step"));
}

#[test]
fn the_chart_option_picks_the_svg() {
    let grads = run_small("init", &["--format", "svg"]);
    let stds = run_small("init", &["--format", "svg", "--chart", "activations"]);
    assert!(grads.contains("‖∂L/∂h_k‖ per layer"));
    assert!(stds.contains("std(h_k) per layer"));
}

#[test]
fn output_is_deterministic_and_follows_the_seed() {
    let a = run_small("init", &["--seed", "5"]);
    assert_eq!(a, run_small("init", &["--seed", "5"]));
    assert_ne!(a, run_small("init", &["--seed", "6"]));
}

/// One unit, one input: ReLU units die (exact zeros in f64 as well, which f32 is not blamed
/// for), a batch of two normalises to ±1; every demo still runs and prints no NaN in its
/// conclusions.
#[test]
fn degenerate_sizes_run_and_say_nothing_undefined() {
    for args in [
        "demo init --depth 1 --width 1 --batch 1",
        "demo residual --depth 1 --width 1 --batch 1",
        "demo batchnorm --depth 1 --width 1 --batch 2",
        "demo chaos --depth 2 --width 1 --batch 1 --seeds 2 --sigma-w 1",
    ] {
        let out = ok(&args.split(' ').collect::<Vec<_>>());
        let conclusions = out.split("what the numbers show").nth(1).expect(args);
        assert!(!conclusions.contains("NaN"), "{args}: {conclusions}");
    }
    let out = ok(&[
        "demo", "init", "--depth", "1", "--width", "1", "--batch", "1",
    ]);
    assert!(out.contains("N(0,1) ReLU                                    0  no number lost"));
}

#[test]
fn bad_parameters_are_usage_errors() {
    let cases: [(&[&str], &str); 3] = [
        (
            &["demo", "chaos", "--sigma-w", "1,0"],
            "error: --sigma-w must be numbers in (0, 10], got 0\n",
        ),
        (
            &["demo", "init", "--xavier-gain", "-1"],
            "error: --xavier-gain must be a positive number, got -1\n",
        ),
        (
            &["demo", "batchnorm", "--batch", "1"],
            "1 is not in 2..=1024",
        ),
    ];
    for (args, message) in cases {
        let (code, out, err) = chaintrace(args);
        assert_eq!((code, out.as_str()), (2, ""), "{args:?}");
        assert!(err.contains(message), "{args:?}: {err}");
    }
}
