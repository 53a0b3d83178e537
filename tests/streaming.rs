//! Issue 14: a generation's files go to the writer as they are made, so writing overlaps
//! generating and the texts are never all held at once; a generation refused after its
//! files were handed on leaves the output folder exactly as it was.

mod common;

use assert_cmd::Command;
use bulwark::{GeneratedFile, Options};
use common::synthetic::{render_toml, synthetic};
use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

fn options() -> Options {
    Options {
        today: common::today(),
        ..Options::default()
    }
}

/// The component modules reach the sink before main.bicep, which is printed (and, when
/// too large, split into stages) only after every module was built: a generation that
/// collected its files and handed them on at the end would give them in path order, with
/// main.bicep before the modules.
#[test]
fn modules_are_handed_on_before_the_templates_exist() {
    let blueprint = synthetic(150);
    let mut order: Vec<String> = Vec::new();
    let mut handed: BTreeMap<String, String> = BTreeMap::new();
    let streamed =
        bulwark::generate_streaming(&blueprint, &options(), &mut |file: GeneratedFile| {
            assert_eq!(file.hash, bulwark::output::hash(file.text.as_bytes()));
            order.push(file.path.clone());
            assert!(
                handed.insert(file.path, file.text).is_none(),
                "each path once"
            );
        })
        .expect("it generates");
    let position = |path: &str| order.iter().position(|p| p == path).expect(path);
    let first_component = position("modules/web-app-web-0000.bicep");
    assert!(first_component < position("main.bicep"), "{order:?}");
    assert!(first_component < position("bicepconfig.json"), "{order:?}");
    assert!(
        order[..position("main.bicep")]
            .iter()
            .all(|path| path.starts_with("modules/")),
        "only modules come before the templates: {order:?}"
    );
    // The same files as `generate` collects, and the manifest lists each one's hash.
    let generated = bulwark::generate(&blueprint, &options()).expect("it generates");
    assert_eq!(handed, generated.files.files);
    assert_eq!(streamed.manifest, generated.manifest);
}

fn bulwark(project: &Path) -> Command {
    let mut command = Command::cargo_bin("bulwark").unwrap();
    command.env("NO_COLOR", "1").current_dir(project);
    command
}

/// Every file under `dir`, by path, with its bytes (empty for a folder).
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(folder) = pending.pop() {
        for entry in fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            let relative = path.strip_prefix(dir).unwrap().display().to_string();
            if path.is_dir() {
                pending.push(path);
                files.insert(relative, Vec::new());
            } else {
                files.insert(relative, fs::read(&path).unwrap());
            }
        }
    }
    files
}

/// A blueprint one component too large for a resource group's deployment history is
/// refused only after its files were generated (and staged): the refusal leaves no output
/// folder where there was none (nor the parent created for it), and an existing one, with
/// the lock beside the blueprint, byte for byte as it was.
#[test]
fn a_generation_refused_after_its_files_leaves_the_folder_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path();
    let too_large = render_toml(&synthetic(791));
    fs::write(project.join("bulwark.toml"), &too_large).unwrap();
    let refused = bulwark(project)
        .args(["generate", "--out", "new/infra"])
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&refused.get_output().stderr).into_owned();
    assert!(stderr.contains("too-many-deployments"), "{stderr}");
    assert!(
        !project.join("new").exists(),
        "the folder created for the run stays"
    );
    assert!(!project.join("bulwark.lock").exists());

    fs::copy(
        common::repo().join("blueprints/shop.toml"),
        project.join("bulwark.toml"),
    )
    .unwrap();
    bulwark(project).arg("generate").assert().success();
    let before = snapshot(project);
    fs::write(project.join("bulwark.toml"), &too_large).unwrap();
    bulwark(project).arg("generate").assert().code(2);
    let mut after = snapshot(project);
    after.insert("bulwark.toml".into(), before["bulwark.toml"].clone());
    assert_eq!(
        before.keys().collect::<Vec<_>>(),
        after.keys().collect::<Vec<_>>()
    );
    assert!(before == after, "the refused generation changed the folder");
}

/// The security report prepared on a thread of its own while the templates are split into
/// stages (as `generate` does from 100 components on) is the one rendered after generation,
/// in an estate split into several stages, whose names the report lists.
#[test]
fn the_report_prepared_beside_the_stage_split_is_the_same() {
    let text = render_toml(&synthetic(120));
    let loaded = bulwark::blueprint::load::from_str(&text).expect("the synthetic TOML loads");
    let source = bulwark::ReportSource {
        label: "bulwark.toml",
        text: &text,
        map: &loaded.source_map,
    };
    let options = Options {
        stage_budget: Some(bulwark::emit::split::Budget {
            json_bytes: 200 * 1024,
            ..bulwark::emit::split::Budget::arm()
        }),
        ..options()
    };
    let generate = |aside| {
        let mut files = BTreeMap::new();
        let (streamed, report) = bulwark::generate_streaming_with_report_aside(
            &loaded.blueprint,
            &options,
            &source,
            &mut |file: GeneratedFile| {
                files.insert(file.path, file.text);
            },
            aside,
        )
        .expect("it generates");
        (files, streamed.manifest, report)
    };
    let (files, manifest, report) = generate(true);
    assert!(files.contains_key("main-3.bicep"), "several stages");
    assert!(report.contains("-main-3`"), "the report names the stages");
    assert_eq!(generate(false), (files, manifest, report.clone()));
    let generated = bulwark::generate(&loaded.blueprint, &options).expect("it generates");
    assert_eq!(
        bulwark::report_text(&generated, &loaded.blueprint, &source),
        report
    );
}
