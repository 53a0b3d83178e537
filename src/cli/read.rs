//! Reading a blueprint's bytes, bounded: a file or standard input, never a FIFO or device.

use std::path::Path;

/// The largest blueprint bulwark reads: a blueprint of 1,000 components is about 100 KB, so
/// anything near this is not a blueprint, and reading it would only cost memory.
const MAX_BLUEPRINT_BYTES: u64 = 8 * 1024 * 1024;

/// The bytes of a blueprint: standard input for `-`, else a regular file of at most
/// [`MAX_BLUEPRINT_BYTES`] (a FIFO or device is refused before it is opened, so nothing
/// blocks or fills memory).
pub(super) fn read_blueprint(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::{Error, ErrorKind, Read};
    let too_large = || {
        Error::new(
            ErrorKind::InvalidData,
            format!(
                "larger than the {} MiB a blueprint may be",
                MAX_BLUEPRINT_BYTES >> 20
            ),
        )
    };
    let mut bytes = Vec::new();
    if path == Path::new("-") {
        std::io::stdin()
            .lock()
            .take(MAX_BLUEPRINT_BYTES + 1)
            .read_to_end(&mut bytes)?;
    } else {
        let metadata = std::fs::metadata(path)?;
        if !metadata.is_file() {
            return Err(Error::new(
                ErrorKind::InvalidInput,
                "not a regular file (a directory, FIFO or device)",
            ));
        }
        if metadata.len() > MAX_BLUEPRINT_BYTES {
            return Err(too_large());
        }
        std::fs::File::open(path)?
            .take(MAX_BLUEPRINT_BYTES + 1)
            .read_to_end(&mut bytes)?;
    }
    if bytes.len() as u64 > MAX_BLUEPRINT_BYTES {
        return Err(too_large());
    }
    Ok(bytes)
}
