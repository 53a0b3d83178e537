use super::{diagnostics_for, exit, load, print_diagnostics};
use std::path::PathBuf;

/// Check a blueprint and print diagnostics only; nothing is written.
#[derive(clap::Args)]
pub struct Args {
    /// The blueprint file.
    #[arg(default_value_os_t = super::default_blueprint())]
    blueprint: PathBuf,
}

pub fn run(args: Args) -> u8 {
    super::annotate_in_github_actions();
    let file = match load(&args.blueprint) {
        Ok(file) => file,
        Err(code) => return code,
    };
    let mut diagnostics = bulwark::blueprint::validate(&file.blueprint);
    if !diagnostics.iter().any(|d| d.is_error())
        && let Err(planning) = bulwark::plan::plan(&file.blueprint, &Default::default())
    {
        diagnostics.extend(planning);
    }
    let diagnostics = diagnostics_for(&file, diagnostics);
    let name = args.blueprint.display().to_string();
    print_diagnostics(&diagnostics, &name, &file.text);
    if diagnostics.iter().any(|d| d.is_error()) {
        return exit::INVALID;
    }
    super::stderr(&format!(
        "{name}: valid ({} components)\n",
        file.blueprint.components.len()
    ));
    exit::OK
}
