//! Issue 14: a generation's memory grows with its output and no faster. Not the process's
//! resident size (that depends on the allocator and the machine) but the bytes the pipeline
//! holds on the heap at its peak, counted by this test binary's own allocator: from a loaded
//! blueprint through `generate` and the security report, the peak must stay within a small
//! multiple of the files it produced, and grow no faster than the blueprint.

mod common;

use common::synthetic::{render_toml, synthetic};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

/// The system allocator, counting the bytes held and their high-water mark.
struct Counting;

static HELD: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(bytes: usize) {
    let held = HELD.fetch_add(bytes, Relaxed) + bytes;
    PEAK.fetch_max(held, Relaxed);
}

// SAFETY: every call is passed on to the system allocator unchanged; only sizes are counted.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let pointer = unsafe { System.alloc(layout) };
        if !pointer.is_null() {
            grew(layout.size());
        }
        pointer
    }

    unsafe fn dealloc(&self, pointer: *mut u8, layout: Layout) {
        unsafe { System.dealloc(pointer, layout) };
        HELD.fetch_sub(layout.size(), Relaxed);
    }

    unsafe fn realloc(&self, pointer: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let moved = unsafe { System.realloc(pointer, layout, new_size) };
        if !moved.is_null() {
            if new_size >= layout.size() {
                grew(new_size - layout.size());
            } else {
                HELD.fetch_sub(layout.size() - new_size, Relaxed);
            }
        }
        moved
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Peak heap bytes held by generating a synthetic blueprint of `size` components (beyond what
/// its loaded blueprint already holds), and the bytes of the files generated.
fn peak_and_output(size: usize) -> (usize, usize) {
    let text = render_toml(&synthetic(size));
    let loaded = bulwark::blueprint::load::from_str(&text).expect("the synthetic TOML loads");
    let options = bulwark::Options {
        today: common::today(),
        ..bulwark::Options::default()
    };
    let before = HELD.load(Relaxed);
    PEAK.store(before, Relaxed);
    let generated = common::generate_with_report(&loaded, &text, &options);
    let peak = PEAK.load(Relaxed) - before;
    let output: usize = generated.files.files.values().map(String::len).sum();
    (peak, output)
}

/// At its peak a generation holds its files' text, the plan and the syntax of main.bicep and
/// its stages; each module's syntax is dropped as soon as it is printed. It holds about 2.9×
/// its output at 100 and 300 components. When every module was kept as text and as syntax
/// the CLI's heap peaked at about 9× its output (heaptrack, 1,000 components): a regression
/// towards that fails here on any machine.
#[test]
fn peak_memory_grows_with_the_output() {
    const SIZES: [usize; 2] = [100, 300];
    let runs = SIZES.map(peak_and_output);
    for (size, (peak, output)) in SIZES.iter().zip(runs) {
        eprintln!(
            "{size} components: peak {peak} bytes held for {output} bytes of output ({:.2}×)",
            peak as f64 / output as f64
        );
        assert!(
            peak * 2 <= 7 * output,
            "{size} components: the peak ({peak} bytes) is more than 3.5× the output ({output} bytes)"
        );
    }
    let [(small, _), (large, _)] = runs;
    assert!(
        large as f64 <= 3.3 * small as f64,
        "3× the components take {:.2}× the memory ({small} → {large} bytes)",
        large as f64 / small as f64
    );
}
