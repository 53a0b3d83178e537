//! Commands, one file each, and what they share: loading a blueprint file and printing
//! diagnostics.

mod check;
mod completions;
mod deployer;
mod explain;
mod generate;
mod init;
mod lib;
mod new;
mod read;
mod sarif;
mod schema;
mod validate;

use read::read_blueprint;

use bulwark::blueprint::render::{self, Source};
use bulwark::blueprint::{self, Blueprint, Diagnostic};
use bulwark::output::LockFile;
use clap::{Parser, Subcommand};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Exit codes, the same for every command.
pub mod exit {
    pub const OK: u8 = 0;
    /// `check` found generated files out of date.
    pub const DRIFT: u8 = 1;
    /// The blueprint is invalid, or the command line is wrong.
    pub const INVALID: u8 = 2;
    /// Reading or writing files failed.
    pub const IO: u8 = 3;
}

const AFTER_HELP: &str = "Exit codes: 0 success, 1 `check` found drift, 2 invalid blueprint or usage, 3 could not read or write files.\n\nStart a project in a new repository with `bulwark new`, adopt bulwark in an existing one with `bulwark init`, or see the README. A relative --out or --lock is relative to the blueprint's folder.";

#[derive(Parser)]
#[command(name = "bulwark", version, about = "Turn a typed blueprint of an Azure application into hardened Bicep.", after_help = AFTER_HELP)]
pub(crate) struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    command: Command,
}

/// Flags every command takes.
#[derive(clap::Args)]
struct Global {
    /// When to colour output. `auto`: on a terminal, unless NO_COLOR is set (non-empty),
    /// CLICOLOR=0 or TERM=dumb; CLICOLOR_FORCE (non-zero) colours even into a pipe.
    #[arg(long, global = true, value_enum, value_name = "WHEN", default_value_t = ColorWhen::Auto)]
    color: ColorWhen,
    /// Print only errors and the results asked for: no summaries, no warnings.
    #[arg(long, short, global = true, conflicts_with = "verbose")]
    quiet: bool,
    /// Print more: every file `generate` and `deployer` write, keep or remove.
    #[arg(long, short, global = true)]
    verbose: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum ColorWhen {
    Auto,
    Always,
    Never,
}

/// What the global flags asked for, set once before a command runs.
#[derive(Clone, Copy, Default)]
struct Settings {
    quiet: bool,
    verbose: bool,
}

static SETTINGS: std::sync::OnceLock<Settings> = std::sync::OnceLock::new();

fn settings() -> Settings {
    SETTINGS.get().copied().unwrap_or_default()
}

/// `--quiet`: summaries and warnings are left out.
pub fn quiet() -> bool {
    settings().quiet
}

/// `--verbose`: per-file lines too.
pub fn verbose() -> bool {
    settings().verbose
}

#[derive(Subcommand)]
enum Command {
    Generate(generate::Args),
    Check(check::Args),
    New(new::Args),
    Init(init::Args),
    #[command(subcommand)]
    Lib(lib::Command),
    Validate(validate::Args),
    Explain(explain::Args),
    Schema(schema::Args),
    Deployer(deployer::Args),
    Completions(completions::Args),
    Man(completions::ManArgs),
}

pub fn run() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            return ExitCode::from(if error.use_stderr() {
                exit::INVALID
            } else {
                exit::OK
            });
        }
    };
    // anstream resolves `auto` per stream from the terminal, NO_COLOR, CLICOLOR,
    // CLICOLOR_FORCE and TERM (anstyle-query), and strips styles where colour is off.
    anstream::ColorChoice::write_global(match cli.global.color {
        ColorWhen::Auto => anstream::ColorChoice::Auto,
        ColorWhen::Always => anstream::ColorChoice::Always,
        ColorWhen::Never => anstream::ColorChoice::Never,
    });
    let _ = SETTINGS.set(Settings {
        quiet: cli.global.quiet,
        verbose: cli.global.verbose,
    });
    annotate_in_github_actions();
    let code = match cli.command {
        Command::Generate(args) => generate::run(args),
        Command::Check(args) => check::run(args),
        Command::New(args) => new::run(args),
        Command::Init(args) => init::run(args),
        Command::Lib(command) => lib::run(command),
        Command::Validate(args) => validate::run(args),
        Command::Explain(args) => explain::run(args),
        Command::Schema(args) => schema::run(args),
        Command::Deployer(args) => deployer::run(args),
        Command::Completions(args) => completions::run(args),
        Command::Man(args) => completions::man(args),
    };
    ExitCode::from(code)
}

/// A blueprint file as loaded: its model and its text, for diagnostics.
pub struct LoadedFile {
    pub blueprint: Blueprint,
    pub source_map: blueprint::SourceMap,
    pub text: String,
    pub label: String,
}

/// The name diagnostics and generated headers use for a blueprint: its file name, so output
/// does not depend on the directory bulwark was run from.
pub fn label(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |name| name.to_string_lossy().into_owned(),
    )
}

/// Lock the output folder for this command, saying so while another bulwark holds it.
pub fn lock_out(out: &Path, create: bool) -> Result<bulwark::output::FolderLock, u8> {
    use bulwark::output::{self, LockAttempt};
    let attempt = output::lock(out, create).and_then(|attempt| match attempt {
        LockAttempt::Locked(lock) => Ok(lock),
        LockAttempt::Busy(pending) => {
            stderr(&format!(
                "waiting for another bulwark working in {}…\n",
                out.display()
            ));
            pending.wait()
        }
    });
    attempt.map_err(|error| {
        stderr(&format!("error: {error}\n"));
        exit::IO
    })
}

/// A path given on the command line for a blueprint's output or lock, as bulwark uses it:
/// a relative path is relative to the blueprint's folder (as a library's `path` is), so
/// `bulwark check sub/bulwark.toml` reads `sub/infra` from any folder; an absolute path,
/// or any path for a blueprint read from standard input, stays as it is.
pub fn beside_blueprint(blueprint: &Path, path: &Path) -> PathBuf {
    if path.is_absolute() || blueprint == Path::new("-") {
        return path.to_path_buf();
    }
    match blueprint.parent().filter(|p| !p.as_os_str().is_empty()) {
        Some(folder) => folder.join(path),
        None => path.to_path_buf(),
    }
}

/// The address plan lock of a blueprint: `--lock` when given (relative to the blueprint's
/// folder), else `<stem>.lock` beside it.
pub fn lock_file(blueprint: &Path, explicit: Option<&Path>) -> Result<LockFile, u8> {
    let lock = match explicit {
        Some(path) => LockFile::at(&beside_blueprint(blueprint, path)),
        None => LockFile::beside(blueprint),
    };
    lock.filter(|lock| lock.path() != blueprint).ok_or_else(|| {
        stderr(&format!(
            "error: the address plan lock of {} would be the blueprint itself
  help: name the blueprint `*.toml`, or pass --lock with another path
",
            blueprint.display()
        ));
        exit::INVALID
    })
}

/// Load a blueprint and generate it as it is written to `out`: keeping the address plan its
/// lock (or, before there is one, the manifest in `out`) records, with the security report.
/// Prints the diagnostics (warnings too, if asked); on failure returns the exit code.
pub fn load_and_generate(
    blueprint: &Path,
    out: &Path,
    lock: &LockFile,
    show_warnings: bool,
) -> Result<(LoadedFile, bulwark::Generated), u8> {
    let file = load(blueprint)?;
    let options = generation_options(&file, out, lock)?;
    let mut generated = bulwark::generate(&file.blueprint, &options)
        .map_err(|error| generation_failed(blueprint, &file, error))?;
    if show_warnings {
        print_warnings(blueprint, &file, &generated.warnings);
    }
    bulwark::add_report(&mut generated, &file.blueprint, &file.report_source());
    Ok((file, generated))
}

/// How a loaded blueprint is generated for `out`: keeping the address plan its lock (or,
/// before there is one, the manifest in `out`) records.
pub fn generation_options(
    file: &LoadedFile,
    out: &Path,
    lock: &LockFile,
) -> Result<bulwark::Options, u8> {
    let previous_address_plan = bulwark::output::Manifest::previous_address_plan(out, Some(lock))
        .map_err(|error| {
        stderr(&format!(
            "error: {error}
"
        ));
        exit::IO
    })?;
    Ok(bulwark::Options {
        blueprint_label: file.label.clone(),
        previous_address_plan,
        ..bulwark::Options::default()
    })
}

/// Print the diagnostics that stopped a generation; the exit code.
pub fn generation_failed(blueprint: &Path, file: &LoadedFile, error: bulwark::Error) -> u8 {
    print_diagnostics(
        &diagnostics_for(file, error.into_diagnostics()),
        &blueprint.display().to_string(),
        &file.text,
    );
    exit::INVALID
}

/// Print the warnings a generation found.
pub fn print_warnings(blueprint: &Path, file: &LoadedFile, warnings: &[Diagnostic]) {
    print_diagnostics(
        &diagnostics_for(file, warnings.to_vec()),
        &blueprint.display().to_string(),
        &file.text,
    );
}

/// The code of the diagnostic JSON and SARIF output give a blueprint that cannot be read.
pub const UNREADABLE: &str = "unreadable-blueprint";

/// Read and parse a blueprint; on failure print diagnostics and return the exit code.
pub fn load(path: &Path) -> Result<LoadedFile, u8> {
    let bytes = match read_blueprint(path) {
        Ok(bytes) => bytes,
        Err(error) => {
            let hint = if error.kind() == std::io::ErrorKind::NotFound {
                "\n  help: pass the blueprint's path, or run `bulwark new` to create bulwark.toml"
            } else {
                ""
            };
            let message = format!("cannot read blueprint {}: {error}", path.display());
            if collecting() {
                let mut diagnostic = Diagnostic::error(UNREADABLE, message);
                if !hint.is_empty() {
                    diagnostic = diagnostic.help(hint.trim_start_matches("\n  help: "));
                }
                print_diagnostics(&[diagnostic], &path.display().to_string(), "");
            } else {
                stderr(&format!("error: {message}{hint}\n"));
            }
            return Err(exit::IO);
        }
    };
    let text = render::displayable(&String::from_utf8_lossy(&bytes));
    let name = path.display().to_string();
    let base = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    match blueprint::load::from_bytes_in(&bytes, base) {
        Ok(loaded) => Ok(LoadedFile {
            blueprint: loaded.blueprint,
            source_map: loaded.source_map,
            text,
            label: label(path),
        }),
        Err(diagnostics) => {
            print_diagnostics(&diagnostics, &name, &text);
            Err(exit::INVALID)
        }
    }
}

/// Whether diagnostics are also printed as GitHub Actions annotations: in a workflow run
/// (`GITHUB_ACTIONS=true`), unless the command's standard output is data (JSON, SARIF, the
/// Markdown of `explain`, a library's TOML), which a workflow command would corrupt.
static ANNOTATE: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Standard output is data: no annotations on it.
pub fn stdout_is_data() {
    ANNOTATE.store(false, std::sync::atomic::Ordering::Relaxed);
}

/// Print diagnostics as annotations too when running in GitHub Actions.
fn annotate_in_github_actions() {
    // GitHub sets GITHUB_ACTIONS=true in every workflow run (docs.github.com, "Store
    // information in variables", default environment variables).
    let in_actions = std::env::var("GITHUB_ACTIONS").is_ok_and(|value| value == "true");
    ANNOTATE.store(in_actions, std::sync::atomic::Ordering::Relaxed);
}

/// The blueprint's path as an annotation names it: from the workspace root (`GITHUB_WORKSPACE`,
/// the repository checkout) when the blueprint lies inside it, else as given.
pub fn annotation_file(name: &str) -> Option<String> {
    if name == "-" {
        return None;
    }
    let relative = std::env::var_os("GITHUB_WORKSPACE").and_then(|workspace| {
        let workspace = std::fs::canonicalize(workspace).ok()?;
        let file = std::fs::canonicalize(name).ok()?;
        let relative = file.strip_prefix(workspace).ok()?;
        Some(relative.to_string_lossy().replace('\\', "/"))
    });
    Some(relative.unwrap_or_else(|| name.to_string()))
}

/// Diagnostics of one blueprint, kept for a JSON or SARIF document instead of printed.
pub struct Reported {
    /// The blueprint's path as given.
    pub name: String,
    pub text: String,
    pub diagnostics: Vec<Diagnostic>,
}

impl Reported {
    /// The diagnostics as the JSON output shows them.
    pub fn json(&self) -> Vec<serde_json::Value> {
        render::to_json(
            &self.diagnostics,
            &Source {
                name: &self.name,
                text: &self.text,
            },
        )
    }
}

/// Diagnostics kept for a document, when a command prints JSON or SARIF.
static COLLECTED: std::sync::Mutex<Option<Vec<Reported>>> = std::sync::Mutex::new(None);

/// From now on, [`print_diagnostics`] keeps diagnostics for [`collected`] instead of
/// printing them; standard output is data.
pub fn collect_diagnostics() {
    stdout_is_data();
    *COLLECTED.lock().unwrap_or_else(|e| e.into_inner()) = Some(Vec::new());
}

fn collecting() -> bool {
    COLLECTED
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .is_some()
}

/// The diagnostics kept since the last call, in the order they were reported.
pub fn collected() -> Vec<Reported> {
    COLLECTED
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .as_mut()
        .map(std::mem::take)
        .unwrap_or_default()
}

/// The JSON of every diagnostic kept since the last call.
pub fn collected_json() -> Vec<serde_json::Value> {
    collected().iter().flat_map(Reported::json).collect()
}

/// Print data as pretty JSON with a final newline.
pub fn print_json(value: &impl serde::Serialize) {
    let mut text = serde_json::to_string_pretty(value).expect("output serializes");
    text.push('\n');
    stdout(&text);
}

/// Whether what is written to standard error is coloured (`--color`, the environment and
/// whether it is a terminal, as anstream decides).
pub fn stderr_colored() -> bool {
    anstream::AutoStream::choice(&std::io::stderr()) != anstream::ColorChoice::Never
}

pub fn print_diagnostics(diagnostics: &[Diagnostic], name: &str, text: &str) {
    if diagnostics.is_empty() {
        return;
    }
    if let Some(kept) = COLLECTED.lock().unwrap_or_else(|e| e.into_inner()).as_mut() {
        kept.push(Reported {
            name: name.to_string(),
            text: text.to_string(),
            diagnostics: diagnostics.to_vec(),
        });
        return;
    }
    let shown: Vec<Diagnostic>;
    let diagnostics = if quiet() {
        shown = diagnostics
            .iter()
            .filter(|d| d.is_error())
            .cloned()
            .collect();
        if shown.is_empty() {
            return;
        }
        &shown[..]
    } else {
        diagnostics
    };
    let color = stderr_colored();
    let source = Source { name, text };
    stderr(&render::render(diagnostics, Some(&source), color));
    if ANNOTATE.load(std::sync::atomic::Ordering::Relaxed) {
        // Workflow commands are read from standard output.
        stdout(&render::render_github(
            diagnostics,
            Some(&source),
            annotation_file(name).as_deref(),
        ));
    }
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    let warnings = diagnostics.len() - errors;
    let mut summary = Vec::new();
    if errors > 0 {
        summary.push(format!(
            "{errors} error{}",
            if errors == 1 { "" } else { "s" }
        ));
    }
    if warnings > 0 {
        summary.push(format!(
            "{warnings} warning{}",
            if warnings == 1 { "" } else { "s" }
        ));
    }
    stderr(&format!("{name}: {}\n", summary.join(", ")));
}

/// Print to stdout; a closed pipe (`bulwark … | head`) is not an error worth a panic.
/// Styles (anstyle) in the text are kept only where colour is on.
pub fn stdout(text: &str) {
    let _ = anstream::AutoStream::auto(std::io::stdout().lock()).write_all(text.as_bytes());
}

pub fn stderr(text: &str) {
    let _ = anstream::AutoStream::auto(std::io::stderr().lock()).write_all(text.as_bytes());
}

/// A summary line on stdout, which `--quiet` leaves out.
pub fn status(text: &str) {
    if !quiet() {
        stdout(text);
    }
}

/// Validate a loaded blueprint, resolving diagnostics to file positions.
pub fn diagnostics_for(file: &LoadedFile, mut diagnostics: Vec<Diagnostic>) -> Vec<Diagnostic> {
    file.source_map.resolve(&mut diagnostics);
    diagnostics.sort_by_key(|d| (d.span.as_ref().map(|s| s.start), d.severity));
    diagnostics
}

pub fn default_blueprint() -> PathBuf {
    PathBuf::from("bulwark.toml")
}

/// A path as a shell word, quoted when it needs to be, for the fix command.
pub fn shell_word(text: &str) -> String {
    if !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./".contains(c))
    {
        text.to_string()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

/// The `bulwark generate` command for these paths, as shell words: `out` and `explicit_lock`
/// as they were given (relative to the blueprint's folder), so it works from where it ran.
pub fn generate_command(blueprint: &Path, out: &Path, explicit_lock: Option<&Path>) -> String {
    let mut command = format!(
        "bulwark generate {} --out {}",
        shell_word(&blueprint.display().to_string()),
        shell_word(&out.display().to_string())
    );
    if let Some(lock) = explicit_lock {
        command.push_str(&format!(
            " --lock {}",
            shell_word(&lock.display().to_string())
        ));
    }
    command
}

/// The way out of a broken manifest (a merge conflict, a bad edit): a command that writes
/// a new one. Without a lock yet, deleting the manifest would lose the address plan, so
/// restoring it comes first. `out` is the folder as bulwark found it, `out_arg` as given.
pub fn broken_manifest_help(
    blueprint: &Path,
    (out, out_arg): (&Path, &Path),
    lock: &LockFile,
    explicit_lock: Option<&Path>,
) -> String {
    let manifest = out.join(bulwark::output::MANIFEST);
    let command = format!(
        "rm {} && {} --force",
        shell_word(&manifest.display().to_string()),
        generate_command(blueprint, out_arg, explicit_lock)
    );
    let lock_path = lock.path();
    if lock.read().is_ok_and(|record| record.is_some()) {
        format!(
            "restore it from version control, or delete it and generate again: `{command}`; the address plan is kept in {}, so no subnet moves",
            lock_path.display()
        )
    } else {
        format!(
            "restore it from version control (it still holds the address plan: {} does not exist yet), then run generate; deleting it (`{command}`) may move subnets",
            lock_path.display()
        )
    }
}
