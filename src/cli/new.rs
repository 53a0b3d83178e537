use super::{exit, print_diagnostics};
use bulwark::output;
use bulwark::scaffold::{self, Template};
use std::path::{Path, PathBuf};

/// Start a project: a blueprint from a template, its generated Bicep, a GitHub Actions
/// workflow (OpenID Connect login, `bulwark check`, what-if of every environment on pull
/// requests, deploy on main), a Dependabot config for its pinned actions and a README. Never
/// overwrites a file.
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
    /// A blueprint library whose templates to offer too (a folder with bulwark-library.toml).
    #[arg(long)]
    library: Option<PathBuf>,
}

const BLUEPRINT: &str = "bulwark.toml";
const LOCK: &str = "bulwark.lock";
const OUT: &str = "infra";

/// A template and, for a library's, the library it came from.
struct Offered {
    template: Template,
    library: Option<bulwark::blueprint::library::Library>,
}

fn templates(args: &Args) -> Result<Vec<Offered>, u8> {
    let mut templates: Vec<Offered> = scaffold::builtin()
        .into_iter()
        .map(|template| Offered {
            template,
            library: None,
        })
        .collect();
    if let Some(path) = &args.library {
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
    let templates = match templates(&args) {
        Ok(templates) => templates,
        Err(code) => return code,
    };
    if args.list {
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
        return exit::OK;
    }
    let Some(offered) = templates.iter().find(|t| t.template.name == args.template) else {
        let names: Vec<&str> = templates.iter().map(|t| t.template.name.as_str()).collect();
        super::stderr(&format!(
            "error: no template named `{}`\n  help: one of {}; `bulwark new --list` describes them\n",
            args.template,
            names.join(", ")
        ));
        return exit::INVALID;
    };

    let template = &offered.template;
    let project = project_name(&args.dir);
    let mut text = scaffold::rename_app(&template.text, &project);
    let target = absolute(&args.dir);
    if let Some(library) = &offered.library {
        // The template names its own library; point that at the library from the new project.
        let from_project = bulwark::blueprint::library::relative(&target, &absolute(&library.root));
        text = scaffold::repoint_library(&text, library.name(), &from_project.to_string_lossy());
    }
    let loaded = match bulwark::blueprint::load::from_str_in(&text, &target) {
        Ok(loaded) => loaded,
        Err(diagnostics) => {
            print_diagnostics(&diagnostics, &format!("template {}", template.name), &text);
            return exit::INVALID;
        }
    };
    let options = bulwark::Options {
        blueprint_label: BLUEPRINT.to_string(),
        ..bulwark::Options::default()
    };
    let mut generated = match bulwark::generate(&loaded.blueprint, &options) {
        Ok(generated) => generated,
        Err(diagnostics) => {
            print_diagnostics(&diagnostics, &format!("template {}", template.name), &text);
            return exit::INVALID;
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
    let extra = scaffold::project_files_from(&generated, BLUEPRINT, &text, OUT);

    let mut targets: Vec<String> = vec![BLUEPRINT.to_string(), LOCK.to_string()];
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
        std::fs::symlink_metadata(args.dir.join(path)).is_ok_and(|m| m.file_type().is_symlink())
    };
    let existing: Vec<&String> = targets
        .iter()
        .filter(|path| std::fs::symlink_metadata(args.dir.join(path)).is_ok())
        .chain(folders.iter().filter(|folder| is_link(folder)))
        .collect();
    if !existing.is_empty() {
        let shown: Vec<&str> = existing.iter().take(3).map(|p| p.as_str()).collect();
        let more = if existing.len() > 3 {
            format!(" and {} more", existing.len() - 3)
        } else {
            String::new()
        };
        super::stderr(&format!(
            "error: {} already has {}{more}; bulwark new never overwrites a file\n  help: pick an empty directory, e.g. `bulwark new {}-infra`\n",
            args.dir.display(),
            shown.join(", "),
            project
        ));
        return exit::INVALID;
    }

    let write = || -> std::io::Result<()> {
        let folder = bulwark::confined::Folder::create(&args.dir)?;
        folder.write_new(BLUEPRINT, text.as_bytes())?;
        folder.write_new(
            LOCK,
            output::render_lock(&generated.address_plan, BLUEPRINT).as_bytes(),
        )?;
        output::write(
            &args.dir.join(OUT),
            &generated.files,
            &generated.manifest,
            None,
            false,
        )
        .map_err(|error| std::io::Error::other(error.to_string()))?;
        for (path, content) in &extra {
            folder.write_new(path, content.as_bytes())?;
        }
        Ok(())
    };
    if let Err(error) = write() {
        super::stderr(&format!("error: {error}\n"));
        return exit::IO;
    }

    let dir = args.dir.display();
    let secrets: Vec<&str> = generated
        .plan
        .secret_inputs
        .iter()
        .map(|input| input.variable.as_str())
        .collect();
    let mut text = format!(
        "created {dir}/{BLUEPRINT} from template {}\ncreated {dir}/{LOCK} (the address plan)\ncreated {dir}/{OUT}/ ({} files and {})\ncreated {dir}/.github/workflows/infra.yml\ncreated {dir}/.github/dependabot.yml\ncreated {dir}/README.md\n\nnext:\n",
        template.name,
        generated.files.files.len(),
        output::MANIFEST
    );
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
    super::stdout(&text);
    exit::OK
}

/// `path` made absolute against the current directory and normalized, without requiring it
/// to exist.
fn absolute(path: &Path) -> PathBuf {
    let joined = std::env::current_dir()
        .map(|cwd| cwd.join(path))
        .unwrap_or_else(|_| path.to_path_buf());
    bulwark::blueprint::library::normalize(&joined)
}

/// The project's name: the directory's own name (the current directory's for `.`).
fn project_name(dir: &Path) -> String {
    let named = Some(absolute(dir));
    named
        .and_then(|path| {
            path.file_name()
                .map(|name| name.to_string_lossy().into_owned())
        })
        .unwrap_or_else(|| "app".to_string())
}
