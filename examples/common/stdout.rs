//! Printing for the examples. `println!` panics when the reader of stdout has gone
//! (`cargo run --example 02_train_moons | head`); [`say!`] ends the program quietly instead,
//! as the `chaintrace` binary does.

use std::io::{ErrorKind, Write};

/// Writes one line to stdout. When stdout is a closed pipe the program exits with status 0;
/// any other write error is a panic that says so.
pub fn line(args: std::fmt::Arguments<'_>) {
    // Rust's stdout is line-buffered, so the error of this line surfaces here, not at exit.
    if let Err(e) = writeln!(std::io::stdout().lock(), "{args}") {
        if e.kind() == ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        panic!("cannot write to standard output: {e}");
    }
}

/// `println!` that exits quietly on a closed pipe.
macro_rules! say {
    ($($arg:tt)*) => {
        $crate::stdout::line(format_args!($($arg)*))
    };
}
pub(crate) use say;
