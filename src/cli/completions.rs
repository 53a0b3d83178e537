use super::exit;
use clap::CommandFactory;

/// Print a shell completion script (clap_complete), e.g.
/// `bulwark completions bash > /etc/bash_completion.d/bulwark`,
/// `bulwark completions zsh > "${fpath[1]}/_bulwark"`,
/// `bulwark completions fish > ~/.config/fish/completions/bulwark.fish`.
#[derive(clap::Args)]
pub struct Args {
    /// The shell.
    shell: clap_complete::Shell,
}

/// Print the man page (roff, clap_mangen), e.g. `bulwark man > bulwark.1 && man ./bulwark.1`.
#[derive(clap::Args)]
pub struct ManArgs {}

pub fn run(args: Args) -> u8 {
    super::stdout_is_data();
    let mut command = super::Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command, "bulwark", &mut script);
    super::stdout(&String::from_utf8_lossy(&script));
    exit::OK
}

pub fn man(_: ManArgs) -> u8 {
    super::stdout_is_data();
    let mut page = Vec::new();
    if let Err(error) = clap_mangen::Man::new(super::Cli::command()).render(&mut page) {
        super::stderr(&format!("error: cannot render the man page: {error}\n"));
        return exit::IO;
    }
    super::stdout(&String::from_utf8_lossy(&page));
    exit::OK
}
