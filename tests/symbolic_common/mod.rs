//! Helpers the symbolic tests share.

#![allow(dead_code)]

use std::collections::BTreeMap;

use chaintrace::symbolic::Expr;
use chaintrace::{Tape, Tensor, Var};

pub fn sym(name: &str) -> Expr {
    Expr::sym(name)
}

pub fn c(x: f64) -> Expr {
    Expr::constant(x)
}

pub fn env(values: &[(&str, f64)]) -> BTreeMap<String, f64> {
    values.iter().map(|&(k, v)| (k.to_string(), v)).collect()
}

/// The symbols of a tape's leaves with their values.
pub fn leaf_values(tape: &Tape<f64>) -> BTreeMap<String, f64> {
    tape.nodes()
        .iter()
        .filter_map(|n| Some((n.name()?.to_string(), n.value().item()?)))
        .collect()
}

pub fn numeric_gradient(y: Var<'_, f64>, x: Var<'_, f64>) -> f64 {
    y.backward().wrt(x).and_then(Tensor::item).unwrap_or(0.0)
}

pub fn assert_close(got: f64, want: f64, tolerance: f64) {
    let scale = 1.0f64.max(want.abs());
    assert!(
        (got - want).abs() <= tolerance * scale,
        "{got} is not {want} (relative tolerance {tolerance})"
    );
}
