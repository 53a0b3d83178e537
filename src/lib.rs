//! bulwark turns a typed blueprint of an Azure application into hardened Bicep.
//!
//! The pipeline is pure: [`blueprint`] (load, build, validate) → [`plan`] (expand into Azure
//! resources) → [`emit`] (a [`FileSet`] of Bicep and parameter files) → [`output`] (write
//! or compare). Only the command-line layer prints.

pub mod bicep;
pub mod blueprint;
pub mod catalog;
pub mod confined;
pub mod counters;
pub mod deployer;
pub mod emit;
pub mod output;
pub mod plan;
pub mod report;
pub mod scaffold;

pub use blueprint::{Blueprint, Diagnostic};
pub use emit::{FileSet, Options};

/// Validate, plan and emit. Warnings are returned alongside the files; any error stops
/// generation before a single file exists.
pub fn generate(blueprint: &Blueprint, options: &Options) -> Result<Generated, Vec<Diagnostic>> {
    let diagnostics = blueprint::validate_on(blueprint, options.today);
    if diagnostics.iter().any(Diagnostic::is_error) {
        return Err(diagnostics);
    }
    let plan = plan::plan(blueprint, &options.previous_address_plan)?;
    let files = emit::emit(&plan, options);
    if !options.ignore_template_limits {
        let too_large = emit::limits::check(&files);
        if !too_large.is_empty() {
            return Err(too_large);
        }
    }
    let manifest =
        output::Manifest::for_files(&files, &options.blueprint_label, &blueprint.libraries);
    Ok(Generated {
        files,
        manifest,
        address_plan: plan.address_record(),
        plan,
        warnings: diagnostics,
    })
}

/// The file the security report is written to, next to the Bicep.
pub const REPORT_FILE: &str = "SECURITY.md";

/// Add the security report (citing keys of `source`) to a generation's files and manifest.
pub fn add_report(generated: &mut Generated, blueprint: &Blueprint, source: &report::Source) {
    let mut report = report::build(blueprint, &generated.plan, source.label, Some(source));
    let stages = emit::split::stage_templates(generated.files.paths());
    if stages.len() > 1 {
        report.deployment.stages = stages
            .iter()
            .map(|stage| stage.trim_end_matches(".bicep").to_string())
            .collect();
    }
    let text = report.render_markdown();
    // Only the new file's hash: hashing every file again would double the manifest's cost.
    generated
        .manifest
        .files
        .insert(REPORT_FILE.to_string(), output::hash(text.as_bytes()));
    generated.files.files.insert(REPORT_FILE.to_string(), text);
}

/// What a successful generation produced.
#[derive(Debug, Clone)]
pub struct Generated {
    pub files: FileSet,
    /// The manifest written beside the files: what bulwark owns, from which versions.
    pub manifest: output::Manifest,
    /// Where every subnet lies: what the address plan lock beside the blueprint records,
    /// and what the next generation passes back as [`Options::previous_address_plan`].
    pub address_plan: plan::AddressRecord,
    pub plan: plan::Plan,
    pub warnings: Vec<Diagnostic>,
}
