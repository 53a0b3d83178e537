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
    // Locked from reading the recorded address plan to writing the manifest.
    let out = super::beside_blueprint(&args.blueprint, &args.out);
    let lock = super::lock_out(&out, false).map_err(code)?;
    let lock_file = super::lock_file(&args.blueprint, args.lock.as_deref()).map_err(code)?;
    let inputs = match Unchanged::try_fast(&args.blueprint, &out, &lock_file) {
        Unchanged::Yes(paths) => {
            let report = output::WriteReport {
                unchanged: paths,
                ..output::WriteReport::default()
            };
            return print_written(args, &out, &report, None, &lock_file);
        }
        Unchanged::No(inputs) => inputs,
    };
    let file = super::load(&args.blueprint).map_err(code)?;
    // Files are written while they are generated, so a folder that does not exist yet is
    // created (and locked) now, and removed again should the run fail.
    // (Dropped in reverse: the folders are removed while the lock is still held.)
    let (_lock, mut created) = if lock.is_held() {
        (lock, CreatedFolders::default())
    } else {
        let created = CreatedFolders::missing(&out);
        (super::lock_out(&out, true).map_err(code)?, created)
    };
    let options = super::generation_options(&file, &out, &lock_file).map_err(code)?;
    let (staged, generated) = generate_and_stage(&out, &file, &options, &lock_file, args.force);
    let (mut streamed, report) = match generated {
        Ok(generated) => generated,
        Err(error) => {
            // What was staged is removed before the folders created for it.
            drop(staged);
            return Err(code(super::generation_failed(
                &args.blueprint,
                &file,
                error,
            )));
        }
    };
    super::print_warnings(&args.blueprint, &file, &streamed.warnings);
    // The library versions the output came from last time, to say when one changes.
    let previous_libraries = output::Manifest::read(&out)
        .ok()
        .flatten()
        .map(|manifest| manifest.libraries);
    let address_lock = output::LockWrite {
        text: output::render_lock(&streamed.address_plan, &file.label),
        file: lock_file.clone(),
    };
    streamed.manifest.inputs = record_inputs(
        &args.blueprint,
        inputs,
        &file,
        &streamed.warnings,
        &address_lock.text,
    );
    let result = staged.and_then(|mut transaction| {
        transaction.write_lock(&address_lock);
        let hash = output::hash(report.as_bytes());
        transaction.stage_with_hash(bulwark::REPORT_FILE, &report, &hash)?;
        // Only the report's hash: the other files' are in the manifest already.
        (streamed.manifest.files).insert(bulwark::REPORT_FILE.to_string(), hash);
        transaction.commit(&streamed.manifest)
    });
    let libraries = previous_libraries
        .as_ref()
        .map(|previous| library_changes(previous, &streamed.manifest.libraries))
        .unwrap_or_default();
    let outcome = match result {
        Ok(report) => {
            created.keep();
            print_written(args, &out, &report, Some(&libraries), &lock_file)
        }
        Err(error) => Err(print_failure(args, &out, error, &lock_file)),
    };
    // The process ends once this returns: the blueprint, its source map and the plan, trees
    // of many small allocations, are left for the operating system to reclaim rather than
    // freed one by one on the way out (as compilers do; about 3% of a 790-component run).
    // Only plain data: the lock and the created folders are dropped as usual.
    std::mem::forget((streamed, file));
    outcome
}

/// The transaction a generation's files were staged in, or why staging stopped.
type Staged<'a> = Result<output::Transaction<'a>, OutputError>;

/// A generation and the security report, with its files staged in a transaction as they
/// are generated: a second thread stages the files as generation hands them on (in batches), so
/// the file system's work overlaps generation's CPU (and the report's) instead of following
/// it, and the texts do not pile up in memory. (This thread generates: it allocates the
/// most; staging allocates little.) The report, which needs the stages' names, is prepared
/// beside the stage split and finished last (see [`bulwark::generate_streaming_with_report`]),
/// and staged by the caller before the commit. Should
/// generation or the report panic (a bulwark bug), the scope joins the stager first and
/// the transaction is dropped, so what was staged is removed and the folder left as it was.
fn generate_and_stage<'a>(
    out: &std::path::Path,
    file: &super::LoadedFile,
    options: &bulwark::Options,
    lock_file: &output::LockFile,
    force: bool,
) -> (
    Staged<'a>,
    Result<(bulwark::Streamed, String), bulwark::Error>,
) {
    std::thread::scope(|scope| {
        // Bounded: on a disk slower than generation, generation waits for the stager
        // instead of holding the backlog of texts in memory.
        let (sender, received) = std::sync::mpsc::sync_channel(Batches::BACKLOG);
        let stager = scope.spawn(move || stage_batches(out, lock_file, force, received));
        let mut batches = Batches::new(sender);
        let source = file.report_source();
        let generated = bulwark::generate_streaming_with_report(
            &file.blueprint,
            options,
            &source,
            &mut |file| batches.push(file),
        );
        batches.finish();
        let staged = stager
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (staged, generated)
    })
}

/// The stager: a transaction in `out` staging every file of every batch received, until
/// the sender is dropped or staging stops (an error returned; what it was sent since is
/// dropped unstaged).
fn stage_batches<'a>(
    out: &std::path::Path,
    lock_file: &output::LockFile,
    force: bool,
    received: std::sync::mpsc::Receiver<Vec<bulwark::GeneratedFile>>,
) -> Staged<'a> {
    let mut transaction = output::Transaction::begin_before_lock(out, Some(lock_file), force)?;
    for batch in received {
        for file in batch {
            transaction.stage_with_hash(&file.path, &file.text, &file.hash)?;
        }
    }
    Ok(transaction)
}

/// Generated files handed to the stager a batch at a time: a channel send per file woke
/// the (faster) stager for every file, two futex calls each; a batch of a hundred
/// kilobytes still reaches it long before generation ends, so the overlap stays.
struct Batches {
    sender: std::sync::mpsc::SyncSender<Vec<bulwark::GeneratedFile>>,
    batch: Vec<bulwark::GeneratedFile>,
    bytes: usize,
}

impl Batches {
    /// A batch is sent when it holds this many files or bytes, whichever comes first.
    const FILES: usize = 32;
    const BYTES: usize = 128 * 1024;
    /// Batches sent and not yet staged, at most: about 2 MB of text. At 790 components on
    /// ext4 slowed by recently freed inodes, the unbounded queue took peak memory from 27 to
    /// 31 MB.
    const BACKLOG: usize = 16;

    fn new(sender: std::sync::mpsc::SyncSender<Vec<bulwark::GeneratedFile>>) -> Self {
        Batches {
            sender,
            batch: Vec::new(),
            bytes: 0,
        }
    }

    fn push(&mut self, file: bulwark::GeneratedFile) {
        self.bytes += file.text.len();
        self.batch.push(file);
        if self.batch.len() >= Self::FILES || self.bytes >= Self::BYTES {
            self.send();
        }
    }

    /// A stager that stopped (an error it returns) takes no more files: they are dropped.
    fn send(&mut self) {
        let batch = std::mem::replace(&mut self.batch, Vec::with_capacity(Self::FILES));
        self.bytes = 0;
        let _ = self.sender.send(batch);
    }

    /// Send what is left; dropping the sender then ends the stager's loop.
    fn finish(mut self) {
        if !self.batch.is_empty() {
            self.send();
        }
    }
}

/// The folders a run created for its output (the output folder and any missing parent,
/// deepest first): removed again when it is dropped before [`CreatedFolders::keep`], so a
/// failed run leaves no folder that did not exist before it. Only empty folders are
/// removed: nothing anyone put there since is lost.
#[derive(Default)]
struct CreatedFolders {
    paths: Vec<PathBuf>,
}

impl CreatedFolders {
    /// The folders of `out` that do not exist yet (about to be created).
    fn missing(out: &std::path::Path) -> Self {
        let missing = |path: &std::path::Path| {
            !path.as_os_str().is_empty()
                && std::fs::symlink_metadata(path)
                    .is_err_and(|error| error.kind() == std::io::ErrorKind::NotFound)
        };
        let paths = out
            .ancestors()
            .take_while(|path| missing(path))
            .map(std::path::Path::to_path_buf)
            .collect();
        CreatedFolders { paths }
    }

    /// The run succeeded: the folders stay.
    fn keep(&mut self) {
        self.paths.clear();
    }
}

impl Drop for CreatedFolders {
    fn drop(&mut self) {
        for path in &self.paths {
            if std::fs::remove_dir(path).is_err() {
                break;
            }
        }
    }
}

impl super::LoadedFile {
    /// The text the blueprint was loaded from, for the security report to cite its lines.
    pub(super) fn report_source(&self) -> bulwark::report::Source<'_> {
        bulwark::report::Source {
            label: &self.label,
            text: &self.text,
            map: &self.source_map,
        }
    }
}

/// Whether the output folder already holds this blueprint's generation (see
/// [`output::up_to_date`]), checked before the blueprint is parsed.
pub(super) enum Unchanged {
    /// It does: the files, unchanged.
    Yes(Vec<String>),
    /// It may not: generate. The inputs as read now, to record in the manifest (`None`
    /// for a blueprint on standard input, which cannot be read twice).
    No(Option<output::InputsRead>),
}

impl Unchanged {
    pub(super) fn try_fast(
        blueprint: &std::path::Path,
        out: &std::path::Path,
        lock: &output::LockFile,
    ) -> Unchanged {
        if blueprint == std::path::Path::new("-") {
            return Unchanged::No(None);
        }
        let Ok(bytes) = super::read_blueprint(blueprint) else {
            return Unchanged::No(None);
        };
        let label = super::label(blueprint);
        let base = blueprint_folder(blueprint);
        if let Some(paths) = output::up_to_date(out, &bytes, &label, base, lock) {
            return Unchanged::Yes(paths);
        }
        Unchanged::No(Some(output::InputsRead::read(&bytes, &label, base)))
    }
}

fn blueprint_folder(blueprint: &std::path::Path) -> &std::path::Path {
    blueprint
        .parent()
        .filter(|parent| !parent.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."))
}

/// The inputs to record in the manifest, so the next run can skip generating: only when
/// they did not change while bulwark read them (read again now, compared with `before`),
/// the generation had no warnings (the fast path prints none) and no waivers (whose
/// expiry depends on the date, not on the files).
fn record_inputs(
    blueprint: &std::path::Path,
    before: Option<output::InputsRead>,
    file: &super::LoadedFile,
    warnings: &[bulwark::Diagnostic],
    lock_text: &str,
) -> Option<output::Inputs> {
    let before = before?;
    if !warnings.is_empty() || !file.blueprint.waivers.is_empty() {
        return None;
    }
    let bytes = super::read_blueprint(blueprint).ok()?;
    let after = output::InputsRead::read(&bytes, &file.label, blueprint_folder(blueprint));
    (after == before).then(|| before.inputs(Some(lock_text)))
}

/// Say what was written: the JSON document, or the summary (and, verbose, every file).
/// `libraries` (the changes in library versions) is `None` when nothing was generated
/// because the folder was up to date.
fn print_written(
    args: &Args,
    out: &std::path::Path,
    report: &output::WriteReport,
    libraries: Option<&[String]>,
    lock_file: &output::LockFile,
) -> Result<(), (u8, Option<String>)> {
    if args.format == Format::Json {
        let libraries = libraries.unwrap_or_default();
        super::print_json(&document(args, out, Some(report), libraries, None));
        return Ok(());
    }
    let out = out.display();
    if super::verbose() {
        if libraries.is_none() {
            super::stdout(&format!(
                "{out}: inputs unchanged since the last generation, files verified by hash\n"
            ));
        }
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
    for line in libraries.unwrap_or_default() {
        super::status(&format!("{out}: {line}\n"));
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

/// Say why writing failed, with the way out; the exit code and, for JSON, the message.
fn print_failure(
    args: &Args,
    out: &std::path::Path,
    error: OutputError,
    lock_file: &output::LockFile,
) -> (u8, Option<String>) {
    let code = match error {
        OutputError::NotOwned { .. } | OutputError::EditedByHand { .. } => exit::INVALID,
        _ => exit::IO,
    };
    let help = match &error {
        OutputError::NotOwned { .. } => {
            Some("move them away, or pass --force to overwrite them".to_string())
        }
        OutputError::EditedByHand { .. } => Some(
            "`bulwark check` shows the edits; put them in the blueprint, then pass --force to replace the files"
                .to_string(),
        ),
        OutputError::BadManifest { .. } => Some(super::broken_manifest_help(
            &args.blueprint,
            (out, &args.out),
            lock_file,
            args.lock.as_deref(),
        )),
        _ => None,
    };
    if args.format == Format::Json {
        // The JSON error carries the way out of a broken manifest (the others are refusals
        // the document's lists explain).
        let mut message = error.to_string();
        if let (OutputError::BadManifest { .. }, Some(help)) = (&error, &help) {
            message.push_str(&format!("; {help}"));
        }
        super::stderr(&format!("error: {message}\n"));
        return (code, Some(message));
    }
    match help {
        Some(help) => super::stderr(&format!("error: {error}\n  help: {help}\n")),
        None => super::stderr(&format!("error: {error}\n")),
    }
    (code, None)
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
