//! `Var::shape` does not allocate: an allocator that counts this thread's allocations.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use chaintrace::{Tape, Tensor};

struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: forwards to the system allocator; the counter is a const thread-local `Cell`, which
// itself never allocates.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations() -> usize {
    ALLOCATIONS.with(Cell::get)
}

#[test]
fn shape_does_not_allocate() {
    let tape = Tape::<f64>::new();
    let s = tape.var("s", 2.0);
    let m = tape.var("m", Tensor::zeros(&[2, 3]));
    let t = tape.var("t", Tensor::zeros(&[2, 3, 4, 5]));
    let before = allocations();
    let shapes = (s.shape(), m.shape(), t.shape());
    let after = allocations();
    assert_eq!(after - before, 0, "Var::shape allocated");
    assert_eq!(shapes.0, [0usize; 0]);
    assert_eq!(shapes.1, [2, 3]);
    assert_eq!(shapes.2, vec![2, 3, 4, 5]);
    // A shape held while recording borrows nothing of the tape.
    let y = m.transpose();
    assert_eq!(y.shape(), [3, 2]);
    assert_eq!(shapes.1.as_slice(), &[2, 3]);
}
