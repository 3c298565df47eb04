//! Repeated lines (the repetition family, the page repeats of the section features, and the keys the
//! featurizer's fit counts): a line's key is its text lower-cased, digits masked, whitespace folded.

use std::collections::{HashMap, HashSet};

use super::batch::Batch;
use super::tables::{Tables, DIGIT, SPACE};
use super::FastHash;

/// Each line's key as Python's `str` encoded in UTF-8 with `surrogatepass` (lone surrogates kept), one
/// buffer for the batch.
pub struct Keys {
    bytes: Vec<u8>,
    bounds: Vec<(usize, usize)>,
}

impl Keys {
    /// The keys' buffer and each key's end in it.
    pub fn into_parts(self) -> (Vec<u8>, Vec<usize>) {
        let ends = self.bounds.iter().map(|&(_, end)| end).collect();
        (self.bytes, ends)
    }

    #[inline]
    pub fn get(&self, line: usize) -> &[u8] {
        let (s, e) = self.bounds[line];
        &self.bytes[s..e]
    }
}

/// UTF-8 of a code point, surrogates included (Python's `surrogatepass`).
fn push_wtf8(cp: u32, out: &mut Vec<u8>) {
    if cp < 0x80 {
        out.push(cp as u8);
        return;
    }
    match char::from_u32(cp) {
        Some(c) => {
            let mut buf = [0u8; 4];
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
        }
        None => {
            out.extend_from_slice(&[0xE0 | (cp >> 12) as u8, 0x80 | ((cp >> 6) & 0x3F) as u8, 0x80 | (cp & 0x3F) as u8])
        }
    }
}

/// Appends the characters `(code point, whether it is whitespace)` with their whitespace runs folded to one space
/// between words (none at either end); `false`, and a part written, at the first `None`.
fn push_folded(out: &mut Vec<u8>, chars: impl Iterator<Item = Option<(u32, bool)>>) -> bool {
    let at = out.len();
    let mut pending_space = false;
    for char in chars {
        let Some((cp, space)) = char else { return false };
        if space {
            pending_space = out.len() > at;
            continue;
        }
        if pending_space {
            out.push(b' ');
            pending_space = false;
        }
        push_wtf8(cp, out);
    }
    true
}

/// [`push_folded`] of an ASCII line's characters, digits masked and lowered: every character is written, a
/// whitespace character as a space, and the position moves on past it unless it follows whitespace (or opens
/// the line), so a run of whitespace leaves one space and no character costs a branch.
fn push_folded_ascii(out: &mut Vec<u8>, text: &[u32], flags: &[u8]) {
    let at = out.len();
    out.resize(at + text.len(), 0);
    let written = &mut out[at..];
    let (mut w, mut after_space) = (0, true);
    for (&cp, &f) in text.iter().zip(flags) {
        let space = f & SPACE != 0;
        let byte = (digit_masked(cp, f) as u8).to_ascii_lowercase();
        written[w] = if space { b' ' } else { byte };
        w += usize::from(!(space && after_space));
        after_space = space;
    }
    // A line ending in whitespace wrote one space after its last word.
    w -= usize::from(after_space && w > 0);
    out.truncate(at + w);
}

/// A character of a line's key: a digit (by the character's `flags`) becomes `0`.
fn digit_masked(cp: u32, flags: u8) -> u32 {
    if flags & DIGIT != 0 {
        u32::from(b'0')
    } else {
        cp
    }
}

/// `normalised_lines`: digits become `0`, then `lower()` of the line (the joined text's `\n` stops the final
/// sigma's look, so a line alone gives the same), then `" ".join(line.split())`.
pub fn normalised_lines(batch: &Batch, tables: &Tables) -> Keys {
    let mut keys = Keys { bytes: Vec::with_capacity(batch.cps.len()), bounds: Vec::with_capacity(batch.n) };
    let mut masked = Vec::new();
    let mut lowered = Vec::new();
    for line in 0..batch.n {
        let start = batch.char_start[line];
        let len = batch.length[line];
        let at = keys.bytes.len();
        let text = &batch.cps[start..start + len];
        let flags = &batch.flags[start..start + len];
        let folded = if text.iter().fold(0, |any, &cp| any | cp) < 0x80 {
            push_folded_ascii(&mut keys.bytes, text, flags);
            true
        } else {
            // Each character lowered alone (nearly every line): the same key as the whole line's `lower()` unless
            // a capital sigma (its lowercase depends on its neighbours) or a character lowered to several is met.
            let alone = |(&cp, &f): (&u32, &u8)| {
                let low = tables.lower_simple(digit_masked(cp, f))?;
                Some((low, tables.flags(low) & SPACE != 0))
            };
            push_folded(&mut keys.bytes, text.iter().zip(flags).map(alone))
        };
        if !folded {
            keys.bytes.truncate(at);
            masked.clear();
            masked.extend(text.iter().zip(flags).map(|(&cp, &f)| digit_masked(cp, f)));
            lowered.clear();
            tables.push_lower(&masked, 0, len, (0, len), &mut lowered);
            push_folded(&mut keys.bytes, lowered.iter().map(|&cp| Some((cp, tables.flags(cp) & SPACE != 0))));
        }
        keys.bounds.push((at, keys.bytes.len()));
    }
    keys
}

/// The corpus line-frequency table of a fitted featurizer (keys as `normalised_lines` makes them).
pub struct LineFrequency {
    table: HashMap<Vec<u8>, f64, FastHash>,
}

impl LineFrequency {
    pub fn new(keys: Vec<Vec<u8>>, counts: &[i64]) -> Result<Self, String> {
        if keys.len() != counts.len() {
            return Err("frequency_keys and frequency_counts differ in length".into());
        }
        Ok(LineFrequency { table: keys.into_iter().zip(counts.iter().map(|&c| c as f64)).collect() })
    }

    /// `repeat_corpus`: pages of the corpus with the line, log-scaled (less the line's own page when the
    /// featurizer transforms what it was fitted on).
    pub fn repeat_corpus(&self, keys: &Keys, n: usize, leave_one_out: bool) -> Vec<f64> {
        (0..n)
            .map(|line| {
                let mut count = self.table.get(keys.get(line)).copied().unwrap_or(0.0);
                if leave_one_out {
                    count = (count - 1.0).max(0.0);
                }
                count.ln_1p()
            })
            .collect()
    }
}

/// `repeat_site`: the share of the site's other pages (`domain` codes, -1 for none) that hold the line too,
/// pages counted by `source`; NaN without a domain or with a site of one page.
pub fn repeat_site(keys: &Keys, n: usize, domain: Option<&[i64]>, source: &[i64]) -> Vec<f64> {
    let Some(domain) = domain else { return vec![f64::NAN; n] };
    let mut ids: HashMap<&[u8], usize, FastHash> = HashMap::default();
    let key_id: Vec<usize> = (0..n)
        .map(|line| {
            let next = ids.len();
            *ids.entry(keys.get(line)).or_insert(next)
        })
        .collect();
    let mut site_pages: HashSet<(i64, i64), FastHash> = HashSet::default();
    let mut key_pages: HashSet<(i64, usize, i64), FastHash> = HashSet::default();
    for line in 0..n {
        if domain[line] >= 0 {
            site_pages.insert((domain[line], source[line]));
            key_pages.insert((domain[line], key_id[line], source[line]));
        }
    }
    let mut per_site: HashMap<i64, f64, FastHash> = HashMap::default();
    for &(d, _) in &site_pages {
        *per_site.entry(d).or_default() += 1.0;
    }
    let mut per_key: HashMap<(i64, usize), f64, FastHash> = HashMap::default();
    for &(d, k, _) in &key_pages {
        *per_key.entry((d, k)).or_default() += 1.0;
    }
    (0..n)
        .map(|line| {
            if domain[line] < 0 {
                return f64::NAN;
            }
            let pages = per_site[&domain[line]];
            let with = per_key[&(domain[line], key_id[line])];
            if pages > 1.0 {
                (with - 1.0) / (pages - 1.0).max(1.0)
            } else {
                f64::NAN
            }
        })
        .collect()
}

/// `repeat_page`: other lines of the same page with the same key.
pub fn repeat_page(batch: &Batch, keys: &Keys) -> Vec<f64> {
    let mut out = vec![0.0; batch.n];
    let mut counts: HashMap<&[u8], f64, FastHash> = HashMap::default();
    for r in batch.pages() {
        counts.clear();
        for line in r.clone() {
            *counts.entry(keys.get(line)).or_default() += 1.0;
        }
        for line in r {
            out[line] = counts[keys.get(line)] - 1.0;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::tables::tests::ascii_tables;

    #[test]
    fn keys_fold_case_digits_and_space() {
        let t = ascii_tables();
        let text: Vec<u32> = "  Top 10\tNews  \nTOP 99 news".chars().map(u32::from).collect();
        let b = Batch::new(&text, &[15, 11], &[2], &t).unwrap();
        let keys = normalised_lines(&b, &t);
        assert_eq!(keys.get(0), b"top 00 news");
        assert_eq!(keys.get(1), b"top 00 news");
        assert_eq!(repeat_page(&b, &keys), vec![1.0, 1.0]);
        let mut surrogate = Vec::new();
        push_wtf8(0xD800, &mut surrogate);
        assert_eq!(surrogate, vec![0xED, 0xA0, 0x80]);
    }

    proptest::proptest! {
        #[test]
        fn ascii_keys_are_lowered_masked_and_split_joined(line in "[ \t\x0b\x0c\x1c-\x1fa-zA-Z0-9.,-]{0,80}") {
            let t = ascii_tables();
            let text: Vec<u32> = format!("{line}\n{line}").chars().map(u32::from).collect();
            let len = line.len();
            let b = Batch::new(&text, &[len, len], &[2], &t).unwrap();
            let keys = normalised_lines(&b, &t);
            let masked: String = line.chars().map(|c| if c.is_ascii_digit() { '0' } else { c.to_ascii_lowercase() }).collect();
            let expected = masked.split(|c: char| t.flags(u32::from(c)) & SPACE != 0).filter(|w| !w.is_empty());
            let expected = expected.collect::<Vec<_>>().join(" ");
            proptest::prop_assert_eq!(keys.get(0), expected.as_bytes());
            proptest::prop_assert_eq!(keys.get(1), expected.as_bytes());
        }
    }
}
