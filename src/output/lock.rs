//! The address plan lock: `<blueprint stem>.lock` beside the blueprint, like `Cargo.lock`.
//! It records where every subnet lies in every environment, so later generations keep each
//! one in place, whatever happens to the output folder (a deleted or broken manifest, a new
//! `--out`). One line per subnet, sorted, so two branches that each add a component merge
//! line by line; ranges a merge makes overlap are laid out again by the planner.
//!
//! It is the only file bulwark writes beside the blueprint, and it is read and written
//! beneath the blueprint's folder like any output file (see [`crate::confined`]).

use super::{OutputError, conflict_markers};
use crate::confined::Folder;
use crate::plan::AddressRecord;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The format version written on the lock's first setting line.
const VERSION: i64 = 1;

/// Where a blueprint's address plan lock lives: a folder and a file name in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockFile {
    /// The folder the lock lives in: the blueprint's.
    pub folder: PathBuf,
    /// The lock's file name, e.g. `bulwark.lock` beside `bulwark.toml`.
    pub name: String,
}

impl LockFile {
    /// The lock of the blueprint at `blueprint`: `<stem>.lock` in the blueprint's folder;
    /// `bulwark.lock` in the current folder for a blueprint read from standard input (`-`).
    /// `None` when the blueprint itself ends in `.lock` (the lock would replace it).
    pub fn beside(blueprint: &Path) -> Option<LockFile> {
        if blueprint == Path::new("-") {
            return Some(LockFile {
                folder: PathBuf::from("."),
                name: "bulwark.lock".into(),
            });
        }
        if blueprint.extension().is_some_and(|ext| ext == "lock") {
            return None;
        }
        let stem = blueprint.file_stem()?.to_string_lossy();
        let folder = blueprint
            .parent()
            .filter(|parent| !parent.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        Some(LockFile {
            folder: folder.to_path_buf(),
            name: format!("{stem}.lock"),
        })
    }

    /// A lock at an explicit path (`--lock`).
    pub fn at(path: &Path) -> Option<LockFile> {
        let name = path.file_name()?.to_string_lossy().into_owned();
        let folder = path
            .parent()
            .filter(|parent| !parent.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        Some(LockFile {
            folder: folder.to_path_buf(),
            name,
        })
    }

    /// The path as the user sees it, for messages.
    pub fn path(&self) -> PathBuf {
        if self.folder == Path::new(".") {
            PathBuf::from(&self.name)
        } else {
            self.folder.join(&self.name)
        }
    }

    /// The recorded address plan; `None` when there is no lock yet. A lock with merge
    /// conflict markers, or one that is not a lock, is an error saying how to mend it.
    pub fn read(&self) -> Result<Option<AddressRecord>, OutputError> {
        let path = self.path();
        let Some(folder) = Folder::open(&self.folder).map_err(super::io_error(&path))? else {
            return Ok(None);
        };
        let Some(bytes) = folder.read(&self.name).map_err(super::io_error(&path))? else {
            return Ok(None);
        };
        parse(&String::from_utf8_lossy(&bytes))
            .map(Some)
            .map_err(|message| OutputError::BadLock { path, message })
    }

    /// The text on disk, if any (for `check`), read under the same rules as [`Self::read`].
    pub fn read_text(&self) -> Result<Option<String>, OutputError> {
        let path = self.path();
        let Some(folder) = Folder::open(&self.folder).map_err(super::io_error(&path))? else {
            return Ok(None);
        };
        Ok(folder
            .read(&self.name)
            .map_err(super::io_error(&path))?
            .map(|bytes| super::normalize(&String::from_utf8_lossy(&bytes))))
    }
}

/// The lock's text for an address plan: a header, the version, then one table per
/// environment with one `subnet = "range"` line per subnet, all sorted.
pub fn render(record: &AddressRecord, blueprint_label: &str) -> String {
    let mut text = format!(
        "# The address plan of {blueprint_label}, written by `bulwark generate`. Commit it beside the\n\
         # blueprint: later generations keep every subnet listed here where it is. After a merge,\n\
         # keep the lines of both sides; bulwark lays out again any subnet whose range overlaps.\n\
         version = {VERSION}\n"
    );
    for (environment, subnets) in record {
        text.push_str(&format!("\n[subnets.{}]\n", key(environment)));
        for (subnet, range) in subnets {
            text.push_str(&format!("{} = {}\n", key(subnet), quoted(range)));
        }
    }
    text
}

/// A TOML key: bare when it can be, else a quoted string.
fn key(text: &str) -> String {
    if !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        text.to_string()
    } else {
        quoted(text)
    }
}

fn quoted(text: &str) -> String {
    toml::Value::String(text.to_string()).to_string()
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Parsed {
    version: i64,
    #[serde(default)]
    subnets: BTreeMap<String, BTreeMap<String, String>>,
}

/// Parse a lock's text; the error says what is wrong and how to mend it.
pub fn parse(text: &str) -> Result<AddressRecord, String> {
    if let Some(line) = conflict_markers(text) {
        return Err(format!(
            "it has merge conflict markers (line {line}); keep the subnet lines of both sides, \
             remove the markers and run `bulwark generate` (a subnet whose range now overlaps \
             another is laid out again)"
        ));
    }
    let parsed: Parsed = toml::from_str(text).map_err(|error| {
        format!(
            "{}; mend it, or restore it from version control",
            error.message()
        )
    })?;
    if parsed.version != VERSION {
        return Err(format!(
            "it has version {}, this bulwark reads version {VERSION}",
            parsed.version
        ));
    }
    for (environment, subnets) in &parsed.subnets {
        for (subnet, range) in subnets {
            crate::plan::network::parse_cidr_within(range, 8, 29).map_err(|problem| {
                format!(
                    "subnet `{subnet}` in `{environment}` has `{}`, not a subnet range: {problem}",
                    crate::blueprint::diagnostic::shown(range)
                )
            })?;
        }
    }
    Ok(parsed.subnets)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rendered_lock_parses_back() {
        let record: AddressRecord = [(
            "prod west".to_string(),
            [
                ("app-web".to_string(), "10.0.0.0/27".to_string()),
                ("endpoints".to_string(), "10.0.1.0/26".to_string()),
            ]
            .into(),
        )]
        .into();
        let text = render(&record, "bulwark.toml");
        assert!(
            text.contains("[subnets.\"prod west\"]\napp-web = \"10.0.0.0/27\"\n"),
            "{text}"
        );
        assert_eq!(parse(&text).unwrap(), record);
    }

    #[test]
    fn the_lock_sits_beside_the_blueprint() {
        let lock = LockFile::beside(Path::new("infra/shop.toml")).unwrap();
        assert_eq!(lock.path(), Path::new("infra/shop.lock"));
        assert_eq!(
            LockFile::beside(Path::new("bulwark.toml")).unwrap().path(),
            Path::new("bulwark.lock")
        );
        assert!(LockFile::beside(Path::new("x.lock")).is_none());
    }
}
