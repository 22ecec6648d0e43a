//! The traversals the derives would make recursive, written with explicit stacks: `Drop`
//! (children are moved onto a heap stack before they drop), `Debug`, and serde in both
//! directions (a flat post-order sequence of nodes, so neither the serializer nor the
//! deserializer nests).

use ordered_float::OrderedFloat;
#[cfg(feature = "serde")]
use serde::de::{self, SeqAccess, Visitor};
#[cfg(feature = "serde")]
use serde::ser::SerializeSeq;
#[cfg(feature = "serde")]
use serde::{Deserialize, Deserializer, Serialize, Serializer};
#[cfg(feature = "serde")]
use std::borrow::Cow;
use std::fmt;

use super::Expr;
use super::tree::children;

/// A placeholder left where a child was moved out (a number: no heap, nothing to drop).
const HOLE: Expr = Expr::Const(OrderedFloat(0.0));

/// A node without children (a number or a symbol).
fn is_leaf(e: &Expr) -> bool {
    matches!(e, Expr::Const(_) | Expr::Sym(_))
}

/// Moves the children of `e` onto `out`, leaving `e` without any (empty lists, numbers in
/// the boxes).
fn take_children(e: &mut Expr, out: &mut Vec<Expr>) {
    match e {
        Expr::Const(_) | Expr::Sym(_) => {}
        Expr::Sum(xs) | Expr::Product(xs) | Expr::Call(_, xs) => out.append(xs),
        Expr::Pow(a, b) | Expr::MatMul(a, b) => {
            out.push(std::mem::replace(&mut **a, HOLE));
            out.push(std::mem::replace(&mut **b, HOLE));
        }
        Expr::Transpose(a) | Expr::Diag(a) => out.push(std::mem::replace(&mut **a, HOLE)),
    }
}

impl Drop for Expr {
    fn drop(&mut self) {
        // The common case, a node whose children are leaves, drops them in place.
        if children(self).all(is_leaf) {
            return;
        }
        let mut stack = Vec::new();
        take_children(self, &mut stack);
        while let Some(mut e) = stack.pop() {
            take_children(&mut e, &mut stack);
            // `e` drops here with no children left: one level of drop glue.
        }
    }
}

/// The members of a sum, product or call (empty for any other node), moved out.
pub(super) fn members(mut e: Expr) -> Vec<Expr> {
    match &mut e {
        Expr::Sum(xs) | Expr::Product(xs) | Expr::Call(_, xs) => std::mem::take(xs),
        _ => Vec::new(),
    }
}

/// The two operands of a power or matrix product, moved out.
///
/// # Panics
/// On any other node.
pub(super) fn operands(mut e: Expr) -> (Expr, Expr) {
    match &mut e {
        Expr::Pow(a, b) | Expr::MatMul(a, b) => (
            std::mem::replace(&mut **a, HOLE),
            std::mem::replace(&mut **b, HOLE),
        ),
        _ => unreachable!("operands of a node with two"),
    }
}

/// The operand of a transpose or `diag`, moved out.
///
/// # Panics
/// On any other node.
pub(super) fn operand(mut e: Expr) -> Expr {
    match &mut e {
        Expr::Transpose(a) | Expr::Diag(a) => std::mem::replace(&mut **a, HOLE),
        _ => unreachable!("the operand of a node with one"),
    }
}

/// `Debug` prints what the derive would (`Sum([Sym("x"), Const(1.0)])`), with an explicit
/// stack; `{:#?}` prints the same one-line form.
impl fmt::Debug for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        enum Item<'e> {
            Expr(&'e Expr),
            Text(&'static str),
        }
        let mut stack = vec![Item::Expr(self)];
        while let Some(item) = stack.pop() {
            let e = match item {
                Item::Text(t) => {
                    f.write_str(t)?;
                    continue;
                }
                Item::Expr(e) => e,
            };
            let (open, close) = match e {
                Expr::Const(c) => {
                    write!(f, "Const({c:?})")?;
                    continue;
                }
                Expr::Sym(name) => {
                    write!(f, "Sym({name:?})")?;
                    continue;
                }
                Expr::Sum(_) => ("Sum([", "])"),
                Expr::Product(_) => ("Product([", "])"),
                Expr::Call(name, _) => {
                    write!(f, "Call({name:?}, ")?;
                    ("[", "])")
                }
                Expr::Pow(..) => ("Pow(", ")"),
                Expr::MatMul(..) => ("MatMul(", ")"),
                Expr::Transpose(_) => ("Transpose(", ")"),
                Expr::Diag(_) => ("Diag(", ")"),
            };
            f.write_str(open)?;
            stack.push(Item::Text(close));
            for (i, child) in children(e)
                .enumerate()
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
            {
                stack.push(Item::Expr(child));
                if i > 0 {
                    stack.push(Item::Text(", "));
                }
            }
        }
        Ok(())
    }
}

/// One node of the serialised form: a node's own data and its number of children, which
/// precede it (post-order).
#[cfg(feature = "serde")]
#[derive(Serialize, Deserialize)]
enum Node<'a> {
    Const(OrderedFloat<f64>),
    Sym(#[serde(borrow)] Cow<'a, str>),
    Sum(usize),
    Product(usize),
    Pow,
    Call(#[serde(borrow)] Cow<'a, str>, usize),
    Transpose,
    MatMul,
    Diag,
}

/// An expression serialises as the sequence of its nodes in post-order, each with its number
/// of children where that varies: `w·x + 1` is
/// `[{"Const":1.0},{"Sym":"w"},{"Sym":"x"},{"Product":2},{"Sum":2}]` in JSON. The sequence is
/// flat, so any depth is written and read back without recursion (and within `serde_json`'s
/// nesting limit).
#[cfg(feature = "serde")]
impl Serialize for Expr {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(None)?;
        // Post-order: a node is written after its children (an explicit stack of nodes still
        // to enter or to leave).
        let mut work = vec![(self, false)];
        while let Some((e, children_done)) = work.pop() {
            if !children_done && !is_leaf(e) {
                work.push((e, true));
                work.extend(children(e).rev().map(|c| (c, false)));
                continue;
            }
            seq.serialize_element(&match e {
                Expr::Const(c) => Node::Const(*c),
                Expr::Sym(name) => Node::Sym(Cow::Borrowed(name)),
                Expr::Sum(xs) => Node::Sum(xs.len()),
                Expr::Product(xs) => Node::Product(xs.len()),
                Expr::Pow(..) => Node::Pow,
                Expr::Call(name, xs) => Node::Call(Cow::Borrowed(name), xs.len()),
                Expr::Transpose(_) => Node::Transpose,
                Expr::MatMul(..) => Node::MatMul,
                Expr::Diag(_) => Node::Diag,
            })?;
        }
        seq.end()
    }
}

#[cfg(feature = "serde")]
impl<'de> Deserialize<'de> for Expr {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_seq(PostOrder)
    }
}

#[cfg(feature = "serde")]
struct PostOrder;

#[cfg(feature = "serde")]
impl<'de> Visitor<'de> for PostOrder {
    type Value = Expr;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an expression as a sequence of nodes in post-order")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Expr, A::Error> {
        let mut stack: Vec<Expr> = Vec::new();
        while let Some(node) = seq.next_element::<Node<'_>>()? {
            let arity = match node {
                Node::Const(_) | Node::Sym(_) => 0,
                Node::Sum(n) | Node::Product(n) | Node::Call(_, n) => n,
                Node::Pow | Node::MatMul => 2,
                Node::Transpose | Node::Diag => 1,
            };
            let Some(first) = stack.len().checked_sub(arity) else {
                return Err(de::Error::custom(format!(
                    "a node takes {arity} children but only {} precede it",
                    stack.len()
                )));
            };
            let children: Vec<Expr> = stack.drain(first..).collect();
            let mut args = children.into_iter();
            let mut next = || Box::new(args.next().expect("arity children"));
            let e = match node {
                Node::Const(c) => Expr::Const(c),
                Node::Sym(name) => Expr::Sym(name.into_owned()),
                Node::Sum(_) => Expr::Sum(args.collect()),
                Node::Product(_) => Expr::Product(args.collect()),
                Node::Call(name, _) => Expr::Call(name.into_owned(), args.collect()),
                Node::Pow => Expr::Pow(next(), next()),
                Node::MatMul => Expr::MatMul(next(), next()),
                Node::Transpose => Expr::Transpose(next()),
                Node::Diag => Expr::Diag(next()),
            };
            stack.push(e);
        }
        match <[Expr; 1]>::try_from(stack) {
            Ok([e]) => Ok(e),
            Err(rest) => Err(de::Error::custom(format!(
                "a sequence of nodes makes one expression, not {}",
                rest.len()
            ))),
        }
    }
}
