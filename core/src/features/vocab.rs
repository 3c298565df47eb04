//! The learnt vocabulary: words whose presence tells chrome from content, learnt from the training pages' own
//! labels when a featurizer is fitted (no hand-written list, any language the training pages are in).
//!
//! A line's units are its first [`VocabSpec::max_tokens`] word tokens ([`super::words::word_tokens`], lower-cased;
//! a token of digits only folded to `0`) and the pairs of adjacent CJK characters of its CJK runs (a run of one
//! character is one unit), in the order they stand, then every pair of adjacent units (`"read more"`).
//!
//! [`learn`] gives each unit its chrome log-odds: the share of the training sites whose chrome lines hold it
//! against the share whose content lines do, each share smoothed. A site counts once however many of its lines
//! hold the unit, so one site's boilerplate weighs as one site, and a unit held by fewer than `min_sites` sites
//! is unknown (NaN). Beside the whole table, one per fold of the sites, learnt without that fold's sites: the
//! training lines are featurised with their own fold's (out of fold, as the pages of a site never seen).
//!
//! Per line ([`NAMES`]): the mean, largest and smallest log-odds of its known units, its first unit's, and the
//! share of its units known; the first four missing on a line with no known unit, all five on a line without
//! units.
//!
//! HTML mode can learn a second table the same way from the lines' class/id words instead of their text
//! ([`attr_list_units`], [`Vocab::attr_features`], columns [`ATTR_NAMES`]): a list's units are its words (nearest
//! ancestor first, a word of digits only folded to `0`), then every pair of adjacent words.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use super::batch::Batch;
use super::markup::{AttrWords, MarkupInput};
use super::tables::CJK;
use super::words::Tokens;
use super::FastHash;

/// What joins a pair's two units (a unit itself never holds it).
const PAIR_SEPARATOR: char = ' ';

/// The family's names, in their output order.
pub const NAMES: [&str; 5] = ["vocab_mean", "vocab_max", "vocab_min", "vocab_first", "vocab_known"];
/// The class/id words' family ([`Vocab::attr_features`]), in their output order.
pub const ATTR_NAMES: [&str; 5] =
    ["attr_vocab_mean", "attr_vocab_max", "attr_vocab_min", "attr_vocab_first", "attr_vocab_known"];
/// A unit that is a number (every character numeric) reads as this one.
const NUMBER_UNIT: &str = "0";

/// What the Python side gives (`chromecut.features.vocab`).
pub struct VocabSpec {
    /// A line's first this many tokens are read (a long prose line says enough in its first ones).
    pub max_tokens: usize,
    /// The units, UTF-8.
    pub tokens: Vec<Vec<u8>>,
    /// Row-major, `width` per unit: the whole table's log-odds, then each fold's (NaN: unknown).
    pub weights: Vec<f32>,
    pub width: usize,
}

/// The vocabulary, built.
pub struct Vocab {
    max_tokens: usize,
    /// A single unit's entry (a unit never holds [`PAIR_SEPARATOR`]).
    index: HashMap<String, Entry, FastHash>,
    /// A pair's entry, by the rows of its two units: a pair is looked up without writing it out. A pair's units
    /// are in `index` (a unit missing from the table is given a row of NaN: unknown, as when missing).
    pairs: HashMap<(usize, usize), Entry, FastHash>,
    weights: Vec<f32>,
    width: usize,
}

/// A unit's row of weights, and its whole-table weight beside it (what a page to clean reads, without a second
/// look-up in `weights`).
#[derive(Clone, Copy)]
struct Entry {
    row: usize,
    whole: f32,
}

/// Each line's units ([module docs](self)), borrowed from the tokens where they can be.
pub fn line_units<'t>(batch: &Batch, tokens: &'t Tokens, max_tokens: usize) -> Vec<Vec<Cow<'t, str>>> {
    let mut out = Vec::with_capacity(batch.n);
    let mut placed: Vec<(usize, Cow<'t, str>)> = Vec::new();
    let mut first = 0;
    for line in 0..batch.n {
        first = single_units(batch, tokens, line, first, max_tokens, &mut placed);
        out.push(with_pairs(placed.drain(..).map(|(_, unit)| unit).collect()));
    }
    out
}

/// A unit as it is looked up: a number reads as [`NUMBER_UNIT`].
fn folded(word: &str) -> Cow<'_, str> {
    if word.chars().all(char::is_numeric) {
        Cow::Borrowed(NUMBER_UNIT)
    } else {
        Cow::Borrowed(word)
    }
}

/// Each class/id word list's single units (its first `max_tokens` words, nearest ancestor first, numbers folded),
/// from the lists' words as [`AttrWords`] splits them.
pub fn attr_single_units(attr: &AttrWords, max_tokens: usize) -> Vec<Vec<String>> {
    let words: Vec<String> =
        attr.words.iter().map(|w| w.iter().filter_map(|&cp| char::from_u32(cp)).collect()).collect();
    attr.lists
        .iter()
        .map(|list| list.iter().take(max_tokens).map(|&w| folded(&words[w]).into_owned()).collect())
        .collect()
}

/// Each class/id word list's units ([`attr_single_units`], then every pair of adjacent ones): what
/// [`learn`] reads for a line of that list.
pub fn attr_list_units(attr: &AttrWords, max_tokens: usize) -> Vec<Vec<String>> {
    attr_single_units(attr, max_tokens)
        .into_iter()
        .map(|singles| {
            with_pairs(singles.into_iter().map(Cow::Owned).collect()).into_iter().map(Cow::into_owned).collect()
        })
        .collect()
}

/// Single units, then every pair of adjacent ones.
fn with_pairs(mut units: Vec<Cow<'_, str>>) -> Vec<Cow<'_, str>> {
    for i in 1..units.len() {
        let pair = format!("{}{PAIR_SEPARATOR}{}", units[i - 1], units[i]);
        units.push(Cow::Owned(pair));
    }
    units
}

/// A line's units but the pairs of units, in the order they stand (each with its first character's position),
/// into `placed` (cleared first); `first`: the line's first token. Returns the next line's first token.
fn single_units<'t>(
    batch: &Batch,
    tokens: &'t Tokens,
    line: usize,
    first: usize,
    max_tokens: usize,
    placed: &mut Vec<(usize, Cow<'t, str>)>,
) -> usize {
    placed.clear();
    let count = tokens.per_line[line];
    for t in first..first + count {
        let token = tokens.get(t);
        placed.push((tokens.start[t], folded(token)));
    }
    let (start, end) = (batch.char_start[line], batch.char_start[line] + batch.length[line]);
    let mut p = start;
    while p < end {
        if batch.flags[p] & CJK == 0 {
            p += 1;
            continue;
        }
        let run = p;
        while p < end && batch.flags[p] & CJK != 0 {
            p += 1;
        }
        let pairs = if p - run == 1 { run..run + 1 } else { run..p - 1 };
        for at in pairs {
            let unit: String = batch.cps[at..(at + 2).min(p)].iter().filter_map(|&cp| char::from_u32(cp)).collect();
            placed.push((at, Cow::Owned(unit)));
        }
    }
    placed.sort_by_key(|(at, _)| *at);
    placed.truncate(max_tokens);
    first + count
}

/// How a vocabulary is learnt (`chromecut.features.vocab`'s constants).
#[derive(Clone, Copy, Debug)]
pub struct Learning {
    /// The folds of the sites (`k`).
    pub folds: usize,
    /// A unit held by fewer sites is unknown.
    pub min_sites: usize,
    /// Added to the sites holding a unit, and twice to the sites, in each class's share.
    pub smoothing: f64,
}

/// The lines a vocabulary is learnt from: each line's label (0 chrome, 1 content, any other value unlabelled and
/// skipped), site (a code) and fold (`0..k`, the same for every line of a site).
#[derive(Clone, Copy)]
pub struct Labelled<'a> {
    pub labels: &'a [i64],
    pub sites: &'a [i64],
    pub folds: &'a [i64],
}

/// Each unit's chrome log-odds, whole and per fold ([module docs](self)), from lines' `units` and what `lines`
/// says of each. The units (in the order of first appearance) and their weights, row-major, `k + 1` per unit.
pub fn learn(units: &[Vec<Cow<str>>], lines: &Labelled, how: Learning) -> Result<(Vec<String>, Vec<f32>), String> {
    let Labelled { labels, sites, folds } = *lines;
    let Learning { folds: k, min_sites, smoothing } = how;
    let n = units.len();
    if labels.len() != n || sites.len() != n || folds.len() != n {
        return Err("units, labels, sites and folds need one value per line".into());
    }
    if k == 0 {
        return Err("the vocabulary needs at least one fold".into());
    }
    let fold_of = |line: usize| -> Result<usize, String> {
        usize::try_from(folds[line]).ok().filter(|&f| f < k).ok_or_else(|| format!("a fold outside 0..{k}"))
    };
    let mut order: Vec<usize> = (0..n).filter(|&i| labels[i] == 0 || labels[i] == 1).collect();
    order.sort_by_key(|&i| sites[i]);
    let mut ids: HashMap<String, usize, FastHash> = HashMap::default();
    let mut names: Vec<String> = Vec::new();
    // Sites holding each unit, per fold and class: counts[(unit * k + fold) * 2 + class].
    let mut counts: Vec<u32> = Vec::new();
    let mut totals = vec![0u32; 2 * k];
    let mut seen: [HashSet<usize, FastHash>; 2] = [HashSet::default(), HashSet::default()];
    let mut at = 0;
    while at < order.len() {
        let site = sites[order[at]];
        let fold = fold_of(order[at])?;
        seen[0].clear();
        seen[1].clear();
        while at < order.len() && sites[order[at]] == site {
            let line = order[at];
            if fold_of(line)? != fold {
                return Err("every line of a site needs the same fold".into());
            }
            let class = usize::from(labels[line] == 1);
            for unit in &units[line] {
                let id = match ids.get(unit.as_ref()) {
                    Some(&id) => id,
                    None => {
                        let id = names.len();
                        ids.insert(unit.to_string(), id);
                        names.push(unit.to_string());
                        counts.extend(std::iter::repeat_n(0, 2 * k));
                        id
                    }
                };
                seen[class].insert(id);
            }
            at += 1;
        }
        for class in 0..2 {
            if !seen[class].is_empty() {
                totals[fold * 2 + class] += 1;
            }
            for &id in &seen[class] {
                counts[(id * k + fold) * 2 + class] += 1;
            }
        }
    }
    let all = |class: usize, of: &[u32]| -> f64 { (0..k).map(|f| f64::from(of[f * 2 + class])).sum() };
    let (sites_chrome, sites_content) = (all(0, &totals), all(1, &totals));
    let log_odds = |chrome: f64, content: f64, n_chrome: f64, n_content: f64| -> f32 {
        if chrome + content < min_sites as f64 {
            return f32::NAN;
        }
        let share = |held: f64, of: f64| (held + smoothing) / (of + 2.0 * smoothing);
        (share(chrome, n_chrome).ln() - share(content, n_content).ln()) as f32
    };
    let width = k + 1;
    let mut weights = Vec::with_capacity(names.len() * width);
    for id in 0..names.len() {
        let unit = &counts[id * k * 2..(id + 1) * k * 2];
        let (chrome, content) = (all(0, unit), all(1, unit));
        weights.push(log_odds(chrome, content, sites_chrome, sites_content));
        for f in 0..k {
            weights.push(log_odds(
                chrome - f64::from(unit[f * 2]),
                content - f64::from(unit[f * 2 + 1]),
                sites_chrome - f64::from(totals[f * 2]),
                sites_content - f64::from(totals[f * 2 + 1]),
            ));
        }
    }
    Ok((names, weights))
}

impl Vocab {
    pub fn new(spec: VocabSpec) -> Result<Self, String> {
        let VocabSpec { max_tokens, tokens, mut weights, width } = spec;
        if width == 0 || weights.len() != tokens.len() * width {
            return Err("vocab_weights need vocab_width values per vocabulary token".into());
        }
        let mut index: HashMap<String, Entry, FastHash> = HashMap::default();
        let mut pair_units = Vec::new();
        for (row, token) in tokens.into_iter().enumerate() {
            let unit = String::from_utf8(token).map_err(|_| "a vocabulary token is not UTF-8".to_string())?;
            if unit.contains(PAIR_SEPARATOR) {
                pair_units.push((row, unit));
            } else {
                index.insert(unit, Entry { row, whole: weights[row * width] });
            }
        }
        let mut pairs: HashMap<(usize, usize), Entry, FastHash> = HashMap::default();
        for (row, unit) in pair_units {
            let Some((left, right)) = unit.split_once(PAIR_SEPARATOR) else { continue };
            let mut row_of = |part: &str| -> usize {
                index
                    .entry(part.to_string())
                    .or_insert_with(|| {
                        weights.extend(std::iter::repeat_n(f32::NAN, width));
                        Entry { row: weights.len() / width - 1, whole: f32::NAN }
                    })
                    .row
            };
            let key = (row_of(left), row_of(right));
            pairs.insert(key, Entry { row, whole: weights[row * width] });
        }
        Ok(Vocab { max_tokens, index, pairs, weights, width })
    }

    pub fn max_tokens(&self) -> usize {
        self.max_tokens
    }

    /// The family's columns ([`NAMES`]); `folds`: each line's fold (training lines, out of fold), else the whole
    /// table for every line.
    pub fn features(&self, batch: &Batch, tokens: &Tokens, folds: Option<&[i64]>) -> Result<[Vec<f64>; 5], String> {
        let n = batch.n;
        self.check_folds(folds, n)?;
        let mut out: [Vec<f64>; 5] = std::array::from_fn(|_| vec![f64::NAN; n]);
        // The units as [`line_units`] gives them, read in place: a pair by the rows of its two units.
        let mut placed: Vec<(usize, Cow<str>)> = Vec::new();
        let mut entries: Vec<Option<Entry>> = Vec::new();
        let mut first = 0;
        for line in 0..n {
            first = single_units(batch, tokens, line, first, self.max_tokens, &mut placed);
            if placed.is_empty() {
                continue;
            }
            let column = self.column(folds, line)?;
            entries.clear();
            entries.extend(placed.iter().map(|(_, unit)| self.index.get(unit.as_ref()).copied()));
            for (values, value) in out.iter_mut().zip(self.read(&entries, column)) {
                values[line] = value;
            }
        }
        Ok(out)
    }

    /// The class/id words' columns ([`ATTR_NAMES`]) of a batch's lines from the lines' word lists; `folds` as in
    /// [`Self::features`]. Each list is read once per table column.
    pub fn attr_features(
        &self,
        markup: &MarkupInput,
        attr: &AttrWords,
        folds: Option<&[i64]>,
    ) -> Result<[Vec<f64>; 5], String> {
        let n = markup.attr.len();
        self.check_folds(folds, n)?;
        // Each distinct word looked up once, then each list's first words by their entries.
        let mut word = String::new();
        let per_word: Vec<Option<Entry>> = attr
            .words
            .iter()
            .map(|cps| {
                word.clear();
                word.extend(cps.iter().filter_map(|&cp| char::from_u32(cp)));
                self.index.get(folded(&word).as_ref()).copied()
            })
            .collect();
        let per_list: Vec<Vec<Option<Entry>>> =
            attr.lists.iter().map(|list| list.iter().take(self.max_tokens).map(|&w| per_word[w]).collect()).collect();
        let mut memo: HashMap<(usize, usize), [f64; 5], FastHash> = HashMap::default();
        let mut out: [Vec<f64>; 5] = std::array::from_fn(|_| vec![f64::NAN; n]);
        for line in 0..n {
            let list = usize::try_from(markup.attr[line]).map_err(|_| "a class/id word list code is negative")?;
            let entries = per_list.get(list).ok_or("a class/id word list code is out of its lists")?;
            if entries.is_empty() {
                continue;
            }
            let column = self.column(folds, line)?;
            let values = *memo.entry((list, column)).or_insert_with(|| self.read(entries, column));
            for (column, value) in out.iter_mut().zip(values) {
                column[line] = value;
            }
        }
        Ok(out)
    }

    fn check_folds(&self, folds: Option<&[i64]>, n: usize) -> Result<(), String> {
        if folds.is_some_and(|f| f.len() != n) {
            return Err("vocab_folds needs one fold per line".into());
        }
        Ok(())
    }

    /// The table column a line reads: its fold's (out of fold), else the whole table's (0).
    fn column(&self, folds: Option<&[i64]>, line: usize) -> Result<usize, String> {
        match folds {
            Some(folds) => usize::try_from(folds[line])
                .ok()
                .map(|f| f + 1)
                .filter(|&c| c < self.width)
                .ok_or_else(|| "a fold this vocabulary has no table of".to_string()),
            None => Ok(0),
        }
    }

    /// The five values ([`NAMES`]) of a line's single units' entries (not empty), the pairs of adjacent units read
    /// by their rows, from table column `column`.
    fn read(&self, entries: &[Option<Entry>], column: usize) -> [f64; 5] {
        let weight = |entry: Option<Entry>| -> f64 {
            entry.map_or(f64::NAN, |entry| {
                f64::from(if column == 0 { entry.whole } else { self.weights[entry.row * self.width + column] })
            })
        };
        let (mut sum, mut known, mut max, mut min) = (0.0, 0usize, f64::NEG_INFINITY, f64::INFINITY);
        let mut add = |w: f64| {
            if w.is_finite() {
                sum += w;
                known += 1;
                max = max.max(w);
                min = min.min(w);
            }
        };
        for &entry in entries {
            add(weight(entry));
        }
        for adjacent in entries.windows(2) {
            if let (Some(left), Some(right)) = (adjacent[0], adjacent[1]) {
                add(weight(self.pairs.get(&(left.row, right.row)).copied()));
            }
        }
        let units = 2 * entries.len() - 1;
        let share = known as f64 / units as f64;
        if known == 0 {
            return [f64::NAN, f64::NAN, f64::NAN, f64::NAN, share];
        }
        [sum / known as f64, max, min, weight(entries[0]), share]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::batch::Batch;
    use crate::features::tables::tests::ascii_tables;
    use crate::features::words::word_tokens;

    fn with_units<R>(lines: &[&str], f: impl FnOnce(&Batch, &Tokens) -> R) -> R {
        let t = ascii_tables();
        let cps: Vec<u32> = lines.join("\n").chars().map(u32::from).collect();
        let lengths: Vec<usize> = lines.iter().map(|l| l.chars().count()).collect();
        let batch = Batch::new(&cps, &lengths, &[lines.len()], &t).expect("a batch");
        let tokens = word_tokens(&batch, &t);
        f(&batch, &tokens)
    }

    fn strings(units: &[Cow<str>]) -> Vec<String> {
        units.iter().map(|u| u.to_string()).collect()
    }

    #[test]
    fn units_are_words_digits_folded_then_pairs() {
        with_units(&["Read More 2024", "", "one two three"], |batch, tokens| {
            let units = line_units(batch, tokens, 2);
            assert_eq!(strings(&units[0]), ["read", "more", "read more"]);
            assert!(units[1].is_empty());
            let all = line_units(batch, tokens, 48);
            assert_eq!(strings(&all[0]), ["read", "more", "0", "read more", "more 0"]);
        });
    }

    fn learnt(lines: &[&str], labels: &[i64], sites: &[i64], min_sites: usize) -> HashMap<String, Vec<f32>> {
        with_units(lines, |batch, tokens| {
            let units = line_units(batch, tokens, 48);
            let folds: Vec<i64> = sites.iter().map(|s| s % 2).collect();
            let lines = Labelled { labels, sites, folds: &folds };
            let how = Learning { folds: 2, min_sites, smoothing: 1.0 };
            let (names, weights) = learn(&units, &lines, how).expect("learnt");
            names.into_iter().enumerate().map(|(i, name)| (name, weights[i * 3..i * 3 + 3].to_vec())).collect()
        })
    }

    #[test]
    fn a_site_counts_once_and_chrome_words_weigh_more() {
        // Four sites: "share" on the chrome lines of all four, "river" on the content lines of all four, and one
        // site repeating "promo" on many chrome lines (still one site).
        let lines = [
            "share this",
            "the river flows",
            "promo",
            "promo",
            "promo", // site 0
            "share now",
            "a river bank", // site 1
            "share it",
            "river fish", // site 2
            "share",
            "river walk", // site 3
        ];
        let labels = [0, 1, 0, 0, 0, 0, 1, 0, 1, 0, 1];
        let sites = [0, 0, 0, 0, 0, 1, 1, 2, 2, 3, 3];
        let table = learnt(&lines, &labels, &sites, 1);
        let (share, river, promo) = (table["share"][0], table["river"][0], table["promo"][0]);
        assert!(share > 0.0 && river < 0.0, "share {share}, river {river}");
        assert!(promo < share, "one site's repetition counts once: promo {promo} against share {share}");
        // Out of fold: fold 0 holds sites 0 and 2, so the table learnt without them knows "promo" from no site;
        // the one learnt without fold 1 keeps site 0's.
        assert!(table["promo"][1].is_nan() && table["promo"][2] == promo);
        assert!(table["share"][1] > 0.0 && table["share"][1] < share, "two sites of four left out");
        // Held by fewer sites than asked for: unknown.
        assert!(learnt(&lines, &labels, &sites, 2)["promo"][0].is_nan());
    }

    #[test]
    fn unlabelled_lines_and_bad_folds() {
        let table = learnt(&["menu", "menu"], &[-1, 0], &[0, 1], 1);
        assert_eq!(table.len(), 1);
        with_units(&["a", "b"], |batch, tokens| {
            let units = line_units(batch, tokens, 48);
            let how = Learning { folds: 2, min_sites: 1, smoothing: 1.0 };
            let lines = |labels: &'static [i64], sites: &'static [i64], folds: &'static [i64]| Labelled {
                labels,
                sites,
                folds,
            };
            assert!(learn(&units, &lines(&[0, 1], &[0, 0], &[0, 1]), how).is_err(), "one site, two folds");
            assert!(learn(&units, &lines(&[0, 1], &[0, 1], &[0, 2]), how).is_err(), "a fold outside 0..k");
            assert!(learn(&units, &lines(&[0], &[0, 1], &[0, 1]), how).is_err());
            assert!(learn(&units, &lines(&[0, 1], &[0, 1], &[0, 0]), Learning { folds: 0, ..how }).is_err());
        });
    }

    #[test]
    fn line_features_read_the_table() {
        let spec = VocabSpec {
            max_tokens: 48,
            tokens: vec![b"share".to_vec(), b"river".to_vec(), b"share this".to_vec()],
            weights: vec![2.0, 1.0, -1.0, -0.5, 3.0, f32::NAN],
            width: 2,
        };
        let vocab = Vocab::new(spec).expect("a vocabulary");
        with_units(&["Share this", "river unknown", "nothing known", ""], |batch, tokens| {
            let whole = vocab.features(batch, tokens, None).expect("features");
            // "share" 2, "this" unknown, "share this" 3.
            assert_eq!([whole[0][0], whole[1][0], whole[2][0], whole[3][0]], [2.5, 3.0, 2.0, 2.0]);
            assert!((whole[4][0] - 2.0 / 3.0).abs() < 1e-12);
            assert_eq!(whole[0][1], -1.0);
            assert!(whole[0][2].is_nan() && whole[4][2] == 0.0);
            assert!(whole[4][3].is_nan());
            let folds = vocab.features(batch, tokens, Some(&[0, 0, 0, 0])).expect("out of fold");
            // The fold's table: "share" 1, "share this" unknown.
            assert_eq!(folds[0][0], 1.0);
            assert!((folds[4][0] - 1.0 / 3.0).abs() < 1e-12);
            assert!(vocab.features(batch, tokens, Some(&[1, 0, 0, 0])).is_err(), "no table of fold 1");
        });
        assert!(
            Vocab::new(VocabSpec { max_tokens: 1, tokens: vec![b"a".to_vec()], weights: vec![], width: 1 }).is_err()
        );
    }

    #[test]
    fn class_id_word_lists_are_units_read_per_fold() {
        let t = ascii_tables();
        let lists: Vec<Vec<u32>> =
            ["comment 42 reply", "", "main"].iter().map(|s| s.chars().map(u32::from).collect()).collect();
        let attr = AttrWords::new(&lists, &t);
        assert_eq!(attr_single_units(&attr, 2), [vec!["comment", "0"], vec![], vec!["main"]]);
        assert_eq!(attr_list_units(&attr, 48)[0], ["comment", "0", "reply", "comment 0", "0 reply"]);
        let spec = VocabSpec {
            max_tokens: 48,
            tokens: ["comment", "reply", "main", "0 reply"].map(|u| u.as_bytes().to_vec()).to_vec(),
            // The whole table, then fold 0's.
            weights: vec![2.0, 1.0, 1.0, f32::NAN, -1.5, -1.0, 4.0, 4.0],
            width: 2,
        };
        let vocab = Vocab::new(spec).expect("a vocabulary");
        let markup = |attr: &'static [i64]| MarkupInput {
            tag: &[-1, -1, -1, -1],
            tags: &[],
            heading: &[0.0; 4],
            list_item: &[0.0; 4],
            depth: &[0.0; 4],
            depth_code: &[0; 4],
            link_chars: &[0.0; 4],
            link_count: &[0.0; 4],
            landmarks: &[0.0; 4],
            attr,
            attr_lists: &[],
            title: None,
            titles: &[],
            summary: None,
            summaries: &[],
        };
        let lines = markup(&[0, 1, 2, 0]);
        let whole = vocab.attr_features(&lines, &attr, None).expect("features");
        // "comment" 2, "0" unknown, "reply" 1, "comment 0" unknown, "0 reply" 4: three of five known.
        assert_eq!([whole[0][0], whole[1][0], whole[2][0], whole[3][0]], [7.0 / 3.0, 4.0, 1.0, 2.0]);
        assert!((whole[4][0] - 0.6).abs() < 1e-12);
        assert!(whole[0][1].is_nan() && whole[4][1].is_nan(), "no words, no units");
        assert_eq!(whole[0][2], -1.5);
        let folds = vocab.attr_features(&lines, &attr, Some(&[0, 0, 0, -1])).err();
        assert!(folds.is_some(), "a fold this vocabulary has no table of");
        let folds = vocab.attr_features(&lines, &attr, Some(&[0, 0, 0, 0])).expect("out of fold");
        assert_eq!([folds[0][0], folds[3][0]], [2.5, 1.0]);
        assert!(vocab.attr_features(&markup(&[0, 1, 2, 3]), &attr, None).is_err(), "a code out of its lists");
    }

    #[test]
    fn a_pair_is_read_without_its_units_in_the_table() {
        // A table learnt always holds a known pair's units; one written by hand need not.
        let spec = VocabSpec { max_tokens: 48, tokens: vec![b"read more".to_vec()], weights: vec![2.0], width: 1 };
        let vocab = Vocab::new(spec).expect("a vocabulary");
        with_units(&["Read more", "more read", "read more now"], |batch, tokens| {
            let whole = vocab.features(batch, tokens, None).expect("features");
            assert_eq!([whole[0][0], whole[1][0], whole[2][0]], [2.0, 2.0, 2.0]);
            assert!(whole[3][0].is_nan(), "its first unit, \"read\", is unknown");
            assert!((whole[4][0] - 1.0 / 3.0).abs() < 1e-12);
            assert!(whole[0][1].is_nan() && whole[4][1] == 0.0, "the pair the other way round is unknown");
            assert!((whole[4][2] - 1.0 / 5.0).abs() < 1e-12);
        });
    }
}
