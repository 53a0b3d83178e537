use super::exit;
use bulwark::blueprint::library::Library;
use std::path::{Path, PathBuf};

/// Browse blueprint libraries: what a blueprint imports, or what a library offers.
#[derive(clap::Subcommand)]
pub enum Command {
    /// List the libraries a blueprint imports (or one library), with their presets and templates.
    List(Source),
    /// Show a library, or one preset of it (`<library>/<preset>`) as TOML.
    Show {
        /// `<library>` or `<library>/<preset>`.
        name: String,
        #[command(flatten)]
        source: Source,
    },
}

#[derive(clap::Args)]
pub struct Source {
    /// The blueprint whose [libraries] to read.
    #[arg(default_value_os_t = super::default_blueprint())]
    blueprint: PathBuf,
    /// A library folder to read instead of a blueprint's.
    #[arg(long)]
    library: Option<PathBuf>,
    /// `text` (default) or `json` (see schemas/output.schema.json).
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    Text,
    Json,
}

/// A library as `lib list --format json` shows it.
fn library_json(library: &Library) -> serde_json::Value {
    let info = &library.manifest.library;
    serde_json::json!({
        "name": info.name,
        "version": info.version,
        "root": library.root.display().to_string(),
        "description": info.description,
        "defaults": library.manifest.defaults.keys().collect::<Vec<_>>(),
        "presets": library.manifest.presets.iter().map(|(name, preset)| serde_json::json!({
            "name": name,
            "kind": preset.get("kind").and_then(toml::Value::as_str),
        })).collect::<Vec<_>>(),
        "templates": library.manifest.templates.iter().map(|(name, template)| serde_json::json!({
            "name": name,
            "file": template.file,
            "description": template.description,
        })).collect::<Vec<_>>(),
    })
}

/// The libraries of a blueprint's [libraries] table (or the one given), opened.
fn libraries(source: &Source) -> Result<Vec<Library>, u8> {
    if let Some(path) = &source.library {
        return Library::open(path)
            .map(|library| vec![library])
            .map_err(|error| {
                super::stderr(&format!("error: {error}\n"));
                exit::INVALID
            });
    }
    let file = super::load(&source.blueprint)?;
    let base = source
        .blueprint
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let table: toml::Table = toml::from_str(&file.text).unwrap_or_default();
    let mut opened = Vec::new();
    for (_, entry) in table
        .get("libraries")
        .and_then(toml::Value::as_table)
        .into_iter()
        .flatten()
    {
        let Some(path) = entry.get("path").and_then(toml::Value::as_str) else {
            continue;
        };
        match Library::open(&base.join(path)) {
            Ok(library) => opened.push(library),
            Err(error) => {
                super::stderr(&format!("error: {error}\n"));
                return Err(exit::INVALID);
            }
        }
    }
    Ok(opened)
}

pub fn run(command: Command) -> u8 {
    match &command {
        Command::List(source) if source.format == Format::Json => super::stdout_is_data(),
        Command::Show { .. } => super::stdout_is_data(),
        Command::List(_) => {}
    }
    match command {
        Command::List(source) => list(&source),
        Command::Show { name, source } => show(&name, &source),
    }
}

/// `lib list`: each library with its defaults, presets and templates.
fn list(source: &Source) -> u8 {
    let libraries = match libraries(source) {
        Ok(libraries) => libraries,
        Err(code) => return code,
    };
    if source.format == Format::Json {
        super::print_json(&serde_json::json!({
            "libraries": libraries.iter().map(library_json).collect::<Vec<_>>(),
        }));
        return exit::OK;
    }
    if libraries.is_empty() {
        super::stdout(&format!(
            "{} imports no libraries\n",
            source.blueprint.display()
        ));
        return exit::OK;
    }
    let text: String = libraries.iter().map(library_text).collect();
    super::stdout(&text);
    exit::OK
}

/// A library as `lib list` shows it: its name, version and folder, then what it offers.
fn library_text(library: &Library) -> String {
    let mut text = String::new();
    let info = &library.manifest.library;
    text.push_str(&format!(
        "{} {} ({})\n",
        info.name,
        info.version,
        library.root.display()
    ));
    if let Some(description) = &info.description {
        text.push_str(&format!("  {description}\n"));
    }
    if !library.manifest.defaults.is_empty() {
        let keys: Vec<&str> = library
            .manifest
            .defaults
            .keys()
            .map(String::as_str)
            .collect();
        text.push_str(&format!("  defaults: {}\n", keys.join(", ")));
    }
    for (name, preset) in &library.manifest.presets {
        let kind = preset
            .get("kind")
            .and_then(toml::Value::as_str)
            .unwrap_or("?");
        text.push_str(&format!("  preset   {}/{name} ({kind})\n", info.name));
    }
    for (name, template) in &library.manifest.templates {
        let description = template.description.as_deref().unwrap_or(&template.file);
        text.push_str(&format!("  template {}/{name}: {description}\n", info.name));
    }
    text
}

/// `lib show`: a library's manifest, or one preset (`<library>/<preset>`) as TOML.
fn show(name: &str, source: &Source) -> u8 {
    let libraries = match libraries(source) {
        Ok(libraries) => libraries,
        Err(code) => return code,
    };
    let (library_name, preset) = match name.split_once('/') {
        Some((library, preset)) => (library, Some(preset)),
        None => (name, None),
    };
    let Some(library) = libraries.iter().find(|l| l.name() == library_name) else {
        let names: Vec<&str> = libraries.iter().map(Library::name).collect();
        super::stderr(&format!(
            "error: no library `{library_name}`\n  help: known: {}\n",
            names.join(", ")
        ));
        return exit::INVALID;
    };
    match preset {
        None if source.format == Format::Json => {
            super::print_json(&serde_json::json!({
                "library": library_json(library),
                "toml": library.text,
            }));
            exit::OK
        }
        None => {
            super::stdout(&library.text);
            exit::OK
        }
        Some(preset) => show_preset(library, preset, source.format),
    }
}

/// `lib show <library>/<preset>`: the preset's settings and where the library declares them.
fn show_preset(library: &Library, preset: &str, format: Format) -> u8 {
    let library_name = library.name();
    match library.manifest.presets.get(preset) {
        Some(table) if format == Format::Json => {
            super::print_json(&serde_json::json!({
                "library": library_name,
                "preset": preset,
                "location": library.preset_location(preset),
                "settings": table,
            }));
            exit::OK
        }
        Some(table) => {
            super::stdout(&format!(
                "# {library_name}/{preset} ({})\n{}",
                library.preset_location(preset),
                toml::to_string(table).unwrap_or_default()
            ));
            exit::OK
        }
        None => {
            let names: Vec<&str> = library
                .manifest
                .presets
                .keys()
                .map(String::as_str)
                .collect();
            super::stderr(&format!(
                "error: library `{library_name}` has no preset `{preset}`\n  help: its presets: {}\n",
                names.join(", ")
            ));
            exit::INVALID
        }
    }
}
