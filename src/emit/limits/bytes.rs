//! Byte searches for the template scan, a word (eight bytes) per step: the scan reads every
//! byte of the output, so a byte-at-a-time loop was most of its cost.

/// Eight copies of `byte`, one in each byte of a word.
const fn repeated(byte: u8) -> u64 {
    u64::from_ne_bytes([byte; 8])
}

/// The index of the first byte of `word` (its bytes in memory order) that is zero. Lanes
/// above a zero byte may be flagged falsely by the borrow, never lanes below it, so the
/// lowest flag in memory order is exact.
fn first_zero_byte(word: u64) -> Option<usize> {
    let flags = word.wrapping_sub(repeated(0x01)) & !word & repeated(0x80);
    if flags == 0 {
        return None;
    }
    // In memory order: the lowest lane on little-endian, the highest on big-endian.
    let lane = if cfg!(target_endian = "little") {
        flags.trailing_zeros()
    } else {
        flags.leading_zeros()
    };
    Some(lane as usize / 8)
}

/// The first `\n` in `bytes`, eight bytes per step.
pub fn newline_in(bytes: &[u8]) -> Option<usize> {
    // `as_chunks`, not `chunks_exact`: each word is an array, no length to check.
    let (words, tail) = bytes.as_chunks::<8>();
    for (index, &word) in words.iter().enumerate() {
        if let Some(lane) = first_zero_byte(u64::from_ne_bytes(word) ^ repeated(b'\n')) {
            return Some(index * 8 + lane);
        }
    }
    let start = bytes.len() - tail.len();
    tail.iter()
        .position(|&byte| byte == b'\n')
        .map(|lane| start + lane)
}

/// How many spaces `bytes` starts with, eight bytes per step (indentation is a third of the
/// output).
pub fn leading_spaces(bytes: &[u8]) -> usize {
    let (words, tail) = bytes.as_chunks::<8>();
    for (index, &word) in words.iter().enumerate() {
        let word = u64::from_ne_bytes(word);
        // A lane is non-zero where the byte is not a space: the first such lane ends the run.
        let not_space = word ^ repeated(b' ');
        if not_space != 0 {
            let lane = if cfg!(target_endian = "little") {
                not_space.trailing_zeros()
            } else {
                not_space.leading_zeros()
            };
            return index * 8 + lane as usize / 8;
        }
    }
    let start = bytes.len() - tail.len();
    start + tail.iter().take_while(|&&byte| byte == b' ').count()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLES: &[&str] = &[
        "",
        "\n",
        "a",
        "        x\n",
        "                  resource a 'b' = {\n  name: 'x'\n}\n",
        "0123456\n89",
        "01234567\n9",
        "012345678901234567890\n",
        "\u{e9}\u{e9}\u{e9}\u{e9}\n\u{100}\u{80}",
        "\x01\x0b\x0a\u{8a}\u{20}",
        "               \t",
        "        ",
    ];

    #[test]
    fn word_searches_find_what_byte_searches_find() {
        for sample in SAMPLES {
            let bytes = sample.as_bytes();
            for start in 0..=bytes.len() {
                let rest = &bytes[start..];
                assert_eq!(
                    newline_in(rest),
                    rest.iter().position(|&b| b == b'\n'),
                    "{sample:?} from {start}"
                );
                assert_eq!(
                    leading_spaces(rest),
                    rest.iter().take_while(|&&b| b == b' ').count(),
                    "{sample:?} from {start}"
                );
            }
        }
    }

    #[test]
    fn every_byte_value_is_told_apart_in_every_lane() {
        for lane in 0..8 {
            for byte in 0..=255u8 {
                let mut word = [b' '; 8];
                word[lane] = byte;
                let newline = if byte == b'\n' { Some(lane) } else { None };
                assert_eq!(newline_in(&word), newline);
                let spaces = if byte == b' ' { 8 } else { lane };
                assert_eq!(leading_spaces(&word), spaces);
            }
        }
    }
}
