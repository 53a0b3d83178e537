//! Work counters for the complexity tests: how many address-allocation probes, source
//! bytes scanned for line numbers and stage-split steps a generation does, so a
//! test can assert they grow linearly with the blueprint (a quadratic regression then fails
//! on any machine, however fast). Counted in debug builds only, per thread (tests run in
//! parallel); in release builds every count is a no-op and reads 0.

use std::cell::Cell;

/// What is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Counter {
    /// Candidate blocks the address plan examines (`plan::network`).
    AddressProbes,
    /// Bytes of blueprint text scanned to turn offsets into line numbers.
    LineScanBytes,
    /// Steps of the stage split (`emit::split`): expression nodes walked for dependencies and
    /// rewritten, and main.bicep parameters and variables considered for each stage.
    SplitSteps,
    /// Rows of the embedded facts tables (`catalog::facts`) split into cells: each table is
    /// parsed once, however often it is looked up.
    FactRowsParsed,
    /// Bytes of generated Bicep read by the template-limit checks (`emit::limits`): each
    /// text once per check, however many deployments include it.
    TemplateScanBytes,
    /// Template-limit checks computed (`emit::limits`): a check of templates already
    /// checked, nothing read or forgotten since, reuses the earlier answer.
    TemplateLimitChecks,
    /// Statements the stage split prints (`emit::split`): each of a stage once, its print
    /// both sizing it and joined into the stage's text, never the whole stage again.
    SplitStatementPrints,
    /// main.bicep's resources, module calls and outputs whose syntax the stage split has
    /// dropped, as each is placed and printed: a stage holds text, not syntax.
    SplitStatementsReleased,
    /// `existing` declarations the stage split builds: each once per stage that needs it
    /// (and once more for a unit tried again in a new stage), not once per statement
    /// that reads it.
    SplitExistingBuilt,
    /// Syntax tree strings (`bicep::Text`) made: keys, identifiers, members, literal text.
    SyntaxTexts,
    /// Those of them too long to keep inline, each one heap allocation: keys, identifiers
    /// and short literals must not count here.
    SyntaxTextAllocations,
    /// Paths of the output folder the write path probes one by one (`output`): a file to
    /// stage, a legacy staging name. A folder listing saying a name is absent saves its probe.
    OutputProbes,
    /// Folder listings the write path reads (`output::listing`) instead of those probes.
    OutputListings,
    /// Renames a commit makes into the output folder (`output::journal`): one per file
    /// placed, but one for a whole folder that did not exist before.
    OutputRenames,
    /// Entries of app-wide lists (calls, perimeter associations, scale rules, registry
    /// images, callers) examined to answer one component's question about them: looked up,
    /// not scanned from the start for each component.
    AppWideScans,
}

const COUNTERS: usize = 15;

thread_local! {
    static COUNTS: [Cell<u64>; COUNTERS] = const { [const { Cell::new(0) }; COUNTERS] };
}

/// Add `amount` to `counter` (debug builds only).
#[inline]
pub fn add(counter: Counter, amount: u64) {
    if cfg!(debug_assertions) {
        COUNTS.with(|counts| {
            let cell = &counts[counter as usize];
            cell.set(cell.get().saturating_add(amount));
        });
    }
}

/// The count so far on this thread (always 0 in release builds).
pub fn get(counter: Counter) -> u64 {
    COUNTS.with(|counts| counts[counter as usize].get())
}

/// Every count of one thread, indexed by `Counter as usize`.
pub type Counts = [u64; COUNTERS];

/// This thread's counts, which are then set back to 0: a worker thread returns them when
/// it is done, for the thread that spawned it to [`absorb`], so work done off the calling
/// thread still counts in the complexity tests.
pub fn take() -> Counts {
    COUNTS.with(|counts| counts.each_ref().map(|cell| cell.take()))
}

/// Add counts taken on another thread (see [`take`]) to this thread's.
pub fn absorb(taken: Counts) {
    COUNTS.with(|counts| {
        for (cell, amount) in counts.iter().zip(taken) {
            cell.set(cell.get().saturating_add(amount));
        }
    });
}

/// Run `work` on a thread of `scope`, handing back its counts with its result (see
/// [`join_counted`]).
pub fn spawn_counted<'scope, T: Send + 'scope>(
    scope: &'scope std::thread::Scope<'scope, '_>,
    work: impl FnOnce() -> T + Send + 'scope,
) -> std::thread::ScopedJoinHandle<'scope, (T, Counts)> {
    scope.spawn(move || (work(), take()))
}

/// The result of a worker from [`spawn_counted`] (or any that returns its [`take`]n counts
/// with its result): its counts are added to this thread's, and its panic (a bug, never
/// user input) goes on on this thread.
pub fn join_counted<T>(worker: std::thread::ScopedJoinHandle<'_, (T, Counts)>) -> T {
    let (result, counts) = worker
        .join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
    absorb(counts);
    result
}

/// Set every count of this thread back to 0.
pub fn reset() {
    COUNTS.with(|counts| counts.iter().for_each(|cell| cell.set(0)));
}

/// Whether this build counts (debug builds do).
pub const ENABLED: bool = cfg!(debug_assertions);

#[cfg(test)]
mod tests {
    use super::*;

    /// What a worker thread counts reaches the thread that joins it, and only once.
    #[test]
    fn counts_taken_on_a_worker_are_absorbed_by_the_caller() {
        reset();
        add(Counter::SplitSteps, 2);
        let taken = std::thread::spawn(|| {
            add(Counter::SplitSteps, 5);
            add(Counter::AddressProbes, 1);
            let taken = take();
            assert_eq!(
                get(Counter::SplitSteps),
                0,
                "take resets the worker's counts"
            );
            taken
        })
        .join()
        .expect("the worker counts");
        absorb(taken);
        let expected = |count: u64| if ENABLED { count } else { 0 };
        assert_eq!(get(Counter::SplitSteps), expected(7));
        assert_eq!(get(Counter::AddressProbes), expected(1));
        assert_eq!(get(Counter::LineScanBytes), 0);
    }
}
