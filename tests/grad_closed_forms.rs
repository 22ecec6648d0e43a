//! `chaintrace::grad` against closed forms: derivatives of any order, Hessians, a
//! Hessian-vector product, and the semantics of `detach` and `no_grad`.

use chaintrace::{Error, Tape, Tensor, grad};

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 * (1.0 + b.abs())
}

#[test]
fn second_derivative_of_a_cube() {
    let tape = Tape::<f64>::new();
    let x = tape.var("x", 1.7);
    let d1 = grad(x.powf(3.0), &[x]).unwrap()[0];
    let d2 = grad(d1, &[x]).unwrap()[0];
    assert!(close(d1.item().unwrap(), 3.0 * 1.7 * 1.7));
    assert!(close(d2.item().unwrap(), 6.0 * 1.7));
}

#[test]
fn third_derivative_of_x_to_the_fourth_through_products() {
    let tape = Tape::<f64>::new();
    let x = tape.var("x", -0.6);
    let y = x * x * x * x;
    let d1 = grad(y, &[x]).unwrap()[0];
    let d2 = grad(d1, &[x]).unwrap()[0];
    let d3 = grad(d2, &[x]).unwrap()[0];
    let d4 = grad(d3, &[x]).unwrap()[0];
    let x0 = -0.6f64;
    assert!(close(d1.item().unwrap(), 4.0 * x0.powi(3)));
    assert!(close(d2.item().unwrap(), 12.0 * x0 * x0));
    assert!(close(d3.item().unwrap(), 24.0 * x0));
    assert!(close(d4.item().unwrap(), 24.0));
}

#[test]
fn hessian_of_x2y_plus_sin_xy() {
    let (x0, y0) = (0.8f64, -1.3f64);
    let tape = Tape::<f64>::new();
    let (x, y) = (tape.var("x", x0), tape.var("y", y0));
    let f = x * x * y + (x * y).sin();
    let g = grad(f, &[x, y]).unwrap();
    let hx = grad(g[0], &[x, y]).unwrap();
    let hy = grad(g[1], &[x, y]).unwrap();
    let (s, c) = ((x0 * y0).sin(), (x0 * y0).cos());
    assert!(close(g[0].item().unwrap(), 2.0 * x0 * y0 + y0 * c));
    assert!(close(g[1].item().unwrap(), x0 * x0 + x0 * c));
    assert!(close(hx[0].item().unwrap(), 2.0 * y0 - y0 * y0 * s));
    let cross = 2.0 * x0 + c - x0 * y0 * s;
    assert!(close(hx[1].item().unwrap(), cross));
    assert!(close(hy[0].item().unwrap(), cross));
    assert!(close(hy[1].item().unwrap(), -x0 * x0 * s));
}

#[test]
fn hessian_vector_product_of_sum_tanh_wx() {
    // H·v = Wᵀ·diag(−2·tanh(z)·(1 − tanh(z)²))·W·v with z = W·x.
    let w = [0.3, -1.2, 0.7, 0.5, 0.9, -0.4];
    let (x0, v0) = ([0.6, -0.2], [1.0, 2.0]);
    let tape = Tape::<f64>::new();
    let wv = tape.constant(Tensor::from_vec(w.to_vec(), &[3, 2]));
    let x = tape.var("x", Tensor::from_vec(x0.to_vec(), &[2, 1]));
    let v = tape.constant(Tensor::from_vec(v0.to_vec(), &[2, 1]));
    let f = wv.matmul(x).tanh().sum();
    let g = grad(f, &[x]).unwrap()[0];
    let hv = grad((g * v).sum(), &[x]).unwrap()[0].value().to_vec();
    let mut expected = [0.0; 2];
    for i in 0..3 {
        let z = w[2 * i] * x0[0] + w[2 * i + 1] * x0[1];
        let t = f64::tanh(z);
        let d = -2.0 * t * (1.0 - t * t);
        let wv_i = w[2 * i] * v0[0] + w[2 * i + 1] * v0[1];
        for (j, e) in expected.iter_mut().enumerate() {
            *e += w[2 * i + j] * d * wv_i;
        }
    }
    for (a, b) in hv.iter().zip(expected) {
        assert!(close(*a, b), "{a} vs {b}");
    }
}

#[test]
fn first_order_grad_equals_backward() {
    let tape = Tape::<f32>::new();
    let w = tape.var(
        "w",
        Tensor::from_vec(vec![0.5, -1.0, 1.5, 2.0, 0.1, -0.3], &[3, 2]),
    );
    let x = tape.var("x", Tensor::from_vec(vec![1.0, -2.0, 0.5, 0.25], &[2, 2]));
    let loss = w.matmul(x).sigmoid().softmax().log_softmax().mean();
    let grads = loss.backward();
    let g = grad(loss, &[w, x]).unwrap();
    for (var, gv) in [(w, g[0]), (x, g[1])] {
        let want = grads.wrt(var).unwrap().to_vec();
        let got = gv.value().to_vec();
        for (a, b) in got.iter().zip(&want) {
            assert!((a - b).abs() <= 1e-6 * (1.0 + b.abs()), "{a} vs {b}");
        }
    }
}

#[test]
fn detach_stops_the_gradient_and_keeps_the_value() {
    let tape = Tape::<f64>::new();
    let x = tape.var("x", 3.0);
    let y = x * x.detach();
    assert_eq!(y.item().unwrap(), 9.0);
    assert_eq!(grad(y, &[x]).unwrap()[0].item().unwrap(), 3.0);
    assert_eq!(y.backward().scalar(x).unwrap(), 3.0);
}

#[test]
fn no_grad_records_constants_and_restores_itself() {
    let tape = Tape::<f64>::new();
    let w = tape.var("w", 2.0);
    let c = tape.no_grad(|| (w * 3.0).tanh());
    let y = w * c + w;
    let expected = (6.0f64).tanh() + 1.0;
    assert!(close(y.backward().scalar(w).unwrap(), expected));
    assert!(close(grad(y, &[w]).unwrap()[0].item().unwrap(), expected));
    // Recording after no_grad carries gradients again, even after a panic inside it.
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        tape.no_grad(|| panic!("inside"));
    }));
    assert!(caught.is_err());
    let z = w * w;
    assert_eq!(z.backward().scalar(w).unwrap(), 4.0);
}

#[test]
fn unrelated_vars_get_zero_and_errors_name_the_problem() {
    let tape = Tape::<f64>::new();
    let (x, u) = (tape.var("x", 1.0), tape.var("u", 5.0));
    let g = grad(x.exp(), &[x, u]).unwrap();
    assert_eq!(g[1].item().unwrap(), 0.0);
    let v = tape.var("v", Tensor::from_vec(vec![1.0, 2.0], &[2]));
    assert!(matches!(grad(v, &[v]), Err(Error::Shape { .. })));
    let other = Tape::<f64>::new();
    let o = other.var("o", 1.0);
    assert!(matches!(grad(x, &[o]), Err(Error::ForeignVar { .. })));
}
