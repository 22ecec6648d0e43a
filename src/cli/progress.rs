//! A progress bar on stderr for long runs: drawn only when stderr is a terminal, only once a
//! run has taken a moment (short runs print nothing), redrawn a few times a second, and
//! erased when the run ends. When stderr is a file or a pipe nothing extra is written.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

/// How long a run goes before the bar appears.
const DELAY: Duration = Duration::from_millis(300);

/// The shortest time between two redraws.
const REDRAW: Duration = Duration::from_millis(100);

/// Characters of the bar itself.
const BAR_WIDTH: usize = 28;

/// Counts units of work (`tick`) towards a known total.
#[derive(Debug)]
pub struct Progress {
    label: String,
    total: usize,
    done: usize,
    start: Instant,
    last_draw: Option<Instant>,
    enabled: bool,
}

impl Progress {
    /// A bar for `total` units of work, labelled `label`; inert unless stderr is a terminal.
    pub fn new(label: impl Into<String>, total: usize) -> Self {
        Progress {
            label: label.into(),
            total,
            done: 0,
            start: Instant::now(),
            last_draw: None,
            enabled: std::io::stderr().is_terminal(),
        }
    }

    /// One more unit done.
    pub fn tick(&mut self) {
        self.advance(1);
    }

    /// `units` more done at once (a run that stopped early skips its remaining steps).
    pub fn advance(&mut self, units: usize) {
        if units == 0 {
            return;
        }
        self.done = (self.done + units).min(self.total);
        if !self.enabled {
            return;
        }
        let now = Instant::now();
        let due = match self.last_draw {
            None => now.duration_since(self.start) >= DELAY,
            Some(last) => now.duration_since(last) >= REDRAW || self.done == self.total,
        };
        if due {
            self.last_draw = Some(now);
            let line = line(
                &self.label,
                self.done,
                self.total,
                now.duration_since(self.start),
            );
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r{line}");
            let _ = err.flush();
        }
    }
}

impl Drop for Progress {
    /// Erases the bar, so the run's output starts on a clean line.
    fn drop(&mut self) {
        if self.last_draw.is_some() {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[2K");
            let _ = err.flush();
        }
    }
}

/// `label [##########..........] 12/40  1.3s`.
fn line(label: &str, done: usize, total: usize, elapsed: Duration) -> String {
    let filled = (done * BAR_WIDTH).checked_div(total).unwrap_or(BAR_WIDTH);
    format!(
        "{label} [{}{}] {done}/{total}  {:.1}s",
        "#".repeat(filled),
        ".".repeat(BAR_WIDTH - filled),
        elapsed.as_secs_f64()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bar_fills_in_proportion() {
        let half = line("clip", 20, 40, Duration::from_millis(1300));
        assert_eq!(
            half,
            format!(
                "clip [{}{}] 20/40  1.3s",
                "#".repeat(BAR_WIDTH / 2),
                ".".repeat(BAR_WIDTH / 2)
            )
        );
        assert!(line("x", 0, 0, Duration::ZERO).contains(&"#".repeat(BAR_WIDTH)));
    }

    #[test]
    fn short_runs_draw_nothing() {
        // Five ticks take far less than the delay, terminal or not.
        let mut p = Progress::new("test", 3);
        for _ in 0..5 {
            p.tick();
        }
        assert_eq!((p.done, p.last_draw), (3, None));
    }
}
