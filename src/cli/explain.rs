use super::{diagnostics_for, exit, load, print_diagnostics};
use std::path::PathBuf;

/// Print the security report of a blueprint: per component its identity, exposure,
/// authentication, encryption in transit, logging and policy; who can do what; waivers;
/// and the blueprint line behind each. `generate` writes the same report to SECURITY.md.
#[derive(clap::Args)]
pub struct Args {
    /// The blueprint file.
    #[arg(default_value_os_t = super::default_blueprint())]
    blueprint: PathBuf,
    /// `markdown` (default) or `json` for machines.
    #[arg(long, value_enum, default_value_t = Format::Markdown)]
    format: Format,
    /// The directory `bulwark generate` writes, whose manifest keeps the address plan.
    #[arg(long, short, default_value = "infra")]
    out: PathBuf,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    Markdown,
    Json,
}

pub fn run(args: Args) -> u8 {
    let file = match load(&args.blueprint) {
        Ok(file) => file,
        Err(code) => return code,
    };
    let name = args.blueprint.display().to_string();
    let options = bulwark::Options {
        blueprint_label: file.label.clone(),
        previous_address_plan: bulwark::output::Manifest::previous_address_plan(&args.out),
        ..bulwark::Options::default()
    };
    let generated = match bulwark::generate(&file.blueprint, &options) {
        Ok(generated) => generated,
        Err(diagnostics) => {
            print_diagnostics(&diagnostics_for(&file, diagnostics), &name, &file.text);
            return exit::INVALID;
        }
    };
    print_diagnostics(
        &diagnostics_for(&file, generated.warnings.clone()),
        &name,
        &file.text,
    );
    let source = bulwark::report::Source {
        label: &file.label,
        text: &file.text,
        map: &file.source_map,
    };
    let report =
        bulwark::report::build(&file.blueprint, &generated.plan, &file.label, Some(&source));
    match args.format {
        Format::Markdown => super::stdout(&report.render_markdown()),
        Format::Json => {
            let mut text = serde_json::to_string_pretty(&report).expect("a report serializes");
            text.push('\n');
            super::stdout(&text);
        }
    }
    exit::OK
}
