//! The deployment templates (main.bicep, or its stages when it is too large for one
//! deployment) and each one's `.bicepparam` file per environment, setting only the
//! parameters that stage declares.

use super::{Context, MainParam, Options, SECRET_VALUES, Written, limits, sizing_literal, split};
use crate::bicep::{self, Expr, File, ParamFile, Property, Statement, StatementKind};
use std::collections::{BTreeMap, BTreeSet};

/// A deployment template, printed, with what its parameter files read of it.
pub struct StageTemplate {
    text: String,
    params: StageParams,
}

/// What a stage's parameter files read of its template: the parameters it declares and the
/// members of the secret-values object it reads.
#[derive(Default)]
struct StageParams {
    declared: BTreeSet<String>,
    secrets: BTreeSet<String>,
}

impl StageParams {
    fn of(file: &File) -> Self {
        let mut params = StageParams::default();
        for statement in &file.statements {
            params.observe(statement);
        }
        params
    }

    /// Note what one statement of the template declares or reads.
    fn observe(&mut self, statement: &Statement) {
        if let StatementKind::Param(param) = &statement.kind {
            self.declared.insert(param.name.clone());
        }
        secret_members(statement, &mut self.secrets);
    }
}

/// main.bicep alone, or the stages it is split into when it breaks ARM's per-deployment
/// limits (or a test's smaller budget asks for stages). main.bicep's text is in
/// `written.files`, where it is taken from (and put back by [`write`]); `memo` keeps what
/// the limit check read of the templates, for the final check in `lib::generate`, and
/// forgets main.bicep when its text may change.
pub fn stages(
    main: File,
    written: &mut Written,
    options: &Options,
    memo: &mut limits::TemplateMemo,
) -> Vec<StageTemplate> {
    let too_large = match options.stage_budget {
        Some(_) => true,
        None => !limits::check_with_memo(&written.files, memo).is_empty(),
    };
    if too_large {
        // Too large for one deployment: deploy it in stages if it can be split; if it
        // cannot, the limit check refuses it. The split consumes main.bicep's syntax and
        // sizes modules by their text, not main.bicep by its: that text is set aside, to
        // stand if there is a single stage after all.
        let budget = options.stage_budget.unwrap_or_else(split::Budget::arm);
        let whole = StageParams::of(&main);
        let text = written
            .files
            .remove("main.bicep")
            .expect("main.bicep is printed before the split");
        memo.forget("main.bicep");
        let mut sizes = limits::DeploymentSizes::new(&written.files, memo);
        match split::split(
            main,
            &written.module_files,
            &mut sizes,
            budget,
            StageParams::observe,
        ) {
            Ok(Some(stages)) => {
                return stages
                    .into_iter()
                    .map(|stage| StageTemplate {
                        text: stage.text,
                        params: stage.kept,
                    })
                    .collect();
            }
            // One stage after all, or none that fits: main.bicep stands as printed.
            Ok(None) | Err(_) => {
                return vec![StageTemplate {
                    text,
                    params: whole,
                }];
            }
        }
    }
    // One template: main.bicep as already printed.
    let text = written
        .files
        .remove("main.bicep")
        .expect("main.bicep is printed before the split");
    vec![StageTemplate {
        text,
        params: StageParams::of(&main),
    }]
}

/// Each stage's template, and its parameter file for every environment.
pub fn write(
    ctx: &Context,
    stages: Vec<StageTemplate>,
    main_params: &[&MainParam],
    files: &mut BTreeMap<String, String>,
) {
    let plan = ctx.plan;
    for (index, stage) in stages.into_iter().enumerate() {
        let template = split::stage_template(index);
        files.insert(template.clone(), stage.text);
        let declared = &stage.params.declared;
        let used_secrets = &stage.params.secrets;
        for environment in &plan.environments {
            let mut assignments = Vec::new();
            if declared.contains("environmentName") {
                assignments.push((
                    "environmentName".to_string(),
                    Expr::str(environment.as_str()),
                ));
            }
            for param in main_params.iter().filter(|p| declared.contains(&p.name)) {
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

/// The keys of the secret-values object a statement reads (`secretValues.<key>`), into
/// `found`.
fn secret_members(statement: &Statement, found: &mut BTreeSet<String>) {
    statement.walk(&mut |expr| {
        // Looked up before it is copied: most keys are read by many statements.
        if let Expr::Member(base, name) = expr
            && matches!(base.as_ref(), Expr::Ident(symbol) if symbol == SECRET_VALUES)
            && !found.contains(name.as_str())
        {
            found.insert(name.to_string());
        }
    });
}
