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
    let diagnostics = bulwark::generate(&blueprint, &bulwark::Options::default()).unwrap_err();
    let text = bulwark::blueprint::render::render_short(&diagnostics, None);
    assert_eq!(
        text,
        "components.web.uses[0].to: error[unknown-part]: `media` declares no container or queue named `imagez`\n"
    );
}
