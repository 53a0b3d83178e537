use super::exit;
use std::path::PathBuf;

/// Print the security report of a blueprint: per component its identity, exposure,
/// authentication, encryption in transit, logging and policy; who can do what; waivers;
/// and the blueprint line behind each. `generate` writes the same report to SECURITY.md.
#[derive(clap::Args)]
pub struct Args {
    /// The blueprint file.
    #[arg(default_value_os_t = super::default_blueprint())]
    blueprint: PathBuf,
    /// `markdown` (default), `json` for machines, `sarif`: the security findings (waivers,
    /// shared access keys, public network access, internet entry points, audit-only policy) as
    /// SARIF 2.1.0 for code scanning, or `mermaid`: the architecture diagram alone (a Mermaid
    /// flowchart, as in SECURITY.md).
    #[arg(long, value_enum, default_value_t = Format::Markdown)]
    format: Format,
    /// The directory `bulwark generate` writes (an older manifest there may hold the address
    /// plan, before the lock does); a relative path is relative to the blueprint's folder.
    #[arg(long, short, default_value = "infra")]
    out: PathBuf,
    /// The address plan lock (relative to the blueprint's folder); default `<blueprint
    /// stem>.lock` beside the blueprint.
    #[arg(long)]
    lock: Option<PathBuf>,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    Markdown,
    Json,
    Sarif,
    Mermaid,
}

pub fn run(args: Args) -> u8 {
    super::stdout_is_data();
    if args.format == Format::Sarif {
        super::collect_diagnostics();
    }
    let lock = match super::lock_file(&args.blueprint, args.lock.as_deref()) {
        Ok(lock) => lock,
        Err(code) => return code,
    };
    let out = super::beside_blueprint(&args.blueprint, &args.out);
    let (file, generated) = match super::load_and_generate(&args.blueprint, &out, &lock, true) {
        Ok(loaded) => loaded,
        Err(code) => {
            if args.format == Format::Sarif {
                super::print_json(&super::sarif::diagnostics(&super::collected()));
            }
            return code;
        }
    };
    match args.format {
        Format::Mermaid => super::stdout(&bulwark::report::diagram::mermaid(&generated.plan)),
        Format::Markdown => super::stdout(
            generated
                .files
                .get(bulwark::REPORT_FILE)
                .expect("load_and_generate adds the report"),
        ),
        Format::Sarif | Format::Json => {
            let source = bulwark::report::Source {
                label: &file.label,
                text: &file.text,
                map: &file.source_map,
            };
            let report = bulwark::report::build(
                &file.blueprint,
                &generated.plan,
                &file.label,
                Some(&source),
            );
            if args.format == Format::Sarif {
                let line_of = |key: &str| {
                    let span = file.source_map.key_span(key)?;
                    Some(file.source_map.line_of(&file.text, span.start))
                };
                let name = args.blueprint.display().to_string();
                super::print_json(&super::sarif::findings(
                    &report,
                    &name,
                    &line_of,
                    &super::collected(),
                ));
            } else {
                let mut text = serde_json::to_string_pretty(&report).expect("a report serializes");
                text.push('\n');
                super::stdout(&text);
            }
        }
    }
    exit::OK
}
