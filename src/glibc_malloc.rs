//! The allocator of a Linux build linked against glibc (what `cargo install` makes): glibc's
//! own malloc, with a fixed threshold above which a block is mapped on its own.
//!
//! By default glibc starts that threshold at 128 KiB and raises it to the size of each mapped
//! block freed (glibc manual, "Malloc Tunable Parameters", M_MMAP_THRESHOLD: "If the
//! parameter is set, the dynamic adjustment is disabled"). A generation frees texts of
//! up to 1.5 MB (the security report, the stage templates), so from then on texts and buffers
//! of that size came from the threads' arenas, whose freed memory stays with the arena that
//! allocated it and is given back only from the arena's top: at 790 components on ext4 right
//! after deletions the glibc build peaked at 30.6-34.8 MB, mostly over its 32.0 MB budget (2x
//! output + 16 MB); with the threshold fixed at glibc's default, 29.5-32.5 MB (over once in 43
//! runs), and 28.9 MB instead of 30.6 MB on tmpfs, for 0.7-7% more time (README, Checks).

/// The threshold: glibc's own default, kept from being raised.
pub const MMAP_THRESHOLD: usize = 128 * 1024;

/// Fix glibc's mmap threshold at [`MMAP_THRESHOLD`]; before the first thread starts, since
/// `mallopt` is not thread-safe to call while others allocate (glibc manual: MT-Unsafe init).
pub fn fix_mmap_threshold() {
    // SAFETY: mallopt takes two ints and touches only malloc's parameters; called at the start
    // of `main`, before any other thread exists.
    let done = unsafe { libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD as libc::c_int) };
    // mallopt returns 1 on success; should it refuse, glibc's defaults stay, as before.
    debug_assert_eq!(done, 1, "glibc takes the mmap threshold");
}
