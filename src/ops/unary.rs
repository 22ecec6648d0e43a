//! The built-in elementwise functions, each declared once with
//! [`elementwise_fn!`](crate::elementwise_fn): the value `y = f(u)`, the local derivative
//! `dy/du` from the input `u` and the output `y`, and the derivative formula the tracer prints.
//! The vector-Jacobian product is `∂L/∂u = ∂L/∂y · dy/du`.
//!
//! [`BUILTIN_FUNCTIONS`] lists them all; the unit structs ([`Tanh`], …) and the `Var` methods
//! (`x.tanh()`) record the same op as `x.apply_fn(&TANH)`.

use super::{ElementwiseFn, ElementwiseOp, Op};
use crate::error::Result;
use crate::symbolic::Expr;
use crate::tape::Var;
use crate::tensor::{Float, Tensor};

fn c(x: f64) -> Expr {
    Expr::constant(x)
}

crate::elementwise_fn! {
    /// Hyperbolic tangent; `d tanh(u)/du = 1 − tanh(u)²`. In `f32` it is the vectorisable
    /// [`tanh_f32`](super::tanh_f32) (at most 7 ulps from the correctly rounded value), on
    /// tensors and scalars alike; in `f64`, libm's `tanh`.
    pub static TANH = "tanh";
    latex: r"\tanh",
    value: |u| u.tanh(),
    value_f32: |u| super::tanh_f32(u),
    derivative: |_u, y| T::one() - y * y,
    derivative_formula: |u| c(1.0) - Expr::call1("tanh", u).powf(2.0),
}

crate::elementwise_fn! {
    /// Logistic sigmoid `σ(u) = 1/(1 + e^−u)`; `dσ/du = σ(u)·(1 − σ(u))`. Formulas write it `σ`.
    pub static SIGMOID = "sigmoid";
    spelling: "σ",
    latex: r"\sigma",
    // For u < 0 the form e^u/(1 + e^u): the same function, but e^−u would overflow below
    // u ≈ −88.7 in f32 (−709.8 in f64) and give 0 where σ(u) ≈ e^u is still representable.
    value: |u| if u < T::zero() {
        let e = u.exp();
        e / (T::one() + e)
    } else {
        T::one() / (T::one() + (-u).exp())
    },
    derivative: |_u, y| y * (T::one() - y),
    derivative_formula: |u| Expr::call1("σ", u.clone()) * (c(1.0) - Expr::call1("σ", u)),
}

crate::elementwise_fn! {
    /// Rectified linear unit `max(u, 0)`; its derivative is the [`STEP`] `[u > 0]` (0 at
    /// u = 0). A NaN input stays NaN in the value and the derivative (as in PyTorch), so a NaN
    /// is never silently turned into 0.
    pub static RELU = "relu";
    value: |u| if u > T::zero() || u.is_nan() { u } else { T::zero() },
    derivative: |u, _y| STEP.value(u),
    derivative_formula: |u| Expr::call1("step", u),
}

crate::elementwise_fn! {
    /// Natural exponential; its derivative is itself.
    pub static EXP = "exp";
    latex: r"\exp",
    value: |u| u.exp(),
    derivative: |_u, y| y,
    derivative_formula: |u| Expr::call1("exp", u),
}

crate::elementwise_fn! {
    /// Sine; `d sin(u)/du = cos(u)`.
    pub static SIN = "sin";
    latex: r"\sin",
    value: |u| u.sin(),
    derivative: |u, _y| u.cos(),
    derivative_formula: |u| Expr::call1("cos", u),
}

crate::elementwise_fn! {
    /// Cosine; `d cos(u)/du = −sin(u)`.
    pub static COS = "cos";
    latex: r"\cos",
    value: |u| u.cos(),
    derivative: |u, _y| -u.sin(),
    derivative_formula: |u| -Expr::call1("sin", u),
}

crate::elementwise_fn! {
    /// Natural logarithm (NaN for u < 0, −∞ at 0), also called `log`; `d ln(u)/du = 1/u`.
    pub static LN = "ln";
    aliases: ["log"],
    latex: r"\ln",
    value: |u| u.ln(),
    derivative: |u, _y| T::one() / u,
    derivative_formula: |u| u.powf(-1.0),
}

crate::elementwise_fn! {
    /// Square root (NaN for u < 0); `d√u/du = 1/(2√u)`. LaTeX writes it `\sqrt{u}`.
    pub static SQRT = "sqrt";
    value: |u| u.sqrt(),
    derivative: |_u, y| T::from_f64(0.5) / y,
    derivative_formula: |u| c(0.5) * Expr::call1("sqrt", u).powf(-1.0),
}

crate::elementwise_fn! {
    /// Absolute value, printed `|u|`; its derivative is [`SIGN`] (0 at u = 0, NaN at NaN: a NaN
    /// input is never turned into a zero gradient).
    pub static ABS = "abs";
    value: |u| u.abs(),
    derivative: |u, _y| SIGN.value(u),
    derivative_formula: |u| Expr::call1("sign", u),
}

crate::elementwise_fn! {
    /// `u²`, printed as a power; `d(u²)/du = 2u`.
    pub static SQUARE = "square";
    value: |u| u * u,
    derivative: |u, _y| T::from_f64(2.0) * u,
    formula: |u| u.powf(2.0),
    derivative_formula: |u| c(2.0) * u,
}

crate::elementwise_fn! {
    /// The step `[u > 0]`: 1 for u > 0, else 0 (NaN for NaN). The derivative of [`RELU`]; its
    /// own derivative is 0.
    pub static STEP = "step";
    value: |u| if u.is_nan() { u } else if u > T::zero() { T::one() } else { T::zero() },
    derivative: |u, _y| if u.is_nan() { u } else { T::zero() },
    derivative_formula: |_u| c(0.0),
}

crate::elementwise_fn! {
    /// −1, 0 or 1 (NaN for NaN, so the NaN reaches the gradient). The derivative of [`ABS`];
    /// its own derivative is 0.
    pub static SIGN = "sign";
    value: |u| {
        if u.is_nan() {
            u
        } else if u > T::zero() {
            T::one()
        } else if u < T::zero() {
            -T::one()
        } else {
            T::zero()
        }
    },
    derivative: |u, _y| if u.is_nan() { u } else { T::zero() },
    derivative_formula: |_u| c(0.0),
}

/// Every built-in elementwise function: what [`Expr::eval`], the renderers and the tests read.
/// The first eight are the expression language's functions and have a `Var` method each;
/// [`STEP`] and [`SIGN`] appear in derivative formulas.
pub const BUILTIN_FUNCTIONS: [&ElementwiseFn; 12] = [
    &TANH, &SIGMOID, &RELU, &EXP, &LN, &SQRT, &ABS, &SQUARE, &STEP, &SIGN, &SIN, &COS,
];

/// A unit struct for a built-in function (kept for code that names the op by type), and the
/// `Var` method that records it.
macro_rules! builtin_op {
    ($(#[$doc:meta])* $Op:ident, $method:ident, $F:ident) => {
        $(#[$doc])*
        ///
        #[doc = concat!("The op of [`", stringify!($F), "`]; `x.", stringify!($method), "()` records it.")]
        #[derive(Debug, Clone, Copy)]
        pub struct $Op;

        impl<T: Float> Op<T> for $Op {
            fn name(&self) -> &'static str {
                $F.name
            }
            fn forward(&self, x: &[&Tensor<T>]) -> Result<Tensor<T>> {
                ElementwiseOp(&$F).forward(x)
            }
            fn vjp(&self, s: usize, x: &[&Tensor<T>], y: &Tensor<T>, g: &Tensor<T>) -> Tensor<T> {
                ElementwiseOp(&$F).vjp(s, x, y, g)
            }
            fn vjp_graph<'t>(
                &self,
                s: usize,
                x: &[Var<'t, T>],
                y: Var<'t, T>,
                g: Var<'t, T>,
            ) -> Result<Var<'t, T>> {
                ElementwiseOp(&$F).vjp_graph(s, x, y, g)
            }
            fn scalar(&self, x: &[T]) -> Option<T> {
                Some($F.value(x[0]))
            }
            fn scalar_derivative(&self, _slot: usize, x: &[T], y: T) -> Option<T> {
                Some($F.derivative(x[0], y))
            }
            fn symbolic(&self, x: &[Expr]) -> Expr {
                ($F.formula)(x[0].clone())
            }
            fn local_derivative(&self, _slot: usize, x: &[Expr]) -> Expr {
                ($F.derivative_formula)(x[0].clone())
            }
        }

        impl<'t, T: Float> Var<'t, T> {
            $(#[$doc])*
            pub fn $method(self) -> Self {
                self.unary($Op)
            }
        }
    };
}

builtin_op!(
    /// Hyperbolic tangent; `d tanh(u)/du = 1 − tanh(u)²`.
    Tanh, tanh, TANH
);
builtin_op!(
    /// Logistic sigmoid `σ(u) = 1/(1 + e^−u)`; `dσ/du = σ(u)·(1 − σ(u))`.
    Sigmoid, sigmoid, SIGMOID
);
builtin_op!(
    /// Rectified linear unit `max(u, 0)`; its derivative is the step `[u > 0]` (0 at u = 0).
    /// A NaN input stays NaN in the value and the derivative (as in PyTorch), so a NaN is
    /// never silently turned into 0.
    Relu, relu, RELU
);
builtin_op!(
    /// Natural exponential; its derivative is itself.
    Exp, exp, EXP
);
builtin_op!(
    /// Sine; `d sin(u)/du = cos(u)`.
    Sin, sin, SIN
);
builtin_op!(
    /// Cosine; `d cos(u)/du = −sin(u)`.
    Cos, cos, COS
);
builtin_op!(
    /// Natural logarithm (NaN for u < 0, −∞ at 0); `d ln(u)/du = 1/u`.
    Ln, ln, LN
);
builtin_op!(
    /// Square root (NaN for u < 0); `d√u/du = 1/(2√u)`.
    Sqrt, sqrt, SQRT
);
builtin_op!(
    /// `u²`; `d(u²)/du = 2u`.
    Square, square, SQUARE
);
builtin_op!(
    /// Absolute value; its derivative is `sign(u)` (0 at u = 0, NaN at NaN: a NaN input is
    /// never turned into a zero gradient).
    Abs, abs, ABS
);
