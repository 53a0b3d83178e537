//! Issue 14: generation is linear in the blueprint. Not a timing (that depends on the
//! machine) but the work itself, counted in debug builds (`bulwark::counters`): the probes
//! of the address plan, the blueprint bytes scanned to find cited lines, and the steps of the
//! stage split must at most double (with a little slack) when the blueprint doubles, so a
//! quadratic step fails here on any machine.

mod common;

use bulwark::counters::{self, Counter};
use bulwark::emit::split::{Budget, stage_templates};
use common::synthetic::{render_toml, synthetic};

/// Doubling sizes, small enough for a debug build to generate in a few seconds.
const SIZES: [usize; 4] = [30, 60, 120, 240];
const COUNTED: [Counter; 3] = [
    Counter::AddressProbes,
    Counter::LineScanBytes,
    Counter::SplitSteps,
];

/// The counts of one run of the CLI's pipeline on a synthetic blueprint of `size`
/// components: load the TOML, generate (split into stages of at most 400 KB of estimated JSON,
/// so the number of stages grows with the blueprint), add the security report (which cites a
/// blueprint line per row), then generate again with the address plan just recorded (so
/// every subnet is checked against the ones kept). Also returns the number of stages.
fn counts(size: usize) -> ([u64; 3], usize) {
    let text = render_toml(&synthetic(size));
    counters::reset();
    let loaded = bulwark::blueprint::load::from_str(&text).expect("the synthetic TOML loads");
    let mut options = bulwark::Options {
        today: common::today(),
        stage_budget: Some(Budget {
            json_bytes: 400 * 1024,
            ..Budget::arm()
        }),
        ..bulwark::Options::default()
    };
    let generated = common::generate_with_report(&loaded, &text, &options);
    options.previous_address_plan = generated.address_plan.clone();
    let again = bulwark::generate(&loaded.blueprint, &options).expect("it generates again");
    assert_eq!(again.address_plan, generated.address_plan);
    let stages = stage_templates(generated.files.paths()).len();
    let counts = COUNTED.map(counters::get);
    eprintln!("{size} components, {stages} stages: {COUNTED:?} = {counts:?}");
    (counts, stages)
}

#[test]
fn work_grows_linearly_with_the_blueprint() {
    if !counters::ENABLED {
        eprintln!("skipped: counters count in debug builds only");
        return;
    }
    let runs: Vec<([u64; 3], usize)> = SIZES.iter().map(|size| counts(*size)).collect();
    let (_, largest_stages) = runs.last().expect("sizes");
    assert!(
        *largest_stages >= 4,
        "the largest blueprint should split into several stages, not {largest_stages}"
    );
    for (which, counter) in COUNTED.iter().enumerate() {
        let series: Vec<u64> = runs.iter().map(|(counts, _)| counts[which]).collect();
        assert!(
            series.iter().all(|count| *count > 0),
            "{counter:?} counted nothing: {series:?}"
        );
        for (pair, sizes) in series.windows(2).zip(SIZES.windows(2)) {
            assert!(
                pair[1] as f64 <= 2.2 * pair[0] as f64,
                "{counter:?} grows faster than the blueprint: {} components → {}, {} → {} ({series:?})",
                sizes[0],
                pair[0],
                sizes[1],
                pair[1]
            );
        }
    }
}

/// The address plan alone, on a worst case for a first-fit search: thousands of equal
/// subnets, each placed after all the others.
#[test]
fn address_allocation_probes_grow_linearly() {
    if !counters::ENABLED {
        return;
    }
    use bulwark::plan::network::{Constraints, Request, lay_out, parse_cidr};
    let probes = |subnets: usize| {
        let requests: Vec<Request> = (0..subnets)
            .map(|index| Request {
                name: format!("s{index}"),
                prefix: 26,
                minimum: 28,
            })
            .collect();
        counters::reset();
        let space = parse_cidr("10.0.0.0/8").unwrap();
        let plan = lay_out(&[space], &requests, &Constraints::default()).expect("they fit");
        assert_eq!(plan.len(), subnets);
        counters::get(Counter::AddressProbes)
    };
    let (small, large) = (probes(2_000), probes(4_000));
    assert!(
        large as f64 <= 2.2 * small as f64,
        "2,000 subnets take {small} probes, 4,000 take {large}"
    );
}

/// A blueprint of `groups` groups of four: a container registry, a storage account with a
/// queue and a waiver of its shared-key control, a key vault the `dev` deployment recovers,
/// and a container app whose image comes from that registry, which scales on that queue (a
/// `receive`), and which calls the next group's app. Each of these makes a component ask
/// about the others: who calls it, whose scale rule reads it, whose image it holds, which
/// perimeter associations and waivers are its own, whether it is recovered.
fn connected(groups: usize) -> String {
    let mut text = String::from("[app]\nname = \"mesh\"\nenvironments = [\"dev\"]\n");
    let vaults: Vec<String> = (0..groups)
        .map(|group| format!("\"vault{group:03}\""))
        .collect();
    text.push_str(&format!(
        "\n[deployment.environments.dev]\nrecover = [{}]\n",
        vaults.join(", ")
    ));
    for group in 0..groups {
        text.push_str(&format!(
            "\n[[waivers]]\ncontrol = \"shared-key-access\"\ncomponent = \"store{group:03}\"\n\
             reason = \"A legacy job signs requests with the account key.\"\nexpires = 2099-12-31\n\
             \n[components.vault{group:03}]\nkind = \"key-vault\"\n"
        ));
    }
    for group in 0..groups {
        let mut uses = format!("{{ to = \"store{group:03}.jobs\", access = \"receive\" }}");
        if group + 1 < groups {
            uses.push_str(&format!(
                ", {{ to = \"app{:03}\", access = \"call\" }}",
                group + 1
            ));
        }
        text.push_str(&format!(
            "\n[components.reg{group:03}]\nkind = \"container-registry\"\n\
             \n[components.store{group:03}]\nkind = \"storage\"\nqueues = [\"jobs\"]\n\
             \n[components.app{group:03}]\nkind = \"container-app\"\n\
             image = {{ registry = \"reg{group:03}\", repository = \"mesh/app\", tag = \"1.0.0\" }}\n\
             target_port = 8080\n\
             uses = [{uses}]\n"
        ));
    }
    text
}

/// The questions one component asks about the whole app (its callers, whether a scale rule
/// reads it, whether an image comes from it, its perimeter associations) are looked up:
/// the entries examined grow with the blueprint, not with its square.
#[test]
fn app_wide_lookups_grow_linearly() {
    if !counters::ENABLED {
        return;
    }
    let examined = |groups: usize| {
        let text = connected(groups);
        let loaded = bulwark::blueprint::load::from_str(&text)
            .unwrap_or_else(|d| panic!("the connected blueprint loads: {d:?}"));
        counters::reset();
        let generated = bulwark::generate(&loaded.blueprint, &bulwark::Options::default())
            .unwrap_or_else(|d| panic!("the connected blueprint generates: {d:?}"));
        let examined = counters::get(Counter::AppWideScans);
        // Each question was asked and answered yes: the storage account outputs the name its
        // scale rule reads and the id its perimeter association reads, and is waived; the
        // registry outputs the name the workflow pushes to; the vault is recovered; every
        // app but the last calls the next.
        let module = |name: &str| {
            (generated.files.get(&format!("modules/{name}.bicep")))
                .unwrap_or_else(|| panic!("modules/{name}.bicep"))
        };
        assert!(module("storage-store000").contains("output accountName "));
        assert!(module("storage-store000").contains("output id "));
        assert!(module("container-registry-reg000").contains("output registryName "));
        assert!(module("storage-store000").contains("WAIVED until 2099-12-31"));
        assert!(module("key-vault-vault000").contains("'recover'"));
        assert_eq!(generated.plan.calls.len(), groups - 1);
        examined
    };
    let series: Vec<u64> = [6, 12, 24, 48].map(examined).to_vec();
    eprintln!("6/12/24/48 groups of four: {series:?} entries examined");
    assert!(series[0] > 0, "nothing was looked up: {series:?}");
    for pair in series.windows(2) {
        assert!(
            pair[1] as f64 <= 2.2 * pair[0] as f64,
            "app-wide lookups grow faster than the blueprint: {series:?}"
        );
    }
}
