//! A folder bulwark owns (its output, a library) as a capability: every read, write, rename and removal goes through a
//! `cap_std` directory handle, which resolves paths beneath the folder and refuses any that
//! would leave it (`..`, an absolute path, a symlink pointing outside), so a tampered manifest
//! or a planted symlink cannot make bulwark touch anything else. Files are written as new
//! files (`O_CREAT | O_EXCL`, in a fresh staging folder) or through `cap_tempfile` (an
//! unnamed `O_TMPFILE` where the system has one, else a fresh random name opened
//! exclusively), then renamed into place, so nothing follows a planted name.

use cap_std::ambient_authority;
use cap_std::fs::Dir;
use std::io::{self, Write as _};
use std::path::{Component, Path, PathBuf};

/// The largest file bulwark reads back from its folder (a generated file or the manifest):
/// anything larger was not written by bulwark, and reading it would only cost memory.
pub const MAX_FILE_BYTES: u64 = 32 * 1024 * 1024;

/// `path` is a plain relative path inside the folder: `/`-separated normal components, no
/// `..`, `.`, root, drive or backslash. Manifest entries and generated paths must be.
pub fn check_relative(path: &str) -> Result<(), String> {
    if path.is_empty() {
        return Err("the path is empty".into());
    }
    if path.contains('\\') || path.contains(':') || path.contains('\0') {
        return Err(format!("`{path}` contains `\\`, `:` or a NUL character"));
    }
    for component in Path::new(path).components() {
        if !matches!(component, Component::Normal(_)) {
            return Err(format!("`{path}` is not a relative path inside the folder"));
        }
    }
    if path.split('/').any(str::is_empty) {
        return Err(format!("`{path}` has an empty path segment"));
    }
    Ok(())
}

/// An open output folder.
pub struct Folder {
    dir: Dir,
    path: PathBuf,
}

impl Folder {
    /// The folder at `path`, if it exists.
    pub fn open(path: &Path) -> io::Result<Option<Folder>> {
        match Dir::open_ambient_dir(path, ambient_authority()) {
            Ok(dir) => Ok(Some(Folder {
                dir,
                path: path.to_path_buf(),
            })),
            Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(error) => Err(error),
        }
    }

    /// The folder at `path`, created (with its parents) if needed.
    pub fn create(path: &Path) -> io::Result<Folder> {
        create_dir_all(path)?;
        Ok(Folder {
            dir: Dir::open_ambient_dir(path, ambient_authority())?,
            path: path.to_path_buf(),
        })
    }

    /// The folder `relative` inside this one, created if needed. It is opened beneath this
    /// folder: a symlink there that leads outside it is refused.
    pub fn subfolder(&self, relative: &str) -> io::Result<Folder> {
        if let Ok(metadata) = self.dir.symlink_metadata(relative)
            && !metadata.is_dir()
        {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "not a folder (a symlink or a file); bulwark writes only into a real folder here",
            ));
        }
        self.dir.create_dir_all(relative)?;
        Ok(Folder {
            dir: self.dir.open_dir(relative)?,
            path: self.path.join(relative),
        })
    }

    /// `relative` as the user sees it, for messages.
    pub fn display(&self, relative: &str) -> PathBuf {
        self.path.join(relative)
    }

    /// The bytes of a regular file, `None` when there is nothing at `relative`. A FIFO, a
    /// device, a directory or a file over [`MAX_FILE_BYTES`] is an error, checked before it
    /// is opened, so reading never blocks or exhausts memory.
    pub fn read(&self, relative: &str) -> io::Result<Option<Vec<u8>>> {
        let metadata = match self.dir.metadata(relative) {
            Ok(metadata) => metadata,
            Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(error) => return Err(error),
        };
        if !metadata.is_file() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "not a regular file (a directory, FIFO or device); bulwark only writes regular files here",
            ));
        }
        if metadata.len() > MAX_FILE_BYTES {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "{} bytes, more than the {MAX_FILE_BYTES} bulwark reads back",
                    metadata.len()
                ),
            ));
        }
        match self.dir.read(relative) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(error) => Err(error),
        }
    }

    /// Whether anything (a file, a link, a folder) is at `relative`, without following a
    /// final symlink.
    pub fn exists(&self, relative: &str) -> bool {
        self.dir.symlink_metadata(relative).is_ok()
    }

    /// The names of the entries of the folder `relative` (`""` for this one), `None` when
    /// there is no folder there. Opened beneath this folder: a symlink leading outside it
    /// is an error. A name that is not UTF-8 is returned lossily (it can never be a
    /// generated path, which is UTF-8, but still counts as an entry).
    pub fn entries(&self, relative: &str) -> io::Result<Option<Vec<String>>> {
        let listed = match relative {
            "" => self.dir.entries(),
            relative => match self.dir.open_dir(relative) {
                Ok(dir) => dir.entries(),
                Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(None),
                Err(error) => return Err(error),
            },
        };
        let mut names = Vec::new();
        for entry in listed? {
            names.push(entry?.file_name().to_string_lossy().into_owned());
        }
        Ok(Some(names))
    }

    /// Create the file at `relative` (and its folders) with `bytes`; fails if anything, a
    /// dangling symlink included, is already there (`O_CREAT | O_EXCL` follows no link).
    pub fn write_new(&self, relative: &str, bytes: &[u8]) -> io::Result<()> {
        let mut options = cap_std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        let mut file = match relative.contains('/') {
            true => {
                let (parent, name) = self.parent_of(relative)?;
                parent.open_with(&name, &options)?
            }
            false => self.dir.open_with(relative, &options)?,
        };
        file.write_all(bytes)
    }

    /// Remove the file at `relative` (a symlink itself, never what it points to).
    pub fn remove_file(&self, relative: &str) -> io::Result<()> {
        self.dir.remove_file(relative)
    }

    /// Remove the folder at `relative` and everything in it, beneath this folder only.
    pub fn remove_dir_all(&self, relative: &str) -> io::Result<()> {
        self.dir.remove_dir_all(relative)
    }

    /// Rename the file `name` of this folder to `relative` in `to` (its folders created if
    /// needed), replacing what is there: a symlink at the target is replaced, not followed.
    /// `last` keeps the folder the last file went to open for the next (a generation's
    /// files come sorted, a folder's together).
    pub fn rename_to(
        &self,
        name: &str,
        to: &Folder,
        relative: &str,
        last: &mut Option<(String, Dir)>,
    ) -> io::Result<()> {
        let (parent, target) = relative.rsplit_once('/').unwrap_or(("", relative));
        if last.as_ref().is_none_or(|(open, _)| open != parent) {
            let dir = match parent {
                "" => to.dir.try_clone()?,
                parent => {
                    to.dir.create_dir_all(parent)?;
                    to.dir.open_dir(parent)?
                }
            };
            *last = Some((parent.to_string(), dir));
        }
        let (_, dir) = last.as_ref().expect("opened above");
        self.dir.rename(name, dir, target)
    }

    /// Rename the entry `name` of this folder (a folder) to `target` in `to`, a name there.
    /// The system replaces only an empty folder at `target` (a non-empty one, a file or a
    /// symlink there is an error), and the caller checks that nothing is there first.
    pub fn rename_entry_to(&self, name: &str, to: &Folder, target: &str) -> io::Result<()> {
        self.dir.rename(name, &to.dir, target)
    }

    /// The directory `relative` lives in, created if needed, and its file name.
    pub fn parent_of(&self, relative: &str) -> io::Result<(Dir, String)> {
        let (parent, name) = match relative.rsplit_once('/') {
            Some((parent, name)) => (Some(parent), name),
            None => (None, relative),
        };
        let dir = match parent {
            Some(parent) => {
                self.dir.create_dir_all(parent)?;
                self.dir.open_dir(parent)?
            }
            None => self.dir.try_clone()?,
        };
        Ok((dir, name.to_string()))
    }
}

/// `std::fs::create_dir_all`, with a clear error for a dangling symlink at `path` (the
/// system would only say "File exists"): bulwark creates no folder through a link.
pub fn create_dir_all(path: &Path) -> io::Result<()> {
    match std::fs::create_dir_all(path) {
        Err(error) if error.kind() == io::ErrorKind::AlreadyExists => {
            let link = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
            let dangling = link && std::fs::metadata(path).is_err();
            if dangling {
                let target = std::fs::read_link(path)
                    .map(|target| format!(" to {}", target.display()))
                    .unwrap_or_default();
                Err(io::Error::new(
                    io::ErrorKind::NotFound,
                    format!(
                        "a symlink{target}, which does not exist; bulwark does not create folders through a symlink: create the folder it points to, or remove the link"
                    ),
                ))
            } else if std::fs::metadata(path).is_ok_and(|m| !m.is_dir()) {
                Err(io::Error::new(
                    io::ErrorKind::AlreadyExists,
                    "a file, not a folder",
                ))
            } else {
                Err(error)
            }
        }
        other => other,
    }
}

/// Write `bytes` to a new temporary file in `dir`; [`cap_tempfile::TempFile::replace`] then
/// renames it over its target in one step.
pub fn stage<'d>(dir: &'d Dir, bytes: &[u8]) -> io::Result<cap_tempfile::TempFile<'d>> {
    let mut file = cap_tempfile::TempFile::new(dir)?;
    file.write_all(bytes)?;
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_relative_paths_pass() {
        for good in ["main.bicep", "modules/storage-media.bicep", "SECURITY.md"] {
            assert!(check_relative(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "../x",
            "/etc/passwd",
            "modules/../../x",
            "./main.bicep",
            "modules//x",
            "modules/",
            "C:\\x",
            "c:x",
            "a\\..\\b",
        ] {
            assert!(check_relative(bad).is_err(), "{bad}");
        }
    }
}
