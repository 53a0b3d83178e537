//! `cargo run --example synthetic -- 1000`: print a synthetic blueprint of that many
//! components (a third web apps, a third storage accounts, a third key vaults) as TOML, built
//! with the builder API. CI generates and validates one of 790 components, the most one
//! resource group takes (800 deployments per run), so the ARM limits are checked on a large
//! estate. Larger ones print too (benchmarks use them), but `generate` refuses them.

#[path = "../tests/common/synthetic.rs"]
mod synthetic;

fn main() {
    let components = std::env::args()
        .nth(1)
        .and_then(|count| count.parse().ok())
        .filter(|count| *count >= 3)
        .unwrap_or_else(|| {
            eprintln!("usage: cargo run --example synthetic -- COMPONENTS (3 or more)");
            std::process::exit(2);
        });
    print!(
        "{}",
        synthetic::render_toml(&synthetic::synthetic(components))
    );
}
