//! Comparing what a blueprint generates with what is on disk: the files bulwark owns that
//! changed, are missing or are no longer generated, and whether the manifest itself (the
//! generator and library versions) is current. Line endings are normalised first, so a
//! Windows checkout is not drift.

use super::{JOURNAL, LockWrite, MANIFEST, Manifest, OutputError, STAGING};
use crate::confined::Folder;
use crate::emit::FileSet;
use serde::Serialize;
use similar::TextDiff;
use std::path::Path;

/// How a folder on disk differs from what generating would write: what `bulwark check`
/// reports and CI fails on.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Drift {
    /// Generated files whose content on disk differs, with a unified diff (disk → generated).
    pub changed: Vec<ChangedFile>,
    /// Generated files that are not on disk.
    pub missing: Vec<String>,
    /// Files the manifest on disk says bulwark owns, that it no longer generates, still on disk.
    pub orphaned: Vec<String>,
    /// Why the manifest differs, when it does: e.g. a new generator or library version.
    pub manifest: Option<String>,
    /// Whether the manifest on disk cannot be read at all (e.g. a merge conflict), so
    /// `generate` alone cannot fix the drift.
    pub manifest_broken: bool,
    /// Why the address plan lock beside the blueprint differs, when it does.
    pub lock: Option<String>,
}

/// A generated file whose content on disk differs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChangedFile {
    /// Its path, relative to the output folder.
    pub path: String,
    /// A unified diff from the content on disk to the generated content.
    pub diff: String,
}

impl Drift {
    /// Whether nothing differs: the folder is exactly what generating would write.
    pub fn in_sync(&self) -> bool {
        self.changed.is_empty()
            && self.missing.is_empty()
            && self.orphaned.is_empty()
            && self.manifest.is_none()
            && self.lock.is_none()
    }
}

/// LF line endings, so CRLF checkouts compare equal.
pub fn normalize(text: &str) -> String {
    text.replace("\r\n", "\n")
}

/// A file of the output folder as text, read beneath the folder only (see `confined`).
fn read(folder: Option<&Folder>, path: &str) -> Result<Option<String>, OutputError> {
    let Some(folder) = folder else {
        return Ok(None);
    };
    match folder.read(path) {
        Ok(bytes) => Ok(bytes.map(|bytes| String::from_utf8_lossy(&bytes).into_owned())),
        Err(error) => Err(OutputError::Io {
            path: folder.display(path),
            error,
        }),
    }
}

/// Past this size a file on disk was not written by bulwark: it is summarised, not diffed.
const MAX_DIFF_BYTES: usize = 1024 * 1024;
/// A diff that takes longer than this falls back to a coarser (still correct) one.
const DIFF_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

/// A unified diff from what is on disk to what bulwark generates; a file on disk over
/// `MAX_DIFF_BYTES` is summarised instead, so `check` stays fast and its output readable.
pub fn unified_diff(path: &str, on_disk: &str, generated: &str) -> String {
    if on_disk.len() > MAX_DIFF_BYTES {
        return format!(
            "--- a/{path} (on disk)\n+++ b/{path} (generated)\n(summarised: {} bytes in {} lines on disk, too large to diff; bulwark generates {} bytes in {} lines)\n",
            on_disk.len(),
            on_disk.lines().count(),
            generated.len(),
            generated.lines().count()
        );
    }
    TextDiff::configure()
        .timeout(DIFF_TIMEOUT)
        .diff_lines(on_disk, generated)
        .unified_diff()
        .context_radius(3)
        .header(
            &format!("a/{path} (on disk)"),
            &format!("b/{path} (generated)"),
        )
        .to_string()
}

/// Compare `files` (and the manifest they imply) with the directory `dir`, and the address
/// plan `lock` with the one beside the blueprint.
pub fn check(
    dir: &Path,
    files: &FileSet,
    manifest: &Manifest,
    lock: Option<&LockWrite>,
) -> Result<Drift, OutputError> {
    let mut drift = Drift::default();
    let folder = Folder::open(dir).map_err(|error| OutputError::Io {
        path: dir.to_path_buf(),
        error,
    })?;
    let folder = folder.as_ref();
    for (path, generated) in &files.files {
        // The common case first: the bytes on disk are the generated ones, compared as
        // they are read, with no decoding, line-ending normalisation or copy.
        if let Some(folder) = folder
            && let Ok(Some(bytes)) = folder.read(path)
            && bytes == generated.as_bytes()
        {
            continue;
        }
        match read(folder, path)? {
            None => drift.missing.push(path.clone()),
            Some(on_disk) => {
                let on_disk = normalize(&on_disk);
                if on_disk != *generated {
                    drift.changed.push(ChangedFile {
                        path: path.clone(),
                        diff: unified_diff(path, &on_disk, generated),
                    });
                }
            }
        }
    }
    // The manifest as `generate` reads it; one it would refuse is drift, not an error here.
    let on_disk = match folder.map(Manifest::read_in).transpose() {
        Ok(Some(Some(manifest))) => Some(manifest),
        Ok(_) => {
            drift.manifest = Some(format!("{MANIFEST} is missing"));
            None
        }
        Err(OutputError::BadManifest { message, .. }) => {
            drift.manifest = Some(format!("{MANIFEST} is not a bulwark manifest: {message}"));
            drift.manifest_broken = true;
            None
        }
        Err(error) => return Err(error),
    };
    if let Some(previous) = on_disk {
        for path in previous.files.keys() {
            if !files.files.contains_key(path) && folder.is_some_and(|f| f.exists(path)) {
                drift.orphaned.push(path.clone());
            }
        }
        drift.manifest = manifest_difference(&previous, manifest);
    }
    if let Some(lock) = lock {
        drift.lock = match lock.file.read_text()? {
            None => Some("it is missing; generate writes it".to_string()),
            Some(text) if text != lock.text => {
                Some("it records another address plan than the blueprint's".to_string())
            }
            Some(_) => None,
        };
    }
    if folder.is_some_and(|folder| folder.exists(JOURNAL) || folder.exists(STAGING)) {
        drift.manifest = Some(format!(
            "a `bulwark generate` was interrupted ({JOURNAL} or {STAGING} is there); the next generate finishes or undoes it"
        ));
    }
    Ok(drift)
}

/// What changed between the manifest on disk and the one generation would write, in words.
fn manifest_difference(previous: &Manifest, current: &Manifest) -> Option<String> {
    if previous.same_generation(current) {
        return None;
    }
    if !previous.address_plan.is_empty() {
        return Some(
            "it still holds the address plan, which now lives in the lock beside the blueprint"
                .into(),
        );
    }
    let mut reasons = Vec::new();
    if previous.generator != current.generator {
        reasons.push(format!(
            "generated by {}, this is {}",
            previous.generator, current.generator
        ));
    }
    if previous.blueprint != current.blueprint {
        reasons.push(format!(
            "generated from {}, not {}",
            previous.blueprint, current.blueprint
        ));
    }
    for (name, version) in &current.libraries {
        match previous.libraries.get(name) {
            Some(old) if old != version => {
                reasons.push(format!("library {name} is now {version} (was {old})"))
            }
            None => reasons.push(format!("library {name} {version} is new")),
            _ => {}
        }
    }
    for name in previous
        .libraries
        .keys()
        .filter(|name| !current.libraries.contains_key(*name))
    {
        reasons.push(format!("library {name} is no longer used"));
    }
    if reasons.is_empty() {
        reasons.push("the list of generated files or their hashes changed".to_string());
    }
    Some(reasons.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_line_endings_are_not_drift() {
        assert_eq!(normalize("a\r\nb\r\n"), "a\nb\n");
    }

    #[test]
    fn diffs_read_from_disk_to_generated() {
        let diff = unified_diff("main.bicep", "a\nb\n", "a\nc\n");
        assert!(diff.contains("-b\n+c\n"), "{diff}");
        assert!(diff.starts_with("--- a/main.bicep (on disk)"), "{diff}");
    }
}
