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
    let mut lines = Vec::new();
    let (text, generated, from_template) = match blueprint(&args, &mut lines) {
        Ok(chosen) => chosen,
        Err(code) => return code,
    };
    let project = Project {
        dir: &args.dir,
        root: &root,
        placement: &placement,
        text: &text,
        generated: &generated,
        from_template: from_template.as_deref(),
    };
    match project.write() {
        Ok(written) => lines.extend(written),
        Err(error) => {
            super::stderr(&format!("error: {error}\n"));
            return exit::IO;
        }
    }
    let mut text = lines.join("\n");
    text.push_str(&format!(
        "\n\nnext:\n  edit {}, then run `bulwark generate {}` (and `bulwark check` to see it is in sync)\n  in GitHub, create the environments {} with variables AZURE_CLIENT_ID, AZURE_TENANT_ID,\n  AZURE_SUBSCRIPTION_ID and AZURE_RESOURCE_GROUP\n  commit the new files with your next pull request\n",
        project.shown(BLUEPRINT),
        super::shell_word(&project.shown(BLUEPRINT)),
        generated.plan.environments.join(", "),
    ));
    super::status(&text);
    exit::OK
}

/// The blueprint the project starts from, generated: the folder's own bulwark.toml (a line
/// in `lines` says it is kept) or, when it has none, the template's, with the template's
/// name.
fn blueprint(
    args: &Args,
    lines: &mut Vec<String>,
) -> Result<(String, bulwark::Generated, Option<String>), u8> {
    let blueprint_path = args.dir.join(BLUEPRINT);
    if std::fs::symlink_metadata(&blueprint_path).is_ok() {
        let lock = super::lock_file(&blueprint_path, None)?;
        let (file, generated) =
            super::load_and_generate(&blueprint_path, &args.dir.join(OUT), &lock, true)?;
        lines.push(format!(
            "kept {} (it exists); the files below come from it",
            shown(&args.dir, BLUEPRINT)
        ));
        return Ok((file.text, generated, None));
    }
    let templates = super::new::templates(args.library.as_deref())?;
    let Some(offered) = super::new::find(&templates, &args.template) else {
        return Err(exit::INVALID);
    };
    let Some((text, generated)) = super::new::from_template(offered, &args.dir) else {
        return Err(exit::INVALID);
    };
    Ok((text, generated, Some(offered.template.name.clone())))
}

/// A path in the project folder `dir` as the command shows it: from the working directory.
fn shown(dir: &Path, relative: &str) -> String {
    if dir == Path::new(".") {
        relative.to_string()
    } else {
        dir.join(relative).display().to_string()
    }
}

/// What `init` writes: the project folder's files and, at the repository root, the
/// workflow and Dependabot config.
struct Project<'a> {
    /// The project folder as given on the command line.
    dir: &'a Path,
    /// The repository's root.
    root: &'a Path,
    placement: &'a Placement,
    /// The blueprint's text.
    text: &'a str,
    generated: &'a bulwark::Generated,
    /// The template the blueprint comes from; `None` when the folder had one.
    from_template: Option<&'a str>,
}

impl Project<'_> {
    fn shown(&self, relative: &str) -> String {
        shown(self.dir, relative)
    }

    /// Write every file that does not exist yet; a line for each file written or kept.
    fn write(&self) -> std::io::Result<Vec<String>> {
        let extra =
            scaffold::project_files_in(self.generated, BLUEPRINT, self.text, OUT, self.placement);
        let mut lines = Vec::new();
        let project = Folder::create(self.dir)?;
        self.write_blueprint_files(&project, &mut lines)?;
        let repository = Folder::open(self.root)?
            .ok_or_else(|| std::io::Error::other("the repository root disappeared"))?;
        for (path, content) in &extra {
            // GitHub reads workflows and the Dependabot config only at the repository root.
            if path.starts_with(".github/") {
                self.write_at_root(&repository, path, content, &mut lines)?;
            } else {
                self.write_in_folder(&project, path, content, &mut lines)?;
            }
        }
        Ok(lines)
    }

    /// The blueprint (from a template), its schema, the address plan lock and the generated
    /// Bicep, each unless it exists.
    fn write_blueprint_files(
        &self,
        project: &Folder,
        lines: &mut Vec<String>,
    ) -> std::io::Result<()> {
        let shown = |relative: &str| self.shown(relative);
        let generated = self.generated;
        if let Some(template) = &self.from_template {
            project.write_new(BLUEPRINT, self.text.as_bytes())?;
            lines.push(format!(
                "created {} from template {template}",
                shown(BLUEPRINT)
            ));
        }
        if project.exists(scaffold::SCHEMA_FILE) {
            lines.push(format!("kept {} (it exists)", shown(scaffold::SCHEMA_FILE)));
        } else {
            project.write_new(scaffold::SCHEMA_FILE, scaffold::schema_file().as_bytes())?;
            let hint = if self
                .text
                .lines()
                .any(|l| l.trim_start().starts_with("#:schema"))
            {
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
            let lock_text = output::render_lock(&generated.address_plan, BLUEPRINT);
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
                &self.dir.join(OUT),
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
        Ok(())
    }

    /// A file GitHub reads at the repository root (the workflow, the Dependabot config),
    /// unless it exists.
    fn write_at_root(
        &self,
        repository: &Folder,
        path: &str,
        content: &str,
        lines: &mut Vec<String>,
    ) -> std::io::Result<()> {
        // Paths as shown: from the working directory, where the repository root is not.
        let file = self.root.join(path);
        let shown_path = std::env::current_dir()
            .map(|cwd| bulwark::blueprint::library::relative(&super::new::absolute(&cwd), &file))
            .unwrap_or(file)
            .display()
            .to_string();
        if repository.exists(path) {
            lines.push(format!(
                "skipped {shown_path} (it exists; move it away and run `bulwark init` again for bulwark's)"
            ));
        } else {
            repository.write_new(path, content.as_bytes())?;
            lines.push(format!(
                "created {shown_path}{}",
                if self.placement.folder.is_empty() || path != self.placement.workflow_path() {
                    String::new()
                } else {
                    format!(" (runs in {}/)", self.placement.folder)
                }
            ));
        }
        Ok(())
    }

    /// A file of the project folder (the README), unless it exists: a README of the folder's
    /// own stays, and the notes go beside it.
    fn write_in_folder(
        &self,
        project: &Folder,
        path: &str,
        content: &str,
        lines: &mut Vec<String>,
    ) -> std::io::Result<()> {
        let shown = |relative: &str| self.shown(relative);
        if !project.exists(path) {
            project.write_new(path, content.as_bytes())?;
            lines.push(format!("created {}", shown(path)));
        } else if project.exists(NOTES) {
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
        Ok(())
    }
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
