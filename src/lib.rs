//! bulwark turns a typed blueprint of an Azure application into hardened Bicep.
//!
//! The pipeline is pure: [`blueprint`] (load, build, validate) → plan (expand into Azure
//! resources) → emit (a [`FileSet`] of Bicep and parameter files) → [`output`] (write or
//! compare). Only the command-line layer prints.
//!
//! ```
//! use bulwark::blueprint::{Access, Blueprint, Ingress, Runtime, Storage, WebApp};
//!
//! # fn main() -> Result<(), bulwark::Error> {
//! let blueprint = Blueprint::builder("shop", ["dev", "prod"])
//!     .component(
//!         "web",
//!         WebApp::new(Runtime::Node22)
//!             .ingress(Ingress::Public)
//!             .uses("media.images", Access::Read)
//!             .sku_in("prod", "P1v3"),
//!     )
//!     .component("media", Storage::new().containers(["images"]))
//!     .build();
//! let generated = bulwark::generate(&blueprint, &bulwark::Options::default())?;
//! assert!(generated.files.get("main.bicep").is_some());
//! # Ok(())
//! # }
//! ```
//!
//! # What is public
//!
//! The documented API is what embedding bulwark needs: the [`blueprint`] model, builder,
//! loader and validation; [`generate`] with its [`Options`], [`Generated`] and [`Error`]
//! ([`generate_streaming`] hands each file on as it is made, for writing while generating);
//! [`output`] to write a [`FileSet`] into a folder or compare it with one; [`add_report`]
//! for the security report (`SECURITY.md`).
//!
//! The stages behind them (the planner, the Bicep model and emitter, the security report's
//! model, the catalogue of Azure facts, the deployer bootstrap, project scaffolding, confined
//! file access) are `pub` only because the `bulwark` binary, the integration tests and the
//! benches are separate crates that need them. They are `#[doc(hidden)]`: not part of the
//! API, no stability promise, free to change in any release. Keeping them reachable rather
//! than `pub(crate)` lets the tests check the planner's decisions directly instead of through
//! rendered Bicep, and keeps the binary a plain user of the library.

#![warn(missing_docs)]

#[doc(hidden)]
pub mod address;
#[doc(hidden)]
pub mod bicep;
pub mod blueprint;
#[doc(hidden)]
pub mod catalog;
#[doc(hidden)]
pub mod confined;
#[doc(hidden)]
pub mod counters;
#[doc(hidden)]
pub mod deployer;
#[doc(hidden)]
pub mod emit;
pub mod output;
#[doc(hidden)]
pub mod plan;
#[doc(hidden)]
pub mod report;
#[doc(hidden)]
pub mod scaffold;
#[doc(hidden)]
pub mod text;
#[doc(hidden)]
pub mod vocabulary;

pub use blueprint::{Blueprint, Diagnostic};
pub use emit::{FileSet, Options};
pub use plan::AddressRecord;
pub use report::Source as ReportSource;

/// Validate, plan and emit: the whole pipeline, in memory. Nothing is written; pass the
/// result to [`output::write`] (or compare it with [`output::check`]).
///
/// Warnings are returned alongside the files in [`Generated::warnings`]; any error stops
/// generation before a single file exists, and comes back as an [`Error`] carrying every
/// diagnostic: validation errors, a network that cannot be laid out, or templates too large
/// for one ARM deployment.
pub fn generate(blueprint: &Blueprint, options: &Options) -> Result<Generated, Error> {
    let mut files = FileSet::default();
    let streamed = generate_streaming(blueprint, options, &mut |file: GeneratedFile| {
        files.files.insert(file.path, file.text);
    })?;
    let Streamed {
        manifest,
        address_plan,
        plan,
        warnings,
    } = streamed;
    Ok(Generated {
        files,
        manifest,
        address_plan,
        plan,
        warnings,
    })
}

/// One generated file as [`generate_streaming`] hands it on: its path relative to the
/// output folder, its text, and the hash the manifest records for it ([`output::hash`]),
/// so a writer need not hash it again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFile {
    /// Relative, `/`-separated, e.g. `modules/web.bicep`.
    pub path: String,
    /// LF line endings, one final newline.
    pub text: String,
    /// `sha256:<hex>` of the text.
    pub hash: String,
}

/// [`generate`], handing each file to `sink` as soon as it is final instead of holding them
/// all: a writer can write the first files while the last are generated, and the whole
/// output never needs to be in memory at once. Files come in the order they are made (not
/// path order), each path once; the manifest in the result lists them all.
///
/// Validation and planning errors come before any file. Templates too large for one ARM
/// deployment are found only once every file was handed on: then the result is an
/// [`Error`] and what was handed on must be thrown away (as an [`output::Transaction`]
/// dropped before its commit does).
pub fn generate_streaming(
    blueprint: &Blueprint,
    options: &Options,
    sink: &mut dyn FnMut(GeneratedFile),
) -> Result<Streamed, Error> {
    let (plan, warnings) = validate_and_plan(blueprint, options)?;
    emit_checked(blueprint, options, plan, warnings, sink)
}

/// Emit a valid plan's files to `sink`, then check the templates' limits: the streaming
/// generation once validation and planning have passed.
fn emit_checked(
    blueprint: &Blueprint,
    options: &Options,
    plan: plan::Plan,
    warnings: Vec<Diagnostic>,
    sink: &mut dyn FnMut(GeneratedFile),
) -> Result<Streamed, Error> {
    let (hashes, mut memo) = emit_hashed(&plan, options, sink, &mut || {});
    check_limits(blueprint, options, &mut memo)?;
    Ok(streamed(blueprint, options, plan, warnings, hashes))
}

/// [`generate_streaming`] and the text of the security report, [`REPORT_FILE`] (as
/// [`report_text_of`] renders it; it is not handed to `sink`). From 100 components on
/// (where emit builds the component modules on several threads) the report is prepared on
/// a thread of its own once those modules are built, while this thread splits the
/// templates into stages (work one core does alone), and finished with the stages'
/// names: the report then costs this thread little more than its final render.
pub fn generate_streaming_with_report(
    blueprint: &Blueprint,
    options: &Options,
    source: &ReportSource,
    sink: &mut dyn FnMut(GeneratedFile),
) -> Result<(Streamed, String), Error> {
    let aside = |plan: &plan::Plan| emit::threads_for(plan.components.len()) > 1;
    streaming_with_report(blueprint, options, source, sink, aside)
}

/// [`generate_streaming_with_report`] with the report prepared on its own thread or not,
/// whatever the blueprint's size: for tests that the report does not depend on it.
#[doc(hidden)]
pub fn generate_streaming_with_report_aside(
    blueprint: &Blueprint,
    options: &Options,
    source: &ReportSource,
    sink: &mut dyn FnMut(GeneratedFile),
    aside: bool,
) -> Result<(Streamed, String), Error> {
    streaming_with_report(blueprint, options, source, sink, |_| aside)
}

fn streaming_with_report(
    blueprint: &Blueprint,
    options: &Options,
    source: &ReportSource,
    sink: &mut dyn FnMut(GeneratedFile),
    aside: impl FnOnce(&plan::Plan) -> bool,
) -> Result<(Streamed, String), Error> {
    let (plan, warnings) = validate_and_plan(blueprint, options)?;
    if !aside(&plan) {
        let streamed = emit_checked(blueprint, options, plan, warnings, sink)?;
        let paths = streamed.manifest.files.keys().map(String::as_str);
        let report = report_text_of(&streamed.plan, paths, blueprint, source);
        return Ok((streamed, report));
    }
    let (hashes, checked, prepared) = std::thread::scope(|scope| {
        // Started only when the component workers are done: started with them, the report
        // found no idle core and was held in memory beside the modules being built.
        let mut preparing = None;
        let (hashes, mut memo) = emit_hashed(&plan, options, sink, &mut || {
            preparing = Some(counters::spawn_counted(scope, || {
                report::prepare(blueprint, &plan, source.label, Some(source))
            }));
        });
        let checked = check_limits(blueprint, options, &mut memo);
        let prepared = preparing.map(counters::join_counted);
        (hashes, checked, prepared)
    });
    checked?;
    let streamed = streamed(blueprint, options, plan, warnings, hashes);
    let paths = streamed.manifest.files.keys().map(String::as_str);
    let report = match prepared {
        Some(prepared) => prepared.finish(stage_names(paths)),
        // Emit called no hook (it always does): the report as without the overlap.
        None => report_text_of(&streamed.plan, paths, blueprint, source),
    };
    Ok((streamed, report))
}

/// Validation's warnings and the plan, or the diagnostics that stop generation.
fn validate_and_plan(
    blueprint: &Blueprint,
    options: &Options,
) -> Result<(plan::Plan, Vec<Diagnostic>), Error> {
    let diagnostics = blueprint::validate_on(blueprint, options.today);
    if diagnostics.iter().any(Diagnostic::is_error) {
        return Err(Error { diagnostics });
    }
    let plan = plan::plan(blueprint, &options.previous_address_plan)
        .map_err(|diagnostics| Error { diagnostics })?;
    Ok((plan, diagnostics))
}

/// Emit the plan's files to `sink`: each file's hash by path, and what the limit checks
/// read of the templates. `components_built` as [`emit::emit_streaming`] calls it.
fn emit_hashed(
    plan: &plan::Plan,
    options: &Options,
    sink: &mut dyn FnMut(GeneratedFile),
    components_built: &mut dyn FnMut(),
) -> (
    std::collections::BTreeMap<String, String>,
    emit::limits::TemplateMemo,
) {
    // Each text is hashed once, by emit (the component modules on its worker threads): the
    // manifest records the hash, the writer reuses it.
    let mut hashes = std::collections::BTreeMap::new();
    let sink = &mut |path: String, text, hash: String| {
        hashes.insert(path.clone(), hash.clone());
        sink(GeneratedFile { path, text, hash });
    };
    let memo = emit::emit_streaming(plan, options, output::hash, sink, components_built);
    (hashes, memo)
}

/// The templates too large for one deployment, as the error they make.
fn check_limits(
    blueprint: &Blueprint,
    options: &Options,
    memo: &mut emit::limits::TemplateMemo,
) -> Result<(), Error> {
    if !options.ignore_template_limits {
        // From what emit read of each template as it went: the texts are gone.
        let (mut too_large, deployments) = emit::limits::check_and_count_read(memo);
        too_large.extend(blueprint::resource_group_limits(blueprint, deployments));
        if !too_large.is_empty() {
            return Err(Error {
                diagnostics: too_large,
            });
        }
    }
    Ok(())
}

fn streamed(
    blueprint: &Blueprint,
    options: &Options,
    plan: plan::Plan,
    warnings: Vec<Diagnostic>,
    hashes: std::collections::BTreeMap<String, String>,
) -> Streamed {
    let manifest =
        output::Manifest::for_hashes(hashes, &options.blueprint_label, &blueprint.libraries);
    Streamed {
        manifest,
        address_plan: plan.address_record(),
        plan,
        warnings,
    }
}

/// The file the security report is written to, next to the Bicep.
pub const REPORT_FILE: &str = "SECURITY.md";

/// Add the security report, [`REPORT_FILE`], to a generation's files and manifest: what each
/// component exposes and to whom, which controls apply and which are waived, citing the
/// blueprint's lines through `source` (the text `blueprint` was loaded from).
pub fn add_report(generated: &mut Generated, blueprint: &Blueprint, source: &ReportSource) {
    let text = report_text(generated, blueprint, source);
    // Only the new file's hash: hashing every file again would double the manifest's cost.
    generated
        .manifest
        .files
        .insert(REPORT_FILE.to_string(), output::hash(text.as_bytes()));
    generated.files.files.insert(REPORT_FILE.to_string(), text);
}

/// The text of [`REPORT_FILE`] for a generation, as [`add_report`] adds it: it only reads
/// the generation, so it can be rendered while its files are being written.
pub fn report_text(generated: &Generated, blueprint: &Blueprint, source: &ReportSource) -> String {
    report_text_of(&generated.plan, generated.files.paths(), blueprint, source)
}

/// [`report_text`] of a generation whose files were handed on ([`generate_streaming`]):
/// the report reads only the plan and the files' paths (the manifest's).
pub fn report_text_of<'p>(
    plan: &plan::Plan,
    paths: impl IntoIterator<Item = &'p str>,
    blueprint: &Blueprint,
    source: &ReportSource,
) -> String {
    let stages = stage_names(paths);
    // As many threads as built the component modules: they are done by now.
    let threads = emit::threads_for(plan.components.len());
    report::markdown_of(blueprint, plan, source.label, Some(source), stages, threads)
}

/// The deployment's stages as the report names them (`main`, `main-2`, …), from the paths.
fn stage_names<'p>(paths: impl IntoIterator<Item = &'p str>) -> Vec<String> {
    emit::split::stage_templates(paths)
        .iter()
        .map(|stage| stage.trim_end_matches(".bicep").to_string())
        .collect()
}

/// What a successful generation produced.
#[derive(Debug, Clone)]
pub struct Generated {
    /// The Bicep, parameter and workflow files, by path relative to the output folder.
    pub files: FileSet,
    /// The manifest written beside the files: what bulwark owns, from which versions.
    pub manifest: output::Manifest,
    /// Where every subnet lies: what the address plan lock beside the blueprint records,
    /// and what the next generation passes back as [`Options::previous_address_plan`].
    pub address_plan: AddressRecord,
    /// The expanded plan the files were emitted from (internal: see the crate docs).
    #[doc(hidden)]
    pub plan: plan::Plan,
    /// Warnings validation found: the files were generated regardless; show them.
    pub warnings: Vec<Diagnostic>,
}

/// What a successful [`generate_streaming`] produced besides the files it handed on.
#[derive(Debug, Clone)]
pub struct Streamed {
    /// The manifest of the files handed on: what bulwark owns, from which versions.
    pub manifest: output::Manifest,
    /// Where every subnet lies (see [`Generated::address_plan`]).
    pub address_plan: AddressRecord,
    /// The expanded plan the files were emitted from (internal: see the crate docs).
    #[doc(hidden)]
    pub plan: plan::Plan,
    /// Warnings validation found: the files were generated regardless; show them.
    pub warnings: Vec<Diagnostic>,
}

/// Why [`generate`] produced nothing: the diagnostics that stopped it (and any warnings found
/// alongside them), in the order they were reported.
///
/// It implements [`std::error::Error`], so `?` carries it into `Box<dyn Error>` or `anyhow`;
/// its [`Display`](std::fmt::Display) lists every error with its code and path. Tools that
/// show diagnostics against the blueprint's text take them with [`Error::diagnostics`].
///
/// ```
/// use bulwark::blueprint::{Blueprint, Storage};
///
/// let blueprint = Blueprint::builder("shop", ["dev"])
///     .component("media", Storage::new())
///     .component("media", Storage::new())
///     .build();
/// let error = bulwark::generate(&blueprint, &bulwark::Options::default()).unwrap_err();
/// assert_eq!(error.diagnostics()[0].code, "duplicate-component");
/// assert!(error.to_string().contains("duplicate-component"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    diagnostics: Vec<Diagnostic>,
}

impl Error {
    /// Every diagnostic, errors and warnings, in the order they were found.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.diagnostics
    }

    /// The diagnostics, to render or to merge with others.
    pub fn into_diagnostics(self) -> Vec<Diagnostic> {
        self.diagnostics
    }

    /// The diagnostics that stopped generation (those of [`Severity::Error`](blueprint::Severity)).
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics
            .iter()
            .filter(|diagnostic| diagnostic.is_error())
    }
}

impl std::fmt::Display for Error {
    /// `the blueprint has 2 errors:` then one line each: `code at path: message`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let count = self.errors().count();
        let noun = if count == 1 { "error" } else { "errors" };
        write!(f, "the blueprint has {count} {noun}:")?;
        for diagnostic in self.errors() {
            write!(f, "\n  {}", diagnostic.code)?;
            if let Some(path) = &diagnostic.path {
                write!(f, " at {path}")?;
            }
            write!(f, ": {}", diagnostic.message)?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}

impl From<Error> for Vec<Diagnostic> {
    fn from(error: Error) -> Self {
        error.diagnostics
    }
}

impl IntoIterator for Error {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;

    fn into_iter(self) -> Self::IntoIter {
        self.diagnostics.into_iter()
    }
}
