//! Resource names: suffixed with the environment, fitted to Azure's length limits with a
//! distinguishing hash, or made globally unique from the resource group.

use crate::bicep::{Expr, Text, interp, text};
use crate::catalog::{facts, naming};
use crate::emit::Context;

/// `'<prefix>${environmentName}'`: names unique within the resource group.
pub fn env_suffixed(prefix: impl Into<Text>) -> Expr {
    Expr::interp([text(prefix), interp(Expr::ident("environmentName"))])
}

/// `'<prefix>-${environmentName}'` for a resource type whose names Azure limits: the prefix is
/// shortened (see [`fitted`]) so the name fits naming.tsv's maximum for the type with the
/// longest environment name validation accepts.
pub fn env_suffixed_for(resource_type: &str, prefix: &str) -> Expr {
    let max = facts::name_limits(resource_type)
        .and_then(|limits| limits.max)
        .unwrap_or_else(|| panic!("bulwark bug: naming.tsv has no maximum for {resource_type}"));
    let room = max - 1 - naming::ENVIRONMENT_NAME.max;
    let mut prefix = fitted(prefix, room);
    prefix.push('-');
    env_suffixed(prefix)
}

/// `text` if it has at most `max` characters; otherwise its first characters and four hex
/// digits of its SHA-256, so two long names that share a beginning stay distinct and the
/// same blueprint always gives the same name.
pub fn fitted(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(text.as_bytes());
    let hash: String = digest[..2]
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    let mut head: String = text.chars().take(max - hash.len() - 1).collect();
    while head.ends_with('-') {
        head.pop();
    }
    format!("{head}-{hash}")
}

/// `'<prefix>${uniqueString(resourceGroup().id, '<component>')}'`: names that must be
/// globally unique, with a readable prefix and 13 characters of hash.
pub fn unique_name(prefix: impl Into<Text>, component: &str) -> Expr {
    Expr::interp([
        text(prefix),
        interp(Expr::call(
            "uniqueString",
            vec![Expr::path("resourceGroup().id"), component.into()],
        )),
    ])
}

/// `'<text>-'` cut to at most `max` characters, ending in one hyphen (before a hash).
pub fn bounded_prefix(text: &str, max: usize) -> String {
    let mut prefix: String = text.chars().take(max - 1).collect();
    while prefix.ends_with('-') {
        prefix.pop();
    }
    prefix.push('-');
    prefix
}

/// A lowercase alphanumeric prefix of at most `max` characters, for names without hyphens.
pub fn compact_prefix(ctx: &Context, abbreviation: &str, component: &str, max: usize) -> String {
    naming::compact(&[abbreviation, &ctx.plan.app, component], max)
}

#[cfg(test)]
mod tests {
    use super::fitted;

    #[test]
    fn short_names_stay_and_long_ones_keep_a_distinguishing_hash() {
        assert_eq!(fitted("pe-shop-media-blob", 51), "pe-shop-media-blob");
        let long = |group: &str| format!("pe-{}-{group}", "x".repeat(40));
        let a = fitted(&long("configurationstores"), 51);
        let b = fitted(&long("searchservice"), 51);
        assert_eq!(a.chars().count(), 51);
        assert_ne!(a, b);
        assert_eq!(a, fitted(&long("configurationstores"), 51));
    }
}
