//! Blueprint libraries: a folder a platform team publishes (in practice a git repository or a
//! submodule) with a `bulwark-library.toml` naming it and its version, holding component
//! presets, organisation defaults and whole blueprint templates.
//!
//! ```toml
//! [library]
//! name = "platform"
//! version = "1.4.0"
//! description = "Contoso platform presets"
//!
//! [defaults]                      # applied by blueprints whose [app] says defaults = "platform"
//! network = { address_space = "10.80.0.0/16" }
//!
//! [presets.web-standard]          # used as preset = "platform/web-standard"
//! kind = "web-app"
//! runtime = "node:22"
//! sku = "P1v3"
//!
//! [templates.starter]             # offered by `bulwark new --library <path>`
//! file = "templates/starter.toml"
//! ```

use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

pub const LIBRARY_MANIFEST: &str = "bulwark-library.toml";

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LibraryManifest {
    pub library: LibraryInfo,
    /// Organisation defaults for blueprints that opt in with `[app] defaults = "<name>"`.
    #[serde(default)]
    pub defaults: toml::Table,
    /// Component presets by name: a `kind` and that kind's settings.
    #[serde(default)]
    pub presets: BTreeMap<String, toml::Table>,
    #[serde(default)]
    pub templates: BTreeMap<String, TemplateEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LibraryInfo {
    pub name: String,
    pub version: String,
    #[serde(default)]
    pub description: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TemplateEntry {
    /// The blueprint file, relative to the library.
    pub file: String,
    #[serde(default)]
    pub description: Option<String>,
}

/// A library opened from disk.
#[derive(Debug, Clone, PartialEq)]
pub struct Library {
    pub root: PathBuf,
    pub manifest: LibraryManifest,
    /// The manifest's text, for pointing at a preset's line.
    pub text: String,
}

/// A template a library offers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LibraryTemplate {
    pub name: String,
    pub text: String,
}

#[derive(Debug)]
pub enum LibraryError {
    Unreadable {
        path: PathBuf,
        error: std::io::Error,
    },
    Invalid {
        path: PathBuf,
        message: String,
    },
}

impl fmt::Display for LibraryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LibraryError::Unreadable { path, error } => {
                write!(f, "cannot read {}: {error}", path.display())
            }
            LibraryError::Invalid { path, message } => {
                write!(f, "{} is not a bulwark library: {message}", path.display())
            }
        }
    }
}

impl std::error::Error for LibraryError {}

impl Library {
    /// Open the library in folder `root`.
    pub fn open(root: &Path) -> Result<Library, LibraryError> {
        let path = root.join(LIBRARY_MANIFEST);
        let text = std::fs::read_to_string(&path).map_err(|error| LibraryError::Unreadable {
            path: path.clone(),
            error,
        })?;
        let manifest: LibraryManifest =
            toml::from_str(&text).map_err(|error| LibraryError::Invalid {
                path: path.clone(),
                message: error.message().trim().to_string(),
            })?;
        if let Err(error) = semver::Version::parse(manifest.library.version.trim()) {
            return Err(LibraryError::Invalid {
                path: path.clone(),
                message: format!(
                    "its version `{}` is not a semantic version MAJOR.MINOR.PATCH (e.g. \"1.4.0\"): {error}",
                    manifest.library.version
                ),
            });
        }
        // A template names a file of the library: never a path outside it (`/proc/...`, `../`).
        for (name, template) in &manifest.templates {
            if let Err(problem) = crate::confined::check_relative(&template.file) {
                return Err(LibraryError::Invalid {
                    path: path.clone(),
                    message: format!(
                        "template `{name}` must name a file inside the library: {problem}"
                    ),
                });
            }
        }
        for (name, preset) in &manifest.presets {
            if !preset.get("kind").is_some_and(toml::Value::is_str) {
                return Err(LibraryError::Invalid {
                    path: path.clone(),
                    message: format!("preset `{name}` has no `kind`"),
                });
            }
        }
        Ok(Library {
            root: root.to_path_buf(),
            manifest,
            text,
        })
    }

    pub fn name(&self) -> &str {
        &self.manifest.library.name
    }

    pub fn version(&self) -> &str {
        &self.manifest.library.version
    }

    pub fn manifest_path(&self) -> PathBuf {
        self.root.join(LIBRARY_MANIFEST)
    }

    /// `<manifest>:<line>` of a preset's table, for diagnostics that name it.
    pub fn preset_location(&self, preset: &str) -> String {
        let header = format!("[presets.{preset}]");
        let line = self
            .text
            .lines()
            .position(|line| line.trim() == header)
            .map_or(1, |index| index + 1);
        format!("{}:{line}", self.manifest_path().display())
    }

    /// The templates the library offers, read from their files beneath the library folder
    /// (a symlink out of it, a FIFO or an oversized file is not read); unreadable ones are
    /// skipped.
    pub fn templates(&self) -> Vec<LibraryTemplate> {
        let Ok(Some(folder)) = crate::confined::Folder::open(&self.root) else {
            return Vec::new();
        };
        self.manifest
            .templates
            .iter()
            .filter_map(|(name, entry)| {
                let bytes = folder.read(&entry.file).ok()??;
                let text = String::from_utf8(bytes).ok()?;
                Some(LibraryTemplate {
                    name: name.clone(),
                    text,
                })
            })
            .collect()
    }
}

/// `a/b/../c` → `a/c` without touching the file system, so a path through a folder that
/// does not exist yet (a project `bulwark new` is about to create) still resolves.
pub fn normalize(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir
                if matches!(out.components().next_back(), Some(Component::Normal(_))) =>
            {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// The relative path from directory `from` to `to`, both absolute and normalized.
pub fn relative(from: &Path, to: &Path) -> PathBuf {
    let from: Vec<_> = from.components().collect();
    let to: Vec<_> = to.components().collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut out = PathBuf::new();
    for _ in common..from.len() {
        out.push("..");
    }
    for component in &to[common..] {
        out.push(component);
    }
    if out.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        out
    }
}

/// A library requirement as Cargo reads one (the `semver` crate): `"1.4"` means `^1.4`
/// (any 1.x from 1.4.0), `"~1.4.2"` any 1.4.z from 1.4.2, `"=1.4.2"` only that one,
/// `">=1.4, <3"` a range. The error says what is wrong with the text.
pub fn parse_requirement(requirement: &str) -> Result<semver::VersionReq, String> {
    semver::VersionReq::parse(requirement.trim()).map_err(|error| error.to_string())
}

/// Whether the library version `version` meets `requirement`; `None` when either does not
/// parse.
pub fn version_matches(requirement: &str, version: &str) -> Option<bool> {
    let requirement = parse_requirement(requirement).ok()?;
    let version = semver::Version::parse(version.trim()).ok()?;
    Some(requirement.matches(&version))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_normalize_and_relate_without_the_file_system() {
        assert_eq!(
            normalize(Path::new("/a/b/../c/./d")),
            PathBuf::from("/a/c/d")
        );
        assert_eq!(
            relative(Path::new("/w/app"), Path::new("/w/libs/platform")),
            PathBuf::from("../libs/platform")
        );
        assert_eq!(
            relative(Path::new("/w"), Path::new("/w")),
            PathBuf::from(".")
        );
    }

    #[test]
    fn requirements_are_semver_requirements_like_cargo() {
        // A bare version is a caret requirement: later minor and patch releases match.
        assert_eq!(version_matches("1", "1.4.2"), Some(true));
        assert_eq!(version_matches("1.4", "1.4.2"), Some(true));
        assert_eq!(version_matches("1.4", "1.9.0"), Some(true));
        assert_eq!(version_matches("^1.4", "1.5.0"), Some(true));
        assert_eq!(version_matches("1.4.2", "1.4.2"), Some(true));
        assert_eq!(version_matches("1.5", "1.4.2"), Some(false));
        assert_eq!(version_matches("1.4", "2.0.0"), Some(false));
        assert_eq!(version_matches("2", "1.4.2"), Some(false));
        // Tilde: patch releases only.
        assert_eq!(version_matches("~1.4.2", "1.4.9"), Some(true));
        assert_eq!(version_matches("~1.4.2", "1.5.0"), Some(false));
        assert_eq!(version_matches("=1.4.2", "1.4.3"), Some(false));
        // Ranges.
        assert_eq!(version_matches(">=1.4, <3", "2.7.1"), Some(true));
        assert_eq!(version_matches(">=1.4, <3", "3.0.0"), Some(false));
        // Not a requirement, or not a version.
        assert_eq!(version_matches("1.4.2.1", "1.4.2"), None);
        assert_eq!(version_matches("latest", "1.4.2"), None);
        assert_eq!(version_matches("1", "1.4"), None);
        assert!(parse_requirement("").is_err());
    }
}
