//! Starting a project: the built-in blueprint templates (the shipped `blueprints/`, embedded
//! in the binary) and the non-Bicep files `bulwark new` writes beside the generated Bicep —
//! a CI workflow and a README — rendered from the Tera templates in `templates/`.

use crate::Generated;
use crate::catalog::naming;
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

/// A workflow step: a name and its shell lines (a grant script, a code delivery).
#[derive(Serialize)]
struct GrantView {
    name: String,
    lines: Vec<String>,
}

/// The shell lines that run one grant script in CI, from the deployment's outputs.
/// With deployment stacks, main.bicep's outputs are the stack's (`az stack group show`,
/// whose properties the CLI flattens: `outputs.<name>.value`); without, the named deployment's.
fn grant_lines(
    app: &str,
    out: &str,
    stacks: bool,
    script: &crate::emit::GrantScript,
) -> Vec<String> {
    use crate::emit::{DATABASE_IDENTITIES, GrantEngine};
    let deployment = format!("{app}-{}", script.component);
    let ids = if stacks {
        format!(
            "ids=$(az stack group show -g \"$RESOURCE_GROUP\" -n \"$STACK_NAME\" --query outputs.{DATABASE_IDENTITIES}.value -o json)"
        )
    } else {
        format!(
            "ids=$(az deployment group show -g \"$RESOURCE_GROUP\" -n \"$MAIN_DEPLOYMENT\" --query properties.outputs.{DATABASE_IDENTITIES}.value -o json)"
        )
    };
    let values = |flag: &str| -> Vec<String> {
        script
            .identities
            .iter()
            .map(|(variable, key, field)| {
                format!("  {flag}{variable}=\"$(jq -er '.[\"{key}\"].{field}' <<<\"$ids\")\" \\")
            })
            .collect()
    };
    let mut lines = vec![ids];
    match script.engine {
        GrantEngine::Sql => {
            lines.push(format!("server=$(az deployment group show -g \"$RESOURCE_GROUP\" -n {deployment} --query properties.outputs.serverFqdn.value -o tsv)"));
            lines.push(format!(
                "sqlcmd -S \"$server\" -d {} --authentication-method ActiveDirectoryDefault -i {out}/{} \\",
                script.database, script.path
            ));
            lines.push("  -v environmentName=\"$ENVIRONMENT_NAME\" \\".into());
            lines.extend(values("-v "));
        }
        GrantEngine::Postgres => {
            lines.push(format!("host=$(az deployment group show -g \"$RESOURCE_GROUP\" -n {deployment} --query properties.outputs.host.value -o tsv)"));
            lines.push("PGPASSWORD=$(az account get-access-token --resource-type oss-rdbms --query accessToken -o tsv)".into());
            lines.push("export PGPASSWORD".into());
            lines.push(format!(
                "PGUSER='{}' psql \"host=$host dbname={} sslmode=require\" -f {out}/{} \\",
                script.admin_group.replace('\'', "'\\''"),
                script.database,
                script.path
            ));
            lines.push("  -v environmentName=\"$ENVIRONMENT_NAME\" \\".into());
            lines.extend(values("-v "));
        }
    }
    // The last continuation ends the command.
    if let Some(last) = lines.last_mut() {
        *last = last.trim_end_matches(" \\").to_string();
    }
    lines
}

/// The shell lines that deliver one App Service app's code from a runner in the VNet, or
/// push one container image; `None` for an image the blueprint names outside itself.
fn delivery_lines(app: &str, delivery: &crate::emit::Delivery) -> Option<Vec<String>> {
    use crate::emit::DeliveryPath;
    let component = &delivery.component;
    let source = delivery.source();
    let output = |deployment: &str, name: &str| {
        format!(
            "az deployment group show -g \"$RESOURCE_GROUP\" -n {app}-{deployment} --query properties.outputs.{name}.value -o tsv"
        )
    };
    let site = format!("site=$({})", output(component, "siteName"));
    let package = format!("package=\"$RUNNER_TEMP/{component}.zip\"");
    let zip = format!("(cd {source} && zip -qr \"$package\" .)");
    let lines = match &delivery.path {
        DeliveryPath::SiteZip => vec![
            site,
            package,
            zip,
            "az webapp deploy -g \"$RESOURCE_GROUP\" -n \"$site\" --src-path \"$package\" --type zip".into(),
        ],
        DeliveryPath::FlexZip => vec![
            site,
            package,
            zip,
            "az functionapp deployment source config-zip -g \"$RESOURCE_GROUP\" -n \"$site\" --src \"$package\"".into(),
        ],
        DeliveryPath::PackageBlob => vec![
            site,
            format!("blob=$({})", output(component, "packageUrl")),
            package,
            zip,
            "az storage blob upload --auth-mode login --blob-url \"$blob\" --file \"$package\" --overwrite --output none".into(),
            "az functionapp restart -g \"$RESOURCE_GROUP\" -n \"$site\"".into(),
            "az rest --method post --url \"$(az functionapp show -g \"$RESOURCE_GROUP\" -n \"$site\" --query id -o tsv)/syncfunctiontriggers?api-version=2022-03-01\"".into(),
        ],
        DeliveryPath::RegistryImage {
            registry,
            repository,
            tags,
        } => {
            let mut lines = vec![
                format!("registry=$({} 2>/dev/null || true)", output(registry, "registryName")),
                "if [ -z \"$registry\" ]; then".into(),
                format!("  echo \"::notice::{registry} is not deployed in $ENVIRONMENT_NAME yet: the deployment creates it, then run the workflow again to push {repository}\""),
                "  exit 0".into(),
                "fi".into(),
                "case \"$ENVIRONMENT_NAME\" in".into(),
            ];
            lines.extend(
                tags.iter()
                    .map(|(environment, tag)| format!("  {environment}) tag='{tag}' ;;")),
            );
            lines.extend([
                "esac".to_string(),
                "server=$(az acr show -n \"$registry\" --query loginServer -o tsv)".into(),
                format!("if az acr repository show -n \"$registry\" --image \"{repository}:$tag\" --output none 2>/dev/null; then"),
                format!("  echo \"{repository}:$tag is already in $registry: a released tag is never overwritten\""),
                "  exit 0".into(),
                "fi".into(),
                "az acr login -n \"$registry\"".into(),
                format!("docker build --tag \"$server/{repository}:$tag\" {source}"),
                format!("docker push \"$server/{repository}:$tag\""),
            ]);
            lines
        }
        DeliveryPath::ExternalImage(_) => return None,
    };
    Some(lines)
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

/// The libraries a blueprint imports by path (its `[libraries]` table), as paths from the
/// repository root, split into those inside the repository and those outside it (`../x`,
/// absolute). `blueprint` is the blueprint's path from the repository root.
fn library_folders(blueprint: &str, text: &str) -> (Vec<String>, Vec<String>) {
    let table: toml::Table = toml::from_str(text).unwrap_or_default();
    let base = std::path::Path::new(blueprint)
        .parent()
        .unwrap_or(std::path::Path::new(""));
    let (mut inside, mut outside) = (Vec::new(), Vec::new());
    let entries = table.get("libraries").and_then(toml::Value::as_table);
    for entry in entries.into_iter().flat_map(|t| t.values()) {
        // A control character (a newline) would end the YAML comment or string it lands in.
        let Some(path) = entry
            .get("path")
            .and_then(toml::Value::as_str)
            .filter(|path| !path.chars().any(char::is_control))
        else {
            continue;
        };
        let joined = crate::blueprint::library::normalize(&base.join(path));
        let shown = joined.to_string_lossy().replace('\\', "/");
        let escapes = joined.is_absolute()
            || joined
                .components()
                .next()
                .is_some_and(|c| !matches!(c, std::path::Component::Normal(_)));
        match (escapes, shown.as_str()) {
            (true, _) => outside.push(path.to_string()),
            // The repository itself: its files are checked out already.
            (false, "") => {}
            (false, _) => inside.push(shown),
        }
    }
    inside.sort();
    inside.dedup();
    outside.sort();
    outside.dedup();
    (inside, outside)
}

/// `folder` as a literal in a GitHub path filter inside a double-quoted YAML string: the
/// filter's special characters escaped with a backslash (docs.github.com/actions/reference/
/// workflows-and-actions/workflow-syntax#filter-pattern-cheat-sheet), then YAML's own.
/// `library_folders` has turned Windows separators into `/` already.
fn path_pattern(folder: &str) -> String {
    let mut out = String::with_capacity(folder.len());
    for c in folder.chars() {
        match c {
            '*' | '?' | '+' | '[' | ']' | '!' => out.push_str(&format!("\\\\{c}")),
            '"' => out.push_str("\\\""),
            c => out.push(c),
        }
    }
    out
}

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
    let grants: Vec<GrantView> = crate::emit::grant_scripts(plan)
        .iter()
        .map(|script| GrantView {
            name: format!("Grants in {} ({})", script.component, script.path),
            lines: grant_lines(&plan.app, out, plan.deployment.stacks, script),
        })
        .collect();
    context.insert("grants", &grants);
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
    let mut code = Vec::new();
    let mut images = Vec::new();
    for delivery in crate::emit::deliveries(plan) {
        let Some(lines) = delivery_lines(&plan.app, &delivery) else {
            continue;
        };
        if let crate::emit::DeliveryPath::RegistryImage { repository, .. } = &delivery.path {
            images.push(GrantView {
                name: format!("Image of {} ({repository})", delivery.component),
                lines,
            });
        } else {
            code.push(GrantView {
                name: format!("Code of {} ({}/)", delivery.component, delivery.source()),
                lines,
            });
        }
    }
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
    fn libraries_inside_the_repository_are_watched_and_those_outside_named() {
        let text = "[libraries]\nplatform = { path = \"platform\" }\nshared = { path = \"./libs/../libs/shared\", version = \"1\" }\nfar = { path = \"../elsewhere\" }\nroot = { path = \"/opt/lib\" }\nhere = { path = \".\" }\nbad = { path = \"a\\nb\" }\n";
        let (inside, outside) = library_folders("bulwark.toml", text);
        assert_eq!(inside, ["libs/shared", "platform"]);
        assert_eq!(outside, ["../elsewhere", "/opt/lib"]);
        // A blueprint in a subfolder: its libraries are relative to it.
        let (inside, outside) = library_folders("infra/bulwark.toml", text);
        assert_eq!(
            inside,
            ["elsewhere", "infra", "infra/libs/shared", "infra/platform"]
        );
        assert_eq!(outside, ["/opt/lib"]);
    }

    #[test]
    fn path_filter_special_characters_are_literal() {
        assert_eq!(path_pattern("libs/platform"), "libs/platform");
        assert_eq!(
            path_pattern("a[1]+b!*?"),
            "a\\\\[1\\\\]\\\\+b\\\\!\\\\*\\\\?"
        );
        assert_eq!(path_pattern("say \"hi\""), "say \\\"hi\\\"");
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
