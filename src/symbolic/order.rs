//! The canonical order of the factors of a product and the terms of a sum.
//!
//! Both orders end in a structural tie-break, so they are total orders consistent with `==`:
//! sorting any permutation of the same members gives the same sequence.

use ordered_float::OrderedFloat;
use smallvec::SmallVec;
use std::cmp::Ordering;

use super::Expr;

/// The exponent of a factor that is not a power.
static ONE: Expr = Expr::Const(OrderedFloat(1.0));

/// Splits `base^exponent` into its parts; any other factor is `factor^1`.
pub(super) fn split_power(e: &Expr) -> (&Expr, &Expr) {
    match e {
        Expr::Pow(base, exponent) => (base, exponent),
        other => (other, &ONE),
    }
}

/// The order of factors in a product: by base, then by exponent.
pub(super) fn factor_cmp(a: &Expr, b: &Expr) -> Ordering {
    if let (Expr::Sym(x), Expr::Sym(y)) = (a, b) {
        return natural_cmp(x, y); // the common case, without the task stack
    }
    canonical_cmp([Task::Factor(a, b)]).then_with(|| a.cmp(b))
}

/// The order of factors split into `(base, exponent)` pairs, as [`factor_cmp`].
pub(super) fn power_cmp(a: &(Expr, Expr), b: &(Expr, Expr)) -> Ordering {
    if let ((Expr::Sym(x), p), (Expr::Sym(y), q)) = (a, b) {
        if x != y {
            return natural_cmp(x, y);
        }
        return canonical_cmp([Task::Base(p, q)]).then_with(|| p.cmp(q));
    }
    canonical_cmp([Task::Base(&a.0, &b.0), Task::Base(&a.1, &b.1)]).then_with(|| a.cmp(b))
}

/// Splits a term of a sum into its numeric coefficient and its other factors (empty for a
/// number).
pub(super) fn split_coefficient(term: &Expr) -> (f64, &[Expr]) {
    match term {
        Expr::Const(c) => (c.0, &[]),
        Expr::Product(factors) => match factors.split_first() {
            Some((Expr::Const(c), rest)) => (c.0, rest),
            _ => (1.0, factors),
        },
        other => (1.0, std::slice::from_ref(other)),
    }
}

/// The order of terms in a sum: the number first, then by degree (highest first), then by
/// factors, then by coefficient.
pub(super) fn term_cmp(a: &Expr, b: &Expr) -> Ordering {
    if let (Expr::Sym(x), Expr::Sym(y)) = (a, b) {
        return natural_cmp(x, y);
    }
    canonical_cmp([Task::Term(a, b)]).then_with(|| a.cmp(b))
}

/// The order of terms without their coefficients (like terms compare equal).
pub(super) fn monomial_cmp(a: &Expr, b: &Expr) -> Ordering {
    canonical_cmp([Task::Monomial(a, b)])
}

/// The order of bases of factors (a factor `x²` has base `x`).
pub(super) fn base_cmp(a: &Expr, b: &Expr) -> Ordering {
    canonical_cmp([Task::Base(a, b)]).then_with(|| a.cmp(b))
}

/// Whether two terms differ only in their coefficient (and so can be collected).
pub(super) fn like_terms(a: &Expr, b: &Expr) -> bool {
    split_coefficient(a).1 == split_coefficient(b).1
}

/// The degree of a term from its non-numeric factors: the sum of their positive integer
/// exponents times the degree of their bases, where a matrix product counts 2 (`W·x + b`),
/// any other base 1, and a denominator 0.
fn degree(factors: &[Expr]) -> i64 {
    factors
        .iter()
        .map(|f| {
            let (base, exponent) = split_power(f);
            let base = if matches!(base, Expr::MatMul(..)) {
                2
            } else {
                1
            };
            match exponent.as_const() {
                Some(p) if p <= 0.0 => 0,
                Some(p) if p.fract() == 0.0 && p < 1e9 => base * p as i64,
                _ => base,
            }
        })
        .fold(0i64, i64::saturating_add)
}

/// The rank of a factor's base: symbols, numbers (as in `2^x`), calls, transposes, diag, sums,
/// powers, products, matrix products.
fn rank(e: &Expr) -> u8 {
    match e {
        Expr::Sym(_) => 0,
        Expr::Const(_) => 1,
        Expr::Call(..) => 2,
        Expr::Transpose(_) => 3,
        Expr::Diag(_) => 4,
        Expr::Sum(_) => 5,
        Expr::Pow(..) => 6,
        Expr::Product(_) => 7,
        Expr::MatMul(..) => 8,
    }
}

/// One comparison still to make; the canonical order is a sequence of them, made in order
/// until one differs, with an explicit stack instead of recursion.
enum Task<'e> {
    /// Two factors: by base, then by exponent.
    Factor(&'e Expr, &'e Expr),
    /// Two terms: by monomial, then by coefficient.
    Term(&'e Expr, &'e Expr),
    /// Two terms without their coefficients: the number first, then by degree, then factors.
    Monomial(&'e Expr, &'e Expr),
    /// Two bases (or exponents, which are not split again): by rank, then within the rank.
    Base(&'e Expr, &'e Expr),
    /// Two sequences, member by member, then by length (a prefix comes first).
    Members(&'e [Expr], &'e [Expr], Member),
    Coefficients(f64, f64),
    Lengths(usize, usize),
}

#[derive(Clone, Copy)]
enum Member {
    Factor,
    Term,
}

/// Makes the comparisons `first` in order (and the ones they lead to) until one differs.
/// The structural tie-break is left to the callers, at the top only.
fn canonical_cmp<'e, const N: usize>(first: [Task<'e>; N]) -> Ordering {
    let mut work: SmallVec<[Task<'e>; 16]> = first.into_iter().rev().collect();
    while let Some(task) = work.pop() {
        let order = compare(task, &mut work);
        if order.is_ne() {
            return order;
        }
    }
    Ordering::Equal
}

/// Makes one comparison; pushes the comparisons that break its tie, first on top.
fn compare<'e>(task: Task<'e>, work: &mut SmallVec<[Task<'e>; 16]>) -> Ordering {
    match task {
        Task::Factor(a, b) => {
            let ((base_a, exp_a), (base_b, exp_b)) = (split_power(a), split_power(b));
            work.push(Task::Base(exp_a, exp_b));
            work.push(Task::Base(base_a, base_b));
            Ordering::Equal
        }
        Task::Term(a, b) => {
            work.push(Task::Coefficients(
                split_coefficient(a).0,
                split_coefficient(b).0,
            ));
            work.push(Task::Monomial(a, b));
            Ordering::Equal
        }
        Task::Monomial(a, b) => {
            let (factors_a, factors_b) = (split_coefficient(a).1, split_coefficient(b).1);
            work.push(Task::Members(factors_a, factors_b, Member::Factor));
            let is_number = |f: &[Expr]| f.is_empty();
            is_number(factors_b)
                .cmp(&is_number(factors_a))
                .then_with(|| degree(factors_b).cmp(&degree(factors_a)))
        }
        Task::Base(a, b) => rank(a)
            .cmp(&rank(b))
            .then_with(|| compare_within_rank(a, b, work)),
        Task::Members(xs, ys, member) => {
            work.push(Task::Lengths(xs.len(), ys.len()));
            work.extend(xs.iter().zip(ys).rev().map(|(x, y)| match member {
                Member::Factor => Task::Factor(x, y),
                Member::Term => Task::Term(x, y),
            }));
            Ordering::Equal
        }
        Task::Coefficients(x, y) => OrderedFloat(x).cmp(&OrderedFloat(y)),
        Task::Lengths(m, n) => m.cmp(&n),
    }
}

/// Compares two bases of the same rank: names naturally, numbers by value, and compound
/// bases by their members (pushed as further tasks).
fn compare_within_rank<'e>(
    a: &'e Expr,
    b: &'e Expr,
    work: &mut SmallVec<[Task<'e>; 16]>,
) -> Ordering {
    match (a, b) {
        (Expr::Sym(x), Expr::Sym(y)) => natural_cmp(x, y),
        (Expr::Const(x), Expr::Const(y)) => x.cmp(y),
        (Expr::Call(f, xs), Expr::Call(g, ys)) => {
            work.push(Task::Members(xs, ys, Member::Factor));
            natural_cmp(f, g)
        }
        (Expr::Sum(xs), Expr::Sum(ys)) => {
            work.push(Task::Members(xs, ys, Member::Term));
            Ordering::Equal
        }
        (Expr::Product(xs), Expr::Product(ys)) => {
            work.push(Task::Members(xs, ys, Member::Factor));
            Ordering::Equal
        }
        (Expr::Pow(x, p), Expr::Pow(y, q)) | (Expr::MatMul(x, p), Expr::MatMul(y, q)) => {
            work.push(Task::Factor(p, q));
            work.push(Task::Factor(x, y));
            Ordering::Equal
        }
        (Expr::Transpose(x), Expr::Transpose(y)) | (Expr::Diag(x), Expr::Diag(y)) => {
            work.push(Task::Factor(x, y));
            Ordering::Equal
        }
        _ => Ordering::Equal,
    }
}

/// Natural order of names: runs of digits compare as numbers and before other characters,
/// so `w2 < w10`; an underscore before digits is skipped, so `w_1` sorts with `w1`. Ties
/// (`w01`, `w1`) are broken by the plain string order.
pub(super) fn natural_cmp(a: &str, b: &str) -> Ordering {
    let (x, y) = (a.as_bytes(), b.as_bytes());
    let (mut i, mut j) = (0, 0);
    loop {
        i += usize::from(underscore_before_digit(x, i));
        j += usize::from(underscore_before_digit(y, j));
        let order = match (x.get(i), y.get(j)) {
            (None, None) => return a.cmp(b),
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(c), Some(d)) => match (c.is_ascii_digit(), d.is_ascii_digit()) {
                (true, true) => {
                    let (m, n) = (digits_end(x, i), digits_end(y, j));
                    let order = number_cmp(&x[i..m], &y[j..n]);
                    (i, j) = (m, n);
                    order
                }
                (true, false) => Ordering::Less,
                (false, true) => Ordering::Greater,
                (false, false) => {
                    (i, j) = (i + 1, j + 1);
                    c.cmp(d)
                }
            },
        };
        if order.is_ne() {
            return order;
        }
    }
}

fn underscore_before_digit(s: &[u8], i: usize) -> bool {
    s.get(i) == Some(&b'_') && s.get(i + 1).is_some_and(u8::is_ascii_digit)
}

fn digits_end(s: &[u8], start: usize) -> usize {
    s[start..]
        .iter()
        .position(|c| !c.is_ascii_digit())
        .map_or(s.len(), |n| start + n)
}

/// Two runs of digits by value: length without leading zeros, then digit by digit.
fn number_cmp(x: &[u8], y: &[u8]) -> Ordering {
    fn significant(s: &[u8]) -> &[u8] {
        let zeros = s.iter().take_while(|&&c| c == b'0').count();
        &s[zeros..]
    }
    let (x, y) = (significant(x), significant(y));
    x.len().cmp(&y.len()).then_with(|| x.cmp(y))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_sort_naturally() {
        let mut names = vec!["w10", "w2", "x", "w1", "b", "w01", "w", "w_3"];
        names.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(names, ["b", "w", "w01", "w1", "w2", "w_3", "w10", "x"]);
    }

    #[test]
    fn symbols_come_before_calls_and_sums() {
        let x = Expr::sym("x");
        let call = Expr::Call("tanh".into(), vec![x.clone()]);
        let sum = Expr::Sum(vec![Expr::one(), x.clone()]);
        assert_eq!(factor_cmp(&x, &call), Ordering::Less);
        assert_eq!(factor_cmp(&call, &sum), Ordering::Less);
        let square = Expr::Pow(Box::new(x.clone()), Box::new(Expr::constant(2.0)));
        let w = Expr::sym("w");
        assert_eq!(factor_cmp(&w, &square), Ordering::Less, "x² sorts as x");
    }

    #[test]
    fn higher_degree_terms_come_first() {
        let wx = Expr::Product(vec![Expr::sym("w"), Expr::sym("x")]);
        let b = Expr::sym("b");
        assert_eq!(term_cmp(&wx, &b), Ordering::Less);
        assert_eq!(
            term_cmp(&Expr::one(), &wx),
            Ordering::Less,
            "the number first"
        );
    }
}
