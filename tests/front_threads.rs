//! Issue 14: validation and planning of a large blueprint run on two threads. Neither may
//! depend on how many: the same diagnostics in the same order, the same plan.

mod common;

use bulwark::blueprint::{ComponentSpec, validate_on_threads};
use bulwark::plan::{AddressRecord, plan_on_threads};
use common::synthetic::synthetic;

#[test]
fn validation_reports_the_same_on_one_thread_and_two() {
    let mut blueprint = synthetic(150);
    // Findings from both halves: the component loop (a secret-looking plain setting) and the
    // whole-app checks after it (two secrets of a vault that become one parameter).
    for component in &mut blueprint.components {
        match &mut component.spec {
            ComponentSpec::WebApp(web) => {
                web.settings.insert("API_TOKEN".into(), "x".into());
            }
            ComponentSpec::KeyVault(vault) => {
                vault.secrets.extend(["ab".to_string(), "a-b".to_string()]);
            }
            _ => {}
        }
    }
    let one = validate_on_threads(&blueprint, common::today(), 1);
    for code in ["secret-in-setting", "ambiguous-secret"] {
        assert!(
            one.iter().any(|diagnostic| diagnostic.code == code),
            "the blueprint should report `{code}`: {one:?}"
        );
    }
    let two = validate_on_threads(&blueprint, common::today(), 2);
    assert!(one == two, "two threads report differently than one");
}

#[test]
fn the_plan_is_the_same_on_one_thread_and_two() {
    let blueprint = synthetic(150);
    let previous = AddressRecord::default();
    let one = plan_on_threads(&blueprint, &previous, 1).expect("it plans");
    for threads in [2, 3] {
        let many = plan_on_threads(&blueprint, &previous, threads).expect("it plans");
        assert!(one == many, "{threads} threads plan differently than one");
    }
    assert_eq!(
        one,
        bulwark::plan::plan(&blueprint, &previous).expect("it plans"),
        "plan's own threads change nothing"
    );
}
