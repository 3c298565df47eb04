//! The forest's walk on AVX2: eight rows a vector, a level at a time. A block's rows are first laid out by column
//! ([`transpose`]). The first four levels need no gather: every lane is at one of at most eight nodes known before
//! the walk (the root, its children, theirs), so a vector picks its lanes' nodes among those and loads their
//! columns. Below, a level gathers the nodes' words and thresholds (as 64-bit pairs) and the rows' values, then
//! compares, where the scalar walk takes a dozen instructions and two branches a row. It decides as
//! the scalar walk does, for `f32` rows only:
//!
//! - a numerical split's `f64` threshold becomes the largest `f32` at most it ([`f32_at_most`]), so that an `f32`
//!   value is at most the one exactly when it is at most the other;
//! - a node's [`Packed`] word holds its left child, its feature, whether NaN goes left, whether it is a
//!   categorical split of categories below 64 (its bitset is then the threshold's bits and [`Packed`]'s
//!   `high_bits`: the lane's category is the value truncated toward zero, as the scalar walk's), and whether it is
//!   a slow split (a larger bitset, or `Zero` default), whose lanes the scalar [`Forest::goes_left`] decides;
//! - a leaf is its own left child with a threshold of `+inf` that sends NaN left, so a lane at a leaf stays.
//!
//! The sums are the scalar walk's: a row's leaf values added tree after tree, so the raw scores are the same bit
//! for bit (`tests` hold the two walks to each other on the shipped bundles' trees and on random forests).

use super::{Forest, BITSET_WORD_BITS, BLOCK_ROWS, CATEGORICAL, LEAF, NAN_LEFT, SLOW};

/// Bits of a packed word: the left child's index, then the feature, then the three flags.
const LEFT_BITS: u32 = 20;
const PACKED_FEATURE_BITS: u32 = 9;
const FEATURE_SHIFT: u32 = LEFT_BITS;
const LEFT_MASK: u32 = (1 << LEFT_BITS) - 1;
const PACKED_FEATURE_MASK: u32 = (1 << PACKED_FEATURE_BITS) - 1;
/// A categorical split whose bitset has at most [`FAST_BITSET_WORDS`] words.
const PACKED_CATEGORICAL: u32 = 1 << (LEFT_BITS + PACKED_FEATURE_BITS);
const PACKED_NAN_LEFT: u32 = PACKED_CATEGORICAL << 1;
const FAST_BITSET_WORDS: usize = 2;
/// The sign bit, so that one `movemask` finds the lanes at a slow split.
const PACKED_SLOW: u32 = 1 << 31;
/// Nodes and features a packed word can address.
pub(super) const MAX_PACKED_NODES: usize = 1 << LEFT_BITS;
pub(super) const MAX_PACKED_FEATURES: usize = 1 << PACKED_FEATURE_BITS;

/// Rows of one vector (eight `f32` lanes of AVX2).
pub(super) const WIDTH: usize = 8;
/// Vectors of a block: their walks are independent, so the processor overlaps their gathers.
const VECTORS: usize = BLOCK_ROWS / WIDTH;
/// `shuffle_ps` picks of the even (words) and odd (thresholds) 32-bit halves of two vectors of pairs, and the
/// `permute4x64` that puts the picked halves back in lane order.
const EVEN: i32 = 0b10_00_10_00;
const ODD: i32 = 0b11_01_11_01;
const IN_ORDER: i32 = 0b11_01_10_00;
/// A `movemask` of every lane.
const ALL_LANES: i32 = (1 << WIDTH) - 1;

/// The forest's nodes as the vector walk reads them: a word and an `f32` threshold per node.
#[derive(Debug, Clone)]
pub(super) struct Packed {
    /// A node's word in the low half, its threshold's bits in the high half: one 64-bit gather reads both.
    nodes: Vec<u64>,
    /// A fast categorical split's second bitset word (categories 32 to 63), at the node's index; 0 elsewhere.
    high_bits: Vec<u32>,
}

/// The largest `f32` at most `threshold`: for every `f32` value `v`, `f64::from(v) <= threshold` exactly when
/// `v <= f32_at_most(threshold)` (NaN stays NaN, so it compares false either way).
pub(super) fn f32_at_most(threshold: f64) -> f32 {
    let nearest = threshold as f32;
    if f64::from(nearest) <= threshold || nearest.is_nan() {
        return nearest;
    }
    // `nearest` rounded up: step one `f32` down (toward `-inf`).
    if nearest == f32::INFINITY {
        f32::MAX
    } else if nearest == 0.0 {
        -f32::from_bits(1)
    } else if nearest > 0.0 {
        f32::from_bits(nearest.to_bits() - 1)
    } else {
        f32::from_bits(nearest.to_bits() + 1)
    }
}

impl Packed {
    /// The packed nodes of `forest`, or `None` when it has more nodes or features than a word addresses.
    pub(super) fn of(forest: &Forest) -> Option<Packed> {
        if forest.nodes.len() > MAX_PACKED_NODES || forest.num_features > MAX_PACKED_FEATURES {
            return None;
        }
        let mut nodes = Vec::with_capacity(forest.nodes.len());
        let mut high_bits = vec![0; forest.nodes.len()];
        for (index, node) in forest.nodes.iter().enumerate() {
            let flags = node.flags();
            let mut word = node.left | (node.feature() as u32) << FEATURE_SHIFT;
            // A leaf's threshold: every value but NaN goes left, and NaN by its flag.
            let mut threshold = f32::INFINITY.to_bits();
            if flags & NAN_LEFT != 0 {
                word |= PACKED_NAN_LEFT;
            }
            if flags & CATEGORICAL != 0 {
                let (start, len) = node.bitset();
                if flags & SLOW == CATEGORICAL && len <= FAST_BITSET_WORDS {
                    let bits = &forest.cat_bits[start..start + len];
                    word |= PACKED_CATEGORICAL;
                    threshold = bits.first().copied().unwrap_or(0);
                    high_bits[index] = bits.get(1).copied().unwrap_or(0);
                } else {
                    word |= PACKED_SLOW;
                }
            } else {
                if flags & SLOW != 0 {
                    word |= PACKED_SLOW;
                }
                if flags & LEAF == 0 {
                    threshold = f32_at_most(node.value()).to_bits();
                }
            }
            nodes.push(u64::from(word) | u64::from(threshold) << 32);
        }
        Some(Packed { nodes, high_bits })
    }
}

/// Whether this processor runs the vector walk.
pub(super) fn available() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx2")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// A block's rows by column, as [`add_tree`] reads them: the value of feature `f` of row `r` at
/// `f * BLOCK_ROWS + r`, so a vector's values of one feature are one load where every lane is at the same node.
pub(super) fn transpose(rows: &[f32], width: usize, columns: &mut [f32]) {
    debug_assert!(columns.len() == width * BLOCK_ROWS && rows.len() <= columns.len());
    for (r, row) in rows.chunks_exact(width).enumerate() {
        for (f, &value) in row.iter().enumerate() {
            columns[f * BLOCK_ROWS + r] = value;
        }
    }
}

/// Levels whose nodes are known before the walk ([`add_tree`]).
const KNOWN_LEVELS: u32 = 4;
/// `log2(BLOCK_ROWS)`: a feature's column starts at `feature << BLOCK_SHIFT`.
const BLOCK_SHIFT: i32 = BLOCK_ROWS.trailing_zeros() as i32;

/// Add each row's leaf value of the tree rooted at `root` (at most `depth` levels) to its score: `columns` holds
/// the block's rows by column ([`transpose`]), `scores` one score per row (at most [`BLOCK_ROWS`]). The first
/// [`KNOWN_LEVELS`] levels pick each lane's node among the few it can be at and load their columns; the levels
/// below gather.
///
/// # Safety
///
/// The processor has AVX2 ([`available`]); `packed` is `forest`'s; `root` is one of its roots; `columns` holds
/// exactly `BLOCK_ROWS * forest.num_features` values.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
pub(super) unsafe fn add_tree(
    forest: &Forest,
    packed: &Packed,
    root: u32,
    depth: u32,
    columns: &[f32],
    scores: &mut [f64],
) {
    use std::arch::x86_64::*;

    let n = scores.len();
    debug_assert!(n <= BLOCK_ROWS && columns.len() == BLOCK_ROWS * forest.num_features);
    let vectors = n.div_ceil(WIDTH);
    // Each lane's row in the block (lanes past the last row read values that nothing reads back).
    let mut rows = [_mm256_setzero_si256(); VECTORS];
    for (v, rows) in rows.iter_mut().enumerate() {
        let first = (v * WIDTH) as i32;
        *rows = _mm256_setr_epi32(first, first + 1, first + 2, first + 3, first + 4, first + 5, first + 6, first + 7);
    }
    let step = Step { forest, packed, columns };
    let mut at = [_mm256_set1_epi32(root as i32); VECTORS];
    // The first levels: every lane is at one of a few nodes known in advance (the root, its two children, their
    // four, their eight), so each vector picks its lanes' nodes among those and loads their columns, no gather.
    let children = |node: usize| {
        let left = (packed.nodes[node] as u32 & LEFT_MASK) as usize;
        if left == node {
            [node, node] // a leaf stays
        } else {
            [left, left + 1]
        }
    };
    let first = [root as usize];
    let second = children(first[0]);
    let [[a, b], [c, d]] = second.map(children);
    let third = [a, b, c, d];
    let [[e, f], [g, h], [i, j], [k, l]] = third.map(children);
    let at = &mut at[..vectors];
    if depth > 0 {
        step.known_level(first, at, &rows);
    }
    if depth > 1 {
        step.known_level(second, at, &rows);
    }
    if depth > 2 {
        step.known_level(third, at, &rows);
    }
    if depth > 3 {
        step.known_level([e, f, g, h, i, j, k, l], at, &rows);
    }
    let nodes = packed.nodes.as_ptr().cast::<i64>();
    let feature_mask = _mm256_set1_epi32(PACKED_FEATURE_MASK as i32);
    for _ in KNOWN_LEVELS..depth {
        let mut moving = 0;
        for v in 0..vectors {
            let index = at[v];
            // SAFETY (the gathers): every index is a root or a child, so a node (`check_links`), and every
            // node's feature is below the width, so its column holds the lane's row.
            // Lanes 0-3 and 4-7 as (word, threshold) pairs, then the words and the thresholds apart, in order.
            let low = _mm256_castsi256_ps(_mm256_i32gather_epi64::<8>(nodes, _mm256_castsi256_si128(index)));
            let high = _mm256_castsi256_ps(_mm256_i32gather_epi64::<8>(nodes, _mm256_extracti128_si256::<1>(index)));
            let word = _mm256_permute4x64_epi64::<IN_ORDER>(_mm256_castps_si256(_mm256_shuffle_ps::<EVEN>(low, high)));
            let threshold = _mm256_castsi256_ps(_mm256_permute4x64_epi64::<IN_ORDER>(_mm256_castps_si256(
                _mm256_shuffle_ps::<ODD>(low, high),
            )));
            let feature = _mm256_and_si256(_mm256_srli_epi32::<{ FEATURE_SHIFT as i32 }>(word), feature_mask);
            let cells = _mm256_add_epi32(_mm256_slli_epi32::<BLOCK_SHIFT>(feature), rows[v]);
            let value = _mm256_i32gather_ps::<4>(columns.as_ptr(), cells);
            let next = step.decide(index, word, threshold, value, rows[v]);
            // A lane that stays is at a leaf.
            moving |= _mm256_movemask_ps(_mm256_castsi256_ps(_mm256_cmpeq_epi32(next, index))) ^ ALL_LANES;
            at[v] = next;
        }
        if moving == 0 {
            break;
        }
    }
    for (v, scores) in scores.chunks_mut(WIDTH).enumerate() {
        let mut leaves = [0u32; WIDTH];
        _mm256_storeu_si256(leaves.as_mut_ptr().cast(), at[v]);
        for (score, &leaf) in scores.iter_mut().zip(&leaves) {
            *score += forest.leaf_values[leaf as usize];
        }
    }
}

/// What a level reads: the forest (its slow splits), its packed nodes and the block's columns.
#[cfg(target_arch = "x86_64")]
struct Step<'a> {
    forest: &'a Forest,
    packed: &'a Packed,
    columns: &'a [f32],
}

#[cfg(target_arch = "x86_64")]
impl Step<'_> {
    /// A level where every lane is at one of `nodes`: each lane's node and value picked among theirs.
    #[target_feature(enable = "avx2")]
    #[inline]
    unsafe fn known_level<const K: usize>(
        &self,
        nodes: [usize; K],
        at: &mut [std::arch::x86_64::__m256i],
        rows: &[std::arch::x86_64::__m256i],
    ) {
        use std::arch::x86_64::*;

        let known = nodes.map(|node| {
            let pair = self.packed.nodes[node];
            let feature = ((pair as u32 >> FEATURE_SHIFT) & PACKED_FEATURE_MASK) as usize;
            (_mm256_set1_epi32(node as i32), _mm256_set1_epi64x(pair as i64), feature * BLOCK_ROWS)
        });
        for (v, (at, &rows)) in at.iter_mut().zip(rows).enumerate() {
            let (mut word, mut threshold, mut value) =
                (_mm256_setzero_si256(), _mm256_setzero_si256(), _mm256_setzero_ps());
            for &(node, pair, column) in &known {
                let here = _mm256_cmpeq_epi32(*at, node);
                // The pair's low half is the word, its high half the threshold's bits.
                word = _mm256_or_si256(word, _mm256_and_si256(here, _mm256_shuffle_epi32::<0b00_00_00_00>(pair)));
                threshold =
                    _mm256_or_si256(threshold, _mm256_and_si256(here, _mm256_shuffle_epi32::<0b01_01_01_01>(pair)));
                // SAFETY: every node's feature is below the width, so its column holds BLOCK_ROWS values.
                let loaded = _mm256_loadu_ps(self.columns.as_ptr().add(column + v * WIDTH));
                value = _mm256_or_ps(value, _mm256_and_ps(_mm256_castsi256_ps(here), loaded));
            }
            *at = self.decide(*at, word, _mm256_castsi256_ps(threshold), value, rows);
        }
    }

    /// The next node of each lane at node `index` (its `word` and `threshold`), whose row (`rows`) has `value`.
    #[target_feature(enable = "avx2")]
    #[inline]
    unsafe fn decide(
        &self,
        index: std::arch::x86_64::__m256i,
        word: std::arch::x86_64::__m256i,
        threshold: std::arch::x86_64::__m256,
        value: std::arch::x86_64::__m256,
        rows: std::arch::x86_64::__m256i,
    ) -> std::arch::x86_64::__m256i {
        use std::arch::x86_64::*;

        let one = _mm256_set1_epi32(1);
        let below = _mm256_castps_si256(_mm256_cmp_ps::<_CMP_LE_OQ>(value, threshold));
        let nan = _mm256_castps_si256(_mm256_cmp_ps::<_CMP_UNORD_Q>(value, value));
        // The NaN-left bit spread over its lane (the bit below the sign).
        let nan_left = _mm256_srai_epi32::<31>(_mm256_slli_epi32::<1>(word));
        let mut go_left = _mm256_or_si256(below, _mm256_and_si256(nan, nan_left));
        // The categorical bit spread over its lane.
        let categorical = _mm256_srai_epi32::<31>(_mm256_slli_epi32::<2>(word));
        if _mm256_movemask_ps(_mm256_castsi256_ps(categorical)) != 0 {
            // The category's bit of the bitset: a shift by 32 or more (a category past 63, negative, NaN or too
            // large for an i32, all of which go right) leaves no bit.
            let high_bits = self.packed.high_bits.as_ptr().cast();
            let high = _mm256_mask_i32gather_epi32::<4>(_mm256_setzero_si256(), high_bits, index, categorical);
            let category = _mm256_cvttps_epi32(value);
            let low_bit = _mm256_srlv_epi32(_mm256_castps_si256(threshold), category);
            let high_bit = _mm256_srlv_epi32(high, _mm256_sub_epi32(category, _mm256_set1_epi32(BITSET_WORD_BITS)));
            let in_set = _mm256_cmpeq_epi32(_mm256_and_si256(_mm256_or_si256(low_bit, high_bit), one), one);
            go_left = _mm256_blendv_epi8(go_left, in_set, categorical);
        }
        // left + 1 (right), plus -1 (all ones) where the lane goes left.
        let left = _mm256_and_si256(word, _mm256_set1_epi32(LEFT_MASK as i32));
        let next = _mm256_add_epi32(_mm256_add_epi32(left, one), go_left);
        let slow = _mm256_movemask_ps(_mm256_castsi256_ps(word));
        if slow != 0 {
            return slow_lanes(self.forest, slow, index, next, rows, self.columns);
        }
        next
    }
}

/// The lanes of `slow` (a movemask) are at a split of a larger bitset or `Zero` default: decide them one at a time.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[cold]
#[inline(never)]
unsafe fn slow_lanes(
    forest: &Forest,
    slow: i32,
    index: std::arch::x86_64::__m256i,
    next: std::arch::x86_64::__m256i,
    rows: std::arch::x86_64::__m256i,
    columns: &[f32],
) -> std::arch::x86_64::__m256i {
    use std::arch::x86_64::*;

    let mut at = [0u32; WIDTH];
    let mut to = [0u32; WIDTH];
    let mut row = [0u32; WIDTH];
    _mm256_storeu_si256(at.as_mut_ptr().cast(), index);
    _mm256_storeu_si256(to.as_mut_ptr().cast(), next);
    _mm256_storeu_si256(row.as_mut_ptr().cast(), rows);
    for lane in 0..WIDTH {
        if slow & (1 << lane) != 0 {
            let node = forest.nodes[at[lane] as usize];
            let value = f64::from(columns[node.feature() * BLOCK_ROWS + row[lane] as usize]);
            to[lane] = node.left + u32::from(!forest.goes_left(node, value));
        }
    }
    _mm256_loadu_si256(to.as_ptr().cast())
}
