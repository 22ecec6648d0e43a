//! The text and markdown report of `demo chain`: the claim, the summary, the per-layer table
//! and where each float type's range ends.

use chaintrace::report::{Table, fmt_num};

use super::{ChainReport, MAX_TABLE_ROWS, SEARCH_LIMIT, layer_name};

impl ChainReport {
    pub(super) fn to_text(&self, markdown: bool) -> String {
        let l = self.depth;
        let table = |t: &Table| {
            if markdown {
                t.to_markdown() + "\n"
            } else {
                t.to_text("  ")
            }
        };
        let heading = |s: &str| {
            if markdown {
                format!("### {s}\n\n")
            } else {
                format!("{s}\n")
            }
        };
        let mut out = if markdown {
            "## ".to_string()
        } else {
            String::new()
        };
        out += &format!(
            "The exploding chain: y = w·(w·(…(w·x))), {l} multiplications, one per layer, at x = 1\n\n"
        );
        out += &heading(&format!(
            "∂y/∂x = w^{l}: the product of the {l} local derivatives ∂h_k/∂h_(k−1) = w"
        ));
        out += &table(&self.summary_table());
        out += "\n";
        out += &heading(
            "‖∂y/∂h_k‖ at each layer (h_k = output of layer k), from the output back to the input",
        );
        out += &table(&self.layer_table());
        out += "\n";
        out += &heading(&format!(
            "where w^L leaves the floating-point range, found by running the engine on chains of \
             up to {SEARCH_LIMIT} layers"
        ));
        out += &table(&self.limit_table());
        out
    }

    fn summary_table(&self) -> Table {
        let closed = format!("closed form w^{}", self.depth);
        let mut t = Table::new(&["w", "f32 engine", "f64 engine", &closed, ""])
            .right_align(1)
            .right_align(2)
            .right_align(3);
        for r in &self.runs {
            t.row(vec![
                fmt_num(r.weight),
                fmt_num(r.gradient_f32),
                fmt_num(r.gradient_f64),
                fmt_num(r.closed_form),
                r.trend(),
            ]);
        }
        t
    }

    fn layer_table(&self) -> Table {
        let mut headers = vec!["layer".to_string()];
        headers.extend(
            self.runs
                .iter()
                .map(|r| format!("w = {}", fmt_num(r.weight))),
        );
        let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
        let mut t = Table::new(&headers);
        for c in 1..headers.len() {
            t = t.right_align(c);
        }
        let rows: Vec<usize> = (0..=self.depth).rev().collect();
        let shown = if rows.len() > MAX_TABLE_ROWS {
            let half = MAX_TABLE_ROWS / 2;
            [&rows[..half], &rows[rows.len() - half..]].concat()
        } else {
            rows.clone()
        };
        for (i, &k) in shown.iter().enumerate() {
            if i > 0 && shown[i - 1] != k + 1 {
                t.row(vec![format!("… {} layers …", shown[i - 1] - k - 1)]);
            }
            let mut cells = vec![layer_name(k)];
            cells.extend(self.runs.iter().map(|r| fmt_num(r.per_layer[k].abs())));
            t.row(cells);
        }
        t
    }

    fn limit_table(&self) -> Table {
        let mut t = Table::new(&["w", "type", "engine", "closed form"]).right_align(3);
        for r in &self.runs {
            for lim in &r.limits {
                t.row(vec![
                    fmt_num(r.weight),
                    lim.dtype.to_string(),
                    lim.engine_text(),
                    lim.closed_form_depth
                        .map_or("never".to_string(), |d| d.to_string()),
                ]);
            }
        }
        t
    }
}
