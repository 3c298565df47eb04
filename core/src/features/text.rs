//! The context-free families of a line's text (length, position, characters, page) and the families that look
//! past it (prose and neighbours, with the offsets and windows of `chromecut.features.context`).

use super::batch::{ratios, safe_ratio, Batch};
use super::tables::{ALPHA, CJK, COMMA, DIGIT, PUNCT, SENT_END, SPACE, UPPER};
use super::Columns;

/// `chars`, `log_chars`, `words`, `mean_word_len`.
pub fn length_features(batch: &Batch, out: &mut Columns) {
    let chars: Vec<f64> = batch.length.iter().map(|&l| l as f64).collect();
    let words = batch.words().to_vec();
    let nonspace: Vec<f64> = batch.length.iter().zip(batch.count(SPACE)).map(|(&l, &s)| l as f64 - s).collect();
    out.push("log_chars", chars.iter().map(|c| c.ln_1p()).collect());
    out.push("mean_word_len", ratios(&nonspace, &words));
    out.push("words", words);
    out.push("chars", chars);
}

pub fn position_features(batch: &Batch, chars: &[f64], out: &mut Columns) {
    let index = batch.index_in_page();
    let total = batch.page_sum(chars);
    let longest = batch.page_argmax(chars);
    let mut before = vec![0.0; batch.n];
    for r in batch.pages() {
        let mut sum = 0.0;
        for i in r {
            before[i] = sum;
            sum += chars[i];
        }
    }
    let n = batch.n;
    let count = |i: usize| batch.page_size[batch.page[i]] as f64;
    out.push("rel_index", (0..n).map(|i| safe_ratio(index[i] as f64, count(i) - 1.0)).collect());
    out.push("log_from_start", (0..n).map(|i| (index[i] as f64).ln_1p()).collect());
    out.push("log_from_end", (0..n).map(|i| (count(i) - 1.0 - index[i] as f64).ln_1p()).collect());
    out.push("text_before_share", (0..n).map(|i| safe_ratio(before[i], total[i])).collect());
    out.push("to_longest", (0..n).map(|i| (index[i] as f64 - longest[batch.page[i]] as f64) / count(i)).collect());
    out.push("log_page_lines", (0..n).map(|i| count(i).ln_1p()).collect());
}

/// `punct_ratio` ... `commas`; `closing`: the quotes and brackets a sentence may end inside.
pub fn character_features(batch: &Batch, chars: &[f64], closing: &[u32], out: &mut Columns) {
    let alpha = batch.count(ALPHA);
    let size = batch.cps.len();
    let breaks = batch.per_line(|p| batch.flags[p] & SENT_END != 0 && (p + 1 >= size || batch.is_space(p + 1)));
    let ends: Vec<f64> = (0..batch.n)
        .map(|i| {
            let len = batch.length[i];
            if len == 0 || size == 0 {
                return 0.0;
            }
            let mut last = batch.char_start[i] + len - 1;
            if len > 1 && closing.contains(&batch.cps[last]) {
                last -= 1;
            }
            f64::from(u8::from(batch.flags[last] & SENT_END != 0))
        })
        .collect();
    out.push("punct_ratio", ratios(batch.count(PUNCT), chars));
    out.push("digit_ratio", ratios(batch.count(DIGIT), chars));
    out.push("alpha_ratio", ratios(alpha, chars));
    out.push("upper_ratio", ratios(batch.count(UPPER), alpha));
    out.push("cjk_ratio", ratios(batch.count(CJK), chars));
    out.push("ends_sentence", ends);
    out.push("sentences", breaks.iter().map(|b| b + 1.0).collect());
    out.push("commas", batch.count(COMMA).to_vec());
}

pub fn page_features(batch: &Batch, chars: &[f64], stop_density: &[f64], out: &mut Columns) {
    let max = batch.page_max(chars);
    let median = batch.page_median(chars);
    let rank = batch.page_rank(chars);
    let mean = batch.page_mean(stop_density);
    let n = batch.n;
    out.push("chars_rel_max", ratios(chars, &max));
    out.push("chars_rel_median", ratios(chars, &median));
    out.push("chars_rank", (0..n).map(|i| rank[i] / batch.page_size[batch.page[i]] as f64).collect());
    out.push("stop_density_rel", (0..n).map(|i| stop_density[i] - mean[i]).collect());
}

/// CJK characters (kana, ideographs, Hangul) per word when [`prose_words`] counts the words of a line written
/// without spaces between words: a Chinese word has about two characters.
pub const CJK_CHARS_PER_WORD: f64 = 2.0;

/// Each line's words for the prose test: its whitespace-separated words, or its CJK characters over
/// [`CJK_CHARS_PER_WORD`] where that is more. Chinese and Japanese put no space between words, so a paragraph of
/// them is one "word" and would never count as prose; a line without CJK keeps its words.
pub fn prose_words(batch: &Batch, words: &[f64]) -> Vec<f64> {
    let cjk = batch.count(CJK);
    words.iter().zip(cjk).map(|(&w, &c)| w.max(c / CJK_CHARS_PER_WORD)).collect()
}

/// `prose_before`, `prose_after`, `prose_before_share`: the nearest prose line (`min_words` words and a
/// sentence ending) before and after, and the share of the page's prose characters before the line.
pub fn prose_features(batch: &Batch, words: &[f64], ends: &[f64], chars: &[f64], min_words: f64, out: &mut Columns) {
    let n = batch.n;
    let prose: Vec<bool> = (0..n).map(|i| words[i] >= min_words && ends[i] > 0.0).collect();
    let mut before = vec![f64::NAN; n];
    let mut after = vec![f64::NAN; n];
    let mut share = vec![0.0; n];
    for r in batch.pages() {
        let mut previous: Option<usize> = None;
        for i in r.clone() {
            if let Some(p) = previous {
                before[i] = ((i - p) as f64).ln_1p();
            }
            if prose[i] {
                previous = Some(i);
            }
        }
        let mut next: Option<usize> = None;
        for i in r.clone().rev() {
            if let Some(q) = next {
                after[i] = ((q - i) as f64).ln_1p();
            }
            if prose[i] {
                next = Some(i);
            }
        }
        let total: f64 = r.clone().filter(|&i| prose[i]).map(|i| chars[i]).sum();
        let mut sum = 0.0;
        for i in r {
            share[i] = safe_ratio(sum, total);
            if prose[i] {
                sum += chars[i];
            }
        }
    }
    out.push("prose_before", before);
    out.push("prose_after", after);
    out.push("prose_before_share", share);
}

/// The base features of the neighbouring lines: one base's value `offset` lines away (NaN past the page's ends)
/// or its centred mean over `half` lines either side, computed as NumPy does (one running sum over the whole
/// batch), line by line, so the matrix can be written without a column per neighbour feature.
pub struct Neighbours<'a> {
    batch: &'a Batch<'a>,
    index: Vec<usize>,
    bases: Vec<&'a [f64]>,
    cumulative: Vec<Vec<f64>>,
}

impl<'a> Neighbours<'a> {
    pub fn new(batch: &'a Batch<'a>, bases: Vec<&'a [f64]>) -> Self {
        let cumulative = bases
            .iter()
            .map(|values| {
                let mut sums = Vec::with_capacity(values.len() + 1);
                let mut sum = 0.0;
                sums.push(sum);
                for &v in values.iter() {
                    sum += nan_to_num(v);
                    sums.push(sum);
                }
                sums
            })
            .collect();
        Neighbours { batch, index: batch.index_in_page(), bases, cumulative }
    }

    /// Base `base` of the line `offset` lines from line `i`, NaN past the page's ends.
    #[inline]
    pub fn shifted(&self, base: usize, offset: i64, i: usize) -> f64 {
        let target = self.index[i] as i64 + offset;
        let size = self.batch.page_size[self.batch.page[i]] as i64;
        if (0..size).contains(&target) {
            self.bases[base][(i as i64 + offset) as usize]
        } else {
            f64::NAN
        }
    }

    /// The mean of base `base` over the lines at most `half` lines from line `i` on its page.
    #[inline]
    pub fn mean(&self, base: usize, half: usize, i: usize) -> f64 {
        let page = self.batch.page[i];
        let (first, size) = (self.batch.page_start[page], self.batch.page_size[page]);
        let lo = self.index[i].saturating_sub(half) + first;
        let hi = (self.index[i] + half).min(size - 1) + first;
        let sums = &self.cumulative[base];
        (sums[hi + 1] - sums[lo]) / (hi - lo + 1) as f64
    }
}

/// A neighbour feature: which base, and how it looks past the line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Neighbour {
    Shifted { base: usize, offset: i64 },
    Mean { base: usize, half: usize },
}

/// Every neighbour feature of `bases`, named as the Python side names them, in its order.
pub fn neighbour_names(bases: &[String], offsets: &[i64], half_windows: &[usize]) -> Vec<(String, Neighbour)> {
    let mut names = Vec::new();
    for &offset in offsets {
        let side = if offset < 0 { 'p' } else { 'n' };
        for (base, name) in bases.iter().enumerate() {
            names.push((format!("{name}_{side}{}", offset.unsigned_abs()), Neighbour::Shifted { base, offset }));
        }
    }
    for &half in half_windows {
        for (base, name) in bases.iter().enumerate() {
            names.push((format!("{name}_ctx{half}"), Neighbour::Mean { base, half }));
        }
    }
    names
}

impl Neighbour {
    #[inline]
    pub fn value(self, neighbours: &Neighbours, i: usize) -> f64 {
        match self {
            Neighbour::Shifted { base, offset } => neighbours.shifted(base, offset, i),
            Neighbour::Mean { base, half } => neighbours.mean(base, half, i),
        }
    }
}

/// `np.nan_to_num`.
fn nan_to_num(v: f64) -> f64 {
    if v.is_nan() {
        0.0
    } else if v == f64::INFINITY {
        f64::MAX
    } else if v == f64::NEG_INFINITY {
        f64::MIN
    } else {
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::tables::tests::{
        ascii_flags, ascii_lower, ascii_regex_text, ASCII_DIGIT, ASCII_SPACE, ASCII_WORD,
    };
    use crate::features::tables::{ReClasses, Tables};

    /// The test tables with the common Han ideographs as CJK letters and the ideographic full stop a sentence end.
    fn han_tables() -> Tables {
        let mut flags = ascii_flags();
        for flag in &mut flags[0x4E00..0xA000] {
            *flag = ALPHA | CJK;
        }
        flags[0x3002] = PUNCT | SENT_END;
        let classes = ReClasses { word: &ASCII_WORD, digit: &ASCII_DIGIT, space: &ASCII_SPACE };
        Tables::new(flags, classes, ascii_lower(), &[65, 91, 97, 123], &[39, 40], ascii_regex_text()).unwrap()
    }

    #[test]
    fn a_han_paragraph_has_words_for_the_prose_test_and_a_latin_line_keeps_its_own() {
        let lines = ["首页 新闻", "市政府周一批准了新的预算此前经过了长时间的辩论。", "The council met on Monday."];
        let t = han_tables();
        let text: Vec<u32> = lines.join("\n").chars().map(u32::from).collect();
        let lengths: Vec<usize> = lines.iter().map(|l| l.chars().count()).collect();
        let batch = Batch::new(&text, &lengths, &[lines.len()], &t).unwrap();
        let words = batch.words().to_vec();
        assert_eq!(words, [2.0, 1.0, 5.0]);
        // 4 ideographs in 2 words; 23 ideographs (the full stop is none) over 2 a word; no ideograph.
        assert_eq!(prose_words(&batch, &words), [2.0, 11.5, 5.0]);
        let ends = [0.0, 1.0, 1.0];
        let mut out = Columns::default();
        prose_features(&batch, &prose_words(&batch, &words), &ends, &[5.0, 24.0, 26.0], 10.0, &mut out);
        assert_eq!(out.get("prose_before").unwrap()[2], 2f64.ln());
    }
}
