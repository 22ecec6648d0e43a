//! `Tensor` arithmetic (src/tensor/arith.rs): values computed by hand, broadcasting, the
//! owned forms, and the error messages of the sugar and of the `try_` forms.

use chaintrace::{Error, Tensor};

fn t(data: &[f64], shape: &[usize]) -> Tensor<f64> {
    Tensor::from_vec(data.to_vec(), shape)
}

fn panic_message(f: impl FnOnce() + std::panic::UnwindSafe) -> String {
    let err = std::panic::catch_unwind(f).expect_err("should panic");
    err.downcast_ref::<String>()
        .cloned()
        .or_else(|| err.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap()
}

#[test]
fn elementwise_same_shape() {
    let a = t(&[1.0, 2.0, 3.0, 4.0], &[2, 2]);
    let b = t(&[0.5, -1.0, 2.0, 8.0], &[2, 2]);
    assert_eq!((&a + &b).to_vec(), vec![1.5, 1.0, 5.0, 12.0]);
    assert_eq!((&a - &b).to_vec(), vec![0.5, 3.0, 1.0, -4.0]);
    assert_eq!((&a * &b).to_vec(), vec![0.5, -2.0, 6.0, 32.0]);
    assert_eq!((&a / &b).to_vec(), vec![2.0, -2.0, 1.5, 0.5]);
    assert_eq!((-&a).to_vec(), vec![-1.0, -2.0, -3.0, -4.0]);
    assert_eq!((&a + &b).shape(), &[2, 2]);
}

#[test]
fn broadcasting_row_column_and_scalar_tensor() {
    // [2, 3] with a row [3]: each row gets b added.
    let a = t(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3]);
    let row = t(&[10.0, 20.0, 30.0], &[3]);
    assert_eq!(
        (&a + &row).to_vec(),
        vec![11.0, 22.0, 33.0, 14.0, 25.0, 36.0]
    );
    // The row on the left: 10 − 1, 20 − 2, …
    assert_eq!((&row - &a).to_vec(), vec![9.0, 18.0, 27.0, 6.0, 15.0, 24.0]);
    // [2, 1] column times [1, 3] row: the outer product, shape [2, 3].
    let col = t(&[2.0, 3.0], &[2, 1]);
    let row1 = t(&[1.0, 10.0, 100.0], &[1, 3]);
    let outer = &col * &row1;
    assert_eq!(outer.shape(), &[2, 3]);
    assert_eq!(outer.to_vec(), vec![2.0, 20.0, 200.0, 3.0, 30.0, 300.0]);
    // A rank-0 tensor broadcasts against anything.
    let half = Tensor::scalar(0.5);
    assert_eq!((&a / &half).to_vec(), vec![2.0, 4.0, 6.0, 8.0, 10.0, 12.0]);
    assert_eq!((&half * &half).shape(), &[] as &[usize]);
    assert_eq!((&half * &half).item(), Some(0.25));
}

#[test]
fn owned_forms_equal_borrowed_forms() {
    let a = t(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3]);
    let row = t(&[0.1, 0.2, 0.3], &[3]);
    let col = t(&[7.0, 9.0], &[2, 1]);
    // The left operand has the result's shape: updated in place.
    assert_eq!(a.clone() + &row, &a + &row);
    assert_eq!(a.clone() - &col, &a - &col);
    assert_eq!(a.clone() * row.clone(), &a * &row);
    assert_eq!(&a / col.clone(), &a / &col);
    // The left operand is smaller than the result: a new tensor.
    assert_eq!(row.clone() / &a, &row / &a);
    assert_eq!((row.clone() / &a).shape(), &[2, 3]);
    assert_eq!(col.clone() * row.clone(), &col * &row);
    assert_eq!(-a.clone(), -&a);
    assert_eq!(
        Tensor::scalar(3.0) - Tensor::scalar(5.0),
        Tensor::scalar(-2.0)
    );
}

#[test]
fn scalar_on_either_side() {
    let a = t(&[1.0, 2.0, 4.0], &[3]);
    assert_eq!((&a * 2.0).to_vec(), vec![2.0, 4.0, 8.0]);
    assert_eq!((2.0 * &a).to_vec(), vec![2.0, 4.0, 8.0]);
    assert_eq!((&a - 1.0).to_vec(), vec![0.0, 1.0, 3.0]);
    assert_eq!((1.0 - &a).to_vec(), vec![0.0, -1.0, -3.0]);
    assert_eq!((&a / 4.0).to_vec(), vec![0.25, 0.5, 1.0]);
    assert_eq!((4.0 / &a).to_vec(), vec![4.0, 2.0, 1.0]);
    assert_eq!((&a + 0.5).to_vec(), vec![1.5, 2.5, 4.5]);
    assert_eq!((0.5 + a.clone()).to_vec(), vec![1.5, 2.5, 4.5]);
    assert_eq!((a.clone() * 3.0).to_vec(), vec![3.0, 6.0, 12.0]);
    // f32 too.
    let b = Tensor::<f32>::from_vec(vec![1.0, -2.0], &[2]);
    assert_eq!((3.0f32 * &b).to_vec(), vec![3.0f32, -6.0]);
    assert_eq!((&b / 2.0f32).to_vec(), vec![0.5f32, -1.0]);
    assert_eq!((-b).to_vec(), vec![-1.0f32, 2.0]);
}

#[test]
fn a_vjp_in_three_lines() {
    // y = x·Wᵀ + b for x [2, 3], W [2, 3], b [2]; g = ∂L/∂y [2, 2].
    let x = t(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3]);
    let w = t(&[1.0, 0.0, -1.0, 0.5, 0.5, 0.5], &[2, 3]);
    let g = t(&[1.0, 2.0, 3.0, 4.0], &[2, 2]);
    let y = &x.matmul(&w.transpose()) + &t(&[0.5, -0.5], &[2]);
    // row 1: [1 − 3, (1 + 2 + 3)/2] + b = [−1.5, 2.5]; row 2: [4 − 6, 7.5] + b = [−1.5, 7].
    assert_eq!(y.to_vec(), vec![-1.5, 2.5, -1.5, 7.0]);
    // ∂L/∂x = g·W: [1·W₀ + 2·W₁, 3·W₀ + 4·W₁].
    assert_eq!(g.matmul(&w).to_vec(), vec![2.0, 1.0, 0.0, 5.0, 2.0, -1.0]);
    // ∂L/∂W = gᵀ·x: [[1·x₀ + 3·x₁], [2·x₀ + 4·x₁]].
    assert_eq!(
        g.transpose().matmul(&x).to_vec(),
        vec![13.0, 17.0, 21.0, 18.0, 24.0, 30.0]
    );
    // ∂L/∂b = Σ_batch g.
    assert_eq!(g.sum_axis(0).to_vec(), vec![4.0, 6.0]);
}

#[test]
fn transpose_reverses_axes() {
    let a = t(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[1, 2, 3]);
    let at = a.transpose();
    assert_eq!(at.shape(), &[3, 2, 1]);
    assert_eq!(at.to_vec(), vec![1.0, 4.0, 2.0, 5.0, 3.0, 6.0]);
    let v = t(&[1.0, 2.0], &[2]);
    assert_eq!(v.transpose(), v);
    assert_eq!(Tensor::scalar(2.0).transpose(), Tensor::scalar(2.0));
}

#[test]
fn sums_over_axes() {
    // [2, 2, 3]: a[i][j][k] = 100i + 10j + k.
    let data: Vec<f64> = (0..2)
        .flat_map(|i| (0..2).flat_map(move |j| (0..3).map(move |k| (100 * i + 10 * j + k) as f64)))
        .collect();
    let a = t(&data, &[2, 2, 3]);
    // Over i: 100 + 2·(10j + k).
    assert_eq!(
        a.sum_axis(0).to_vec(),
        vec![100.0, 102.0, 104.0, 120.0, 122.0, 124.0]
    );
    assert_eq!(a.sum_axis(0).shape(), &[2, 3]);
    // Over k: 3·(100i + 10j) + 3.
    assert_eq!(a.sum_axis(2).to_vec(), vec![3.0, 33.0, 303.0, 333.0]);
    // Over i and k: Σ_i Σ_k = 2·3·10j + 3·100 + 2·3 = 306 + 60j.
    let s = a.sum_axes(&[2, 0], false);
    assert_eq!(s.shape(), &[2]);
    assert_eq!(s.to_vec(), vec![306.0, 366.0]);
    let k = a.sum_axes(&[0, 2], true);
    assert_eq!(k.shape(), &[1, 2, 1]);
    assert_eq!(k.to_vec(), vec![306.0, 366.0]);
    // Every axis: the total, as `sum`.
    assert_eq!(a.sum_axes(&[0, 1, 2], false).item(), Some(a.sum()));
    assert_eq!(a.sum_axes(&[0, 1, 2], true).shape(), &[1, 1, 1]);
    // No axes: the tensor itself.
    assert_eq!(a.sum_axes(&[], true), a);
}

#[test]
fn matmul_matches_a_hand_product() {
    // [2, 3]·[3, 2].
    let a = t(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3]);
    let b = t(&[7.0, 8.0, 9.0, 10.0, 11.0, 12.0], &[3, 2]);
    // [1·7 + 2·9 + 3·11, 1·8 + 2·10 + 3·12; 4·7 + 5·9 + 6·11, 4·8 + 5·10 + 6·12]
    let c = a.matmul(&b);
    assert_eq!(c.shape(), &[2, 2]);
    assert_eq!(c.to_vec(), vec![58.0, 64.0, 139.0, 154.0]);
    assert_eq!(a.try_matmul(&b).unwrap(), c);
}

#[test]
fn shape_errors_name_the_op_and_both_shapes() {
    let a = t(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3]);
    let b = t(&[1.0, 2.0], &[2]);
    let cases: [(&str, Result<Tensor<f64>, Error>); 4] = [
        ("add", a.try_add(&b)),
        ("sub", a.try_sub(&b)),
        ("mul", a.try_mul(&b)),
        ("div", a.try_div(&b)),
    ];
    for (op, result) in cases {
        assert_eq!(
            result.unwrap_err().to_string(),
            format!(
                "shape mismatch in `{op}`: [2, 3] and [2]: axis 1: sizes 3 and 2 do not broadcast"
            )
        );
    }
    let msg = |f: fn(&Tensor<f64>, &Tensor<f64>) -> Tensor<f64>| {
        let (a, b) = (a.clone(), b.clone());
        panic_message(move || {
            f(&a, &b);
        })
    };
    assert_eq!(
        msg(|a, b| a + b),
        "shape mismatch in `add`: [2, 3] and [2]: axis 1: sizes 3 and 2 do not broadcast"
    );
    assert_eq!(
        msg(|a, b| b - a),
        "shape mismatch in `sub`: [2] and [2, 3]: axis 1: sizes 2 and 3 do not broadcast"
    );
    assert_eq!(
        msg(|a, b| a.clone() * b),
        "shape mismatch in `mul`: [2, 3] and [2]: axis 1: sizes 3 and 2 do not broadcast"
    );
    assert_eq!(
        msg(|a, b| a.clone() / b.clone()),
        "shape mismatch in `div`: [2, 3] and [2]: axis 1: sizes 3 and 2 do not broadcast"
    );
}

#[test]
fn matmul_and_axis_errors() {
    let a = t(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3]);
    let err = a.try_matmul(&a).unwrap_err();
    let expected = "shape mismatch in `matmul`: [2, 3] and [2, 3]: inner dimensions differ \
                    (3 columns vs 2 rows)";
    assert_eq!(err.to_string(), expected);
    let a2 = a.clone();
    assert_eq!(panic_message(move || drop(a2.matmul(&a2))), expected);
    let v = t(&[1.0, 2.0], &[2]);
    assert_eq!(
        v.try_matmul(&a).unwrap_err().to_string(),
        "shape mismatch in `matmul`: [2] and [2, 3]: both operands must be 2-D matrices"
    );

    assert_eq!(
        a.try_sum_axis(2).unwrap_err().to_string(),
        "shape mismatch in `sum_axis`: [2, 3] and [2]: axis 2 is out of range for rank 2"
    );
    let a2 = a.clone();
    assert_eq!(
        panic_message(move || drop(a2.sum_axis(5))),
        "shape mismatch in `sum_axis`: [2, 3] and [5]: axis 5 is out of range for rank 2"
    );
    assert_eq!(
        a.try_sum_axes(&[0, 7], true).unwrap_err().to_string(),
        "shape mismatch in `sum_axis`: [2, 3] and [7]: axis 7 is out of range for rank 2"
    );
    assert_eq!(
        a.try_sum_axes(&[1, 0, 1], false).unwrap_err().to_string(),
        "shape mismatch in `sum_axis`: [2, 3] and [1, 0, 1]: axis 1 is named twice"
    );
}

#[test]
fn results_equal_zip_map_bit_for_bit() {
    // The operators are zip_map with the same closure: same bits, NaN and ∞ included.
    let a = t(&[0.1, -0.0, f64::INFINITY, f64::NAN, 1e308, 3.0], &[2, 3]);
    let b = t(&[0.2, 0.0, 1e-300], &[3]);
    let same = |x: Tensor<f64>, y: Tensor<f64>| {
        let (x, y) = (x.to_vec(), y.to_vec());
        assert_eq!(
            x.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
            y.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
        );
    };
    same(&a + &b, a.zip_map(&b, "add", |x, y| x + y).unwrap());
    same(&a - &b, a.zip_map(&b, "sub", |x, y| x - y).unwrap());
    same(a.clone() * &b, a.zip_map(&b, "mul", |x, y| x * y).unwrap());
    same(a.clone() / &b, a.zip_map(&b, "div", |x, y| x / y).unwrap());
    same(-a.clone(), a.map(|x| -x));
}
