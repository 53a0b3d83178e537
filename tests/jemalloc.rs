//! Issue 14: the static Linux binary allocates with jemalloc, configured by `src/jemalloc.rs`.
//! That build cannot be made here (no musl standard library), so this test binary includes
//! the same file under glibc: jemalloc becomes its allocator, and must read the options bulwark
//! gives it through the `malloc_conf` symbol (a wrong name or type is silently ignored, and
//! the release binary would run with jemalloc's defaults: more memory than the budget allows).
#![cfg(target_os = "linux")]

mod common;

#[path = "../src/jemalloc.rs"]
mod jemalloc;

use common::synthetic::{render_toml, synthetic};
use std::ffi::{CString, c_void};

/// The value of one of jemalloc's `opt.*` settings.
fn option<T: Copy + Default>(name: &str) -> T {
    let name = CString::new(name).expect("no NUL in the name");
    let mut value = T::default();
    let mut length = std::mem::size_of::<T>();
    // SAFETY: `value` is a `T` of `length` bytes, the size jemalloc's manual gives this option;
    // nothing is written to jemalloc (null new value).
    let status = unsafe {
        tikv_jemalloc_sys::mallctl(
            name.as_ptr(),
            (&raw mut value).cast::<c_void>(),
            &raw mut length,
            std::ptr::null_mut(),
            0,
        )
    };
    assert_eq!(status, 0, "jemalloc knows `{name:?}`");
    assert_eq!(length, std::mem::size_of::<T>());
    value
}

#[test]
fn jemalloc_reads_the_options_bulwark_gives_it() {
    assert_eq!(jemalloc::OPTIONS, "narenas:1,tcache_max:4096");
    // `unsigned` and `size_t` in jemalloc's manual.
    assert_eq!(option::<u32>("opt.narenas"), 1);
    assert_eq!(option::<usize>("opt.tcache_max"), 4096);
}

/// A generation large enough to build its modules on several threads runs on it.
#[test]
fn a_generation_runs_on_one_arena() {
    let text = render_toml(&synthetic(120));
    let loaded = bulwark::blueprint::load::from_str(&text).expect("the synthetic TOML loads");
    let options = bulwark::Options {
        today: common::today(),
        ..bulwark::Options::default()
    };
    let generated = common::generate_with_report(&loaded, &text, &options);
    assert!(generated.files.files.contains_key("main.bicep"));
    assert!(generated.files.files.len() > 120);
}
