//! Issue 14: a glibc build of the binary fixes glibc's mmap threshold (`src/glibc_malloc.rs`)
//! so that blocks above 128 KiB keep being mapped on their own, and given back when freed,
//! after a larger one was freed: with glibc's dynamic threshold they came from the threads'
//! arenas instead, and a 790-component generation went over its memory budget. This test
//! binary includes the same file and watches glibc map a block (`mallinfo2`).
#![cfg(all(target_os = "linux", target_env = "gnu"))]

#[path = "../src/glibc_malloc.rs"]
mod glibc_malloc;

use std::hint::black_box;

/// Blocks glibc has mapped on their own and not yet unmapped.
fn mapped_blocks() -> usize {
    // SAFETY: mallinfo2 only reads malloc's statistics.
    unsafe { libc::mallinfo2() }.hblks
}

#[test]
fn a_freed_large_block_leaves_the_mmap_threshold_where_it_was() {
    glibc_malloc::fix_mmap_threshold();
    // Freeing a mapped block of 4 MiB is what raises glibc's dynamic threshold to 4 MiB.
    drop(black_box(vec![1u8; 4 * 1024 * 1024]));
    let before = mapped_blocks();
    let block = black_box(vec![1u8; 1024 * 1024]);
    assert_eq!(
        mapped_blocks(),
        before + 1,
        "a 1 MiB block is mapped on its own, not taken from an arena"
    );
    drop(block);
    assert_eq!(mapped_blocks(), before, "and unmapped when freed");
    let small = black_box(vec![1u8; glibc_malloc::MMAP_THRESHOLD / 2]);
    assert_eq!(
        mapped_blocks(),
        before,
        "a block under the threshold is not"
    );
    drop(small);
}
