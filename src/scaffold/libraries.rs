//! The libraries a blueprint imports by path, as the generated workflow sees them: those in
//! the repository (checked out and watched) and those outside it (named), and how a folder
//! is written as a literal GitHub path filter.

/// The libraries a blueprint imports by path (its `[libraries]` table), as paths from the
/// repository root, split into those inside the repository and those outside it (`../x`,
/// absolute). `blueprint` is the blueprint's path from the repository root.
pub(super) fn library_folders(blueprint: &str, text: &str) -> (Vec<String>, Vec<String>) {
    let table: toml::Table = toml::from_str(text).unwrap_or_default();
    let base = std::path::Path::new(blueprint)
        .parent()
        .unwrap_or(std::path::Path::new(""));
    let (mut inside, mut outside) = (Vec::new(), Vec::new());
    let entries = table.get("libraries").and_then(toml::Value::as_table);
    for entry in entries.into_iter().flat_map(|t| t.values()) {
        // A control character (a newline) would end the YAML comment or string it lands in.
        let Some(path) = entry
            .get("path")
            .and_then(toml::Value::as_str)
            .filter(|path| !path.chars().any(char::is_control))
        else {
            continue;
        };
        let joined = crate::blueprint::library::normalize(&base.join(path));
        let shown = joined.to_string_lossy().replace('\\', "/");
        let escapes = joined.is_absolute()
            || joined
                .components()
                .next()
                .is_some_and(|c| !matches!(c, std::path::Component::Normal(_)));
        match (escapes, shown.as_str()) {
            (true, _) => outside.push(path.to_string()),
            // The repository itself: its files are checked out already.
            (false, "") => {}
            (false, _) => inside.push(shown),
        }
    }
    inside.sort();
    inside.dedup();
    outside.sort();
    outside.dedup();
    (inside, outside)
}

/// `folder` as a literal in a GitHub path filter inside a double-quoted YAML string: the
/// filter's special characters escaped with a backslash (docs.github.com/actions/reference/
/// workflows-and-actions/workflow-syntax#filter-pattern-cheat-sheet), then YAML's own.
/// `library_folders` has turned Windows separators into `/` already.
pub(super) fn path_pattern(folder: &str) -> String {
    let mut out = String::with_capacity(folder.len());
    for c in folder.chars() {
        match c {
            '*' | '?' | '+' | '[' | ']' | '!' => out.push_str(&format!("\\\\{c}")),
            '"' => out.push_str("\\\""),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn libraries_inside_the_repository_are_watched_and_those_outside_named() {
        let text = "[libraries]\nplatform = { path = \"platform\" }\nshared = { path = \"./libs/../libs/shared\", version = \"1\" }\nfar = { path = \"../elsewhere\" }\nroot = { path = \"/opt/lib\" }\nhere = { path = \".\" }\nbad = { path = \"a\\nb\" }\n";
        let (inside, outside) = library_folders("bulwark.toml", text);
        assert_eq!(inside, ["libs/shared", "platform"]);
        assert_eq!(outside, ["../elsewhere", "/opt/lib"]);
        // A blueprint in a subfolder: its libraries are relative to it.
        let (inside, outside) = library_folders("infra/bulwark.toml", text);
        assert_eq!(
            inside,
            ["elsewhere", "infra", "infra/libs/shared", "infra/platform"]
        );
        assert_eq!(outside, ["/opt/lib"]);
    }

    #[test]
    fn path_filter_special_characters_are_literal() {
        assert_eq!(path_pattern("libs/platform"), "libs/platform");
        assert_eq!(
            path_pattern("a[1]+b!*?"),
            "a\\\\[1\\\\]\\\\+b\\\\!\\\\*\\\\?"
        );
        assert_eq!(path_pattern("say \"hi\""), "say \\\"hi\\\"");
    }
}
