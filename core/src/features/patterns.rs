//! The pattern family: per-line counts of dates, times, counters,
//! units, separators, list markers and URLs.
//!
//! The regexes are Python's, translated by `chromecut.features.native.rust_regex` for an ASCII stand-in text
//! ([`ScanText`]): ASCII stays itself, each non-ASCII character a pattern names has a code of its own, any other
//! character becomes a byte of its Python class (word, digit, space, none). On it the `regex` crate's ASCII
//! `\w`, `\d`, `\s` and `\b` are Python's Unicode ones, and its DFAs run (a Unicode `\b` would send every
//! non-ASCII line to its slow engines). The separators and list markers are found on the code points.

use regex::bytes::{Regex, RegexBuilder};

use super::batch::Batch;
use super::tables::{Tables, DIGIT, SPACE};

/// Some lines of a batch joined by `\n` as the regexes see them, where each line starts (in bytes), and each
/// page's part of the text: a match never runs from one page into the next, so a page scores as it does alone.
pub struct ScanText {
    text: Vec<u8>,
    rows: Vec<usize>,
    offsets: Vec<usize>,
    /// `[start, end)` in bytes of each page's rows (the `\n` between two pages in neither).
    segments: Vec<(usize, usize)>,
}

impl ScanText {
    /// Every line of the batch.
    pub fn all(batch: &Batch, tables: &Tables) -> Self {
        Self::written(batch, (0..batch.n).collect(), |row, text| {
            let start = batch.char_start[row];
            tables.extend_regex(&batch.cps[start..start + batch.length[row]], text);
        })
    }

    /// The scan text of some of the rows of `self`, which holds every line of `batch` ([`Self::all`]): each row's
    /// stand-in copied, not written again.
    pub fn subset(&self, batch: &Batch, rows: Vec<usize>) -> Self {
        debug_assert_eq!(self.rows.len(), batch.n, "subset of a scan text of every line");
        Self::written(batch, rows, |row, text| {
            let end = self.offsets.get(row + 1).map_or(self.text.len(), |&next| next - 1);
            text.extend_from_slice(&self.text[self.offsets[row]..end]);
        })
    }

    /// The rows' stand-ins, each written by `write`, joined by `\n`, and each page's part.
    fn written(batch: &Batch, rows: Vec<usize>, mut write: impl FnMut(usize, &mut Vec<u8>)) -> Self {
        let mut text = Vec::with_capacity(rows.iter().map(|&r| batch.length[r] + 1).sum());
        let mut offsets = Vec::with_capacity(rows.len());
        let mut segments = Vec::new();
        let mut segment_start = 0;
        for (k, &row) in rows.iter().enumerate() {
            if k > 0 {
                if batch.page[row] != batch.page[rows[k - 1]] {
                    segments.push((segment_start, text.len()));
                    segment_start = text.len() + 1; // after the `\n` between the pages
                }
                text.push(b'\n');
            }
            offsets.push(text.len());
            write(row, &mut text);
        }
        if !rows.is_empty() {
            segments.push((segment_start, text.len()));
        }
        ScanText { text, rows, offsets, segments }
    }

    /// The line of every match of `regex` (leftmost first, not overlapping, as `re.finditer`).
    pub fn match_lines(&self, regex: &Regex) -> Vec<usize> {
        let mut lines = Vec::new();
        for &(start, end) in &self.segments {
            for m in regex.find_iter(&self.text[start..end]) {
                let at = start + m.start();
                lines.push(self.rows[self.offsets.partition_point(|&o| o <= at).saturating_sub(1)]);
            }
        }
        lines
    }
}

/// A translated regex, for the stand-in text (bytes, ASCII classes).
pub fn compile(source: &str) -> Result<Regex, regex::Error> {
    RegexBuilder::new(source).unicode(false).build()
}

/// The pattern family's patterns, in the order of `keywords.PATTERNS`.
pub struct Patterns {
    order: Vec<String>,
    regexes: Vec<(String, Regex, bool)>,
    /// Whether a code point is a separator, up to the largest one (one look-up per code point of the batch).
    separators: Vec<bool>,
    bullets: Vec<u32>,
    indent: Vec<u32>,
    number_end: Vec<u32>,
}

/// Characters of a separator match (whitespace, the separator, whitespace), and the longest list number.
const SEPARATOR_MATCH_CHARS: usize = 3;
const LIST_NUMBER_MAX_DIGITS: usize = 3;

fn codes(chars: &str) -> Vec<u32> {
    chars.chars().map(u32::from).collect()
}

impl Patterns {
    /// `regexes`: (name, Rust source, scanned only on lines with a digit); `separator` and `list_marker` need no
    /// regex.
    pub fn new(
        order: Vec<String>,
        regexes: Vec<(String, String, bool)>,
        separators: &str,
        bullets: &str,
        indent: &str,
        number_end: &str,
    ) -> Result<Self, String> {
        let mut compiled = Vec::new();
        for (name, source, digit_only) in regexes {
            let regex = compile(&source).map_err(|e| format!("pattern {name}: {e}"))?;
            compiled.push((name, regex, digit_only));
        }
        for name in &order {
            if name != "separator" && name != "list_marker" && !compiled.iter().any(|(n, _, _)| n == name) {
                return Err(format!("no regex for the pattern {name}"));
            }
        }
        Ok(Patterns {
            order,
            regexes: compiled,
            separators: {
                let codes = codes(separators);
                let mut table = vec![false; codes.iter().max().map_or(0, |&m| m as usize + 1)];
                for c in codes {
                    table[c as usize] = true;
                }
                table
            },
            bullets: codes(bullets),
            indent: codes(indent),
            number_end: codes(number_end),
        })
    }

    /// `pat_<name>` counts, in order.
    pub fn counts(&self, batch: &Batch, everything: &ScanText, digits: &[f64]) -> Vec<(String, Vec<f64>)> {
        let digit_rows: Vec<usize> = (0..batch.n).filter(|&i| digits[i] > 0.0).collect();
        let needs_digit_scan = self.regexes.iter().any(|(_, _, d)| *d);
        let digit_lines = if needs_digit_scan { Some(everything.subset(batch, digit_rows)) } else { None };
        self.order
            .iter()
            .map(|name| {
                let lines = match name.as_str() {
                    "separator" => self.separator_lines(batch),
                    "list_marker" => self.list_marker_lines(batch),
                    _ => {
                        let (_, regex, digit_only) =
                            self.regexes.iter().find(|(n, _, _)| n == name).expect("checked in new");
                        match (&digit_lines, digit_only) {
                            (Some(scan), true) => scan.match_lines(regex),
                            _ => everything.match_lines(regex),
                        }
                    }
                };
                let mut counts = vec![0.0; batch.n];
                for line in lines {
                    counts[line] += 1.0;
                }
                (format!("pat_{name}"), counts)
            })
            .collect()
    }

    /// `separator_lines`: a separator with whitespace on both sides, leftmost first and not overlapping; the
    /// match starts at the whitespace before (a separator opening a line counts on the line before). Each page's
    /// text is searched alone.
    fn separator_lines(&self, batch: &Batch) -> Vec<usize> {
        let mut lines = Vec::new();
        for page in batch.page_chars() {
            let mut last: Option<usize> = None;
            for m in page.start + 1..page.end.saturating_sub(1) {
                let separator = self.separators.get(batch.cps[m] as usize).copied().unwrap_or(false);
                if !separator || !batch.is_space(m - 1) || !batch.is_space(m + 1) {
                    continue;
                }
                if last.is_none_or(|kept| m >= kept + SEPARATOR_MATCH_CHARS) {
                    lines.push(batch.line_of(m - 1));
                    last = Some(m);
                }
            }
        }
        lines
    }

    /// `list_marker_lines`: after the line's indent, a bullet and whitespace, or one to three digits, a dot or
    /// bracket and whitespace (the separator after the line counts as whitespace; nothing comes after a page's
    /// text, as when it is alone).
    fn list_marker_lines(&self, batch: &Batch) -> Vec<usize> {
        let cps = batch.cps;
        let page_end: Vec<usize> = batch.page_chars().map(|chars| chars.end).collect();
        let mut lines = Vec::new();
        for line in 0..batch.n {
            if batch.length[line] == 0 {
                continue;
            }
            let size = page_end[batch.page[line]];
            let at = |p: usize| if p < size { (cps[p], batch.flags[p]) } else { (0, 0) };
            let mut first = batch.char_start[line];
            while first < size && self.indent.contains(&cps[first]) {
                first += 1;
            }
            let (c0, _) = at(first);
            let mut matched = self.bullets.contains(&c0) && at(first + 1).1 & SPACE != 0;
            let run = (0..=LIST_NUMBER_MAX_DIGITS).take_while(|&k| at(first + k).1 & DIGIT != 0).count();
            if (1..=LIST_NUMBER_MAX_DIGITS).contains(&run) {
                matched |= self.number_end.contains(&at(first + run).0) && at(first + run + 1).1 & SPACE != 0;
            }
            if matched {
                lines.push(line);
            }
        }
        lines
    }
}
