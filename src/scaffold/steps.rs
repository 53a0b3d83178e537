//! The shell lines of the generated workflow's steps: running each database's grant script
//! from the deployment's outputs, and delivering each compute component's code or image
//! from a runner.

use crate::plan::Plan;
use serde::Serialize;

/// A workflow step: a name and its shell lines (a grant script, a code delivery).
#[derive(Serialize)]
pub(super) struct StepView {
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

/// The workflow's steps that run each database's grant script.
pub(super) fn grant_steps(plan: &Plan, out: &str) -> Vec<StepView> {
    crate::emit::grant_scripts(plan)
        .iter()
        .map(|script| StepView {
            name: format!("Grants in {} ({})", script.component, script.path),
            lines: grant_lines(&plan.app, out, plan.deployment.stacks, script),
        })
        .collect()
}

/// The workflow's steps that deliver code (zip packages) and push container images.
pub(super) fn delivery_steps(plan: &Plan) -> (Vec<StepView>, Vec<StepView>) {
    let mut code = Vec::new();
    let mut images = Vec::new();
    for delivery in crate::emit::deliveries(plan) {
        let Some(lines) = delivery_lines(&plan.app, &delivery) else {
            continue;
        };
        if let crate::emit::DeliveryPath::RegistryImage { repository, .. } = &delivery.path {
            images.push(StepView {
                name: format!("Image of {} ({repository})", delivery.component),
                lines,
            });
        } else {
            code.push(StepView {
                name: format!("Code of {} ({}/)", delivery.component, delivery.source()),
                lines,
            });
        }
    }
    (code, images)
}
