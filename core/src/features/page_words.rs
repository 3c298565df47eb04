//! The page's own frequent words: the word tokens that many of the page's long lines hold. In prose of any
//! language those are its function words (and the words of its topic), so the share of a line's tokens among them
//! tells prose from chrome where no stopword list knows the page's language ([`super::words::Stopwords`] needs
//! one).
//!
//! - `page_word_density`: the share of the line's word tokens that are frequent words of its page; missing on a
//!   line without tokens and on a page with fewer than [`MIN_VOTERS`] long lines (nothing to learn the words
//!   from).
//!
//! A long line holds at least [`MIN_LINE_TOKENS`] tokens; a word is frequent when at least [`MIN_LINE_SHARE`] of
//! the page's long lines (and at least [`MIN_VOTERS`]) hold it. A line counts a word once however often it holds
//! it, so one long list of the same word does not make it frequent.

use std::collections::HashMap;

use super::batch::Batch;
use super::words::Tokens;
use super::FastHash;

/// The family's names, in their output order.
pub const NAMES: [&str; 1] = ["page_word_density"];
/// Lines with at least this many word tokens say which words are frequent on their page.
pub const MIN_LINE_TOKENS: usize = 8;
/// A frequent word is held by at least this share of the page's long lines ...
pub const MIN_LINE_SHARE: f64 = 0.3;
/// ... and by at least this many of them; a page with fewer long lines has no frequent words.
pub const MIN_VOTERS: usize = 3;

/// `page_word_density` of every line of the batch.
pub fn page_word_density(batch: &Batch, tokens: &Tokens) -> Vec<f64> {
    let mut out = vec![f64::NAN; batch.n];
    // Tokens come line after line: line `i`'s are `first[i]..first[i + 1]`.
    let mut first = Vec::with_capacity(batch.n + 1);
    first.push(0);
    for &count in &tokens.per_line {
        first.push(first.last().copied().unwrap_or(0) + count);
    }
    // Each word's long lines, and the last long line that counted it.
    let mut held: HashMap<&str, (usize, usize), FastHash> = HashMap::default();
    let mut voters = Vec::new();
    for (&start, &size) in batch.page_start.iter().zip(&batch.page_size) {
        let lines = start..start + size;
        voters.clear();
        voters.extend(lines.clone().filter(|&i| tokens.per_line[i] >= MIN_LINE_TOKENS));
        if voters.len() < MIN_VOTERS {
            continue;
        }
        held.clear();
        for &line in &voters {
            for t in first[line]..first[line + 1] {
                let entry = held.entry(tokens.get(t)).or_insert((0, usize::MAX));
                if entry.1 != line {
                    *entry = (entry.0 + 1, line);
                }
            }
        }
        let need = MIN_VOTERS.max((MIN_LINE_SHARE * voters.len() as f64).ceil() as usize);
        for line in lines {
            let total = tokens.per_line[line];
            if total == 0 {
                continue;
            }
            let frequent = (first[line]..first[line + 1])
                .filter(|&t| held.get(tokens.get(t)).is_some_and(|&(held_by, _)| held_by >= need))
                .count();
            out[line] = frequent as f64 / total as f64;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::tables::tests::ascii_tables;
    use crate::features::words::word_tokens;

    fn density(pages: &[&[&str]]) -> Vec<f64> {
        let t = ascii_tables();
        let lines: Vec<&str> = pages.iter().flat_map(|p| p.iter().copied()).collect();
        let text: Vec<u32> = lines.join("\n").chars().map(u32::from).collect();
        let lengths: Vec<usize> = lines.iter().map(|l| l.chars().count()).collect();
        let sizes: Vec<usize> = pages.iter().map(|p| p.len()).collect();
        let batch = Batch::new(&text, &lengths, &sizes, &t).unwrap();
        page_word_density(&batch, &word_tokens(&batch, &t))
    }

    /// Three paragraphs of a language no stopword list here knows (Turkish), a menu and a heading.
    const PAGE: [&str; 6] = [
        "Ana sayfa Haberler Spor",
        "Belediye meclisi bu hafta yeni bir karar aldı ve bu karar şehirde çok tartışıldı",
        "Meclis üyeleri bu konuda bir açıklama yaptı ve yeni bir toplantı için tarih verdi",
        "Vatandaşlar bu karar için bir imza kampanyası başlattı ve meclise bir dilekçe verdi",
        "İlgili haberler",
        "",
    ];

    #[test]
    fn the_words_the_long_lines_share_mark_prose_and_not_the_menu() {
        let d = density(&[&PAGE]);
        // "bu", "bir" and "ve" are in all three paragraphs; the menu and the heading hold none of them.
        assert_eq!(d[0], 0.0);
        assert_eq!(d[4], 0.0);
        assert!(d[1..4].iter().all(|&v| v > 0.2), "{d:?}");
        assert!(d[5].is_nan()); // no tokens
    }

    #[test]
    fn a_page_with_too_few_long_lines_has_no_frequent_words_and_pages_do_not_mix() {
        let short: [&str; 3] = [PAGE[1], PAGE[2], "bu bir ve"];
        let d = density(&[&short, &PAGE]);
        assert!(d[..3].iter().all(|v| v.is_nan()), "{d:?}");
        let alone: Vec<u64> = density(&[&PAGE]).iter().map(|v| v.to_bits()).collect();
        assert_eq!(d[3..].iter().map(|v| v.to_bits()).collect::<Vec<_>>(), alone);
    }

    #[test]
    fn a_line_counts_a_word_once() {
        // "spam" fills one long line eight times over; held by one line of three, it is not frequent.
        let page = ["spam spam spam spam spam spam spam spam", PAGE[1], PAGE[2], "spam"];
        let d = density(&[&page]);
        assert_eq!(d[3], 0.0);
    }
}
