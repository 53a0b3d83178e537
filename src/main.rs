//! The `bulwark` command line. Only this layer prints.

mod cli;

fn main() -> std::process::ExitCode {
    cli::run()
}
