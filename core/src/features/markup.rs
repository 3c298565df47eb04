//! HTML mode's markup families: links, tag, heading, list item,
//! depth, landmarks, class/id word families and the page's `<title>`, read from the markup columns of the line
//! frame ([`MarkupInput`]).
//!
//! The vocabularies come from the Python side ([`MarkupSpec`]): the tag vocabulary, the landmark flags, the
//! class/id word patterns (translated for a stand-in text of their own, `chromecut.features.native.attr_plan`,
//! and matched whole on each distinct word) and the title's word class.

use std::collections::{HashMap, HashSet};

use regex::bytes::{RegexSet, RegexSetBuilder};

use super::batch::{safe_ratio, Batch, InputError};
use super::patterns::compile;
use super::tables::{CodeSet, RegexText, StandIn, Tables, SPACE};
use super::words::Tokens;
use super::{Columns, FastHash};

/// The markup columns of a batch's lines (`chromecut.features.frame.MARKUP_COLUMNS`, and the title), one
/// entry per line; strings as codes into lists of the distinct ones.
pub struct MarkupInput<'a> {
    /// Each line's tag, as an index into `tags` (-1: none).
    pub tag: &'a [i64],
    pub tags: &'a [String],
    /// The numeric columns as floats (`numeric_column`: NaN for what is not a number).
    pub heading: &'a [f64],
    pub list_item: &'a [f64],
    pub depth: &'a [f64],
    /// `pd.factorize(depth)`: lines with the same depth value share a code.
    pub depth_code: &'a [i64],
    pub link_chars: &'a [f64],
    pub link_count: &'a [f64],
    pub landmarks: &'a [f64],
    /// Each line's class/id words (space-separated, nearest ancestor first), as an index into `attr_lists`.
    pub attr: &'a [i64],
    pub attr_lists: &'a [Vec<u32>],
    /// Each line's page title, as an index into `titles`; `None`: the frame has no title column.
    pub title: Option<&'a [i64]>,
    pub titles: &'a [Vec<u32>],
    /// Each line's page summary (`og:description`, else `description`), as an index into `summaries`; `None`:
    /// the frame has no summary column.
    pub summary: Option<&'a [i64]>,
    pub summaries: &'a [Vec<u32>],
}

impl MarkupInput<'_> {
    /// Refuse columns of the wrong length or codes out of their lists.
    pub fn check(&self, n: usize) -> Result<(), InputError> {
        let floats = [self.heading, self.list_item, self.depth, self.link_chars, self.link_count, self.landmarks];
        let codes = [self.tag, self.depth_code, self.attr];
        if floats.iter().any(|c| c.len() != n)
            || codes.iter().any(|c| c.len() != n)
            || self.title.is_some_and(|t| t.len() != n)
            || self.summary.is_some_and(|t| t.len() != n)
        {
            return Err(InputError("every markup column needs one value per line".into()));
        }
        let within = |codes: &[i64], size: usize, none: bool| {
            codes.iter().all(|&c| (none && c == -1) || (c >= 0 && (c as usize) < size))
        };
        if !within(self.tag, self.tags.len(), true)
            || !within(self.attr, self.attr_lists.len(), false)
            || !self.title.is_none_or(|t| within(t, self.titles.len(), false))
            || !self.summary.is_none_or(|t| within(t, self.summaries.len(), false))
        {
            return Err(InputError("a markup code is out of its list".into()));
        }
        Ok(())
    }

    /// The numeric column as `_column` reads it in the kinds: NaN 0, then a whole number.
    pub fn whole(values: &[f64]) -> Vec<i64> {
        values.iter().map(|&v| if v.is_nan() { 0 } else { v as i64 }).collect()
    }

    /// Each line's tag as text (`astype(str)` of a missing one is no tag name either).
    pub fn tag_name(&self, line: usize) -> &str {
        usize::try_from(self.tag[line]).map_or("", |t| self.tags[t].as_str())
    }
}

/// What the Python side gives for the markup families (see `chromecut.features.native._html_spec`).
pub struct MarkupSpec {
    pub tag_vocabulary: Vec<String>,
    /// (feature name, landmark flag) of every landmark but none.
    pub landmark_features: Vec<(String, i64)>,
    pub attr_regex_text: RegexText,
    /// (family, translated whole-word regex) of `keywords.ATTR_FAMILIES`.
    pub attr_families: Vec<(String, String)>,
    pub title_word_spans: Vec<u32>,
    /// The summary family ([`SUMMARY_FEATURES`]): off in bundles that predate it.
    pub summary_features: bool,
}

/// Whole-word patterns over class/id words, each word's memberships one bit per pattern.
pub struct WordPatterns {
    stand_in: StandIn,
    /// The patterns as one set: a word is read once for all of them.
    set: RegexSet,
}

/// At most this many patterns in one [`WordPatterns`] (one bit each).
const MAX_WORD_PATTERNS: usize = 64;

impl WordPatterns {
    pub fn new(tables: &Tables, text: RegexText, sources: &[&str], what: &str) -> Result<Self, String> {
        if sources.len() > MAX_WORD_PATTERNS {
            return Err(format!("{what}: at most {MAX_WORD_PATTERNS} patterns"));
        }
        // Each pattern alone first, so that an error names the one at fault.
        for source in sources {
            compile(source).map_err(|e| format!("{what}: {e}"))?;
        }
        let set = RegexSetBuilder::new(sources).unicode(false).build().map_err(|e| format!("{what}: {e}"))?;
        Ok(WordPatterns { stand_in: tables.stand_in(text).map_err(|e| e.to_string())?, set })
    }

    /// The patterns `word` matches, as bits.
    pub fn memberships(&self, word: &[u32], scratch: &mut Vec<u8>) -> u64 {
        self.stand_in.write(word, scratch);
        self.set.matches(scratch).iter().fold(0, |bits, k| bits | (1 << k))
    }
}

/// The class/id word lists of a batch split into words (Python's `str.split()`), each distinct word once.
pub struct AttrWords {
    /// Per distinct word list, its words as indices into `words`, in order.
    pub lists: Vec<Vec<usize>>,
    pub words: Vec<Vec<u32>>,
}

impl AttrWords {
    pub fn new(lists: &[Vec<u32>], tables: &Tables) -> Self {
        let mut index: HashMap<&[u32], usize, FastHash> = HashMap::default();
        let mut words = Vec::new();
        let split = lists
            .iter()
            .map(|list| {
                list.split(|&cp| tables.flags(cp) & SPACE != 0)
                    .filter(|w| !w.is_empty())
                    .map(|w| {
                        *index.entry(w).or_insert_with(|| {
                            words.push(w.to_vec());
                            words.len() - 1
                        })
                    })
                    .collect()
            })
            .collect();
        AttrWords { lists: split, words }
    }

    /// Each distinct word's memberships of `patterns`.
    pub fn memberships(&self, patterns: &WordPatterns) -> Vec<u64> {
        let mut scratch = Vec::new();
        self.words.iter().map(|w| patterns.memberships(w, &mut scratch)).collect()
    }
}

/// The markup families, built once per featurizer.
pub struct Markup {
    tag_codes: HashMap<String, f64>,
    landmarks: Vec<(String, i64)>,
    families: Vec<String>,
    family_patterns: WordPatterns,
    title_word: CodeSet,
    summary_features: bool,
}

/// The columns of the summary family: the share of the line's tokens that are words of the page's summary
/// (runs of the title word class, lower-cased), the share of the summary's words the line holds, and the line's
/// signed distance (in page lines, over the page's lines) from the summary's anchor, the first line of at least
/// [`SUMMARY_ANCHOR_MIN_TOKENS`] tokens that holds most of the summary's words (where the main text often starts:
/// a lede repeats the summary).
pub const SUMMARY_FEATURES: [&str; 3] = ["line_in_summary", "summary_in_line", "summary_anchor"];
/// A summary of fewer words says too little of the page (a site slogan): its page's columns are missing.
pub const SUMMARY_MIN_WORDS: usize = 5;
/// A line of fewer tokens is no anchor (a headline shares words with the summary but does not start the text).
pub const SUMMARY_ANCHOR_MIN_TOKENS: usize = 5;

/// `np.minimum`: NaN wins.
pub fn np_min(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else {
        a.min(b)
    }
}

impl Markup {
    pub fn new(spec: MarkupSpec, tables: &Tables) -> Result<Self, String> {
        let sources: Vec<&str> = spec.attr_families.iter().map(|(_, s)| s.as_str()).collect();
        Ok(Markup {
            tag_codes: spec.tag_vocabulary.into_iter().enumerate().map(|(i, t)| (t, i as f64)).collect(),
            landmarks: spec.landmark_features,
            family_patterns: WordPatterns::new(tables, spec.attr_regex_text, &sources, "attr_families")?,
            families: spec.attr_families.into_iter().map(|(name, _)| name).collect(),
            title_word: CodeSet::from_spans(&spec.title_word_spans, "title_word_spans").map_err(|e| e.to_string())?,
            summary_features: spec.summary_features,
        })
    }

    /// Every column the markup families produce, in order.
    pub fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = ["link_density", "link_count", "links_per_word", "tag", "heading", "list_item"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        names.extend(["depth", "depth_rel"].map(String::from));
        names.extend(self.landmarks.iter().map(|(name, _)| name.clone()));
        names.extend(self.families.iter().map(|f| format!("attr_{f}")));
        names.extend(["line_in_title", "title_in_line"].map(String::from));
        if self.summary_features {
            names.extend(SUMMARY_FEATURES.map(String::from));
        }
        names
    }

    /// `link_features`, `markup_features` and `title_features`; `text` holds the text families (`words`).
    pub fn features(
        &self,
        batch: &Batch,
        tables: &Tables,
        markup: &MarkupInput,
        attr: &AttrWords,
        tokens: &Tokens,
        text: &Columns,
    ) -> Columns {
        let words = text.get("words").expect("the length family");
        let mut out = Columns::default();
        let out = &mut out;
        let n = batch.n;
        let spaces = batch.count(SPACE);
        let nonspace: Vec<f64> = (0..n).map(|i| batch.length[i] as f64 - spaces[i]).collect();
        let density = (0..n).map(|i| np_min(safe_ratio(markup.link_chars[i], nonspace[i]), 1.0)).collect();
        out.push("link_density", density);
        out.push("link_count", markup.link_count.to_vec());
        out.push("links_per_word", (0..n).map(|i| safe_ratio(markup.link_count[i], words[i])).collect());

        let tag = (0..n).map(|i| self.tag_codes.get(markup.tag_name(i)).copied().unwrap_or(f64::NAN)).collect();
        out.push("tag", tag);
        out.push("heading", markup.heading.to_vec());
        out.push("list_item", markup.list_item.to_vec());
        out.push("depth", markup.depth.to_vec());
        let depth_filled: Vec<f64> = markup.depth.iter().map(|&d| if d.is_nan() { 0.0 } else { d }).collect();
        let median = batch.page_median(&depth_filled);
        out.push("depth_rel", (0..n).map(|i| markup.depth[i] - median[i]).collect());
        let landmarks = MarkupInput::whole(markup.landmarks);
        for (name, flag) in &self.landmarks {
            out.push(name, landmarks.iter().map(|&l| f64::from(u8::from(l & flag > 0))).collect());
        }
        // Each distinct word list's count per family, then per line.
        let member = attr.memberships(&self.family_patterns);
        let per_list: Vec<Vec<f64>> = attr
            .lists
            .iter()
            .map(|list| {
                (0..self.families.len())
                    .map(|k| list.iter().filter(|&&w| member[w] >> k & 1 == 1).count() as f64)
                    .collect()
            })
            .collect();
        for (k, family) in self.families.iter().enumerate() {
            out.push_owned(format!("attr_{family}"), markup.attr.iter().map(|&a| per_list[a as usize][k]).collect());
        }
        self.title_features(batch, tables, markup, tokens, out);
        if self.summary_features {
            self.summary_features(batch, tables, markup, tokens, out);
        }
        std::mem::take(out)
    }

    /// The words of each page's string (`codes` indexes `strings` per line; read at each page's first line):
    /// runs of the title word class, lower-cased.
    fn page_words(
        &self,
        batch: &Batch,
        tables: &Tables,
        codes: &[i64],
        strings: &[Vec<u32>],
    ) -> Vec<HashSet<String, FastHash>> {
        let mut lowered = Vec::new();
        batch
            .page_start
            .iter()
            .map(|&start| {
                let text = &strings[codes[start] as usize];
                lowered.clear();
                tables.push_lower(text, 0, text.len(), (0, text.len()), &mut lowered);
                title_words(&lowered, &self.title_word)
            })
            .collect()
    }

    /// The summary family ([`SUMMARY_FEATURES`]) from the page's `og:description` or `description`.
    fn summary_features(
        &self,
        batch: &Batch,
        tables: &Tables,
        markup: &MarkupInput,
        tokens: &Tokens,
        out: &mut Columns,
    ) {
        let n = batch.n;
        let mut columns = SUMMARY_FEATURES.map(|_| vec![f64::NAN; n]);
        if let Some(summary) = markup.summary.filter(|_| n > 0) {
            let sets = self.page_words(batch, tables, summary, markup.summaries);
            // Each line's summary words: every one, and the distinct ones (tokens come in line order).
            let mut hits = vec![0.0; n];
            let mut distinct = vec![0.0; n];
            let mut seen: HashSet<&str, FastHash> = HashSet::default();
            let mut current = usize::MAX;
            for k in 0..tokens.len() {
                let line = tokens.line[k];
                if line != current {
                    seen.clear();
                    current = line;
                }
                let word = tokens.get(k);
                if sets[batch.page[line]].contains(word) {
                    hits[line] += 1.0;
                    if seen.insert(word) {
                        distinct[line] += 1.0;
                    }
                }
            }
            for (p, &start) in batch.page_start.iter().enumerate() {
                let size = sets[p].len();
                if size < SUMMARY_MIN_WORDS {
                    continue;
                }
                let end = batch.page_start.get(p + 1).copied().unwrap_or(n);
                // The first line that holds the most distinct summary words, among lines long enough.
                let anchor = (start..end)
                    .filter(|&i| tokens.per_line[i] >= SUMMARY_ANCHOR_MIN_TOKENS && distinct[i] > 0.0)
                    .fold(None, |best: Option<usize>, i| match best {
                        Some(b) if distinct[b] >= distinct[i] => Some(b),
                        _ => Some(i),
                    });
                let lines = (end - start) as f64;
                for i in start..end {
                    columns[0][i] = safe_ratio(hits[i], tokens.per_line[i] as f64);
                    columns[1][i] = distinct[i] / size as f64;
                    if let Some(a) = anchor {
                        columns[2][i] = (i as f64 - a as f64) / lines;
                    }
                }
            }
        }
        for (name, column) in SUMMARY_FEATURES.iter().zip(columns) {
            out.push(name, column);
        }
    }

    /// How much of the line is in the page's title (its words: runs of the title word class, lower-cased), and
    /// how much of the title the line holds.
    fn title_features(&self, batch: &Batch, tables: &Tables, markup: &MarkupInput, tokens: &Tokens, out: &mut Columns) {
        let n = batch.n;
        let Some(title) = markup.title.filter(|_| n > 0) else {
            out.push("line_in_title", vec![f64::NAN; n]);
            out.push("title_in_line", vec![f64::NAN; n]);
            return;
        };
        let sets = self.page_words(batch, tables, title, markup.titles);
        let mut hits = vec![0.0; n];
        for k in 0..tokens.len() {
            let line = tokens.line[k];
            if sets[batch.page[line]].contains(tokens.get(k)) {
                hits[line] += 1.0;
            }
        }
        out.push("line_in_title", (0..n).map(|i| safe_ratio(hits[i], tokens.per_line[i] as f64)).collect());
        let title_in_line =
            (0..n).map(|i| np_min(safe_ratio(hits[i], sets[batch.page[i]].len() as f64), 1.0)).collect();
        out.push("title_in_line", title_in_line);
    }
}

/// The distinct runs of `class` characters of `text`.
fn title_words(text: &[u32], class: &CodeSet) -> HashSet<String, FastHash> {
    text.split(|&cp| !class.contains(cp))
        .filter(|w| !w.is_empty())
        .map(|w| w.iter().map(|&c| char::from_u32(c).unwrap_or('\u{fffd}')).collect())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::tables::tests::ascii_tables;

    #[test]
    fn words_split_once_each() {
        let t = ascii_tables();
        let lists: Vec<Vec<u32>> =
            ["nav menu", " nav  footer ", ""].iter().map(|s| s.chars().map(u32::from).collect()).collect();
        let attr = AttrWords::new(&lists, &t);
        assert_eq!(attr.lists, vec![vec![0, 1], vec![0, 2], vec![]]);
        assert_eq!(attr.words.len(), 3);
        let title: Vec<u32> = "a_b c-d".chars().map(u32::from).collect();
        let class = CodeSet::from_spans(&[48, 58, 65, 91, 97, 123], "test").unwrap();
        assert_eq!(title_words(&title, &class).len(), 4);
        assert!(np_min(f64::NAN, 1.0).is_nan());
    }
}
