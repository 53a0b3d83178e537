use super::{diagnostics_for, exit, load, print_diagnostics};
use std::path::{Path, PathBuf};

/// Check blueprints and print diagnostics only; nothing is written. Several blueprints may
/// be given (as a pre-commit hook passes them); the exit code is the worst of theirs.
#[derive(clap::Args)]
pub struct Args {
    /// The blueprint files.
    #[arg(default_values_os_t = vec![super::default_blueprint()])]
    blueprints: Vec<PathBuf>,
    /// `text` (default), `json` (one document for every blueprint, see
    /// schemas/output.schema.json) or `sarif` (SARIF 2.1.0, for code scanning).
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    Text,
    Json,
    Sarif,
}

pub fn run(args: Args) -> u8 {
    if args.format != Format::Text {
        super::collect_diagnostics();
    }
    let mut code = exit::OK;
    let mut results = Vec::new();
    let mut reported = Vec::new();
    for path in &args.blueprints {
        let (valid, components, file_code) = validate(path);
        code = code.max(file_code);
        let kept = super::collected();
        results.push(serde_json::json!({
            "blueprint": path.display().to_string(),
            "valid": valid,
            "components": components,
            "diagnostics": kept.iter().flat_map(super::Reported::json).collect::<Vec<_>>(),
        }));
        reported.extend(kept);
    }
    match args.format {
        Format::Text => {}
        Format::Json => super::print_json(&serde_json::json!({
            "valid": code == exit::OK,
            "blueprints": results,
        })),
        Format::Sarif => super::print_json(&super::sarif::diagnostics(&reported)),
    }
    code
}

/// Validate one blueprint: whether it is valid, its number of components when it loaded,
/// and its exit code.
fn validate(path: &Path) -> (bool, Option<usize>, u8) {
    let file = match load(path) {
        Ok(file) => file,
        Err(code) => return (false, None, code),
    };
    let mut diagnostics = bulwark::blueprint::validate(&file.blueprint);
    if !diagnostics.iter().any(|d| d.is_error())
        && let Err(planning) = bulwark::plan::plan(&file.blueprint, &Default::default())
    {
        diagnostics.extend(planning);
    }
    // The resource group's limits; without generating, the deployments one run writes are
    // counted from below (`generate` and `check` count them in the templates).
    diagnostics.extend(bulwark::blueprint::resource_group_limits(
        &file.blueprint,
        bulwark::blueprint::fewest_deployments(&file.blueprint),
    ));
    let diagnostics = diagnostics_for(&file, diagnostics);
    let name = path.display().to_string();
    print_diagnostics(&diagnostics, &name, &file.text);
    let components = file.blueprint.components.len();
    if diagnostics.iter().any(|d| d.is_error()) {
        return (false, Some(components), exit::INVALID);
    }
    if !super::quiet() {
        super::stderr(&format!("{name}: valid ({components} components)\n"));
    }
    (true, Some(components), exit::OK)
}
