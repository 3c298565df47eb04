//! The shared views of a batch of lines (the port of `chromecut.features.batch.LineBatch`): the lines' code
//! points joined by `\n`, their class flags, the lines' offsets and the pages' bounds; and the helpers every
//! family shares, computed as NumPy computes them (so the floats are the same, bit for bit where it matters).

use super::tables::{Tables, SENT_END, SPACE, UPPER};

/// Each flag byte with its bits spread one a byte (bit `k` to byte `k`), for counting eight flags at once.
const SPREAD: [u64; 256] = {
    let mut table = [0u64; 256];
    let mut f = 0;
    while f < 256 {
        let mut bit = 0;
        while bit < 8 {
            table[f] |= (((f >> bit) & 1) as u64) << (8 * bit);
            bit += 1;
        }
        f += 1;
    }
    table
};

/// Characters a byte-wide counter of [`SPREAD`]s holds.
const PACKED_MAX: usize = 255;

/// Add the eight byte-wide counters of `packed` to `tally`, and empty them.
fn unpack(packed: &mut u64, tally: &mut [u32; 8]) {
    for (bit, t) in tally.iter_mut().enumerate() {
        *t += ((*packed >> (8 * bit)) & 0xff) as u32;
    }
    *packed = 0;
}

/// What one pass over a line's flags counts: the characters of each flag (bit `k`: `flags[k]`), the
/// whitespace-separated words, those that start with a capital, and the sentence breaks (a sentence end followed
/// by whitespace; the line's end is whitespace).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Tally {
    flags: [u32; 8],
    words: u32,
    capitalised: u32,
    breaks: u32,
}

/// [`Tally`] a character at a time: the definition, and the way where there is no SSE2.
#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
fn tally_scalar(line: &[u8]) -> Tally {
    let mut tally = Tally::default();
    // Eight byte-wide counters in a word: each character adds its flags spread one bit a byte, and the counters
    // are emptied into `tally` before any can pass 255.
    let mut packed = 0u64;
    // Before a line is its separator (or the text's start), after it its separator (or the text's end):
    // whitespace either way. A sentence end followed by whitespace is a break.
    let (mut previous_space, mut previous_end) = (true, false);
    for part in line.chunks(PACKED_MAX) {
        for &f in part {
            packed += SPREAD[usize::from(f)];
            let space = f & SPACE != 0;
            let word_start = !space && previous_space;
            tally.words += u32::from(word_start);
            tally.capitalised += u32::from(word_start && f & UPPER != 0);
            tally.breaks += u32::from(previous_end && space);
            previous_space = space;
            previous_end = f & SENT_END != 0;
        }
        unpack(&mut packed, &mut tally.flags);
    }
    tally.breaks += u32::from(previous_end);
    tally
}

/// [`Tally`] sixteen characters at a time (SSE2, which every x86-64 processor has): each flag bit of sixteen
/// characters as a 16-bit mask, counted with `popcnt`; a word starts where a character that is not whitespace
/// follows whitespace (the mask of whitespace shifted by one, the previous part's last character carried in).
#[cfg(target_arch = "x86_64")]
fn tally_sse2(line: &[u8]) -> Tally {
    use std::arch::x86_64::*;

    const LANES: usize = 16;
    let mut tally = Tally::default();
    // Whether the character before the part is whitespace (the line's start is) and a sentence end.
    let (mut previous_space, mut previous_end) = (1u32, 0u32);
    let mut add = |part: __m128i, len: usize| {
        let valid = if len == LANES { 0xffff } else { (1u32 << len) - 1 };
        // SAFETY: SSE2 is part of x86-64. A 16-bit shift moves bit `b` of each byte to its bit 7 (the low byte's
        // bits move into the high byte's low bits only), which `movemask` reads.
        let mask =
            |bit: i32| unsafe { (_mm_movemask_epi8(_mm_sll_epi16(part, _mm_cvtsi32_si128(7 - bit))) as u32) & valid };
        for (bit, count) in tally.flags.iter_mut().enumerate() {
            *count += mask(bit as i32).count_ones();
        }
        let (space, upper, end) = (
            mask(SPACE.trailing_zeros() as i32),
            mask(UPPER.trailing_zeros() as i32),
            mask(SENT_END.trailing_zeros() as i32),
        );
        let word_start = !space & (space << 1 | previous_space) & valid;
        tally.words += word_start.count_ones();
        tally.capitalised += (word_start & upper).count_ones();
        tally.breaks += ((end << 1 | previous_end) & space).count_ones();
        previous_space = space >> (len - 1) & 1;
        previous_end = end >> (len - 1) & 1;
    };
    let parts = line.chunks_exact(LANES);
    let rest = parts.remainder();
    for part in parts {
        // SAFETY: `part` holds sixteen bytes.
        add(unsafe { _mm_loadu_si128(part.as_ptr().cast()) }, LANES);
    }
    if !rest.is_empty() {
        let mut last = [0u8; LANES];
        last[..rest.len()].copy_from_slice(rest);
        // SAFETY: `last` holds sixteen bytes.
        add(unsafe { _mm_loadu_si128(last.as_ptr().cast()) }, rest.len());
    }
    tally.breaks += previous_end;
    tally
}

/// [`Tally`] of a line's flags, the fastest way this processor has.
#[inline]
fn tally(line: &[u8]) -> Tally {
    #[cfg(target_arch = "x86_64")]
    {
        tally_sse2(line)
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        tally_scalar(line)
    }
}

pub struct Batch<'a> {
    /// Every line's code points, one `\n` between lines (Python's `"\n".join(texts)`).
    pub cps: &'a [u32],
    pub flags: Vec<u8>,
    pub n: usize,
    pub char_start: Vec<usize>,
    pub length: Vec<usize>,
    pub page: Vec<usize>,
    pub page_start: Vec<usize>,
    pub page_size: Vec<usize>,
    /// Code points of each line per class flag (bit `k` of the flags: `counts[k]`), counted in one pass.
    counts: [Vec<f64>; 8],
    /// Per line, in the same pass: whitespace-separated words, those that start with a capital, and sentence
    /// breaks (a sentence end before whitespace).
    shapes: [Vec<f64>; 3],
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError(pub String);

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for InputError {}

/// Each line's page and each page's first line, of pages of `page_sizes` lines one after another.
fn page_index(page_sizes: &[usize]) -> (Vec<usize>, Vec<usize>) {
    let mut page = Vec::with_capacity(page_sizes.iter().sum());
    let mut page_start = Vec::with_capacity(page_sizes.len());
    for (p, &size) in page_sizes.iter().enumerate() {
        page_start.push(page.len());
        page.extend(std::iter::repeat_n(p, size));
    }
    (page, page_start)
}

impl<'a> Batch<'a> {
    /// `lengths`: each line's code points; `page_sizes`: each page's lines, pages one after another.
    pub fn new(cps: &'a [u32], lengths: &[usize], page_sizes: &[usize], tables: &Tables) -> Result<Self, InputError> {
        let n = lengths.len();
        let expected = lengths.iter().sum::<usize>() + n.saturating_sub(1);
        if expected != cps.len() {
            return Err(InputError(format!(
                "the text holds {} code points, the line lengths and separators {expected}",
                cps.len()
            )));
        }
        if page_sizes.iter().sum::<usize>() != n {
            return Err(InputError("the page sizes do not add up to the lines".into()));
        }
        let mut char_start = Vec::with_capacity(n);
        let mut offset = 0;
        for &len in lengths {
            char_start.push(offset);
            offset += len + 1;
        }
        let (page, page_start) = page_index(page_sizes);
        let flags: Vec<u8> = cps.iter().map(|&cp| tables.flags(cp)).collect();
        let mut counts: [Vec<f64>; 8] = Default::default();
        let mut shapes: [Vec<f64>; 3] = Default::default();
        for column in counts.iter_mut().chain(shapes.iter_mut()) {
            column.reserve_exact(n);
        }
        for (&start, &len) in char_start.iter().zip(lengths) {
            let t = tally(&flags[start..start + len]);
            for (column, &count) in counts.iter_mut().zip(&t.flags) {
                column.push(f64::from(count));
            }
            for (column, v) in shapes.iter_mut().zip([t.words, t.capitalised, t.breaks]) {
                column.push(f64::from(v));
            }
        }
        Ok(Batch {
            cps,
            flags,
            n,
            char_start,
            length: lengths.to_vec(),
            page,
            page_start,
            page_size: page_sizes.to_vec(),
            counts,
            shapes,
        })
    }

    /// The page structure alone (no text: every line empty), for what reads only the pages, as the context
    /// pass's features do.
    pub fn pages_only(page_sizes: &[usize]) -> Batch<'static> {
        let n: usize = page_sizes.iter().sum();
        let (page, page_start) = page_index(page_sizes);
        Batch {
            cps: &[],
            flags: Vec::new(),
            n,
            char_start: vec![0; n],
            length: vec![0; n],
            page,
            page_start,
            page_size: page_sizes.to_vec(),
            counts: Default::default(),
            shapes: Default::default(),
        }
    }

    /// How many positions of each line `mark` holds for (`mark` gets offsets into the joined text).
    pub fn per_line(&self, mut mark: impl FnMut(usize) -> bool) -> Vec<f64> {
        (0..self.n)
            .map(|i| {
                let start = self.char_start[i];
                (start..start + self.length[i]).filter(|&p| mark(p)).count() as f64
            })
            .collect()
    }

    /// Code points of each line with the class `flag` (one flag).
    pub fn count(&self, flag: u8) -> &[f64] {
        &self.counts[flag.trailing_zeros() as usize & 7]
    }

    /// Whitespace-separated words of each line.
    pub fn words(&self) -> &[f64] {
        &self.shapes[0]
    }

    /// Words of each line that start with an upper-case letter.
    pub fn capitalised_words(&self) -> &[f64] {
        &self.shapes[1]
    }

    /// Sentence ends followed by whitespace (or the end of the text) on each line.
    pub fn sentence_breaks(&self) -> &[f64] {
        &self.shapes[2]
    }

    #[inline]
    pub fn is_space(&self, p: usize) -> bool {
        self.flags[p] & SPACE != 0
    }

    /// The line of an offset into the joined text (a separator belongs to the line before it).
    pub fn line_of(&self, position: usize) -> usize {
        self.char_start.partition_point(|&s| s <= position).saturating_sub(1)
    }

    /// The code points of each page in the joined text, `[start, end)`: its lines and the separators between
    /// them, not the separator after its last line (what the page's text alone would be).
    pub fn page_chars(&self) -> impl Iterator<Item = std::ops::Range<usize>> + '_ {
        self.pages().map(|lines| match (lines.start, lines.end.checked_sub(1)) {
            (first, Some(last)) if first <= last => self.char_start[first]..self.char_start[last] + self.length[last],
            _ => 0..0,
        })
    }

    /// Each line's index in its page.
    pub fn index_in_page(&self) -> Vec<usize> {
        (0..self.n).map(|i| i - self.page_start[self.page[i]]).collect()
    }

    /// The lines of each page, as ranges.
    pub fn pages(&self) -> impl Iterator<Item = std::ops::Range<usize>> + '_ {
        self.page_start.iter().zip(&self.page_size).map(|(&s, &z)| s..s + z)
    }

    /// A per-page value broadcast to the page's lines.
    pub fn broadcast(&self, per_page: &[f64]) -> Vec<f64> {
        self.page.iter().map(|&p| per_page[p]).collect()
    }

    /// `page_reduce(values, "sum")`: NumPy's `add.reduceat` (the first value, plus the pairwise sum of the rest).
    pub fn page_sum(&self, values: &[f64]) -> Vec<f64> {
        let sums: Vec<f64> = self.pages().map(|r| reduce_sum(&values[r])).collect();
        self.broadcast(&sums)
    }

    pub fn page_mean(&self, values: &[f64]) -> Vec<f64> {
        let means: Vec<f64> = self.pages().map(|r| reduce_sum(&values[r.clone()]) / r.len() as f64).collect();
        self.broadcast(&means)
    }

    pub fn page_max(&self, values: &[f64]) -> Vec<f64> {
        let maxima: Vec<f64> =
            self.pages().map(|r| values[r].iter().copied().fold(f64::NEG_INFINITY, np_max)).collect();
        self.broadcast(&maxima)
    }

    /// `page_reduce(values, "median")`.
    pub fn page_median(&self, values: &[f64]) -> Vec<f64> {
        let medians: Vec<f64> = self
            .pages()
            .map(|r| {
                let mut sorted = values[r].to_vec();
                sorted.sort_by(f64::total_cmp);
                let size = sorted.len();
                (sorted[(size - 1) / 2] + sorted[size / 2]) / 2.0
            })
            .collect();
        self.broadcast(&medians)
    }

    /// Each line's rank in its page by `values`, ascending, equals in line order (a stable sort), from 1.
    pub fn page_rank(&self, values: &[f64]) -> Vec<f64> {
        let mut rank = vec![0.0; self.n];
        for r in self.pages() {
            let mut order: Vec<usize> = r.clone().collect();
            order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
            for (k, &line) in order.iter().enumerate() {
                rank[line] = (k + 1) as f64;
            }
        }
        rank
    }

    /// Each page's first line with the largest value (in page line numbers).
    pub fn page_argmax(&self, values: &[f64]) -> Vec<usize> {
        self.pages()
            .map(|r| {
                let start = r.start;
                let mut best = start;
                for i in r {
                    if values[i] > values[best] {
                        best = i;
                    }
                }
                best - start
            })
            .collect()
    }
}

/// `np.maximum` (NaN wins).
fn np_max(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else {
        a.max(b)
    }
}

/// `safe_ratio`: 0 where the denominator is not positive, NaN where either is NaN.
#[inline]
pub fn safe_ratio(num: f64, den: f64) -> f64 {
    if num.is_nan() || den.is_nan() {
        f64::NAN
    } else if den > 0.0 {
        num / den
    } else {
        0.0
    }
}

pub fn ratios(num: &[f64], den: &[f64]) -> Vec<f64> {
    num.iter().zip(den).map(|(&a, &b)| safe_ratio(a, b)).collect()
}

/// NumPy's `add.reduce` of a contiguous float64 run: the first value plus the pairwise sum of the rest.
pub fn reduce_sum(values: &[f64]) -> f64 {
    match values.split_first() {
        None => 0.0,
        Some((first, rest)) => first + pairwise_sum(rest),
    }
}

/// NumPy's `pairwise_sum` (numpy/_core/src/umath/loops_utils.h.src).
pub fn pairwise_sum(a: &[f64]) -> f64 {
    const BLOCK: usize = 128;
    let n = a.len();
    if n < 8 {
        let mut res = 0.0;
        for &v in a {
            res += v;
        }
        res
    } else if n <= BLOCK {
        let mut r = [0.0f64; 8];
        r.copy_from_slice(&a[..8]);
        let mut i = 8;
        while i < n - (n % 8) {
            for j in 0..8 {
                r[j] += a[i + j];
            }
            i += 8;
        }
        let mut res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        while i < n {
            res += a[i];
            i += 1;
        }
        res
    } else {
        let mut n2 = n / 2;
        n2 -= n2 % 8;
        pairwise_sum(&a[..n2]) + pairwise_sum(&a[n2..])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::tables::tests::ascii_tables;
    use proptest::prelude::*;

    #[test]
    fn pages_and_lines() {
        let t = ascii_tables();
        let text: Vec<u32> = "ab\ncd e\n\nx".chars().map(u32::from).collect();
        let b = Batch::new(&text, &[2, 4, 0, 1], &[3, 1], &t).unwrap();
        assert_eq!(b.char_start, vec![0, 3, 8, 9]);
        assert_eq!(b.line_of(2), 0);
        assert_eq!(b.line_of(3), 1);
        assert_eq!(b.index_in_page(), vec![0, 1, 2, 0]);
        assert_eq!(b.count(SPACE), &[0.0, 1.0, 0.0, 0.0]);
        assert_eq!(b.page_median(&[1.0, 4.0, 2.0, 5.0]), vec![2.0, 2.0, 2.0, 5.0]);
        assert_eq!(b.page_rank(&[1.0, 1.0, 0.0, 5.0]), vec![2.0, 3.0, 1.0, 1.0]);
        assert!(Batch::new(&text, &[2, 4], &[2], &t).is_err());
    }

    #[test]
    fn flag_counts_of_long_lines_are_each_characters_flags_added() {
        let t = ascii_tables();
        for len in [254, 255, 256, 511, 1000] {
            let line: String = (0..len).map(|i| ['A', 'b', ' ', '.', '7'][i % 5]).collect();
            let text: Vec<u32> = format!("{line}\nx").chars().map(u32::from).collect();
            let b = Batch::new(&text, &[len, 1], &[2], &t).unwrap();
            for bit in 0..8 {
                let flag = 1u8 << bit;
                let expected = text[..len].iter().filter(|&&cp| t.flags(cp) & flag != 0).count() as f64;
                assert_eq!(b.count(flag)[0], expected, "{len} {bit}");
            }
        }
    }

    proptest! {
        /// The fast tally counts as the definition does, on lines of any flags and any length (parts of sixteen
        /// and the rest, counters past 255).
        #[test]
        fn the_fast_tally_is_the_scalar_one(line in proptest::collection::vec(any::<u8>(), 0..600)) {
            prop_assert_eq!(tally(&line), tally_scalar(&line));
            // Runs of the flags that words and breaks read, next to each other.
            let runs: Vec<u8> = line.iter().map(|b| [0, SPACE, UPPER, SENT_END, SPACE | SENT_END][usize::from(b % 5)]).collect();
            prop_assert_eq!(tally(&runs), tally_scalar(&runs));
        }
    }

    #[test]
    fn pairwise_matches_sequential_on_integers() {
        let values: Vec<f64> = (0..1000).map(f64::from).collect();
        assert_eq!(reduce_sum(&values), 499_500.0);
    }
}
