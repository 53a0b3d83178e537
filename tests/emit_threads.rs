//! Issue 14: the component modules are built on several threads. The output must not depend
//! on how many: the same files, byte for byte, whether one thread builds every module or
//! several build them in chunks that finish in any order.

mod common;

use bulwark::Options;
use bulwark::emit::split::{Budget, stage_templates};
use common::synthetic::synthetic;

fn options() -> Options {
    Options {
        today: common::today(),
        // Small stages, so that the split reads the modules the workers cut.
        stage_budget: Some(Budget {
            json_bytes: 400 * 1024,
            ..Budget::arm()
        }),
        ..Options::default()
    }
}

#[test]
fn the_output_does_not_depend_on_the_threads_that_build_the_modules() {
    let options = options();
    let generated = bulwark::generate(&synthetic(150), &options).expect("it generates");
    assert!(
        stage_templates(generated.files.paths()).len() > 1,
        "the blueprint should split into stages"
    );
    let one = bulwark::emit::emit_on_threads(&generated.plan, &options, 1);
    assert_eq!(
        one, generated.files,
        "generate's own threads change nothing"
    );
    for threads in [2, 3, 4, 7] {
        let many = bulwark::emit::emit_on_threads(&generated.plan, &options, threads);
        assert!(
            one == many,
            "{threads} threads generate different files than one"
        );
    }
}

#[test]
fn a_shipped_blueprint_generates_the_same_on_any_number_of_threads() {
    for path in common::shipped_blueprints() {
        let generated = common::generate_full(&path);
        let label = path.file_name().unwrap().to_string_lossy().into_owned();
        let options = Options {
            blueprint_label: label,
            today: common::today(),
            ..Options::default()
        };
        let one = bulwark::emit::emit_on_threads(&generated.plan, &options, 1);
        let two = bulwark::emit::emit_on_threads(&generated.plan, &options, 2);
        assert_eq!(one, generated.files, "{}", path.display());
        assert!(one == two, "{}: two threads differ", path.display());
    }
}
