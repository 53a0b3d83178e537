use super::exit;
use bulwark::output::{self, OutputError};
use std::path::PathBuf;

/// Generate hardened Bicep from a blueprint. Nothing is written unless the whole
/// generation succeeds.
#[derive(clap::Args)]
pub struct Args {
    /// The blueprint file.
    #[arg(default_value_os_t = super::default_blueprint())]
    blueprint: PathBuf,
    /// Directory to write main.bicep, modules/, parameter files and the manifest into; a
    /// relative path is relative to the blueprint's folder.
    #[arg(long, short, default_value = "infra")]
    out: PathBuf,
    /// Overwrite files in the output directory even if bulwark did not generate them.
    #[arg(long)]
    force: bool,
    /// The address plan lock (where each subnet lies), written with the output; a relative
    /// path is relative to the blueprint's folder. Default:
    /// `<blueprint stem>.lock` beside the blueprint (`bulwark.lock` for a blueprint on stdin).
    #[arg(long)]
    lock: Option<PathBuf>,
    /// `text` (default) or `json`: what was written, unchanged, removed and kept, and the
    /// diagnostics, as one object (see schemas/output.schema.json).
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    Text,
    Json,
}

/// The JSON document of a run: what happened to each file, and the diagnostics.
fn document(
    args: &Args,
    out: &std::path::Path,
    report: Option<&output::WriteReport>,
    libraries: &[String],
    error: Option<String>,
) -> serde_json::Value {
    serde_json::json!({
        "ok": report.is_some(),
        "blueprint": args.blueprint.display().to_string(),
        "out": out.display().to_string(),
        "written": report.map(|r| r.written.clone()).unwrap_or_default(),
        "unchanged": report.map(|r| r.unchanged.clone()).unwrap_or_default(),
        "removed": report.map(|r| r.removed.clone()).unwrap_or_default(),
        "kept": report.map(|r| r.kept.clone()).unwrap_or_default(),
        "lock_written": report.is_some_and(|r| r.lock_written),
        "libraries": libraries,
        "error": error,
        "diagnostics": super::collected_json(),
    })
}

pub fn run(args: Args) -> u8 {
    let json = args.format == Format::Json;
    if json {
        super::collect_diagnostics();
    }
    let code = write(&args);
    if let Err((code, error)) = code {
        if json {
            let out = super::beside_blueprint(&args.blueprint, &args.out);
            super::print_json(&document(&args, &out, None, &[], error));
        }
        return code;
    }
    exit::OK
}

/// Generate and write; on failure the exit code and, for JSON, the error in words (the
/// diagnostics are kept apart).
fn write(args: &Args) -> Result<(), (u8, Option<String>)> {
    let code = |code: u8| (code, None);
    // Locked from reading the recorded address plan to writing the manifest. A folder that
    // does not exist yet is created (and locked) only once generation has succeeded.
    let out = super::beside_blueprint(&args.blueprint, &args.out);
    let mut lock = match super::lock_out(&out, false) {
        Ok(lock) => lock,
        Err(failed) => return Err(code(failed)),
    };
    let lock_file = match super::lock_file(&args.blueprint, args.lock.as_deref()) {
        Ok(lock_file) => lock_file,
        Err(failed) => return Err(code(failed)),
    };
    let (file, generated) = match super::load_and_generate(&args.blueprint, &out, &lock_file, true)
    {
        Ok(loaded) => loaded,
        Err(failed) => return Err(code(failed)),
    };
    if !lock.is_held() {
        lock = match super::lock_out(&out, true) {
            Ok(lock) => lock,
            Err(failed) => return Err(code(failed)),
        };
    }
    let _lock = lock;
    // The library versions the output came from last time, to say when one changes.
    let previous_libraries = output::Manifest::read(&out)
        .ok()
        .flatten()
        .map(|manifest| manifest.libraries);
    let address_lock = output::LockWrite {
        text: output::render_lock(&generated.address_plan, &file.label),
        file: lock_file.clone(),
    };
    let result = output::write(
        &out,
        &generated.files,
        &generated.manifest,
        Some(&address_lock),
        args.force,
    );
    if args.format == Format::Json {
        let libraries = previous_libraries
            .as_ref()
            .map(|previous| library_changes(previous, &generated.manifest.libraries))
            .unwrap_or_default();
        return match result {
            Ok(report) => {
                super::print_json(&document(args, &out, Some(&report), &libraries, None));
                Ok(())
            }
            Err(error) => {
                let failed = match error {
                    OutputError::NotOwned { .. } | OutputError::EditedByHand { .. } => {
                        exit::INVALID
                    }
                    _ => exit::IO,
                };
                let mut message = error.to_string();
                if matches!(error, OutputError::BadManifest { .. }) {
                    message.push_str(&format!(
                        "; {}",
                        super::broken_manifest_help(
                            &args.blueprint,
                            (&out, &args.out),
                            &lock_file,
                            args.lock.as_deref()
                        )
                    ));
                }
                super::stderr(&format!("error: {message}\n"));
                Err((failed, Some(message)))
            }
        };
    }
    match result {
        Ok(report) => {
            let out = out.display();
            if super::verbose() {
                for (what, paths) in [
                    ("wrote", &report.written),
                    ("unchanged", &report.unchanged),
                    ("removed", &report.removed),
                ] {
                    for path in paths {
                        super::stdout(&format!("{out}: {what} {path}\n"));
                    }
                }
            }
            super::status(&format!(
                "{out}: {} written, {} unchanged, {} removed\n",
                report.written.len(),
                report.unchanged.len(),
                report.removed.len()
            ));
            if let Some(previous) = &previous_libraries {
                for line in library_changes(previous, &generated.manifest.libraries) {
                    super::status(&format!("{out}: {line}\n"));
                }
            }
            if report.lock_written {
                super::status(&format!(
                    "{}: the address plan, written; commit it with the blueprint\n",
                    lock_file.path().display()
                ));
            }
            for path in &report.kept {
                super::stdout(&format!(
                    "{out}: kept {path}: no longer generated, but edited by hand\n"
                ));
            }
            Ok(())
        }
        Err(error @ OutputError::NotOwned { .. }) => {
            super::stderr(&format!(
                "error: {error}\n  help: move them away, or pass --force to overwrite them\n"
            ));
            Err(code(exit::INVALID))
        }
        Err(error @ OutputError::EditedByHand { .. }) => {
            super::stderr(&format!(
                "error: {error}\n  help: `bulwark check` shows the edits; put them in the blueprint, then pass --force to replace the files\n"
            ));
            Err(code(exit::INVALID))
        }
        Err(error @ OutputError::BadManifest { .. }) => {
            super::stderr(&format!(
                "error: {error}\n  help: {}\n",
                super::broken_manifest_help(
                    &args.blueprint,
                    (&out, &args.out),
                    &lock_file,
                    args.lock.as_deref()
                )
            ));
            Err(code(exit::IO))
        }
        Err(error) => {
            super::stderr(&format!("error: {error}\n"));
            Err(code(exit::IO))
        }
    }
}

/// What changed in the library versions an output was generated from, one line each.
fn library_changes(
    previous: &std::collections::BTreeMap<String, String>,
    current: &std::collections::BTreeMap<String, String>,
) -> Vec<String> {
    let mut lines = Vec::new();
    for (name, version) in current {
        match previous.get(name) {
            Some(old) if old != version => lines.push(format!(
                "library {name} resolved to {version} (was {old}): review the diff before you commit"
            )),
            None => lines.push(format!("library {name} {version}, newly used")),
            _ => {}
        }
    }
    for name in previous.keys().filter(|name| !current.contains_key(*name)) {
        lines.push(format!("library {name} is no longer used"));
    }
    lines
}
