//! How far apart two `f32`s are, in units in the last place: the measure of an `f32` kernel's
//! accuracy against a correctly rounded reference.

/// The number of `f32`s between `a` and `b`, counting one end: 0 when they are equal (`+0.0`
/// and `-0.0` included), 1 for neighbours, `f32::MAX` and infinity being neighbours. Two NaNs
/// are 0 apart; a NaN and a number are `u64::MAX` apart, so a tally of the worst distance
/// cannot miss a NaN where a number was due.
///
/// # Example
/// ```
/// use chaintrace::check::ulps_apart;
/// assert_eq!(ulps_apart(1.0, 1.0 + f32::EPSILON), 1);
/// assert_eq!(ulps_apart(-0.0, 0.0), 0);
/// assert_eq!(ulps_apart(-f32::from_bits(1), f32::from_bits(1)), 2); // across zero
/// assert_eq!(ulps_apart(f32::NAN, 1.0), u64::MAX);
/// ```
pub fn ulps_apart(a: f32, b: f32) -> u64 {
    match (a.is_nan(), b.is_nan()) {
        (true, true) => 0,
        (false, false) => position(a).abs_diff(position(b)),
        _ => u64::MAX,
    }
}

/// The position of `x` on the line of `f32`s in order (both zeros at 0), so that a distance
/// in ulps is a difference of positions.
fn position(x: f32) -> i64 {
    let i = x.to_bits() as i32;
    i64::from(if i < 0 { i32::MIN - i } else { i })
}
