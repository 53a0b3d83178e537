use super::exit;

/// Print the JSON Schema of the blueprint format, for editors to complete and check
/// blueprint files (e.g. with Taplo or Even Better TOML: `#:schema ./bulwark.schema.json` on
/// a blueprint's first line, or `taplo check --schema file://…`).
#[derive(clap::Args)]
pub struct Args {
    /// Print the schema of a library manifest (bulwark-library.toml) instead.
    #[arg(long)]
    library: bool,
}

pub fn run(args: Args) -> u8 {
    let schema = if args.library {
        bulwark::blueprint::library_json_schema()
    } else {
        bulwark::blueprint::json_schema()
    };
    super::stdout(&format!(
        "{}\n",
        serde_json::to_string_pretty(&schema).expect("a schema always serializes")
    ));
    exit::OK
}
