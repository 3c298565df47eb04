//! Python's `str` whitespace rules, so lines come out as the Python segmentation made them.
//!
//! `str.isspace`, `str.split()` and `str.strip()` treat as whitespace the characters of Unicode's White_Space
//! property (what [`char::is_whitespace`] tests) plus U+001C..U+001F (the information separators, bidi class B/S).

/// Whether Python's `str.isspace` holds for `c`.
#[inline]
pub fn is_py_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// `s.isspace()`: not empty, and whitespace only.
pub fn is_space(s: &str) -> bool {
    !s.is_empty() && s.chars().all(is_py_space)
}

/// Whether the ASCII byte `b` is Python whitespace (`\t`..`\r`, U+001C..U+001F, space).
#[inline]
pub const fn is_py_space_byte(b: u8) -> bool {
    matches!(b, b'\t'..=b'\r' | 0x1c..=0x1f | b' ')
}

/// A byte's class for [`push_collapsed`]: part of a word, ASCII whitespace, or a non-ASCII byte (its character
/// decides).
const WORD_BYTE: u8 = 0;
const SPACE_BYTE: u8 = 1;
const WIDE_BYTE: u8 = 2;
const BYTE_CLASS: [u8; 256] = {
    let mut class = [WIDE_BYTE; 256];
    let mut b = 0;
    while b < 0x80 {
        class[b] = if is_py_space_byte(b as u8) { SPACE_BYTE } else { WORD_BYTE };
        b += 1;
    }
    class
};

/// `" ".join(s.split())` appended to `out`: runs of ASCII bytes read by a table, other characters decoded.
pub fn push_collapsed(s: &str, out: &mut String) {
    let mut i = 0;
    let mut first = true;
    loop {
        i = run_end(s, i, true);
        if i == s.len() {
            return;
        }
        let start = i;
        i = run_end(s, i, false);
        if !first {
            out.push(' ');
        }
        out.push_str(&s[start..i]);
        first = false;
    }
}

/// Where the run of whitespace (`space`) or of other characters starting at byte `i` of `s` ends.
#[inline]
fn run_end(s: &str, mut i: usize, space: bool) -> usize {
    let bytes = s.as_bytes();
    while i < bytes.len() {
        let (is_space, width) = match BYTE_CLASS[usize::from(bytes[i])] {
            SPACE_BYTE => (true, 1),
            WORD_BYTE => (false, 1),
            _ => {
                let c = s[i..].chars().next().expect("a character starts here");
                (is_py_space(c), c.len_utf8())
            }
        };
        if is_space != space {
            break;
        }
        i += width;
    }
    i
}

/// `len("".join(s.split()))`: the characters of `s` that are not whitespace.
pub fn non_space_chars(s: &str) -> usize {
    if s.is_ascii() {
        return s.bytes().filter(|&b| !is_py_space_byte(b)).count();
    }
    s.chars().filter(|&c| !is_py_space(c)).count()
}

/// `s.rstrip()`.
pub fn rstrip(s: &str) -> &str {
    s.trim_end_matches(is_py_space)
}

/// `s.strip()`.
pub fn strip(s: &str) -> &str {
    s.trim_matches(is_py_space)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_whitespace() {
        for c in ['\t', '\n', '\x0b', '\x0c', '\r', '\x1c', '\x1f', ' ', '\u{85}', '\u{a0}', '\u{2000}', '\u{3000}'] {
            assert!(is_py_space(c), "{c:?}");
        }
        for c in ['\u{200b}', '\u{feff}', 'a', '\0'] {
            assert!(!is_py_space(c), "{c:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn collapsing_is_joining_the_split_words(s in "[ a\t\n\x0b\x0c\r\x1c\x1f\u{85}\u{a0}\u{2000}\u{3000}\u{200b}é\u{1f600}]*") {
            let mut out = String::new();
            push_collapsed(&s, &mut out);
            let words: Vec<&str> = s.split(is_py_space).filter(|w| !w.is_empty()).collect();
            proptest::prop_assert_eq!(out, words.join(" "));
        }
    }

    #[test]
    fn collapse_and_count() {
        let mut out = String::new();
        push_collapsed(" a\u{a0}\u{a0}b\x1c c \n", &mut out);
        assert_eq!(out, "a b c");
        assert_eq!(non_space_chars(" a b\x0bc\x1d"), 3);
        assert_eq!(non_space_chars("é \u{3000}ü"), 2);
        assert!(!is_space(""));
        assert!(is_space(" \u{a0}"));
        assert_eq!(rstrip("a \u{a0}"), "a");
        assert_eq!(strip("\x1c a \x1f"), "a");
    }
}
