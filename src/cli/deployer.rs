use super::exit;
use bulwark::deployer::FOLDER;
use bulwark::output::{self, Manifest, OutputError};
use std::path::PathBuf;

/// Write the bootstrap Bicep for the identities CI deploys as: one user-assigned identity per
/// environment, a federated credential for its GitHub environment, and exactly the role
/// assignments the blueprint's deployment needs, each at its narrowest scope (never Owner,
/// User Access Administrator or unconstrained role-assignment rights). A subscription owner
/// deploys it once.
#[derive(clap::Args)]
#[command(
    after_help = "Writes <OUT>/deployer/main.bicep (subscription scope), its modules and bicepconfig.json, with their own manifest. Then, as an owner of the subscription (and of any platform scope it names):\n\n  az deployment sub create --name <app>-deployer --location <region> \\\n    --template-file <OUT>/deployer/main.bicep \\\n    --parameters githubOrganization=<org> githubRepository=<repo>\n\nand set each GitHub environment's AZURE_CLIENT_ID, AZURE_SUBSCRIPTION_ID and AZURE_RESOURCE_GROUP (output `environments`) and AZURE_TENANT_ID (output `tenantId`). `bulwark explain` lists every grant and why."
)]
pub struct Args {
    /// The blueprint file.
    #[arg(default_value_os_t = super::default_blueprint())]
    blueprint: PathBuf,
    /// The output directory of `bulwark generate` (a relative path is relative to the
    /// blueprint's folder); the bootstrap goes into its `deployer/` folder.
    #[arg(long, short, default_value = "infra")]
    out: PathBuf,
    /// Overwrite files in the deployer folder even if bulwark did not generate them.
    #[arg(long)]
    force: bool,
}

pub fn run(args: Args) -> u8 {
    // The same lock as `generate`: the two never write the output folder at once.
    let out = super::beside_blueprint(&args.blueprint, &args.out);
    let mut lock = match super::lock_out(&out, false) {
        Ok(lock) => lock,
        Err(code) => return code,
    };
    // Read only: the bootstrap does not depend on where subnets lie, and writes no lock.
    let lock_file = match super::lock_file(&args.blueprint, None) {
        Ok(lock_file) => lock_file,
        Err(code) => return code,
    };
    let (file, generated) = match super::load_and_generate(&args.blueprint, &out, &lock_file, true)
    {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    let files = match bulwark::deployer::bootstrap(&generated.plan, &file.label) {
        Ok(files) => files,
        Err(problem) => {
            super::stderr(&format!(
                "error: cannot write the deploying identity's bootstrap: {problem}\n"
            ));
            return exit::INVALID;
        }
    };
    if !lock.is_held() {
        lock = match super::lock_out(&out, true) {
            Ok(lock) => lock,
            Err(code) => return code,
        };
    }
    let _lock = lock;
    let manifest = Manifest::for_files(&files, &file.label, &generated.manifest.libraries);
    let folder = out.join(FOLDER);
    let shown = folder.display();
    match output::write_beneath(&out, FOLDER, &files, &manifest, args.force) {
        Ok(report) => {
            if super::verbose() {
                for (what, paths) in [
                    ("wrote", &report.written),
                    ("unchanged", &report.unchanged),
                    ("removed", &report.removed),
                ] {
                    for path in paths {
                        super::stdout(&format!("{shown}: {what} {path}\n"));
                    }
                }
            }
            super::status(&format!(
                "{shown}: {} written, {} unchanged, {} removed\n",
                report.written.len(),
                report.unchanged.len(),
                report.removed.len()
            ));
            for path in &report.kept {
                super::stdout(&format!(
                    "{shown}: kept {path}: no longer generated, but edited by hand\n"
                ));
            }
            super::status(&format!(
                "next, as an owner of the subscription (and of the platform scopes it names):\n  az deployment sub create --name {app}-deployer --location <region> --template-file {main} --parameters githubOrganization=<org> githubRepository=<repo>\n",
                app = generated.plan.app,
                main = folder.join("main.bicep").display(),
            ));
            let graph = bulwark::deployer::graph_permissions(&generated.plan);
            if !graph.is_empty() {
                let names: Vec<&str> = graph.iter().map(|p| p.name).collect();
                super::stdout(&format!(
                    "then, as an Entra administrator (Azure roles cannot grant it): give each deploying identity the Microsoft Graph application permissions {}, which the app registrations of its service-to-service calls need (README: Service-to-service calls)\n",
                    names.join(", ")
                ));
            }
            exit::OK
        }
        Err(error @ OutputError::NotOwned { .. }) => {
            super::stderr(&format!(
                "error: {error}\n  help: move them away, or pass --force to overwrite them\n"
            ));
            exit::INVALID
        }
        Err(error @ OutputError::EditedByHand { .. }) => {
            super::stderr(&format!(
                "error: {error}\n  help: put the change in the blueprint, then pass --force to replace the files\n"
            ));
            exit::INVALID
        }
        Err(error) => {
            super::stderr(&format!("error: {error}\n"));
            exit::IO
        }
    }
}
