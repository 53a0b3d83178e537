//! An exclusive lock on an output folder (an advisory `flock` on the folder itself), held
//! while a command reads and writes it, so two runs never interleave.

use super::{OutputError, io_error};
use std::io;
use std::path::{Path, PathBuf};

/// An exclusive lock on an output folder, held while a command reads and writes it, so two
/// runs of `generate` (or `generate` and `check`) never interleave. Released on drop.
#[derive(Debug)]
pub struct FolderLock {
    _handle: Option<std::fs::File>,
}

impl FolderLock {
    /// Whether a lock is held (a missing folder, or a platform without folder locks, has none).
    pub fn is_held(&self) -> bool {
        self._handle.is_some()
    }
}

/// Another process holds the folder's lock; [`PendingLock::wait`] blocks until it is free.
#[derive(Debug)]
pub struct PendingLock {
    handle: std::fs::File,
    path: PathBuf,
    create: bool,
}

impl PendingLock {
    /// Block until the other process releases the folder, then hold its lock. A run that
    /// created the folder and failed removes it again before it lets go: the lock then
    /// held is on a folder no longer there, so the folder now at the path (or none) is
    /// locked afresh, as [`lock`] would.
    pub fn wait(self) -> Result<FolderLock, OutputError> {
        let mut pending = self;
        loop {
            pending.handle.lock().map_err(io_error(&pending.path))?;
            if still_at(&pending.handle, &pending.path) {
                return Ok(FolderLock {
                    _handle: Some(pending.handle),
                });
            }
            match lock(&pending.path, pending.create)? {
                LockAttempt::Locked(lock) => return Ok(lock),
                LockAttempt::Busy(next) => pending = next,
            }
        }
    }
}

/// Whether the folder `handle` was opened on is still the one at `path`.
#[cfg(unix)]
fn still_at(handle: &std::fs::File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (handle.metadata(), std::fs::metadata(path)) {
        (Ok(held), Ok(there)) => held.dev() == there.dev() && held.ino() == there.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn still_at(_handle: &std::fs::File, _path: &Path) -> bool {
    true
}

/// The outcome of [`lock`]: the folder's lock, or a handle to wait for it.
pub enum LockAttempt {
    /// The lock is held until the [`FolderLock`] is dropped.
    Locked(FolderLock),
    /// Another process holds it; wait with [`PendingLock::wait`] (or give up).
    Busy(PendingLock),
}

/// Try to lock the folder `dir` (an advisory `flock` on the folder itself, so no lock file
/// appears in it). `create` makes the folder first; without it a missing folder needs no
/// lock. Platforms that cannot lock a folder run unlocked.
pub fn lock(dir: &Path, create: bool) -> Result<LockAttempt, OutputError> {
    if create {
        crate::confined::create_dir_all(dir).map_err(io_error(dir))?;
    }
    let handle = match std::fs::File::open(dir) {
        Ok(handle) => handle,
        Err(error) if error.kind() == io::ErrorKind::NotFound && !create => {
            return Ok(LockAttempt::Locked(FolderLock { _handle: None }));
        }
        Err(_) if cfg!(not(unix)) => return Ok(LockAttempt::Locked(FolderLock { _handle: None })),
        Err(error) => {
            return Err(OutputError::Io {
                path: dir.to_path_buf(),
                error,
            });
        }
    };
    match handle.try_lock() {
        Ok(()) => Ok(LockAttempt::Locked(FolderLock {
            _handle: Some(handle),
        })),
        Err(std::fs::TryLockError::WouldBlock) => Ok(LockAttempt::Busy(PendingLock {
            handle,
            path: dir.to_path_buf(),
            create,
        })),
        Err(std::fs::TryLockError::Error(error)) if error.kind() == io::ErrorKind::Unsupported => {
            Ok(LockAttempt::Locked(FolderLock { _handle: None }))
        }
        Err(std::fs::TryLockError::Error(error)) => Err(OutputError::Io {
            path: dir.to_path_buf(),
            error,
        }),
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    /// A run waiting for `dir`'s lock while the run holding it fails: that run removes the
    /// folder it created, then lets go.
    fn waiting_while_the_folder_is_removed(dir: &Path) -> PendingLock {
        let LockAttempt::Locked(first) = lock(dir, true).unwrap() else {
            panic!("{} is locked already", dir.display());
        };
        let LockAttempt::Busy(pending) = lock(dir, true).unwrap() else {
            panic!("the folder is locked");
        };
        std::fs::remove_dir(dir).unwrap();
        drop(first);
        pending
    }

    #[test]
    fn a_waiter_locks_the_folder_made_again_not_the_one_removed() {
        let temp = tempfile::tempdir().unwrap();
        let dir = temp.path().join("infra");
        let pending = waiting_while_the_folder_is_removed(&dir);
        // Another run makes the folder anew before the waiter wakes.
        std::fs::create_dir(&dir).unwrap();
        let waited = pending.wait().unwrap();
        assert!(waited.is_held());
        assert!(
            matches!(lock(&dir, false).unwrap(), LockAttempt::Busy(_)),
            "the waiter holds the lock of the folder now at the path"
        );
    }

    #[test]
    fn a_waiter_on_a_folder_removed_for_good_creates_it_when_asked() {
        let temp = tempfile::tempdir().unwrap();
        let dir = temp.path().join("infra");
        let waited = waiting_while_the_folder_is_removed(&dir).wait().unwrap();
        assert!(waited.is_held() && dir.is_dir());
    }
}
