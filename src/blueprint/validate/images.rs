//! Container images: a full reference names its registry host; the registry form names a
//! container-registry component of the blueprint, a repository and a tag as Docker's
//! reference grammar spells them; a per-environment `image_tag` only with the registry form.

use crate::blueprint::diagnostic::{Diagnostic, closest, one_of, shown};
use crate::blueprint::model::{Component, ContainerApp, Image, Kind, RegistryImage, SizingValue};
use std::collections::BTreeMap;

/// Whether the first `/`-separated part of an image reference is a registry host: Docker's
/// reference grammar takes it as one only when it contains `.` or `:` or is `localhost`;
/// anything else is a Docker Hub repository (distribution/reference normalize.go
/// `splitDockerDomain`, commit 4ca14034c406).
fn names_registry_host(reference: &str) -> bool {
    match reference.split_once('/') {
        Some((first, _)) => first.contains(['.', ':']) || first == "localhost",
        None => false,
    }
}

/// A reference written out in full: plain characters, and a registry host in front.
pub(super) fn validate_image_reference(
    path: &str,
    reference: &str,
    by_name: &BTreeMap<&str, &Component>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let plain = !reference.is_empty()
        && reference.len() <= 512
        && reference
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "./:-_@".contains(c));
    if !plain {
        diagnostics.push(
            Diagnostic::error(
                "invalid-image",
                format!("`{}` is not a container image reference", shown(reference)),
            )
            .at(format!("{path}.image"))
            .expected("`registry/repository:tag` or `…@sha256:digest`")
            .help("e.g. image = \"myregistry.azurecr.io/api:1.4.2\""),
        );
        return;
    }
    if names_registry_host(reference) {
        return;
    }
    // Offer the registry form with this image's own repository and tag, in the blueprint's
    // registry when it has one.
    let (repository, tag) = match reference.rsplit_once(':') {
        Some((repository, tag)) if !tag.contains('/') && !repository.contains('@') => {
            (repository, tag)
        }
        _ => (reference.split('@').next().unwrap_or(reference), "<tag>"),
    };
    let registries = registry_names(by_name);
    let registry = registries.first().copied().unwrap_or("<registry>");
    let table = format!(
        "image = {{ registry = \"{registry}\", repository = \"{repository}\", tag = \"{tag}\" }}"
    );
    let help = if registries.is_empty() {
        format!(
            "name the registry: `mcr.microsoft.com/…`, `ghcr.io/…`; or add a container-registry component and use `{table}`"
        )
    } else {
        format!(
            "name the registry: `mcr.microsoft.com/…`; or use `{table}` to pull from this blueprint's container-registry component with the app's identity"
        )
    };
    diagnostics.push(
        Diagnostic::error(
            "image-without-registry",
            format!(
                "`{}` does not name its registry, so it would be pulled from Docker Hub",
                shown(reference)
            ),
        )
        .at(format!("{path}.image"))
        .expected("`<registry host>/<repository>:<tag>`, or { registry, repository, tag }")
        .help(help),
    );
}

/// The container-registry components of the blueprint, by name.
fn registry_names<'a>(by_name: &BTreeMap<&'a str, &Component>) -> Vec<&'a str> {
    by_name
        .iter()
        .filter(|(_, c)| c.kind() == Kind::ContainerRegistry)
        .map(|(name, _)| *name)
        .collect()
}

/// `{ registry, repository, tag }`: a container-registry component of the blueprint, a
/// repository and a tag as Docker's reference grammar spells them.
pub(super) fn validate_registry_image(
    path: &str,
    image: &RegistryImage,
    by_name: &BTreeMap<&str, &Component>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let registries = registry_names(by_name);
    let registry_path = format!("{path}.image.registry");
    let expected = if registries.is_empty() {
        "a container-registry component (the blueprint has none)".to_string()
    } else {
        one_of(&registries)
    };
    match by_name.get(image.registry.as_str()) {
        None => {
            let diagnostic = Diagnostic::error(
                "unknown-registry",
                format!(
                    "the image comes from `{}`, which is not a component",
                    shown(&image.registry)
                ),
            )
            .at(registry_path)
            .expected(expected);
            let near = closest(&image.registry, registries.iter().copied());
            diagnostics.push(match near {
                Some(near) => diagnostic.help(format!("did you mean `{near}`?")),
                None => diagnostic.help(format!(
                    "declare it as [components.{}] with kind = \"container-registry\"",
                    shown(&image.registry)
                )),
            });
        }
        Some(component) if component.kind() != Kind::ContainerRegistry => {
            let diagnostic = Diagnostic::error(
                "not-a-registry",
                format!(
                    "the image comes from `{}`, which is a {}, not a container-registry",
                    shown(&image.registry),
                    component.kind()
                ),
            )
            .at(registry_path)
            .expected(expected);
            diagnostics.push(match registries.as_slice() {
                [] => diagnostic.help(
                    "add a component with kind = \"container-registry\" and name it here, or write the image's full reference (`mcr.microsoft.com/…`)",
                ),
                _ => diagnostic.help(
                    "`registry` names the container-registry component that holds the image",
                ),
            });
        }
        Some(_) => {}
    }
    let repository_path = format!("{path}.image.repository");
    if let Some((host, rest)) = image
        .repository
        .split_once('/')
        .filter(|_| names_registry_host(&image.repository))
    {
        diagnostics.push(
            Diagnostic::error(
                "repository-with-host",
                format!(
                    "the repository starts with the registry host `{}`",
                    shown(host)
                ),
            )
            .at(repository_path)
            .expected("the repository inside the registry, e.g. `payroll/runs`")
            .help(format!(
                "write repository = \"{}\": bulwark puts the login server of `{}` in front",
                shown(rest),
                shown(&image.registry)
            )),
        );
    } else if !is_repository(&image.repository) {
        let diagnostic = Diagnostic::error(
            "invalid-repository",
            format!("`{}` is not a repository name", shown(&image.repository)),
        )
        .at(repository_path)
        .expected("lowercase letters and digits, separated by `.`, `_`, `__`, `-` or `/`, e.g. `payroll/runs`");
        diagnostics.push(
            if image.repository.contains(':') || image.repository.contains('@') {
                diagnostic.help("the tag goes in `tag`, not in `repository`")
            } else {
                diagnostic.help("Docker repository names are lowercase, and each part between `/` starts and ends with a letter or digit")
            },
        );
    }
    diagnostics.extend(check_image_tag(&image.tag, format!("{path}.image.tag")));
}

/// A repository path as Docker's reference grammar has it: components of lowercase letters
/// and digits joined by `.`, `_`, `__` or dashes, separated by `/` (distribution/reference
/// regexp.go `remoteName`, commit 00a09fa37992).
fn is_repository(repository: &str) -> bool {
    let alphanumeric = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
    let component_ok = |component: &str| {
        let chars: Vec<char> = component.chars().collect();
        if !chars.first().is_some_and(|c| alphanumeric(*c))
            || !chars.last().is_some_and(|c| alphanumeric(*c))
        {
            return false;
        }
        // Between alphanumeric runs: one `.`, one or two `_`, or any number of `-`.
        let mut index = 0;
        while index < chars.len() {
            if alphanumeric(chars[index]) {
                index += 1;
                continue;
            }
            let start = index;
            while index < chars.len() && !alphanumeric(chars[index]) {
                index += 1;
            }
            let run: String = chars[start..index].iter().collect();
            if !(run == "." || run == "_" || run == "__" || run.chars().all(|c| c == '-')) {
                return false;
            }
        }
        true
    };
    repository.len() <= 255 && repository.split('/').all(component_ok)
}

/// A tag as Docker's reference grammar has it: `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`
/// (distribution/reference regexp.go `tag`, commit 00a09fa37992).
fn check_image_tag(tag: &str, path: String) -> Option<Diagnostic> {
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let valid = tag.len() <= 128
        && tag.chars().next().is_some_and(word)
        && tag.chars().all(|c| word(c) || c == '.' || c == '-');
    (!valid).then(|| {
        Diagnostic::error(
            "invalid-image-tag",
            format!("`{}` is not an image tag", shown(tag)),
        )
        .at(path)
        .expected("1-128 letters, digits, `_`, `.` and `-`, not starting with `.` or `-`, e.g. `1.8.2`")
        .help("Docker tags take no `/`, `:` or `@`; a digest pin is written as a full reference (`…@sha256:…`)")
    })
}

/// `image_tag` in `[components.<app>.environments.<env>]`: the registry image's tag there.
pub(super) fn check_override_image_tag(
    app: &ContainerApp,
    value: &SizingValue,
    path: String,
) -> Option<Diagnostic> {
    if let Image::Reference(reference) = &app.image {
        return Some(
            Diagnostic::error(
                "image-tag-without-registry-image",
                format!(
                    "`{}` sets the tag of a registry image, but `image` is the full reference `{}`",
                    ContainerApp::IMAGE_TAG,
                    shown(reference)
                ),
            )
            .at_key(path)
            .expected("image = { registry = \"…\", repository = \"…\", tag = \"…\" }")
            .help("write the image in registry form to vary its tag per environment"),
        );
    }
    match value {
        SizingValue::Text(tag) => check_image_tag(tag, path),
        SizingValue::Int(_) => Some(
            Diagnostic::error(
                "wrong-type",
                format!("`{}` must be a string", ContainerApp::IMAGE_TAG),
            )
            .at(path)
            .expected("a string in double quotes")
            .help("write it in double quotes: image_tag = \"2\""),
        ),
    }
}
