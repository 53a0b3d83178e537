//! How user text is shown and which characters it may not carry: shared by the Bicep
//! printer (which escapes them), the blueprint loader (which refuses them) and every message
//! that quotes a user's name.

/// A user-supplied name as shown in a message: control, invisible and bidirectional
/// characters escaped (they could reorder or hide the rest of the line in a terminal), and
/// at most 64 characters.
pub fn shown(name: &str) -> String {
    const MAX: usize = 64;
    let mut out = String::new();
    for (index, c) in name.chars().enumerate() {
        if index == MAX {
            out.push('…');
            break;
        }
        if is_hidden(c) {
            out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    out
}

/// Characters that do not show as themselves in a terminal.
pub fn is_hidden(c: char) -> bool {
    c.is_control() || is_invisible_format(c)
}

/// Invisible formatting characters: zero-width ones (U+200B–U+200D, U+2060, U+FEFF), the
/// directional marks, embeddings, overrides and isolates (U+200E–U+200F, U+202A–U+202E,
/// U+2066–U+2069) and the invisible operators (U+2061–U+2064). In a name, tag or setting
/// they make text read differently from what it is ("Trojan Source", CVE-2021-42574), so a
/// blueprint may not carry them into output.
pub fn is_invisible_format(c: char) -> bool {
    matches!(u32::from(c), 0x200b..=0x200f | 0x202a..=0x202e | 0x2060..=0x2069 | 0xfeff)
}

/// The Unicode name of an invisible formatting character, for messages.
pub fn invisible_name(c: char) -> &'static str {
    match c {
        '\u{200b}' => "ZERO WIDTH SPACE",
        '\u{200c}' => "ZERO WIDTH NON-JOINER",
        '\u{200d}' => "ZERO WIDTH JOINER",
        '\u{200e}' => "LEFT-TO-RIGHT MARK",
        '\u{200f}' => "RIGHT-TO-LEFT MARK",
        '\u{202a}' => "LEFT-TO-RIGHT EMBEDDING",
        '\u{202b}' => "RIGHT-TO-LEFT EMBEDDING",
        '\u{202c}' => "POP DIRECTIONAL FORMATTING",
        '\u{202d}' => "LEFT-TO-RIGHT OVERRIDE",
        '\u{202e}' => "RIGHT-TO-LEFT OVERRIDE",
        '\u{2060}' => "WORD JOINER",
        '\u{2066}' => "LEFT-TO-RIGHT ISOLATE",
        '\u{2067}' => "RIGHT-TO-LEFT ISOLATE",
        '\u{2068}' => "FIRST STRONG ISOLATE",
        '\u{2069}' => "POP DIRECTIONAL ISOLATE",
        '\u{feff}' => "ZERO WIDTH NO-BREAK SPACE (byte order mark)",
        _ => "an invisible formatting character",
    }
}
