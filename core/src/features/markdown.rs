//! Markdown's links in a text dump: html2text, markdownify and the scrapers that write Markdown keep a page's
//! links as `[text](target)` and its images as `![alt](source)`. Read from the dump, they give text mode what HTML
//! mode's link density gives it: a menu, a "Related" list or a share bar is mostly link text, prose is not.
//!
//! - `md_link_share`: the share of the line's visible non-space characters that are link text (the brackets,
//!   targets and images are not visible; 0 on a line without any);
//! - `md_links`: the line's links (images not counted, a linked image counted once);
//! - `md_syntax_share`: the share of the line's characters that are Markdown's link and image syntax (brackets,
//!   targets, images' alt text): how much of `chars` and the other length features a line owes to it.
//!
//! A link is `[`, its text (brackets in it balanced), `]` and at once `(`, its target (parentheses in it
//! balanced, a title in quotes allowed) and `)`. A bracket or parenthesis after a backslash is text. A target
//! longer than [`MAX_TARGET_CHARS`] ends no link.

use super::batch::Batch;
use super::Columns;

/// The features' names, in their output order.
pub const NAMES: [&str; 3] = ["md_link_share", "md_links", "md_syntax_share"];

/// The longest target (between its parentheses, in characters) a link may have: a longer one is taken for text,
/// so that an unclosed `(` costs one bounded look ahead.
pub const MAX_TARGET_CHARS: usize = 2048;

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

/// The Markdown link family of every line of a batch ([`NAMES`]).
pub fn markdown_features(batch: &Batch, out: &mut Columns) {
    let n = batch.n;
    let (mut share, mut links, mut syntax_share) = (vec![0.0; n], vec![0.0; n], vec![0.0; n]);
    let mut found = LineLinks::default();
    for i in 0..n {
        let start = batch.char_start[i];
        let line = &batch.cps[start..start + batch.length[i]];
        if !line.contains(&CLOSE_BRACKET) {
            continue;
        }
        found.read(line);
        if found.links + found.images == 0 {
            continue;
        }
        let (mut depth, mut alt, mut text, mut visible, mut syntax) = (0i32, 0i32, 0usize, 0usize, 0usize);
        for k in 0..line.len() {
            depth += found.text_edges[k];
            alt += found.alt_edges[k];
            if found.syntax[k] || alt > 0 {
                syntax += 1;
            } else if !batch.is_space(start + k) {
                visible += 1;
                text += usize::from(depth > 0);
            }
        }
        share[i] = if visible > 0 { text as f64 / visible as f64 } else { 0.0 };
        links[i] = found.links as f64;
        syntax_share[i] = syntax as f64 / line.len() as f64;
    }
    out.push(NAMES[0], share);
    out.push(NAMES[1], links);
    out.push(NAMES[2], syntax_share);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::tables::tests::ascii_tables;

    /// Each line's three features.
    fn features(lines: &[&str]) -> Vec<[f64; 3]> {
        let t = ascii_tables();
        let text: Vec<u32> = lines.join("\n").chars().map(u32::from).collect();
        let lengths: Vec<usize> = lines.iter().map(|l| l.chars().count()).collect();
        let b = Batch::new(&text, &lengths, &[lines.len()], &t).unwrap();
        let mut out = Columns::default();
        markdown_features(&b, &mut out);
        let col = |k: usize| out.get(NAMES[k]).unwrap().to_vec();
        let (a, l, s) = (col(0), col(1), col(2));
        (0..lines.len()).map(|i| [a[i], l[i], s[i]]).collect()
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
            for row in features(&refs) {
                proptest::prop_assert!((0.0..=1.0).contains(&row[0]) && (0.0..=1.0).contains(&row[2]));
                proptest::prop_assert!(row[1] >= 0.0);
            }
        }
    }
}
