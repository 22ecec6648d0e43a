//! The generated data sets: shapes, the defining properties of each task, determinism.

use chaintrace::data;

#[test]
fn two_moons_lie_on_their_half_circles() {
    let moons = data::two_moons::<f64>(101, 0.0, 3);
    assert_eq!(moons.x.shape(), &[101, 2]);
    assert_eq!(moons.classes, 2);
    assert_eq!(moons.labels.iter().filter(|&&c| c == 0).count(), 50);
    let x = moons.x.to_vec();
    for (i, &label) in moons.labels.iter().enumerate() {
        let (a, b) = (x[2 * i], x[2 * i + 1]);
        // Upper moon: a unit circle about (0, 0), y ≥ 0; lower: about (1, 0.5), y ≤ 0.5.
        let (cx, cy, up) = if label == 0 {
            (0.0, 0.0, true)
        } else {
            (1.0, 0.5, false)
        };
        assert!(((a - cx).powi(2) + (b - cy).powi(2) - 1.0).abs() < 1e-12);
        assert!(if up { b >= -1e-12 } else { b <= 0.5 + 1e-12 });
    }
    // Shuffled: the classes are not in two blocks.
    assert_ne!(moons.labels[..50], [0; 50]);
    assert_eq!(moons, data::two_moons(101, 0.0, 3));
    assert_ne!(
        data::two_moons::<f64>(101, 0.1, 3).x,
        data::two_moons(101, 0.1, 4).x
    );
}

#[test]
fn spirals_have_their_arms_and_radii() {
    let set = data::spirals::<f64>(50, 3, 0.2, 1);
    assert_eq!(set.x.shape(), &[150, 2]);
    assert_eq!(set.classes, 3);
    for k in 0..3 {
        assert_eq!(set.labels.iter().filter(|&&c| c == k).count(), 50);
    }
    let x = set.x.to_vec();
    // The noise is on the angle only, so every radius is in [0, 1].
    assert!(
        x.chunks(2)
            .all(|p| (p[0] * p[0] + p[1] * p[1]).sqrt() <= 1.0 + 1e-12)
    );
    assert_eq!(set, data::spirals(50, 3, 0.2, 1));
}

#[test]
fn noisy_regression_follows_its_curve() {
    let clean = data::noisy_regression::<f64>(64, 0.0, 2);
    let (x, y) = (clean.x.to_vec(), clean.y.to_vec());
    assert_eq!(clean.x.shape(), &[64, 1]);
    for (x, y) in x.iter().zip(&y) {
        assert!((-1.0..1.0).contains(x));
        assert!((y - (std::f64::consts::PI * x).sin()).abs() < 1e-15);
    }
    // With noise 0.1 the residuals have standard deviation about 0.1 (n = 4000: ±5%).
    let noisy = data::noisy_regression::<f64>(4000, 0.1, 2);
    let residuals: Vec<f64> = noisy
        .x
        .to_vec()
        .iter()
        .zip(noisy.y.to_vec())
        .map(|(x, y)| y - (std::f64::consts::PI * x).sin())
        .collect();
    let sd = (residuals.iter().map(|r| r * r).sum::<f64>() / 4000.0).sqrt();
    assert!((sd - 0.1).abs() < 0.005, "residual sd {sd}");
}

#[test]
fn adding_problem_marks_one_value_in_each_half() {
    let (batch, steps) = (16, 20);
    let set = data::adding_problem::<f64>(batch, steps, 5);
    assert_eq!(set.x.shape(), &[steps, batch, 2]);
    assert_eq!(set.y.shape(), &[batch, 1]);
    let x = set.x.to_vec();
    let at = |t: usize, b: usize, f: usize| x[(t * batch + b) * 2 + f];
    for b in 0..batch {
        let marked: Vec<usize> = (0..steps).filter(|&t| at(t, b, 1) == 1.0).collect();
        assert_eq!(marked.len(), 2);
        assert!(marked[0] < steps / 2 && marked[1] >= steps / 2);
        assert!((0..steps).all(|t| (0.0..1.0).contains(&at(t, b, 0))));
        let sum = at(marked[0], b, 0) + at(marked[1], b, 0);
        assert_eq!(set.y.to_vec()[b], sum);
    }
    assert_eq!(set, data::adding_problem(batch, steps, 5));
}

#[test]
fn copy_task_repeats_its_symbols_after_the_delay() {
    let (batch, delay, copy_len) = (4, 7, 5);
    let set = data::copy_task::<f64>(batch, delay, copy_len, 9);
    let length = delay + 2 * copy_len;
    assert_eq!(set.x.shape(), &[length, batch, data::COPY_CLASSES]);
    assert_eq!(set.labels.len(), length * batch);
    let x = set.x.to_vec();
    let symbol = |t: usize, b: usize| -> usize {
        let row = &x[(t * batch + b) * 10..(t * batch + b + 1) * 10];
        assert_eq!(row.iter().sum::<f64>(), 1.0, "one-hot");
        row.iter().position(|&v| v == 1.0).unwrap()
    };
    for b in 0..batch {
        for t in 0..length {
            let expected_input = if t < copy_len {
                symbol(t, b) // checked below against the target
            } else if t == delay + copy_len - 1 {
                9
            } else {
                0
            };
            assert_eq!(symbol(t, b), expected_input, "input at t={t}");
            let label = set.labels[t * batch + b];
            if t < delay + copy_len {
                assert_eq!(label, 0, "blank target at t={t}");
            } else {
                assert_eq!(label, symbol(t - delay - copy_len, b));
                assert!((1..=8).contains(&label));
            }
        }
    }
    assert_eq!(set, data::copy_task(batch, delay, copy_len, 9));
}
