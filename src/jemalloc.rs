//! The allocator of the static Linux binary (`x86_64-unknown-linux-musl`, what releases ship):
//! jemalloc instead of musl's own, which takes one lock for every allocation and returns
//! memory to the kernel eagerly. bulwark allocates on three or four threads at once, and with
//! musl's allocator a 790-component generation took 3.2 times as long as the glibc build
//! (README, Checks: "The Linux release binary …"). ripgrep made the same choice for the same
//! reason (BurntSushi/ripgrep, commit 03bf37ff). Other builds keep their platform's allocator:
//! with glibc, jemalloc was faster but over the memory budget.
//!
//! `tests/jemalloc.rs` includes this file under glibc to check that jemalloc reads the options.

use std::ffi::c_char;

#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// jemalloc's options, read before `main` (the `malloc_conf` string of its manual): one arena
/// and thread caches for sizes up to 4 KiB. Measured at 790 components on tmpfs against
/// jemalloc's defaults (eight arenas on two cores, caches up to 32 KiB): 74.3 → 69.8 ms and
/// 32.5 → 30.9 MB peak, as fast as the glibc build (69.3 ms, 31.0 MB).
pub const OPTIONS: &str = "narenas:1,tcache_max:4096";

/// [`OPTIONS`] as the NUL-terminated C string jemalloc reads.
static OPTIONS_C: [c_char; OPTIONS.len() + 1] = c_string(OPTIONS);

/// The `malloc_conf` symbol jemalloc looks for (tikv-jemalloc-sys prefixes jemalloc's names
/// with `_rjem_`), kept through link-time optimisation: nothing in Rust reads it.
#[used]
#[unsafe(export_name = "_rjem_malloc_conf")]
static MALLOC_CONF: Option<&c_char> = Some(&OPTIONS_C[0]);

const fn c_string<const N: usize>(text: &str) -> [c_char; N] {
    let bytes = text.as_bytes();
    let mut out = [0; N];
    let mut i = 0;
    while i < bytes.len() {
        // The options are ASCII: a byte is the same `c_char` either way.
        out[i] = bytes[i] as c_char;
        i += 1;
    }
    out
}
