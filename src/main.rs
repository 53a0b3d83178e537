//! The `bulwark` command line. Only this layer prints.

mod cli;
#[cfg(all(target_env = "musl", target_pointer_width = "64"))]
mod jemalloc;

fn main() -> std::process::ExitCode {
    cli::run()
}
