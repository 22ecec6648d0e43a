//! How [`grad`](super::grad::grad) records what a hook did to a gradient: a node whose value
//! is the changed gradient and whose derivative is the factor the hook applied, elementwise,
//! taken as a constant.

use crate::error::Result;
use crate::ops::Op;
use crate::symbolic::Expr;
use crate::tape::Var;
use crate::tensor::{Float, Tensor};

/// `after`, the gradient a hook returned for `before`, with `∂after/∂before = factor`
/// elementwise (`after/before` where the hook changed a finite, non-zero element; 1 where it
/// left an element alone; 0 where it replaced a zero, an infinity or a NaN).
#[derive(Debug)]
pub(crate) struct HookEffect<T: Float> {
    hooks: String,
    after: Tensor<T>,
    factor: Tensor<T>,
}

impl<T: Float> HookEffect<T> {
    /// `g` itself when the hooks that fired left its value `before` unchanged (`after`), else
    /// a node recording the change.
    pub(crate) fn record<'t>(
        g: Var<'t, T>,
        before: &Tensor<T>,
        after: Tensor<T>,
        fired: &[String],
    ) -> Result<Var<'t, T>> {
        let same = |a: T, b: T| a == b || (a.is_nan() && b.is_nan());
        let unchanged = before.same_shape(&after)
            && before
                .to_vec()
                .iter()
                .zip(after.to_vec())
                .all(|(&a, b)| same(a, b));
        if fired.is_empty() || unchanged {
            return Ok(g);
        }
        let factor = before.zip(&after, |b, a| {
            if same(a, b) {
                T::one()
            } else if b.is_finite() && b != T::zero() {
                a / b
            } else {
                T::zero()
            }
        });
        let effect = HookEffect {
            hooks: fired.join(", "),
            after,
            factor,
        };
        g.tape().try_apply(effect, &[g])
    }
}

impl<T: Float> Op<T> for HookEffect<T> {
    fn name(&self) -> &'static str {
        "hook"
    }
    fn label(&self) -> String {
        format!("hook({})", self.hooks)
    }
    fn forward(&self, _: &[&Tensor<T>]) -> Result<Tensor<T>> {
        Ok(self.after.clone())
    }
    fn vjp(&self, _: usize, _: &[&Tensor<T>], _: &Tensor<T>, g: &Tensor<T>) -> Tensor<T> {
        g.zip(&self.factor, |g, r| g * r)
    }
    fn vjp_graph<'t>(
        &self,
        _: usize,
        x: &[Var<'t, T>],
        _: Var<'t, T>,
        g: Var<'t, T>,
    ) -> Result<Var<'t, T>> {
        Ok(g * x[0].tape().constant(self.factor.clone()))
    }
    fn symbolic(&self, x: &[Expr]) -> Expr {
        Expr::call1("hook", x[0].clone())
    }
    fn local_derivative(&self, _: usize, _: &[Expr]) -> Expr {
        Expr::sym("r")
    }
}
