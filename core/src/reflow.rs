//! Hard-wrapped text dumps: paragraphs broken into lines of at most a fixed width.
//!
//! Text mode reads one block per line, and the models learnt from dumps written so. Many tools wrap instead:
//! `html2text` at 78 characters unless told otherwise, `lynx -dump` and `w3m -dump` at the terminal's width,
//! `fmt`, `textwrap`, mail and archive text. A wrapped paragraph reaches the model as a run of lines of about the
//! same length, each of them a fragment that reads like a menu item or a headline, so whole paragraphs are
//! dropped. This module finds the width a dump was wrapped at and the lines a wrapper broke, so that text mode
//! scores each paragraph as one line and gives its label to every line it was broken into.
//!
//! A greedy wrapper breaks a line only where the next word would not fit. So a dump is taken as wrapped at width
//! `w` when many lines end just short of `w` ([`BAND`]), hardly any line longer than `w` could have been broken
//! before it ([`OVER_SHARE`]), and the breaks that the rule finds mostly continue a sentence: their next line
//! starts with a lower-case letter often enough ([`LOWER_SHARE`]) where a dump of blocks starts nearly every line
//! with a capital, a digit or a mark. Lines a wrapper leaves whole may run past the width ([`kept_whole`]: a list
//! item, a Markdown line with a link). Two lines are then one block when both fit the width, the first ends where
//! the next line's first word would not have fit, and the next line does not open a block of its own (a list
//! item, a heading, a quote, a table row, a numbered link reference; [`opens_block`]), or when a Markdown link is
//! still open at the end of the first (html2text wraps inside links; [`ends_inside_link`]). A dump that is not
//! wrapped is read as it is.

use crate::pystr::{is_py_space, is_py_space_byte, rstrip, strip};

/// The narrowest and widest wrap widths looked for, in characters.
pub const MIN_WIDTH: usize = 40;
pub const MAX_WIDTH: usize = 200;
/// A line "fills" a width `w` when its length lies in `(w - BAND, w]`: the room a next word would have needed.
pub const BAND: usize = 12;
/// At least this many lines fill the width.
pub const MIN_FULL: usize = 8;
/// Lines longer than the width that a wrapper would have broken (they hold a space before it and are not kept
/// whole, [`kept_whole`]), at most this share of the lines that fill it.
pub const OVER_SHARE: f64 = 0.1;
/// A Markdown link or image target: html2text leaves a line that holds one unwrapped.
const MARKDOWN_TARGET: &str = "](";
/// A Markdown link left open carries its block over at most this many lines (a stray `[` is not a link).
pub const MAX_OPEN_LINK_LINES: usize = 4;
/// At least this many breaks found by the rule ...
pub const MIN_BREAKS: usize = 5;
/// ... and at least this share of them followed by a line that starts with a lower-case letter.
pub const LOWER_SHARE: f64 = 0.3;

/// A wrapped dump's blocks: the width it was wrapped at, and where each block starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Blocks {
    /// The wrap width found, in characters.
    pub width: usize,
    /// The first line of each block, ascending, then the number of lines: block `b` holds the lines
    /// `starts[b]..starts[b + 1]`. A blank line is a block of its own.
    pub starts: Vec<usize>,
}

impl Blocks {
    /// The number of blocks.
    pub fn len(&self) -> usize {
        self.starts.len() - 1
    }

    /// Whether there are no blocks (never, for the blocks of a dump).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Each block's text: its first line without trailing whitespace, then each further line stripped, after one
    /// space.
    pub fn texts(&self, lines: &[&str]) -> Vec<String> {
        self.starts
            .windows(2)
            .map(|span| {
                let mut text = rstrip(lines[span[0]]).to_owned();
                for line in &lines[span[0] + 1..span[1]] {
                    text.push(' ');
                    text.push_str(strip(line));
                }
                text
            })
            .collect()
    }
}

/// Whether a line opens a block of its own: a bullet or a number with a space after it, a Markdown heading, a
/// quote, a table row, or a numbered link reference (`[12]`, as `lynx -dump` writes them).
pub fn opens_block(line: &str) -> bool {
    let body = strip(line);
    let mut chars = body.chars();
    let Some(first) = chars.next() else { return false };
    match first {
        '-' | '*' | '+' | '•' | '·' | '▪' | '‣' | '◦' => chars.next().is_some_and(is_py_space),
        '>' | '|' => true,
        '#' => {
            let hashes = body.chars().take_while(|&c| c == '#').count();
            hashes <= 6 && body.chars().nth(hashes).is_some_and(is_py_space)
        }
        '[' => {
            let digits = chars.clone().take_while(char::is_ascii_digit).count();
            digits > 0 && chars.nth(digits) == Some(']')
        }
        c if c.is_ascii_digit() => {
            let digits = 1 + chars.clone().take_while(char::is_ascii_digit).count();
            let mut rest = body.chars().skip(digits);
            digits <= 3 && matches!(rest.next(), Some('.' | ')')) && rest.next().is_some_and(is_py_space)
        }
        _ => false,
    }
}

/// Whether a wrapper may leave the line longer than its width: a line that opens a block of its own or holds a
/// Markdown link (html2text leaves its list items, and some lines with links, unwrapped).
pub fn kept_whole(line: &str) -> bool {
    opens_block(line) || line.contains(MARKDOWN_TARGET)
}

/// Where a block stands in Markdown link syntax, fed line by line: html2text wraps inside a link's text and
/// inside its target (a long target at its hyphens), so a link still open at the end of a line goes on in the next.
#[derive(Clone, Copy, Debug)]
struct LinkState {
    /// `[` not closed yet.
    brackets: usize,
    /// Inside a target: after `](`, before its `)`.
    in_target: bool,
    /// `(` inside the target not closed yet (`/wiki/Rust_(language)`).
    target_parens: usize,
    previous: char,
}

impl Default for LinkState {
    fn default() -> Self {
        LinkState { brackets: 0, in_target: false, target_parens: 0, previous: ' ' }
    }
}

impl LinkState {
    fn feed(&mut self, line: &str) {
        for c in line.chars() {
            if self.in_target {
                match c {
                    '(' => self.target_parens += 1,
                    ')' if self.target_parens == 0 => self.in_target = false,
                    ')' => self.target_parens -= 1,
                    _ => {}
                }
            } else {
                match c {
                    '[' => self.brackets += 1,
                    ']' => self.brackets = self.brackets.saturating_sub(1),
                    '(' if self.previous == ']' => {
                        self.in_target = true;
                        self.target_parens = 0;
                    }
                    _ => {}
                }
            }
            self.previous = c;
        }
    }

    /// Whether a link's text or target is open.
    fn open(&self) -> bool {
        self.in_target || self.brackets > 0
    }
}

/// Whether a Markdown link or image is still open at the end of `text`: its text (`[` without its `]`) or its
/// target (`](` without its `)`).
pub fn ends_inside_link(text: &str) -> bool {
    let mut state = LinkState::default();
    state.feed(text);
    state.open()
}

/// The length of a line's first word, in characters.
fn first_word_chars(line: &str) -> usize {
    strip(line).chars().take_while(|&c| !is_py_space(c)).count()
}

/// One non-blank line as the width search reads it.
struct Row {
    /// Characters, trailing whitespace left out.
    chars: usize,
    /// Where a wrapper could first have broken it: the column of the first space after its indentation, unless
    /// it is [`kept_whole`].
    first_break: Option<usize>,
}

fn row(line: &str) -> Row {
    let kept = rstrip(line);
    // Characters, indentation and the first space after it; by bytes when the line is ASCII (most lines).
    let (chars, indent, space) = if kept.is_ascii() {
        let bytes = kept.as_bytes();
        let indent = bytes.iter().take_while(|&&b| is_py_space_byte(b)).count();
        (bytes.len(), indent, bytes[indent..].iter().position(|&b| is_py_space_byte(b)))
    } else {
        let indent = kept.chars().take_while(|&c| is_py_space(c)).count();
        (kept.chars().count(), indent, kept.chars().skip(indent).position(is_py_space))
    };
    let first_break = if kept_whole(line) { None } else { space.map(|at| indent + at) };
    Row { chars, first_break }
}

/// Whether a wrapper at `width` broke between `line` and `next` (`inside_link`: a Markdown link of the block
/// that `line` ends is still open): both hold text, and either the link goes on, or both fit the width (a longer
/// line was not wrapped), `next` opens no block, and its first word would not have fitted after `line`.
fn broken(line: &str, next: &str, width: usize, inside_link: bool) -> bool {
    if strip(line).is_empty() || strip(next).is_empty() {
        return false;
    }
    if inside_link {
        return true;
    }
    let chars = rstrip(line).chars().count();
    !opens_block(next)
        && chars <= width
        && rstrip(next).chars().count() <= width
        && chars + 1 + first_word_chars(next) > width
}

/// For each line, whether a wrapper at `width` broke it off the line before ([`broken`], the link state carried
/// through each block).
fn breaks(lines: &[&str], width: usize) -> Vec<bool> {
    let mut out = Vec::with_capacity(lines.len());
    let mut link = LinkState::default();
    let mut open_for = 0usize;
    for (i, line) in lines.iter().enumerate() {
        let inside_link = link.open() && open_for <= MAX_OPEN_LINK_LINES;
        let continues = i > 0 && broken(lines[i - 1], line, width, inside_link);
        if !continues {
            link = LinkState::default();
        }
        link.feed(line);
        open_for = if link.open() { open_for + 1 } else { 0 };
        out.push(continues);
    }
    out
}

/// The width the lines were wrapped at, if they were ([module docs](self)).
pub fn wrap_width(lines: &[&str]) -> Option<usize> {
    wrapping(lines).map(|(width, _)| width)
}

/// The width and, for each line, whether the wrapper broke it off the line before ([`breaks`]).
fn wrapping(lines: &[&str]) -> Option<(usize, Vec<bool>)> {
    if surely_not_wrapped(lines) {
        return None;
    }
    search_width(lines)
}

/// A quick look that rules out most dumps of one block per line, with the answer [`search_width`] would give: every
/// width counts as too long a line any line longer than [`MAX_WIDTH`] that a wrapper could have broken before
/// [`MIN_WIDTH`], and no width is filled by more lines than those longer than `MIN_WIDTH - BAND` bytes. So once the
/// first are more than [`OVER_SHARE`] of the second, no width passes; only the long lines are read.
fn surely_not_wrapped(lines: &[&str]) -> bool {
    let fillers = lines.iter().filter(|line| line.len() > MIN_WIDTH - BAND).count();
    let limit = OVER_SHARE * fillers as f64;
    let mut too_long = 0usize;
    for line in lines.iter().filter(|line| line.len() > MAX_WIDTH) {
        let row = row(line);
        if row.chars > MAX_WIDTH && row.first_break.is_some_and(|at| at < MIN_WIDTH) {
            too_long += 1;
            if too_long as f64 > limit {
                return true;
            }
        }
    }
    false
}

/// [`wrapping`] without the quick look.
fn search_width(lines: &[&str]) -> Option<(usize, Vec<bool>)> {
    let rows: Vec<Row> = lines.iter().filter(|line| !strip(line).is_empty()).map(|line| row(line)).collect();
    if rows.len() < MIN_FULL {
        return None;
    }
    // Lines per length (up to the widest width), and per width the lines longer than it that could have been
    // broken before it: a difference array over the widths strictly between a line's first break and its length.
    let mut by_length = vec![0usize; MAX_WIDTH + 1];
    let mut over = vec![0isize; MAX_WIDTH + 2];
    for row in &rows {
        if row.chars <= MAX_WIDTH {
            by_length[row.chars] += 1;
        }
        if let Some(first_break) = row.first_break {
            let from = (first_break + 1).max(MIN_WIDTH);
            let to = row.chars.min(MAX_WIDTH + 1);
            if from < to {
                over[from] += 1;
                over[to] -= 1;
            }
        }
    }
    let mut best: Option<(usize, usize)> = None;
    let mut over_now = over[..MIN_WIDTH].iter().sum::<isize>();
    for width in MIN_WIDTH..=MAX_WIDTH {
        over_now += over[width];
        let full: usize = by_length[width + 1 - BAND..=width].iter().sum();
        let best_full = best.map_or(0, |(_, full)| full);
        if full >= MIN_FULL && full > best_full && over_now as f64 <= OVER_SHARE * full as f64 {
            best = Some((width, full));
        }
    }
    let (width, _) = best?;
    let broken = breaks(lines, width);
    let found = broken.iter().filter(|&&b| b).count();
    let lower = lines
        .iter()
        .zip(&broken)
        .filter(|&(line, &b)| b && strip(line).chars().next().is_some_and(char::is_lowercase))
        .count();
    (found >= MIN_BREAKS && lower as f64 >= LOWER_SHARE * found as f64).then_some((width, broken))
}

/// The blocks of a wrapped dump, `None` when it is not wrapped ([`wrap_width`]).
pub fn blocks(lines: &[&str]) -> Option<Blocks> {
    let (width, broken) = wrapping(lines)?;
    let mut starts: Vec<usize> = broken.iter().enumerate().filter(|&(_, &b)| !b).map(|(i, _)| i).collect();
    starts.push(lines.len());
    Some(Blocks { width, starts })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Words wrapped greedily at `width`, as `textwrap.wrap` does.
    fn wrap(text: &str, width: usize) -> Vec<String> {
        let mut out = Vec::new();
        let mut line = String::new();
        for word in text.split_whitespace() {
            if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
                out.push(std::mem::take(&mut line));
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
        out.push(line);
        out
    }

    const PROSE: &str = "The council met on Tuesday to discuss the new budget for the coming year, and after a long \
        debate the members agreed that the library would stay open on weekends while the pool would close for \
        repairs during the winter months, which several residents had asked for at the last meeting of the year.";

    fn dump(width: usize) -> Vec<String> {
        let mut lines = vec!["Home".to_owned(), "News".to_owned(), "Council keeps the library open".to_owned()];
        for _ in 0..3 {
            lines.extend(wrap(PROSE, width));
            lines.push(String::new());
        }
        lines.extend(["Related".to_owned(), "- Pool closes for winter".to_owned(), "- Budget passes".to_owned()]);
        lines
    }

    fn refs(lines: &[String]) -> Vec<&str> {
        lines.iter().map(String::as_str).collect()
    }

    #[test]
    fn a_wrapped_dump_is_found_at_its_width() {
        // The longest line that fills it: the width itself, or a little less when no line reaches it.
        for width in [60, 72, 78, 80, 100] {
            let lines = dump(width);
            let found = wrap_width(&refs(&lines)).expect("wrapped");
            assert!((width - 3..=width).contains(&found), "width {width}: found {found}");
        }
    }

    #[test]
    fn each_paragraph_is_one_block_and_other_lines_their_own() {
        let lines = dump(72);
        let lines = refs(&lines);
        let blocks = blocks(&lines).expect("wrapped");
        let texts = blocks.texts(&lines);
        assert_eq!(&texts[..3], ["Home", "News", "Council keeps the library open"]);
        let collapsed: String = PROSE.split_whitespace().collect::<Vec<_>>().join(" ");
        assert_eq!(texts[3], collapsed);
        assert_eq!(texts[4], "");
        assert_eq!(&texts[texts.len() - 3..], ["Related", "- Pool closes for winter", "- Budget passes"]);
        assert_eq!(*blocks.starts.last().unwrap(), lines.len());
        assert!(blocks.starts.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn a_dump_of_blocks_is_not_wrapped() {
        let collapsed: String = PROSE.split_whitespace().collect::<Vec<_>>().join(" ");
        let mut lines: Vec<String> = (0..12).map(|i| format!("Menu entry number {i} of the site")).collect();
        lines.extend((0..6).map(|_| collapsed.clone()));
        assert_eq!(wrap_width(&refs(&lines)), None);
    }

    #[test]
    fn lines_of_one_length_that_start_with_capitals_are_not_wrapped() {
        // Headlines of about one length: many lines fill a width, but no break continues a sentence.
        let lines: Vec<String> =
            (0..20).map(|i| format!("Headline number {i:02} of the front page of today's paper")).collect();
        assert_eq!(wrap_width(&refs(&lines)), None);
    }

    #[test]
    fn text_without_spaces_is_not_wrapped() {
        let lines: Vec<String> = (0..20).map(|_| "文".repeat(50)).collect();
        assert_eq!(wrap_width(&refs(&lines)), None);
    }

    #[test]
    fn markdown_lines_with_links_may_run_past_the_width_and_are_never_joined() {
        let mut lines = dump(78);
        let link = "Filed under [Council](https://example.org/category/council/), [Budget](https://example.org/b/)";
        for _ in 0..4 {
            lines.insert(3, link.to_owned());
        }
        let lines = refs(&lines);
        let blocks = blocks(&lines).expect("wrapped, links aside");
        let texts = blocks.texts(&lines);
        assert_eq!(texts.iter().filter(|text| text.as_str() == link).count(), 4, "each link line a block of its own");
    }

    #[test]
    fn a_link_wrapped_inside_its_text_or_target_continues_on_the_next_line() {
        for line in
            ["see [the Jupyter", "see [Jupyter Notebook](https://example.org/unix-", "[![A logo](/logo.png)](/home-"]
        {
            assert!(ends_inside_link(line), "{line}");
        }
        for line in ["see [Jupyter](https://example.org/a_(b)).", "[1] a reference", "(an aside) and [x]", "plain"] {
            assert!(!ends_inside_link(line), "{line}");
        }
        let mut lines = dump(78);
        let link = [
            "[![](https://cdn.example.org/image/fetch/w_1456,c_limit/https%3A%2F%2Fbucket.example.org%2Fimages%2F",
            "post-",
            "media.example.org%2Fimages%2F24db49ca-c8ed_1024x1536.png)](https://example.org/image.png)",
        ];
        lines.splice(3..3, link.map(str::to_owned));
        let lines = refs(&lines);
        let blocks = blocks(&lines).expect("wrapped");
        assert_eq!(blocks.texts(&lines)[3], link.join(" "));
    }

    #[test]
    fn a_stray_bracket_carries_a_block_over_a_few_lines_only() {
        let mut lines = dump(78);
        let stray = ["see [note".to_owned(), "a".to_owned(), "b".to_owned(), "c".to_owned(), "d".to_owned()];
        let at = lines.len() - 3;
        lines.splice(at..at, stray.iter().cloned().chain((0..4).map(|i| format!("Line {i}"))));
        let lines = refs(&lines);
        let blocks = blocks(&lines).expect("wrapped");
        let first = blocks.starts.iter().position(|&start| start == at).expect("the stray line starts a block");
        assert_eq!(blocks.starts[first + 1] - at, 1 + MAX_OPEN_LINK_LINES);
    }

    proptest::proptest! {
        /// The quick look rules out only dumps that the search rules out.
        #[test]
        fn the_quick_look_agrees_with_the_search(
            lines in proptest::collection::vec(
                proptest::prop_oneof![
                    "[a-z ]{0,90}",
                    "[A-Z][a-z]{1,8}( [a-z]{1,8}){0,40}",
                    "- [a-z ]{1,30}",
                    "[a-z]{1,12}( [a-z]{1,10}){20,60}",
                ],
                0..60,
            ),
            width in 40usize..120,
        ) {
            let mut lines = lines;
            let prose = lines.iter().filter(|line| line.len() > 90).cloned().collect::<Vec<_>>();
            for text in prose.iter().take(2) {
                lines.extend(wrap(text, width));
            }
            let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
            if surely_not_wrapped(&refs) {
                proptest::prop_assert_eq!(search_width(&refs), None);
            }
        }
    }

    #[test]
    fn list_items_headings_and_references_open_blocks() {
        for line in
            ["- item", "* item", "• item", "1. item", "12) item", "## Heading", "> quote", "| a | b |", "[3]Home"]
        {
            assert!(opens_block(line), "{line}");
        }
        for line in ["-item", "word", "2024 was a year", "#hashtag", "[link]", "1.5 million people"] {
            assert!(!opens_block(line), "{line}");
        }
    }

    #[test]
    fn a_wrapped_list_item_continues_and_the_next_item_opens_a_block() {
        let mut lines = dump(60);
        let item = wrap(&format!("- {PROSE}"), 60);
        let continued = item.len();
        lines.extend(item);
        lines.push("- Another item".to_owned());
        let lines = refs(&lines);
        let blocks = blocks(&lines).expect("wrapped");
        let n = blocks.len();
        assert_eq!(blocks.starts[n] - blocks.starts[n - 1], 1, "the last item alone");
        assert_eq!(blocks.starts[n - 1] - blocks.starts[n - 2], continued, "the wrapped item one block");
    }
}
