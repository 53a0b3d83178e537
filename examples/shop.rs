//! The `blueprints/shop.toml` blueprint written with the Rust builder API.
//!
//! `cargo run --example shop -- infra` writes the same files `bulwark generate
//! blueprints/shop.toml --out infra` does; `tests/builder.rs` checks that they are identical.

use bulwark::blueprint::{Access, Blueprint, Ingress, KeyVault, Runtime, Storage, WebApp};

pub fn blueprint() -> Blueprint {
    Blueprint::builder("shop", ["dev", "prod"])
        .component(
            "web",
            WebApp::new(Runtime::Node22)
                .ingress(Ingress::Public)
                .health_check_path("/healthz")
                .setting("NODE_ENV", "production")
                .uses("media.images", Access::Read)
                .uses("media.orders", Access::Send)
                .uses("vault.stripe-key", Access::Read),
        )
        .component(
            "media",
            Storage::new().containers(["images"]).queues(["orders"]),
        )
        .component("vault", KeyVault::new().secrets(["stripe-key"]))
        .build()
}

/// The header names the blueprint the files came from; this one mirrors `shop.toml`.
pub fn options() -> bulwark::Options {
    bulwark::Options {
        blueprint_label: "shop.toml".to_string(),
        ..bulwark::Options::default()
    }
}

#[allow(dead_code)]
fn main() -> std::process::ExitCode {
    let out = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "infra".to_string());
    let generated = match bulwark::generate(&blueprint(), &options()) {
        Ok(generated) => generated,
        Err(error) => {
            let text = bulwark::blueprint::render::render(error.diagnostics(), None, false);
            eprint!("{text}");
            return std::process::ExitCode::from(2);
        }
    };
    match bulwark::output::write(
        std::path::Path::new(&out),
        &generated.files,
        &generated.manifest,
        None,
        false,
    ) {
        Ok(report) => {
            println!(
                "{out}: {} written, {} unchanged",
                report.written.len(),
                report.unchanged.len()
            );
            std::process::ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {error}");
            std::process::ExitCode::from(3)
        }
    }
}
