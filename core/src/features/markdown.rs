//! Markdown's links in a text dump: html2text, markdownify and the scrapers that write Markdown keep a page's
//! links as `[text](target)` and its images as `![alt](source)`. Read from the dump, they give text mode what HTML
//! mode's link density gives it: a menu, a "Related" list or a share bar is mostly link text, prose is not.
//!
//! - `md_link_share`: the share of the line's visible non-space characters that are link text (the brackets,
//!   targets and images are not visible; 0 on a line without any);
//! - `md_links`: the line's links (images not counted, a linked image counted once);
//! - `md_syntax_share`: the share of the line's characters that are Markdown's link and image syntax (brackets,
//!   targets, images' alt text): how much of `chars` and the other length features a line owes to it;
//! - `md_block_link_share`: the share of the line's visible non-space characters that are the text of a link
//!   spanning several lines (0 on a line in none). A page's card of a headline and its teaser is often one link
//!   (`<a href><h3>…</h3><p>…</p></a>`), which the renderers write over several lines: `[### Headline`, the
//!   teaser, `…](target)`. The three features above read each line alone and see no link there;
//! - `md_block_link_lines`: how many lines that link spans (0 on a line in none).
//!
//! A link is `[`, its text (brackets in it balanced), `]` and at once `(`, its target (parentheses in it
//! balanced, a title in quotes allowed) and `)`. A bracket or parenthesis after a backslash is text. A target
//! longer than [`MAX_TARGET_CHARS`] ends no link. A link spans lines when a line's last `[` left open is closed
//! by the first `]` a later line has with no `[` of its own open, followed at once by a target, at most
//! [`MAX_BLOCK_LINK_LINES`] lines on (blank lines are not lines here: the dump's non-blank lines are read).

use super::batch::Batch;
use super::Columns;

/// The features' names, in their output order.
pub const NAMES: [&str; 3] = ["md_link_share", "md_links", "md_syntax_share"];
/// The names of the features of links written over several lines, in their output order (after [`NAMES`]).
pub const BLOCK_NAMES: [&str; 2] = ["md_block_link_share", "md_block_link_lines"];

/// The longest target (between its parentheses, in characters) a link may have: a longer one is taken for text,
/// so that an unclosed `(` costs one bounded look ahead.
pub const MAX_TARGET_CHARS: usize = 2048;

/// The most lines a link may span: a card's headline, teaser, date and image, with room to spare; a `[` left open
/// further up is taken for text, so that a stray bracket never makes a page's lines one link.
pub const MAX_BLOCK_LINK_LINES: usize = 8;

const OPEN_BRACKET: u32 = '[' as u32;
const CLOSE_BRACKET: u32 = ']' as u32;
const OPEN_PAREN: u32 = '(' as u32;
const CLOSE_PAREN: u32 = ')' as u32;
const BANG: u32 = '!' as u32;
const BACKSLASH: u32 = '\\' as u32;

/// One line's links: its characters' roles and the count.
#[derive(Default)]
struct LineLinks {
    /// Markdown syntax (brackets, targets, images).
    syntax: Vec<bool>,
    /// +1 where a link's text starts, -1 where it ends: the prefix sum is positive on link text.
    text_edges: Vec<i32>,
    /// The same for images' alt text (syntax): nested links and images cost no more than one pass.
    alt_edges: Vec<i32>,
    /// Where each open bracket not yet closed stands.
    open: Vec<usize>,
    links: usize,
    images: usize,
    /// The first `]` met with no `[` open in the line, and the `)` of the target right after it if there is one:
    /// where a link opened on an earlier line may close.
    stray_close: Option<(usize, Option<usize>)>,
}

impl LineLinks {
    /// Find the links and images of `line` (its code points).
    fn read(&mut self, line: &[u32]) {
        let len = line.len();
        self.syntax.clear();
        self.syntax.resize(len, false);
        self.text_edges.clear();
        self.text_edges.resize(len + 1, 0);
        self.alt_edges.clear();
        self.alt_edges.resize(len + 1, 0);
        self.open.clear();
        self.links = 0;
        self.images = 0;
        self.stray_close = None;
        let escaped = |k: usize| k > 0 && line[k - 1] == BACKSLASH;
        let mut k = 0;
        while k < len {
            match line[k] {
                OPEN_BRACKET if !escaped(k) => self.open.push(k),
                CLOSE_BRACKET if !escaped(k) => {
                    if let Some(start) = self.open.pop() {
                        if let Some(end) = target_end(line, k + 1) {
                            self.mark(line, start, k, end);
                            k = end + 1;
                            continue;
                        }
                    } else if self.stray_close.is_none() {
                        self.stray_close = Some((k, target_end(line, k + 1)));
                    }
                }
                _ => {}
            }
            k += 1;
        }
    }

    /// `[` at `start`, `]` at `close`, the target's `)` at `end`: a link, or an image when `!` comes first.
    fn mark(&mut self, line: &[u32], start: usize, close: usize, end: usize) {
        let image = start > 0 && line[start - 1] == BANG;
        let first = if image { start - 1 } else { start };
        self.syntax[first..=start].fill(true);
        self.syntax[close..=end].fill(true);
        if image {
            self.images += 1;
            self.alt_edges[start + 1] += 1;
            self.alt_edges[close] -= 1;
        } else {
            self.links += 1;
            self.text_edges[start + 1] += 1;
            self.text_edges[close] -= 1;
        }
    }
}

/// The index of the `)` that closes a target whose `(` is at `at`, if there is one within [`MAX_TARGET_CHARS`].
fn target_end(line: &[u32], at: usize) -> Option<usize> {
    if line.get(at) != Some(&OPEN_PAREN) {
        return None;
    }
    let mut depth = 1usize;
    let last = line.len().min(at + 1 + MAX_TARGET_CHARS + 1);
    for (k, &c) in line.iter().enumerate().take(last).skip(at + 1) {
        if line[k - 1] == BACKSLASH {
            continue;
        }
        if c == OPEN_PAREN {
            depth += 1;
        } else if c == CLOSE_PAREN {
            depth -= 1;
            if depth == 0 {
                return Some(k);
            }
        }
    }
    None
}

/// A `[` left open at the end of a line: the line, and the share of its visible characters after the bracket.
#[derive(Clone, Copy)]
struct OpenLink {
    line: usize,
    share: f64,
}

/// One line's characters as the features read them: Markdown syntax (brackets, targets, images) or not, and
/// visible (neither syntax nor space) or not.
#[derive(Default)]
struct Shown {
    syntax: Vec<bool>,
    visible: Vec<bool>,
}

impl Shown {
    fn read(&mut self, batch: &Batch, start: usize, found: &LineLinks) {
        self.syntax.clear();
        self.visible.clear();
        let mut alt = 0i32;
        for (k, &syntax) in found.syntax.iter().enumerate() {
            alt += found.alt_edges[k];
            let syntax = syntax || alt > 0;
            self.syntax.push(syntax);
            self.visible.push(!syntax && !batch.is_space(start + k));
        }
    }

    /// Visible characters in `range`.
    fn visible_in(&self, range: impl std::slice::SliceIndex<[bool], Output = [bool]>) -> usize {
        self.visible[range].iter().filter(|&&v| v).count()
    }
}

/// The Markdown link family of every line of a batch ([`NAMES`], then [`BLOCK_NAMES`] when `block_links`).
pub fn markdown_features(batch: &Batch, block_links: bool, out: &mut Columns) {
    let n = batch.n;
    let (mut share, mut links, mut syntax_share) = (vec![0.0; n], vec![0.0; n], vec![0.0; n]);
    let (mut block_share, mut block_lines) = (vec![0.0f64; n], vec![0.0f64; n]);
    // Whether a line holds any visible character (a line without brackets does: batch lines are not blank).
    let mut has_text = vec![true; n];
    let mut found = LineLinks::default();
    let mut shown = Shown::default();
    for page in batch.pages() {
        // The last `[` of the page's lines so far that no `]` closed, while a link may still close it.
        let mut open: Option<OpenLink> = None;
        for i in page {
            if open.is_some_and(|o| i - o.line >= MAX_BLOCK_LINK_LINES) {
                open = None;
            }
            let start = batch.char_start[i];
            let line = &batch.cps[start..start + batch.length[i]];
            if !line.contains(&CLOSE_BRACKET) && !line.contains(&OPEN_BRACKET) {
                continue;
            }
            found.read(line);
            shown.read(batch, start, &found);
            let visible = shown.visible_in(..);
            has_text[i] = visible > 0;
            if found.links + found.images > 0 {
                let mut depth = 0i32;
                let mut text = 0usize;
                for (k, &v) in shown.visible.iter().enumerate() {
                    depth += found.text_edges[k];
                    text += usize::from(v && depth > 0);
                }
                share[i] = if visible > 0 { text as f64 / visible as f64 } else { 0.0 };
                links[i] = found.links as f64;
                syntax_share[i] = shown.syntax.iter().filter(|&&s| s).count() as f64 / line.len() as f64;
            }
            if let Some((close, target)) = found.stray_close {
                if let (Some(o), Some(end)) = (open, target) {
                    block_share[o.line] = block_share[o.line].max(o.share);
                    for m in o.line + 1..i {
                        block_share[m] = f64::from(u8::from(has_text[m]));
                    }
                    let own = visible - shown.visible_in(close..=end);
                    let before = if own > 0 { shown.visible_in(..close) as f64 / own as f64 } else { 0.0 };
                    block_share[i] = block_share[i].max(before);
                    block_lines[o.line..=i].fill((i - o.line + 1) as f64);
                }
                open = None;
            }
            if let Some(&at) = found.open.last() {
                let own = visible.saturating_sub(1);
                let after = if own > 0 { shown.visible_in(at + 1..) as f64 / own as f64 } else { 0.0 };
                open = Some(OpenLink { line: i, share: after });
            }
        }
    }
    out.push(NAMES[0], share);
    out.push(NAMES[1], links);
    out.push(NAMES[2], syntax_share);
    if block_links {
        out.push(BLOCK_NAMES[0], block_share);
        out.push(BLOCK_NAMES[1], block_lines);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::tables::tests::ascii_tables;

    /// Each line's features, of pages of `sizes` lines.
    fn all_features(lines: &[&str], sizes: &[usize]) -> Vec<[f64; 5]> {
        let t = ascii_tables();
        let text: Vec<u32> = lines.join("\n").chars().map(u32::from).collect();
        let lengths: Vec<usize> = lines.iter().map(|l| l.chars().count()).collect();
        let b = Batch::new(&text, &lengths, sizes, &t).unwrap();
        let mut out = Columns::default();
        markdown_features(&b, true, &mut out);
        let names = NAMES.iter().chain(&BLOCK_NAMES);
        let cols: Vec<Vec<f64>> = names.map(|name| out.get(name).unwrap().to_vec()).collect();
        (0..lines.len()).map(|i| std::array::from_fn(|k| cols[k][i])).collect()
    }

    /// Each line's three features of one line alone, the lines one page.
    fn features(lines: &[&str]) -> Vec<[f64; 3]> {
        all_features(lines, &[lines.len()]).into_iter().map(|row| [row[0], row[1], row[2]]).collect()
    }

    /// Each line's block link share and lines, the lines of pages of `sizes` lines.
    fn block(lines: &[&str], sizes: &[usize]) -> Vec<(f64, f64)> {
        all_features(lines, sizes).into_iter().map(|row| (row[3], row[4])).collect()
    }

    #[test]
    fn a_card_written_over_lines_is_one_link() {
        let b = block(
            &[
                "Top stories",
                "[### Council approves the budget",
                "The vote came after a long night of debate.](https://example.com/a)",
                "[Bridge plan delayed](https://example.com/b)",
                "The mayor spoke on Monday.",
            ],
            &[5],
        );
        assert_eq!(b[0], (0.0, 0.0));
        assert_eq!(b[1], (1.0, 2.0)); // the bracket is syntax
        assert_eq!(b[2], (1.0, 2.0)); // the target is syntax
        assert_eq!(b[3], (0.0, 0.0)); // a link of its own line
        assert_eq!(b[4], (0.0, 0.0));
    }

    #[test]
    fn a_card_link_holds_its_middle_lines_and_text_after_it_is_not_link_text() {
        let b = block(&["[Title", "![Photo](/p.jpg)", "Teaser text", "Date](/x) More"], &[4]);
        assert_eq!(b[0], (1.0, 4.0));
        assert_eq!(b[1], (0.0, 4.0)); // nothing visible
        assert_eq!(b[2], (1.0, 4.0));
        assert_eq!(b[3], (4.0 / 8.0, 4.0)); // "Date" of "DateMore"
    }

    #[test]
    fn brackets_left_open_too_far_up_another_page_or_closed_without_a_target_make_no_link() {
        let mut far = vec!["[Open"];
        far.extend(["line"; MAX_BLOCK_LINK_LINES - 1]);
        far.push("end](/x)");
        assert!(block(&far, &[far.len()]).iter().all(|&row| row == (0.0, 0.0)));
        let mut near = far.clone();
        near.remove(1);
        assert_eq!(block(&near, &[near.len()])[0].1, MAX_BLOCK_LINK_LINES as f64);
        assert!(block(&["[Open", "end](/x)"], &[1, 1]).iter().all(|&row| row == (0.0, 0.0)));
        assert!(block(&["[Open", "a note] and", "end](/x)"], &[3]).iter().all(|&row| row == (0.0, 0.0)));
    }

    #[test]
    fn the_features_of_one_line_alone_ignore_the_link_around_it() {
        let lines = ["[### Headline", "Teaser [with a link](/l) inside.](/card)"];
        let f = features(&lines);
        assert_eq!(f[0], [0.0, 0.0, 0.0]);
        assert_eq!(f[1][1], 1.0);
    }

    #[test]
    fn a_menu_of_links_is_link_text_and_prose_is_not() {
        let f = features(&[
            "* [Home](/) [News](https://example.com/news \"All news\")",
            "The council met on Monday (after a delay) and voted [3] times.",
            "Read the [full report](/report) before the vote.",
            "",
        ]);
        assert_eq!(f[0][0], 8.0 / 9.0); // "Home", "News" against the bullet
        assert_eq!(f[0][1], 2.0);
        assert_eq!(f[1], [0.0, 0.0, 0.0]); // brackets and parentheses, no link
        assert_eq!(f[2][1], 1.0);
        assert_eq!(f[2][0], 10.0 / 31.0);
        assert_eq!(f[3], [0.0, 0.0, 0.0]);
    }

    #[test]
    fn images_are_syntax_and_a_linked_image_one_link() {
        let f = features(&["![A photo](/a.jpg)", "[![Logo](/logo.png)](/)", "![x](/x.png) Caption text"]);
        assert_eq!(f[0], [0.0, 0.0, 1.0]);
        assert_eq!(f[1], [0.0, 1.0, 1.0]);
        assert_eq!(f[2][0], 0.0);
        assert_eq!(f[2][2], 12.0 / 25.0);
    }

    #[test]
    fn escapes_nesting_and_unclosed_targets() {
        let f = features(&[
            r"\[not a link\](/x) and [a (b) link](/w/A_(b)) end",
            "[open](never closed",
            "[[inner](/i) outer](/o)",
        ]);
        assert_eq!(f[0][1], 1.0);
        assert_eq!(f[0][2], 12.0 / 49.0); // "[", "](/w/A_(b))"
        assert_eq!(f[1], [0.0, 0.0, 0.0]);
        assert_eq!(f[2][1], 2.0);
        assert_eq!(f[2][0], 1.0);
    }

    #[test]
    fn a_target_longer_than_the_limit_ends_no_link() {
        let long = format!("[x]({})", "a".repeat(MAX_TARGET_CHARS + 1));
        let fits = format!("[x]({})", "a".repeat(MAX_TARGET_CHARS));
        let f = features(&[&long, &fits]);
        assert_eq!(f[0][1], 0.0);
        assert_eq!(f[1][1], 1.0);
    }

    proptest::proptest! {
        #[test]
        fn shares_stay_within_bounds(lines in proptest::collection::vec("[\\[\\]()!\\\\a ]{0,30}", 1..6)) {
            let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
            for row in all_features(&refs, &[refs.len()]) {
                proptest::prop_assert!((0.0..=1.0).contains(&row[0]) && (0.0..=1.0).contains(&row[2]));
                proptest::prop_assert!(row[1] >= 0.0);
                proptest::prop_assert!((0.0..=1.0).contains(&row[3]));
                proptest::prop_assert!((0.0..=MAX_BLOCK_LINK_LINES as f64).contains(&row[4]));
                proptest::prop_assert!(row[3] == 0.0 || row[4] >= 2.0); // link text only in a link of lines
            }
        }
    }
}
