//! The `bulwark` command line. Only this layer prints.

mod cli;
#[cfg(all(target_os = "linux", target_env = "gnu"))]
mod glibc_malloc;
#[cfg(all(target_env = "musl", target_pointer_width = "64"))]
mod jemalloc;

fn main() -> std::process::ExitCode {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    glibc_malloc::fix_mmap_threshold();
    cli::run()
}
