//! Issue 14: a write transaction takes the files one at a time, so the CLI stages the Bicep
//! while the security report is still being rendered. A committed transaction must leave
//! exactly what `output::write` leaves, whatever order the files come in; an abandoned one
//! (dropped, or unwound by a panic) must leave the folder as it was.

mod common;

use bulwark::output::{self, OutputError, Transaction, WriteReport};
use common::synthetic::synthetic;
use std::collections::BTreeMap;
use std::path::Path;

/// Every file under `dir` (the staging folder and journal included) with its bytes.
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut folders = vec![dir.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                folders.push(path);
            } else {
                let relative = path
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                files.insert(relative, std::fs::read(&path).unwrap());
            }
        }
    }
    files
}

/// Write a generation through a transaction, its files staged last to first.
fn write_backwards(dir: &Path, generated: &bulwark::Generated) -> Result<WriteReport, OutputError> {
    let mut transaction = Transaction::begin(dir, None, false)?;
    for (path, text) in generated.files.files.iter().rev() {
        transaction.stage(path, text)?;
    }
    transaction.commit(&generated.manifest)
}

#[test]
fn a_committed_transaction_leaves_what_write_leaves() {
    let first = common::generate(&synthetic(12));
    // Fewer components: files change, modules go away.
    let second = common::generate(&synthetic(9));
    let folders = tempfile::tempdir().unwrap();
    let (written, transacted) = (folders.path().join("w"), folders.path().join("t"));
    for generated in [&first, &second] {
        let by_write =
            output::write(&written, &generated.files, &generated.manifest, None, false).unwrap();
        let by_transaction = write_backwards(&transacted, generated).unwrap();
        assert_eq!(by_write, by_transaction);
        assert_eq!(snapshot(&written), snapshot(&transacted));
    }
    let again = write_backwards(&transacted, &second).unwrap();
    assert!(again.written.is_empty() && again.removed.is_empty());
    assert_eq!(again.unchanged.len(), second.files.files.len());
}

#[test]
fn an_abandoned_transaction_leaves_the_folder_as_it_was() {
    let first = common::generate(&synthetic(12));
    let second = common::generate(&synthetic(9));
    let folder = tempfile::tempdir().unwrap();
    let dir = folder.path();
    output::write(dir, &first.files, &first.manifest, None, false).unwrap();
    let before = snapshot(dir);

    let mut transaction = Transaction::begin(dir, None, false).unwrap();
    for (path, text) in &second.files.files {
        transaction.stage(path, text).unwrap();
    }
    // The changed files were staged already, before the commit.
    assert!(dir.join(output::STAGING).is_dir());
    drop(transaction);
    assert_eq!(snapshot(dir), before);
    assert!(!dir.join(output::STAGING).exists());

    // A producer that panics halfway (as a report that cannot render would) unwinds
    // through the transaction: what it staged is removed too.
    let unwound = std::panic::catch_unwind(|| {
        let mut transaction = Transaction::begin(dir, None, false).unwrap();
        for (path, text) in &second.files.files {
            transaction.stage(path, text).unwrap();
        }
        panic!("the producer failed");
    });
    assert!(unwound.is_err());
    assert_eq!(snapshot(dir), before);
}

#[test]
fn refusals_are_reported_in_path_order_whatever_order_files_come_in() {
    let generated = common::generate(&synthetic(6));
    let folder = tempfile::tempdir().unwrap();
    let dir = folder.path();
    let mut paths: Vec<&String> = generated.files.files.keys().collect();
    paths.truncate(3);
    for path in &paths {
        let file = dir.join(path);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(file, "not bulwark's").unwrap();
    }
    let before = snapshot(dir);
    match write_backwards(dir, &generated) {
        Err(OutputError::NotOwned { paths: refused }) => {
            assert_eq!(
                refused,
                paths.iter().map(|p| p.to_string()).collect::<Vec<_>>()
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(snapshot(dir), before);
}
