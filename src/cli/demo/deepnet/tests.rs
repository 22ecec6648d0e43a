//! Tests of the deep networks: the ledger against `backward()`, the gain per layer against
//! the weights' scale, the path split, and f32 against f64.

use chaintrace::Tensor;

use super::*;

fn net(init: Init, activation: Activation) -> DeepNet {
    DeepNet {
        depth: 6,
        width: 8,
        batch: 4,
        init,
        activation,
        residual: false,
        batchnorm: false,
        seed: 3,
    }
}

/// The ledger's norms are the gradients backward() computes, block by block.
#[test]
fn ledger_norms_are_the_activation_gradients() {
    let n = net(Init::HeNormal(2f64.sqrt()), Activation::Tanh);
    let m = n.measure::<f64>(Probe::default());
    // Recompute by hand with the same weights: rebuild and call backward().
    let mut store = ParamStore::<f64>::new(n.seed);
    let x_value = init::normal::<f64>(&[n.batch, n.width], 1.0, store.rng());
    let blocks = n.blocks(&mut store);
    let tape = Tape::new();
    let p = store.bind(&tape);
    let mut hs = vec![tape.var("x", x_value)];
    for b in &blocks {
        hs.push(b.forward(&tape, &p, *hs.last().unwrap()));
    }
    let grads = hs.last().unwrap().mean().backward();
    for (k, h) in hs.iter().enumerate() {
        let want = grads.wrt(*h).unwrap().norm();
        assert!((m.grad_norms[k] - want).abs() <= 1e-12 * want, "k = {k}");
    }
    // ∂L/∂h_L = 1/(batch·width) everywhere: norm √(4·8)/32.
    assert!((m.grad_norms[6] - 32f64.sqrt() / 32.0).abs() < 1e-15);
    assert_eq!(m.act_std[0], mean_std(&hs[0].value()).1);
}

/// ReLU is positively homogeneous and the biases are 0: scaling every weight by c scales
/// ‖∂L/∂x‖ by exactly c^L (the same units are active), and ‖∂L/∂W_1‖ by c^(L−1).
#[test]
fn relu_gradients_scale_as_a_power_of_the_weight_scale() {
    let base = net(Init::Normal(0.5), Activation::Relu).measure::<f64>(Probe::default());
    let scaled = net(Init::Normal(0.55), Activation::Relu).measure::<f64>(Probe::default());
    let ratio = scaled.grad_norms[0] / base.grad_norms[0];
    assert!((ratio / 1.1f64.powi(6) - 1.0).abs() < 1e-12, "{ratio}");
    let ratio = scaled.weight_grads[0] / base.weight_grads[0];
    assert!((ratio / 1.1f64.powi(5) - 1.0).abs() < 1e-12, "{ratio}");
}

/// The path-length parts sum (as vectors) to the gradient; with the skips cut, only the
/// path through every block is left, and its norm is the longest part.
#[test]
fn cutting_the_skips_leaves_the_longest_path() {
    let mut n = net(Init::XavierNormal(1.0), Activation::Tanh);
    n.residual = true;
    let split = n.measure::<f64>(Probe {
        path_lengths: true,
        cut_skips: false,
    });
    let lengths: Vec<usize> = split.path_lengths.iter().map(|p| p.length).collect();
    assert_eq!(lengths, (0..=6).collect::<Vec<_>>());
    // Length 0 is the path along every skip: ∂L/∂h_L itself.
    assert!((split.path_lengths[0].norm - split.grad_norms[6]).abs() < 1e-15);
    let cut = n.measure::<f64>(Probe {
        path_lengths: false,
        cut_skips: true,
    });
    let longest = split.path_lengths[6].norm;
    assert!((cut.grad_norms[0] - longest).abs() <= 1e-12 * longest);
}

/// The geometric-mean gain per layer over five seeds, for a 20-layer ReLU net of width 128.
fn mean_relu_gain(init: Init) -> f64 {
    let logs: f64 = (0..5)
        .map(|seed| {
            let n = DeepNet {
                depth: 20,
                width: 128,
                batch: 16,
                seed,
                ..net(init, Activation::Relu)
            };
            n.measure::<f64>(Probe::default()).gain_per_block().ln()
        })
        .sum();
    (logs / 5.0).exp()
}

/// Each ReLU layer multiplies ‖∂L/∂h‖ by about σ·√(n/2) (half the units pass the gradient):
/// He's σ = √(2/n) gives 1, N(0, 1) gives √(128/2) = 8. Fluctuations shrink with the
/// width; at 128 units, 20 layers and 5 seeds the mean is within 10%.
#[test]
fn relu_gain_per_layer_is_sigma_times_root_half_n() {
    let he = mean_relu_gain(Init::HeNormal(2f64.sqrt()));
    assert!((he - 1.0).abs() < 0.1, "He: {he}");
    let naive = mean_relu_gain(Init::Normal(1.0));
    assert!((naive / 8.0 - 1.0).abs() < 0.1, "N(0,1): {naive}");
}

#[test]
fn norms_in_f64_survive_what_f32_squares_would_not() {
    let t = Tensor::from_vec(vec![3e30f32, 4e30], &[2]);
    assert!((norm_f64(&t) / 5e30 - 1.0).abs() < 1e-6);
    assert_eq!(norm_f64(&Tensor::<f32>::zeros(&[3])), 0.0);
    assert!(norm_f64(&Tensor::from_vec(vec![1.0f64, f64::NAN], &[2])).is_nan());
    assert_eq!(
        norm_f64(&Tensor::from_vec(vec![1.0f64, f64::INFINITY], &[2])),
        f64::INFINITY
    );
}

#[test]
fn f32_and_f64_draw_the_same_network() {
    let n = net(Init::XavierNormal(1.0), Activation::Tanh);
    let (a, b) = (
        n.measure::<f32>(Probe::default()),
        n.measure::<f64>(Probe::default()),
    );
    for k in 0..=6 {
        assert!((a.grad_norms[k] / b.grad_norms[k] - 1.0).abs() < 1e-4);
    }
    assert_eq!((a.dtype, b.dtype), ("f32", "f64"));
}

/// Glorot & Bengio's standard init is U[−1/√n, 1/√n] (He's uniform with gain 1/√3): every
/// weight within 1/√64 = 0.125, the extremes near it, the spread 1/√(3·64) = 0.0722 that
/// `Scheme::std` reports (within 2% over 4096 draws), and biases 0.
#[test]
fn standard_scheme_is_uniform_within_one_over_root_n() {
    use rand::SeedableRng;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
    let init = Scheme::Standard.init(1.0);
    let w = init.sample::<f64>(&[64, 64], &mut rng).to_vec();
    let a = 0.125;
    assert!(w.iter().all(|x| x.abs() <= a * (1.0 + 1e-12)));
    assert!(w.iter().any(|x| x.abs() > 0.99 * a));
    let std = (w.iter().map(|x| x * x).sum::<f64>() / w.len() as f64).sqrt();
    assert!(
        (std / Scheme::Standard.std(64, 1.0) - 1.0).abs() < 0.02,
        "{std}"
    );
    assert_eq!(init.bias(64), Init::Constant(0.0));
}
