//! The deployment templates (main.bicep, or its stages when it is too large for one
//! deployment) and each one's `.bicepparam` file per environment, setting only the
//! parameters that stage declares.

use super::{Context, MainParam, Options, SECRET_VALUES, Written, limits, sizing_literal, split};
use crate::bicep::{self, Expr, File, ParamFile, Property, StatementKind};
use std::collections::{BTreeMap, BTreeSet};

/// main.bicep alone, or the stages it is split into when it breaks ARM's per-deployment
/// limits (or a test's smaller budget asks for stages).
pub fn stages(main: File, written: &mut Written, options: &Options) -> Vec<File> {
    let mut stages = vec![main];
    // What the check reads of each module, the split reads again: kept, not read twice.
    let mut memo = limits::TemplateMemo::default();
    let too_large = match options.stage_budget {
        Some(_) => true,
        None => !limits::check_with_memo(&written.files, &mut memo).is_empty(),
    };
    if too_large {
        // Too large for one deployment: deploy it in stages if it can be split; if it
        // cannot, the limit check refuses it.
        let budget = options.stage_budget.unwrap_or_else(split::Budget::arm);
        // The split sizes modules by their text, not main.bicep by its: that text is let go
        // (`write` prints each stage, main.bicep again when no split is found). The memo
        // keeps main.bicep's size, but nothing asks for it again.
        written.files.remove("main.bicep");
        let mut sizes = limits::DeploymentSizes::new(&written.files, &mut memo);
        if let Ok(split) = split::split(&stages[0], &written.module_files, &mut sizes, budget) {
            stages = split;
        }
    }
    stages
}

/// Each stage's template, and its parameter file for every environment.
pub fn write(
    ctx: &Context,
    stages: &[File],
    main_params: &[&MainParam],
    files: &mut BTreeMap<String, String>,
) {
    let plan = ctx.plan;
    for (index, stage) in stages.iter().enumerate() {
        let template = split::stage_template(index);
        files.insert(template.clone(), bicep::print_file(stage));
        let declared: BTreeSet<&str> = stage
            .statements
            .iter()
            .filter_map(|statement| match &statement.kind {
                StatementKind::Param(param) => Some(param.name.as_str()),
                _ => None,
            })
            .collect();
        let used_secrets = secret_members(stage);
        for environment in &plan.environments {
            let mut assignments = Vec::new();
            if declared.contains("environmentName") {
                assignments.push((
                    "environmentName".to_string(),
                    Expr::str(environment.as_str()),
                ));
            }
            for param in main_params
                .iter()
                .filter(|p| declared.contains(p.name.as_str()))
            {
                assignments.push((
                    param.name.clone(),
                    sizing_literal(&param.values[environment]),
                ));
            }
            if declared.contains(SECRET_VALUES) {
                let values = plan
                    .secret_inputs
                    .iter()
                    .filter(|input| used_secrets.contains(input.param.as_str()))
                    .map(|input| {
                        Property::new(
                            input.param.as_str(),
                            Expr::call(
                                "readEnvironmentVariable",
                                vec![input.variable.as_str().into()],
                            ),
                        )
                    });
                assignments.push((SECRET_VALUES.to_string(), Expr::object(values)));
            }
            let file = ParamFile {
                header: vec![ctx.header()],
                using: template.clone(),
                assignments,
            };
            files.insert(
                split::stage_param_file(index, environment),
                bicep::print_param_file(&file),
            );
        }
    }
}

/// The keys of the secret-values object a template reads (`secretValues.<key>`).
fn secret_members(file: &File) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for statement in &file.statements {
        statement.walk(&mut |expr| {
            if let Expr::Member(base, name) = expr
                && matches!(base.as_ref(), Expr::Ident(symbol) if symbol == SECRET_VALUES)
            {
                found.insert(name.clone());
            }
        });
    }
    found
}
