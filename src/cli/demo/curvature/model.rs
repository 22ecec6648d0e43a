//! The losses `demo curvature` measures: a network's mean squared error on a data set (also
//! used by `demo clip`), and the quadratic whose curvature is known in closed form.

use chaintrace::data::Regression;
use chaintrace::nn::{Init, Layer, Linear, ParamStore, Sequential, Tanh};
use chaintrace::{Result, Tape, Tensor, Var};

use super::hessian::Objective;

/// The mean squared error of `net` (its parameters in `store`) on `data`, as a function of
/// the parameters: the values in `store` give only the shapes.
pub struct NetLoss<'a> {
    /// The parameters' names and shapes.
    pub store: &'a ParamStore<f64>,
    /// The network.
    pub net: &'a Sequential<f64>,
    /// Inputs and targets.
    pub data: &'a Regression<f64>,
}

impl Objective for NetLoss<'_> {
    fn shapes(&self) -> Vec<Vec<usize>> {
        self.store
            .iter()
            .map(|(_, _, t)| t.shape().to_vec())
            .collect()
    }

    fn loss<'t>(&self, tape: &'t Tape<f64>, params: &[Var<'t, f64>]) -> Result<Var<'t, f64>> {
        let p = self.store.try_bind_vars(tape, params)?;
        let prediction = self
            .net
            .forward(tape, &p, tape.constant(self.data.x.clone()));
        prediction.try_mse(tape.constant(self.data.y.clone()))
    }
}

/// The parameters in `store`, one after the other: the flat point of [`NetLoss`].
pub fn flat(store: &ParamStore<f64>) -> Vec<f64> {
    store.iter().flat_map(|(_, _, t)| t.to_vec()).collect()
}

/// `1 → width → width → 1` with tanh between the layers, Xavier-uniform weights with gain 1
/// and zero biases, drawn from `seed`.
pub fn tanh_mlp(width: usize, seed: u64) -> (ParamStore<f64>, Sequential<f64>) {
    let mut store = ParamStore::<f64>::new(seed);
    let init = Init::XavierUniform(1.0);
    let net = Sequential::new("net")
        .with(Linear::new(&mut store, "fc1", 1, width, init))
        .with(Tanh::new("tanh1"))
        .with(Linear::new(&mut store, "fc2", width, width, init))
        .with(Tanh::new("tanh2"))
        .with(Linear::new(&mut store, "fc3", width, 1, init));
    (store, net)
}

/// `L(w) = ½·Σ λ_i·w_i²`: its Hessian is `diag(λ)`, so its eigenvalues are the `λ_i`, and a
/// gradient step multiplies `w_i` by `1 − lr·λ_i`.
pub struct Quadratic {
    /// The curvatures λ_i.
    pub lambdas: Vec<f64>,
}

impl Objective for Quadratic {
    fn shapes(&self) -> Vec<Vec<usize>> {
        vec![vec![self.lambdas.len()]]
    }

    fn loss<'t>(&self, tape: &'t Tape<f64>, params: &[Var<'t, f64>]) -> Result<Var<'t, f64>> {
        let n = self.lambdas.len();
        let half: Vec<f64> = self.lambdas.iter().map(|l| 0.5 * l).collect();
        let half = tape.constant(Tensor::from_vec(half, &[n]));
        let w = params[0];
        Ok(w.try_mul(w)?.try_mul(half)?.sum())
    }
}
