use super::exit;

/// Print the JSON Schema of the blueprint format, for editors to complete and check
/// blueprint files (e.g. with Taplo or Even Better TOML).
#[derive(clap::Args)]
pub struct Args {}

pub fn run(_: Args) -> u8 {
    let schema = bulwark::blueprint::json_schema();
    super::stdout(&format!(
        "{}\n",
        serde_json::to_string_pretty(&schema).expect("a schema always serializes")
    ));
    exit::OK
}
