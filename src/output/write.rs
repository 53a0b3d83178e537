//! Writing a file set into its folder: deciding, file by file, what to write, leave, remove
//! or refuse (a file bulwark did not write, or one edited by hand since), then committing
//! the changes as one generation (see [`super::journal`]).

use super::journal::{self, Journal, JournalLock};
use super::{LockWrite, MANIFEST, Manifest, OutputError, WriteReport, hash, io_error, normalize};
use crate::confined::{Folder, check_relative};
use crate::emit::FileSet;
use std::path::Path;

/// Write `files` under `dir`, and the address plan `lock` beside the blueprint, as one
/// commit (see the `journal` module): every new file is staged inside `dir`, a journal of
/// paths and hashes is recorded, then the files are renamed into place and the manifest
/// last. Nothing is written when the folder already holds exactly this generation. Every
/// path is resolved beneath `dir`, the lock beneath its own folder (see [`crate::confined`]).
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
    match Journal::read(folder)? {
        Some(journal) => journal.finish(folder, lock_file)?,
        None => journal::discard_staging(folder),
    }
    let previous = Manifest::read_in(folder)?;
    let mut report = WriteReport::default();
    let to_write = files_to_write(folder, files, previous.as_ref(), force, &mut report)?;
    let removals = files_to_remove(folder, files, previous.as_ref(), &mut report)?;
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
    let manifest_text = manifest.render();
    let nothing_to_do = to_write.is_empty()
        && removals.is_empty()
        && lock_text.is_none()
        && folder.read(MANIFEST).ok().flatten().as_deref() == Some(manifest_text.as_bytes());
    if !nothing_to_do {
        report.lock_written = lock_text.is_some();
        journal::commit(
            folder,
            lock_file,
            lock_text,
            to_write
                .iter()
                .map(|(path, text)| (path.as_str(), text.as_str())),
            removals.clone(),
            &manifest_text,
        )?;
    }
    report.written = to_write.iter().map(|(path, _)| (*path).clone()).collect();
    report.removed = removals;
    Ok(report)
}

/// The generated files whose content on disk differs (or that are missing), borrowed from
/// the file set; files bulwark did not write, or that were edited by hand since, are
/// refused unless `force`.
fn files_to_write<'a>(
    folder: &Folder,
    files: &'a FileSet,
    previous: Option<&Manifest>,
    force: bool,
    report: &mut WriteReport,
) -> Result<Vec<(&'a String, &'a String)>, OutputError> {
    let recorded = |path: &str| previous.and_then(|m| m.files.get(path));
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
    Ok(to_write)
}

/// Files the previous manifest lists that this generation no longer has: those unchanged
/// since bulwark wrote them are removed, edited ones kept (and reported).
fn files_to_remove(
    folder: &Folder,
    files: &FileSet,
    previous: Option<&Manifest>,
    report: &mut WriteReport,
) -> Result<Vec<String>, OutputError> {
    let mut removals = Vec::new();
    let Some(previous) = previous else {
        return Ok(removals);
    };
    for (path, recorded) in &previous.files {
        if files.files.contains_key(path) {
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
pub(super) fn remove_legacy_staging(folder: &Folder, path: &str) {
    let legacy = match path.rsplit_once('/') {
        Some((parent, name)) => format!("{parent}/.{name}.bulwark-tmp"),
        None => format!(".{path}.bulwark-tmp"),
    };
    if folder.exists(&legacy) {
        let _ = folder.remove_file(&legacy);
    }
}
