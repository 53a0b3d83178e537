//! The component modules, built on several threads. Each component's module depends only on
//! the plan and the context, never on another module, so workers build, print and cut them
//! (`kinds::emit` → `bicep::print_file` → `split::split_view`) in chunks while the calling
//! thread takes the finished chunks back in component order: the output is the same,
//! byte for byte, however many threads ran and in whatever order they finished.

use super::{Context, MainOutput, MainParam, kinds, module_call, split};
use crate::bicep::{self, File, Statement};
use crate::counters;
use crate::plan::ComponentPlan;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;

/// At most this many worker threads: the work is a quarter of a generation, so more threads
/// than this save little and each costs a stack and, with glibc, a malloc arena.
const MAX_THREADS: usize = 4;

/// Below this many components one thread builds them all: spawning and joining cost more
/// than the modules (measured at 100 components, see [`threads_for`]).
const PARALLEL_FROM: usize = 64;

/// Components a worker claims at a time: small enough that threads finish together and the
/// caller can take chunks as they come, large enough that claiming and sending is noise.
const CHUNK: usize = 16;

/// One component's contribution, built on a worker: everything main.bicep, the parameter
/// files and the stage split need, with the module's syntax already printed and cut.
pub struct Built {
    /// The component's call in main.bicep, with the comment above it.
    pub call: Statement,
    /// The module's path, printed text and what the stage split reads of its syntax.
    pub path: String,
    pub text: String,
    pub split_view: File,
    /// Other files the component needs, e.g. a database grant script.
    pub extra_files: Vec<(String, String)>,
    pub main_outputs: Vec<MainOutput>,
    pub main_params: Vec<MainParam>,
}

/// How many threads build `components` modules: one below [`PARALLEL_FROM`], otherwise
/// the machine's parallelism capped at [`MAX_THREADS`].
pub fn threads_for(components: usize) -> usize {
    if components < PARALLEL_FROM {
        return 1;
    }
    std::thread::available_parallelism()
        .map_or(1, std::num::NonZero::get)
        .min(MAX_THREADS)
}

/// Build every component's module on `threads` threads and hand each to `take` in
/// component order (components that deploy nothing of their own are skipped). Debug
/// counters counted on the workers are added to the calling thread's.
pub fn build_all(
    ctx: &Context,
    components: &[ComponentPlan],
    threads: usize,
    mut take: impl FnMut(Built),
) {
    if threads <= 1 {
        components
            .iter()
            .filter_map(|component| build(ctx, component))
            .for_each(take);
        return;
    }
    let chunks: Vec<&[ComponentPlan]> = components.chunks(CHUNK).collect();
    let next_chunk = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        let (sender, receiver) = mpsc::channel::<(usize, Vec<Built>)>();
        let workers: Vec<_> = (0..threads.min(chunks.len()))
            .map(|_| {
                let sender = sender.clone();
                let (chunks, next_chunk) = (&chunks, &next_chunk);
                scope.spawn(move || {
                    loop {
                        let index = next_chunk.fetch_add(1, Ordering::Relaxed);
                        let Some(chunk) = chunks.get(index) else { break };
                        let built = chunk.iter().filter_map(|c| build(ctx, c)).collect();
                        if sender.send((index, built)).is_err() {
                            break;
                        }
                    }
                    counters::take()
                })
            })
            .collect();
        // Only the workers send: the loop below ends when the last of them is done (or
        // has panicked).
        drop(sender);
        // Chunks that finished ahead of an earlier one wait here until it arrives.
        let mut waiting: BTreeMap<usize, Vec<Built>> = BTreeMap::new();
        let mut next_to_take = 0;
        for (index, built) in receiver {
            waiting.insert(index, built);
            while let Some(built) = waiting.remove(&next_to_take) {
                built.into_iter().for_each(&mut take);
                next_to_take += 1;
            }
        }
        for worker in workers {
            match worker.join() {
                Ok(counts) => counters::absorb(counts),
                // A worker's panic is a bulwark bug: report it as if it happened here.
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        assert_eq!(next_to_take, chunks.len(), "every chunk was taken");
    });
}

/// One component's module: built, its call in main.bicep, printed, its syntax cut to what
/// the stage split reads (the rest is dropped here, on the worker).
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
    Some(Built {
        call,
        path: std::mem::take(&mut module.path),
        text,
        split_view: split::split_view(file),
        extra_files: std::mem::take(&mut module.extra_files),
        main_outputs: std::mem::take(&mut module.main_outputs),
        main_params: std::mem::take(&mut module.main_params),
    })
}
