//! Writing a file set into a directory with its manifest: the list of files bulwark owns and
//! their hashes, so a later run can replace its own files, remove the ones it no longer
//! generates and refuse to overwrite anything it did not write.

mod check;
mod lock;

use crate::confined::{Folder, check_relative, stage};
pub use check::{ChangedFile, Drift, check, normalize, unified_diff};
pub use lock::{LockFile, parse as parse_lock, render as render_lock};

use crate::emit::{FileSet, GENERATOR};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

/// The manifest's file name in the output folder.
pub const MANIFEST: &str = ".bulwark-manifest.json";

/// `.bulwark-manifest.json`: which files in the output folder bulwark wrote, with their
/// hashes, so the next run replaces exactly those and refuses to touch anything else.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// The bulwark version that wrote the files, e.g. `bulwark 0.1.0`.
    pub generator: String,
    /// The blueprint the files came from, as the header of each file names it.
    pub blueprint: String,
    /// Blueprint libraries the output came from: name → version.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub libraries: BTreeMap<String, String>,
    /// Path → `sha256:<hex>` of the content as generated (LF line endings).
    pub files: BTreeMap<String, String>,
    /// Environment → subnet → range, as manifests before the address plan lock recorded it:
    /// read (when there is no lock yet) so upgrading moves no subnet, never written again.
    #[serde(default, skip_serializing)]
    pub address_plan: crate::plan::AddressRecord,
}

impl Manifest {
    /// The manifest of a generation: each file's hash, this generator, the blueprint's label
    /// and the libraries it used.
    pub fn for_files(
        files: &FileSet,
        blueprint_label: &str,
        libraries: &BTreeMap<String, String>,
    ) -> Self {
        Manifest {
            generator: GENERATOR.to_string(),
            blueprint: blueprint_label.to_string(),
            libraries: libraries.clone(),
            files: files
                .files
                .iter()
                .map(|(path, text)| (path.clone(), hash(text.as_bytes())))
                .collect(),
            address_plan: BTreeMap::new(),
        }
    }

    /// The manifest as written: pretty JSON with a final newline.
    pub fn render(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).expect("a manifest always serializes");
        text.push('\n');
        text
    }

    /// The address plan to keep: the lock's, else (before the first generation that writes
    /// a lock) the one an older manifest in `dir` recorded. A broken lock is an error; a
    /// broken manifest is reported when the folder is written or checked.
    pub fn previous_address_plan(
        dir: &Path,
        lock: Option<&LockFile>,
    ) -> Result<crate::plan::AddressRecord, OutputError> {
        if let Some(record) = lock.map(LockFile::read).transpose()?.flatten() {
            return Ok(record);
        }
        Ok(match Manifest::read(dir) {
            Ok(Some(manifest)) => manifest.address_plan,
            _ => BTreeMap::new(),
        })
    }

    /// The manifest in `dir`: `None` when there is none (a fresh folder), an error when it
    /// cannot be read or parsed.
    pub fn read(dir: &Path) -> Result<Option<Manifest>, OutputError> {
        match Folder::open(dir).map_err(io_error(dir))? {
            Some(folder) => Manifest::read_in(&folder),
            None => Ok(None),
        }
    }

    /// The manifest of an open folder. A manifest that lists a path outside the folder (a
    /// merge or a pull request could put `../x` there) is refused as a whole: bulwark never
    /// deletes or reports what it names.
    pub(crate) fn read_in(folder: &Folder) -> Result<Option<Manifest>, OutputError> {
        let path = folder.display(MANIFEST);
        let Some(bytes) = folder.read(MANIFEST).map_err(io_error(&path))? else {
            return Ok(None);
        };
        let text = normalize(&String::from_utf8_lossy(&bytes));
        if let Some(line) = conflict_markers(&text) {
            return Err(OutputError::BadManifest {
                path,
                message: format!("it has merge conflict markers (line {line})"),
            });
        }
        let manifest: Manifest =
            serde_json::from_str(&text).map_err(|error| OutputError::BadManifest {
                path: path.clone(),
                message: error.to_string(),
            })?;
        refuse_outside(&path, manifest.files.keys())?;
        Ok(Some(manifest))
    }
}

/// The line of the first merge conflict marker in `text` (`<<<<<<< `, `=======`,
/// `>>>>>>> ` at the start of a line), if any.
pub(crate) fn conflict_markers(text: &str) -> Option<usize> {
    text.lines()
        .position(|line| {
            line.starts_with("<<<<<<<") || line == "=======" || line.starts_with(">>>>>>>")
        })
        .map(|index| index + 1)
}

/// A manifest or journal naming a path outside the output folder is not trusted at all.
fn refuse_outside<'a>(
    path: &Path,
    listed: impl IntoIterator<Item = &'a String>,
) -> Result<(), OutputError> {
    for listed in listed {
        check_relative(listed).map_err(|problem| OutputError::BadManifest {
            path: path.to_path_buf(),
            message: format!(
                "it lists a file outside the output folder: {problem}; restore it from version control"
            ),
        })?;
    }
    Ok(())
}

/// `sha256:<hex>` of `bytes`, as the manifest records each file.
pub fn hash(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut hex = String::with_capacity(71);
    hex.push_str("sha256:");
    for byte in digest {
        hex.push_str(&format!("{byte:02x}"));
    }
    hex
}

/// Why writing or checking an output folder failed.
#[derive(Debug)]
pub enum OutputError {
    /// Files bulwark would overwrite that it did not generate.
    NotOwned {
        /// The paths, relative to the output folder.
        paths: Vec<String>,
    },
    /// Files bulwark wrote and would now replace, but that were edited by hand since.
    EditedByHand {
        /// The paths, relative to the output folder.
        paths: Vec<String>,
    },
    /// The manifest in the output folder cannot be read as one (e.g. a merge conflict in it).
    BadManifest {
        /// The manifest's path.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// The address plan lock beside the blueprint cannot be read as one.
    BadLock {
        /// The lock's path.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// Reading or writing a file or folder failed.
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The error the operating system reported.
        error: io::Error,
    },
}

impl fmt::Display for OutputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OutputError::NotOwned { paths } => write!(
                f,
                "refusing to overwrite {} that bulwark did not generate: {}",
                if paths.len() == 1 { "a file" } else { "files" },
                paths.join(", ")
            ),
            OutputError::EditedByHand { paths } => write!(
                f,
                "refusing to replace {} edited by hand since bulwark wrote {}: {}",
                if paths.len() == 1 { "a file" } else { "files" },
                if paths.len() == 1 { "it" } else { "them" },
                paths.join(", ")
            ),
            OutputError::BadManifest { path, message } => {
                write!(f, "{} is not a bulwark manifest: {message}", path.display())
            }
            OutputError::BadLock { path, message } => write!(
                f,
                "{} is not a bulwark address plan lock: {message}",
                path.display()
            ),
            OutputError::Io { path, error } => write!(f, "{}: {error}", path.display()),
        }
    }
}

impl std::error::Error for OutputError {}

/// What [`write()`] did, file by file (paths relative to the output folder).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct WriteReport {
    /// Files created or replaced.
    pub written: Vec<String>,
    /// Files whose content was already what was generated, left untouched.
    pub unchanged: Vec<String>,
    /// Files bulwark wrote before and no longer generates, removed.
    pub removed: Vec<String>,
    /// Files bulwark no longer generates but that were edited by hand, so are left in place.
    pub kept: Vec<String>,
    /// Whether the address plan lock was written (it changed).
    pub lock_written: bool,
}

fn io_error(path: &Path) -> impl FnOnce(io::Error) -> OutputError + '_ {
    move |error| OutputError::Io {
        path: path.to_path_buf(),
        error,
    }
}

/// The address plan lock a generation writes beside its blueprint, and its text.
#[derive(Debug, Clone)]
pub struct LockWrite {
    /// Where the lock goes.
    pub file: LockFile,
    /// Its content, from [`render_lock`].
    pub text: String,
}

/// Write `files` under `dir`, and the address plan `lock` beside the blueprint, as one
/// commit (see `Journal`). Every file is staged in a fresh temporary file beside its
/// target and renamed into place; the manifest is written last. Every path is resolved
/// beneath `dir`, the lock beneath its own folder (see [`crate::confined`]).
pub fn write(
    dir: &Path,
    files: &FileSet,
    manifest: &Manifest,
    lock: Option<&LockWrite>,
    force: bool,
) -> Result<WriteReport, OutputError> {
    check_generated_paths(files);
    let folder = Folder::create(dir).map_err(io_error(dir))?;
    write_folder(&folder, files, manifest, lock, force)
}

/// Write `files` into the folder `sub` of `dir`, as [`write()`] writes into `dir`, with the
/// manifest in `sub`. `sub` is resolved beneath `dir`: a symlink there pointing outside it
/// is refused, so nothing is written outside `dir`.
pub fn write_beneath(
    dir: &Path,
    sub: &str,
    files: &FileSet,
    manifest: &Manifest,
    force: bool,
) -> Result<WriteReport, OutputError> {
    if let Err(problem) = check_relative(sub) {
        panic!("bulwark bug: output subfolder {problem}");
    }
    check_generated_paths(files);
    let folder = Folder::create(dir)
        .and_then(|parent| parent.subfolder(sub))
        .map_err(io_error(&dir.join(sub)))?;
    write_folder(&folder, files, manifest, None, force)
}

fn check_generated_paths(files: &FileSet) {
    for path in files.files.keys() {
        if let Err(problem) = check_relative(path) {
            panic!("bulwark bug: generated path {problem}");
        }
    }
}

fn write_folder(
    folder: &Folder,
    files: &FileSet,
    manifest: &Manifest,
    lock: Option<&LockWrite>,
    force: bool,
) -> Result<WriteReport, OutputError> {
    let lock_file = lock.map(|lock| &lock.file);
    if let Some(journal) = Journal::read(folder)? {
        journal.apply(folder, lock_file)?;
    }
    let previous = Manifest::read_in(folder)?;
    let recorded = |path: &str| previous.as_ref().and_then(|m| m.files.get(path));
    let mut report = WriteReport::default();
    let mut not_owned = Vec::new();
    let mut edited = Vec::new();
    let mut to_write = Vec::new();
    for (path, text) in &files.files {
        let shown = folder.display(path);
        match folder.read(path).map_err(io_error(&shown))? {
            Some(existing) if existing == text.as_bytes() => report.unchanged.push(path.clone()),
            Some(_) if force => to_write.push((path, text)),
            Some(existing) => match recorded(path) {
                None => not_owned.push(path.clone()),
                Some(hash) if !unchanged_since(&existing, hash) => edited.push(path.clone()),
                Some(_) => to_write.push((path, text)),
            },
            None => to_write.push((path, text)),
        }
    }
    if !not_owned.is_empty() {
        return Err(OutputError::NotOwned { paths: not_owned });
    }
    if !edited.is_empty() {
        return Err(OutputError::EditedByHand { paths: edited });
    }

    let mut removals = Vec::new();
    if let Some(previous) = &previous {
        for (path, recorded) in &previous.files {
            if files.files.contains_key(path) {
                continue;
            }
            let shown = folder.display(path);
            match folder.read(path) {
                Ok(Some(existing)) if unchanged_since(&existing, recorded) => {
                    removals.push(path.clone());
                }
                Ok(Some(_)) => report.kept.push(path.clone()),
                Ok(None) => {}
                Err(error) => return Err(OutputError::Io { path: shown, error }),
            }
        }
    }
    // The lock is rewritten only when the plan it records changed.
    let lock_text = match lock {
        Some(lock) if lock.file.read_text()?.as_deref() != Some(lock.text.as_str()) => {
            Some(JournalLock {
                name: lock.file.name.clone(),
                text: lock.text.clone(),
            })
        }
        _ => None,
    };
    let journal = JournalRef {
        lock: lock_text.as_ref(),
        // Borrowed, not copied: the file set can be most of the memory a generation uses.
        write: to_write
            .iter()
            .map(|(path, text)| (path.as_str(), text.as_str()))
            .collect(),
        remove: &removals,
        manifest: manifest.render(),
    };
    journal.commit(folder, lock_file)?;
    report.lock_written = journal.lock.is_some();
    report.written = to_write.iter().map(|(path, _)| (*path).clone()).collect();
    report.removed = removals;
    Ok(report)
}

/// The file recording a generation being committed: written before the first file is
/// replaced and removed after the manifest, so an interrupted `generate` (a kill, a full
/// disk) is finished by the next one and the folder is never left half old, half new.
pub const JOURNAL: &str = ".bulwark-commit.json";

/// Everything a commit changes, self-contained so the next run can redo it.
#[derive(Debug, Serialize, Deserialize)]
struct Journal {
    /// The address plan lock to write beside the blueprint, first, so no file uses a range
    /// the lock does not record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    lock: Option<JournalLock>,
    /// Path → new content.
    write: BTreeMap<String, String>,
    /// Paths bulwark wrote earlier, unchanged since, that this generation no longer has.
    remove: Vec<String>,
    /// The new manifest, written last.
    manifest: String,
}

/// The lock a journal writes. Only its name is recorded, never a path: it is written into
/// the folder of the blueprint being generated, and only when the names agree, so a
/// journal (tampered or from another blueprint) cannot direct a write anywhere else.
#[derive(Debug, Serialize, Deserialize)]
struct JournalLock {
    name: String,
    text: String,
}

/// A [`Journal`] as a commit records it, borrowing the file set (the same JSON).
#[derive(Serialize)]
struct JournalRef<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    lock: Option<&'a JournalLock>,
    write: BTreeMap<&'a str, &'a str>,
    remove: &'a [String],
    manifest: String,
}

impl JournalRef<'_> {
    /// Record the journal, then apply it.
    fn commit(&self, folder: &Folder, lock: Option<&LockFile>) -> Result<(), OutputError> {
        let text = serde_json::to_vec(self).expect("a journal always serializes");
        replace(folder, JOURNAL, &text)?;
        drop(text);
        apply_journal(
            folder,
            lock,
            self.lock,
            self.write.iter().map(|(path, text)| (*path, *text)),
            self.remove,
            &self.manifest,
        )
    }
}

impl Journal {
    /// Write the lock, replace and remove the files, write the manifest, drop the journal.
    /// Every step is idempotent, so applying a journal again after an interruption is safe.
    fn apply(&self, folder: &Folder, lock: Option<&LockFile>) -> Result<(), OutputError> {
        apply_journal(
            folder,
            lock,
            self.lock.as_ref(),
            self.write
                .iter()
                .map(|(path, text)| (path.as_str(), text.as_str())),
            &self.remove,
            &self.manifest,
        )
    }

    /// The journal an interrupted commit left in the folder, if any. Its paths are checked
    /// like a manifest's: a tampered journal never reaches outside the folder.
    fn read(folder: &Folder) -> Result<Option<Journal>, OutputError> {
        let path = folder.display(JOURNAL);
        let Some(bytes) = folder.read(JOURNAL).map_err(io_error(&path))? else {
            return Ok(None);
        };
        let journal: Journal =
            serde_json::from_slice(&bytes).map_err(|error| OutputError::BadManifest {
                path: path.clone(),
                message: format!("an interrupted generation's journal is unreadable: {error}"),
            })?;
        refuse_outside(&path, journal.write.keys().chain(&journal.remove))?;
        Ok(Some(journal))
    }
}

/// Write the lock, replace and remove the files, write the manifest, drop the journal.
/// Every step is idempotent, so applying a journal again after an interruption is safe.
fn apply_journal<'a>(
    folder: &Folder,
    lock: Option<&LockFile>,
    recorded_lock: Option<&JournalLock>,
    write: impl Iterator<Item = (&'a str, &'a str)>,
    remove: &[String],
    manifest: &str,
) -> Result<(), OutputError> {
    let mut steps = CrashPoint::from_env();
    if let (Some(recorded), Some(lock)) = (recorded_lock, lock)
        && recorded.name == lock.name
    {
        steps.step();
        let path = lock.path();
        let beside = Folder::create(&lock.folder).map_err(io_error(&path))?;
        replace(&beside, &lock.name, recorded.text.as_bytes())
            .map_err(|error| relabel(error, &path))?;
    }
    for (path, text) in write {
        steps.step();
        replace(folder, path, text.as_bytes())?;
        remove_legacy_staging(folder, path);
    }
    for path in remove {
        steps.step();
        match folder.remove_file(path) {
            Ok(()) => {}
            Err(error) if error.kind() == io::ErrorKind::NotFound => {}
            Err(error) => return Err(io_error(&folder.display(path))(error)),
        }
        steps.step();
    }
    steps.step();
    replace(folder, MANIFEST, manifest.as_bytes())?;
    remove_legacy_staging(folder, MANIFEST);
    steps.step();
    folder
        .remove_file(JOURNAL)
        .map_err(io_error(&folder.display(JOURNAL)))
}

/// Finish a generation an earlier run was interrupted in, if there is one in `dir`.
pub fn recover(dir: &Path) -> Result<bool, OutputError> {
    let Some(folder) = Folder::open(dir).map_err(io_error(dir))? else {
        return Ok(false);
    };
    match Journal::read(&folder)? {
        Some(journal) => journal.apply(&folder, None).map(|()| true),
        None => Ok(false),
    }
}

/// Whether `dir` holds the journal of an interrupted generation.
pub fn interrupted(dir: &Path) -> bool {
    matches!(Folder::open(dir), Ok(Some(folder)) if folder.exists(JOURNAL))
}

/// An I/O error about `path` (e.g. the lock, whose folder's display is not its own).
fn relabel(error: OutputError, path: &Path) -> OutputError {
    match error {
        OutputError::Io { error, .. } => OutputError::Io {
            path: path.to_path_buf(),
            error,
        },
        other => other,
    }
}

/// Write `bytes` to `path` through a fresh temporary file renamed over it.
fn replace(folder: &Folder, path: &str, bytes: &[u8]) -> Result<(), OutputError> {
    let shown = folder.display(path);
    let (parent, name) = folder.parent_of(path).map_err(io_error(&shown))?;
    if let Some(error) = injected_write_error() {
        // Half the bytes reach the temporary file, as on a disk that fills up; it is
        // dropped (and so removed) with the error.
        let partial = stage(&parent, &bytes[..bytes.len() / 2]);
        drop(partial);
        return Err(io_error(&shown)(error));
    }
    stage(&parent, bytes)
        .and_then(|file| file.replace(&name))
        .map_err(io_error(&shown))
}

/// A test hook for the crash tests: with `BULWARK_FAIL_WRITE=N` in the environment, the
/// file write number N of the process (0 is the first: a commit's journal) and every one
/// after it fail, as on a disk that is full.
fn injected_write_error() -> Option<io::Error> {
    use std::sync::atomic::{AtomicU64, Ordering};
    static WRITES: AtomicU64 = AtomicU64::new(0);
    let fail_from: u64 = std::env::var("BULWARK_FAIL_WRITE").ok()?.parse().ok()?;
    let write = WRITES.fetch_add(1, Ordering::SeqCst);
    (write >= fail_from).then(|| {
        io::Error::new(
            io::ErrorKind::StorageFull,
            "no space left on device (injected by BULWARK_FAIL_WRITE)",
        )
    })
}

/// A test hook for the crash tests: with `BULWARK_CRASH_AFTER=N` in the environment, the
/// process aborts after N steps of a commit (a step replaces or removes one file or writes
/// the manifest), as a kill or power loss would stop it.
struct CrashPoint(Option<u64>);

impl CrashPoint {
    fn from_env() -> Self {
        CrashPoint(
            std::env::var("BULWARK_CRASH_AFTER")
                .ok()
                .and_then(|value| value.parse().ok()),
        )
    }

    fn step(&mut self) {
        if let Some(left) = &mut self.0 {
            if *left == 0 {
                std::process::abort();
            }
            *left -= 1;
        }
    }
}

/// Whether `existing` is what bulwark wrote when it recorded `recorded`; a CRLF checkout of
/// it still is.
fn unchanged_since(existing: &[u8], recorded: &str) -> bool {
    hash(existing) == recorded
        || hash(normalize(&String::from_utf8_lossy(existing)).as_bytes()) == recorded
}

/// Earlier versions staged each file at the fixed name `.<name>.bulwark-tmp` beside it; one
/// left by an interrupted run is removed (a symlink there is unlinked, never followed).
fn remove_legacy_staging(folder: &Folder, path: &str) {
    let legacy = match path.rsplit_once('/') {
        Some((parent, name)) => format!("{parent}/.{name}.bulwark-tmp"),
        None => format!(".{path}.bulwark-tmp"),
    };
    if folder.exists(&legacy) {
        let _ = folder.remove_file(&legacy);
    }
}

/// An exclusive lock on an output folder, held while a command reads and writes it, so two
/// runs of `generate` (or `generate` and `check`) never interleave. Released on drop.
#[derive(Debug)]
pub struct FolderLock {
    _handle: Option<std::fs::File>,
}

impl FolderLock {
    /// Whether a lock is held (a missing folder, or a platform without folder locks, has none).
    pub fn is_held(&self) -> bool {
        self._handle.is_some()
    }
}

/// Another process holds the folder's lock; [`PendingLock::wait`] blocks until it is free.
#[derive(Debug)]
pub struct PendingLock {
    handle: std::fs::File,
    path: PathBuf,
}

impl PendingLock {
    /// Block until the other process releases the folder, then hold its lock.
    pub fn wait(self) -> Result<FolderLock, OutputError> {
        self.handle.lock().map_err(io_error(&self.path))?;
        Ok(FolderLock {
            _handle: Some(self.handle),
        })
    }
}

/// The outcome of [`lock`]: the folder's lock, or a handle to wait for it.
pub enum LockAttempt {
    /// The lock is held until the [`FolderLock`] is dropped.
    Locked(FolderLock),
    /// Another process holds it; wait with [`PendingLock::wait`] (or give up).
    Busy(PendingLock),
}

/// Try to lock the folder `dir` (an advisory `flock` on the folder itself, so no lock file
/// appears in it). `create` makes the folder first; without it a missing folder needs no
/// lock. Platforms that cannot lock a folder run unlocked.
pub fn lock(dir: &Path, create: bool) -> Result<LockAttempt, OutputError> {
    if create {
        crate::confined::create_dir_all(dir).map_err(io_error(dir))?;
    }
    let handle = match std::fs::File::open(dir) {
        Ok(handle) => handle,
        Err(error) if error.kind() == io::ErrorKind::NotFound && !create => {
            return Ok(LockAttempt::Locked(FolderLock { _handle: None }));
        }
        Err(_) if cfg!(not(unix)) => return Ok(LockAttempt::Locked(FolderLock { _handle: None })),
        Err(error) => {
            return Err(OutputError::Io {
                path: dir.to_path_buf(),
                error,
            });
        }
    };
    match handle.try_lock() {
        Ok(()) => Ok(LockAttempt::Locked(FolderLock {
            _handle: Some(handle),
        })),
        Err(std::fs::TryLockError::WouldBlock) => Ok(LockAttempt::Busy(PendingLock {
            handle,
            path: dir.to_path_buf(),
        })),
        Err(std::fs::TryLockError::Error(error)) if error.kind() == io::ErrorKind::Unsupported => {
            Ok(LockAttempt::Locked(FolderLock { _handle: None }))
        }
        Err(std::fs::TryLockError::Error(error)) => Err(OutputError::Io {
            path: dir.to_path_buf(),
            error,
        }),
    }
}
