//! Committing a generation as one step: every new file is staged under a folder of the
//! output folder, a small journal (paths and hashes, never contents) records what the
//! commit does, then the staged files are renamed into place, old ones removed and the
//! manifest renamed in last. An interrupted commit is finished by the next run from the
//! journal; one interrupted before its journal was written is rolled back (the staging
//! folder is removed), so the folder is never left half old, half new.
//!
//! No file is fsynced: the guarantee holds against a killed process and a failed write (a
//! full disk). After a power loss or an operating-system crash a renamed file may not have
//! reached the disk; its hash then no longer matches the manifest, so `check` reports it
//! and recovery refuses to finish a commit whose staged file is lost.

use super::listing::Listing;
use super::{LockFile, MANIFEST, OutputError, hash, io_error, refuse_outside};
use crate::confined::{Folder, stage};
use crate::counters::{self, Counter};
use serde::{Deserialize, Serialize};
use std::io;

/// The file recording a generation being committed: written once every new file is
/// staged, before the first one is renamed into place, and removed after the manifest.
pub const JOURNAL: &str = ".bulwark-commit.json";

/// The folder new files are staged in (as `0`, `1`, … in the journal's order, and
/// `manifest`; those of a folder the output folder lacks in `d0`, `d1`, …) before they are
/// renamed into place.
pub const STAGING: &str = ".bulwark-staging";

/// The staged manifest's name in [`STAGING`].
const STAGED_MANIFEST: &str = "manifest";

/// What a commit changes: small and self-contained, so the next run can finish it.
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct Journal {
    /// The journal's format: 2 records hashes of staged files (1 held their contents); 3
    /// adds `folders` (a journal without any is written as 2, which older versions read).
    version: u32,
    /// The address plan lock to write beside the blueprint, first, so no file uses a range
    /// the lock does not record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lock: Option<JournalLock>,
    /// Path → hash of its new content, staged in [`STAGING`] under its index here.
    pub write: Vec<(String, String)>,
    /// Folders of the output folder (top-level names) that did not exist when the files
    /// were staged: the files of the `n`th are staged in `d<n>` of [`STAGING`] under their
    /// path inside it, and the folder is renamed into place whole, one rename for all of
    /// them, when the output folder still has nothing of its name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub folders: Vec<String>,
    /// Paths bulwark wrote earlier, unchanged since, that this generation no longer has.
    pub remove: Vec<String>,
    /// The new manifest's hash, staged as [`STAGED_MANIFEST`].
    pub manifest: String,
}

/// The lock a journal writes. Only its name is recorded, never a path: it is written into
/// the folder of the blueprint being generated, and only when the names agree, so a
/// journal (tampered or from another blueprint) cannot direct a write anywhere else.
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct JournalLock {
    pub name: String,
    pub text: String,
}

const VERSION: u32 = 3;

/// The version of a journal without `folders`, as versions before 3 wrote and read it.
const VERSION_WITHOUT_FOLDERS: u32 = 2;

/// The files of a commit staged so far: the staging folder, created with the first file
/// (a generation that changes nothing creates none), and each file's path and hash in the
/// order staged, which names it there.
#[derive(Default)]
pub(super) struct Staging {
    folder: Option<Folder>,
    /// Path → hash of its new content, in the order staged: the journal's `write`.
    pub recorded: Vec<(String, String)>,
    /// The journal's `folders`, each with its staging folder (`d<index>`) open.
    folders: Vec<(String, Folder)>,
}

impl Staging {
    /// Write `text`, the new content of `path` whose [`hash`] is `hashed`, into the
    /// staging folder; with `fresh`, `path`'s top folder (which the output folder lacks),
    /// into that folder's staging folder, to be renamed into place whole.
    pub fn add(
        &mut self,
        folder: &Folder,
        path: &str,
        text: &str,
        hashed: String,
        fresh: Option<&str>,
    ) -> Result<(), OutputError> {
        let shown = || folder.display(path);
        match fresh.and_then(|top| Some((top, path.strip_prefix(top)?.strip_prefix('/')?))) {
            Some((top, inside)) => {
                let staged = self.open_folder(folder, top)?;
                write_staged(staged, inside, text.as_bytes()).map_err(io_error(&shown()))?;
            }
            None => {
                let name = self.recorded.len().to_string();
                write_staged(self.open(folder)?, &name, text.as_bytes())
                    .map_err(io_error(&shown()))?;
            }
        }
        self.recorded.push((path.to_string(), hashed));
        Ok(())
    }

    /// The staging folder of the output folder's missing folder `top`, created on first use.
    fn open_folder(&mut self, folder: &Folder, top: &str) -> Result<&Folder, OutputError> {
        let index = match self.folders.iter().position(|(name, _)| name == top) {
            Some(index) => index,
            None => {
                let name = staged_folder_name(self.folders.len());
                let staged = self
                    .open(folder)?
                    .subfolder(&name)
                    .map_err(io_error(&folder.display(STAGING).join(&name)))?;
                self.folders.push((top.to_string(), staged));
                self.folders.len() - 1
            }
        };
        Ok(&self.folders[index].1)
    }

    /// The staging folder, created fresh on first use (one an earlier run left is removed).
    fn open(&mut self, folder: &Folder) -> Result<&Folder, OutputError> {
        if self.folder.is_none() {
            discard_staging(folder);
            let staging = folder.subfolder(STAGING).map_err(|error| {
                // Whatever part of it was created goes too.
                discard_staging(folder);
                io_error(&folder.display(STAGING))(error)
            })?;
            self.folder = Some(staging);
        }
        Ok(self.folder.as_ref().expect("opened above"))
    }

    /// Remove what was staged (nothing when nothing was): the commit is abandoned.
    pub fn discard(&mut self, folder: &Folder) {
        self.folders.clear();
        if self.folder.take().is_some() {
            discard_staging(folder);
        }
    }
}

/// The name in [`STAGING`] of the journal's `index`th folder.
fn staged_folder_name(index: usize) -> String {
    format!("d{index}")
}

/// Stage the manifest beside the files already `staged`, record the journal, then apply
/// it. A failure before the journal is recorded removes what was staged, leaving the
/// folder as it was.
pub(super) fn commit(
    folder: &Folder,
    lock: Option<&LockFile>,
    recorded_lock: Option<JournalLock>,
    mut staged: Staging,
    remove: Vec<String>,
    manifest: &str,
) -> Result<(), OutputError> {
    let manifest_staged = staged.open(folder).and_then(|staging| {
        write_staged(staging, STAGED_MANIFEST, manifest.as_bytes())
            .map_err(io_error(&folder.display(MANIFEST)))
    });
    if let Err(error) = manifest_staged {
        staged.discard(folder);
        return Err(error);
    }
    let folders: Vec<String> = staged.folders.drain(..).map(|(name, _)| name).collect();
    let journal = Journal {
        version: match folders.is_empty() {
            true => VERSION_WITHOUT_FOLDERS,
            false => VERSION,
        },
        lock: recorded_lock,
        write: std::mem::take(&mut staged.recorded),
        folders,
        remove,
        manifest: hash(manifest.as_bytes()),
    };
    let mut steps = CrashPoint::from_env();
    // Killed here, the next run finds a staging folder and no journal: it removes it.
    steps.step();
    let text = serde_json::to_vec(&journal).expect("a journal always serializes");
    if let Err(error) = replace(folder, JOURNAL, &text) {
        staged.discard(folder);
        return Err(error);
    }
    // From here the journal finishes the commit, now or in the next run: `apply` removes
    // the staging folder itself, after its last rename.
    drop(staged);
    journal.apply(folder, lock, false, &mut steps)
}

/// A new file in the staging folder (`O_CREAT | O_EXCL`: nothing there is followed).
fn write_staged(staging: &Folder, name: &str, bytes: &[u8]) -> io::Result<()> {
    if let Some(error) = injected_write_error() {
        // Half the bytes reach the file, as on a disk that fills up.
        let _ = staging.write_new(name, &bytes[..bytes.len() / 2]);
        return Err(error);
    }
    staging.write_new(name, bytes)
}

/// Remove a staging folder a commit left before writing its journal (a symlink there is
/// unlinked, never followed).
pub(super) fn discard_staging(folder: &Folder) {
    if folder.exists(STAGING) && folder.remove_file(STAGING).is_err() {
        let _ = folder.remove_dir_all(STAGING);
    }
}

impl Journal {
    /// Write the lock, rename the staged files into place, remove the old ones, rename the
    /// manifest in, drop the staging folder and the journal. Every step is idempotent, so
    /// applying a journal again after an interruption is safe; in `recovering`, each staged
    /// file is checked against its hash before it is renamed.
    fn apply(
        &self,
        folder: &Folder,
        lock: Option<&LockFile>,
        recovering: bool,
        steps: &mut CrashPoint,
    ) -> Result<(), OutputError> {
        if let (Some(recorded), Some(lock)) = (&self.lock, lock)
            && recorded.name == lock.name
        {
            steps.step();
            let path = lock.path();
            let beside = Folder::create(&lock.folder).map_err(io_error(&path))?;
            replace(&beside, &lock.name, recorded.text.as_bytes())
                .map_err(|error| relabel(error, &path))?;
        }
        let staging = folder
            .subfolder(STAGING)
            .map_err(io_error(&folder.display(STAGING)))?;
        let mut last_folder = None;
        // Each folder listed once, for the legacy staging names an old run left there.
        let mut listing = Listing::default();
        let whole = self.place_folders(folder, &staging, recovering, steps);
        let mut placing = Placing {
            folder,
            staging: &staging,
            recovering,
            last_folder: &mut last_folder,
            listing: &mut listing,
        };
        self.place_files(&mut placing, &whole, steps)?;
        for path in &self.remove {
            steps.step();
            match folder.remove_file(path) {
                Ok(()) => {}
                Err(error) if error.kind() == io::ErrorKind::NotFound => {}
                Err(error) => return Err(io_error(&folder.display(path))(error)),
            }
            steps.step();
        }
        steps.step();
        let staged = Staged {
            staging: &staging,
            name: STAGED_MANIFEST,
            recorded: &self.manifest,
        };
        place(folder, staged, MANIFEST, recovering, &mut last_folder)?;
        super::write::remove_legacy_staging(folder, MANIFEST, &mut listing);
        steps.step();
        drop(staging);
        discard_staging(folder);
        folder
            .remove_file(JOURNAL)
            .map_err(io_error(&folder.display(JOURNAL)))
    }

    /// Rename each of `folders` into place whole, one rename for all its files, when the
    /// output folder still has nothing of its name (the system would replace an empty
    /// folder that appeared since, never a non-empty one). Which were: the files of the
    /// others are placed one by one. Not when `recovering`: each file is then checked
    /// against its hash, and only the files the journal lists leave the staging folder.
    fn place_folders(
        &self,
        folder: &Folder,
        staging: &Folder,
        recovering: bool,
        steps: &mut CrashPoint,
    ) -> Vec<bool> {
        let mut whole = Vec::with_capacity(self.folders.len());
        for (index, name) in self.folders.iter().enumerate() {
            steps.step();
            let renamed = !recovering
                && !folder.exists(name)
                && staging
                    .rename_entry_to(&staged_folder_name(index), folder, name)
                    .is_ok();
            if renamed {
                counters::add(Counter::OutputRenames, 1);
            }
            whole.push(renamed);
        }
        whole
    }

    /// Rename each staged file into place, but those of the folders renamed `whole`.
    fn place_files(
        &self,
        placing: &mut Placing<'_, '_>,
        whole: &[bool],
        steps: &mut CrashPoint,
    ) -> Result<(), OutputError> {
        let mut opened: Vec<Option<Folder>> = self.folders.iter().map(|_| None).collect();
        for (index, (path, recorded)) in self.write.iter().enumerate() {
            let (from, name) = match self.staged_in(path) {
                Some((folder, _)) if whole[folder] => continue,
                Some((folder, inside)) => {
                    let staged = &mut opened[folder];
                    if staged.is_none() {
                        let name = staged_folder_name(folder);
                        let shown = placing.folder.display(STAGING).join(&name);
                        *staged = Some(placing.staging.subfolder(&name).map_err(io_error(&shown))?);
                    }
                    (staged.as_ref().expect("opened above"), inside.to_string())
                }
                None => (placing.staging, index.to_string()),
            };
            steps.step();
            let staged = Staged {
                staging: from,
                name: &name,
                recorded,
            };
            place(
                placing.folder,
                staged,
                path,
                placing.recovering,
                placing.last_folder,
            )?;
            super::write::remove_legacy_staging(placing.folder, path, placing.listing);
        }
        Ok(())
    }

    /// The index in `folders` of the folder `path` is staged in, and its path inside it.
    fn staged_in<'p>(&self, path: &'p str) -> Option<(usize, &'p str)> {
        if self.folders.is_empty() {
            return None;
        }
        let (top, inside) = path.split_once('/')?;
        Some((self.folders.iter().position(|name| name == top)?, inside))
    }

    /// The journal an interrupted commit left in the folder, if any. Its paths are checked
    /// like a manifest's: a tampered journal never reaches outside the folder.
    pub(super) fn read(folder: &Folder) -> Result<Option<Journal>, OutputError> {
        let path = folder.display(JOURNAL);
        let Some(bytes) = folder.read(JOURNAL).map_err(io_error(&path))? else {
            return Ok(None);
        };
        let unreadable = |message: String| OutputError::BadManifest {
            path: path.clone(),
            message: format!(
                "an interrupted generation's journal is unreadable: {message}; remove it and {STAGING}, then run `bulwark generate`"
            ),
        };
        let journal: Journal =
            serde_json::from_slice(&bytes).map_err(|error| unreadable(error.to_string()))?;
        if journal.version != VERSION && journal.version != VERSION_WITHOUT_FOLDERS {
            return Err(unreadable(format!(
                "it has version {}, this bulwark reads versions {VERSION_WITHOUT_FOLDERS} and {VERSION}",
                journal.version
            )));
        }
        if let Some(nested) = journal.folders.iter().find(|name| name.contains('/')) {
            return Err(unreadable(format!(
                "its folder `{nested}` is not a name in the output folder"
            )));
        }
        refuse_outside(
            &path,
            journal
                .write
                .iter()
                .map(|(path, _)| path)
                .chain(&journal.remove)
                .chain(&journal.folders),
        )?;
        Ok(Some(journal))
    }

    /// Finish the commit this journal records (see [`Journal::apply`]).
    pub(super) fn finish(
        &self,
        folder: &Folder,
        lock: Option<&LockFile>,
    ) -> Result<(), OutputError> {
        self.apply(folder, lock, true, &mut CrashPoint::from_env())
    }
}

/// What placing each file needs besides the file: where it goes and where from.
struct Placing<'a, 'b> {
    folder: &'a Folder,
    staging: &'a Folder,
    recovering: bool,
    last_folder: &'b mut Option<(String, cap_std::fs::Dir)>,
    listing: &'b mut Listing,
}

/// A staged file: its name in the staging folder and the hash the journal recorded.
struct Staged<'a> {
    staging: &'a Folder,
    name: &'a str,
    recorded: &'a str,
}

/// Rename a staged file to `path`. Recovering, it is checked against its hash first; when
/// it is gone, an earlier run renamed it already: `path` must then hold the recorded content.
fn place(
    folder: &Folder,
    staged: Staged<'_>,
    path: &str,
    recovering: bool,
    last_folder: &mut Option<(String, cap_std::fs::Dir)>,
) -> Result<(), OutputError> {
    let shown = folder.display(path);
    let recorded = staged.recorded;
    let lost = || OutputError::Io {
        path: shown.clone(),
        error: io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "the interrupted generation cannot be finished: its staged copy of this file was lost (a power failure?); remove {JOURNAL} and {STAGING}, then run `bulwark generate --force`"
            ),
        ),
    };
    if recovering {
        match staged.staging.read(staged.name).map_err(io_error(&shown))? {
            Some(bytes) if hash(&bytes) == recorded => {}
            Some(_) => return Err(lost()),
            None => {
                let placed = folder.read(path).map_err(io_error(&shown))?;
                return match placed {
                    Some(bytes) if hash(&bytes) == recorded => Ok(()),
                    _ => Err(lost()),
                };
            }
        }
    }
    counters::add(Counter::OutputRenames, 1);
    staged
        .staging
        .rename_to(staged.name, folder, path, last_folder)
        .map_err(io_error(&shown))
}

/// Finish a generation an earlier run was interrupted in, if there is one in `dir`.
pub fn recover(dir: &std::path::Path) -> Result<bool, OutputError> {
    let Some(folder) = Folder::open(dir).map_err(io_error(dir))? else {
        return Ok(false);
    };
    match Journal::read(&folder)? {
        Some(journal) => journal.finish(&folder, None).map(|()| true),
        None => Ok(false),
    }
}

/// Whether `dir` holds the journal or the staging folder of an interrupted generation.
pub fn interrupted(dir: &std::path::Path) -> bool {
    matches!(Folder::open(dir), Ok(Some(folder)) if folder.exists(JOURNAL) || folder.exists(STAGING))
}

/// An I/O error about `path` (e.g. the lock, whose folder's display is not its own).
fn relabel(error: OutputError, path: &std::path::Path) -> OutputError {
    match error {
        OutputError::Io { error, .. } => OutputError::Io {
            path: path.to_path_buf(),
            error,
        },
        other => other,
    }
}

/// Write `bytes` to `path` through a fresh temporary file renamed over it (the journal and
/// the lock: small files written alone).
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
/// file write number N of the process (0 is the first staged file of a commit) and every
/// one after it fail, as on a disk that is full.
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
/// process aborts after N steps of a commit (a step renames or removes one file or renames
/// the manifest in), as a kill or power loss would stop it.
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
