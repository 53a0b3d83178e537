//! The Rust builder and the TOML loader produce one blueprint type and the same output.

mod common;

#[path = "../examples/shop.rs"]
mod shop_example;

#[test]
fn the_builder_example_generates_exactly_what_shop_toml_generates() {
    let from_toml = common::generate_file(&common::repo().join("blueprints/shop.toml"));
    let from_builder = bulwark::generate(&shop_example::blueprint(), &shop_example::options())
        .unwrap()
        .files;
    assert_eq!(from_builder, from_toml);
}

#[test]
fn the_builder_and_the_loader_build_equal_blueprints() {
    let text = std::fs::read_to_string(common::repo().join("blueprints/shop.toml")).unwrap();
    let mut loaded = bulwark::blueprint::load::from_str(&text).unwrap().blueprint;
    let mut built = shop_example::blueprint();
    loaded.components.sort_by(|a, b| a.name.cmp(&b.name));
    built.components.sort_by(|a, b| a.name.cmp(&b.name));
    assert_eq!(built, loaded);
}

#[test]
fn builder_blueprints_get_the_same_validation_with_paths_instead_of_lines() {
    use bulwark::blueprint::{Access, Blueprint, Runtime, Storage, WebApp};
    let blueprint = Blueprint::builder("shop", ["dev"])
        .component(
            "web",
            WebApp::new(Runtime::Node22).uses("media.imagez", Access::Read),
        )
        .component("media", Storage::new().containers(["images"]))
        .build();
    let error = bulwark::generate(&blueprint, &bulwark::Options::default()).unwrap_err();
    let text = bulwark::blueprint::render::render_short(error.diagnostics(), None);
    assert_eq!(
        text,
        "components.web.uses[0].to: error[unknown-part]: `media` declares no container or queue named `imagez`\n"
    );
}

#[test]
fn a_refused_generation_is_a_std_error_that_question_mark_carries() {
    use bulwark::blueprint::{Access, Blueprint, Runtime, Storage, WebApp};
    fn generate(blueprint: &Blueprint) -> Result<usize, Box<dyn std::error::Error>> {
        Ok(bulwark::generate(blueprint, &bulwark::Options::default())?
            .files
            .files
            .len())
    }
    let blueprint = Blueprint::builder("shop", ["dev"])
        .component(
            "web",
            WebApp::new(Runtime::Node22)
                .uses("media.imagez", Access::Read)
                .uses("vault", Access::Read),
        )
        .component("media", Storage::new().containers(["images"]))
        .build();
    let error = generate(&blueprint).unwrap_err();
    let error = error
        .downcast_ref::<bulwark::Error>()
        .expect("a bulwark::Error");
    assert_eq!(
        error.to_string(),
        "the blueprint has 2 errors:\n  \
         unknown-part at components.web.uses[0].to: `media` declares no container or queue named `imagez`\n  \
         unknown-target at components.web.uses[1].to: `web` uses `vault`, which is not a component"
    );
    assert_eq!(error.errors().count(), 2);
    assert_eq!(error.clone().into_diagnostics(), error.diagnostics());
}
