//! The limits of one page (bytes, nesting depth, lines, time), as parameters; mirrors `chromecut.segment.limits`.
//!
//! A page over a limit is refused whole with a [`PageError`] naming the limit; the messages are those of the
//! Python package, which turns them into its `LimitError` / `PageTimeout`.

use std::collections::HashMap;
use std::fmt;
use std::time::{Duration, Instant};

/// Nodes of the tree walked between two checks of the clock (`DEADLINE_CHECK_NODES`).
pub const DEADLINE_CHECK_NODES: usize = 4096;

/// Tags that never hold children, and tags the parser closes by itself when a sibling opens: they do not nest.
const FLAT_TAGS: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr", "param",
    "keygen", "basefont", "bgsound", "frame", "p", "li", "dt", "dd", "option", "optgroup", "tr", "td", "th", "thead",
    "tbody", "tfoot", "rp", "rt", "colgroup", "caption", "a", "h1", "h2", "h3", "h4", "h5", "h6", "html", "head",
    "body",
];
/// Elements whose content is raw text (no tags inside).
const RAW_TEXT_TAGS: &[&str] = &["script", "style", "textarea", "title", "xmp", "plaintext", "noframes"];

/// The limits of one page; `None` disables one.
#[derive(Clone, Copy, Debug, Default)]
pub struct Limits {
    /// Bytes of the page as given (UTF-8 bytes of a text).
    pub max_page_bytes: Option<usize>,
    /// Lines of the page (the walk stops at the first line too many).
    pub max_lines: Option<usize>,
    /// Estimated element nesting, checked before parsing (see [`nesting_depth`]).
    pub max_depth: Option<usize>,
}

/// Why a page was refused or failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PageError {
    TooLarge {
        max_page_bytes: usize,
    },
    TooManyLines {
        max_lines: usize,
    },
    TooDeep {
        max_depth: usize,
    },
    /// The clock ran out; `step` says where the page was (as the Python `Deadline.check` names it).
    Timeout {
        step: &'static str,
    },
    /// The bytes are not UTF-8 (nor UTF-8 behind a BOM): the caller decodes them (charset detection) and retries
    /// with text.
    NeedsDecoding,
    /// A panic inside the segmentation of this page, caught; the message of the panic.
    Panic {
        message: String,
    },
}

impl PageError {
    /// A short stable name of the kind of failure.
    pub fn kind(&self) -> &'static str {
        match self {
            PageError::TooLarge { .. } => "too_large",
            PageError::TooManyLines { .. } => "too_many_lines",
            PageError::TooDeep { .. } => "too_deep",
            PageError::Timeout { .. } => "timeout",
            PageError::NeedsDecoding => "needs_decoding",
            PageError::Panic { .. } => "panic",
        }
    }
}

impl PageError {
    /// Where the clock ran out, for a timeout.
    pub fn step(&self) -> Option<&'static str> {
        match self {
            PageError::Timeout { step } => Some(step),
            _ => None,
        }
    }
}

impl fmt::Display for PageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PageError::TooLarge { max_page_bytes } => {
                write!(f, "page is larger than {max_page_bytes} bytes (limit --max-page-bytes)")
            }
            PageError::TooManyLines { max_lines } => {
                write!(f, "page has more than {max_lines} lines (limit --max-lines)")
            }
            PageError::TooDeep { max_depth } => {
                write!(f, "page nests deeper than {max_depth} elements (limit --max-depth)")
            }
            PageError::Timeout { step } => write!(f, "page took too long (limit --page-timeout; stopped {step})"),
            PageError::NeedsDecoding => write!(f, "page bytes are not UTF-8: decode them first"),
            PageError::Panic { message } => {
                write!(f, "internal error in chromecut's core on this page: {message}")
            }
        }
    }
}

impl std::error::Error for PageError {}

/// A page's (or a batch's) clock.
#[derive(Clone, Copy, Debug)]
pub struct Deadline {
    expires: Option<Instant>,
}

impl Deadline {
    /// A clock that never runs out.
    pub const NEVER: Deadline = Deadline { expires: None };

    /// A clock that runs out `seconds` from now (`None`: never; negative or NaN: already out).
    pub fn after(seconds: Option<f64>) -> Self {
        match seconds {
            None => Self::NEVER,
            Some(s) if s.is_finite() && s > 0.0 => {
                Deadline { expires: Instant::now().checked_add(Duration::from_secs_f64(s.min(1e9))) }
            }
            Some(s) if s.is_infinite() && s > 0.0 => Self::NEVER,
            Some(_) => Deadline { expires: Some(Instant::now()) },
        }
    }

    /// `Err(Timeout)` once the clock has run out.
    #[inline]
    pub fn check(&self, step: &'static str) -> Result<(), PageError> {
        match self.expires {
            Some(t) if Instant::now() > t => Err(PageError::Timeout { step }),
            _ => Ok(()),
        }
    }
}

/// An upper bound of [`nesting_depth`]: each level it counts opens at a `<` that is not followed by `/`.
pub fn start_tags_at_most(html: &str) -> usize {
    let bytes = html.as_bytes();
    memchr::memchr_iter(b'<', bytes).filter(|&lt| bytes.get(lt + 1) != Some(&b'/')).count()
}

/// Estimate how deeply the elements of an HTML page nest, from its tags alone (no parse); the port of
/// `chromecut.segment.limits.nesting_depth`, which scans the page lowercased. Stops early once the depth passes
/// `stop_at`.
pub fn nesting_depth(html: &str, stop_at: Option<usize>) -> usize {
    if has_lowercase_odd(html) {
        return scan_depth(&html.to_lowercase(), stop_at);
    }
    scan_depth(html, stop_at)
}

/// The characters whose lowercase is not one character of the same kind: İ (two), the Kelvin sign (an ASCII `k`),
/// and Σ (ς or σ by its neighbours). Every other character lowercases to one character that is alphanumeric,
/// alphabetic and ASCII exactly when it is (all of them checked once), and no markup character changes: on a
/// page without these three, lowering each tag name as it is read gives the scan of the lowered page, without
/// lowering the whole page (it was a tenth of an HTML page's time).
const LOWERCASE_ODD: [char; 3] = ['\u{130}', '\u{3a3}', '\u{212a}'];

/// Whether `html` holds one of [`LOWERCASE_ODD`]: their UTF-8 lead bytes found with memchr, the rest compared (a
/// page is not decoded a character at a time).
fn has_lowercase_odd(html: &str) -> bool {
    let odd = LOWERCASE_ODD.map(|c| {
        let mut utf8 = [0u8; 4];
        let len = c.encode_utf8(&mut utf8).len();
        (utf8, len)
    });
    let bytes = html.as_bytes();
    memchr::memchr3_iter(odd[0].0[0], odd[1].0[0], odd[2].0[0], bytes)
        .any(|at| odd.iter().any(|(utf8, len)| bytes[at..].starts_with(&utf8[..*len])))
}

/// [`nesting_depth`] of a page that has none of [`LOWERCASE_ODD`] (or is lowercased): tag names are lowercased
/// as they are read, raw text ends are found ASCII case-insensitively.
fn scan_depth(s: &str, stop_at: Option<usize>) -> usize {
    let bytes = s.as_bytes();
    let mut open_counts: HashMap<String, usize> = HashMap::new();
    let (mut depth, mut deepest) = (0usize, 0usize);
    let mut pos = 0usize;
    let mut lowered = String::new();
    while let Some(off) = memchr_from(bytes, b'<', pos) {
        let start = off;
        if start + 1 >= bytes.len() {
            return deepest;
        }
        let rest = &s[start + 1..];
        if rest.starts_with("!--") {
            match s[start + 4..].find("-->") {
                None => return deepest,
                Some(end) => {
                    pos = start + 4 + end + 3;
                    continue;
                }
            }
        }
        let (closing, name_start) = if rest.starts_with('/') { (true, start + 2) } else { (false, start + 1) };
        let name_len: usize = s[name_start..]
            .chars()
            .take_while(|&c| c.is_alphanumeric() || c == '-' || c == ':')
            .map(char::len_utf8)
            .sum();
        let raw = &s[name_start..name_start + name_len];
        let end = name_start + name_len;
        pos = end;
        match raw.chars().next() {
            Some(c) if c.is_alphabetic() => {}
            _ => continue,
        }
        let name: &str = if raw.bytes().any(|b| b.is_ascii_uppercase() || !b.is_ascii()) {
            lowered.clear();
            lowered.extend(raw.chars().flat_map(char::to_lowercase));
            &lowered
        } else {
            raw
        };
        if closing {
            if let Some(count) = open_counts.get_mut(name) {
                if *count > 0 {
                    *count -= 1;
                    depth -= 1;
                }
            }
        } else if RAW_TEXT_TAGS.contains(&name) {
            match find_end_tag(&bytes[end..], name.as_bytes()) {
                None => return deepest,
                Some(close) => pos = end + close + 2,
            }
        } else if !FLAT_TAGS.contains(&name) {
            match open_counts.get_mut(name) {
                Some(count) => *count += 1,
                None => {
                    open_counts.insert(name.to_string(), 1);
                }
            }
            depth += 1;
            if depth > deepest {
                deepest = depth;
                if stop_at.is_some_and(|limit| deepest > limit) {
                    return deepest;
                }
            }
        }
    }
    deepest
}

/// Where `</name` (the name ASCII case-insensitively) first starts in `bytes`.
fn find_end_tag(bytes: &[u8], name: &[u8]) -> Option<usize> {
    let mut from = 0;
    while let Some(lt) = memchr_from(bytes, b'<', from) {
        let at = lt + 2;
        if bytes.get(lt + 1) == Some(&b'/')
            && bytes.len() >= at + name.len()
            && bytes[at..at + name.len()].eq_ignore_ascii_case(name)
        {
            return Some(lt);
        }
        from = lt + 1;
    }
    None
}

fn memchr_from(bytes: &[u8], b: u8, from: usize) -> Option<usize> {
    memchr::memchr(b, bytes.get(from..)?).map(|i| i + from)
}

/// `Err(TooDeep)` when the page nests deeper than `max_depth` (see [`nesting_depth`]).
pub fn check_depth(html: &str, max_depth: Option<usize>) -> Result<(), PageError> {
    let Some(max_depth) = max_depth else {
        return Ok(());
    };
    if start_tags_at_most(html) <= max_depth {
        return Ok(());
    }
    if nesting_depth(html, Some(max_depth)) > max_depth {
        return Err(PageError::TooDeep { max_depth });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depth_counts_nesting_elements_only() {
        assert_eq!(nesting_depth("<div><div><p><span>x</span></div></div>", None), 3);
        assert_eq!(nesting_depth("<br><br><img><li><li>", None), 0);
        assert_eq!(nesting_depth("<script><div><div></script><div>", None), 1);
        assert_eq!(nesting_depth("<!-- <div><div> --><DIV>", None), 1);
        assert_eq!(nesting_depth("<div><!-- never closed", None), 1);
        assert_eq!(nesting_depth("</div><div></span>", None), 1);
        assert_eq!(nesting_depth("<1div><-x><div", None), 1);
        assert_eq!(nesting_depth(&"<div>".repeat(100), Some(10)), 11);
    }

    /// The scan of the page lowercased whole: the reference of [`nesting_depth`].
    fn depth_of_lowered(html: &str, stop_at: Option<usize>) -> usize {
        scan_depth(&html.to_lowercase(), stop_at)
    }

    #[test]
    fn names_lowered_one_at_a_time_give_the_lowered_pages_depth() {
        for html in [
            "<DIV><Div></div><ÜBER><über></Über>",
            "<SCRIPT><div></ScRiPt><div>",
            "<TITLE><div></TITLE ><div></div>",
            "<dİv><di̇v></dİv>",
            "<\u{212a}bd><kbd></KBD>",
            "<ΣΑΣ><σασ></σας>",
        ] {
            assert_eq!(nesting_depth(html, None), depth_of_lowered(html, None), "{html}");
        }
    }

    proptest::proptest! {
        #[test]
        fn any_page_gets_the_depth_of_its_lowered_scan(html in "(<|</|<!--|-->|>|DIV|div|Über|ÜBER|script|SCRIPT|TiTlE|İ|\u{212a}|Σ|σ|ς|Ⱥ|p|-|:| |x|1)*") {
            proptest::prop_assert_eq!(nesting_depth(&html, None), depth_of_lowered(&html, None));
        }

        #[test]
        fn the_odd_characters_are_found_as_contains_finds_them(html in "(İ|Σ|\u{212a}|\u{130}x|Ĵ|Ξ|\u{2129}|<|a|é)*") {
            proptest::prop_assert_eq!(has_lowercase_odd(&html), html.contains(LOWERCASE_ODD));
        }

        /// The bound counts each `<` that `/` does not follow: every `<` less every `</`.
        #[test]
        fn start_tags_are_opens_less_closes(html in "(<|/|</|<<|x|é)*") {
            let bytes = html.as_bytes();
            let opens = bytes.iter().filter(|&&b| b == b'<').count();
            let closes = bytes.windows(2).filter(|w| w == b"</").count();
            proptest::prop_assert_eq!(start_tags_at_most(&html), opens - closes);
        }
    }

    #[test]
    fn check_depth_refuses_deep_pages() {
        let deep = "<div>".repeat(50);
        assert_eq!(check_depth(&deep, Some(40)), Err(PageError::TooDeep { max_depth: 40 }));
        assert_eq!(check_depth(&deep, Some(50)), Ok(()));
        assert_eq!(check_depth(&deep, None), Ok(()));
        assert_eq!(start_tags_at_most("<a></a><b>"), 2);
    }

    #[test]
    fn deadline() {
        assert!(Deadline::NEVER.check("x").is_ok());
        assert!(Deadline::after(Some(1e6)).check("x").is_ok());
        assert_eq!(Deadline::after(Some(-1.0)).check("x"), Err(PageError::Timeout { step: "x" }));
        assert!(Deadline::after(Some(f64::NAN)).check("x").is_err());
    }
}
