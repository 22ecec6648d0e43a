//! `Sgd` updates parameters and momentum buffers element by element: the results must
//! be bit for bit those of its formulas computed as whole vectors (`d = g + wd·p`,
//! `buf = μ·buf + d`, `p ← p − lr·buf`), on every step, with and without momentum, both when the
//! step's tape still holds the parameters (they are written into other storage, and the tape
//! keeps the old values) and when nothing else holds them (they are changed in their own).

use chaintrace::nn::{Init, Layer, Linear, ParamStore};
use chaintrace::optim::{Adam, Optimizer, Sgd};
use chaintrace::{Tape, Tensor};

/// Three steps of `Sgd(lr, μ, wd)` on a `Linear` layer against the formulas, bit for bit.
/// `shared`: the tape's leaves share the store's tensors (`bind`, as a training loop does);
/// otherwise they are copies (`bind_vars`), so the store's tensors have no other holder.
fn check(lr: f64, mu: f64, wd: f64, shared: bool) {
    let mut store = ParamStore::<f64>::new(3);
    let fc = Linear::new(&mut store, "fc", 3, 2, Init::Torch);
    let mut opt = Sgd::new(lr).with_momentum(mu).with_weight_decay(wd);
    let ids = [fc.weight(), fc.bias()];
    let mut bufs: Vec<Option<Vec<f64>>> = vec![None, None];
    let x = Tensor::from_vec(vec![0.5, -1.0, 2.0, 1.5, 0.25, -0.75], &[2, 3]);
    for _ in 0..3 {
        let tape = Tape::new();
        let p = if shared {
            store.bind(&tape)
        } else {
            let copies: Vec<_> = ids
                .iter()
                .map(|&id| tape.var("copy", store.get(id).map(|x| x)))
                .collect();
            store.bind_vars(&tape, &copies)
        };
        // Copies, not clones: a clone would share the store's storage.
        let before: Vec<Tensor<f64>> = ids.iter().map(|&id| store.get(id).map(|x| x)).collect();
        let address = |store: &ParamStore<f64>| ids.map(|id| store.get(id).view().as_ptr());
        let storage_before = address(&store);
        let loss = fc.forward(&tape, &p, tape.constant(x.clone())).tanh().sum();
        let grads = loss.backward();
        let mut expected = Vec::new();
        for (k, &id) in ids.iter().enumerate() {
            let param = store.get(id).to_vec();
            let g = grads.wrt(p.var(id)).unwrap().to_vec();
            let d: Vec<f64> = g
                .iter()
                .zip(&param)
                .map(|(g, p)| if wd != 0.0 { g + wd * p } else { *g })
                .collect();
            let step = if mu == 0.0 {
                d
            } else {
                let buf: Vec<f64> = match bufs[k].take() {
                    None => d,
                    Some(b) => b.iter().zip(&d).map(|(b, d)| mu * b + d).collect(),
                };
                bufs[k] = Some(buf.clone());
                buf
            };
            expected.push(
                param
                    .iter()
                    .zip(&step)
                    .map(|(p, s)| p - lr * s)
                    .collect::<Vec<f64>>(),
            );
        }
        opt.step(&mut store, &p, &grads);
        if !shared {
            // Nothing else held the parameters: changed in their own storage.
            assert_eq!(address(&store), storage_before);
        }
        for (k, &id) in ids.iter().enumerate() {
            assert_eq!(store.get(id).to_vec(), expected[k]);
            // The tape still reads the values the step was computed from.
            assert_eq!(p.var(id).value().to_vec(), before[k].to_vec());
            assert_ne!(store.get(id).to_vec(), before[k].to_vec());
        }
        assert_eq!(store.get(fc.weight()).shape(), &[2, 3]);
        assert_eq!(store.get(fc.bias()).shape(), &[2]);
    }
    for (k, &id) in ids.iter().enumerate() {
        assert_eq!(opt.momentum_buffer(id).map(Tensor::to_vec), bufs[k]);
    }
}

#[test]
fn plain_sgd_matches_the_formula_bit_for_bit() {
    for shared in [true, false] {
        check(0.1, 0.0, 0.0, shared);
    }
}

#[test]
fn momentum_and_weight_decay_match_the_formulas_bit_for_bit() {
    for shared in [true, false] {
        check(0.1, 0.9, 0.01, shared);
        check(0.05, 0.5, 0.0, shared);
    }
}

/// A training loop steps while its tape holds the parameters: each step writes the new values
/// into the storage the values had before the previous step (kept by the optimiser), so a
/// parameter takes turns between two buffers and no step allocates one. `Adam` does the same.
#[test]
fn parameters_take_turns_between_two_buffers() {
    let optimisers: [(&str, Box<dyn Optimizer<f64>>); 3] = [
        ("sgd", Box::new(Sgd::new(0.1))),
        (
            "sgd with momentum",
            Box::new(Sgd::new(0.1).with_momentum(0.9)),
        ),
        ("adam", Box::new(Adam::new(0.01))),
    ];
    for (name, mut opt) in optimisers {
        let mut store = ParamStore::<f64>::new(3);
        let fc = Linear::new(&mut store, "fc", 3, 2, Init::Torch);
        let x = Tensor::from_vec(vec![0.5, -1.0, 2.0, 1.5, 0.25, -0.75], &[2, 3]);
        let address = |store: &ParamStore<f64>| {
            [fc.weight(), fc.bias()].map(|id| store.get(id).view().as_ptr() as usize)
        };
        let mut seen = vec![address(&store)];
        for _ in 0..5 {
            let tape = Tape::new();
            let p = store.bind(&tape);
            let loss = fc.forward(&tape, &p, tape.constant(x.clone())).tanh().sum();
            opt.step(&mut store, &p, &loss.backward());
            seen.push(address(&store));
        }
        // The first step needs a second buffer; from then on the two alternate.
        assert_ne!(seen[1], seen[0], "{name}");
        for k in 2..seen.len() {
            assert_eq!(seen[k], seen[k - 2], "step {k}, {name}");
        }
    }
}
