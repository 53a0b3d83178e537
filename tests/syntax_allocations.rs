//! Issue 14: the Bicep syntax tree and its printer allocate only where they must. Every
//! generated file is built as a tree and printed, and at 790 components a generation made
//! 1.5 M heap allocations, most of them strings of the tree: keys, identifiers and literals
//! that are short and mostly `&'static str`. Counted by this test binary's own allocator,
//! per thread (tests run in parallel), so a regression fails on any machine.

mod common;

use bulwark::bicep::{Expr, File, Property, Resource, Text, obj, print_file};
use bulwark::counters::{self, Counter};
use common::synthetic::{render_toml, synthetic};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

/// The system allocator, counting the allocations (and reallocations) of each thread.
struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

fn counted() {
    // `try_with`: a thread being torn down may still free and allocate.
    let _ = ALLOCATIONS.try_with(|count| count.set(count.get() + 1));
}

// SAFETY: every call is passed on to the system allocator unchanged; only calls are counted.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        counted();
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, pointer: *mut u8, layout: Layout) {
        unsafe { System.dealloc(pointer, layout) };
    }

    unsafe fn realloc(&self, pointer: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        counted();
        unsafe { System.realloc(pointer, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// What `make` returns, and the heap allocations it took on this thread.
fn allocations<T>(make: impl FnOnce() -> T) -> (T, u64) {
    let before = ALLOCATIONS.with(Cell::get);
    let made = make();
    (made, ALLOCATIONS.with(Cell::get) - before)
}

#[test]
fn keys_identifiers_and_short_literals_do_not_allocate() {
    let built = String::from("privateEndpointSubnet");
    let (_, count) = allocations(|| [Text::from("environmentName"), Text::from(&built)]);
    assert_eq!(count, 0, "short texts are kept inline");
    let (_, count) = allocations(|| Property::new("location", Expr::ident("location")));
    assert_eq!(count, 0, "a property with a name key and an identifier");
    let (_, count) = allocations(|| Expr::str("Standard_LRS"));
    assert_eq!(
        count, 1,
        "a literal is its list of parts, and its text inline"
    );
    let (_, count) = allocations(|| Expr::path("resourceGroup().location"));
    assert_eq!(count, 1, "a member access is one box, its names inline");
    let long = Text::from("Microsoft.Network/privateEndpoints@2024-05-01");
    let (_, count) = allocations(|| [long.clone(), long.clone()]);
    assert_eq!(count, 0, "a long text is shared by its clones");
}

#[test]
fn a_file_is_printed_with_one_allocation_for_its_text() {
    let mut file = File::new("header");
    for index in 0..50 {
        file.push(
            Resource::new(
                format!("account{index}"),
                "Microsoft.Storage/storageAccounts",
                "2025-06-01",
            )
            .prop("name", Expr::str(format!("st{index}")))
            .prop("location", Expr::ident("location"))
            .prop(
                "properties",
                obj([
                    ("publicNetworkAccess", "Disabled".into()),
                    ("blobEndpoint", "https://x.blob.core.windows.net/".into()),
                    ("note", "it's ${not} interpolated \\ \n".into()),
                ]),
            ),
        );
    }
    let (first, _) = allocations(|| print_file(&file));
    let (again, count) = allocations(|| print_file(&file));
    assert_eq!(again, first);
    assert!(first.len() > 10_000, "{} bytes", first.len());
    assert_eq!(
        count, 1,
        "printing again reuses the buffer, quotes, escapes and rewrites cloud hosts in place"
    );
}

/// A whole generation: most strings of its syntax trees are short enough to be kept inline
/// or are static keys (at 60 components 1 in 10 is neither: derived symbols such as
/// `blobCoreWindowsNetZoneId`, resource types, long literals). With a `String` each, all were.
#[test]
fn few_syntax_texts_of_a_generation_allocate() {
    if !counters::ENABLED {
        eprintln!("skipped: counters count in debug builds only");
        return;
    }
    let text = render_toml(&synthetic(60));
    let loaded = bulwark::blueprint::load::from_str(&text).expect("the synthetic TOML loads");
    let options = bulwark::Options {
        today: common::today(),
        ..bulwark::Options::default()
    };
    counters::reset();
    bulwark::generate(&loaded.blueprint, &options).expect("it generates");
    let made = counters::get(Counter::SyntaxTexts);
    let allocated = counters::get(Counter::SyntaxTextAllocations);
    eprintln!("{made} syntax texts, {allocated} on the heap");
    assert!(made > 10_000, "{made} syntax texts counted");
    assert!(
        allocated * 6 <= made,
        "{allocated} of {made} syntax texts allocate"
    );
}
