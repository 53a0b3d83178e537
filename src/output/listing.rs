//! What an output folder holds, read one folder listing at a time instead of one probe per
//! path: a generation into an empty (or freshly created) folder would otherwise ask the
//! file system about each of its hundreds of files only to hear "no such file".
//!
//! A listing only ever saves a probe when it says a name is absent; a name it holds (or a
//! folder it could not list) is probed as before, so every check on what is there (a
//! symlink, a folder, a file bulwark did not write) still runs on the path itself. Names
//! are compared ignoring ASCII case, so on a case-insensitive file system `Main.bicep`
//! still stands in the way of `main.bicep`; a folder with any non-ASCII name is not trusted
//! at all (Unicode case folding and normalization differ by file system) and probed path by
//! path.

use crate::confined::Folder;
use crate::counters::{self, Counter};
use std::collections::BTreeMap;

/// The entries of the folders listed so far (relative path, `""` for the output folder).
#[derive(Default)]
pub(super) struct Listing {
    folders: BTreeMap<String, Names>,
}

/// One folder's listing.
enum Names {
    /// Its entries' names, ASCII-lowercased and sorted. Empty when there is no folder.
    Listed(Vec<String>),
    /// It could not be listed, or holds a non-ASCII name: probe each path.
    Unknown,
}

impl Names {
    fn read(folder: &Folder, relative: &str) -> Names {
        counters::add(Counter::OutputListings, 1);
        match folder.entries(relative) {
            Ok(None) => Names::Listed(Vec::new()),
            Ok(Some(names)) if names.iter().all(|name| name.is_ascii()) => {
                let mut names: Vec<String> = names
                    .into_iter()
                    .map(|name| name.to_ascii_lowercase())
                    .collect();
                names.sort_unstable();
                Names::Listed(names)
            }
            _ => Names::Unknown,
        }
    }

    fn may_hold(&self, name: &str) -> bool {
        match self {
            Names::Listed(names) if name.is_ascii() => names
                .binary_search_by(|listed| cmp_ignoring_ascii_case(listed, name))
                .is_ok(),
            _ => true,
        }
    }
}

fn cmp_ignoring_ascii_case(lowercased: &str, name: &str) -> std::cmp::Ordering {
    let name = name.bytes().map(|byte| byte.to_ascii_lowercase());
    lowercased.bytes().cmp(name)
}

/// `path`'s folder and file name.
fn split(path: &str) -> (&str, &str) {
    path.rsplit_once('/').unwrap_or(("", path))
}

impl Listing {
    /// Whether anything may be at `path` (relative to `folder`): `false` only when the
    /// listing of its folder, read the first time one of its paths is asked about, has no
    /// entry of that name.
    pub fn may_exist(&mut self, folder: &Folder, path: &str) -> bool {
        let (parent, name) = split(path);
        if !self.folders.contains_key(parent) {
            let names = Names::read(folder, parent);
            self.folders.insert(parent.to_string(), names);
        }
        self.folders[parent].may_hold(name)
    }

    /// The top folder of `path` when the output folder's listing has no entry of its name:
    /// a folder this generation creates, which can be staged whole and renamed into place
    /// as one (see `journal`).
    pub fn fresh_folder<'p>(&mut self, folder: &Folder, path: &'p str) -> Option<&'p str> {
        let (top, _) = path.split_once('/')?;
        (!self.may_exist(folder, top)).then_some(top)
    }

    /// Of `paths` (each one this listing said was absent), those the folder holds now: a
    /// file that appeared since the listing was read. The folders are listed again, once
    /// each.
    pub fn appeared<'p>(
        &self,
        folder: &Folder,
        paths: impl IntoIterator<Item = &'p str>,
    ) -> Vec<&'p str> {
        let mut now = Listing::default();
        paths
            .into_iter()
            .filter(|path| now.may_exist(folder, path))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_ignoring_ascii_case() {
        let names = Names::Listed(vec!["main.bicep".into(), "modules".into()]);
        assert!(names.may_hold("Main.bicep") && names.may_hold("MODULES"));
        assert!(!names.may_hold("main.bicepparam") && !names.may_hold("a"));
        assert!(Names::Unknown.may_hold("anything"));
    }

    #[test]
    fn a_folder_with_a_non_ascii_name_is_probed_path_by_path() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("\u{212a}ey.bicep"), "").unwrap();
        let folder = Folder::open(dir.path()).unwrap().unwrap();
        let mut listing = Listing::default();
        assert!(listing.may_exist(&folder, "key.bicep"));
        assert!(listing.may_exist(&folder, "other.bicep"));
        assert!(!listing.may_exist(&folder, "modules/x.bicep"));
    }
}
