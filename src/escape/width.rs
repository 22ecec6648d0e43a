//! How wide text is on a terminal, for aligning columns of names and numbers.

/// The number of terminal columns `s` takes: one per character, except that combining marks
/// and zero-width characters take none and East Asian wide characters (CJK, Hangul, fullwidth
/// forms, emoji) take two. Counting bytes would misalign every `∂`, `‖` and `u₁₂`.
///
/// ```
/// use chaintrace::escape::display_width;
/// assert_eq!(display_width("‖∂L/∂u₁₂‖"), 9);
/// assert_eq!(display_width("x\u{304}"), 1); // x with a combining macron
/// assert_eq!(display_width("変数"), 4);
/// ```
pub fn display_width(s: &str) -> usize {
    s.chars().map(char_width).sum()
}

fn char_width(c: char) -> usize {
    match c as u32 {
        // Combining marks, zero-width spaces and joiners, variation selectors.
        0x0300..=0x036F
        | 0x1AB0..=0x1AFF
        | 0x1DC0..=0x1DFF
        | 0x200B..=0x200F
        | 0x20D0..=0x20FF
        | 0xFE00..=0xFE0F
        | 0xFE20..=0xFE2F => 0,
        // East Asian wide and fullwidth ranges, and the common emoji blocks.
        0x1100..=0x115F
        | 0x2E80..=0x303E
        | 0x3041..=0x33FF
        | 0x3400..=0x4DBF
        | 0x4E00..=0x9FFF
        | 0xA000..=0xA4CF
        | 0xAC00..=0xD7A3
        | 0xF900..=0xFAFF
        | 0xFE30..=0xFE4F
        | 0xFF00..=0xFF60
        | 0xFFE0..=0xFFE6
        | 0x1F300..=0x1F64F
        | 0x1F900..=0x1F9FF
        | 0x20000..=0x3FFFD => 2,
        _ => 1,
    }
}
