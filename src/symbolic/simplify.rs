//! The smart constructors' rules: each returns the canonical form of its result, given
//! canonical operands (the rules are listed in the module documentation of
//! [`crate::symbolic`]). [`simplify`] rebuilds any expression bottom-up with them.

use super::order::{factor_cmp, like_terms, power_cmp, split_coefficient, term_cmp};
use super::traverse::{members, operand, operands};
use super::tree::fold;
use super::{Expr, insert};
use crate::ops::builtin_function;

/// The canonical sum of `terms`.
pub(super) fn sum(terms: Vec<Expr>) -> Expr {
    let terms = match insert::add_term(terms) {
        Ok(done) => return done,
        Err(terms) => terms,
    };
    let mut flat = flatten_terms(terms);
    flat.sort_by(term_cmp);
    let mut collected = Vec::with_capacity(flat.len());
    let mut run: Vec<Expr> = Vec::new();
    for term in flat {
        if run.last().is_some_and(|last| !like_terms(last, &term)) {
            collected.extend(collect_like_terms(std::mem::take(&mut run)));
        }
        run.push(term);
    }
    collected.extend(collect_like_terms(run));
    match collected.len() {
        0 => Expr::zero(),
        1 => collected.pop().expect("one term"),
        _ => Expr::Sum(collected),
    }
}

/// The terms of nested sums, with a number times a sum distributed (`x − (x − y)` becomes
/// `x − x + y`) and zeros dropped.
fn flatten_terms(terms: Vec<Expr>) -> Vec<Expr> {
    let mut flat = Vec::with_capacity(terms.len());
    let mut stack = terms;
    while let Some(term) = stack.pop() {
        match term {
            sum @ Expr::Sum(_) => stack.extend(members(sum)),
            Expr::Const(c) if c.0 == 0.0 => {}
            Expr::Product(ref factors)
                if matches!(factors.as_slice(), [Expr::Const(_), Expr::Sum(_)]) =>
            {
                let [c, inner] = <[Expr; 2]>::try_from(members(term)).expect("two factors");
                let scale = |t| product(vec![c.clone(), t]);
                stack.extend(members(inner).into_iter().map(scale));
            }
            other => flat.push(other),
        }
    }
    flat
}

/// One term from a run of like terms (sorted, so the coefficients add up in a fixed order);
/// `None` when they cancel.
fn collect_like_terms(mut run: Vec<Expr>) -> Option<Expr> {
    if run.len() <= 1 {
        return run.pop();
    }
    let coefficient: f64 = run.iter().map(|t| split_coefficient(t).0).sum();
    if coefficient == 0.0 {
        return None;
    }
    Some(with_coefficient(
        coefficient,
        split_coefficient(&run[0]).1.to_vec(),
    ))
}

/// `coefficient · factors` for canonical, sorted factors.
pub(super) fn with_coefficient(coefficient: f64, mut factors: Vec<Expr>) -> Expr {
    if factors.is_empty() {
        return Expr::constant(coefficient);
    }
    if coefficient != 1.0 {
        factors.insert(0, Expr::constant(coefficient));
    }
    if factors.len() == 1 {
        factors.pop().expect("one factor")
    } else {
        Expr::Product(factors)
    }
}

/// The canonical product of `factors`.
pub(super) fn product(factors: Vec<Expr>) -> Expr {
    match insert::multiply_factor(factors) {
        Ok(done) => done,
        Err(factors) => general_product(factors),
    }
}

/// The canonical product of any factors: flatten, fold numbers, collect powers, sort.
fn general_product(factors: Vec<Expr>) -> Expr {
    let (mut coefficient, powers) = flatten_factors(factors);
    if coefficient == 0.0 {
        return Expr::zero();
    }
    let mut rebuilt = Vec::with_capacity(powers.len());
    let mut unflattened = false;
    // The pairs come sorted by base; only a power of a power gets a new base (`(a²)³ = a⁶`).
    let mut resort = false;
    for (base, exponent) in collect_powers(powers) {
        resort |= matches!(base, Expr::Pow(..));
        match power(base, exponent) {
            Expr::Const(c) => coefficient *= c.0,
            p @ Expr::Product(_) => {
                unflattened = true;
                rebuilt.push(p);
            }
            p => rebuilt.push(p),
        }
    }
    if unflattened {
        // A power of a product was distributed (`(a·b)² = a²·b²`): collect its factors again.
        rebuilt.push(Expr::constant(coefficient));
        return product(rebuilt);
    }
    if coefficient == 0.0 {
        return Expr::zero();
    }
    if resort {
        rebuilt.sort_by(factor_cmp);
    }
    with_coefficient(coefficient, rebuilt)
}

/// The product of the numbers among `factors` (multiplied in sorted order, so the result does
/// not depend on the order of the factors) and the other factors as `(base, exponent)`.
fn flatten_factors(factors: Vec<Expr>) -> (f64, Vec<(Expr, Expr)>) {
    let mut numbers = Vec::new();
    let mut powers = Vec::with_capacity(factors.len());
    let mut stack = factors;
    while let Some(factor) = stack.pop() {
        match factor {
            product @ Expr::Product(_) => stack.extend(members(product)),
            Expr::Const(c) => numbers.push(c),
            power @ Expr::Pow(..) => powers.push(operands(power)),
            other => powers.push((other, Expr::one())),
        }
    }
    numbers.sort();
    (numbers.iter().map(|c| c.0).product(), powers)
}

/// Sorts `(base, exponent)` pairs and adds the exponents of equal bases, except for
/// matrix-valued bases (`(A·B)⊙(A·B)` is not written as a power).
fn collect_powers(mut powers: Vec<(Expr, Expr)>) -> Vec<(Expr, Expr)> {
    powers.sort_by(power_cmp);
    let mut collected: Vec<(Expr, Expr)> = Vec::with_capacity(powers.len());
    for (base, exponent) in powers {
        match collected.last_mut() {
            Some((last, total)) if *last == base && collectible(&base) => {
                *total = sum(vec![std::mem::replace(total, Expr::zero()), exponent]);
            }
            _ => collected.push((base, exponent)),
        }
    }
    collected
}

pub(super) fn collectible(base: &Expr) -> bool {
    !matches!(base, Expr::MatMul(..) | Expr::Transpose(_) | Expr::Diag(_))
}

/// `exponent` is an integer number.
fn integer(exponent: &Expr) -> bool {
    exponent
        .as_const()
        .is_some_and(|p| p.is_finite() && p.fract() == 0.0)
}

/// The canonical power `base ^ exponent`.
///
/// A loop, not recursion: a power of a power is unwrapped in place, and an integer power of
/// a product is distributed over its factors with a work list (a hand-built, non-canonical
/// base may nest products and powers to any depth).
pub(super) fn power(base: Expr, exponent: Expr) -> Expr {
    let mut distributed: Vec<Expr> = Vec::new();
    let mut work = vec![(base, exponent)];
    let mut single = true;
    while let Some((mut base, mut exponent)) = work.pop() {
        let result = loop {
            match exponent.as_const() {
                Some(0.0) => break Expr::one(),
                Some(1.0) => break base,
                _ => {}
            }
            match base {
                Expr::Const(b) if b.0 == 1.0 => break Expr::one(),
                Expr::Const(b) => match exponent.as_const().map(|p| b.0.powf(p)) {
                    Some(value) if value.is_finite() => break Expr::constant(value),
                    _ => break Expr::Pow(Box::new(Expr::Const(b)), Box::new(exponent)),
                },
                inner @ Expr::Pow(..) if integer(&exponent) => {
                    let (inner, p) = operands(inner);
                    exponent = product(vec![p, exponent]);
                    base = inner;
                }
                factors @ Expr::Product(_) if integer(&exponent) => {
                    single = false;
                    let factors = members(factors);
                    work.extend(factors.into_iter().map(|f| (f, exponent.clone())));
                    break Expr::one();
                }
                base => break Expr::Pow(Box::new(base), Box::new(exponent)),
            }
        };
        distributed.push(result);
    }
    if single {
        distributed.pop().expect("one power")
    } else {
        product(distributed)
    }
}

/// `name(args)`, evaluated when it is a known elementwise function of a number.
///
/// A built-in function is written with its one spelling whatever name it was called by
/// (`sigmoid(u)` is `σ(u)`, `log(u)` is `ln(u)`), so equal formulas compare equal.
pub(super) fn call(mut name: String, args: Vec<Expr>) -> Expr {
    if let Some(f) = builtin_function(&name) {
        if let [Expr::Const(c)] = args.as_slice() {
            let value = f.value(c.0);
            if value.is_finite() {
                return Expr::constant(value);
            }
        }
        if name != f.spelling {
            f.spelling.clone_into(&mut name);
        }
    }
    Expr::Call(name, args)
}

/// The canonical transpose.
pub(super) fn transpose(e: Expr) -> Expr {
    match e {
        number @ Expr::Const(_) => number,
        diag @ Expr::Diag(_) => diag,
        inner @ Expr::Transpose(_) => operand(inner),
        product @ Expr::MatMul(..) => {
            // (A₁·A₂·…·Aₙ)ᵀ = Aₙᵀ·…·A₁ᵀ, in a loop; the operands are not matrix products, so
            // transposing them does not recurse further.
            let mut operands = matmul_operands(product).into_iter().rev().map(transpose);
            let first = operands.next().expect("a chain has operands");
            operands.fold(first, matmul)
        }
        other => Expr::Transpose(Box::new(other)),
    }
}

/// The canonical matrix product.
pub(super) fn matmul(a: Expr, b: Expr) -> Expr {
    if let Some(c) = a.as_const() {
        return product(vec![Expr::constant(c), b]);
    }
    if let Some(c) = b.as_const() {
        return product(vec![a, Expr::constant(c)]);
    }
    matmul_chain(b).into_iter().fold(a, |acc, operand| {
        Expr::MatMul(Box::new(acc), Box::new(operand))
    })
}

/// The operands of a matrix product nested any way (`A·(B·C)` too), in order, by an explicit
/// stack: none of them is a matrix product.
fn matmul_operands(e: Expr) -> Vec<Expr> {
    let mut out = Vec::new();
    let mut stack = vec![e];
    while let Some(e) = stack.pop() {
        match e {
            product @ Expr::MatMul(..) => {
                let (left, right) = operands(product);
                stack.push(right);
                stack.push(left);
            }
            other => out.push(other),
        }
    }
    out
}

/// The operands of a left-nested matrix product, in order (`[A]` for a non-product `A`).
fn matmul_chain(e: Expr) -> Vec<Expr> {
    let mut chain = Vec::new();
    let mut current = e;
    while let Expr::MatMul(..) = current {
        let (left, right) = operands(current);
        chain.push(right);
        current = left;
    }
    chain.push(current);
    chain.reverse();
    chain
}

/// The canonical form of `e`, rebuilt bottom-up with the constructors (an explicit stack, so
/// deep expressions do not recurse).
pub(super) fn simplify(e: &Expr) -> Expr {
    fold(e, |e, args| Ok::<_, ()>(rebuild(e, args))).expect("rebuilding cannot fail")
}

/// `e` with its children replaced by `args`, through the smart constructors.
fn rebuild(e: &Expr, mut args: impl Iterator<Item = Expr>) -> Expr {
    match e {
        Expr::Const(c) => Expr::constant(c.0),
        Expr::Sym(name) => Expr::Sym(name.clone()),
        Expr::Sum(_) => sum(args.collect()),
        Expr::Product(_) => product(args.collect()),
        Expr::Call(name, _) => call(name.clone(), args.collect()),
        Expr::Pow(..) => match (args.next(), args.next()) {
            (Some(base), Some(exponent)) => power(base, exponent),
            _ => unreachable!("a power has two children"),
        },
        Expr::MatMul(..) => match (args.next(), args.next()) {
            (Some(left), Some(right)) => matmul(left, right),
            _ => unreachable!("a matrix product has two children"),
        },
        Expr::Transpose(_) => transpose(args.next().expect("one child")),
        Expr::Diag(_) => args.next().expect("one child").diag(),
    }
}
