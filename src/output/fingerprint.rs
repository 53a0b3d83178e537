//! The inputs of a generation, fingerprinted in its manifest: the generator, the
//! blueprint's label and bytes, the manifest of every library it names and the address plan
//! lock. A later `generate` or `check` whose inputs have the same fingerprint, into a folder
//! whose files still have the hashes the manifest records, has nothing to do: it skips
//! validation, planning and emission. Any difference falls back to the full path, so
//! correctness never depends on this one.

use super::{JOURNAL, LockFile, Manifest, STAGING, hash};
use crate::blueprint::library::{LIBRARY_MANIFEST, normalize};
use crate::confined::Folder;
use crate::emit::GENERATOR;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::Path;

/// What a generation was made from, as its manifest records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inputs {
    /// `sha256:<hex>` over the generator, the blueprint's label and text, each library's
    /// manifest and the address plan lock the generation wrote (line endings normalised).
    pub fingerprint: String,
    /// The library folders the blueprint names, as it writes them (relative to its folder),
    /// so the next run finds their manifests without parsing the blueprint.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub libraries: Vec<String>,
}

/// The blueprint and the library manifests it names, hashed as read at one moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputsRead {
    label: String,
    blueprint: String,
    /// Library folder as the blueprint writes it → hash of its manifest (or why it is unread).
    libraries: Vec<(String, String)>,
}

impl InputsRead {
    /// The inputs of the blueprint `bytes` (shown as `label`, in folder `base`), with the
    /// libraries its `[libraries]` table names. A blueprint that does not parse names none.
    pub fn read(bytes: &[u8], label: &str, base: &Path) -> InputsRead {
        InputsRead::with_libraries(bytes, label, base, &library_folders(bytes))
    }

    fn with_libraries(bytes: &[u8], label: &str, base: &Path, folders: &[String]) -> InputsRead {
        let libraries = folders
            .iter()
            .map(|folder| {
                let root = normalize(&base.join(folder));
                let manifest =
                    match Folder::open(&root).map(|f| f.map(|f| f.read(LIBRARY_MANIFEST))) {
                        Ok(Some(Ok(Some(bytes)))) => hash(&lf(&bytes)),
                        _ => "unreadable".to_string(),
                    };
                (folder.clone(), manifest)
            })
            .collect();
        InputsRead {
            label: label.to_string(),
            blueprint: hash(&lf(bytes)),
            libraries,
        }
    }

    /// The manifest's record of these inputs, with the lock the generation writes (`None`
    /// when it writes none).
    pub fn inputs(&self, lock_text: Option<&str>) -> Inputs {
        Inputs {
            fingerprint: self.fingerprint(lock_text),
            libraries: self
                .libraries
                .iter()
                .map(|(folder, _)| folder.clone())
                .collect(),
        }
    }

    fn fingerprint(&self, lock_text: Option<&str>) -> String {
        let mut digest = Sha256::new();
        let mut field = |bytes: &[u8]| {
            digest.update((bytes.len() as u64).to_le_bytes());
            digest.update(bytes);
        };
        field(GENERATOR.as_bytes());
        field(self.label.as_bytes());
        field(self.blueprint.as_bytes());
        for (folder, manifest) in &self.libraries {
            field(folder.as_bytes());
            field(manifest.as_bytes());
        }
        match lock_text {
            Some(text) => field(hash(text.as_bytes()).as_bytes()),
            None => field(b"no lock"),
        }
        let hex: String = digest
            .finalize()
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect();
        format!("sha256:{hex}")
    }
}

/// Whether the folder `dir` already holds the generation of `blueprint` (its bytes, shown
/// as `label`, in folder `base`) with the address plan `lock`: the manifest's fingerprint
/// matches these inputs, no generation is half done, and every file the manifest lists has
/// the hash it records (compared as read, nothing decoded). The files when it does; `None`
/// for anything else, a read error included (the full path reports it).
pub fn up_to_date(
    dir: &Path,
    blueprint: &[u8],
    label: &str,
    base: &Path,
    lock: &LockFile,
) -> Option<Vec<String>> {
    let folder = Folder::open(dir).ok()??;
    if folder.exists(JOURNAL) || folder.exists(STAGING) {
        return None;
    }
    let Manifest {
        generator,
        blueprint: recorded_label,
        files,
        inputs,
        ..
    } = Manifest::read_in(&folder).ok()??;
    let inputs = inputs?;
    if generator != GENERATOR || recorded_label != label {
        return None;
    }
    let read = InputsRead::with_libraries(blueprint, label, base, &inputs.libraries);
    let lock_text = lock.read_text().ok()?;
    if read.fingerprint(lock_text.as_deref()) != inputs.fingerprint {
        return None;
    }
    let mut paths = Vec::with_capacity(files.len());
    for (path, recorded) in files {
        let bytes = folder.read(&path).ok()??;
        if hash(&bytes) != recorded {
            return None;
        }
        paths.push(path);
    }
    Some(paths)
}

/// The library folders a blueprint's `[libraries]` table names, in name order.
fn library_folders(bytes: &[u8]) -> Vec<String> {
    #[derive(Deserialize)]
    struct Entry {
        path: String,
    }
    #[derive(Deserialize)]
    struct Document {
        #[serde(default)]
        libraries: BTreeMap<String, Entry>,
    }
    let Ok(text) = std::str::from_utf8(bytes) else {
        return Vec::new();
    };
    if !could_name_libraries(text) {
        // Parsing the whole blueprint for a table it does not have cost as much as the
        // rest of the fingerprint, twice per generation.
        return Vec::new();
    }
    toml::from_str::<Document>(text)
        .map(|document| {
            document
                .libraries
                .into_values()
                .map(|entry| entry.path)
                .collect()
        })
        .unwrap_or_default()
}

/// Whether a TOML text could have a `libraries` key: it spells the word, or it has a
/// backslash (a quoted key may spell it with escapes, `"\u006Cibraries"`). Texts without
/// either name no library, whether they parse or not.
fn could_name_libraries(text: &str) -> bool {
    text.contains("libraries") || text.contains('\\')
}

/// `bytes` with CRLF line endings as LF, so a Windows checkout has the same fingerprint.
fn lf(bytes: &[u8]) -> Cow<'_, [u8]> {
    if !bytes.contains(&b'\r') {
        return Cow::Borrowed(bytes);
    }
    let mut out = Vec::with_capacity(bytes.len());
    let mut rest = bytes;
    while let Some(at) = rest.windows(2).position(|pair| pair == b"\r\n") {
        out.extend_from_slice(&rest[..at]);
        out.push(b'\n');
        rest = &rest[at + 2..];
    }
    out.extend_from_slice(rest);
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crlf_and_lf_blueprints_have_one_fingerprint() {
        let base = Path::new(".");
        let unix = InputsRead::read(b"[app]\nname = \"x\"\n", "b.toml", base);
        let windows = InputsRead::read(b"[app]\r\nname = \"x\"\r\n", "b.toml", base);
        assert_eq!(unix.inputs(Some("lock")), windows.inputs(Some("lock")));
        let other = InputsRead::read(b"[app]\nname = \"y\"\n", "b.toml", base);
        assert_ne!(unix.inputs(None), other.inputs(None));
        assert_ne!(unix.inputs(Some("a")), unix.inputs(Some("b")));
    }

    #[test]
    fn library_folders_come_from_the_libraries_table() {
        let text = b"[libraries]\nzeta = { path = \"../z\" }\nalpha = { path = \"lib/a\", version = \"1\" }\n[app]\nname = \"x\"\n";
        assert_eq!(library_folders(text), ["lib/a", "../z"]);
        assert!(library_folders(b"not toml [").is_empty());
        let escaped = b"[\"\\u006Cibraries\"]\nlib = { path = \"lib/x\" }\n";
        assert_eq!(library_folders(escaped), ["lib/x"]);
        assert!(!could_name_libraries("[app]\nname = \"x\"\n"));
    }
}
