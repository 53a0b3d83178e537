//! The component modules, built on several threads. Each component's module depends only on
//! the plan and the context, never on another module, so workers build, print and cut them
//! (`kinds::emit` → `bicep::print_file` → `split::split_view`) in chunks while the calling
//! thread takes the finished chunks back in component order: the output is the same,
//! byte for byte, however many threads ran and in whatever order they finished.

use super::{Context, MainOutput, MainParam, kinds, limits, module_call, split};
use crate::bicep::{self, File, Statement};
use crate::counters;
use crate::plan::ComponentPlan;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;

/// At most this many threads, the calling one included: the work is a sixth of a generation,
/// so more threads save little and each costs a stack and, with glibc, a malloc arena.
const MAX_THREADS: usize = 4;

/// Below this many components one thread builds them all. Measured on 2 cores: at 100
/// components a second thread shortens the calling thread's emit by 3 ms for 2 ms more CPU
/// (thread start, a second malloc arena), at 64 by 2 ms for 2.5 ms; at 790 by 31 ms (15%)
/// for no more CPU.
pub const PARALLEL_FROM: usize = 100;

/// Components a worker claims at a time: small enough that threads finish together and the
/// caller can take chunks as they come, large enough that claiming and sending is noise.
const CHUNK: usize = 16;

/// Chunks the workers may have built that the calling thread has not taken: about 1.3 MB
/// of text at most. While the calling thread builds the concern modules first, a bound of
/// four chunks stalled the worker (3 ms more at 790 components on tmpfs).
const RUN_AHEAD: usize = 8;

/// One component's contribution, built on a worker: everything main.bicep, the parameter
/// files and the stage split need, with the module's syntax already printed and cut.
pub struct Built {
    /// The component's call in main.bicep, with the comment above it.
    pub call: Statement,
    /// The module's file, and what the stage split reads of its syntax.
    pub module: Finished,
    pub split_view: File,
    /// Other files the component needs, e.g. a database grant script.
    pub extra_files: Vec<Finished>,
    pub main_outputs: Vec<MainOutput>,
    pub main_params: Vec<MainParam>,
}

/// A file finished on a worker, with what the calling thread would otherwise read of its
/// text there (the calling thread's time is the generation's): its digest for the manifest
/// and, for a template, its scan for the limit checks.
pub struct Finished {
    pub path: String,
    pub text: String,
    pub digest: String,
    pub scanned: Option<limits::Scanned>,
}

impl Finished {
    fn new(ctx: &Context, path: String, text: String) -> Self {
        let scanned = path
            .ends_with(".bicep")
            .then(|| limits::Scanned::of(&path, &text));
        Finished {
            digest: (ctx.digest)(text.as_bytes()),
            path,
            text,
            scanned,
        }
    }
}

/// How many threads build `components` modules: one below `PARALLEL_FROM` (100), otherwise
/// the machine's parallelism capped at `MAX_THREADS` (4).
pub fn threads_for(components: usize) -> usize {
    if components < PARALLEL_FROM {
        return 1;
    }
    std::thread::available_parallelism()
        .map_or(1, std::num::NonZero::get)
        .min(MAX_THREADS)
}

/// Build every component's module on `threads` threads (the calling thread and
/// `threads - 1` workers) and hand each to `take` in component order (components that
/// deploy nothing of their own are skipped). `first` runs on the calling thread once the
/// workers have started and before any module is taken: work that must come before the
/// modules in the output (the concern modules) overlaps the workers' first chunks instead
/// of leaving them idle. Both get `state`, what the calling thread assembles. Debug
/// counters counted on the workers are added to the calling thread's.
pub fn build_all<State>(
    ctx: &Context,
    components: &[ComponentPlan],
    threads: usize,
    state: &mut State,
    first: impl FnOnce(&mut State),
    mut take: impl FnMut(&mut State, Built),
) {
    let chunks: Vec<&[ComponentPlan]> = components.chunks(CHUNK).collect();
    let next_chunk = AtomicUsize::new(0);
    // The next chunk nobody has claimed yet, with its index.
    let claim = || {
        let index = next_chunk.fetch_add(1, Ordering::Relaxed);
        chunks.get(index).map(|chunk| (index, *chunk))
    };
    let build_chunk = |chunk: &[ComponentPlan]| -> Vec<Built> {
        chunk.iter().filter_map(|c| build(ctx, c)).collect()
    };
    let mut next_taken = 0;
    std::thread::scope(|scope| {
        // Bounded, so the workers run at most RUN_AHEAD chunks ahead of the calling thread:
        // when it waits for a slow writer, their texts do not pile up instead.
        let (sender, receiver) = mpsc::sync_channel::<(usize, Vec<Built>)>(RUN_AHEAD);
        let workers: Vec<_> = (1..threads.min(chunks.len()))
            .map(|_| {
                let sender = sender.clone();
                scope.spawn(move || {
                    while let Some((index, chunk)) = claim() {
                        if sender.send((index, build_chunk(chunk))).is_err() {
                            break;
                        }
                    }
                    counters::take()
                })
            })
            .collect();
        // Only the workers send: the last loop below ends when they are all done.
        drop(sender);
        first(state);
        let mut in_order = InOrder {
            waiting: BTreeMap::new(),
            next: 0,
            take: |built| take(state, built),
        };
        // The calling thread builds chunks too (one thread fewer to start, and one malloc
        // arena fewer), taking the workers' chunks as they come.
        while let Some((index, chunk)) = claim() {
            in_order.add(index, build_chunk(chunk));
            receiver
                .try_iter()
                .for_each(|(i, built)| in_order.add(i, built));
        }
        receiver
            .iter()
            .for_each(|(i, built)| in_order.add(i, built));
        for worker in workers {
            match worker.join() {
                Ok(counts) => counters::absorb(counts),
                // A worker's panic is a bulwark bug: report it as if it happened here.
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        next_taken = in_order.next;
    });
    assert_eq!(next_taken, chunks.len(), "every chunk was taken");
}

/// Chunks built in any order, handed on in component order: a chunk that finished ahead of
/// an earlier one waits until that one arrives.
struct InOrder<Take> {
    waiting: BTreeMap<usize, Vec<Built>>,
    /// The index of the next chunk to hand on.
    next: usize,
    take: Take,
}

impl<Take: FnMut(Built)> InOrder<Take> {
    fn add(&mut self, index: usize, built: Vec<Built>) {
        self.waiting.insert(index, built);
        while let Some(built) = self.waiting.remove(&self.next) {
            built.into_iter().for_each(&mut self.take);
            self.next += 1;
        }
    }
}

/// One component's module: built, its call in main.bicep, printed, its syntax cut to what
/// the stage split reads (the rest is dropped here, on the worker), its files digested and
/// scanned.
fn build(ctx: &Context, component: &ComponentPlan) -> Option<Built> {
    let mut module = kinds::emit(ctx, component)?;
    let call = Statement::from(module_call(
        &module.symbol,
        &module.path,
        &module.deployment_name,
        &module.params,
    ))
    .with_comment(format!(
        "{}: {} ({})",
        component.name,
        component.kind(),
        component.path()
    ));
    let file = module.finish();
    let text = bicep::print_file(&file);
    let extra_files = std::mem::take(&mut module.extra_files);
    Some(Built {
        call,
        module: Finished::new(ctx, std::mem::take(&mut module.path), text),
        split_view: split::split_view(file),
        extra_files: extra_files
            .into_iter()
            .map(|(path, text)| Finished::new(ctx, path, text))
            .collect(),
        main_outputs: std::mem::take(&mut module.main_outputs),
        main_params: std::mem::take(&mut module.main_params),
    })
}

/// Below this many bytes in all, [`finish_files`] reads the files on the calling thread
/// alone: a thread's start would cost more than it saves.
const FINISH_IN_PARALLEL_FROM: usize = 256 * 1024;

/// Each of `files` finished (digested, a template scanned), in their order: the stage
/// templates and parameter files of a split generation, read on the calling thread and one
/// more at once instead of on the calling thread alone, the last thing it does in emit.
pub fn finish_files(ctx: &Context, files: Vec<(String, String)>) -> Vec<Finished> {
    let total: usize = files.iter().map(|(_, text)| text.len()).sum();
    let finish = |files: Vec<(String, String)>| -> Vec<Finished> {
        (files.into_iter())
            .map(|(path, text)| Finished::new(ctx, path, text))
            .collect()
    };
    if total < FINISH_IN_PARALLEL_FROM {
        return finish(files);
    }
    // The worker takes the files from the first one on that make up half the bytes.
    let mut bytes = 0;
    let at = (files.iter())
        .position(|(_, text)| {
            bytes += text.len();
            bytes * 2 >= total
        })
        .map_or(files.len(), |i| i + 1);
    let mut first = files;
    let rest = first.split_off(at);
    std::thread::scope(|scope| {
        let worker = scope.spawn(|| finish(first));
        let rest = finish(rest);
        match worker.join() {
            Ok(mut done) => {
                done.extend(rest);
                done
            }
            Err(panic) => std::panic::resume_unwind(panic),
        }
    })
}
