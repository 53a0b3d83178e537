//! Naming rules: which names Azure (and bulwark's derived names) accept, and how Bicep
//! symbols and setting names are derived from blueprint names.

use heck::{ToLowerCamelCase, ToShoutySnakeCase, ToUpperCamelCase};

/// A rule a blueprint name must follow, with the wording shown to the user.
#[derive(Debug, Clone, Copy)]
pub struct NameRule {
    pub what: &'static str,
    pub min: usize,
    pub max: usize,
    pub uppercase: bool,
    pub hyphens: bool,
    pub underscores: bool,
    pub starts_with_letter: bool,
    pub rule: &'static str,
}

impl NameRule {
    pub fn check(&self, name: &str) -> Result<(), String> {
        let length = name.chars().count();
        let allowed = |c: char| {
            c.is_ascii_lowercase()
                || c.is_ascii_digit()
                || (self.uppercase && c.is_ascii_uppercase())
                || (self.hyphens && c == '-')
                || (self.underscores && c == '_')
        };
        let problem = if length < self.min || length > self.max {
            Some(format!("it has {length} characters"))
        } else if let Some(bad) = name.chars().find(|c| !allowed(*c)) {
            Some(format!(
                "`{}` is not allowed",
                crate::text::shown(&bad.to_string())
            ))
        } else if self.starts_with_letter && !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
            Some("it must start with a letter".to_string())
        } else if name.starts_with('-') || name.ends_with('-') {
            Some("it starts or ends with a hyphen".to_string())
        } else if name.contains("--") {
            Some("it has two hyphens in a row".to_string())
        } else {
            None
        };
        match problem {
            Some(problem) => Err(problem),
            None => Ok(()),
        }
    }

    /// The same rule as a JSON Schema string (`pattern`, `minLength`, `maxLength`): what
    /// `bulwark schema` offers editors, so the two cannot drift (a test compares them).
    pub fn json_schema(&self) -> serde_json::Value {
        let mut rest = String::from("a-z0-9");
        if self.uppercase {
            rest.push_str("A-Z");
        }
        if self.underscores {
            rest.push('_');
        }
        let first = if self.starts_with_letter {
            if self.uppercase { "a-zA-Z" } else { "a-z" }
        } else {
            rest.as_str()
        };
        // Single hyphens between other characters: none first, last or twice in a row.
        let tail = if self.hyphens {
            format!("[{rest}]*(-[{rest}]+)*")
        } else {
            format!("[{rest}]*")
        };
        serde_json::json!({
            "type": "string",
            "minLength": self.min,
            "maxLength": self.max,
            "pattern": format!("^[{first}]{tail}$"),
            "description": format!("A {}: {}.", self.what, self.rule),
        })
    }
}

pub const APP_NAME: NameRule = NameRule {
    what: "app name",
    min: 2,
    max: 16,
    uppercase: false,
    hyphens: true,
    underscores: false,
    starts_with_letter: true,
    rule: "2-16 lowercase letters, digits and single hyphens, starting with a letter (it is part of every resource name)",
};

pub const COMPONENT_NAME: NameRule = NameRule {
    what: "component name",
    min: 2,
    max: 20,
    uppercase: false,
    hyphens: true,
    underscores: false,
    starts_with_letter: true,
    rule: "2-20 lowercase letters, digits and single hyphens, starting with a letter (it is part of Azure resource names)",
};

pub const ENVIRONMENT_NAME: NameRule = NameRule {
    what: "environment name",
    min: 1,
    max: 12,
    uppercase: false,
    hyphens: false,
    underscores: false,
    starts_with_letter: true,
    rule: "1-12 lowercase letters and digits, starting with a letter (it names a parameter file and resources)",
};

pub const CONTAINER_NAME: NameRule = NameRule {
    what: "blob container name",
    min: 3,
    max: 63,
    uppercase: false,
    hyphens: true,
    underscores: false,
    starts_with_letter: false,
    rule: "3-63 lowercase letters, digits and single hyphens, starting and ending with a letter or digit (Azure's rule)",
};

pub const QUEUE_NAME: NameRule = NameRule {
    what: "queue name",
    min: 3,
    max: 63,
    uppercase: false,
    hyphens: true,
    underscores: false,
    starts_with_letter: false,
    rule: "3-63 lowercase letters, digits and single hyphens, starting and ending with a letter or digit (Azure's rule)",
};

pub const SECRET_NAME: NameRule = NameRule {
    what: "secret name",
    min: 1,
    max: 127,
    uppercase: true,
    hyphens: true,
    underscores: false,
    starts_with_letter: true,
    rule: "1-127 letters, digits and single hyphens, starting with a letter (Key Vault's rule, plus the leading letter)",
};

pub const POSTGRES_DATABASE_NAME: NameRule = NameRule {
    what: "database name",
    min: 1,
    max: 63,
    uppercase: false,
    hyphens: false,
    underscores: true,
    starts_with_letter: true,
    rule: "1-63 lowercase letters, digits and underscores, starting with a letter (usable in SQL without quoting)",
};

pub const COSMOS_NAME: NameRule = NameRule {
    what: "Cosmos DB name",
    min: 1,
    max: 63,
    uppercase: false,
    hyphens: true,
    underscores: false,
    starts_with_letter: false,
    rule: "1-63 lowercase letters, digits and single hyphens, starting and ending with a letter or digit",
};

pub const MESSAGING_NAME: NameRule = NameRule {
    what: "messaging entity name",
    min: 1,
    max: 50,
    uppercase: false,
    hyphens: true,
    underscores: false,
    starts_with_letter: false,
    rule: "1-50 lowercase letters, digits and single hyphens, starting and ending with a letter or digit",
};

/// An Entra app role's `value` allows at most 120 characters from a set that includes these,
/// and no space (Microsoft Graph `appRole` resource, `value` property); bulwark keeps to
/// letters, digits and hyphens so the name also reads as `<app>.<role>` in a connection.
pub const APP_ROLE_NAME: NameRule = NameRule {
    what: "app role name",
    min: 1,
    max: 120,
    uppercase: true,
    hyphens: true,
    underscores: false,
    starts_with_letter: true,
    rule: "1-120 letters, digits and single hyphens, starting with a letter",
};

pub const DEPLOYMENT_NAME: NameRule = NameRule {
    what: "deployment name",
    min: 2,
    max: 64,
    uppercase: false,
    hyphens: true,
    underscores: false,
    starts_with_letter: true,
    rule: "2-64 lowercase letters, digits and single hyphens, starting with a letter",
};

/// The rule for the names of a part kind of a component kind.
pub fn part_rule(
    kind: crate::vocabulary::Kind,
    part: crate::vocabulary::PartKind,
) -> &'static NameRule {
    use crate::vocabulary::{Kind, PartKind};
    match (kind, part) {
        (Kind::Storage, PartKind::Container) => &CONTAINER_NAME,
        (Kind::Storage, PartKind::Queue) => &QUEUE_NAME,
        (_, PartKind::Secret) => &SECRET_NAME,
        (_, PartKind::AppRole) => &APP_ROLE_NAME,
        (Kind::Postgres, _) => &POSTGRES_DATABASE_NAME,
        (_, PartKind::Database | PartKind::CosmosContainer) => &COSMOS_NAME,
        _ => &MESSAGING_NAME,
    }
}

/// A name close to `name` that follows `rule`, if there is an obvious one: lowercased,
/// underscores, spaces and dots turned into hyphens, other characters dropped.
pub fn suggest(rule: &NameRule, name: &str) -> Option<String> {
    let mut out = String::new();
    for c in name.chars() {
        let c = if rule.uppercase {
            c
        } else {
            c.to_ascii_lowercase()
        };
        let c = if matches!(c, '_' | ' ' | '.') && rule.hyphens {
            '-'
        } else {
            c
        };
        let allowed = c.is_ascii_lowercase()
            || c.is_ascii_digit()
            || (rule.uppercase && c.is_ascii_uppercase())
            || (rule.hyphens && c == '-' && !out.is_empty() && !out.ends_with('-'));
        if allowed {
            out.push(c);
        }
    }
    if rule.starts_with_letter {
        out = out
            .trim_start_matches(|c: char| !c.is_ascii_alphabetic())
            .to_string();
    }
    let mut out: String = out.chars().take(rule.max).collect();
    while out.ends_with(['-', '_']) {
        out.pop();
    }
    (out != name && rule.check(&out).is_ok()).then_some(out)
}

/// lowerCamelCase symbol for a component: `order-api` → `orderApi`.
pub fn component_symbol(name: &str) -> String {
    if !name.is_ascii() {
        return name.to_lower_camel_case();
    }
    let mut out = String::with_capacity(name.len());
    let mut first = true;
    for_each_ascii_word(name, |word| {
        if first {
            out.extend(word.chars().map(|c| c.to_ascii_lowercase()));
            first = false;
        } else {
            push_capitalized(&mut out, word);
        }
    });
    out
}

/// Calls `word` with each word heck's case conversions split ASCII text into, in the same
/// places (with no Vec: symbols and setting names are made per component): runs of
/// letters and digits, broken before an uppercase letter that follows a lowercase one and
/// before the last capital of a run followed by a lowercase letter (`XMLHttp` → `XML`,
/// `Http`). Symbols are made for every component many times over; heck's general Unicode
/// path (a formatter call per character) cost more than the rest of naming together.
/// Tests compare the two on many strings.
fn for_each_ascii_word<'a>(text: &'a str, mut word: impl FnMut(&'a str)) {
    #[derive(Clone, Copy, PartialEq)]
    enum Mode {
        Boundary,
        Lowercase,
        Uppercase,
    }
    for run in text.split(|c: char| !c.is_ascii_alphanumeric()) {
        let bytes = run.as_bytes();
        let mut start = 0;
        let mut mode = Mode::Boundary;
        for (i, &c) in bytes.iter().enumerate() {
            let Some(&next) = bytes.get(i + 1) else {
                word(&run[start..]);
                break;
            };
            let next_mode = if c.is_ascii_lowercase() {
                Mode::Lowercase
            } else if c.is_ascii_uppercase() {
                Mode::Uppercase
            } else {
                mode
            };
            if next_mode == Mode::Lowercase && next.is_ascii_uppercase() {
                word(&run[start..=i]);
                start = i + 1;
                mode = Mode::Boundary;
            } else if mode == Mode::Uppercase && c.is_ascii_uppercase() && next.is_ascii_lowercase()
            {
                word(&run[start..i]);
                start = i;
                mode = Mode::Boundary;
            } else {
                mode = next_mode;
            }
        }
    }
}

/// `word` with its first letter uppercase and the rest lowercase (ASCII only).
fn push_capitalized(out: &mut String, word: &str) {
    let mut chars = word.chars();
    if let Some(first) = chars.next() {
        out.push(first.to_ascii_uppercase());
        out.extend(chars.map(|c| c.to_ascii_lowercase()));
    }
}

/// `prefix_name` with hyphens as underscores: `container` + `raw-images` →
/// `container_raw_images`. Blueprint names never contain `_`, so this never meets a symbol
/// bulwark declares itself, and two different names never meet each other.
pub fn part_symbol(prefix: &str, name: &str) -> String {
    format!("{prefix}_{}", name.to_ascii_lowercase().replace('-', "_"))
}

/// `scope__principal__role`: the symbol of a role assignment, unique per scope and principal.
pub fn role_symbol(scope_symbol: &str, principal: &str) -> String {
    format!("{scope_symbol}__{}__role", principal.replace('-', "_"))
}

/// The `@secure()` parameter of main.bicep carrying a secret's value: `vaultStripeKeyValue`.
pub fn secret_param(component: &str, secret: &str) -> String {
    format!(
        "{}Value",
        prefixed_symbol(&component_symbol(component), secret)
    )
}

/// `prefix` + PascalCase(name): `container` + `raw-images` → `containerRawImages`.
pub fn prefixed_symbol(prefix: &str, name: &str) -> String {
    if !name.is_ascii() {
        return format!("{prefix}{}", name.to_upper_camel_case());
    }
    let mut out = String::with_capacity(prefix.len() + name.len());
    out.push_str(prefix);
    for_each_ascii_word(name, |word| push_capitalized(&mut out, word));
    out
}

/// SHOUTY_SNAKE_CASE for app settings and environment variables: `stripe-key` → `STRIPE_KEY`.
pub fn setting_name(parts: &[&str]) -> String {
    // Written into one buffer: a Vec of words per part and a String per part were most of
    // the cost of the app settings validation and the plan both compute.
    let mut out = String::with_capacity(parts.iter().map(|part| part.len() + 1).sum());
    for (index, part) in parts.iter().enumerate() {
        if index > 0 {
            out.push('_');
        }
        if part.is_ascii() {
            let mut first = true;
            for_each_ascii_word(part, |word| {
                if !first {
                    out.push('_');
                }
                first = false;
                out.extend(word.chars().map(|c| c.to_ascii_uppercase()));
            });
        } else {
            out.push_str(&part.to_shouty_snake_case());
        }
    }
    out
}

/// An app setting name a user may write: letters, digits and underscores, not starting
/// with a digit (what Linux environment variables accept).
pub fn is_setting_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Alphanumeric-only, lowercase prefix of at most `max` characters for names that allow no
/// hyphens (storage accounts).
pub fn compact(parts: &[&str], max: usize) -> String {
    parts
        .concat()
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(max)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_case_conversions_match_heck() {
        // Every string of up to 5 characters over an alphabet with both cases, digits and
        // separators, plus names written as blueprints write them.
        let alphabet: Vec<char> = "aBc1-_ X".chars().collect();
        let mut texts: Vec<String> = vec![
            "order-api".into(),
            "XMLHttpRequest".into(),
            "raw-images-2".into(),
            "stripe-key".into(),
            "ABC".into(),
            "--a--".into(),
            "".into(),
        ];
        let mut current = vec![String::new()];
        for _ in 0..5 {
            current = current
                .iter()
                .flat_map(|text| alphabet.iter().map(move |c| format!("{text}{c}")))
                .collect();
            texts.extend(current.iter().cloned());
        }
        for text in &texts {
            assert_eq!(
                component_symbol(text),
                text.to_lower_camel_case(),
                "{text:?}"
            );
            assert_eq!(
                prefixed_symbol("p", text),
                format!("p{}", text.to_upper_camel_case()),
                "{text:?}"
            );
            assert_eq!(
                setting_name(&[text]),
                text.to_shouty_snake_case(),
                "{text:?}"
            );
            // Parts are converted one by one and joined with `_`, empty ones included.
            assert_eq!(
                setting_name(&[text, "", "queue-url"]),
                format!("{}__QUEUE_URL", text.to_shouty_snake_case()),
                "{text:?}"
            );
        }
    }

    #[test]
    fn container_names_follow_azure() {
        assert!(CONTAINER_NAME.check("images").is_ok());
        assert!(CONTAINER_NAME.check("1-raw").is_ok());
        assert!(CONTAINER_NAME.check("Images").is_err());
        assert!(CONTAINER_NAME.check("ab").is_err());
        assert!(CONTAINER_NAME.check("a--b").is_err());
        assert!(CONTAINER_NAME.check("ab-").is_err());
        assert!(CONTAINER_NAME.check("${x}").is_err());
    }

    #[test]
    fn suggestions_follow_the_rule() {
        assert_eq!(
            suggest(&CONTAINER_NAME, "Images").as_deref(),
            Some("images")
        );
        assert_eq!(
            suggest(&COMPONENT_NAME, "order_api").as_deref(),
            Some("order-api")
        );
        assert_eq!(
            suggest(&COMPONENT_NAME, "${subscription().id}").as_deref(),
            Some("subscription-id")
        );
        assert_eq!(suggest(&CONTAINER_NAME, "ab"), None);
        assert_eq!(
            suggest(&ENVIRONMENT_NAME, "pre-prod").as_deref(),
            Some("preprod")
        );
    }

    #[test]
    fn symbols_and_settings() {
        assert_eq!(component_symbol("order-api"), "orderApi");
        assert_eq!(prefixed_symbol("container", "1-raw"), "container1Raw");
        assert_eq!(
            setting_name(&["media", "raw-images", "url"]),
            "MEDIA_RAW_IMAGES_URL"
        );
        assert_eq!(compact(&["st", "my-shop", "media"], 11), "stmyshopmed");
    }
}
