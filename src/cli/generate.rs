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
}

pub fn run(args: Args) -> u8 {
    super::annotate_in_github_actions();
    // Locked from reading the recorded address plan to writing the manifest. A folder that
    // does not exist yet is created (and locked) only once generation has succeeded.
    let out = super::beside_blueprint(&args.blueprint, &args.out);
    let mut lock = match super::lock_out(&out, false) {
        Ok(lock) => lock,
        Err(code) => return code,
    };
    let lock_file = match super::lock_file(&args.blueprint, args.lock.as_deref()) {
        Ok(lock_file) => lock_file,
        Err(code) => return code,
    };
    let (file, generated) = match super::load_and_generate(&args.blueprint, &out, &lock_file, true)
    {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    if !lock.is_held() {
        lock = match super::lock_out(&out, true) {
            Ok(lock) => lock,
            Err(code) => return code,
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
    match output::write(
        &out,
        &generated.files,
        &generated.manifest,
        Some(&address_lock),
        args.force,
    ) {
        Ok(report) => {
            let out = out.display();
            super::stdout(&format!(
                "{out}: {} written, {} unchanged, {} removed\n",
                report.written.len(),
                report.unchanged.len(),
                report.removed.len()
            ));
            if let Some(previous) = &previous_libraries {
                for line in library_changes(previous, &generated.manifest.libraries) {
                    super::stdout(&format!("{out}: {line}\n"));
                }
            }
            if report.lock_written {
                super::stdout(&format!(
                    "{}: the address plan, written; commit it with the blueprint\n",
                    lock_file.path().display()
                ));
            }
            for path in &report.kept {
                super::stdout(&format!(
                    "{out}: kept {path}: no longer generated, but edited by hand\n"
                ));
            }
            exit::OK
        }
        Err(error @ OutputError::NotOwned { .. }) => {
            super::stderr(&format!(
                "error: {error}\n  help: move them away, or pass --force to overwrite them\n"
            ));
            exit::INVALID
        }
        Err(error @ OutputError::EditedByHand { .. }) => {
            super::stderr(&format!(
                "error: {error}\n  help: `bulwark check` shows the edits; put them in the blueprint, then pass --force to replace the files\n"
            ));
            exit::INVALID
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
            exit::IO
        }
        Err(error) => {
            super::stderr(&format!("error: {error}\n"));
            exit::IO
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
