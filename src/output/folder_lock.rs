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
}

impl PendingLock {
    /// Block until the other process releases the folder, then hold its lock.
    pub fn wait(self) -> Result<FolderLock, OutputError> {
        self.handle.lock().map_err(io_error(&self.path))?;
        Ok(FolderLock {
            _handle: Some(self.handle),
        })
    }
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
