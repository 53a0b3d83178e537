//! Starting a project: the built-in blueprint templates (the shipped `blueprints/`, embedded
//! in the binary) and the non-Bicep files `bulwark new` writes beside the generated Bicep —
//! a CI workflow and a README — rendered from the Tera templates in `templates/`.

mod libraries;
mod steps;

use crate::Generated;
use crate::catalog::naming;
use libraries::{library_folders, path_pattern};
use serde::Serialize;

/// A blueprint to start from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    pub name: String,
    pub text: String,
}

impl Template {
    /// The first sentence of the blueprint's opening comment.
    pub fn summary(&self) -> String {
        let comment: Vec<&str> = self
            .text
            .lines()
            .take_while(|line| line.starts_with('#'))
            .map(|line| line.trim_start_matches('#').trim())
            .collect();
        let comment = comment.join(" ");
        match comment.split_once(". ") {
            Some((first, _)) => format!("{first}."),
            None => comment,
        }
    }
}

/// The built-in templates, in name order.
pub fn builtin() -> Vec<Template> {
    let mut templates: Vec<Template> = BUILTIN
        .iter()
        .map(|(name, text)| Template {
            name: (*name).to_string(),
            text: (*text).to_string(),
        })
        .collect();
    templates.sort_by(|a, b| a.name.cmp(&b.name));
    templates
}

/// Shipped blueprints that stand alone (no library), embedded so `bulwark new` needs no files.
const BUILTIN: &[(&str, &str)] = &[
    ("docs", include_str!("../blueprints/docs.toml")),
    ("retail", include_str!("../blueprints/retail.toml")),
    ("shop", include_str!("../blueprints/shop.toml")),
];

/// The file `new` and `init` write beside the blueprint: `bulwark schema`'s output, which
/// the blueprint's first line points editors at.
pub const SCHEMA_FILE: &str = "bulwark.schema.json";

/// The blueprint with a Taplo schema directive on its first line, `#:schema
/// ./bulwark.schema.json` (Taplo and Even Better TOML resolve it from the file's folder);
/// TOML reads it as a comment. A blueprint that already names a schema keeps its own.
pub fn with_schema_directive(text: &str) -> String {
    if text
        .lines()
        .any(|line| line.trim_start().starts_with("#:schema"))
    {
        return text.to_string();
    }
    format!("#:schema ./{SCHEMA_FILE}\n{text}")
}

/// What `new` and `init` write to [`SCHEMA_FILE`].
pub fn schema_file() -> String {
    let schema = crate::blueprint::json_schema();
    format!(
        "{}\n",
        serde_json::to_string_pretty(&schema).expect("a schema always serializes")
    )
}

/// The template text with the app named `name` (when `name` can be an app name, after the
/// same corrections a diagnostic would suggest).
pub fn rename_app(text: &str, name: &str) -> String {
    let name = if naming::APP_NAME.check(name).is_ok() {
        Some(name.to_string())
    } else {
        naming::suggest(&naming::APP_NAME, name)
    };
    let Some(name) = name else {
        return text.to_string();
    };
    // toml_edit keeps the template's comments and layout; only the value changes.
    let Ok(mut document) = text.parse::<toml_edit::DocumentMut>() else {
        return text.to_string();
    };
    let value = document
        .get_mut("app")
        .and_then(toml_edit::Item::as_table_like_mut)
        .and_then(|app| app.get_mut("name"))
        .and_then(toml_edit::Item::as_value_mut);
    let Some(value) = value else {
        return text.to_string();
    };
    replace_keeping_decor(value, name.as_str());
    document.to_string()
}

/// Replace a TOML value, keeping the whitespace and comments around it.
fn replace_keeping_decor(value: &mut toml_edit::Value, new: impl Into<toml_edit::Value>) {
    let decor = value.decor().clone();
    *value = new.into();
    *value.decor_mut() = decor;
}

/// The template with library `name`'s entry in `[libraries]` pointing at `path` (with `/`
/// separators); its other keys (`version`), comments and layout stay as they are.
pub fn repoint_library(text: &str, name: &str, path: &str) -> String {
    let Ok(mut document) = text.parse::<toml_edit::DocumentMut>() else {
        return text.to_string();
    };
    let entry = document
        .get_mut("libraries")
        .and_then(toml_edit::Item::as_table_like_mut)
        .and_then(|libraries| libraries.get_mut(name))
        .and_then(toml_edit::Item::as_table_like_mut);
    let Some(entry) = entry else {
        return text.to_string();
    };
    let path = path.replace('\\', "/");
    match entry
        .get_mut("path")
        .and_then(toml_edit::Item::as_value_mut)
    {
        Some(value) => replace_keeping_decor(value, path),
        None => {
            entry.insert("path", toml_edit::value(path));
        }
    }
    document.to_string()
}

#[derive(Serialize)]
struct ComponentView {
    name: String,
    kind: String,
}

/// Where a project sits in its git repository. `bulwark new` makes the project folder the
/// repository; `bulwark init` may put it in a subfolder of a monorepo, with its workflow at
/// the repository root (GitHub reads workflows only from the root's `.github/workflows`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement {
    /// The project folder from the repository root, `/`-separated; empty for the root.
    pub folder: String,
    /// The workflow's file name in `.github/workflows/`.
    pub workflow: String,
}

impl Default for Placement {
    fn default() -> Self {
        Placement {
            folder: String::new(),
            workflow: "infra.yml".to_string(),
        }
    }
}

impl Placement {
    /// The workflow's path from the repository root.
    pub fn workflow_path(&self) -> String {
        format!(".github/workflows/{}", self.workflow)
    }
}

/// The actions the generated workflow uses: (name in the template, action, commit, release).
/// Pinned by the full commit SHA of the release tag, the release in a comment beside it
/// (Dependabot updates both). Each runs on Node 24 (`runs.using: node24` in its action.yml at
/// that commit): GitHub's runners no longer run Node 20 actions.
pub const ACTIONS: [(&str, &str, &str, &str); 3] = [
    (
        "checkout",
        "actions/checkout",
        "3d3c42e5aac5ba805825da76410c181273ba90b1",
        "v7.0.1",
    ),
    (
        "azure_login",
        "azure/login",
        "f5d393ae46f8fde4be8b75f32e3fc50e654ad0ca",
        "v3.0.1",
    ),
    (
        "cache",
        "actions/cache",
        "27d5ce7f107fe9357f9df03efb73ab90386fccae",
        "v5.0.5",
    ),
];

/// Where the release workflow (`.github/workflows/release.yml`) publishes the binaries:
/// `<RELEASES>/v<version>/bulwark-<target>.tar.gz` and its `.sha256`.
pub const RELEASES: &str = concat!(env!("CARGO_PKG_REPOSITORY"), "/releases/download");

/// `.github/dependabot.yml`: weekly updates of the workflow's pinned actions.
pub const DEPENDABOT: &str = include_str!("../templates/dependabot.yml");

/// The files `bulwark new` writes next to the blueprint and the Bicep, for a blueprint that
/// imports no library: path → text. See [`project_files_in`].
pub fn project_files(generated: &Generated, blueprint: &str, out: &str) -> Vec<(String, String)> {
    project_files_in(generated, blueprint, "", out, &Placement::default())
}

/// As [`project_files`], with the blueprint's own `text`: the libraries its `[libraries]`
/// table imports from the repository are checked out (as submodules) and watched.
pub fn project_files_from(
    generated: &Generated,
    blueprint: &str,
    text: &str,
    out: &str,
) -> Vec<(String, String)> {
    project_files_in(generated, blueprint, text, out, &Placement::default())
}

/// The workflow, Dependabot configuration and README of a project placed in its repository:
/// paths under `.github/` are from the repository root (`placement.workflow_path()`), the
/// README's from the project folder. `text` is the blueprint's own text (see
/// [`project_files_from`]).
pub fn project_files_in(
    generated: &Generated,
    blueprint: &str,
    text: &str,
    out: &str,
    placement: &Placement,
) -> Vec<(String, String)> {
    let plan = &generated.plan;
    let mut context = tera::Context::new();
    let prefix = if placement.folder.is_empty() {
        String::new()
    } else {
        format!("{}/", placement.folder)
    };
    context.insert("prefix", &prefix);
    context.insert("working_directory", &placement.folder);
    context.insert("workflow", &placement.workflow_path());
    let uses: std::collections::BTreeMap<&str, String> = ACTIONS
        .iter()
        .map(|(name, action, commit, release)| (*name, format!("{action}@{commit} # {release}")))
        .collect();
    context.insert("uses", &uses);
    context.insert("releases", RELEASES);
    let (libraries, outside_libraries) = library_folders(&format!("{prefix}{blueprint}"), text);
    context.insert("libraries", &libraries);
    context.insert("outside_libraries", &outside_libraries);
    insert_app(&mut context, generated, blueprint, out);
    context.insert("grants", &steps::grant_steps(plan, out));
    let (code, images) = steps::delivery_steps(plan);
    context.insert("code_deliveries", &code);
    context.insert("image_deliveries", &images);
    context.insert("code_root", crate::emit::delivery::CODE_ROOT);
    // The paths whose changes run the workflow: the blueprint, the Bicep, the workflow itself,
    // the libraries the blueprint imports from this repository and the apps' code.
    let mut watched = vec![
        format!("{prefix}{blueprint}"),
        format!("{prefix}{out}/**"),
        placement.workflow_path(),
    ];
    watched.extend(
        libraries
            .iter()
            .map(|folder| format!("{}/**", path_pattern(folder))),
    );
    if !code.is_empty() || !images.is_empty() {
        watched.push(format!("{prefix}{}/**", crate::emit::delivery::CODE_ROOT));
    }
    context.insert("watched", &watched);
    vec![
        (placement.workflow_path(), render(WORKFLOW, &context)),
        (".github/dependabot.yml".to_string(), DEPENDABOT.to_string()),
        ("README.md".to_string(), render(README, &context)),
    ]
}

/// What the templates say about the app: its environments, components, secrets, grant
/// scripts, Key Vault reference apps and deployment stages.
fn insert_app(context: &mut tera::Context, generated: &Generated, blueprint: &str, out: &str) {
    let plan = &generated.plan;
    context.insert(
        "header",
        &format!("Generated by {} from {blueprint}.", crate::emit::GENERATOR),
    );
    context.insert("version", env!("CARGO_PKG_VERSION"));
    context.insert("app", &plan.app);
    context.insert("blueprint", blueprint);
    context.insert("out", out);
    context.insert("environments", &plan.environments);
    context.insert(
        "first_environment",
        &plan.environments.first().cloned().unwrap_or_default(),
    );
    let secrets: Vec<&str> = plan
        .secret_inputs
        .iter()
        .map(|input| input.variable.as_str())
        .collect();
    context.insert("secrets", &secrets);
    let components: Vec<ComponentView> = plan
        .components
        .iter()
        .map(|component| ComponentView {
            name: component.name.clone(),
            kind: component.kind().to_string(),
        })
        .collect();
    context.insert("components", &components);
    let grant_scripts: Vec<String> = generated
        .files
        .paths()
        .filter(|path| path.ends_with(".sql"))
        .map(|path| format!("`{out}/{path}`"))
        .collect();
    context.insert("grant_scripts", &grant_scripts);
    let key_vault_apps: Vec<String> = crate::emit::key_vault_reference_apps(plan)
        .iter()
        .map(|component| format!("{}-{}", plan.app, component.name))
        .collect();
    context.insert("key_vault_apps", &key_vault_apps);
    // The deployments in order, as parameter-file stems: `main`, then `main-2`, … when one
    // ARM deployment cannot hold the application.
    let stages: Vec<String> = crate::emit::split::stage_templates(generated.files.paths())
        .iter()
        .map(|template| template.trim_end_matches(".bicep").to_string())
        .collect();
    context.insert("stages", &stages);
    context.insert("stacks", &plan.deployment.stacks);
}

const WORKFLOW: &str = include_str!("../templates/github-workflow.yml.tera");
const README: &str = include_str!("../templates/README.md.tera");

fn render(template: &str, context: &tera::Context) -> String {
    let mut text =
        tera::Tera::one_off(template, context, false).expect("the embedded templates render");
    if !text.ends_with('\n') {
        text.push('\n');
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_app_is_renamed_only_inside_app() {
        let text =
            "[app]\nname = \"shop\"\nenvironments = [\"dev\"]\n[components.web]\nname = \"x\"\n";
        let renamed = rename_app(text, "My_Store");
        assert!(
            renamed.contains("[app]\nname = \"my-store\"\n"),
            "{renamed}"
        );
        assert!(renamed.contains("[components.web]\nname = \"x\""));
        assert_eq!(
            rename_app(text, "!!"),
            text,
            "no usable name keeps the template's"
        );
    }

    #[test]
    fn renaming_and_repointing_keep_comments_and_layout() {
        let text = "# The shop.\n[app]   # the app\nname   =   \"shop\"   # its name\nenvironments = [\"dev\"]\n\n[libraries]\n# Shared presets.\nplatform = { path = \"../platform\", version = \"^1\" } # pinned\n";
        let renamed = rename_app(text, "store");
        assert_eq!(
            renamed,
            text.replace("\"shop\"   # its", "\"store\"   # its"),
            "only the name changes"
        );
        let repointed = repoint_library(&renamed, "platform", "..\\libs\\platform");
        assert_eq!(
            repointed,
            renamed.replace("\"../platform\"", "\"../libs/platform\""),
            "only the path changes"
        );
        // A path with a quote stays itself.
        let quoted = repoint_library(text, "platform", "a\"b");
        let table: toml::Table = toml::from_str(&quoted).unwrap();
        assert_eq!(
            table["libraries"]["platform"]["path"].as_str(),
            Some("a\"b")
        );
        assert_eq!(
            table["libraries"]["platform"]["version"].as_str(),
            Some("^1")
        );
        // Nothing to change: the text as it was.
        assert_eq!(repoint_library(text, "other", "x"), text);
        assert_eq!(rename_app("not = [toml", "store"), "not = [toml");
    }

    #[test]
    fn summaries_are_one_sentence() {
        let template = Template {
            name: "t".into(),
            text: "# A shop. With more.\n# Lines.\n[app]\n".into(),
        };
        assert_eq!(template.summary(), "A shop.");
    }
}
