//! The op table of a tape: each node's op stored once, stateless ops shared.

use std::any::TypeId;
use std::rc::Rc;

use crate::ops::{Add, Mul, Op, Sub};
use crate::tensor::Float;

/// How the sweep works out a scalar op node's local derivatives: inline for the three ops
/// every scalar graph is made of, through the op's [`Op::scalar_derivative`] (a call through
/// its vtable, per input) for any other. The same numbers either way: the inline rules are the
/// ops' own, and a test holds them equal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum ScalarRule {
    /// `a + b`: 1 and 1.
    Add,
    /// `a − b`: 1 and −1.
    Sub,
    /// `a · b`: `b` and `a`.
    Mul,
    /// Any other op: ask it.
    Op,
}

impl ScalarRule {
    fn of<T: Float, O: Op<T>>() -> Self {
        let id = TypeId::of::<O>();
        match () {
            _ if id == TypeId::of::<Add>() => ScalarRule::Add,
            _ if id == TypeId::of::<Sub>() => ScalarRule::Sub,
            _ if id == TypeId::of::<Mul>() => ScalarRule::Mul,
            _ => ScalarRule::Op,
        }
    }
}

/// The ops of a tape's nodes. A stateless op (a zero-sized type such as `Mul`) is stored once
/// and shared by every node that applies it; an op with parameters (`SumAxis(1)`) once per node.
pub(super) struct Ops<T: Float> {
    /// Shared so that a recorded backward pass (`grad`) can hold an op while it records.
    list: Vec<Rc<dyn Op<T>>>,
    /// Each op's [`ScalarRule`], beside it.
    rules: Vec<ScalarRule>,
    /// Where each stateless op type is in `list`.
    stateless: Vec<(TypeId, u32)>,
}

impl<T: Float> Default for Ops<T> {
    fn default() -> Self {
        Ops {
            list: Vec::new(),
            rules: Vec::new(),
            stateless: Vec::new(),
        }
    }
}

impl<T: Float> Ops<T> {
    /// The index of `op` in the table, adding it if needed.
    #[inline]
    pub(super) fn intern<O: Op<T>>(&mut self, op: O) -> u32 {
        if size_of::<O>() != 0 {
            return self.push(Rc::new(op), ScalarRule::Op);
        }
        let type_id = TypeId::of::<O>();
        match self.stateless.iter().find(|(t, _)| *t == type_id) {
            Some(&(_, index)) => index,
            None => {
                let index = self.push(Rc::new(op), ScalarRule::of::<T, O>());
                self.stateless.push((type_id, index));
                index
            }
        }
    }

    /// The number of ops in the table.
    pub(super) fn len(&self) -> usize {
        self.list.len()
    }

    fn push(&mut self, op: Rc<dyn Op<T>>, rule: ScalarRule) -> u32 {
        self.list.push(op);
        self.rules.push(rule);
        (self.list.len() - 1) as u32
    }

    #[inline]
    pub(super) fn get(&self, index: u32) -> &dyn Op<T> {
        self.list[index as usize].as_ref()
    }

    /// How op `index`'s scalar local derivatives are worked out.
    #[inline]
    pub(super) fn rule(&self, index: u32) -> ScalarRule {
        self.rules[index as usize]
    }

    /// A shared handle to op `index`, usable while the tape records.
    pub(super) fn shared(&self, index: u32) -> Rc<dyn Op<T>> {
        Rc::clone(&self.list[index as usize])
    }

    pub(super) fn clear(&mut self) {
        self.list.clear();
        self.rules.clear();
        self.stateless.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn rule_of<O: Op<f64>>(op: O) -> ScalarRule {
        let mut ops = Ops::<f64>::default();
        let index = ops.intern(op);
        ops.rule(index)
    }

    /// The local derivatives at `x` by `op`'s own rule and by its inline rule, as bits.
    fn both<O: Op<f64> + Copy>(op: O, x: [f64; 2]) -> ([u64; 2], [u64; 2]) {
        let y = op.scalar(&x).unwrap();
        let own = [0, 1].map(|slot| op.scalar_derivative(slot, &x, y).unwrap());
        let inline = match rule_of(op) {
            ScalarRule::Add => [1.0, 1.0],
            ScalarRule::Sub => [1.0, -1.0],
            ScalarRule::Mul => [x[1], x[0]],
            ScalarRule::Op => unreachable!("asked of the op"),
        };
        (own.map(f64::to_bits), inline.map(f64::to_bits))
    }

    #[test]
    fn only_the_three_arithmetic_ops_have_inline_rules() {
        assert_eq!(rule_of(Add), ScalarRule::Add);
        assert_eq!(rule_of(Sub), ScalarRule::Sub);
        assert_eq!(rule_of(Mul), ScalarRule::Mul);
        assert_eq!(rule_of(crate::ops::Div), ScalarRule::Op);
        assert_eq!(rule_of(crate::ops::SumAxis(0)), ScalarRule::Op);
    }

    proptest! {
        /// The inline rules give the ops' own numbers, bit for bit.
        #[test]
        fn inline_rules_are_the_ops_own(a in -1e6f64..1e6, b in -1e6f64..1e6) {
            let (own, inline) = both(Add, [a, b]);
            prop_assert_eq!(own, inline);
            let (own, inline) = both(Sub, [a, b]);
            prop_assert_eq!(own, inline);
            let (own, inline) = both(Mul, [a, b]);
            prop_assert_eq!(own, inline);
        }
    }
}
