//! Writing a file set into a directory with its manifest: the list of files bulwark owns and
//! their hashes, so a later run can replace its own files, remove the ones it no longer
//! generates and refuse to overwrite anything it did not write.

mod check;
mod fingerprint;
mod folder_lock;
mod journal;
mod listing;
mod lock;
mod write;

use crate::confined::{Folder, check_relative};
pub use check::{ChangedFile, Drift, check, normalize, unified_diff};
pub use fingerprint::{Inputs, InputsRead, up_to_date};
pub use folder_lock::{FolderLock, LockAttempt, PendingLock, lock};
pub use journal::{JOURNAL, STAGING, interrupted, recover};
pub use lock::{LockFile, parse as parse_lock, render as render_lock};
pub use write::{Transaction, write, write_beneath};

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
    /// What the files were generated from, when the command line recorded it (see
    /// [`up_to_date`]): not part of what `check` compares.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inputs: Option<Inputs>,
}

impl Manifest {
    /// The manifest of a generation: each file's hash, this generator, the blueprint's label
    /// and the libraries it used.
    pub fn for_files(
        files: &FileSet,
        blueprint_label: &str,
        libraries: &BTreeMap<String, String>,
    ) -> Self {
        let hashes = files
            .files
            .iter()
            .map(|(path, text)| (path.clone(), hash(text.as_bytes())))
            .collect();
        Manifest::for_hashes(hashes, blueprint_label, libraries)
    }

    /// The manifest of a generation whose files were hashed as they were made: path →
    /// [`hash`] of its text.
    pub fn for_hashes(
        files: BTreeMap<String, String>,
        blueprint_label: &str,
        libraries: &BTreeMap<String, String>,
    ) -> Self {
        Manifest {
            generator: GENERATOR.to_string(),
            blueprint: blueprint_label.to_string(),
            libraries: libraries.clone(),
            files,
            address_plan: BTreeMap::new(),
            inputs: None,
        }
    }

    /// Whether two manifests record the same generation: all but the inputs agree.
    pub fn same_generation(&self, other: &Manifest) -> bool {
        self.generator == other.generator
            && self.blueprint == other.blueprint
            && self.libraries == other.libraries
            && self.files == other.files
            && self.address_plan == other.address_plan
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
    use std::fmt::Write as _;
    let digest = Sha256::digest(bytes);
    let mut hex = String::with_capacity(71);
    hex.push_str("sha256:");
    for byte in digest {
        let _ = write!(hex, "{byte:02x}");
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

/// What [`write()`] (or a [`Transaction`]) did, file by file (paths relative to the output
/// folder).
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
