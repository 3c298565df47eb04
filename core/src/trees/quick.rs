//! The forest by feature instead of by tree (QuickScorer, Lucchese et al., SIGIR 2015, here on vectors of rows:
//! eight on AVX2, sixteen on AVX-512): a row's leaf in a tree is the leftmost leaf that none of the tree's splits
//! the row fails rules out. Each tree keeps a 64-bit set of its leaves still reachable, all set at first; a split
//! the row fails (it goes right) clears the leaves of its left subtree; the exit leaf is the lowest bit left. A
//! split on feature `f` fails for every value above its threshold, so with each feature's splits sorted by
//! threshold, a vector of rows reads a feature's splits from the lowest up and stops at the first that no lane
//! fails: it touches the splits its rows fail, never a split they pass, and needs no gather (the bench's text rows
//! fail about a third of the first pass's 8,494 splits; a tree walk reads every split on a row's path, a dependent
//! load each).
//!
//! It decides as the scalar walk does, for `f32` rows and forests whose trees have at most [`MAX_LEAVES`]
//! leaves:
//!
//! - a numerical split's threshold is the largest `f32` at most it ([`f32_at_most`]); NaN compares false, so it
//!   passes every split while the sorted splits are read, then fails the feature's splits that send NaN right;
//! - a categorical split whose bitset has at most [`FAST_BITSET_WORDS`] words is decided by category (the value
//!   truncated toward zero, as the scalar walk's): each category of a feature's range, and one bucket for every
//!   category outside it, has the leaves that its rows clear in each tree, so a vector applies one list per
//!   distinct category among its rows instead of reading every split; a larger bitset, a `Zero` default split,
//!   and a threshold that is no `f32` are decided a lane at a time by the scalar [`Forest::goes_left`];
//! - the trees' exit leaves are added tree after tree, so the raw scores are the scalar walk's bit for bit.

use super::vector::{f32_at_most, WIDTH};
use super::{Forest, BITSET_WORD_BITS, BLOCK_ROWS, CATEGORICAL, LEAF, NAN_LEFT, SLOW};

/// Leaves of a tree that one 64-bit set holds.
pub(super) const MAX_LEAVES: usize = 64;
/// The most bitset words of a categorical split decided by category (a feature's range of at most 256
/// categories).
const FAST_BITSET_WORDS: usize = 8;

/// A split as the scorer applies it: the tree whose leaf set it clears, and the leaves it clears when it fails.
#[derive(Debug, Clone, Copy)]
struct Failing {
    clear: u64,
    tree: u32,
}

/// A categorical split decided by category: its feature, the failing split, its bitset's words.
#[derive(Debug, Clone)]
struct Categorical {
    failing: Failing,
    feature: usize,
    bits: Vec<u32>,
}

impl Categorical {
    /// Whether a row of category `category` fails the split (goes right): a category outside the bitset's range
    /// does, as in the scalar walk.
    fn fails(&self, category: usize) -> bool {
        let word = category / BITSET_WORD_BITS as usize;
        self.bits.get(word).is_none_or(|w| w >> (category % BITSET_WORD_BITS as usize) & 1 == 0)
    }
}

/// A feature's categorical splits by category: for each category `c` of `0..range`, and for the bucket `range`
/// (every category outside it: negative, NaN, too large), the leaves a row of that category clears, one
/// [`Failing`] per tree that has a split it fails, at `failing[starts[c]..starts[c + 1]]`.
#[derive(Debug, Clone)]
struct ByCategory {
    feature: usize,
    range: i32,
    starts: Vec<u32>,
    failing: Vec<Failing>,
}

impl ByCategory {
    /// The feature's splits, grouped (`splits` all on `feature`, with at most [`FAST_BITSET_WORDS`] words).
    fn of(feature: usize, splits: &[Categorical]) -> Option<ByCategory> {
        let words = splits.iter().map(|s| s.bits.len()).max().unwrap_or(0);
        let range = words * BITSET_WORD_BITS as usize;
        let (mut starts, mut failing): (Vec<u32>, Vec<Failing>) = (vec![0], Vec::new());
        for category in 0..=range {
            let mut clear: Vec<(u32, u64)> =
                splits.iter().filter(|s| s.fails(category)).map(|s| (s.failing.tree, s.failing.clear)).collect();
            clear.sort_unstable_by_key(|&(tree, _)| tree);
            let first = failing.len();
            for (tree, leaves) in clear {
                match failing[first..].last_mut() {
                    Some(last) if last.tree == tree => last.clear |= leaves,
                    _ => failing.push(Failing { clear: leaves, tree }),
                }
            }
            starts.push(u32::try_from(failing.len()).ok()?);
        }
        Some(ByCategory { feature, range: i32::try_from(range).ok()?, starts, failing })
    }

    /// What a row of `bucket` (a category of the range, or the range itself for any other) clears.
    #[inline]
    fn bucket(&self, bucket: i32) -> &[Failing] {
        let b = bucket as usize;
        &self.failing[self.starts[b] as usize..self.starts[b + 1] as usize]
    }
}

/// A split decided a lane at a time: its node in [`Forest::nodes`].
#[derive(Debug, Clone, Copy)]
struct Slow {
    failing: Failing,
    node: u32,
}

/// The forest's splits by feature, for [`add_forest`].
#[derive(Debug, Clone)]
pub(super) struct Quick {
    /// Each feature's numerical splits: `thresholds[k]` and `splits[k]` for `k` in `sorted[f]..sorted[f + 1]`,
    /// thresholds rising.
    sorted: Vec<u32>,
    thresholds: Vec<f32>,
    splits: Vec<Failing>,
    /// Each feature's numerical splits that send NaN right: `nan_right[k]` for `k` in `nan[f]..nan[f + 1]`.
    nan: Vec<u32>,
    nan_right: Vec<Failing>,
    categorical: Vec<ByCategory>,
    slow: Vec<Slow>,
    /// Tree `t`'s leaf values, leftmost first, at `leaf_start[t]..`.
    leaf_start: Vec<u32>,
    leaf_values: Vec<f64>,
}

/// The leaves `lo..hi` of a left subtree as a set (a left subtree never holds a tree's last leaf: `hi` is below
/// [`MAX_LEAVES`]).
fn left_leaves(lo: usize, hi: usize) -> u64 {
    debug_assert!(lo < hi && hi < MAX_LEAVES);
    ((1u64 << hi) - 1) & !((1u64 << lo) - 1)
}

/// What [`Quick::of`] collects while it reads the trees.
#[derive(Default)]
struct Builder {
    numerical: Vec<Vec<(f32, Failing)>>,
    nan_right: Vec<Vec<Failing>>,
    categorical: Vec<Categorical>,
    slow: Vec<Slow>,
    leaf_values: Vec<f64>,
}

impl Builder {
    /// Number the leaves under `node` from `*next` on, leftmost first, and file its splits; the leaves it
    /// numbered, or `None` past [`MAX_LEAVES`].
    fn visit(&mut self, forest: &Forest, tree: u32, node: usize, next: &mut usize) -> Option<(usize, usize)> {
        let split = forest.nodes[node];
        let flags = split.flags();
        if flags & LEAF != 0 {
            if *next == MAX_LEAVES {
                return None;
            }
            self.leaf_values.push(forest.leaf_values[node]);
            *next += 1;
            return Some((*next - 1, *next));
        }
        let (lo, middle) = self.visit(forest, tree, split.left as usize, next)?;
        let (_, hi) = self.visit(forest, tree, split.left as usize + 1, next)?;
        let failing = Failing { clear: left_leaves(lo, middle), tree };
        let feature = split.feature();
        let threshold = f32_at_most(split.value());
        if flags & SLOW == 0 && !threshold.is_nan() {
            self.numerical[feature].push((threshold, failing));
            if flags & NAN_LEFT == 0 {
                self.nan_right[feature].push(failing);
            }
        } else if flags & SLOW == CATEGORICAL && split.bitset().1 <= FAST_BITSET_WORDS {
            let (start, len) = split.bitset();
            self.categorical.push(Categorical { failing, feature, bits: forest.cat_bits[start..start + len].to_vec() });
        } else {
            self.slow.push(Slow { failing, node: node as u32 });
        }
        Some((lo, hi))
    }
}

impl Quick {
    /// The forest's splits by feature, or `None` when a tree has more than [`MAX_LEAVES`] leaves.
    pub(super) fn of(forest: &Forest) -> Option<Quick> {
        let width = forest.num_features;
        let mut builder =
            Builder { numerical: vec![Vec::new(); width], nan_right: vec![Vec::new(); width], ..Default::default() };
        let mut leaf_start = Vec::with_capacity(forest.roots.len());
        for (tree, &root) in forest.roots.iter().enumerate() {
            leaf_start.push(u32::try_from(builder.leaf_values.len()).ok()?);
            builder.visit(forest, u32::try_from(tree).ok()?, root as usize, &mut 0)?;
        }
        let (mut sorted, mut thresholds, mut splits) = (vec![0], Vec::new(), Vec::new());
        for mut feature in builder.numerical {
            feature.sort_by(|a, b| a.0.total_cmp(&b.0));
            thresholds.extend(feature.iter().map(|s| s.0));
            splits.extend(feature.iter().map(|s| s.1));
            sorted.push(u32::try_from(splits.len()).ok()?);
        }
        let (mut nan, mut nan_right) = (vec![0], Vec::new());
        for feature in builder.nan_right {
            nan_right.extend(feature);
            nan.push(u32::try_from(nan_right.len()).ok()?);
        }
        let mut by_feature = builder.categorical;
        by_feature.sort_by_key(|split| split.feature);
        let categorical = by_feature
            .chunk_by(|a, b| a.feature == b.feature)
            .map(|splits| ByCategory::of(splits[0].feature, splits))
            .collect::<Option<Vec<_>>>()?;
        Some(Quick {
            categorical,
            sorted,
            thresholds,
            splits,
            nan,
            nan_right,
            slow: builder.slow,
            leaf_start,
            leaf_values: builder.leaf_values,
        })
    }

    /// Feature `feature`'s numerical splits (indices of `thresholds` and `splits`, thresholds rising) and those
    /// of them that send NaN right.
    #[inline]
    fn splits_of(&self, feature: usize) -> (std::ops::Range<usize>, &[Failing]) {
        let sorted = self.sorted[feature] as usize..self.sorted[feature + 1] as usize;
        (sorted, &self.nan_right[self.nan[feature] as usize..self.nan[feature + 1] as usize])
    }

    /// The lanes (a bit each) of the `lanes` rows from `first` of a block (`columns`) that `split` sends right.
    fn slow_right(&self, forest: &Forest, split: &Slow, columns: &[f32], first: usize, lanes: usize) -> u32 {
        let node = forest.nodes[split.node as usize];
        let values = &columns[node.feature() * BLOCK_ROWS + first..][..lanes];
        values
            .iter()
            .enumerate()
            .fold(0, |right, (lane, &value)| right | u32::from(!forest.goes_left(node, f64::from(value))) << lane)
    }

    /// Add tree `tree`'s exit leaf values to `scores`: each row's leaf is the lowest of its reachable `sets`.
    #[inline]
    fn add_exit_leaves(&self, tree: usize, sets: &[u64], scores: &mut [f64]) {
        let values = &self.leaf_values[self.leaf_start[tree] as usize..];
        for (score, set) in scores.iter_mut().zip(sets) {
            *score += values[set.trailing_zeros() as usize];
        }
    }
}

/// Add each row's raw score to `scores` (at most [`BLOCK_ROWS`], zero or more on entry): `columns` holds the
/// block's rows by column ([`super::vector::transpose`]).
///
/// # Safety
///
/// The processor has AVX2 ([`super::vector::available`]); `quick` is `forest`'s; `columns` holds exactly
/// `BLOCK_ROWS * forest.num_features` values.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
pub(super) unsafe fn add_forest(forest: &Forest, quick: &Quick, columns: &[f32], scores: &mut [f64]) {
    use std::arch::x86_64::*;

    debug_assert!(scores.len() <= BLOCK_ROWS && columns.len() == BLOCK_ROWS * forest.num_features);
    let trees = forest.roots.len();
    // Each tree's reachable leaves for the vector's eight rows: lanes 0-3, then 4-7; all set for the first vector,
    // and set again as each vector's exit leaves are read.
    let all = _mm256_set1_epi64x(-1);
    let mut leaves = vec![[all; 2]; trees];
    for (v, scores) in scores.chunks_mut(WIDTH).enumerate() {
        let column = |feature: usize| _mm256_loadu_ps(columns.as_ptr().add(feature * BLOCK_ROWS + v * WIDTH));
        for feature in 0..forest.num_features {
            let (sorted, nan_right) = quick.splits_of(feature);
            if sorted.is_empty() && nan_right.is_empty() {
                continue;
            }
            let value = column(feature);
            for k in sorted {
                let above = _mm256_cmp_ps::<_CMP_GT_OQ>(value, _mm256_set1_ps(*quick.thresholds.get_unchecked(k)));
                if _mm256_movemask_ps(above) == 0 {
                    break;
                }
                fail(&mut leaves, *quick.splits.get_unchecked(k), _mm256_castps_si256(above));
            }
            if !nan_right.is_empty() {
                let nan = _mm256_cmp_ps::<_CMP_UNORD_Q>(value, value);
                if _mm256_movemask_ps(nan) != 0 {
                    for &failing in nan_right {
                        fail(&mut leaves, failing, _mm256_castps_si256(nan));
                    }
                }
            }
        }
        for by in &quick.categorical {
            // Each lane's bucket: its category, or the range for one outside it (NaN and values too large for an
            // i32 are negative here).
            let category = _mm256_cvttps_epi32(column(by.feature));
            let range = _mm256_set1_epi32(by.range);
            let outside = _mm256_or_si256(
                _mm256_cmpgt_epi32(_mm256_setzero_si256(), category),
                _mm256_cmpgt_epi32(category, _mm256_set1_epi32(by.range - 1)),
            );
            let bucket = _mm256_blendv_epi8(category, range, outside);
            let mut buckets = [0i32; WIDTH];
            _mm256_storeu_si256(buckets.as_mut_ptr().cast(), bucket);
            let mut left = (1u32 << WIDTH) - 1;
            while left != 0 {
                let b = buckets[left.trailing_zeros() as usize];
                let same = _mm256_cmpeq_epi32(bucket, _mm256_set1_epi32(b));
                for &failing in by.bucket(b) {
                    fail(&mut leaves, failing, same);
                }
                left &= !(_mm256_movemask_ps(_mm256_castsi256_ps(same)) as u32);
            }
        }
        // Lane k's bit, to spread a lane bitmask over the lanes.
        let lane_bits = _mm256_setr_epi32(1, 2, 4, 8, 16, 32, 64, 128);
        for split in &quick.slow {
            let right = _mm256_set1_epi32(quick.slow_right(forest, split, columns, v * WIDTH, WIDTH) as i32);
            fail(&mut leaves, split.failing, _mm256_cmpeq_epi32(_mm256_and_si256(right, lane_bits), lane_bits));
        }
        for (tree, set) in leaves.iter_mut().enumerate() {
            let mut sets = [0u64; WIDTH];
            _mm256_storeu_si256(sets.as_mut_ptr().cast(), set[0]);
            _mm256_storeu_si256(sets.as_mut_ptr().add(WIDTH / 2).cast(), set[1]);
            *set = [all; 2];
            quick.add_exit_leaves(tree, &sets, scores);
        }
    }
}

/// Clear `failing`'s leaves in the lanes of `lanes` (all ones where the row fails the split).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn fail(leaves: &mut [[std::arch::x86_64::__m256i; 2]], failing: Failing, lanes: std::arch::x86_64::__m256i) {
    use std::arch::x86_64::*;

    let clear = _mm256_set1_epi64x(failing.clear as i64);
    let low = _mm256_and_si256(_mm256_cvtepi32_epi64(_mm256_castsi256_si128(lanes)), clear);
    let high = _mm256_and_si256(_mm256_cvtepi32_epi64(_mm256_extracti128_si256::<1>(lanes)), clear);
    // SAFETY: `failing.tree` is one of the forest's trees, and `leaves` holds one set pair per tree.
    let set = leaves.get_unchecked_mut(failing.tree as usize);
    set[0] = _mm256_andnot_si256(low, set[0]);
    set[1] = _mm256_andnot_si256(high, set[1]);
}

/// Rows of one AVX-512 vector.
const WIDE: usize = 16;

/// Whether this processor runs [`add_forest_wide`].
pub(super) fn wide_available() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx512f") && std::arch::is_x86_feature_detected!("avx512cd")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// [`add_forest`] sixteen rows a vector on AVX-512: a lane mask is a mask register, and a failed split clears its
/// leaves in the lanes of the mask with one masked instruction per eight lanes.
///
/// # Safety
///
/// The processor has AVX-512F and AVX-512CD ([`wide_available`]); `quick` is `forest`'s; `columns` holds exactly
/// `BLOCK_ROWS * forest.num_features` values.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512cd")]
pub(super) unsafe fn add_forest_wide(forest: &Forest, quick: &Quick, columns: &[f32], scores: &mut [f64]) {
    use std::arch::x86_64::*;

    debug_assert!(scores.len() <= BLOCK_ROWS && columns.len() == BLOCK_ROWS * forest.num_features);
    let trees = forest.roots.len();
    // Each tree's reachable leaves for the vector's sixteen rows: lanes 0-7, then 8-15; all set for the first
    // vector, and set again as each vector's exit leaves are read.
    let all = _mm512_set1_epi64(-1);
    let mut leaves = vec![[all; 2]; trees];
    for (v, scores) in scores.chunks_mut(WIDE).enumerate() {
        let column = |feature: usize| _mm512_loadu_ps(columns.as_ptr().add(feature * BLOCK_ROWS + v * WIDE));
        for feature in 0..forest.num_features {
            let (sorted, nan_right) = quick.splits_of(feature);
            if sorted.is_empty() && nan_right.is_empty() {
                continue;
            }
            let value = column(feature);
            for k in sorted {
                let above = _mm512_cmp_ps_mask::<_CMP_GT_OQ>(value, _mm512_set1_ps(*quick.thresholds.get_unchecked(k)));
                if above == 0 {
                    break;
                }
                fail_wide(&mut leaves, *quick.splits.get_unchecked(k), above);
            }
            if !nan_right.is_empty() {
                let nan = _mm512_cmp_ps_mask::<_CMP_UNORD_Q>(value, value);
                if nan != 0 {
                    for &failing in nan_right {
                        fail_wide(&mut leaves, failing, nan);
                    }
                }
            }
        }
        for by in &quick.categorical {
            // Each lane's bucket: its category, or the range for one outside it (NaN and values too large for an
            // i32 are negative here).
            let category = _mm512_cvttps_epi32(column(by.feature));
            let range = _mm512_set1_epi32(by.range);
            let outside =
                _mm512_cmplt_epi32_mask(category, _mm512_setzero_si512()) | _mm512_cmpge_epi32_mask(category, range);
            let bucket = _mm512_mask_mov_epi32(category, outside, range);
            let mut buckets = [0i32; WIDE];
            _mm512_storeu_si512(buckets.as_mut_ptr().cast(), bucket);
            let mut left = u16::MAX;
            while left != 0 {
                let b = buckets[left.trailing_zeros() as usize];
                let same = _mm512_cmpeq_epi32_mask(bucket, _mm512_set1_epi32(b));
                for &failing in by.bucket(b) {
                    fail_wide(&mut leaves, failing, same);
                }
                left &= !same;
            }
        }
        for split in &quick.slow {
            fail_wide(&mut leaves, split.failing, quick.slow_right(forest, split, columns, v * WIDE, WIDE) as u16);
        }
        add_exit_leaves_wide(quick, &mut leaves, scores);
    }
}

/// Add each tree's exit leaf values to the vector's `scores` (at most [`WIDE`]), tree after tree as the scalar walk
/// adds them, and set every tree's leaves again for the next vector. A lane's leaf is the lowest bit of its set
/// (`63 - lzcnt(set & -set)`), whose value is gathered eight lanes at a time; the sums stay in registers.
///
/// # Safety
///
/// The processor has AVX-512F and AVX-512CD; `leaves` holds one set pair per tree of `quick`, each set holding its
/// tree's last leaf (no split clears it), so every lowest bit is a leaf of the tree.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512cd")]
#[inline]
unsafe fn add_exit_leaves_wide(quick: &Quick, leaves: &mut [[std::arch::x86_64::__m512i; 2]], scores: &mut [f64]) {
    use std::arch::x86_64::*;

    const HALF: usize = WIDE / 2;
    let lanes = |n: usize| if n >= HALF { u8::MAX } else { (1u8 << n) - 1 };
    let (low_lanes, high_lanes) = (lanes(scores.len()), lanes(scores.len().saturating_sub(HALF)));
    let mut low = _mm512_maskz_loadu_pd(low_lanes, scores.as_ptr());
    let mut high = _mm512_maskz_loadu_pd(high_lanes, scores.as_ptr().wrapping_add(HALF));
    let (all, top) = (_mm512_set1_epi64(-1), _mm512_set1_epi64(MAX_LEAVES as i64 - 1));
    let lowest = |set: __m512i| {
        let bit = _mm512_and_si512(set, _mm512_sub_epi64(_mm512_setzero_si512(), set));
        _mm512_sub_epi64(top, _mm512_lzcnt_epi64(bit))
    };
    for (set, &start) in leaves.iter_mut().zip(&quick.leaf_start) {
        debug_assert!(quick.leaf_values.len() > start as usize);
        let values = quick.leaf_values.as_ptr().add(start as usize);
        low = _mm512_add_pd(low, _mm512_i64gather_pd::<8>(lowest(set[0]), values));
        high = _mm512_add_pd(high, _mm512_i64gather_pd::<8>(lowest(set[1]), values));
        *set = [all; 2];
    }
    _mm512_mask_storeu_pd(scores.as_mut_ptr(), low_lanes, low);
    _mm512_mask_storeu_pd(scores.as_mut_ptr().wrapping_add(HALF), high_lanes, high);
}

/// Clear `failing`'s leaves in the lanes of `lanes` (a bit per lane, set where the row fails the split).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
#[inline]
unsafe fn fail_wide(leaves: &mut [[std::arch::x86_64::__m512i; 2]], failing: Failing, lanes: u16) {
    use std::arch::x86_64::*;

    let clear = _mm512_set1_epi64(failing.clear as i64);
    // SAFETY: `failing.tree` is one of the forest's trees, and `leaves` holds one set pair per tree.
    let set = leaves.get_unchecked_mut(failing.tree as usize);
    set[0] = _mm512_mask_andnot_epi64(set[0], lanes as u8, clear, set[0]);
    set[1] = _mm512_mask_andnot_epi64(set[1], (lanes >> 8) as u8, clear, set[1]);
}
