//! Deserializing a spanned TOML value with serde, and turning serde's one-line errors into
//! diagnostics that point at the field they are about, in plain words with a hint.

use super::{PendingSourceMap, TOP_LEVEL_KEYS};
use crate::blueprint::diagnostic::{Diagnostic, closest, one_of, shown};
use serde::de::DeserializeOwned;
use toml::Spanned;
use toml::de::{DeValue, ValueDeserializer};

/// Where a deserialization error points: the field's path, its span in the blueprint and,
/// when the value came from a library, which one.
pub(super) struct Located {
    pub(super) path: String,
    pub(super) span: std::ops::Range<usize>,
    pub(super) note: Option<String>,
}

/// Where an error in the value at `path` points: the field it is about (not just the table
/// it is in), found by its span.
pub(super) fn locator<'a>(
    source_map: &'a PendingSourceMap<'_>,
    path: &'a str,
) -> impl Fn(&std::ops::Range<usize>) -> Located + 'a {
    move |span| Located {
        path: source_map
            .path_at(span)
            .filter(|p| p.starts_with(path))
            .unwrap_or_else(|| path.to_string()),
        span: span.clone(),
        note: None,
    }
}

pub(super) fn deserialize<T: DeserializeOwned>(
    value: Spanned<DeValue<'_>>,
    path: &str,
    source_map: &PendingSourceMap<'_>,
) -> Result<T, Box<Diagnostic>> {
    deserialize_located(value, path, &locator(source_map, path))
}

pub(super) fn deserialize_located<T: DeserializeOwned>(
    value: Spanned<DeValue<'_>>,
    path: &str,
    locate: &dyn Fn(&std::ops::Range<usize>) -> Located,
) -> Result<T, Box<Diagnostic>> {
    let whole = value.span();
    T::deserialize(ValueDeserializer::from(value)).map_err(|error| {
        let message = error.message().trim().to_string();
        let located = locate(&error.span().unwrap_or(whole));
        let at = located.path;
        let mut diagnostic = Diagnostic::error("invalid-value", format!("in `{at}`: {message}"))
            .with_span(located.span);
        diagnostic.path = Some(at.clone());
        let mut diagnostic = describe_serde_error(diagnostic, &message, &at);
        if let Some(note) = located.note {
            diagnostic.message = format!("{} ({note})", diagnostic.message);
        }
        let _ = path;
        Box::new(diagnostic)
    })
}

/// Turn serde's one-line messages into plain words, an expectation and a hint.
fn describe_serde_error(diagnostic: Diagnostic, message: &str, at: &str) -> Diagnostic {
    let backticked: Vec<&str> = message.split('`').skip(1).step_by(2).collect();
    if message.starts_with("unknown field") {
        let (found, expected) = backticked
            .split_first()
            .map_or(("", &[][..]), |(f, e)| (*f, e));
        // The span is the unknown key itself; name the table it sits in.
        let suffix = format!(".{found}");
        let at = at.strip_suffix(&suffix).unwrap_or(at);
        let diagnostic = Diagnostic {
            code: "unknown-field",
            message: format!("`{at}` has no field `{}`", shown(found)),
            ..diagnostic
        }
        .expected(one_of(expected.iter()));
        let section = at.split('.').next().unwrap_or(at);
        return match closest(found, expected.iter().copied()) {
            Some(near) => diagnostic.help(format!("did you mean `{near}`?")),
            None if TOP_LEVEL_KEYS.contains(&found) && !at.contains('.') => {
                let table = if found == "components" {
                    "[components.<name>] tables"
                } else {
                    "its own [network] table"
                };
                diagnostic.help(format!(
                    "every key after [{section}] belongs to [{section}] until the next table header: write `{found}` as {table} after [{section}]"
                ))
            }
            None => {
                diagnostic.help("remove it; `bulwark schema` prints every field each kind takes")
            }
        };
    }
    if message.starts_with("unknown variant") {
        let (found, expected) = backticked
            .split_first()
            .map_or(("", &[][..]), |(f, e)| (*f, e));
        let diagnostic = Diagnostic {
            code: "unknown-value",
            message: format!("`{}` is not a valid value for `{at}`", shown(found)),
            ..diagnostic
        }
        .expected(one_of(expected.iter()));
        // SAS rights of a waiver's grant: name Azure's words for what they would mean.
        if at.contains(".rights[") {
            match found.to_ascii_lowercase().as_str() {
                "manage" => {
                    return diagnostic.help(
                        "a waiver never grants Manage: it can create and delete entities; grant `send` and/or `listen`",
                    );
                }
                "receive" => {
                    return diagnostic
                        .help("did you mean `listen`? SAS calls the right to receive Listen");
                }
                _ => {}
            }
        }
        return match closest(found, expected.iter().copied()) {
            Some(near) => diagnostic.help(format!("did you mean `{near}`?")),
            None => diagnostic.help("`bulwark schema` lists the values each field takes"),
        };
    }
    if message.starts_with("missing field") {
        let field = backticked.first().copied().unwrap_or("");
        return Diagnostic {
            code: "missing-field",
            message: format!("`{at}` is missing `{field}`"),
            ..diagnostic
        }
        .expected(format!("`{field} = …`"))
        .help(format!(
            "add `{field} = …`; `bulwark schema` documents each field"
        ));
    }
    if let Some(rest) = message.strip_prefix("invalid type: ") {
        let (found, expected) = rest
            .split_once(", expected ")
            .unwrap_or((rest, "another type"));
        let found = plain_type(found);
        let expected = plain_type(expected);
        return Diagnostic {
            code: "wrong-type",
            message: format!("`{at}` must be {expected}, not {found}"),
            ..diagnostic
        }
        .expected(expected.clone())
        .help(match expected.as_str() {
            "a list" if at.ends_with("uses") => {
                "write a list in brackets, e.g. [{ to = \"media.images\", access = \"read\" }]"
                    .to_string()
            }
            "a list" => "write a list in brackets, e.g. [\"dev\", \"prod\"]".to_string(),
            "a string" => "write it in double quotes".to_string(),
            "a table" => "write it as a table: { key = \"value\" } or a [section]".to_string(),
            _ => "`bulwark schema` documents each field".to_string(),
        });
    }
    diagnostic
}

/// serde's type vocabulary in TOML's words.
fn plain_type(serde: &str) -> String {
    let word = serde.split_whitespace().next().unwrap_or(serde);
    match word {
        "a" | "an" => plain_type(serde.split_once(' ').map_or(serde, |(_, rest)| rest)),
        "sequence" => "a list".into(),
        "map" | "struct" => "a table".into(),
        "string" | "str" | "char" => "a string".into(),
        "integer" | "i64" | "u64" | "u32" | "i32" => "an integer".into(),
        "boolean" | "bool" => "a boolean".into(),
        "floating" | "f64" => "a number".into(),
        _ => serde.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_types_read_as_toml_words() {
        assert_eq!(plain_type("a sequence"), "a list");
        assert_eq!(plain_type("struct App"), "a table");
        assert_eq!(plain_type("string \"dev\""), "a string");
    }
}
