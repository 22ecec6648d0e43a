//! [`elementwise_fn!`](crate::elementwise_fn): the one place an elementwise function is
//! declared, inside the crate or outside it.

/// Declares an elementwise function as a `static` [`ElementwiseFn`](crate::ops::ElementwiseFn):
/// its name, value, derivative and symbolic derivative in one place.
///
/// The value and the derivative are written once, generic over the element type `T`
/// ([`Float`](crate::Float): `T::one()`, `u.exp()`, …); the derivative receives the input `u`
/// and the output `y = f(u)`. The formula defaults to `name(u)`; give `formula: |u| …` for a
/// function that is better printed otherwise (`u²` for `square`). Optional keys, in this order
/// before `value`: `aliases: ["…"]` (more names the expression language and
/// [`Expr::eval`](crate::symbolic::Expr::eval) accept), `spelling: "…"` (how formulas call it,
/// `σ` for sigmoid), `latex: r"…"` (its LaTeX command). Right after `value`, an optional
/// `value_f32: |u| …` replaces the generic value in `f32` only, on tensors and scalars alike:
/// a faster kernel such as [`tanh_f32`](crate::ops::tanh_f32), which [`TANH`](crate::ops::TANH)
/// uses (its tensor loop is one pass over the elements, vectorised when the kernel is
/// branch-free). The derivative still receives that kernel's output as `y`.
///
/// What it gives: [`Var::apply_fn`](crate::Var::apply_fn) records it on a tape (value,
/// gradient, scalar fast path, formulas in traces), [`check::gradcheck`](crate::check) checks
/// it, [`Expr::eval_with`](crate::symbolic::Expr::eval_with) evaluates its formulas and
/// [`expr_lang::Parser::with_function`](crate::expr_lang::Parser::with_function) parses it.
///
/// # Example: Swish, `u·σ(u)`, from outside the crate
/// ```
/// use chaintrace::ops::SIGMOID;
/// use chaintrace::symbolic::Expr;
/// use chaintrace::Tape;
///
/// chaintrace::elementwise_fn! {
///     /// Swish `u·σ(u)`; `d/du = σ(u)·(1 + u·(1 − σ(u)))`.
///     pub static SWISH = "swish";
///     value: |u| u * SIGMOID.value(u),
///     derivative: |u, _y| {
///         let s = SIGMOID.value(u);
///         s * (T::one() + u * (T::one() - s))
///     },
///     derivative_formula: |u| {
///         let s = Expr::call1("σ", u.clone());
///         s.clone() * (Expr::one() + u * (Expr::one() - s))
///     },
/// }
///
/// let tape = Tape::<f64>::new();
/// let x = tape.var("x", 1.0);
/// let y = x.apply_fn(&SWISH);
/// let sigma = 1.0 / (1.0 + (-1.0f64).exp());
/// assert_eq!(y.value().item(), Some(sigma));
/// assert_eq!(y.backward().wrt(x).unwrap().item(), Some(sigma * (1.0 + (1.0 - sigma))));
/// ```
#[macro_export]
macro_rules! elementwise_fn {
    (
        $(#[$doc:meta])*
        $vis:vis static $NAME:ident = $name:literal;
        $(aliases: [$($alias:literal),* $(,)?],)?
        $(spelling: $spelling:literal,)?
        $(latex: $latex:literal,)?
        value: |$u:ident| $value:expr,
        $(value_f32: |$vu:ident| $value_f32:expr,)?
        derivative: |$du:ident, $y:ident| $derivative:expr,
        $(formula: |$fe:ident| $formula:expr,)?
        derivative_formula: |$de:ident| $derivative_formula:expr $(,)?
    ) => {
        $(#[$doc])*
        $vis static $NAME: $crate::ops::ElementwiseFn = {
            const SPELLING: &str = $crate::elementwise_fn!(@or [$($spelling)?] $name);
            fn value<T: $crate::Float>($u: T) -> T {
                $value
            }
            #[inline]
            fn value_f32(u: f32) -> f32 {
                $crate::elementwise_fn!(@value_f32 u [$(|$vu| $value_f32)?])
            }
            fn derivative<T: $crate::Float>($du: T, $y: T) -> T {
                $derivative
            }
            #[allow(dead_code)] // when `formula` is given
            fn default_formula(u: $crate::symbolic::Expr) -> $crate::symbolic::Expr {
                $crate::symbolic::Expr::call1(SPELLING, u)
            }
            fn derivative_formula($de: $crate::symbolic::Expr) -> $crate::symbolic::Expr {
                $derivative_formula
            }
            $crate::ops::ElementwiseFn {
                name: $name,
                aliases: &[$($($alias),*)?],
                spelling: SPELLING,
                latex: $crate::elementwise_fn!(@option [$($latex)?]),
                value_f32,
                value_f64: value::<f64>,
                derivative_f32: derivative::<f32>,
                derivative_f64: derivative::<f64>,
                formula: $crate::elementwise_fn!(
                    @formula default_formula [$(|$fe| $formula)?]
                ),
                derivative_formula,
                kernels_f32: $crate::ops::Kernels::<f32> {
                    map: |x| $crate::ops::map_elementwise(x, value_f32),
                    vjp: |g, u, y| $crate::ops::elementwise_vjp(g, u, y, derivative::<f32>),
                },
                kernels_f64: $crate::ops::Kernels::<f64> {
                    map: |x| $crate::ops::map_elementwise(x, value::<f64>),
                    vjp: |g, u, y| $crate::ops::elementwise_vjp(g, u, y, derivative::<f64>),
                },
            }
        };
    };
    (@or [$given:literal] $default:literal) => { $given };
    (@or [] $default:literal) => { $default };
    (@option [$given:literal]) => { ::core::option::Option::Some($given) };
    (@option []) => { ::core::option::Option::None };
    (@value_f32 $u:ident []) => { value::<f32>($u) };
    (@value_f32 $u:ident [|$vu:ident| $value_f32:expr]) => {{
        let $vu: f32 = $u;
        $value_f32
    }};
    (@formula $default:ident []) => { $default };
    (@formula $default:ident [|$fe:ident| $formula:expr]) => {{
        fn formula($fe: $crate::symbolic::Expr) -> $crate::symbolic::Expr {
            $formula
        }
        formula
    }};
}
