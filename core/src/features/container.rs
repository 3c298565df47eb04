//! The container family of HTML mode: statistics of the lines
//! of a page that share a line's ancestor class/id words and depth (its container).

use std::collections::HashMap;

use super::batch::{safe_ratio, Batch};
use super::{Columns, FastHash};

/// A group number per line: lines of the same page with the same class/id word list and depth code share one
/// (numbered in order of first appearance; only the grouping matters).
pub fn container_codes(batch: &Batch, attr: &[i64], depth_code: &[i64]) -> (Vec<usize>, usize) {
    let mut groups: HashMap<(usize, i64, i64), usize, FastHash> = HashMap::default();
    let codes = (0..batch.n)
        .map(|i| {
            let next = groups.len();
            *groups.entry((batch.page[i], attr[i], depth_code[i])).or_insert(next)
        })
        .collect();
    (codes, groups.len())
}

/// `np.nan_to_num` of a finite-or-NaN value.
#[inline]
fn nan_to_zero(v: f64) -> f64 {
    if v.is_nan() {
        0.0
    } else {
        v
    }
}

/// Sums per group in line order (`np.bincount(codes, weights=...)`).
fn group_sums(codes: &[usize], groups: usize, values: impl Iterator<Item = f64>) -> Vec<f64> {
    let mut sums = vec![0.0; groups];
    for (&g, v) in codes.iter().zip(values) {
        sums[g] += nan_to_zero(v);
    }
    sums
}

/// The container's line count (log), its share of the page's characters, its link and stopword densities and
/// whether it holds the page's longest line; `columns` holds `chars`, `link_density`, `stopwords`, `tokens`.
pub fn container_features(batch: &Batch, attr: &[i64], depth_code: &[i64], columns: &Columns, out: &mut Columns) {
    let col = |name: &str| columns.get(name).expect("computed before the containers");
    let (chars, density, stop, tokens) = (col("chars"), col("link_density"), col("stopwords"), col("tokens"));
    let (codes, groups) = container_codes(batch, attr, depth_code);
    let lines = group_sums(&codes, groups, std::iter::repeat(1.0));
    let char_sums = group_sums(&codes, groups, chars.iter().copied());
    let link = group_sums(&codes, groups, density.iter().zip(chars).map(|(&d, &c)| nan_to_zero(d) * c));
    let stop_sums = group_sums(&codes, groups, stop.iter().copied());
    let token_sums = group_sums(&codes, groups, tokens.iter().copied());
    let mut has_longest = vec![false; groups];
    for (longest, &start) in batch.page_argmax(chars).iter().zip(&batch.page_start) {
        has_longest[codes[start + longest]] = true;
    }
    let page_chars = batch.page_sum(chars);
    let n = batch.n;
    out.push("container_lines", codes.iter().map(|&g| lines[g].ln_1p()).collect());
    out.push("container_text_share", (0..n).map(|i| safe_ratio(char_sums[codes[i]], page_chars[i])).collect());
    out.push("container_link_density", codes.iter().map(|&g| safe_ratio(link[g], char_sums[g])).collect());
    out.push("container_stop_density", codes.iter().map(|&g| safe_ratio(stop_sums[g], token_sums[g])).collect());
    out.push("container_has_longest", codes.iter().map(|&g| f64::from(u8::from(has_longest[g]))).collect());
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::tables::tests::ascii_tables;

    #[test]
    fn lines_of_one_page_group_by_words_and_depth() {
        let t = ascii_tables();
        let text: Vec<u32> = "a\nbb\nccc\nd".chars().map(u32::from).collect();
        let batch = Batch::new(&text, &[1, 2, 3, 1], &[3, 1], &t).unwrap();
        let (codes, groups) = container_codes(&batch, &[0, 0, 1, 0], &[2, 2, 2, 2]);
        assert_eq!((codes, groups), (vec![0, 0, 1, 2], 3));
        let mut columns = Columns::default();
        columns.push("chars", vec![1.0, 2.0, 3.0, 1.0]);
        columns.push("link_density", vec![1.0, f64::NAN, 0.0, 0.0]);
        columns.push("stopwords", vec![0.0, 1.0, 0.0, 0.0]);
        columns.push("tokens", vec![1.0, 1.0, 1.0, 0.0]);
        let mut out = Columns::default();
        container_features(&batch, &[0, 0, 1, 0], &[2, 2, 2, 2], &columns, &mut out);
        assert_eq!(out.get("container_text_share").unwrap(), &[0.5, 0.5, 0.5, 1.0]);
        assert_eq!(out.get("container_link_density").unwrap()[0], 1.0 / 3.0);
        assert_eq!(out.get("container_stop_density").unwrap(), &[0.5, 0.5, 0.0, 0.0]);
        assert_eq!(out.get("container_has_longest").unwrap(), &[0.0, 0.0, 1.0, 1.0]);
    }
}
