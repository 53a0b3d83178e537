//! Writing a file set into its folder: deciding, file by file, what to write, leave, remove
//! or refuse (a file bulwark did not write, or one edited by hand since), then committing
//! the changes as one generation (see [`super::journal`]).
//!
//! A [`Transaction`] takes the files one at a time, so a caller can stage some while it is
//! still producing others (the CLI stages the Bicep on one thread while another renders the
//! security report). Nothing a transaction stages is visible in the folder before its
//! commit: files go to the staging folder, and an abandoned transaction (dropped, an error
//! returned, a panic unwinding) removes it, so the folder is left as it was.

use super::journal::{self, Journal, JournalLock, Staging};
use super::listing::Listing;
use super::{
    LockFile, LockWrite, MANIFEST, Manifest, OutputError, WriteReport, hash, io_error, normalize,
};
use crate::confined::{Folder, check_relative};
use crate::counters::{self, Counter};
use crate::emit::FileSet;
use std::path::Path;

/// Write `files` under `dir`, and the address plan `lock` beside the blueprint, as one
/// commit (see the `journal` module): every new file is staged inside `dir`, a journal of
/// paths and hashes is recorded, then the files are renamed into place and the manifest
/// last. Nothing is written when the folder already holds exactly this generation. Every
/// path is resolved beneath `dir`, the lock beneath its own folder (see [`crate::confined`]):
/// a [`Transaction`] staging every file of `files` in turn.
pub fn write(
    dir: &Path,
    files: &FileSet,
    manifest: &Manifest,
    lock: Option<&LockWrite>,
    force: bool,
) -> Result<WriteReport, OutputError> {
    let mut transaction = Transaction::begin(dir, lock, force)?;
    for (path, text) in &files.files {
        transaction.stage(path, text)?;
    }
    transaction.commit(manifest)
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
    let folder = Folder::create(dir)
        .and_then(|parent| parent.subfolder(sub))
        .map_err(io_error(&dir.join(sub)))?;
    let mut transaction = Transaction::begin_in(folder, None, force)?;
    for (path, text) in &files.files {
        transaction.stage(path, text)?;
    }
    transaction.commit(manifest)
}

/// One generation being written into a folder, file by file: [`Transaction::begin`], then
/// [`Transaction::stage`] for every generated file, in any order, then
/// [`Transaction::commit`] with the generation's manifest. A file whose content on disk is
/// already the generated one is left alone; the others are staged. Dropping the transaction
/// before its commit (or a commit that fails before its journal is recorded) removes what
/// was staged, leaving the folder as it was.
///
/// Refusals (a file bulwark did not write, or one edited by hand since, unless `force`) and
/// a failed write while staging are reported by the commit: every refused path, in path
/// order, before a write error, whatever order the files came in. Once one is found
/// nothing more is staged.
pub struct Transaction<'a> {
    folder: Folder,
    lock: Option<&'a LockWrite>,
    force: bool,
    previous: Option<Manifest>,
    /// What the folder held when its paths were first asked about: a path it lacks is
    /// staged without a probe, and checked again at the commit (see [`Listing`]).
    listing: Listing,
    /// Staged paths the listing said were absent, in the order staged.
    assumed_absent: Vec<usize>,
    staging: Staging,
    /// How many files were staged (written or found unchanged or refused), to check that
    /// the manifest lists exactly them.
    staged: usize,
    not_owned: Vec<String>,
    edited: Vec<String>,
    write_failed: Option<OutputError>,
    report: WriteReport,
}

impl<'a> Transaction<'a> {
    /// Start writing a generation into `dir` (created if needed), with the address plan
    /// `lock` beside the blueprint: a generation an earlier run was interrupted in is
    /// finished first (see the `journal` module), and the folder's manifest read.
    pub fn begin(
        dir: &Path,
        lock: Option<&'a LockWrite>,
        force: bool,
    ) -> Result<Transaction<'a>, OutputError> {
        let folder = Folder::create(dir).map_err(io_error(dir))?;
        Transaction::begin_in(folder, lock, force)
    }

    /// [`Transaction::begin`] before the address plan lock's text is known (the files
    /// are staged while they are generated): `lock_file` is where it goes, for finishing an
    /// interrupted generation; give the lock with [`Transaction::write_lock`] before the
    /// commit.
    pub fn begin_before_lock(
        dir: &Path,
        lock_file: Option<&LockFile>,
        force: bool,
    ) -> Result<Transaction<'a>, OutputError> {
        let folder = Folder::create(dir).map_err(io_error(dir))?;
        Transaction::recover_interrupted(&folder, lock_file)?;
        Transaction::begun(folder, None, force)
    }

    /// Write `lock` beside the blueprint with the commit (when its plan changed), as the
    /// lock given to [`Transaction::begin`] is.
    pub fn write_lock(&mut self, lock: &'a LockWrite) {
        self.lock = Some(lock);
    }

    fn begin_in(
        folder: Folder,
        lock: Option<&'a LockWrite>,
        force: bool,
    ) -> Result<Transaction<'a>, OutputError> {
        Transaction::recover_interrupted(&folder, lock.map(|lock| &lock.file))?;
        Transaction::begun(folder, lock, force)
    }

    /// A generation an earlier run was interrupted in is finished first (see the
    /// `journal` module); a staging folder without its journal is removed.
    fn recover_interrupted(
        folder: &Folder,
        lock_file: Option<&LockFile>,
    ) -> Result<(), OutputError> {
        match Journal::read(folder)? {
            Some(journal) => journal.finish(folder, lock_file),
            None => {
                journal::discard_staging(folder);
                Ok(())
            }
        }
    }

    fn begun(
        folder: Folder,
        lock: Option<&'a LockWrite>,
        force: bool,
    ) -> Result<Transaction<'a>, OutputError> {
        let previous = Manifest::read_in(&folder)?;
        Ok(Transaction {
            folder,
            lock,
            force,
            previous,
            listing: Listing::default(),
            assumed_absent: Vec::new(),
            staging: Staging::default(),
            staged: 0,
            not_owned: Vec::new(),
            edited: Vec::new(),
            write_failed: None,
            report: WriteReport::default(),
        })
    }

    /// Take the generated file `path` (relative to the folder) with its `text`: left alone
    /// when the folder holds it already, else staged, or refused (see [`Transaction`]). An
    /// error reading what the folder holds at `path` ends the transaction.
    pub fn stage(&mut self, path: &str, text: &str) -> Result<(), OutputError> {
        self.stage_hashed(path, text, None)
    }

    /// [`Transaction::stage`] of a file whose [`hash`] the generation computed already
    /// ([`crate::GeneratedFile`]), so it is not hashed again.
    pub fn stage_with_hash(
        &mut self,
        path: &str,
        text: &str,
        hashed: &str,
    ) -> Result<(), OutputError> {
        debug_assert_eq!(
            hash(text.as_bytes()),
            hashed,
            "bulwark bug: {path} staged with another text's hash"
        );
        self.stage_hashed(path, text, Some(hashed))
    }

    fn stage_hashed(
        &mut self,
        path: &str,
        text: &str,
        hashed: Option<&str>,
    ) -> Result<(), OutputError> {
        if let Err(problem) = check_relative(path) {
            panic!("bulwark bug: generated path {problem}");
        }
        self.staged += 1;
        // A path in a folder the output folder lacks is absent too, without listing it.
        let fresh = self.listing.fresh_folder(&self.folder, path);
        let absent = fresh.is_some() || !self.listing.may_exist(&self.folder, path);
        let replace = absent || self.replaces(path, Some(text))?;
        let stopped =
            self.write_failed.is_some() || !self.not_owned.is_empty() || !self.edited.is_empty();
        let hashed = || hashed.map_or_else(|| hash(text.as_bytes()), str::to_string);
        if replace && !stopped {
            let index = self.staging.recorded.len();
            match self.staging.add(&self.folder, path, text, hashed(), fresh) {
                Ok(()) if absent => self.assumed_absent.push(index),
                Ok(()) => {}
                Err(error) => self.write_failed = Some(error),
            }
        }
        Ok(())
    }

    /// Whether the generated `path` replaces what the folder holds there, probed on disk:
    /// yes when nothing is there, or what is there is bulwark's and unedited (or `force`);
    /// no when it is already `text` (`None`: not compared), or is refused (recorded as
    /// such). An error reading it ends the transaction.
    fn replaces(&mut self, path: &str, text: Option<&str>) -> Result<bool, OutputError> {
        counters::add(Counter::OutputProbes, 1);
        let shown = self.folder.display(path);
        let recorded = self.previous.as_ref().and_then(|m| m.files.get(path));
        Ok(match self.folder.read(path).map_err(io_error(&shown))? {
            Some(existing) if text.is_some_and(|text| existing == text.as_bytes()) => {
                self.report.unchanged.push(path.to_string());
                false
            }
            Some(_) if self.force => true,
            Some(existing) => match recorded {
                None => {
                    self.not_owned.push(path.to_string());
                    false
                }
                Some(hash) if !unchanged_since(&existing, hash) => {
                    self.edited.push(path.to_string());
                    false
                }
                Some(_) => true,
            },
            None => true,
        })
    }

    /// A file that appeared since the listing at a path staged as new (another process, a
    /// user copying files in) is refused as a probe at staging would have refused it: the
    /// folders are listed again, and only such paths are probed.
    fn refuse_appeared(&mut self) -> Result<(), OutputError> {
        let staged = std::mem::take(&mut self.assumed_absent);
        let recorded = std::mem::take(&mut self.staging.recorded);
        let paths = staged.iter().map(|&index| recorded[index].0.as_str());
        let result = self
            .listing
            .appeared(&self.folder, paths)
            .into_iter()
            .try_for_each(|path| self.replaces(path, None).map(drop));
        self.staging.recorded = recorded;
        result
    }

    /// Commit the staged files as one generation whose `manifest` lists every file staged:
    /// remove the files the previous manifest lists that it no longer has (unless edited
    /// since), write the lock if its plan changed, then record and apply the journal.
    /// Nothing is written when the folder already holds exactly this generation.
    pub fn commit(mut self, manifest: &Manifest) -> Result<WriteReport, OutputError> {
        self.check_manifest_lists_staged(manifest);
        self.refuse_appeared()?;
        let mut report = std::mem::take(&mut self.report);
        if !self.not_owned.is_empty() {
            self.not_owned.sort();
            return Err(OutputError::NotOwned {
                paths: std::mem::take(&mut self.not_owned),
            });
        }
        if !self.edited.is_empty() {
            self.edited.sort();
            return Err(OutputError::EditedByHand {
                paths: std::mem::take(&mut self.edited),
            });
        }
        if let Some(error) = self.write_failed.take() {
            return Err(error);
        }
        let removals =
            files_to_remove(&self.folder, manifest, self.previous.as_ref(), &mut report)?;
        // The lock is rewritten only when the plan it records changed.
        let lock_text = match self.lock {
            Some(lock) if lock.file.read_text()?.as_deref() != Some(lock.text.as_str()) => {
                Some(JournalLock {
                    name: lock.file.name.clone(),
                    text: lock.text.clone(),
                })
            }
            _ => None,
        };
        let manifest_text = manifest.render();
        let staging = std::mem::take(&mut self.staging);
        let mut written: Vec<String> = staging
            .recorded
            .iter()
            .map(|(path, _)| path.clone())
            .collect();
        let nothing_to_do = written.is_empty()
            && removals.is_empty()
            && lock_text.is_none()
            && self.folder.read(MANIFEST).ok().flatten().as_deref()
                == Some(manifest_text.as_bytes());
        if !nothing_to_do {
            report.lock_written = lock_text.is_some();
            journal::commit(
                &self.folder,
                self.lock.map(|lock| &lock.file),
                lock_text,
                staging,
                removals.clone(),
                &manifest_text,
            )?;
        }
        // Files may come in any order; the report lists them in the manifest's.
        written.sort();
        report.unchanged.sort();
        report.written = written;
        report.removed = removals;
        Ok(report)
    }

    /// A manifest that does not list exactly the staged files would leave a written file
    /// unowned, or one it lists unwritten: a bug in the caller.
    fn check_manifest_lists_staged(&self, manifest: &Manifest) {
        let listed = |path: &String| manifest.files.contains_key(path);
        assert!(
            self.staged == manifest.files.len()
                && self.staging.recorded.iter().all(|(path, _)| listed(path))
                && self.report.unchanged.iter().all(listed),
            "bulwark bug: the manifest lists {} files, {} were staged",
            manifest.files.len(),
            self.staged
        );
    }
}

impl Drop for Transaction<'_> {
    /// An abandoned transaction leaves the folder as it was: what it staged is removed.
    fn drop(&mut self) {
        self.staging.discard(&self.folder);
    }
}

/// Files the previous manifest lists that this generation no longer has: those unchanged
/// since bulwark wrote them are removed, edited ones kept (and reported).
fn files_to_remove(
    folder: &Folder,
    manifest: &Manifest,
    previous: Option<&Manifest>,
    report: &mut WriteReport,
) -> Result<Vec<String>, OutputError> {
    let mut removals = Vec::new();
    let Some(previous) = previous else {
        return Ok(removals);
    };
    for (path, recorded) in &previous.files {
        if manifest.files.contains_key(path) {
            continue;
        }
        match folder.read(path) {
            Ok(Some(existing)) if unchanged_since(&existing, recorded) => {
                removals.push(path.clone());
            }
            Ok(Some(_)) => report.kept.push(path.clone()),
            Ok(None) => {}
            Err(error) => return Err(io_error(&folder.display(path))(error)),
        }
    }
    Ok(removals)
}

/// Whether `existing` is what bulwark wrote when it recorded `recorded`; a CRLF checkout of
/// it still is.
pub(super) fn unchanged_since(existing: &[u8], recorded: &str) -> bool {
    hash(existing) == recorded
        || hash(normalize(&String::from_utf8_lossy(existing)).as_bytes()) == recorded
}

/// Earlier versions staged each file at the fixed name `.<name>.bulwark-tmp` beside it; one
/// left by an interrupted run is removed (a symlink there is unlinked, never followed).
/// `listing` (of the folder before this commit placed anything) saves probing for the names
/// it does not hold.
pub(super) fn remove_legacy_staging(folder: &Folder, path: &str, listing: &mut Listing) {
    let legacy = match path.rsplit_once('/') {
        Some((parent, name)) => format!("{parent}/.{name}.bulwark-tmp"),
        None => format!(".{path}.bulwark-tmp"),
    };
    if listing.may_exist(folder, &legacy) {
        counters::add(Counter::OutputProbes, 1);
        if folder.exists(&legacy) {
            let _ = folder.remove_file(&legacy);
        }
    }
}
