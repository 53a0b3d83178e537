use super::exit;
use super::generate::Unchanged;
use bulwark::output;
use std::path::PathBuf;

/// Regenerate in memory and compare with the files on disk: a hand edit, a blueprint edit
/// without regeneration, a missing or orphaned file, or a new bulwark or library version is
/// drift. Exits 0 in sync, 1 on drift, 2 on an invalid blueprint or usage.
#[derive(clap::Args)]
pub struct Args {
    /// The blueprint file.
    #[arg(default_value_os_t = super::default_blueprint())]
    blueprint: PathBuf,
    /// The directory `bulwark generate` wrote; a relative path is relative to the
    /// blueprint's folder.
    #[arg(long, short, default_value = "infra")]
    out: PathBuf,
    /// `text` (default) or `json` for machines (with the blueprint's diagnostics; see
    /// schemas/output.schema.json).
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// The address plan lock (relative to the blueprint's folder); default `<blueprint
    /// stem>.lock` beside the blueprint.
    #[arg(long)]
    lock: Option<PathBuf>,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    Text,
    Json,
}

pub fn run(args: Args) -> u8 {
    if args.format == Format::Json {
        super::collect_diagnostics();
    }
    let out_folder = super::beside_blueprint(&args.blueprint, &args.out);
    let _lock = match super::lock_out(&out_folder, false) {
        Ok(lock) => lock,
        Err(code) => return code,
    };
    let lock_file = match super::lock_file(&args.blueprint, args.lock.as_deref()) {
        Ok(lock_file) => lock_file,
        Err(code) => return code,
    };
    // Inputs and files as the manifest records them: in sync without generating.
    if let Unchanged::Yes(paths) = Unchanged::try_fast(&args.blueprint, &out_folder, &lock_file) {
        return report(
            &args,
            &out_folder,
            &lock_file,
            &output::Drift::default(),
            paths.len(),
        );
    }
    let (file, generated) =
        match super::load_and_generate(&args.blueprint, &out_folder, &lock_file, true) {
            Ok(loaded) => loaded,
            Err(code) => {
                if args.format == Format::Json {
                    super::print_json(&serde_json::json!({
                        "in_sync": false,
                        "blueprint": args.blueprint.display().to_string(),
                        "out": out_folder.display().to_string(),
                        "diagnostics": super::collected_json(),
                    }));
                }
                return code;
            }
        };
    let address_lock = output::LockWrite {
        text: output::render_lock(&generated.address_plan, &file.label),
        file: lock_file.clone(),
    };
    let drift = match output::check(
        &out_folder,
        &generated.files,
        &generated.manifest,
        Some(&address_lock),
    ) {
        Ok(drift) => drift,
        Err(error) => {
            super::stderr(&format!("error: {error}\n"));
            return exit::IO;
        }
    };
    report(
        &args,
        &out_folder,
        &lock_file,
        &drift,
        generated.files.files.len(),
    )
}

/// Print the drift (or that there is none) as text or JSON; the exit code.
fn report(
    args: &Args,
    out_folder: &std::path::Path,
    lock_file: &output::LockFile,
    drift: &output::Drift,
    files: usize,
) -> u8 {
    let name = args.blueprint.display().to_string();
    let out = out_folder.display().to_string();
    let fix = if drift.manifest_broken {
        super::broken_manifest_help(
            &args.blueprint,
            (out_folder, &args.out),
            lock_file,
            args.lock.as_deref(),
        )
    } else {
        super::generate_command(&args.blueprint, &args.out, args.lock.as_deref())
    };
    if args.format == Format::Json {
        let report = serde_json::json!({
            "in_sync": drift.in_sync(),
            "blueprint": name,
            "out": out,
            "changed": drift.changed,
            "missing": drift.missing,
            "orphaned": drift.orphaned,
            "manifest": drift.manifest,
            "lock": drift.lock,
            "fix": if drift.in_sync() { None } else { Some(&fix) },
            "diagnostics": super::collected_json(),
        });
        super::print_json(&report);
        return if drift.in_sync() {
            exit::OK
        } else {
            exit::DRIFT
        };
    }
    if drift.in_sync() {
        super::status(&format!("{out} is in sync with {name} ({files} files)\n"));
        return exit::OK;
    }
    super::stdout(&drift_text(drift, &out, &name, lock_file, &fix));
    exit::DRIFT
}

/// The drift in words: every changed (with its diff), missing and orphaned file, the
/// manifest and lock, a summary and the fix.
fn drift_text(
    drift: &output::Drift,
    out: &str,
    name: &str,
    lock_file: &output::LockFile,
    fix: &str,
) -> String {
    let mut text = String::new();
    for changed in &drift.changed {
        text.push_str(&format!("changed: {out}/{}\n", changed.path));
        text.push_str(&colorize(&changed.diff));
    }
    for path in &drift.missing {
        text.push_str(&format!("missing: {out}/{path}\n"));
    }
    for path in &drift.orphaned {
        text.push_str(&format!(
            "orphaned: {out}/{path} (bulwark no longer generates it)\n"
        ));
    }
    if let Some(reason) = &drift.manifest {
        text.push_str(&format!("manifest: {out}/{}: {reason}\n", output::MANIFEST));
    }
    if let Some(reason) = &drift.lock {
        text.push_str(&format!(
            "address plan lock: {}: {reason}\n",
            lock_file.path().display()
        ));
    }
    text.push_str(&format!(
        "{out} has drifted from {name}: {} changed, {} missing, {} orphaned{}\n",
        drift.changed.len(),
        drift.missing.len(),
        drift.orphaned.len(),
        match (drift.manifest.is_some(), drift.lock.is_some()) {
            (true, true) => ", manifest and address plan lock out of date",
            (true, false) => ", manifest out of date",
            (false, true) => ", address plan lock out of date",
            (false, false) => "",
        }
    ));
    text.push_str(&format!("fix: {fix}\n"));
    text
}

/// The diff with styles (anstyle), which the output stream strips where colour is off.
fn colorize(diff: &str) -> String {
    use anstyle::{AnsiColor, Style};
    diff.lines()
        .map(|line| {
            let style = if line.starts_with("+++") || line.starts_with("---") {
                Style::new().bold()
            } else if line.starts_with('+') {
                AnsiColor::Green.on_default()
            } else if line.starts_with('-') {
                AnsiColor::Red.on_default()
            } else if line.starts_with("@@") {
                AnsiColor::Cyan.on_default()
            } else {
                return format!("{line}\n");
            };
            format!("{style}{line}{style:#}\n")
        })
        .collect()
}
