//! The load, validate and plan stages answer some questions by a shortcut (issue 14): the
//! part a connection names without building every part. Each must give the answer the
//! long way gives, on every blueprint in the repository.

use std::path::Path;

fn blueprints() -> Vec<bulwark::Blueprint> {
    let mut paths: Vec<_> =
        std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("blueprints"))
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .filter(|path| path.extension().is_some_and(|ext| ext == "toml"))
            .collect();
    paths.sort();
    assert!(!paths.is_empty());
    paths
        .iter()
        .map(|path| {
            let text = std::fs::read_to_string(path).unwrap();
            bulwark::blueprint::load::from_str_in(&text, path.parent().unwrap())
                .unwrap_or_else(|errors| panic!("{}: {errors:?}", path.display()))
                .blueprint
        })
        .collect()
}

#[test]
fn a_part_by_name_is_the_first_part_of_that_name() {
    let mut checked = 0;
    for blueprint in blueprints() {
        for component in &blueprint.components {
            let parts = component.spec.parts();
            for part in &parts {
                let first = parts.iter().find(|p| p.name == part.name).cloned();
                assert_eq!(component.spec.part(&part.name), first, "{}", component.name);
                checked += 1;
            }
            assert_eq!(component.spec.part("no-such-part"), None);
        }
    }
    assert!(checked > 0);
}
