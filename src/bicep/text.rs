//! The strings of the syntax tree: keys, identifiers, members, function names and literal
//! text. Nearly all are short (`name`, `location`, `properties`, `environmentName`), and a
//! generation builds, clones (the stage split) and drops millions of them, so a short one is
//! kept inside the value, with no heap allocation, and a long one is shared, so cloning a tree
//! never copies its text. It reads as a `str` everywhere (`Deref`, `==` with `&str`).

use std::borrow::Borrow;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

/// The longest text kept inline: what fits beside the length byte in the 24 bytes a `String`
/// takes, so the tree's nodes are no bigger than with `String`. 23 rather than 22 keeps
/// `privateEndpointSubnetId` and `readEnvironmentVariable` inline.
const INLINE: usize = 23;

/// A syntax tree string: inline up to 23 bytes, shared (`Arc<str>`) beyond.
#[derive(Clone)]
pub struct Text(Repr);

#[derive(Clone)]
enum Repr {
    Inline {
        bytes: [u8; INLINE],
        len: Len,
    },
    /// A key the builder API knows is `'static` ([`Text::from_static`]): not even copied.
    Static(&'static str),
    Shared(Arc<str>),
}

/// An inline length. An enum of the 24 lengths rather than a `u8`, so the byte's other values
/// tell `Shared` from `Inline` and the tag takes no byte of its own.
#[derive(Clone, Copy)]
#[repr(u8)]
#[rustfmt::skip]
enum Len {
    L0, L1, L2, L3, L4, L5, L6, L7, L8, L9, L10, L11, L12, L13, L14, L15, L16, L17, L18, L19,
    L20, L21, L22, L23,
}

#[rustfmt::skip]
const LENGTHS: [Len; INLINE + 1] = [
    Len::L0, Len::L1, Len::L2, Len::L3, Len::L4, Len::L5, Len::L6, Len::L7, Len::L8, Len::L9,
    Len::L10, Len::L11, Len::L12, Len::L13, Len::L14, Len::L15, Len::L16, Len::L17, Len::L18,
    Len::L19, Len::L20, Len::L21, Len::L22, Len::L23,
];

impl Text {
    /// Text that lives for the whole program, e.g. a property key written in the emitters:
    /// kept as a reference, however long (`privateLinkServiceConnections`).
    pub const fn from_static(text: &'static str) -> Self {
        Text(Repr::Static(text))
    }

    #[inline]
    pub fn as_str(&self) -> &str {
        match &self.0 {
            // Checking the bytes on every read cost 2.4% of a generation's CPU (790
            // components): every printed key and every `==` reads its text.
            // SAFETY: `bytes[..len]` is only ever written by `From<&str>`, as a copy of a
            // whole `str`, and never changed: it is valid UTF-8.
            Repr::Inline { len, bytes } => unsafe {
                std::str::from_utf8_unchecked(&bytes[..*len as usize])
            },
            Repr::Static(text) => text,
            Repr::Shared(text) => text,
        }
    }

    /// Whether the text lives on the heap (longer than 23 bytes); for the allocation tests.
    pub fn is_shared(&self) -> bool {
        matches!(self.0, Repr::Shared(_))
    }
}

impl From<&str> for Text {
    #[inline]
    fn from(text: &str) -> Self {
        crate::counters::add(crate::counters::Counter::SyntaxTexts, 1);
        if text.len() <= INLINE {
            let mut bytes = [0; INLINE];
            bytes[..text.len()].copy_from_slice(text.as_bytes());
            Text(Repr::Inline {
                bytes,
                len: LENGTHS[text.len()],
            })
        } else {
            crate::counters::add(crate::counters::Counter::SyntaxTextAllocations, 1);
            Text(Repr::Shared(Arc::from(text)))
        }
    }
}

impl From<String> for Text {
    fn from(text: String) -> Self {
        Text::from(text.as_str())
    }
}

impl From<&String> for Text {
    fn from(text: &String) -> Self {
        Text::from(text.as_str())
    }
}

impl From<&Text> for Text {
    fn from(text: &Text) -> Self {
        text.clone()
    }
}

impl From<Text> for String {
    fn from(text: Text) -> Self {
        text.as_str().to_owned()
    }
}

impl Default for Text {
    fn default() -> Self {
        Text::from("")
    }
}

impl std::ops::Deref for Text {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Text {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

/// Hashes and compares as its `str`, so maps keyed by `Text` are looked up with a `&str`.
impl Borrow<str> for Text {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl Hash for Text {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl PartialEq for Text {
    fn eq(&self, other: &Text) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Text {}

impl PartialOrd for Text {
    fn partial_cmp(&self, other: &Text) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Text {
    fn cmp(&self, other: &Text) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl PartialEq<str> for Text {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Text {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for Text {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<Text> for str {
    fn eq(&self, other: &Text) -> bool {
        self == other.as_str()
    }
}

impl PartialEq<Text> for &str {
    fn eq(&self, other: &Text) -> bool {
        *self == other.as_str()
    }
}

impl PartialEq<Text> for String {
    fn eq(&self, other: &Text) -> bool {
        self == other.as_str()
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_no_bigger_than_a_string() {
        assert_eq!(size_of::<Text>(), size_of::<String>());
        for (length, len) in LENGTHS.iter().enumerate() {
            assert_eq!(*len as usize, length);
        }
    }

    #[test]
    fn short_text_is_inline_and_long_text_is_shared_by_clones() {
        let short = Text::from("privateEndpointSubnet");
        assert!(!short.is_shared());
        assert_eq!(short, "privateEndpointSubnet");
        let limit = "x".repeat(INLINE);
        assert!(!Text::from(limit.as_str()).is_shared());
        let long = Text::from(format!("{limit}y"));
        assert!(long.is_shared());
        let clone = long.clone();
        assert_eq!(clone.as_str().as_ptr(), long.as_str().as_ptr());
        assert_eq!(clone, format!("{limit}y"));
        let key = "privateLinkServiceConnections";
        let keyed = Text::from_static(key);
        assert!(!keyed.is_shared());
        assert_eq!(keyed.as_str().as_ptr(), key.as_ptr());
    }

    #[test]
    fn multibyte_text_round_trips() {
        for text in ["", "é", "日本語テキスト", "a\u{202e}b", &"é".repeat(11)] {
            assert_eq!(Text::from(text).as_str(), text);
        }
    }
}
