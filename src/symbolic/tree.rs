//! Walking expression trees without recursion: children, size, bottom-up rebuilding, and the
//! structural traits: `Clone` (recursive only near the top, where it is fastest, then with an
//! explicit stack), `PartialEq`, `Ord` and `Hash` (explicit stacks).

use smallvec::SmallVec;
use std::cmp::Ordering;
use std::hash::{Hash, Hasher};

use super::Expr;

/// The direct children of `e`, in order.
pub(super) fn children(e: &Expr) -> impl DoubleEndedIterator<Item = &Expr> {
    let (members, boxes): (&[Expr], [Option<&Expr>; 2]) = match e {
        Expr::Const(_) | Expr::Sym(_) => (&[], [None, None]),
        Expr::Sum(xs) | Expr::Product(xs) | Expr::Call(_, xs) => (xs, [None, None]),
        Expr::Pow(a, b) | Expr::MatMul(a, b) => (&[], [Some(a), Some(b)]),
        Expr::Transpose(a) | Expr::Diag(a) => (&[], [Some(a), None]),
    };
    members.iter().chain(boxes.into_iter().flatten())
}

fn child_count(e: &Expr) -> usize {
    match e {
        Expr::Const(_) | Expr::Sym(_) => 0,
        Expr::Sum(xs) | Expr::Product(xs) | Expr::Call(_, xs) => xs.len(),
        Expr::Pow(..) | Expr::MatMul(..) => 2,
        Expr::Transpose(_) | Expr::Diag(_) => 1,
    }
}

/// The node count and nesting depth of a tree.
pub(super) struct Size {
    pub(super) nodes: usize,
    pub(super) depth: usize,
}

pub(super) fn size(e: &Expr) -> Size {
    let mut size = Size { nodes: 0, depth: 0 };
    let mut work = vec![(e, 1)];
    while let Some((e, level)) = work.pop() {
        size.nodes += 1;
        size.depth = size.depth.max(level);
        work.extend(children(e).map(|c| (c, level + 1)));
    }
    size
}

/// Folds a tree bottom-up with an explicit stack: `node(e, results of e's children)`.
pub(super) fn fold<R, E>(
    root: &Expr,
    mut node: impl FnMut(&Expr, std::vec::Drain<'_, R>) -> Result<R, E>,
) -> Result<R, E> {
    enum Visit<'e> {
        Enter(&'e Expr),
        Exit(&'e Expr),
    }
    let mut work = vec![Visit::Enter(root)];
    let mut done: Vec<R> = Vec::new();
    while let Some(visit) = work.pop() {
        match visit {
            Visit::Enter(e) => {
                work.push(Visit::Exit(e));
                work.extend(children(e).rev().map(Visit::Enter));
            }
            Visit::Exit(e) => {
                let first = done.len() - child_count(e);
                let result = node(e, done.drain(first..))?;
                done.push(result);
            }
        }
    }
    Ok(done.pop().expect("the root is folded last"))
}

/// `e` with its children replaced by `new`, as is (no simplification).
fn with_children(e: &Expr, mut new: impl Iterator<Item = Expr>) -> Expr {
    let mut next = || Box::new(new.next().expect("one new child per child"));
    match e {
        Expr::Const(c) => Expr::Const(*c),
        Expr::Sym(name) => Expr::Sym(name.clone()),
        Expr::Sum(_) => Expr::Sum(new.collect()),
        Expr::Product(_) => Expr::Product(new.collect()),
        Expr::Call(name, _) => Expr::Call(name.clone(), new.collect()),
        Expr::Pow(..) => Expr::Pow(next(), next()),
        Expr::MatMul(..) => Expr::MatMul(next(), next()),
        Expr::Transpose(_) => Expr::Transpose(next()),
        Expr::Diag(_) => Expr::Diag(next()),
    }
}

/// Levels copied by plain recursion before the explicit stack takes over.
const RECURSIVE_CLONE_LEVELS: usize = 64;

impl Clone for Expr {
    fn clone(&self) -> Self {
        clone_within(self, RECURSIVE_CLONE_LEVELS)
    }
}

fn clone_within(e: &Expr, levels: usize) -> Expr {
    if levels == 0 {
        let copy = fold(e, |e, new| Ok::<_, ()>(with_children(e, new)));
        return copy.expect("copying cannot fail");
    }
    let copy = |x: &Expr| clone_within(x, levels - 1);
    let boxed = |x: &Expr| Box::new(copy(x));
    match e {
        Expr::Const(c) => Expr::Const(*c),
        Expr::Sym(name) => Expr::Sym(name.clone()),
        Expr::Sum(xs) => Expr::Sum(xs.iter().map(copy).collect()),
        Expr::Product(xs) => Expr::Product(xs.iter().map(copy).collect()),
        Expr::Call(name, xs) => Expr::Call(name.clone(), xs.iter().map(copy).collect()),
        Expr::Pow(a, b) => Expr::Pow(boxed(a), boxed(b)),
        Expr::MatMul(a, b) => Expr::MatMul(boxed(a), boxed(b)),
        Expr::Transpose(a) => Expr::Transpose(boxed(a)),
        Expr::Diag(a) => Expr::Diag(boxed(a)),
    }
}

/// The variant's position, for ordering and hashing.
fn variant(e: &Expr) -> u8 {
    match e {
        Expr::Const(_) => 0,
        Expr::Sym(_) => 1,
        Expr::Sum(_) => 2,
        Expr::Product(_) => 3,
        Expr::Pow(..) => 4,
        Expr::Call(..) => 5,
        Expr::Transpose(_) => 6,
        Expr::MatMul(..) => 7,
        Expr::Diag(_) => 8,
    }
}

/// Compares the nodes themselves: variant, number, name, number of children.
fn node_cmp(a: &Expr, b: &Expr) -> Ordering {
    variant(a)
        .cmp(&variant(b))
        .then_with(|| match (a, b) {
            (Expr::Const(x), Expr::Const(y)) => x.cmp(y),
            (Expr::Sym(x), Expr::Sym(y)) => x.cmp(y),
            (Expr::Call(f, _), Expr::Call(g, _)) => f.cmp(g),
            _ => Ordering::Equal,
        })
        .then_with(|| child_count(a).cmp(&child_count(b)))
}

/// The structural order: the sequences of nodes in pre-order, compared lexicographically.
/// Each node carries its number of children, so the sequences determine the trees and this
/// is a total order consistent with equality.
impl Ord for Expr {
    fn cmp(&self, other: &Self) -> Ordering {
        let mut work: SmallVec<[(&Expr, &Expr); 16]> = SmallVec::new();
        work.push((self, other));
        while let Some((a, b)) = work.pop() {
            match node_cmp(a, b) {
                // Equal nodes have as many children; pushed last to first, popped first.
                Ordering::Equal => work.extend(children(a).rev().zip(children(b).rev())),
                unequal => return unequal,
            }
        }
        Ordering::Equal
    }
}

impl PartialOrd for Expr {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Expr {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other).is_eq()
    }
}

impl Eq for Expr {}

impl Hash for Expr {
    fn hash<H: Hasher>(&self, state: &mut H) {
        let mut work: SmallVec<[&Expr; 16]> = SmallVec::new();
        work.push(self);
        while let Some(e) = work.pop() {
            variant(e).hash(state);
            child_count(e).hash(state);
            match e {
                Expr::Const(c) => c.hash(state),
                Expr::Sym(name) | Expr::Call(name, _) => name.hash(state),
                _ => {}
            }
            work.extend(children(e).rev());
        }
    }
}
