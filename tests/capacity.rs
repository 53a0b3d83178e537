//! Subnets are sized from what goes into them: the private-endpoint subnet grows with the
//! blueprint's endpoints, and a range too small for them is refused with what would fit.

mod common;

use bulwark::plan::network::Cidr;

/// `vaults` key vaults (one private endpoint each) in a /16, optionally with the
/// private-endpoint subnet pinned.
fn blueprint(vaults: usize, pin: Option<&str>) -> String {
    let mut text = String::from(
        "[app]\nname = \"vaults\"\nenvironments = [\"dev\"]\n\n[network]\naddress_space = \"10.40.0.0/16\"\n",
    );
    if let Some(pin) = pin {
        text.push_str(&format!(
            "\n[network.subnets]\nprivate-endpoints = \"{pin}\"\n"
        ));
    }
    for index in 0..vaults {
        text.push_str(&format!(
            "\n[components.kv{index:03}]\nkind = \"key-vault\"\n"
        ));
    }
    text
}

fn generate(text: &str) -> Result<bulwark::Generated, bulwark::Error> {
    let loaded = bulwark::blueprint::load::from_str(text).expect("the blueprint loads");
    common::try_generate(&loaded.blueprint)
}

fn endpoint_subnet(generated: &bulwark::Generated) -> Cidr {
    generated
        .plan
        .subnets
        .iter()
        .find(|subnet| subnet.name == "private-endpoints")
        .expect("a private-endpoint subnet")
        .prefixes["dev"]
}

#[test]
fn a_few_endpoints_get_the_usual_slash_24() {
    let generated = generate(&blueprint(3, None)).unwrap();
    assert_eq!(endpoint_subnet(&generated).prefix, 24);
}

#[test]
fn endpoints_beyond_a_slash_24_get_a_larger_subnet() {
    // 280 endpoints and Azure's 5 reserved addresses do not fit a /24's 256.
    let generated = generate(&blueprint(280, None)).unwrap();
    let subnet = endpoint_subnet(&generated);
    assert_eq!(subnet.prefix, 23);
    assert!(subnet.size() >= 285);
}

#[test]
fn a_pinned_subnet_too_small_for_its_endpoints_is_refused_with_what_fits() {
    let diagnostics = generate(&blueprint(280, Some("10.40.0.0/24")))
        .unwrap_err()
        .into_diagnostics();
    let diagnostic = diagnostics
        .iter()
        .find(|d| d.code == "subnet-too-small")
        .unwrap_or_else(|| panic!("no subnet-too-small diagnostic: {diagnostics:#?}"));
    assert!(
        diagnostic.message.contains("280 private endpoints")
            && diagnostic.message.contains("285 addresses"),
        "{}",
        diagnostic.message
    );
    assert_eq!(diagnostic.expected.as_deref(), Some("a /23 or larger"));
    // The fix the diagnostic names works.
    let fixed = generate(&blueprint(280, Some("10.40.0.0/23"))).unwrap();
    assert_eq!(endpoint_subnet(&fixed).to_string(), "10.40.0.0/23");
}

#[test]
fn an_address_space_too_small_for_the_endpoints_is_refused() {
    let text = blueprint(280, None).replace("10.40.0.0/16", "10.40.0.0/24");
    let diagnostics = generate(&text).unwrap_err().into_diagnostics();
    let diagnostic = diagnostics
        .iter()
        .find(|d| d.code == "address-space-too-small")
        .unwrap_or_else(|| panic!("no address-space-too-small diagnostic: {diagnostics:#?}"));
    assert_eq!(diagnostic.expected.as_deref(), Some("a /23 or larger"));
    assert!(
        diagnostic
            .help
            .as_deref()
            .is_some_and(|help| help.contains("280 private endpoints (at least a /23)")),
        "{:?}",
        diagnostic.help
    );
}
