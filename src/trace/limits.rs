//! What a trace file may hold, so that reading and rendering it take memory and time in
//! proportion to its size (docs/trace-format.md, "Limits"): the file's size, the length of
//! each text in it, and how much of the path listing a renderer writes.

#[cfg(feature = "serde")]
use std::io::Read;

#[cfg(feature = "serde")]
use super::Trace;
#[cfg(feature = "serde")]
use crate::error::{Error, Result};

/// The largest trace file [`Trace::from_reader`] reads by default (256 MiB), and so
/// `chaintrace trace` (raise it with `--max-input-bytes`). A traced chain of a million
/// scalar multiplications writes about 150 MB.
pub const MAX_INPUT_BYTES: u64 = 256 << 20;

/// The longest name a trace file may hold, in bytes of UTF-8: a node's name, an op label, a
/// layer path, the element type, a hook's name. Longer names are refused by
/// [`Trace::from_json`], so that every rendering, which repeats a name wherever its node
/// appears, stays within a fixed multiple of the file's size.
pub const MAX_NAME_BYTES: usize = 256;

/// The longest formula or hook note a trace file may hold, in bytes of UTF-8 (a formula
/// names its inputs, so it may be longer than a name).
pub const MAX_TEXT_BYTES: usize = 4096;

/// The most paths per leaf a renderer lists (a file's `top_paths` above this is listed up to
/// this).
pub const MAX_RENDERED_PATHS: usize = 10;

/// The most leaves whose largest paths a renderer lists; the rest are counted in a line.
pub const MAX_RENDERED_PATH_LEAVES: usize = 32;

/// The most nodes a rendered path shows: longer paths show their first and last nodes
/// around `… n more …`.
pub const MAX_RENDERED_PATH_NODES: usize = 64;

/// The most nodes all the rendered paths of a trace show together: four per edge of the
/// graph, and never more than this. The listing stops with a line saying so
/// when the next leaf's paths would go past it.
pub const MAX_RENDERED_PATH_NODES_TOTAL: usize = 4096;

#[cfg(feature = "serde")]
impl Trace {
    /// Reads a trace file of at most `max_bytes` bytes from `reader` ([`MAX_INPUT_BYTES`] is
    /// the usual limit), so an endless or huge input (`/dev/zero`) is refused after
    /// `max_bytes` bytes instead of filling memory.
    ///
    /// # Errors
    /// [`Error::Malformed`] when the input is longer than `max_bytes`, is not UTF-8, cannot
    /// be read (with the reader's message), or is not a trace ([`Trace::from_json`]).
    ///
    /// # Example
    /// ```
    /// use chaintrace::{Tape, Trace, TraceOptions};
    /// let tape = Tape::<f64>::new();
    /// let x = tape.var("x", 2.0);
    /// let (_, trace) = (x * x).backward_traced(TraceOptions::default());
    /// let json = trace.to_json();
    /// let back = Trace::from_reader(json.as_bytes(), chaintrace::trace::MAX_INPUT_BYTES)?;
    /// assert_eq!(back, trace);
    /// let refused = Trace::from_reader(json.as_bytes(), 100).unwrap_err();
    /// assert!(refused.to_string().contains("larger than the limit of 100 bytes"));
    /// # Ok::<(), chaintrace::Error>(())
    /// ```
    pub fn from_reader(reader: impl Read, max_bytes: u64) -> Result<Trace> {
        let malformed = |reason: String| Error::Malformed {
            what: "trace JSON",
            reason,
        };
        let mut bytes = Vec::new();
        reader
            .take(max_bytes.saturating_add(1))
            .read_to_end(&mut bytes)
            .map_err(|e| malformed(format!("cannot read: {e}")))?;
        if bytes.len() as u64 > max_bytes {
            return Err(malformed(format!(
                "the input is larger than the limit of {max_bytes} bytes"
            )));
        }
        let text = String::from_utf8(bytes).map_err(|e| {
            malformed(format!(
                "not UTF-8: invalid byte at offset {}",
                e.utf8_error().valid_up_to()
            ))
        })?;
        Trace::from_json(&text)
    }
}

/// `name` as a trace records it: cut to at most [`MAX_NAME_BYTES`] bytes, ending in `…` when
/// cut, so that every trace the crate records is one [`Trace::from_json`] reads back (a
/// tape may hold any name; a trace file may not).
pub(crate) fn fit_name(name: String) -> String {
    fit(name, MAX_NAME_BYTES)
}

/// A formula or note as a trace records it: cut to at most [`MAX_TEXT_BYTES`] bytes, with `…`.
pub(crate) fn fit_text(text: String) -> String {
    fit(text, MAX_TEXT_BYTES)
}

fn fit(mut text: String, limit: usize) -> String {
    if text.len() <= limit {
        return text;
    }
    let mut end = limit - '…'.len_utf8();
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.truncate(end);
    text.push('…');
    text
}

#[cfg(feature = "serde")]
/// Refuses a name longer than [`MAX_NAME_BYTES`].
pub(crate) fn check_name(field: &str, text: &str) -> std::result::Result<(), String> {
    check_length(field, text, "names", MAX_NAME_BYTES)
}

#[cfg(feature = "serde")]
/// Refuses a formula or note longer than [`MAX_TEXT_BYTES`].
pub(crate) fn check_text(field: &str, text: &str) -> std::result::Result<(), String> {
    check_length(field, text, "formulas and notes", MAX_TEXT_BYTES)
}

#[cfg(feature = "serde")]
fn check_length(
    field: &str,
    text: &str,
    kind: &str,
    limit: usize,
) -> std::result::Result<(), String> {
    if text.len() > limit {
        return Err(format!(
            "{field} is {} bytes long (`{}`): {kind} in a trace are at most {limit} bytes",
            text.len(),
            shorten(text)
        ));
    }
    Ok(())
}

#[cfg(feature = "serde")]
/// The first 40 characters of `text`, with `…` when there are more (for error messages).
pub(crate) fn shorten(text: &str) -> String {
    match text.char_indices().nth(40) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_string(),
    }
}
