//! Container apps that start: KEDA scale rules derived from the app's own `receive`
//! connections, read with its user-assigned identity, the rights the scalers need, the refusal
//! of a worker nothing can start, and the target port ingress sends traffic to.

mod common;

use bulwark::blueprint::{
    Access, Blueprint, ContainerApp, EventHubs, Ingress, ServiceBus, Storage,
};
use bulwark::plan::Scope;
use bulwark::plan::scale::ScaleSource;

const QUICKSTART: &str = "mcr.microsoft.com/k8se/quickstart:latest";

use common::generate;

fn first_code(blueprint: &Blueprint) -> String {
    let diagnostics = bulwark::generate(
        blueprint,
        &bulwark::Options {
            today: common::today(),
            ..bulwark::Options::default()
        },
    )
    .expect_err("refused");
    diagnostics.diagnostics()[0].code.to_string()
}

fn worker() -> ContainerApp {
    ContainerApp::new(QUICKSTART).ingress(Ingress::None)
}

fn with_sources(app: ContainerApp) -> Blueprint {
    Blueprint::builder("shop", ["dev"])
        .component("worker", app)
        .component(
            "bus",
            ServiceBus::new()
                .queues(["orders"])
                .topic("events", ["indexer"]),
        )
        .component("media", Storage::new().queues(["jobs"]))
        .component("telemetry", EventHubs::new().hubs(["clicks"]))
        .build()
}

fn file<'a>(generated: &'a bulwark::Generated, path: &str) -> &'a str {
    generated
        .files
        .get(path)
        .unwrap_or_else(|| panic!("{path} is generated"))
}

fn app_module(generated: &bulwark::Generated) -> &str {
    file(generated, "modules/container-app-worker.bicep")
}

fn roles_of(generated: &bulwark::Generated, scope: &Scope) -> Vec<String> {
    generated
        .plan
        .role_assignments
        .iter()
        .filter(|a| a.principal == "worker" && &a.scope == scope)
        .map(|a| a.role.name())
        .collect()
}

fn part(component: &str, kind: bulwark::blueprint::PartKind, name: &str) -> Scope {
    Scope::Part {
        component: component.into(),
        kind,
        name: name.into(),
    }
}

#[test]
fn a_service_bus_queue_gives_an_azure_servicebus_rule_read_with_the_apps_identity() {
    let generated = generate(&with_sources(worker().uses("bus.orders", Access::Receive)));
    let app = app_module(&generated);
    for needle in [
        "name: 'bus-orders'",
        "type: 'azure-servicebus'",
        "namespace: busNamespaceName",
        "queueName: 'orders'",
        "messageCount: '5'",
        "identity: identityId",
    ] {
        assert!(app.contains(needle), "{needle} missing:\n{app}");
    }
    assert!(
        !app.contains("auth:") && !app.contains("connectionFromEnv"),
        "{app}"
    );
    assert!(
        file(&generated, "main.bicep")
            .contains("busNamespaceName: busModule.outputs.namespaceName")
    );
    assert!(
        file(&generated, "modules/service-bus-bus.bicep")
            .contains("output namespaceName string = namespace.name")
    );
    // The scaler reads counts with Manage rights: Data Owner on exactly that queue.
    assert_eq!(
        roles_of(
            &generated,
            &part("bus", bulwark::blueprint::PartKind::Queue, "orders")
        ),
        [
            "Azure Service Bus Data Owner",
            "Azure Service Bus Data Receiver"
        ]
    );
    assert!(roles_of(&generated, &Scope::Component("bus".into())).is_empty());
}

#[test]
fn a_topic_subscription_gives_topic_and_subscription_names() {
    let generated = generate(&with_sources(
        worker().uses("bus.events/indexer", Access::Receive),
    ));
    let app = app_module(&generated);
    for needle in [
        "name: 'bus-events-indexer'",
        "topicName: 'events'",
        "subscriptionName: 'indexer'",
    ] {
        assert!(app.contains(needle), "{needle} missing:\n{app}");
    }
    assert!(!app.contains("queueName"), "{app}");
    assert_eq!(
        roles_of(
            &generated,
            &part(
                "bus",
                bulwark::blueprint::PartKind::Subscription,
                "events/indexer"
            )
        ),
        [
            "Azure Service Bus Data Owner",
            "Azure Service Bus Data Receiver"
        ]
    );
}

#[test]
fn a_storage_queue_gives_an_azure_queue_rule_and_a_reader_on_that_queue() {
    let generated = generate(&with_sources(worker().uses("media.jobs", Access::Receive)));
    let app = app_module(&generated);
    for needle in [
        "type: 'azure-queue'",
        "accountName: mediaAccountName",
        "queueName: 'jobs'",
        "queueLength: '5'",
        "identity: identityId",
    ] {
        assert!(app.contains(needle), "{needle} missing:\n{app}");
    }
    assert!(
        file(&generated, "modules/storage-media.bicep")
            .contains("output accountName string = account.name")
    );
    let queue = part("media", bulwark::blueprint::PartKind::Queue, "jobs");
    assert_eq!(
        roles_of(&generated, &queue),
        [
            "Storage Queue Data Message Processor",
            "Storage Queue Data Reader"
        ]
    );
    // send-receive (Queue Data Contributor) already reads the queue: nothing is added.
    let generated = generate(&with_sources(
        worker().uses("media.jobs", Access::SendReceive),
    ));
    assert_eq!(
        roles_of(&generated, &queue),
        ["Storage Queue Data Contributor"]
    );
}

#[test]
fn sending_gives_no_rule_and_event_hubs_give_none() {
    let blueprint = with_sources(
        worker()
            .uses("bus.orders", Access::Send)
            .uses("telemetry.clicks", Access::Receive)
            .environment("dev", "min_replicas", 1),
    );
    let generated = generate(&blueprint);
    assert!(
        generated
            .plan
            .component("worker")
            .unwrap()
            .scale_rules
            .is_empty()
    );
    assert!(!app_module(&generated).contains("rules:"));
    assert!(
        !file(&generated, "modules/service-bus-bus.bicep").contains("namespaceName"),
        "no output nobody reads"
    );
    let sources = bulwark::plan::scale::sources(
        "worker",
        match &blueprint.components[0].spec {
            bulwark::blueprint::ComponentSpec::ContainerApp(app) => app,
            _ => unreachable!(),
        },
        &bulwark::plan::by_name(&blueprint),
    );
    assert!(matches!(
        sources.as_slice(),
        [rule] if matches!(rule.source, ScaleSource::EventHub { .. }) && !rule.source.scalable()
    ));
}

#[test]
fn an_app_with_ingress_keeps_the_http_rule_next_to_its_own() {
    let generated = generate(&with_sources(
        ContainerApp::new(QUICKSTART).uses("bus.orders", Access::Receive),
    ));
    let app = app_module(&generated);
    assert!(app.contains("concurrentRequests: '10'"), "{app}");
    assert!(app.contains("type: 'azure-servicebus'"), "{app}");
    // Without rules of its own the default HTTP rule applies: nothing is written.
    let generated = generate(&with_sources(ContainerApp::new(QUICKSTART)));
    assert!(!app_module(&generated).contains("rules:"));
}

#[test]
fn a_worker_that_nothing_can_start_is_refused() {
    assert_eq!(first_code(&with_sources(worker())), "worker-never-starts");
    assert_eq!(
        first_code(&with_sources(worker().uses("bus.orders", Access::Send))),
        "worker-never-starts"
    );
    // Scaling to zero in one environment is enough to be refused.
    let blueprint = Blueprint::builder("shop", ["dev", "prod"])
        .component("worker", worker().environment("prod", "min_replicas", 1))
        .build();
    assert_eq!(first_code(&blueprint), "worker-never-starts");
    // An event hub no rule covers: its events would wait for the queue to wake the app.
    assert_eq!(
        first_code(&with_sources(
            worker()
                .uses("bus.orders", Access::Receive)
                .uses("telemetry.clicks", Access::Receive)
        )),
        "unscalable-source"
    );
    // One replica everywhere, or a rule, and it starts.
    generate(&with_sources(worker().environment(
        "dev",
        "min_replicas",
        1,
    )));
    generate(&with_sources(worker().uses("media.jobs", Access::Receive)));
}

#[test]
fn ingress_needs_a_target_port_unless_the_image_is_a_known_sample() {
    let unknown = |app: ContainerApp| {
        Blueprint::builder("shop", ["dev"])
            .component("api", app)
            .build()
    };
    assert_eq!(
        first_code(&unknown(ContainerApp::new("ghcr.io/contoso/api:1.2.0"))),
        "missing-target-port"
    );
    let generated = generate(&unknown(
        ContainerApp::new("ghcr.io/contoso/api:1.2.0").target_port(8081),
    ));
    assert!(file(&generated, "modules/container-app-api.bicep").contains("targetPort: 8081"));
    // The quickstart sample serves on 80, with or without a tag or digest.
    for image in [
        "mcr.microsoft.com/k8se/quickstart",
        QUICKSTART,
        "mcr.microsoft.com/k8se/quickstart@sha256:0000000000000000000000000000000000000000000000000000000000000000",
    ] {
        let generated = generate(&unknown(ContainerApp::new(image)));
        assert!(
            file(&generated, "modules/container-app-api.bicep").contains("targetPort: 80\n"),
            "{image}"
        );
    }
    // A worker has no ingress, so no port.
    generate(&unknown(
        ContainerApp::new("ghcr.io/contoso/worker:1")
            .ingress(Ingress::None)
            .environment("dev", "min_replicas", 1),
    ));
}
