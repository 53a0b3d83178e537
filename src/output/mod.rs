//! Writing a file set into a directory with its manifest: the list of files bulwark owns and
//! their hashes, so a later run can replace its own files, remove the ones it no longer
//! generates and refuse to overwrite anything it did not write.

mod check;

pub use check::{ChangedFile, Drift, check, normalize, unified_diff};

use crate::emit::{FileSet, GENERATOR};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::fmt;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

pub const MANIFEST: &str = ".bulwark-manifest.json";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub generator: String,
    pub blueprint: String,
    /// Blueprint libraries the output came from: name → version.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub libraries: BTreeMap<String, String>,
    /// Path → `sha256:<hex>` of the content as generated (LF line endings).
    pub files: BTreeMap<String, String>,
    /// Environment → subnet → range: the address plan the files use. The next generation
    /// keeps these ranges, so adding or removing a component never moves another's subnet.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub address_plan: crate::plan::AddressRecord,
}

impl Manifest {
    pub fn for_files(
        files: &FileSet,
        blueprint_label: &str,
        libraries: &BTreeMap<String, String>,
        address_plan: crate::plan::AddressRecord,
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
            address_plan,
        }
    }

    pub fn render(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).expect("a manifest always serializes");
        text.push('\n');
        text
    }

    /// The address plan recorded in `dir`'s manifest, if it has a readable one.
    pub fn previous_address_plan(dir: &Path) -> crate::plan::AddressRecord {
        match Manifest::read(dir) {
            Ok(Some(manifest)) => manifest.address_plan,
            _ => BTreeMap::new(),
        }
    }

    pub fn read(dir: &Path) -> Result<Option<Manifest>, OutputError> {
        let path = dir.join(MANIFEST);
        match fs::read_to_string(&path) {
            Ok(text) => {
                serde_json::from_str(&text)
                    .map(Some)
                    .map_err(|error| OutputError::BadManifest {
                        path,
                        message: error.to_string(),
                    })
            }
            Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(error) => Err(OutputError::Io { path, error }),
        }
    }
}

pub fn hash(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut hex = String::with_capacity(71);
    hex.push_str("sha256:");
    for byte in digest {
        hex.push_str(&format!("{byte:02x}"));
    }
    hex
}

#[derive(Debug)]
pub enum OutputError {
    /// Files bulwark would overwrite that it did not generate.
    NotOwned {
        paths: Vec<String>,
    },
    BadManifest {
        path: PathBuf,
        message: String,
    },
    Io {
        path: PathBuf,
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
            OutputError::BadManifest { path, message } => {
                write!(f, "{} is not a bulwark manifest: {message}", path.display())
            }
            OutputError::Io { path, error } => write!(f, "{}: {error}", path.display()),
        }
    }
}

impl std::error::Error for OutputError {}

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct WriteReport {
    pub written: Vec<String>,
    pub unchanged: Vec<String>,
    pub removed: Vec<String>,
    /// Files bulwark no longer generates but that were edited by hand, so are left in place.
    pub kept: Vec<String>,
}

fn io_error(path: &Path) -> impl FnOnce(io::Error) -> OutputError + '_ {
    move |error| OutputError::Io {
        path: path.to_path_buf(),
        error,
    }
}

/// Write `files` under `dir`. Every file is staged next to its target and renamed into
/// place only after all of them were staged, then the manifest is written last.
pub fn write(
    dir: &Path,
    files: &FileSet,
    manifest: &Manifest,
    force: bool,
) -> Result<WriteReport, OutputError> {
    let previous = Manifest::read(dir)?;
    let owned = |path: &str| {
        previous
            .as_ref()
            .is_some_and(|m| m.files.contains_key(path))
    };
    let mut report = WriteReport::default();
    let mut not_owned = Vec::new();
    let mut to_write = Vec::new();
    for (path, text) in &files.files {
        let target = dir.join(path);
        match fs::read(&target) {
            Ok(existing) if existing == text.as_bytes() => report.unchanged.push(path.clone()),
            Ok(_) if !owned(path) && !force => not_owned.push(path.clone()),
            Ok(_) => to_write.push((path, text, target)),
            Err(error) if error.kind() == io::ErrorKind::NotFound => {
                to_write.push((path, text, target))
            }
            Err(error) => {
                return Err(OutputError::Io {
                    path: target,
                    error,
                });
            }
        }
    }
    if !not_owned.is_empty() {
        return Err(OutputError::NotOwned { paths: not_owned });
    }

    let mut staged = Vec::new();
    for (path, text, target) in &to_write {
        if let Some(parent) = target.parent() {
            fs::create_dir_all(parent).map_err(io_error(parent))?;
        }
        let temp = staging_path(target);
        if let Err(error) = fs::write(&temp, text.as_bytes()) {
            for (temp, _) in &staged {
                let _ = fs::remove_file(temp);
            }
            let _ = fs::remove_file(&temp);
            return Err(OutputError::Io { path: temp, error });
        }
        staged.push((temp, target.clone()));
        report.written.push((*path).clone());
    }
    for (temp, target) in &staged {
        fs::rename(temp, target).map_err(io_error(target))?;
    }

    if let Some(previous) = &previous {
        for (path, recorded) in &previous.files {
            if files.files.contains_key(path) {
                continue;
            }
            let target = dir.join(path);
            match fs::read(&target) {
                Ok(existing) if hash(&existing) == *recorded => {
                    fs::remove_file(&target).map_err(io_error(&target))?;
                    report.removed.push(path.clone());
                }
                Ok(_) => report.kept.push(path.clone()),
                Err(_) => {}
            }
        }
    }
    let manifest = manifest.render();
    let manifest_path = dir.join(MANIFEST);
    fs::create_dir_all(dir).map_err(io_error(dir))?;
    let temp = staging_path(&manifest_path);
    fs::write(&temp, manifest).map_err(io_error(&temp))?;
    fs::rename(&temp, &manifest_path).map_err(io_error(&manifest_path))?;
    Ok(report)
}

fn staging_path(target: &Path) -> PathBuf {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    target.with_file_name(format!(".{name}.bulwark-tmp"))
}
