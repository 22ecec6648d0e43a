//! The HTML page in a real browser: headless Chromium loads the page `chaintrace expr … --format
//! html` writes (built from the expression's `Trace`), its script runs, and `--dump-dom` shows
//! the state the stepper recorded on `<body data-step data-formula>`; then a screenshot; then
//! keyboard use and the `aria-live` announcements; then the steppers of `demo residual` and
//! `demo rnn`, drawn among their reports' sections.
//!
//! `.ci/run` installs Debian's chromium when it is missing; where there is no chromium the test
//! prints `SKIPPED: chromium not available` (past cargo's output capture) and passes.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How long one browser run may take before the test fails.
const BROWSER_TIMEOUT: Duration = Duration::from_secs(90);

fn find_chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .flat_map(|name| std::env::split_paths(&path).map(move |dir| dir.join(name)))
        .find(|candidate| candidate.is_file())
}

/// A fresh directory for this test run.
fn scratch_dir() -> PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let dir =
        std::env::temp_dir().join(format!("chaintrace-browser-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a scratch directory");
    dir
}

/// Runs headless Chromium on `url` with `extra` arguments and a fresh profile; returns stdout.
fn chromium(browser: &Path, dir: &Path, url: &str, extra: &[&str]) -> String {
    let profile = dir.join(format!("profile-{}", extra.len() + url.len()));
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(url)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromium starts");
    let start = Instant::now();
    let mut stdout = child.stdout.take().expect("piped stdout");
    let reader = std::thread::spawn(move || {
        let mut out = String::new();
        std::io::Read::read_to_string(&mut stdout, &mut out).map(|_| out)
    });
    loop {
        if child.try_wait().expect("waits").is_some() {
            break;
        }
        if start.elapsed() > BROWSER_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not finish within {BROWSER_TIMEOUT:?} on {url}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    reader.join().expect("reader thread").expect("utf-8 output")
}

/// The value of `attr` on `<body>` in a dumped DOM.
fn body_attribute(dom: &str, attr: &str) -> Option<String> {
    let body = &dom[dom.find("<body")?..];
    let tag = &body[..body.find('>')?];
    let start = tag.find(&format!("{attr}=\""))? + attr.len() + 2;
    let len = tag[start..].find('"')?;
    Some(tag[start..start + len].replace("&amp;", "&"))
}

#[test]
fn the_stepper_runs_in_a_real_browser() {
    let Some(browser) = find_chromium() else {
        // Written to the process's stderr, not through eprintln!, so cargo does not hide it.
        let _ = std::io::stderr().write_all(b"\nSKIPPED: chromium not available\n");
        return;
    };
    let dir = scratch_dir();
    let page = dir.join("neuron.html");
    let status = Command::new(env!("CARGO_BIN_EXE_chaintrace"))
        .args(["expr", "tanh(w*x + b)", "--at", "w=1.5,x=2,b=0.1"])
        .args(["--format", "html", "--out"])
        .arg(&page)
        .status()
        .expect("chaintrace runs");
    assert!(status.success());
    let url = format!("file://{}", page.display());

    // The tape holds w, x, b (nodes 0–2), then u₃ = w·x, u₄ = b + u₃, u₅ = tanh(u₄). Sweep
    // order: (1) tanh: u₅ → u₄, (2) add: u₄ → u₃, (3) add: u₄ → b, (4) mul: u₃ → w, (5) mul:
    // u₃ → x. At w = 1.5, x = 2, b = 0.1: ∂f/∂u₄ = 1 − tanh(3.1)² = 0.00808487, ∂u₄/∂b = 1,
    // and ∂u₃/∂x = w = 1.5.
    let expected = [
        (0, "∂f/∂u₅ = 1"),
        (3, "∂f/∂b = ∂f/∂u₄ · ∂u₄/∂b = 0.00808487 × 1 = 0.00808487"),
        (5, "∂f/∂x = ∂f/∂u₃ · ∂u₃/∂x = 0.00808487 × 1.5 = 0.0121273"),
    ];
    for (step, formula) in expected {
        let dom = chromium(
            &browser,
            &dir,
            &format!("{url}#step={step}"),
            &["--dump-dom"],
        );
        assert_eq!(
            body_attribute(&dom, "data-step").as_deref(),
            Some(step.to_string().as_str()),
            "{dom}"
        );
        assert_eq!(
            body_attribute(&dom, "data-formula").as_deref(),
            Some(formula)
        );
        assert!(dom.contains(&format!(
            "<div id=\"formula\" class=\"formula\">{formula}</div>"
        )));
        assert!(dom.contains(&format!("id=\"position\">step {step} of 5<")));
    }
    // Past the end, the stepper stops at the last multiplication.
    let dom = chromium(&browser, &dir, &format!("{url}#step=99"), &["--dump-dom"]);
    assert_eq!(body_attribute(&dom, "data-step").as_deref(), Some("5"));

    let shot = dir.join("neuron.png");
    chromium(
        &browser,
        &dir,
        &format!("{url}#step=3"),
        &[
            &format!("--screenshot={}", shot.display()),
            "--window-size=1200,800",
        ],
    );
    let png = std::fs::read(&shot).expect("a screenshot was written");
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    // IHDR: width and height, big-endian, at bytes 16..24.
    let width = u32::from_be_bytes(png[16..20].try_into().unwrap());
    let height = u32::from_be_bytes(png[20..24].try_into().unwrap());
    assert_eq!((width, height), (1200, 800));
    // A blank 1200×800 PNG compresses to a few kilobytes; the page is far more.
    assert!(png.len() > 20_000, "{} bytes", png.len());
    std::fs::remove_dir_all(&dir).expect("clean up");
}

/// The text of the element `<pre id="{id}">` in a dumped DOM, unescaped.
fn pre_text(dom: &str, id: &str) -> Option<String> {
    let open = format!("<pre id=\"{id}\">");
    let start = dom.find(&open)? + open.len();
    let len = dom[start..].find("</pre>")?;
    Some(
        dom[start..start + len]
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&"),
    )
}

/// Keyboard use: the buttons and the list of steps take the focus, arrow keys pressed on the
/// focused element step, and each step is written to the `aria-live` region a screen reader
/// reads out. Headless Chromium's command line cannot type, so a script added to the end of the
/// page focuses the controls and dispatches `keydown` events to the focused element, as a key
/// press does, and logs what the page announced into `<pre id="keylog">` for `--dump-dom`.
#[test]
fn the_stepper_is_driven_by_the_keyboard_and_announces_each_step() {
    let Some(browser) = find_chromium() else {
        let _ = std::io::stderr().write_all(b"\nSKIPPED: chromium not available\n");
        return;
    };
    let dir = scratch_dir();
    let page = dir.join("keys.html");
    let status = Command::new(env!("CARGO_BIN_EXE_chaintrace"))
        .args(["expr", "tanh(w*x + b)", "--at", "w=1.5,x=2,b=0.1"])
        .args(["--format", "html", "--out"])
        .arg(&page)
        .status()
        .expect("chaintrace runs");
    assert!(status.success());
    let html = std::fs::read_to_string(&page).expect("the page");
    let driver = r#"<pre id="keylog"></pre><script>
(function () {
  var log = [];
  var announce = document.getElementById("announce");
  function note(what) {
    var a = document.activeElement;
    log.push(what + " | focus " + (a && a.id ? a.id : a.tagName) + " | step " +
      document.body.getAttribute("data-step") + " | live " + announce.getAttribute("aria-live") +
      " | " + announce.textContent);
  }
  function press(key) {
    document.activeElement.dispatchEvent(new KeyboardEvent("keydown", { key: key, bubbles: true, cancelable: true }));
    note(key);
  }
  document.getElementById("next").focus(); note("focus next");
  press("ArrowRight"); press("ArrowRight"); press("ArrowRight"); press("ArrowLeft");
  press("End"); press("ArrowRight");
  document.getElementById("prev").focus(); note("focus prev");
  press("Home");
  document.querySelector("ol.steps").focus(); press("ArrowRight");
  document.getElementById("keylog").textContent = log.join("\n");
})();
</script>
</body>"#;
    let html = html.replacen("</body>", driver, 1);
    std::fs::write(&page, html).expect("the page is written");
    let url = format!("file://{}", page.display());
    let dom = chromium(&browser, &dir, &url, &["--dump-dom"]);
    let log = pre_text(&dom, "keylog").expect("the driver ran");
    let lines: Vec<&str> = log.lines().collect();
    // The tape as in the test above: u₃ = w·x, u₄ = b + u₃, u₅ = tanh(u₄). Past the last step
    // → does nothing; Home goes back to the seed.
    let expected = [
        "focus next | focus next | step 0 | live polite | Step 0 of 5: ∂f/∂u₅ = 1",
        "ArrowRight | focus next | step 1 | live polite | Step 1 of 5: ∂f/∂u₄ = ∂f/∂u₅ · ∂u₅/∂u₄ \
         = 1 × 0.00808487 = 0.00808487; local derivative ∂u₅/∂u₄ = 1 − tanh(u₄)²; op tanh: edge \
         u₄ → u₅",
        "ArrowRight | focus next | step 2 | live polite | Step 2 of 5: ∂f/∂u₃ = ∂f/∂u₄ · ∂u₄/∂u₃ \
         = 0.00808487 × 1 = 0.00808487; local derivative ∂u₄/∂u₃ = 1; op add: edge u₃ → u₄",
        "ArrowRight | focus next | step 3 | live polite | Step 3 of 5: ∂f/∂b = ∂f/∂u₄ · ∂u₄/∂b = \
         0.00808487 × 1 = 0.00808487; local derivative ∂u₄/∂b = 1; op add: edge b → u₄",
        "ArrowLeft | focus next | step 2 | live polite | Step 2 of 5: ∂f/∂u₃ = ∂f/∂u₄ · ∂u₄/∂u₃ \
         = 0.00808487 × 1 = 0.00808487; local derivative ∂u₄/∂u₃ = 1; op add: edge u₃ → u₄",
        "End | focus next | step 5 | live polite | Step 5 of 5: ∂f/∂x = ∂f/∂u₃ · ∂u₃/∂x = \
         0.00808487 × 1.5 = 0.0121273; local derivative ∂u₃/∂x = w; op mul: edge x → u₃",
        "ArrowRight | focus next | step 5 | live polite | Step 5 of 5: ∂f/∂x = ∂f/∂u₃ · ∂u₃/∂x = \
         0.00808487 × 1.5 = 0.0121273; local derivative ∂u₃/∂x = w; op mul: edge x → u₃",
        "focus prev | focus prev | step 5 | live polite | Step 5 of 5: ∂f/∂x = ∂f/∂u₃ · ∂u₃/∂x = \
         0.00808487 × 1.5 = 0.0121273; local derivative ∂u₃/∂x = w; op mul: edge x → u₃",
        "Home | focus prev | step 0 | live polite | Step 0 of 5: ∂f/∂u₅ = 1",
        "ArrowRight | focus OL | step 1 | live polite | Step 1 of 5: ∂f/∂u₄ = ∂f/∂u₅ · ∂u₅/∂u₄ \
         = 1 × 0.00808487 = 0.00808487; local derivative ∂u₅/∂u₄ = 1 − tanh(u₄)²; op tanh: edge \
         u₄ → u₅",
    ];
    assert_eq!(lines, expected, "{log}");
    std::fs::remove_dir_all(&dir).expect("clean up");
}

/// `demo residual`'s page: the stepper of its three scalar blocks sits among the document's
/// sections, the arrow keys step it and each step is announced. Block 3 (h₂ = u₈, its tanh
/// u₁₀, the product u₁₁ = w₃·u₁₀, h₃ = u₁₂ = u₈ + u₁₁ = L) is walked first: the skip edge
/// gives ∂L/∂u₈ = 1 × 1, then the branch adds 0.7 × tanh′(u₈) = 0.7 × 0.0438429 = 0.03069, so
/// ∂L/∂u₈ sums to 1.03069 = 1 + w₃·tanh′(h₂). The last step, through block 1's tanh, brings
/// ∂L/∂x to 1.52974. (h₂ = 2.24557, and the other numbers, computed apart in Python.)
#[test]
fn the_residual_demo_page_steps_by_keyboard_and_announces_each_step() {
    let Some(browser) = find_chromium() else {
        let _ = std::io::stderr().write_all(b"\nSKIPPED: chromium not available\n");
        return;
    };
    let dir = scratch_dir();
    let page = dir.join("residual.html");
    let status = Command::new(env!("CARGO_BIN_EXE_chaintrace"))
        .args([
            "demo", "residual", "--depth", "2", "--width", "2", "--batch", "1",
        ])
        .args(["--format", "html", "--out"])
        .arg(&page)
        .status()
        .expect("chaintrace runs");
    assert!(status.success());
    let html = std::fs::read_to_string(&page).expect("the page");
    let driver = r#"<pre id="keylog"></pre><script>
(function () {
  var log = [];
  var announce = document.getElementById("announce");
  function note(what) {
    log.push(what + " | step " + document.body.getAttribute("data-step") + " | live " +
      announce.getAttribute("aria-live") + " | " + announce.textContent);
  }
  function press(key) {
    document.activeElement.dispatchEvent(new KeyboardEvent("keydown", { key: key, bubbles: true, cancelable: true }));
    note(key);
  }
  document.getElementById("next").focus(); note("focus " + document.activeElement.id);
  press("ArrowRight"); press("ArrowRight"); press("ArrowRight"); press("ArrowRight");
  press("ArrowRight"); press("End"); press("Home");
  document.getElementById("keylog").textContent = log.join("\n");
})();
</script>
</body>"#;
    let html = html.replacen("</body>", driver, 1);
    std::fs::write(&page, html).expect("the page is written");
    let url = format!("file://{}", page.display());
    let dom = chromium(&browser, &dir, &url, &["--dump-dom"]);
    let log = pre_text(&dom, "keylog").expect("the driver ran");
    let lines: Vec<&str> = log.lines().collect();
    let expected = [
        "focus next | step 0 | live polite | Step 0 of 15: ∂L/∂u₁₂ = 1",
        "ArrowRight | step 1 | live polite | Step 1 of 15: ∂L/∂u₈ = ∂L/∂u₁₂ · ∂u₁₂/∂u₈ = 1 × 1 = \
         1; local derivative ∂u₁₂/∂u₈ = 1; op add in layer block3: edge u₈ → u₁₂",
        "ArrowRight | step 2 | live polite | Step 2 of 15: ∂L/∂u₁₁ = ∂L/∂u₁₂ · ∂u₁₂/∂u₁₁ = 1 × 1 \
         = 1; local derivative ∂u₁₂/∂u₁₁ = 1; op add in layer block3: edge u₁₁ → u₁₂",
        "ArrowRight | step 3 | live polite | Step 3 of 15: ∂L/∂w₃ = ∂L/∂u₁₁ · ∂u₁₁/∂w₃ = 1 × \
         0.977833 = 0.977833; local derivative ∂u₁₁/∂w₃ = u₁₀; op mul in layer block3: edge w₃ \
         → u₁₁",
        "ArrowRight | step 4 | live polite | Step 4 of 15: ∂L/∂u₁₀ = ∂L/∂u₁₁ · ∂u₁₁/∂u₁₀ = 1 × \
         0.7 = 0.7; local derivative ∂u₁₁/∂u₁₀ = w₃; op mul in layer block3: edge u₁₀ → u₁₁",
        "ArrowRight | step 5 | live polite | Step 5 of 15: ∂L/∂u₈ = ∂L/∂u₁₀ · ∂u₁₀/∂u₈ = 0.7 × \
         0.0438429 = 0.03069; local derivative ∂u₁₀/∂u₈ = 1 − tanh(u₈)²; op tanh in layer \
         block3: edge u₈ → u₁₀; ∂L/∂u₈ sums to 1.03069",
        "End | step 15 | live polite | Step 15 of 15: ∂L/∂x = ∂L/∂u₂ · ∂u₂/∂x = 0.999118 × \
         0.419974 = 0.419604; local derivative ∂u₂/∂x = 1 − tanh(x)²; op tanh in layer block1: \
         edge x → u₂; ∂L/∂x sums to 1.52974",
        "Home | step 0 | live polite | Step 0 of 15: ∂L/∂u₁₂ = 1",
    ];
    assert_eq!(lines, expected, "{log}");
    // The document's own sections are still there around the stepper.
    assert!(dom.contains("<h2 class=\"as-written\">summary</h2>"));
    assert!(dom.contains("<h2 class=\"as-written\">verdicts</h2>"));
    std::fs::remove_dir_all(&dir).expect("clean up");
}

/// `demo rnn`'s page at `#step=3`: the third multiplication of its one-unit RNN is the one into
/// the shared weight w at the last time step, ∂L/∂w = ∂L/∂u₁₅ · u₁₃ with ∂L/∂u₁₅ = tanh′(a₄) =
/// 1 − 0.629539² = 0.603681 and h₃ = u₁₃ = 0.267391; the copy of w drawn beside that step's
/// product is the one highlighted, not an edge across the graph.
#[test]
fn the_rnn_demo_page_highlights_the_shared_weight_beside_its_step() {
    let Some(browser) = find_chromium() else {
        let _ = std::io::stderr().write_all(b"\nSKIPPED: chromium not available\n");
        return;
    };
    let dir = scratch_dir();
    let page = dir.join("rnn.html");
    let status = Command::new(env!("CARGO_BIN_EXE_chaintrace"))
        .args([
            "demo", "rnn", "--steps", "4", "--hidden", "2", "--batch", "2",
        ])
        .args([
            "--scales",
            "1",
            "--train-steps",
            "0",
            "--format",
            "html",
            "--out",
        ])
        .arg(&page)
        .status()
        .expect("chaintrace runs");
    assert!(status.success());
    let url = format!("file://{}#step=3", page.display());
    let dom = chromium(&browser, &dir, &url, &["--dump-dom"]);
    let formula = "∂L/∂w = ∂L/∂u₁₅ · ∂u₁₅/∂w = 0.603681 × 0.267391 = 0.161419";
    assert_eq!(body_attribute(&dom, "data-step").as_deref(), Some("3"));
    assert_eq!(
        body_attribute(&dom, "data-formula").as_deref(),
        Some(formula)
    );
    assert!(dom.contains("id=\"position\">step 3 of 15<"));
    assert_eq!(dom.matches("class=\"node ghost u\"").count(), 1, "{dom}");
    std::fs::remove_dir_all(&dir).expect("clean up");
}
