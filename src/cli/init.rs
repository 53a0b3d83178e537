use super::exit;
use super::new::{BLUEPRINT, LOCK, OUT};
use bulwark::confined::Folder;
use bulwark::output;
use bulwark::scaffold::{self, Placement};
use std::path::{Path, PathBuf};

/// Adopt bulwark in an existing git repository, at its root or in a folder of a monorepo:
/// the blueprint (from a template, unless the folder has a bulwark.toml already), its
/// address plan lock, the generated Bicep and a README in the folder, and the GitHub Actions
/// workflow at the repository root, running in the folder and triggered by its changes.
/// Files that exist are skipped and reported, never overwritten; nothing is written outside
/// the folder and the repository root's .github/workflows/.
#[derive(clap::Args)]
#[command(
    after_help = "The repository is the nearest folder from DIR upwards with a .git folder or file. In a subfolder (e.g. `bulwark init services/shop`), the workflow is .github/workflows/infra-services-shop.yml with `defaults.run.working-directory: services/shop` and path filters under services/shop/. A README.md that exists is kept and the project's notes go to INFRASTRUCTURE.md.\n\nTo start a new repository instead, use `bulwark new`."
)]
pub struct Args {
    /// The project folder inside the repository (created if missing).
    #[arg(default_value = ".")]
    dir: PathBuf,
    /// Template for the blueprint when the folder has no bulwark.toml; `bulwark new --list`
    /// shows them.
    #[arg(long, short, default_value = "shop")]
    template: String,
    /// A blueprint library whose templates to offer too (a folder with bulwark-library.toml).
    #[arg(long)]
    library: Option<PathBuf>,
}

/// Where the project's notes go when the folder has a README of its own.
const NOTES: &str = "INFRASTRUCTURE.md";

/// The project folder from the repository root, `/`-separated (empty for the root), when it
/// is a path a workflow can name as it is: in a path filter (a glob) and as a working
/// directory, so letters, digits, `.`, `_`, `-` and `/` only.
fn folder_in_repository(root: &Path, dir: &Path) -> Result<String, String> {
    let relative = bulwark::blueprint::library::relative(root, dir);
    if relative == Path::new(".") {
        return Ok(String::new());
    }
    let text = relative
        .components()
        .map(|component| component.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/");
    if text.split('/').any(|part| part == "..") {
        return Err(format!(
            "{} is not inside {}",
            dir.display(),
            root.display()
        ));
    }
    if let Some(bad) = text
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || "._-/".contains(*c)))
    {
        return Err(format!(
            "the folder `{text}` has `{}`, which a workflow's path filter or working directory would misread; use letters, digits, `.`, `_`, `-` and `/`",
            bad.escape_default()
        ));
    }
    Ok(text)
}

/// The workflow's file name: `infra.yml` at the root, `infra-<folder with - for />.yml` in
/// a subfolder, so each project of a monorepo has its own.
fn workflow_name(folder: &str) -> String {
    if folder.is_empty() {
        "infra.yml".to_string()
    } else {
        format!("infra-{}.yml", folder.replace('/', "-"))
    }
}

pub fn run(args: Args) -> u8 {
    let dir = super::new::absolute(&args.dir);
    let Some(root) = super::new::repository_root(&dir) else {
        super::stderr(&format!(
            "error: {} is not in a git repository (no .git folder in it or above it)\n  help: run `git init` in the repository's root first, or start a new one with `bulwark new {}`\n",
            args.dir.display(),
            super::shell_word(&args.dir.display().to_string())
        ));
        return exit::INVALID;
    };
    let folder = match folder_in_repository(&root, &dir) {
        Ok(folder) => folder,
        Err(problem) => {
            super::stderr(&format!("error: {problem}\n"));
            return exit::INVALID;
        }
    };
    let placement = Placement {
        workflow: workflow_name(&folder),
        folder,
    };
    let shown = |relative: &str| {
        if args.dir == Path::new(".") {
            relative.to_string()
        } else {
            args.dir.join(relative).display().to_string()
        }
    };
    let exists = |path: PathBuf| std::fs::symlink_metadata(path).is_ok();

    // The blueprint: the folder's own, or a template's.
    let blueprint_path = args.dir.join(BLUEPRINT);
    let mut lines = Vec::new();
    let (text, generated, from_template) = if exists(blueprint_path.clone()) {
        let lock = match super::lock_file(&blueprint_path, None) {
            Ok(lock) => lock,
            Err(code) => return code,
        };
        let (file, generated) =
            match super::load_and_generate(&blueprint_path, &args.dir.join(OUT), &lock, true) {
                Ok(loaded) => loaded,
                Err(code) => return code,
            };
        lines.push(format!(
            "kept {} (it exists); the files below come from it",
            shown(BLUEPRINT)
        ));
        (file.text, generated, None)
    } else {
        let templates = match super::new::templates(args.library.as_deref()) {
            Ok(templates) => templates,
            Err(code) => return code,
        };
        let Some(offered) = super::new::find(&templates, &args.template) else {
            return exit::INVALID;
        };
        let Some((text, generated)) = super::new::from_template(offered, &args.dir) else {
            return exit::INVALID;
        };
        (text, generated, Some(offered.template.name.clone()))
    };

    let extra = scaffold::project_files_in(&generated, BLUEPRINT, &text, OUT, &placement);
    let workflow_path = placement.workflow_path();
    let lock_text = output::render_lock(&generated.address_plan, BLUEPRINT);

    let write = || -> std::io::Result<Vec<String>> {
        let mut lines = Vec::new();
        let project = Folder::create(&args.dir)?;
        if let Some(template) = &from_template {
            project.write_new(BLUEPRINT, text.as_bytes())?;
            lines.push(format!(
                "created {} from template {template}",
                shown(BLUEPRINT)
            ));
        }
        if project.exists(scaffold::SCHEMA_FILE) {
            lines.push(format!("kept {} (it exists)", shown(scaffold::SCHEMA_FILE)));
        } else {
            project.write_new(scaffold::SCHEMA_FILE, scaffold::schema_file().as_bytes())?;
            let hint = if text.lines().any(|l| l.trim_start().starts_with("#:schema")) {
                String::new()
            } else {
                format!(
                    "; add `#:schema ./{}` as the first line of {} for editors to use it",
                    scaffold::SCHEMA_FILE,
                    shown(BLUEPRINT)
                )
            };
            lines.push(format!(
                "created {} (the blueprint's schema, for editors){hint}",
                shown(scaffold::SCHEMA_FILE)
            ));
        }
        if project.exists(LOCK) {
            lines.push(format!("kept {} (it exists)", shown(LOCK)));
        } else {
            project.write_new(LOCK, lock_text.as_bytes())?;
            lines.push(format!("created {} (the address plan)", shown(LOCK)));
        }
        if project.exists(OUT) {
            lines.push(format!(
                "skipped {}/ (it exists): `bulwark generate` updates it, `bulwark check` compares",
                shown(OUT)
            ));
        } else {
            output::write(
                &args.dir.join(OUT),
                &generated.files,
                &generated.manifest,
                None,
                false,
            )
            .map_err(|error| std::io::Error::other(error.to_string()))?;
            lines.push(format!(
                "created {}/ ({} files and {})",
                shown(OUT),
                generated.files.files.len(),
                output::MANIFEST
            ));
        }
        let repository = Folder::open(&root)?
            .ok_or_else(|| std::io::Error::other("the repository root disappeared"))?;
        // Paths as shown: from the working directory, where the repository root is not.
        let root_shown = |path: &str| {
            let file = root.join(path);
            std::env::current_dir()
                .map(|cwd| {
                    bulwark::blueprint::library::relative(&super::new::absolute(&cwd), &file)
                })
                .unwrap_or(file)
                .display()
                .to_string()
        };
        for (path, content) in &extra {
            // GitHub reads workflows and the Dependabot config only at the repository root.
            if path.starts_with(".github/") {
                let shown_path = root_shown(path);
                if repository.exists(path) {
                    lines.push(format!(
                        "skipped {shown_path} (it exists; move it away and run `bulwark init` again for bulwark's)"
                    ));
                } else {
                    repository.write_new(path, content.as_bytes())?;
                    lines.push(format!(
                        "created {shown_path}{}",
                        if placement.folder.is_empty() || *path != workflow_path {
                            String::new()
                        } else {
                            format!(" (runs in {}/)", placement.folder)
                        }
                    ));
                }
            } else if project.exists(path) {
                // A README of the folder's own stays; the notes go beside it.
                if project.exists(NOTES) {
                    lines.push(format!(
                        "skipped {} and {} (they exist)",
                        shown(path),
                        shown(NOTES)
                    ));
                } else {
                    project.write_new(NOTES, content.as_bytes())?;
                    lines.push(format!(
                        "kept {} (it exists); created {} with how to work with the infrastructure: link it from the README",
                        shown(path),
                        shown(NOTES)
                    ));
                }
            } else {
                project.write_new(path, content.as_bytes())?;
                lines.push(format!("created {}", shown(path)));
            }
        }
        Ok(lines)
    };
    match write() {
        Ok(written) => lines.extend(written),
        Err(error) => {
            super::stderr(&format!("error: {error}\n"));
            return exit::IO;
        }
    }
    let mut text = lines.join("\n");
    text.push_str(&format!(
        "\n\nnext:\n  edit {}, then run `bulwark generate {}` (and `bulwark check` to see it is in sync)\n  in GitHub, create the environments {} with variables AZURE_CLIENT_ID, AZURE_TENANT_ID,\n  AZURE_SUBSCRIPTION_ID and AZURE_RESOURCE_GROUP\n  commit the new files with your next pull request\n",
        shown(BLUEPRINT),
        super::shell_word(&shown(BLUEPRINT)),
        generated.plan.environments.join(", "),
    ));
    super::status(&text);
    exit::OK
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_is_named_from_the_repository_root() {
        let root = Path::new("/repo");
        assert_eq!(
            folder_in_repository(root, Path::new("/repo")),
            Ok(String::new())
        );
        assert_eq!(
            folder_in_repository(root, Path::new("/repo/services/shop")),
            Ok("services/shop".to_string())
        );
        assert!(folder_in_repository(root, Path::new("/repo/my shop")).is_err());
        assert!(folder_in_repository(root, Path::new("/repo/a*b")).is_err());
        assert!(folder_in_repository(root, Path::new("/elsewhere")).is_err());
        assert_eq!(workflow_name(""), "infra.yml");
        assert_eq!(workflow_name("services/shop"), "infra-services-shop.yml");
    }
}
