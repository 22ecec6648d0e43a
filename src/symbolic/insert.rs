//! Fast paths of the smart constructors for the commonest case: one plain term added to a
//! canonical sum, or one plain factor multiplied into a canonical product (a chain
//! `w·(w·(…))`, a reverse sweep multiplying the gradient by one more local derivative). The
//! member goes in by binary search, merging with a like term or an equal base, instead of
//! re-sorting every member; the result is the one the general rules give.
//!
//! Each function hands its operands back (`Err`) when the case is not this one.

use super::Expr;
use super::order::{
    base_cmp, factor_cmp, like_terms, monomial_cmp, split_coefficient, split_power,
};
use super::simplify::{collectible, power, sum, with_coefficient};
use super::traverse::{members, operands};

/// `[sum, term]` or `[term, sum]` for a canonical sum and a term that is neither a sum nor a
/// number times a sum.
pub(super) fn add_term(terms: Vec<Expr>) -> Result<Expr, Vec<Expr>> {
    let [a, b] = <[Expr; 2]>::try_from(terms)?;
    let (mut terms, term) = match (a, b) {
        (sum @ Expr::Sum(_), term) if plain_term(&term) => (members(sum), term),
        (term, sum @ Expr::Sum(_)) if plain_term(&term) => (members(sum), term),
        (a, b) => return Err(vec![a, b]),
    };
    let like = terms.partition_point(|t| monomial_cmp(t, &term).is_lt());
    if terms.get(like).is_some_and(|t| like_terms(t, &term)) {
        let (coefficient, factors) = split_coefficient(&terms[like]);
        let coefficient = coefficient + split_coefficient(&term).0;
        if coefficient == 0.0 {
            terms.remove(like);
        } else {
            terms[like] = with_coefficient(coefficient, factors.to_vec());
        }
    } else {
        terms.insert(like, term);
    }
    Ok(match terms.len() {
        0 => Expr::zero(),
        1 => terms.pop().expect("one term"),
        _ => Expr::Sum(terms),
    })
}

/// Not a sum, not zero, and not a number times a sum (which the general rule distributes).
fn plain_term(term: &Expr) -> bool {
    match term {
        Expr::Sum(_) => false,
        Expr::Const(c) => c.0 != 0.0,
        _ => !matches!(split_coefficient(term).1, [Expr::Sum(_)]),
    }
}

/// `[product, factor]` or `[factor, product]` for a canonical product and a number or a
/// factor whose base is neither a power nor a product.
pub(super) fn multiply_factor(factors: Vec<Expr>) -> Result<Expr, Vec<Expr>> {
    let [a, b] = <[Expr; 2]>::try_from(factors)?;
    let (product, factor) = match (a, b) {
        (p @ Expr::Product(_), factor) if plain_factor(&factor) => (members(p), factor),
        (factor, p @ Expr::Product(_)) if plain_factor(&factor) => (members(p), factor),
        (a, b) => return Err(vec![a, b]),
    };
    let (mut coefficient, mut factors) = take_number(product);
    match factor {
        Expr::Const(c) => coefficient *= c.0,
        factor => coefficient *= insert_factor(&mut factors, factor),
    }
    Ok(if coefficient == 0.0 {
        Expr::zero()
    } else {
        with_coefficient(coefficient, factors)
    })
}

fn plain_factor(factor: &Expr) -> bool {
    !matches!(factor, Expr::Product(_))
        && !matches!(split_power(factor).0, Expr::Pow(..) | Expr::Product(_))
}

/// The number in front of a canonical product, and its other factors.
fn take_number(mut product: Vec<Expr>) -> (f64, Vec<Expr>) {
    match product.first() {
        Some(&Expr::Const(c)) => {
            product.remove(0);
            (c.0, product)
        }
        _ => (1.0, product),
    }
}

/// Puts `factor` into the sorted `factors`, adding its exponent to an equal base's; returns a
/// number the product is to be multiplied by (when the powers fold to one, as `x·x⁻¹`).
fn insert_factor(factors: &mut Vec<Expr>, factor: Expr) -> f64 {
    let base = split_power(&factor).0;
    let equal = factors.partition_point(|f| base_cmp(split_power(f).0, base).is_lt());
    let merge = collectible(base) && factors.get(equal).is_some_and(|f| split_power(f).0 == base);
    if !merge {
        let position = factors.partition_point(|f| factor_cmp(f, &factor).is_lt());
        factors.insert(position, factor);
        return 1.0;
    }
    let (base, old) = into_power(factors.remove(equal));
    let (_, new) = into_power(factor);
    match power(base, sum(vec![old, new])) {
        Expr::Const(c) => c.0,
        merged => {
            factors.insert(equal, merged); // the same base, so the same place
            1.0
        }
    }
}

fn into_power(factor: Expr) -> (Expr, Expr) {
    match factor {
        power @ Expr::Pow(..) => operands(power),
        other => (other, Expr::one()),
    }
}
