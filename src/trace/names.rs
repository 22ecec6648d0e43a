//! What a node is called in formulas and reports: its own name, or `uᵢ` for op node `i`
//! (`cᵢ`, `vᵢ` for an unnamed tensor constant or leaf; a scalar constant is its value).

use super::limits::fit_name;
use crate::symbolic::Expr;
use crate::tape::{Node, NodeKind, NodeSpan};
use crate::tensor::Float;

/// The name of node `i` in formulas and reports (see
/// [`NodeRecord::display_name`](super::NodeRecord::display_name)).
pub(crate) fn node_name<T: Float>(nodes: NodeSpan<'_, T>, i: usize) -> String {
    let node = nodes.node(i);
    match node.op() {
        Some(_) => indexed('u', i),
        None => fit_name(symbol(i, node).to_text()),
    }
}

/// The expression that stands for node `i` in its consumers' formulas.
pub(crate) fn symbol<T: Float>(i: usize, node: Node<'_, T>) -> Expr {
    match (&node.kind(), &node.name()) {
        (NodeKind::Op(_), _) => Expr::Sym(indexed('u', i)),
        (_, Some(name)) => Expr::sym(*name),
        (NodeKind::Constant, None) if node.value().ndim() == 0 => {
            Expr::constant(node.value().item().map_or(f64::NAN, Float::as_f64))
        }
        (NodeKind::Constant, None) => Expr::Sym(indexed('c', i)),
        (NodeKind::Leaf, None) => Expr::Sym(indexed('v', i)),
    }
}

/// `prefix` followed by `i` in Unicode subscript digits: `u₁₂`.
pub(crate) fn indexed(prefix: char, i: usize) -> String {
    let mut s = String::with_capacity(16);
    s.push(prefix);
    push_subscript(&mut s, i);
    s
}

fn push_subscript(out: &mut String, i: usize) {
    let digits = i.checked_ilog10().unwrap_or(0);
    for k in (0..=digits).rev() {
        let digit = (i / 10usize.pow(k)) % 10;
        out.push(char::from_u32(0x2080 + digit as u32).unwrap_or('?'));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subscripts() {
        assert_eq!(indexed('u', 0), "u₀");
        assert_eq!(indexed('c', 907), "c₉₀₇");
    }
}
