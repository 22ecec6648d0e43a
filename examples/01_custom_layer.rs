//! Write a layer of your own: a new op with its derivative and formula side by side, a layer
//! with a learnable parameter built on it, both checked against finite differences.
//!
//! ```text
//! cargo run --example 01_custom_layer
//! ```
//!
//! The op is a scaled tanh, `y = tanh(k·u)`: `k` sets how early it saturates, and its
//! derivative `k·(1 − y²)` is what a gradient is multiplied by on the way back.

use chaintrace::check::{GradcheckOptions, gradcheck};
use chaintrace::nn::{Init, Layer, Linear, ParamId, ParamStore, Params, Sequential};
use chaintrace::ops::Op;
use chaintrace::symbolic::Expr;
use chaintrace::{Float, Result, Tape, Tensor, Var};

#[path = "common/stdout.rs"]
mod stdout;
use stdout::say;

/// `y = tanh(k·u)`, elementwise; `dy/du = k·(1 − y²)`.
#[derive(Debug, Clone, Copy)]
struct ScaledTanh {
    k: f64,
}

impl<T: Float> Op<T> for ScaledTanh {
    fn name(&self) -> &'static str {
        "scaled_tanh"
    }

    fn label(&self) -> String {
        format!("scaled_tanh(k={})", self.k)
    }

    /// The value: `tanh(k·u)`.
    fn forward(&self, inputs: &[&Tensor<T>]) -> Result<Tensor<T>> {
        let k = T::from_f64(self.k);
        Ok(inputs[0].map(|u| (k * u).tanh()))
    }

    /// The vector-Jacobian product: `∂L/∂u = ∂L/∂y · k·(1 − y²)`, from the saved output.
    fn vjp(
        &self,
        _slot: usize,
        _inputs: &[&Tensor<T>],
        y: &Tensor<T>,
        grad: &Tensor<T>,
    ) -> Tensor<T> {
        let k = T::from_f64(self.k);
        let local = y.map(|y| k * (T::one() - y * y));
        grad.zip_map(&local, "scaled_tanh", |g, d| g * d)
            .expect("the gradient has the output's shape")
    }

    /// The formula the tracer prints for the value.
    fn symbolic(&self, inputs: &[Expr]) -> Expr {
        Expr::call1("tanh", Expr::constant(self.k) * inputs[0].clone())
    }

    /// The formula for `dy/du`.
    fn local_derivative(&self, _slot: usize, inputs: &[Expr]) -> Expr {
        let y = Expr::call1("tanh", Expr::constant(self.k) * inputs[0].clone());
        Expr::constant(self.k) * (Expr::one() - y.powf(2.0))
    }
}

/// A layer `y = a ⊙ tanh(k·x)` with a learnable amplitude `a` per feature, starting at 1.
struct ScaledTanhLayer {
    name: String,
    k: f64,
    amplitude: ParamId,
}

impl ScaledTanhLayer {
    fn new<T: Float>(store: &mut ParamStore<T>, name: &str, features: usize, k: f64) -> Self {
        let amplitude = store.add_init(
            &format!("{name}.amplitude"),
            &[features],
            Init::Constant(1.0),
        );
        ScaledTanhLayer {
            name: name.to_string(),
            k,
            amplitude,
        }
    }
}

impl<T: Float> Layer<T> for ScaledTanhLayer {
    fn name(&self) -> &str {
        &self.name
    }

    fn params(&self) -> Vec<ParamId> {
        vec![self.amplitude]
    }

    fn compute<'t>(&self, tape: &'t Tape<T>, p: &Params<'t, T>, x: Var<'t, T>) -> Var<'t, T> {
        tape.apply(ScaledTanh { k: self.k }, &[x]) * p.var(self.amplitude)
    }
}

fn main() {
    // 1. The op and its formulas, side by side.
    let op = ScaledTanh { k: 2.0 };
    let u = [Expr::sym("u")];
    say!("value:      y = {}", Op::<f64>::symbolic(&op, &u));
    say!(
        "derivative: dy/du = {}",
        Op::<f64>::local_derivative(&op, 0, &u)
    );

    // 2. The op's gradient against central differences.
    let x = Tensor::from_vec(vec![-2.0, -0.3, 0.0, 0.7, 3.0], &[5]);
    let report = gradcheck(
        &[x],
        |tape: &Tape<f64>, v: &[Var<'_, f64>]| tape.apply(op, &[v[0]]),
        GradcheckOptions::default(),
    );
    say!("op:    {report}");
    assert!(report.passed());

    // 3. The layer inside a model: gradients with respect to the input and every parameter.
    let mut store = ParamStore::<f64>::new(0);
    let fc = Linear::new(&mut store, "fc", 3, 4, Init::XavierNormal(1.0));
    let steep = ScaledTanhLayer::new(&mut store, "steep", 4, 2.0);
    let amplitude = steep.amplitude;
    let model = Sequential::new("net").with(fc).with(steep);
    let x = Tensor::from_vec(vec![0.5, -1.0, 2.0, 1.5, 0.2, -0.7], &[2, 3]);
    let mut inputs = vec![x.clone()];
    inputs.extend(store.tensors());
    let report = gradcheck(
        &inputs,
        |tape: &Tape<f64>, v: &[Var<'_, f64>]| {
            let p = store.bind_vars(tape, &v[1..]);
            model.forward(tape, &p, v[0]).square().sum()
        },
        GradcheckOptions::default(),
    );
    say!("layer: {report}");
    assert!(report.passed());

    // 4. What the tape recorded: each node with its layer, parameters as named leaves.
    let tape = Tape::new();
    let p = store.bind(&tape);
    let y = model.forward(&tape, &p, tape.constant(x));
    let grads = y.square().sum().backward();
    say!("\nthe tape, node by node:");
    for (i, node) in tape.nodes().iter().enumerate() {
        let name = node.name().unwrap_or("");
        let layer = tape.layer_name(node.layer());
        say!("  #{i:<2} {:<18} {name:<16} in `{layer}`", node.op_label());
    }
    let amplitude = p.var(amplitude);
    say!(
        "\n∂L/∂steep.amplitude = {:?}",
        grads
            .wrt(amplitude)
            .expect("the amplitude is used")
            .to_vec()
    );
}
