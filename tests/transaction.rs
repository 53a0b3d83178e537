//! Issue 14: a write transaction takes the files one at a time, so the CLI stages the Bicep
//! while the security report is still being rendered. A committed transaction must leave
//! exactly what `output::write` leaves, whatever order the files come in; an abandoned one
//! (dropped, or unwound by a panic) must leave the folder as it was.

mod common;

use bulwark::output::{self, OutputError, Transaction, WriteReport};
use common::snapshot;
use common::synthetic::synthetic;
use std::path::Path;

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

/// Staging into an empty folder lists each folder once instead of probing each path (issue
/// 14: hundreds of `ENOENT` lookups), and an existing folder's files are still probed.
#[test]
fn an_empty_folder_is_listed_not_probed_path_by_path() {
    use bulwark::counters::{self, Counter};
    let generated = common::generate(&synthetic(30));
    let folder = tempfile::tempdir().unwrap();
    let dir = folder.path().join("infra");
    counters::reset();
    write_backwards(&dir, &generated).unwrap();
    let files = generated.files.files.len() as u64;
    if cfg!(debug_assertions) {
        assert_eq!(counters::get(Counter::OutputProbes), 0);
        // The output folder and modules/ at staging, again at the commit, and once
        // more for the legacy staging names while placing.
        assert!(counters::get(Counter::OutputListings) <= 6, "{files} files");
    }
    counters::reset();
    let again = write_backwards(&dir, &generated).unwrap();
    assert_eq!(again.unchanged.len() as u64, files);
    if cfg!(debug_assertions) {
        assert_eq!(counters::get(Counter::OutputProbes), files);
    }
}

/// A file that appears at a target path after the folder was listed (another process, a
/// user copying files in while bulwark generates) is refused at the commit as a probe at
/// staging would have refused it, and both are left as they are.
#[test]
fn an_unmanaged_file_appearing_after_the_listing_is_refused() {
    let generated = common::generate(&synthetic(6));
    let folder = tempfile::tempdir().unwrap();
    let dir = folder.path();
    let mut transaction = Transaction::begin(dir, None, false).unwrap();
    let mut paths = generated.files.files.iter();
    let (first, text) = paths.next().unwrap();
    transaction.stage(first, text).unwrap();
    let last = generated.files.files.keys().last().unwrap();
    for path in [first, last] {
        let file = dir.join(path);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(file, "not bulwark's").unwrap();
    }
    for (path, text) in paths {
        transaction.stage(path, text).unwrap();
    }
    match transaction.commit(&generated.manifest) {
        // The first staged before it appeared (found by the commit), the last after.
        Err(OutputError::NotOwned { paths }) => assert_eq!(paths, [first.as_str(), last.as_str()]),
        other => panic!("{other:?}"),
    }
    for path in [first, last] {
        assert_eq!(std::fs::read(dir.join(path)).unwrap(), b"not bulwark's");
    }
    assert!(!dir.join(output::STAGING).exists());
}
