//! `cargo run --example staged -- OUT`: generate every shipped blueprint into `OUT/<name>`
//! split into stages on purpose (a budget about a third of its size), so CI can put the stage
//! split through the Bicep checker on every component kind, not only on the synthetic estate.

#[path = "../tests/common/staged.rs"]
mod staged;

use std::path::Path;

fn main() {
    let Some(out) = std::env::args().nth(1) else {
        eprintln!("usage: cargo run --example staged -- OUT");
        std::process::exit(2);
    };
    let mut paths: Vec<_> = std::fs::read_dir("blueprints")
        .expect("run from the repository root")
        .map(|entry| entry.expect("a readable folder").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "toml"))
        .collect();
    paths.sort();
    for path in paths {
        let text = std::fs::read_to_string(&path).expect("a readable blueprint");
        let loaded = bulwark::blueprint::load::from_str_in(&text, Path::new("blueprints"))
            .unwrap_or_else(|d| panic!("{} does not load: {d:#?}", path.display()));
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let label = format!("{name}.toml");
        let (_, staged) =
            staged::generate_staged(&loaded.blueprint, &label, bulwark::blueprint::Date::today());
        let folder = Path::new(&out).join(&name);
        for (file, text) in &staged.files.files {
            let target = folder.join(file);
            std::fs::create_dir_all(target.parent().unwrap()).expect("a writable folder");
            std::fs::write(&target, text).expect("a writable file");
        }
        let stages = bulwark::emit::split::stage_templates(staged.files.paths());
        println!("{name}: {} stages", stages.len());
    }
}
