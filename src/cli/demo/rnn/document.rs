//! The prose of `demo rnn`'s report: the claim, the setup, each cell's fate, why the RNN's
//! rate is what it is, and what to try next — sentences computed from the numbers.

use chaintrace::report::Document;

use super::chart::chart;
use super::claims::{LEARNED, STUCK};
use super::regimes::{GAMMA, Regime, regimes_table};
use super::tables::{norms_table, spectrum_table, summary_table};
use super::train::{BASELINE, training_table};
use super::{Cell, RecurrentInit, RnnReport, join, num, verdict};
use crate::cli::CliError;

impl RnnReport {
    pub(super) fn weights_description(&self) -> String {
        let drawn = match self.init {
            RecurrentInit::Torch => "drawn as PyTorch does (every weight U(±1/√H))",
            RecurrentInit::Orthogonal => {
                "drawn as PyTorch does (U(±1/√H)), except W_hh, drawn orthogonal"
            }
        };
        let scaled = if self.scale == 1.0 {
            String::new()
        } else {
            format!(", then W_hh multiplied by {}", num(self.scale))
        };
        let gates = if self.gate_bias == 0.0 {
            String::new()
        } else {
            format!(
                ", and {} added to the biases of the LSTM's forget gate and the GRU's update \
                 gate",
                num(self.gate_bias)
            )
        };
        format!("{drawn}{scaled}{gates}")
    }
}

/// The report for people: claim, setup, the chart, a one-unit RNN to step through, then the
/// tables and what the numbers show.
pub(super) fn document(r: &RnnReport) -> Result<Document, CliError> {
    let t = r.steps;
    let mut doc = Document::new(format!(
        "Gradients through time: vanilla RNN, LSTM and GRU on the adding problem (T = {t})"
    ));
    doc.paragraph(
        "The article: recurrent networks are particularly susceptible to exploding and \
         vanishing gradients because they reuse the same weight matrix at every time step, \
         powering the numbers repeatedly; LSTMs and GRUs have gates that regulate how much \
         gradient flows.",
    );
    doc.paragraph(format!(
        "What was run: the adding problem (two marked numbers among {t}; the target is their \
         sum), a batch of {} sequences drawn with seed {}. Each cell, with H = {} hidden units, \
         weights {}, reads the sequences; a linear readout of h_{t} predicts the sum and L is \
         the mean squared error. One backward pass per cell, at initialisation. ‖∂L/∂h_t‖ is \
         the norm of the gradient that reaches the hidden state of step t. The vanilla RNN is \
         run again with its drawn W_hh multiplied by {}, to put σ_max(W_hh) on either side of \
         1/γ.{}",
        r.batch,
        r.seed,
        r.hidden,
        r.weights_description(),
        join(&r.regimes.iter().map(|g| num(g.scale)).collect::<Vec<_>>()),
        if r.training.steps > 0 {
            " Then each cell is trained on the adding problem with the same budget."
        } else {
            " Nothing is trained (--train-steps 0)."
        }
    ));
    doc.chart(chart(r)?);
    doc.stepper(super::stepper::small_rnn(r.scale));
    doc.heading(format!(
        "‖∂L/∂h_t‖ at every step, from the loss (t = {t}) back to the first step"
    ));
    doc.table(norms_table(r));
    doc.heading("From the last step to the first");
    doc.table(summary_table(r));
    doc.paragraph(comparison(r));
    doc.heading("The same matrix at every step");
    doc.table(spectrum_table(r));
    doc.paragraph(matrix_explanation(r));
    doc.heading("Both regimes: the same W_hh, scaled");
    doc.table(regimes_table(&r.regimes, t));
    doc.paragraph(regimes_explanation(r));
    if !r.trained.is_empty() && r.training.steps > 0 {
        doc.heading(format!(
            "Trained with the same budget: {} steps of Adam on the adding problem",
            r.training.steps
        ));
        doc.table(training_table(&r.trained));
        doc.paragraph(training_explanation(r));
    }
    if let Some(hint) = hints(r) {
        doc.paragraph(hint);
    }
    Ok(doc)
}

/// Each cell's fate, and how the gated cells compare with the RNN: computed, not asserted.
fn comparison(r: &RnnReport) -> String {
    let t = r.steps;
    // Cells grouped by verdict, in the order the verdicts first appear.
    let mut groups: Vec<(&str, Vec<String>)> = Vec::new();
    for run in &r.runs {
        let v = verdict(run.ratio);
        let cell = format!("the {}", run.cell.label());
        match groups.iter_mut().find(|(g, _)| *g == v) {
            Some((_, cells)) => cells.push(cell),
            None => groups.push((v, vec![cell])),
        }
    }
    let fates: Vec<String> = groups
        .iter()
        .map(|(v, cells)| format!("{v} for {}", join(cells)))
        .collect();
    let rnn = r.run(Cell::Rnn).ratio;
    let relative: Vec<String> = [Cell::Lstm, Cell::Gru]
        .iter()
        .map(|&c| format!("{} times for the {}", num(r.run(c).ratio / rnn), c.label()))
        .collect();
    // Steadiest: the ratio closest to 1 on a log scale.
    let steadiest = r
        .runs
        .iter()
        .min_by(|a, b| a.ratio.ln().abs().total_cmp(&b.ratio.ln().abs()))
        .expect("three cells");
    format!(
        "From step {t} back to step 1, the gradient {}. Relative to the RNN, the ratio ‖∂L/∂h_1‖ / \
         ‖∂L/∂h_{t}‖ is {}. Steadiest through time: the {} (×{} per step).",
        join(&fates),
        join(&relative),
        steadiest.cell.label(),
        num(steadiest.per_step)
    )
}

/// Why the RNN's rate is what it is, with this run's numbers.
fn matrix_explanation(r: &RnnReport) -> String {
    let s = &r.w_hh;
    let measured = r.run(Cell::Rnn).per_step;
    let (sigma, rho) = (s.largest_singular_value, s.spectral_radius);
    let predicted = rho * s.mean_tanh_derivative;
    let within = if measured <= sigma * (1.0 + 1e-9) {
        "within"
    } else {
        "above"
    };
    format!(
        "One step back multiplies the RNN's gradient by diag(1 − h_t²)·W_hh, with the same \
         W_hh at every step. Since |tanh′| ≤ 1, no step can stretch it by more than σ_max = \
         {}, so ‖∂L/∂h_t‖ ≤ σ_max^(T−t)·‖∂L/∂h_T‖. Over many steps the powers W_hh^k grow \
         like ρ^k with ρ = {}, and the tanh derivatives (here {} on average) scale each step \
         further: ρ × mean tanh′ = {} per step, against ×{} measured ({} the bound σ_max). \
         The last column of the first table is the RNN's gradient if every step multiplied it \
         by exactly ρ.",
        num(sigma),
        num(rho),
        num(s.mean_tanh_derivative),
        num(predicted),
        num(measured),
        within
    )
}

/// Pascanu et al.'s conditions against each scaling's measured factor.
fn regimes_explanation(r: &RnnReport) -> String {
    let line = |g: &Regime| {
        let kept = if g.within_bound() { "within" } else { "above" };
        format!(
            "×{}: σ_max = {}, measured ×{} per step ({kept} γ·σ_max), {}",
            num(g.scale),
            num(g.largest_singular_value),
            num(g.per_step),
            verdict(g.ratio)
        )
    };
    format!(
        "Pascanu, Mikolov & Bengio (2013): one step back multiplies the gradient by          diag(f′(a_t))·W_hh with |f′| ≤ γ (γ = {} for tanh, 1/4 for the logistic sigmoid), so no          step stretches it by more than γ·σ_max. σ_max < 1/γ is sufficient for the gradient to          vanish; σ_max > 1/γ is only necessary for it to explode: the tanh′ factors shrink each          step further, and the more so the larger W_hh drives tanh into saturation. Here, for          one drawn W_hh: {}.",
        num(GAMMA),
        r.regimes.iter().map(line).collect::<Vec<_>>().join("; ")
    )
}

/// What the training table shows, computed from it.
fn training_explanation(r: &RnnReport) -> String {
    let s = &r.training;
    let fates: Vec<String> = r
        .trained
        .iter()
        .map(|t| {
            let fate = match t.first_below(LEARNED) {
                Some(w) => format!(
                    "goes below {} from steps {}–{} and ends at {}",
                    num(LEARNED * BASELINE),
                    w.first,
                    w.last,
                    num(t.final_loss())
                ),
                None if t.final_loss() > STUCK * BASELINE => {
                    format!(
                        "does not leave the plateau (ends at {})",
                        num(t.final_loss())
                    )
                }
                None => format!("ends at {}", num(t.final_loss())),
            };
            format!("the {} {fate}", t.cell.label())
        })
        .collect();
    format!(
        "Each cell (H = {}, PyTorch's init, the LSTM's forget-gate bias +{} as Jozefowicz et al.          2015 recommend) is trained {} steps with Adam (lr {}), each step on a fresh batch of {}          sequences of length {} — the same batches for the three. Each row is the mean over          its steps. Always predicting 1, the target's mean, gives Var(u₁ + u₂) = 1/6 ≈ {}:          the plateau of a cell that has not learned to carry the first marked value to the          end. Over this budget, {}. ‖∂L/∂h₁‖ is how much of the loss reaches the first step:          a cell that learns to carry information across the sequence also carries gradient          back across it.",
        s.hidden,
        num(s.forget_bias),
        s.steps,
        num(s.learning_rate),
        s.batch,
        s.length,
        num(BASELINE),
        join(&fates)
    )
}

/// What to try next, from what this run showed.
fn hints(r: &RnnReport) -> Option<String> {
    let mut hints = Vec::new();
    let rnn = r.run(Cell::Rnn);
    if verdict(rnn.ratio) != "explodes" {
        let at_four = if r.scale == 0.0 {
            String::new()
        } else {
            let k = 4.0 / r.scale.abs();
            format!(
                " (here to {} and {})",
                num(k * r.w_hh.largest_singular_value),
                num(k * r.w_hh.spectral_radius)
            )
        };
        hints.push(format!(
            "--scale 4 draws W_hh four times as large, so σ_max and ρ grow fourfold{at_four}; \
             once ρ × mean tanh′ passes 1, by that estimate, the RNN's gradient grows back through time"
        ));
    }
    if r.gate_bias == 0.0 {
        let sigmoid = |x: f64| 1.0 / (1.0 + (-x).exp());
        hints.push(format!(
            "--gate-bias 3 starts the LSTM's forget gate and the GRU's update gate at about \
             σ(3) = {} instead of σ(0) = {}, so the paths that carry the state from step to \
             step (c_t = f⊙c_(t−1) + …, h_t = z⊙h_(t−1) + …) multiply the gradient by nearly 1",
            num(sigmoid(3.0)),
            num(sigmoid(0.0))
        ));
    }
    (!hints.is_empty()).then(|| format!("To try: {}.", hints.join("; ")))
}
