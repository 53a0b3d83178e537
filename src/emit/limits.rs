//! ARM's per-template limits (limits.tsv), checked on the generated files before anything is
//! written: a blueprint bulwark accepts must deploy, so one whose templates would break a
//! limit is refused here with what to do instead.
//!
//! Bicep compiles every module into its parent's JSON (`Microsoft.Resources/deployments`
//! with the module's template inline; Azure/bicep#5890), so ARM's 4 MB template limit
//! applies to main.bicep and all its modules together, and each module call is one resource
//! of main.bicep's 800.

use super::FileSet;
use crate::blueprint::Diagnostic;
use crate::catalog::facts;

/// Compiled JSON is larger than the Bicep it comes from (`parameters('x')` for `x`,
/// `[format(...)]` for interpolation, a metadata block per module). Without the compiler,
/// the estimate doubles the Bicep text, indentation and comments left out.
const JSON_PER_BICEP_BYTE: u64 = 2;

/// What one template declares, counted as ARM counts it.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct TemplateCounts {
    pub parameters: u64,
    pub variables: u64,
    pub outputs: u64,
    /// Resources, `existing` ones and module calls included.
    pub resources: u64,
}

impl TemplateCounts {
    /// Top-level declarations start at the beginning of a line in bulwark's printed Bicep.
    pub fn of(text: &str) -> Self {
        let mut counts = TemplateCounts::default();
        for line in text.lines() {
            let keyword = line.split(' ').next().unwrap_or_default();
            match keyword {
                "param" => counts.parameters += 1,
                "var" => counts.variables += 1,
                "output" => counts.outputs += 1,
                "resource" | "module" => counts.resources += 1,
                _ => {}
            }
        }
        counts
    }
}

/// The compiled JSON size of one Bicep text, estimated: comments and indentation left out,
/// the rest doubled.
pub fn json_bytes_of(text: &str) -> u64 {
    let bicep: u64 = text
        .lines()
        .map(str::trim_start)
        .filter(|line| !line.starts_with("//"))
        .map(|line| line.len() as u64 + 1)
        .sum();
    bicep * JSON_PER_BICEP_BYTE
}

/// The modules a Bicep text calls, by path relative to its own folder.
fn called_modules(text: &str) -> impl Iterator<Item = &str> {
    text.lines().filter_map(|line| {
        let rest = line.strip_prefix("module ")?;
        let start = rest.find('\'')? + 1;
        let end = start + rest[start..].find('\'')?;
        Some(&rest[start..end])
    })
}

/// `modules/a.bicep` calling `./b.bicep` → `modules/b.bicep`.
fn resolve(from: &str, relative: &str) -> String {
    let folder = from
        .rsplit_once('/')
        .map(|(folder, _)| folder)
        .unwrap_or("");
    let relative = relative.strip_prefix("./").unwrap_or(relative);
    if folder.is_empty() {
        relative.to_string()
    } else {
        format!("{folder}/{relative}")
    }
}

/// The estimated compiled size of the deployment whose template is `path`: its own text and,
/// inlined, every module it calls, once per call.
pub fn deployment_json_bytes(
    path: &str,
    files: &std::collections::BTreeMap<String, String>,
) -> u64 {
    let Some(text) = files.get(path) else {
        return 0;
    };
    json_bytes_of(text)
        + called_modules(text)
            .map(|module| deployment_json_bytes(&resolve(path, module), files))
            .sum::<u64>()
}

/// Each deployment (main.bicep and the stages after it) with its estimated compiled size.
pub fn estimated_deployments(files: &FileSet) -> Vec<(String, u64)> {
    super::split::stage_templates(files.paths())
        .into_iter()
        .map(|template| {
            let bytes = deployment_json_bytes(&template, &files.files);
            (template, bytes)
        })
        .collect()
}

/// The deployments one run writes into the resource group's history: each stage's template
/// and every module call, nested ones included (each is a `Microsoft.Resources/deployments`).
pub fn deployments_per_run(files: &FileSet) -> usize {
    let calls: usize = files
        .files
        .iter()
        .filter(|(path, _)| path.ends_with(".bicep"))
        .map(|(_, text)| called_modules(text).count())
        .sum();
    super::split::stage_templates(files.paths()).len() + calls
}

fn arm_limit(name: &str) -> u64 {
    facts::limit("ARM template", name)
        .unwrap_or_else(|| panic!("bulwark bug: limits.tsv has no ARM template limit `{name}`"))
}

/// The limits the generated templates would break, as diagnostics.
pub fn check(files: &FileSet) -> Vec<Diagnostic> {
    let split_help = "split the application into two blueprints (for example shared data services and the apps that use them), each deployed on its own: bulwark splits a deployment into stages (main.bicep, main-2.bicep, …) where it can, and could not split this one";
    let mut diagnostics = Vec::new();
    for (path, text) in files.files.iter().filter(|(p, _)| p.ends_with(".bicep")) {
        let counts = TemplateCounts::of(text);
        for (what, count, limit) in [
            ("parameters", counts.parameters, arm_limit("parameters")),
            ("variables", counts.variables, arm_limit("variables")),
            ("outputs", counts.outputs, arm_limit("outputs")),
            (
                "resources and module calls",
                counts.resources,
                arm_limit("resources (including copy count)"),
            ),
        ] {
            if count > limit {
                diagnostics.push(
                    Diagnostic::error(
                        "template-too-large",
                        format!("{path} would declare {count} {what}; ARM accepts {limit} in one template"),
                    )
                    .at("components")
                    .expected(format!("at most {limit} {what} per template"))
                    .help(split_help),
                );
            }
        }
    }
    let megabytes = arm_limit("template size");
    for (template, estimate) in estimated_deployments(files) {
        if estimate > megabytes * 1024 * 1024 {
            diagnostics.push(
                Diagnostic::error(
                    "template-too-large",
                    format!(
                        "the deployment of {template} would compile to about {:.1} MB of ARM JSON; ARM accepts {megabytes} MB in one deployment, modules included",
                        estimate as f64 / (1024.0 * 1024.0)
                    ),
                )
                .at("components")
                .expected(format!("a deployment under {megabytes} MB"))
                .help(split_help),
            );
        }
    }
    diagnostics
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_top_level_declarations_only() {
        let text = "param a string\nparam b int\nvar c = 1\nresource d 'x@1' = {\n  name: 'param'\n}\nmodule e 'e.bicep' = {}\noutput f string = 'g'\n";
        assert_eq!(
            TemplateCounts::of(text),
            TemplateCounts {
                parameters: 2,
                variables: 1,
                outputs: 1,
                resources: 2,
            }
        );
    }

    #[test]
    fn too_many_parameters_are_refused() {
        let mut files = FileSet::default();
        let text: String = (0..300).map(|i| format!("param p{i} string\n")).collect();
        files.files.insert("main.bicep".into(), text);
        let diagnostics = check(&files);
        assert_eq!(diagnostics.len(), 1);
        assert!(diagnostics[0].message.contains("300 parameters"));
    }
}
