use super::{exit, print_diagnostics};
use bulwark::output;
use bulwark::scaffold::{self, Template};
use std::path::{Path, PathBuf};

/// Start a project: a blueprint from a template, its generated Bicep, a GitHub Actions
/// workflow (OpenID Connect login, `bulwark check`, what-if of every environment on pull
/// requests, deploy on main), a Dependabot config for its pinned actions and a README, in a
/// new git repository (`git init`, unless the folder is already in one). Never overwrites a
/// file. To add bulwark to an existing repository, use `bulwark init`.
#[derive(clap::Args)]
pub struct Args {
    /// Directory to create the project in (created if missing).
    #[arg(default_value = ".")]
    dir: PathBuf,
    /// Template to start from; `--list` shows them.
    #[arg(long, short, default_value = "shop")]
    template: String,
    /// List the templates, one line each, and exit.
    #[arg(long)]
    list: bool,
    /// How `--list` prints: `text` (default) or `json` (`[{"name", "summary", "library"}]`,
    /// see schemas/output.schema.json).
    #[arg(long, value_enum, default_value_t = Format::Text, requires = "list")]
    format: Format,
    /// A blueprint library whose templates to offer too (a folder with bulwark-library.toml).
    #[arg(long)]
    library: Option<PathBuf>,
    /// Do not run `git init` (it runs only when the folder is not in a repository already).
    #[arg(long)]
    no_git: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    Text,
    Json,
}

pub(super) const BLUEPRINT: &str = "bulwark.toml";
pub(super) const LOCK: &str = "bulwark.lock";
pub(super) const OUT: &str = "infra";

/// A template and, for a library's, the library it came from.
pub(super) struct Offered {
    pub template: Template,
    library: Option<bulwark::blueprint::library::Library>,
}

pub(super) fn templates(library: Option<&Path>) -> Result<Vec<Offered>, u8> {
    let mut templates: Vec<Offered> = scaffold::builtin()
        .into_iter()
        .map(|template| Offered {
            template,
            library: None,
        })
        .collect();
    if let Some(path) = library {
        match bulwark::blueprint::library::Library::open(path) {
            Ok(library) => {
                templates.extend(library.templates().into_iter().map(|template| Offered {
                    template: Template {
                        name: format!("{}/{}", library.name(), template.name),
                        text: template.text,
                    },
                    library: Some(library.clone()),
                }))
            }
            Err(error) => {
                super::stderr(&format!("error: {error}\n"));
                return Err(exit::INVALID);
            }
        }
    }
    Ok(templates)
}

pub fn run(args: Args) -> u8 {
    let templates = match templates(args.library.as_deref()) {
        Ok(templates) => templates,
        Err(code) => return code,
    };
    if args.list {
        return list(&templates, args.format);
    }
    let Some(offered) = find(&templates, &args.template) else {
        return exit::INVALID;
    };
    let Some((text, generated)) = from_template(offered, &args.dir) else {
        return exit::INVALID;
    };
    let extra = scaffold::project_files_from(&generated, BLUEPRINT, &text, OUT);
    if let Some(code) = refuse_existing(&args.dir, &generated, &extra) {
        return code;
    }

    let repository = repository_root(&args.dir);
    if let Err(error) = write_project(&args.dir, &text, &generated, &extra) {
        super::stderr(&format!("error: {error}\n"));
        return exit::IO;
    }
    let text = report(&args, &offered.template.name, &generated, repository);
    super::status(&text);
    exit::OK
}

/// `new --list`: the templates, one line each or as JSON.
fn list(templates: &[Offered], format: Format) -> u8 {
    if format == Format::Json {
        let list: Vec<serde_json::Value> = templates
            .iter()
            .map(|t| {
                serde_json::json!({
                    "name": t.template.name,
                    "summary": t.template.summary(),
                    "library": t.library.as_ref().map(|library| library.name().to_string()),
                })
            })
            .collect();
        super::print_json(&serde_json::json!({ "templates": list }));
        return exit::OK;
    }
    let width = templates
        .iter()
        .map(|t| t.template.name.len())
        .max()
        .unwrap_or(0);
    let lines: String = templates
        .iter()
        .map(|t| {
            format!(
                "{:width$}  {}\n",
                t.template.name,
                t.template.summary(),
                width = width
            )
        })
        .collect();
    super::stdout(&lines);
    exit::OK
}

/// `new` never overwrites: the error it exits with when anything it would write is in `dir`
/// already.
fn refuse_existing(
    dir: &Path,
    generated: &bulwark::Generated,
    extra: &[(String, String)],
) -> Option<u8> {
    let mut targets: Vec<String> = vec![
        BLUEPRINT.to_string(),
        scaffold::SCHEMA_FILE.to_string(),
        LOCK.to_string(),
    ];
    targets.extend(generated.files.paths().map(|path| format!("{OUT}/{path}")));
    targets.push(format!("{OUT}/{}", output::MANIFEST));
    targets.extend(extra.iter().map(|(path, _)| path.clone()));
    // Anything at a target counts, a dangling symlink included; so does a symlink standing
    // for one of the folders the files go in (it would take them elsewhere).
    let mut folders: Vec<String> = targets
        .iter()
        .flat_map(|path| {
            let parts: Vec<&str> = path.split('/').collect();
            (1..parts.len()).map(move |end| parts[..end].join("/"))
        })
        .collect();
    folders.sort();
    folders.dedup();
    let is_link = |path: &String| {
        std::fs::symlink_metadata(dir.join(path)).is_ok_and(|m| m.file_type().is_symlink())
    };
    let existing: Vec<&String> = targets
        .iter()
        .filter(|path| std::fs::symlink_metadata(dir.join(path)).is_ok())
        .chain(folders.iter().filter(|folder| is_link(folder)))
        .collect();
    if existing.is_empty() {
        return None;
    }
    let shown: Vec<&str> = existing.iter().take(3).map(|p| p.as_str()).collect();
    let more = if existing.len() > 3 {
        format!(" and {} more", existing.len() - 3)
    } else {
        String::new()
    };
    super::stderr(&format!(
        "error: {} already has {}{more}; bulwark new never overwrites a file\n  help: pick an empty directory, e.g. `bulwark new {}-infra`\n",
        dir.display(),
        shown.join(", "),
        project_name(dir)
    ));
    Some(exit::INVALID)
}

/// Write the project into `dir`: the blueprint, its schema, the address plan lock, the
/// generated Bicep and the workflow, Dependabot config and README.
fn write_project(
    dir: &Path,
    text: &str,
    generated: &bulwark::Generated,
    extra: &[(String, String)],
) -> std::io::Result<()> {
    let folder = bulwark::confined::Folder::create(dir)?;
    folder.write_new(BLUEPRINT, text.as_bytes())?;
    folder.write_new(scaffold::SCHEMA_FILE, scaffold::schema_file().as_bytes())?;
    folder.write_new(
        LOCK,
        output::render_lock(&generated.address_plan, BLUEPRINT).as_bytes(),
    )?;
    output::write(
        &dir.join(OUT),
        &generated.files,
        &generated.manifest,
        None,
        false,
    )
    .map_err(|error| std::io::Error::other(error.to_string()))?;
    for (path, content) in extra {
        folder.write_new(path, content.as_bytes())?;
    }
    Ok(())
}

/// What `new` prints once the files are written: each file, then the next steps. Runs `git
/// init` when the folder is in no repository (unless `--no-git`) and says how that went.
fn report(
    args: &Args,
    template: &str,
    generated: &bulwark::Generated,
    repository: Option<PathBuf>,
) -> String {
    let dir = args.dir.display();
    let secrets: Vec<&str> = generated
        .plan
        .secret_inputs
        .iter()
        .map(|input| input.variable.as_str())
        .collect();
    let mut text = format!(
        "created {dir}/{BLUEPRINT} from template {}\ncreated {dir}/{} (its schema, for editors)\ncreated {dir}/{LOCK} (the address plan)\ncreated {dir}/{OUT}/ ({} files and {})\ncreated {dir}/.github/workflows/infra.yml\ncreated {dir}/.github/dependabot.yml\ncreated {dir}/README.md\n\nnext:\n",
        template,
        scaffold::SCHEMA_FILE,
        generated.files.files.len(),
        output::MANIFEST
    );
    let mut commit = true;
    match &repository {
        Some(root) if *root != absolute(&args.dir) => {
            commit = false;
            text.insert_str(
                0,
                &format!(
                    "note: {dir} is inside the git repository at {}, and GitHub runs only the workflows in the root's .github/workflows/: `bulwark init` adopts bulwark in a folder of a repository, the workflow at the root\n",
                    root.display(),
                ),
            );
        }
        Some(_) => {}
        None if args.no_git => commit = false,
        None => {
            let message = git_init(&args.dir);
            commit = message.starts_with("initialized");
            text.insert_str(0, &format!("{message}\n"));
        }
    }
    if args.dir != Path::new(".") {
        text.push_str(&format!(
            "  cd {}\n",
            super::shell_word(&args.dir.display().to_string())
        ));
    }
    text.push_str(&format!(
        "  edit {BLUEPRINT}, then run `bulwark generate` (and `bulwark check` to see it is in sync)\n  in GitHub, create the environments {} with variables AZURE_CLIENT_ID, AZURE_TENANT_ID,\n  AZURE_SUBSCRIPTION_ID and AZURE_RESOURCE_GROUP{}\n",
        generated.plan.environments.join(", "),
        if secrets.is_empty() { String::new() } else { format!(", and secrets {}", secrets.join(", ")) }
    ));
    if commit {
        text.push_str(
            "  commit it: `git add . && git commit -m \"Infrastructure from bulwark\"`, then push to GitHub\n",
        );
    }
    text
}

/// The template named `name`, or an error naming those there are.
pub(super) fn find<'a>(templates: &'a [Offered], name: &str) -> Option<&'a Offered> {
    let found = templates.iter().find(|t| t.template.name == name);
    if found.is_none() {
        let names: Vec<&str> = templates.iter().map(|t| t.template.name.as_str()).collect();
        super::stderr(&format!(
            "error: no template named `{name}`\n  help: one of {}; `bulwark new --list` describes them\n",
            names.join(", ")
        ));
    }
    found
}

/// A template's blueprint for the project in `dir` (the app named after the folder, a
/// library template pointing at its library from there) and its generation with the
/// security report; `None` after printing the diagnostics.
pub(super) fn from_template(offered: &Offered, dir: &Path) -> Option<(String, bulwark::Generated)> {
    let template = &offered.template;
    // Editors (Taplo, Even Better TOML) check the blueprint against the schema `new` writes.
    let mut text =
        scaffold::with_schema_directive(&scaffold::rename_app(&template.text, &project_name(dir)));
    let target = absolute(dir);
    if let Some(library) = &offered.library {
        // The template names its own library; point that at the library from the new project.
        let from_project = bulwark::blueprint::library::relative(&target, &absolute(&library.root));
        text = scaffold::repoint_library(&text, library.name(), &from_project.to_string_lossy());
    }
    let loaded = match bulwark::blueprint::load::from_str_in(&text, &target) {
        Ok(loaded) => loaded,
        Err(diagnostics) => {
            print_diagnostics(&diagnostics, &format!("template {}", template.name), &text);
            return None;
        }
    };
    let options = bulwark::Options {
        blueprint_label: BLUEPRINT.to_string(),
        ..bulwark::Options::default()
    };
    let mut generated = match bulwark::generate(&loaded.blueprint, &options) {
        Ok(generated) => generated,
        Err(error) => {
            print_diagnostics(
                error.diagnostics(),
                &format!("template {}", template.name),
                &text,
            );
            return None;
        }
    };
    bulwark::add_report(
        &mut generated,
        &loaded.blueprint,
        &bulwark::report::Source {
            label: BLUEPRINT,
            text: &text,
            map: &loaded.source_map,
        },
    );
    Some((text, generated))
}

/// The root of the git repository `dir` is in (the nearest folder, `dir` itself included,
/// with a `.git` folder, or a `.git` file as in a worktree or submodule), found without
/// running git; `dir` need not exist yet.
pub(super) fn repository_root(dir: &Path) -> Option<PathBuf> {
    absolute(dir)
        .ancestors()
        .find(|folder| std::fs::symlink_metadata(folder.join(".git")).is_ok())
        .map(Path::to_path_buf)
}

/// Make `dir` a git repository with `main` as its branch (the branch the workflow deploys);
/// what happened, for the command's output. A missing git is no failure: the message says
/// what to run by hand.
fn git_init(dir: &Path) -> String {
    let shown = super::shell_word(&dir.display().to_string());
    let by_hand = format!(
        "run `git init --initial-branch=main` in {shown} yourself before `git add . && git commit`"
    );
    let init = |extra: &[&str]| {
        std::process::Command::new("git")
            .arg("init")
            .arg("--quiet")
            .args(extra)
            .current_dir(dir)
            .stdin(std::process::Stdio::null())
            .output()
    };
    // `--initial-branch` needs git 2.28 or later; an older git starts on its default branch.
    match init(&["--initial-branch=main"]) {
        Ok(output) if output.status.success() => {
            format!(
                "initialized a git repository in {} (branch main)",
                dir.display()
            )
        }
        Ok(_) => match init(&[]) {
            Ok(output) if output.status.success() => format!(
                "initialized a git repository in {} (rename its branch to main: `git branch -m main`)",
                dir.display()
            ),
            Ok(output) => format!(
                "git init failed ({}): {by_hand}",
                String::from_utf8_lossy(&output.stderr).trim()
            ),
            Err(error) => format!("git init failed ({error}): {by_hand}"),
        },
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            format!("git is not installed: {by_hand}")
        }
        Err(error) => format!("git init failed ({error}): {by_hand}"),
    }
}

/// `path` made absolute against the current directory and normalized, without requiring it
/// to exist.
pub(super) fn absolute(path: &Path) -> PathBuf {
    let joined = std::env::current_dir()
        .map(|cwd| cwd.join(path))
        .unwrap_or_else(|_| path.to_path_buf());
    bulwark::blueprint::library::normalize(&joined)
}

/// The project's name: the directory's own name (the current directory's for `.`).
pub(super) fn project_name(dir: &Path) -> String {
    let named = Some(absolute(dir));
    named
        .and_then(|path| {
            path.file_name()
                .map(|name| name.to_string_lossy().into_owned())
        })
        .unwrap_or_else(|| "app".to_string())
}
