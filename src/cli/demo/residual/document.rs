//! The report of `demo residual` for people: the claim, the setup, the summary, the charts,
//! three scalar blocks to step through, then the long tables (‖∂L/∂h_k‖ per block, and
//! ‖∂L/∂x‖ split by path length).

use chaintrace::report::{Document, Table};

use super::ResidualReport;
use crate::cli::demo::present::{fmt3, shown_layers};

impl ResidualReport {
    pub(super) fn document(&self) -> Document {
        let l = self.depth;
        let f = self.activation.name();
        let mut doc = Document::new(format!(
            "Residual connections: {l} blocks of width {}, with and without skips",
            self.width
        ));
        doc.paragraph(
            "The article: ResNets use skip connections that let gradients flow through the \
             network without being multiplied at every layer.",
        );
        doc.paragraph(format!(
            "What ran: the same {l} blocks, weights ({init}, σ = {sigma}) and batch of {b} \
             inputs x = h_0 ~ N(0, 1) (seed {seed}), wired two ways: plain, h_k = {f}(W_k·h_(k−1) \
             + b_k), and residual, h_k = h_(k−1) + {f}(W_k·h_(k−1) + b_k), each block recorded \
             with tape.residual so its skip edge is marked. L = mean(h_{l}). A third backward \
             pass runs the residual network with every skip edge cut by an edge hook, \
             hook_edge(h_k, 0, Scale(0)): the forward pass is unchanged, only the path through \
             all {l} blocks is left for the gradient.",
            init = self.init.label(),
            sigma = fmt3(self.init.std(self.width, 1.0)),
            b = self.batch,
            seed = self.seed,
        ));
        doc.paragraph(format!(
            "Why: the Jacobian of a residual block is I + ∂f/∂h, so ∂L/∂x expands into a sum over \
             the 2^{l} ways of taking, at each block, either the skip (factor I) or the branch \
             (factor ∂f/∂h): C({l}, n) paths cross n branches. The tracer carries one gradient per \
             path length through the sweep (trace.path_lengths()), so the split below is \
             measured, not modelled."
        ));
        doc.heading("summary");
        doc.table(self.summary_table());
        self.add_charts(&mut doc);
        doc.stepper(super::stepper::small_net());
        doc.heading(format!(
            "‖∂L/∂h_k‖ at each block, from the output (k = {l}) back to the input (k = 0)"
        ));
        doc.table(self.layer_table());
        doc.heading(
            "the residual network's ‖∂L/∂x‖ split by path length n (the number of branches a path \
             goes through)",
        );
        doc.paragraph(
            "‖part_n‖ is the norm of the summed contribution of all paths of length n; the parts \
             add up (as vectors) to ∂L/∂x. share is ‖part_n‖ / Σ ‖part_m‖.",
        );
        doc.table(self.length_table());
        doc.section("what the numbers show", self.conclusions());
        doc
    }

    fn summary_table(&self) -> Table {
        let l = self.depth;
        let mut t = Table::new(&[
            "network",
            "‖∂L/∂x‖",
            &format!("‖∂L/∂x‖/‖∂L/∂h_{l}‖"),
            "gain per block",
            "flag at x",
        ])
        .right_align(1)
        .right_align(2)
        .right_align(3);
        for (name, m) in self.networks() {
            t.row(vec![
                name.to_string(),
                fmt3(m.grad_norms[0]),
                fmt3(m.total_gain()),
                fmt3(m.gain_per_block()),
                m.flags[0].short().to_string(),
            ]);
        }
        t
    }

    fn layer_table(&self) -> Table {
        let mut t = Table::new(&["k", "plain", "residual", "skips cut in backward"]);
        for c in 0..4 {
            t = t.right_align(c);
        }
        for k in shown_layers(self.depth) {
            let mut cells = vec![k.to_string()];
            for (_, m) in self.networks() {
                cells.push(format!("{}{}", fmt3(m.grad_norms[k]), m.flags[k].mark()));
            }
            t.row(cells);
        }
        t
    }

    fn length_table(&self) -> Table {
        let parts = self.parts();
        let total: f64 = parts.iter().map(|p| p.1).sum();
        let mut t = Table::new(&["n", "paths C(L, n)", "‖part_n‖", "share", "share up to n"]);
        for c in 0..5 {
            t = t.right_align(c);
        }
        let mut running = 0.0;
        let shown = shown_layers(self.depth);
        for &(n, norm) in &parts {
            running += norm;
            if shown.contains(&n) {
                t.row(vec![
                    n.to_string(),
                    fmt3(self.path_counts[n]),
                    fmt3(norm),
                    percent(norm / total),
                    percent(running / total),
                ]);
            }
        }
        t
    }
}

fn percent(x: f64) -> String {
    format!("{}%", fmt3(100.0 * x))
}
