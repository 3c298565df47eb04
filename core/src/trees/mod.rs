//! LightGBM's model text as a flat forest: parsed once, then evaluated exactly as LightGBM's own predictor
//! evaluates it (`Tree::Predict` of LightGBM 4.x), with no code generation at run time.
//!
//! What LightGBM does, and so what this does:
//!
//! - features are compared as `f64` against `f64` thresholds (an `f32` feature is widened exactly);
//! - a value within [`ZERO_THRESHOLD`] of zero is zero (the dense-row reader drops it, the tree sees `0.0`);
//! - a numerical split sends NaN by its missing type: `None` treats it as `0.0`, `Zero` and `NaN` send it to
//!   the default side; `Zero` also sends every zero to the default side;
//! - a categorical split sends NaN and negative values right, and an integer category left when its bit is set
//!   in the split's bitset (`cat_boundaries` / `cat_threshold`);
//! - the trees' outputs are summed in order from `0.0`, and a binary objective's probability is
//!   `1 / (1 + exp(-sigmoid * raw))`, where a random forest's (`average_output`) raw sum is first divided by its
//!   trees (LightGBM's `Predict` averages, its `PredictRaw` does not).
//!
//! The forest is one flat array of 16-byte nodes, a tree after another, each tree laid out breadth first with a
//! node's two children side by side: a split reads one node (threshold, feature, flags, children) and picks its
//! child by adding the comparison's outcome. Missing-value and zero rules are folded into the node at parse time
//! (see [`Node`]); only categorical splits and `Zero` splits whose default side differs from zero's take the
//! slow path. Rows are evaluated in blocks of [`BLOCK_ROWS`], a tree at a time, so a tree stays in cache across
//! the block, and [`LANES`] rows walk a tree together, a level at a time: one row's walk is a chain of dependent
//! loads, several independent walks overlap in the processor (about twice as fast as a row at a time on the
//! shipped bundles). The sums keep LightGBM's order (tree 0 first) for every row, so raw scores are LightGBM's
//! bit for bit. `f32` rows on a processor with AVX2 take the [`quick`] scorer instead (the forest read by feature,
//! eight rows a vector, sixteen on AVX-512, for trees of at most 64 leaves), or else the [`vector`] walk (eight
//! rows a vector, the first four levels without a gather): the same decisions and sums (the shipped bundles'
//! first passes on the bench's 49,227 lines: HTML 213 ms scalar, 111 ms vector walk, 56 ms quick on AVX2, 48 on
//! AVX-512; text 158, 73, 37, 32 ms). Both read a block's rows by column, so rows may also be given by column
//! ([`Forest::predict_proba_by_column`], the fused pipeline's way: no row-major matrix to lay out again).
//!
//! Model text that is not a LightGBM model, or one this evaluator does not support (several classes, linear
//! trees), is a [`ModelError`] that says which line and why; nothing in parsing or prediction panics.

use std::collections::VecDeque;
use std::fmt;

mod quick;
mod vector;

/// LightGBM's `kZeroThreshold` (`1e-35f` widened to double): values this close to zero are zero.
pub const ZERO_THRESHOLD: f64 = 1e-35_f32 as f64;
/// Rows evaluated together, a tree at a time: a block's rows (at most a few hundred features each) and one
/// tree's nodes stay in the first cache levels.
pub const BLOCK_ROWS: usize = 64;
/// Rows of a block that walk a tree together (see [`Forest::predict_raw_into`]).
pub const LANES: usize = 8;
/// Features a node can address: the feature index shares a 32-bit word with the node's flags.
pub const MAX_FEATURES: usize = 1 << FEATURE_BITS;

/// Model text versions LightGBM 2.x to 4.x write; the tree format is the same.
const KNOWN_VERSIONS: [&str; 3] = ["v2", "v3", "v4"];
const TREE_PREFIX: &str = "Tree=";
const END_OF_TREES: &str = "end of trees";
/// `decision_type` bits (LightGBM's `kCategoricalMask`, `kDefaultLeftMask`) and missing types.
const CATEGORICAL_MASK: u8 = 1;
const DEFAULT_LEFT_MASK: u8 = 2;
const MISSING_TYPE_SHIFT: u8 = 2;
const MISSING_TYPE_BITS: u8 = 3;
/// `decision_type` holds the two flags and the missing type in its low four bits.
const MAX_DECISION_TYPE: u8 = 15;
const MISSING_NONE: u8 = 0;
const MISSING_ZERO: u8 = 1;
const MISSING_NAN: u8 = 2;
/// Bits of a categorical bitset word.
const BITSET_WORD_BITS: i32 = 32;

const FEATURE_BITS: u32 = 24;
const FEATURE_MASK: u32 = (1 << FEATURE_BITS) - 1;
/// A node's flags, in the top byte of [`Node::feature_flags`]. A numerical split without any of [`SLOW`] takes
/// the fast path: `value <= threshold`, NaN by [`NAN_LEFT`].
const LEAF: u32 = 1 << 24;
const CATEGORICAL: u32 = 1 << 25;
/// Numerical split: NaN goes left.
const NAN_LEFT: u32 = 1 << 26;
/// Numerical split of missing type `Zero` whose default side is not the one zero's comparison picks: values
/// within [`ZERO_THRESHOLD`] of zero take the default side, [`DEFAULT_LEFT`].
const ZERO_DEFAULT: u32 = 1 << 27;
const DEFAULT_LEFT: u32 = 1 << 28;
/// Splits off the fast path.
const SLOW: u32 = CATEGORICAL | ZERO_DEFAULT;

/// Model text that cannot be evaluated: where (1-based line, when known) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelError {
    pub line: Option<usize>,
    pub message: String,
}

impl ModelError {
    fn at(line: usize, message: impl Into<String>) -> Self {
        ModelError { line: Some(line), message: message.into() }
    }

    fn whole(message: impl Into<String>) -> Self {
        ModelError { line: None, message: message.into() }
    }
}

impl fmt::Display for ModelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "LightGBM model text, line {line}: {}", self.message),
            None => write!(f, "LightGBM model text: {}", self.message),
        }
    }
}

impl std::error::Error for ModelError {}

/// A prediction that cannot be made: a feature matrix or output that does not fit the forest, or probabilities
/// of a model that has none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PredictError {
    /// The matrix's width is not the forest's number of features.
    Features { given: usize, expected: usize },
    /// The matrix's length is not a whole number of rows, or not the output's rows.
    Rows { values: usize, features: usize, outputs: usize },
    /// Probabilities were asked of a forest whose objective has none.
    NoProbabilities { objective: String },
}

impl fmt::Display for PredictError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PredictError::Features { given, expected } => {
                write!(f, "{given} features given, the forest has {expected}")
            }
            PredictError::Rows { values, features, outputs } => {
                write!(f, "{values} values are not {outputs} rows of {features} features")
            }
            PredictError::NoProbabilities { objective } => {
                write!(f, "probabilities need a binary objective, the model's is {objective:?}")
            }
        }
    }
}

impl std::error::Error for PredictError {}

/// A feature value as LightGBM reads it: widened to `f64`.
pub trait Feature: Copy + Send + Sync {
    fn to_f64(self) -> f64;

    /// The rows as `f32`, when they are: the vector walk ([`vector`]) reads only those.
    fn as_f32(rows: &[Self]) -> Option<&[f32]> {
        let _ = rows;
        None
    }
}

impl Feature for f32 {
    #[inline(always)]
    fn to_f64(self) -> f64 {
        f64::from(self)
    }

    fn as_f32(rows: &[f32]) -> Option<&[f32]> {
        Some(rows)
    }
}

impl Feature for f64 {
    #[inline(always)]
    fn to_f64(self) -> f64 {
        self
    }
}

/// One node of the flat forest: a split or a leaf.
///
/// `payload` is, by the flags: a numerical split's threshold, moved so that comparing the raw value gives what
/// comparing LightGBM's zeroed value gives ([`effective_threshold`]); a categorical split's bitset as
/// `start << 32 | len` in [`Forest::cat_bits`]; `+inf` for a leaf. The right child is `left + 1`. A leaf is its
/// own left child and sends every value left (NaN too), so a row that reached it stays there while the others of
/// its block go on down: its value is in [`Forest::leaf_values`].
#[derive(Debug, Clone, Copy, PartialEq)]
struct Node {
    payload: u64,
    feature_flags: u32,
    left: u32,
}

impl Node {
    fn leaf(slot: usize) -> Self {
        Node { payload: f64::INFINITY.to_bits(), feature_flags: LEAF | NAN_LEFT, left: slot as u32 }
    }

    #[inline(always)]
    fn flags(self) -> u32 {
        self.feature_flags & !FEATURE_MASK
    }

    #[inline(always)]
    fn feature(self) -> usize {
        (self.feature_flags & FEATURE_MASK) as usize
    }

    #[inline(always)]
    fn value(self) -> f64 {
        f64::from_bits(self.payload)
    }

    #[inline(always)]
    fn bitset(self) -> (usize, usize) {
        ((self.payload >> 32) as usize, (self.payload & u64::from(u32::MAX)) as usize)
    }
}

/// The threshold that, against the raw value, decides as LightGBM's threshold decides against the value with
/// every `|v| <= ZERO_THRESHOLD` made `0.0`: only thresholds within that band of zero move.
fn effective_threshold(threshold: f64) -> f64 {
    if (0.0..ZERO_THRESHOLD).contains(&threshold) {
        ZERO_THRESHOLD // zero goes left: so does the whole band
    } else if (-ZERO_THRESHOLD..0.0).contains(&threshold) {
        f64::from_bits((-ZERO_THRESHOLD).to_bits() + 1) // the next double below: the band goes right, as zero
    } else {
        threshold
    }
}

/// How [`Forest::predict_raw_by`] walks the trees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Walk {
    /// The [`quick`] scorer where it applies (`f32` rows, AVX2, trees of at most [`quick::MAX_LEAVES`] leaves),
    /// else the vector walk where it applies (`f32` rows, AVX2, a forest its words address), else the scalar one.
    Fastest,
    /// The [`quick`] scorer eight rows a vector (AVX2) where it applies, even on a processor with AVX-512.
    #[cfg_attr(not(test), allow(dead_code))]
    Quick8,
    /// The vector walk where it applies, else the scalar one.
    #[cfg_attr(not(test), allow(dead_code))]
    Vector,
    /// The scalar walk, [`LANES`] rows at a time.
    #[cfg_attr(not(test), allow(dead_code))]
    Scalar,
}

/// A vector way of scoring a block of `f32` rows laid out by column ([`Forest::block_way`]).
#[derive(Clone, Copy)]
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
enum BlockWay<'a> {
    /// The quick scorer on AVX-512.
    QuickWide(&'a quick::Quick),
    /// The quick scorer on AVX2.
    Quick(&'a quick::Quick),
    /// The vector walk (AVX2).
    Vector(&'a vector::Packed),
}

/// What a binary model's raw score becomes: LightGBM's `BinaryLogloss::ConvertOutput`.
#[derive(Debug, Clone, PartialEq)]
pub enum Objective {
    Binary {
        sigmoid: f64,
    },
    /// Any other objective (or none): raw scores only.
    Other(String),
}

/// A LightGBM model's trees, ready to predict.
#[derive(Debug, Clone)]
pub struct Forest {
    nodes: Vec<Node>,
    /// The value of each leaf of `nodes`, at the leaf's index (zero for splits).
    leaf_values: Vec<f64>,
    /// Index of each tree's root in `nodes`.
    roots: Vec<u32>,
    /// Each tree's depth: the splits a row passes before it reaches any of the tree's leaves.
    depths: Vec<u32>,
    cat_bits: Vec<u32>,
    num_features: usize,
    objective: Objective,
    average_output: bool,
    /// The nodes again for the vector walk; `None` for a forest too large for its words.
    packed: Option<vector::Packed>,
    /// The splits by feature for the [`quick`] scorer; `None` for a forest with a tree of too many leaves.
    quick: Option<quick::Quick>,
}

/// One tree's `key=value` lines, as LightGBM writes them.
struct TreeText<'a> {
    /// Line of `Tree=...`.
    line: usize,
    fields: Vec<(&'a str, &'a str, usize)>,
}

impl<'a> TreeText<'a> {
    fn get(&self, key: &str) -> Option<(&'a str, usize)> {
        self.fields.iter().find(|(k, _, _)| *k == key).map(|(_, v, line)| (*v, *line))
    }

    fn scalar<T: std::str::FromStr>(&self, key: &str) -> Result<T, ModelError> {
        let (value, line) = self.get(key).ok_or_else(|| ModelError::at(self.line, format!("the tree has no {key}")))?;
        value.trim().parse().map_err(|_| ModelError::at(line, format!("{key} is not a number: {value:?}")))
    }

    /// The array `key`, which must hold `len` values (absent: `None`).
    fn array<T: std::str::FromStr>(&self, key: &str, len: usize) -> Result<Option<Vec<T>>, ModelError> {
        let Some((value, line)) = self.get(key) else { return Ok(None) };
        let mut parsed = Vec::new();
        for token in value.split_ascii_whitespace() {
            if parsed.len() == len {
                return Err(ModelError::at(line, format!("{key} holds more than {len} values")));
            }
            let number =
                token.parse().map_err(|_| ModelError::at(line, format!("{key}: {token:?} is not a number")))?;
            parsed.push(number);
        }
        if parsed.len() != len {
            return Err(ModelError::at(line, format!("{key} holds {} values, not {len}", parsed.len())));
        }
        Ok(Some(parsed))
    }

    fn required<T: std::str::FromStr>(&self, key: &str, len: usize) -> Result<Vec<T>, ModelError> {
        self.array(key, len)?.ok_or_else(|| ModelError::at(self.line, format!("the tree has no {key}")))
    }
}

/// A child reference of LightGBM's tree arrays: `>= 0` a split, `< 0` the leaf `!child`.
#[derive(Clone, Copy)]
enum Child {
    Split(usize),
    Leaf(usize),
}

fn child(raw: i32, splits: usize, leaves: usize, line: usize) -> Result<Child, ModelError> {
    if raw >= 0 {
        let index = raw as usize;
        if index < splits {
            return Ok(Child::Split(index));
        }
    } else {
        let index = (!raw) as usize;
        if index < leaves {
            return Ok(Child::Leaf(index));
        }
    }
    Err(ModelError::at(line, format!("child {raw} is neither one of the {splits} splits nor of the {leaves} leaves")))
}

impl Forest {
    /// Parse LightGBM's model text (`Booster.model_to_string()`, `model.txt`).
    pub fn parse(text: &str) -> Result<Forest, ModelError> {
        let mut lines = text.lines().enumerate().map(|(i, l)| (i + 1, l.trim_end_matches('\r'))).peekable();
        // The header: key=value lines up to the first tree.
        let mut header: Vec<(&str, &str, usize)> = Vec::new();
        let mut first = true;
        while let Some(&(number, line)) = lines.peek() {
            if line.starts_with(TREE_PREFIX) || line == END_OF_TREES {
                break;
            }
            lines.next();
            if first {
                if line.trim() != "tree" {
                    return Err(ModelError::at(number, "not a LightGBM model (the text does not start with `tree`)"));
                }
                first = false;
                continue;
            }
            if line.trim().is_empty() {
                continue;
            }
            let (key, value) = line.split_once('=').unwrap_or((line, ""));
            header.push((key.trim(), value, number));
        }
        if first {
            return Err(ModelError::whole("empty text: not a LightGBM model"));
        }
        let get = |key: &str| header.iter().find(|(k, _, _)| *k == key).map(|(_, v, n)| (*v, *n));
        let int = |key: &str| -> Result<Option<i64>, ModelError> {
            match get(key) {
                None => Ok(None),
                Some((value, n)) => value
                    .trim()
                    .parse()
                    .map(Some)
                    .map_err(|_| ModelError::at(n, format!("{key} is not an integer: {value:?}"))),
            }
        };
        match get("version") {
            Some((v, _)) if KNOWN_VERSIONS.contains(&v.trim()) => {}
            Some((v, n)) => return Err(ModelError::at(n, format!("unknown model version {v:?}"))),
            None => return Err(ModelError::whole("no version in the header: not a LightGBM model")),
        }
        let num_class = int("num_class")?.ok_or_else(|| ModelError::whole("no num_class in the header"))?;
        let per_iteration = int("num_tree_per_iteration")?.unwrap_or(num_class);
        if num_class != 1 || per_iteration != 1 {
            return Err(ModelError::whole(format!(
                "{num_class} classes, {per_iteration} trees per iteration: only single-output models \
                 (binary, regression) are supported"
            )));
        }
        let max_feature_idx =
            int("max_feature_idx")?.ok_or_else(|| ModelError::whole("no max_feature_idx in the header"))?;
        if max_feature_idx < 0 || max_feature_idx >= MAX_FEATURES as i64 {
            return Err(ModelError::whole(format!(
                "max_feature_idx {max_feature_idx}: from 0 to {} features are supported",
                MAX_FEATURES
            )));
        }
        let num_features = max_feature_idx as usize + 1;
        if let Some((names, n)) = get("feature_names") {
            let count = names.split_ascii_whitespace().count();
            if count != num_features {
                return Err(ModelError::at(n, format!("{count} feature names for {num_features} features")));
            }
        }
        let objective = match get("objective") {
            Some((value, n)) => parse_objective(value, n)?,
            None => Objective::Other(String::new()),
        };
        let average_output = get("average_output").is_some();
        let declared_trees = get("tree_sizes").map(|(sizes, _)| sizes.split_ascii_whitespace().count());

        // The trees: `Tree=i`, then key=value lines up to a blank line.
        let mut forest = Forest {
            nodes: Vec::new(),
            leaf_values: Vec::new(),
            roots: Vec::new(),
            depths: Vec::new(),
            cat_bits: Vec::new(),
            num_features,
            objective,
            average_output,
            packed: None,
            quick: None,
        };
        let mut ended = false;
        while let Some((number, line)) = lines.next() {
            if line == END_OF_TREES {
                ended = true;
                break;
            }
            if line.trim().is_empty() {
                continue;
            }
            if !line.starts_with(TREE_PREFIX) {
                return Err(ModelError::at(
                    number,
                    format!("expected `Tree=` or `{END_OF_TREES}`, got {:?}", truncated(line)),
                ));
            }
            let mut tree = TreeText { line: number, fields: Vec::new() };
            while let Some(&(n, field)) = lines.peek() {
                if field.trim().is_empty() || field.starts_with(TREE_PREFIX) || field == END_OF_TREES {
                    break;
                }
                lines.next();
                let (key, value) = field
                    .split_once('=')
                    .ok_or_else(|| ModelError::at(n, format!("not a key=value line: {:?}", truncated(field))))?;
                tree.fields.push((key.trim(), value, n));
            }
            forest.push_tree(&tree)?;
        }
        if !ended {
            return Err(ModelError::whole(format!("no `{END_OF_TREES}` line: the text is truncated")));
        }
        forest.check_links()?;
        forest.packed = vector::Packed::of(&forest);
        forest.quick = quick::Quick::of(&forest);
        if let Some(declared) = declared_trees {
            if declared != forest.roots.len() {
                return Err(ModelError::whole(format!(
                    "tree_sizes lists {declared} trees, the text holds {}",
                    forest.roots.len()
                )));
            }
        }
        Ok(forest)
    }

    /// Lay one tree out breadth first, children side by side, with its flags folded in.
    fn push_tree(&mut self, tree: &TreeText<'_>) -> Result<(), ModelError> {
        let num_leaves: usize = tree.scalar("num_leaves")?;
        if num_leaves == 0 {
            return Err(ModelError::at(tree.line, "a tree of 0 leaves"));
        }
        if let Some((value, line)) = tree.get("is_linear") {
            if value.trim() != "0" {
                return Err(ModelError::at(line, "linear trees (linear_tree=true) are not supported"));
            }
        }
        let leaf_values: Vec<f64> = tree.required("leaf_value", num_leaves)?;
        let base = self.nodes.len();
        if base + 2 * num_leaves > u32::MAX as usize {
            return Err(ModelError::at(tree.line, "the forest has too many nodes"));
        }
        self.roots.push(base as u32);
        if num_leaves == 1 {
            self.push_leaf(base, leaf_values[0]);
            self.depths.push(0);
            return Ok(());
        }
        let splits = num_leaves - 1;
        let num_cat: usize = tree.scalar("num_cat")?;
        let split_feature: Vec<i64> = tree.required("split_feature", splits)?;
        let threshold: Vec<f64> = tree.required("threshold", splits)?;
        let left_child: Vec<i32> = tree.required("left_child", splits)?;
        let right_child: Vec<i32> = tree.required("right_child", splits)?;
        let decision_type: Vec<u8> = tree.array("decision_type", splits)?.unwrap_or_else(|| vec![0; splits]);
        let field_line = |key: &str| tree.get(key).map_or(tree.line, |(_, line)| line);
        let cat_base = self.cat_bits.len();
        let mut cat_ranges: Vec<(usize, usize)> = Vec::new();
        if num_cat > 0 {
            let count = num_cat.checked_add(1).ok_or_else(|| ModelError::at(tree.line, "num_cat is too large"))?;
            let boundaries: Vec<usize> = tree.required("cat_boundaries", count)?;
            let line = field_line("cat_boundaries");
            if boundaries[0] != 0 || boundaries.windows(2).any(|w| w[0] > w[1]) {
                return Err(ModelError::at(line, "cat_boundaries must rise from 0"));
            }
            let bits: Vec<u32> = tree.required("cat_threshold", boundaries[num_cat])?;
            for w in boundaries.windows(2) {
                cat_ranges.push((cat_base + w[0], w[1] - w[0]));
            }
            self.cat_bits.extend_from_slice(&bits);
        }

        let line = field_line("left_child");
        let mut placed = vec![false; splits];
        let mut leaf_placed = vec![false; num_leaves];
        let mut depth = 0;
        self.push_leaf(base, 0.0); // the root's slot
        let mut queue = VecDeque::from([(Child::Split(0), base, 0)]);
        while let Some((item, slot, level)) = queue.pop_front() {
            let split = match item {
                Child::Leaf(leaf) => {
                    if std::mem::replace(&mut leaf_placed[leaf], true) {
                        return Err(ModelError::at(line, format!("leaf {leaf} is reached twice")));
                    }
                    self.leaf_values[slot] = leaf_values[leaf];
                    depth = depth.max(level);
                    continue;
                }
                Child::Split(split) => split,
            };
            if std::mem::replace(&mut placed[split], true) {
                return Err(ModelError::at(line, format!("split {split} is reached twice (not a tree)")));
            }
            let feature =
                usize::try_from(split_feature[split]).ok().filter(|&f| f < self.num_features).ok_or_else(|| {
                    ModelError::at(
                        field_line("split_feature"),
                        format!(
                            "split feature {} is not one of the {} features",
                            split_feature[split], self.num_features
                        ),
                    )
                })?;
            let decision = decision_type[split];
            let missing = (decision >> MISSING_TYPE_SHIFT) & MISSING_TYPE_BITS;
            if decision > MAX_DECISION_TYPE || missing > MISSING_NAN {
                return Err(ModelError::at(field_line("decision_type"), format!("unknown decision type {decision}")));
            }
            let default_left = decision & DEFAULT_LEFT_MASK != 0;
            let (payload, flags) = if decision & CATEGORICAL_MASK != 0 {
                let t = threshold[split];
                let index = t as usize;
                if t < 0.0 || t.fract() != 0.0 || index >= cat_ranges.len() {
                    return Err(ModelError::at(
                        field_line("threshold"),
                        format!(
                            "categorical split {split}: threshold {t} is not one of the {} bitsets",
                            cat_ranges.len()
                        ),
                    ));
                }
                let (start, len) = cat_ranges[index];
                (((start as u64) << 32) | len as u64, CATEGORICAL)
            } else {
                let t = threshold[split];
                let zero_left = 0.0 <= t;
                let nan_left = match missing {
                    MISSING_NONE => zero_left, // NaN is read as 0.0
                    _ => default_left,         // Zero: NaN is zero; NaN: NaN is missing
                };
                let mut flags = if nan_left { NAN_LEFT } else { 0 };
                if missing == MISSING_ZERO && zero_left != default_left {
                    flags |= ZERO_DEFAULT;
                }
                (effective_threshold(t).to_bits(), flags)
            };
            let flags = flags | if default_left { DEFAULT_LEFT } else { 0 };
            let left = self.nodes.len();
            self.push_leaf(left, 0.0);
            self.push_leaf(left + 1, 0.0);
            self.nodes[slot] = Node { payload, feature_flags: feature as u32 | flags, left: left as u32 };
            self.leaf_values[slot] = 0.0;
            let children = [(left_child[split], left), (right_child[split], left + 1)];
            for (raw, child_slot) in children {
                queue.push_back((child(raw, splits, num_leaves, line)?, child_slot, level + 1));
            }
        }
        self.depths.push(depth);
        Ok(())
    }

    /// What prediction reads without bounds checks: every root and every child (`left`, `left + 1` for a
    /// split; `left`, itself, for a leaf) is a node, every feature a column of the rows, every bitset in
    /// `cat_bits`. True by construction; checked, so that no model text can break it.
    fn check_links(&self) -> Result<(), ModelError> {
        let nodes = self.nodes.len();
        let broken = |what: &str| Err(ModelError::whole(format!("internal error: {what} (please report)")));
        if self.leaf_values.len() != nodes || self.roots.iter().any(|&r| r as usize >= nodes) {
            return broken("a root outside the forest");
        }
        for (index, node) in self.nodes.iter().enumerate() {
            let flags = node.flags();
            let last_child = node.left as usize + usize::from(flags & LEAF == 0);
            if last_child >= nodes || (flags & LEAF != 0 && node.left as usize != index) {
                return broken("a child outside the forest");
            }
            if node.feature() >= self.num_features {
                return broken("a feature outside the rows");
            }
            if flags & CATEGORICAL != 0 {
                let (start, len) = node.bitset();
                if start + len > self.cat_bits.len() {
                    return broken("a bitset outside the forest");
                }
            }
        }
        Ok(())
    }

    /// A leaf at `slot` (the next node): its own left child.
    fn push_leaf(&mut self, slot: usize, value: f64) {
        debug_assert_eq!(slot, self.nodes.len());
        self.nodes.push(Node::leaf(slot));
        self.leaf_values.push(value);
    }

    /// Features of a row.
    pub fn num_features(&self) -> usize {
        self.num_features
    }

    /// Trees of the forest (iterations, for a single-output model).
    pub fn num_trees(&self) -> usize {
        self.roots.len()
    }

    /// Nodes of the flat forest (splits and leaves).
    pub fn num_nodes(&self) -> usize {
        self.nodes.len()
    }

    pub fn objective(&self) -> &Objective {
        &self.objective
    }

    /// Add each row's leaf value of the tree rooted at `root` (at most `depth` levels) to its score. The rows
    /// go down [`LANES`] at a time, a level at a time: their walks are independent, so the processor overlaps
    /// them, where one row's walk is a chain of dependent loads. A row at a leaf stays there until every row of
    /// its lane group is at one.
    #[inline(always)]
    fn add_tree<T: Feature>(&self, root: u32, depth: u32, rows: &[T], scores: &mut [f64]) {
        let width = self.num_features;
        for (scores, rows) in scores.chunks_mut(LANES).zip(rows.chunks(LANES * width)) {
            let mut at = [root; LANES];
            let at = &mut at[..scores.len()];
            for _ in 0..depth {
                let mut moving = false;
                for (index, row) in at.iter_mut().zip(rows.chunks_exact(width)) {
                    // SAFETY: `index` is a root or a node's child, so in `nodes`, and the node's feature is below
                    // `width`, the row's length: `check_links` made sure of both when the forest was built.
                    let node = unsafe { *self.nodes.get_unchecked(*index as usize) };
                    let value = unsafe { row.get_unchecked(node.feature()) }.to_f64();
                    let flags = node.flags();
                    #[allow(clippy::neg_cmp_op_on_partial_ord)] // `!(a > b)` is true for NaN, `a <= b` false
                    let go_left = if flags & SLOW == 0 {
                        if flags & NAN_LEFT != 0 {
                            !(value > node.value())
                        } else {
                            value <= node.value()
                        }
                    } else {
                        self.goes_left(node, value)
                    };
                    moving |= flags & LEAF == 0;
                    *index = node.left + u32::from(!go_left);
                }
                if !moving {
                    break;
                }
            }
            for (score, index) in scores.iter_mut().zip(at.iter()) {
                *score += self.leaf_values[*index as usize];
            }
        }
    }

    /// The slow path of a split: categorical, or `Zero` default.
    #[cold]
    #[inline(never)]
    fn goes_left(&self, node: Node, value: f64) -> bool {
        let flags = node.flags();
        if flags & CATEGORICAL != 0 {
            if value.is_nan() {
                return false;
            }
            let category = value as i32; // truncates toward zero, as C++'s static_cast<int>
            if category < 0 {
                return false;
            }
            let (start, len) = node.bitset();
            let word = (category / BITSET_WORD_BITS) as usize;
            if word >= len {
                return false;
            }
            return (self.cat_bits[start + word] >> (category % BITSET_WORD_BITS)) & 1 == 1;
        }
        if value.is_nan() {
            return flags & NAN_LEFT != 0;
        }
        if flags & ZERO_DEFAULT != 0 && value.abs() <= ZERO_THRESHOLD {
            return flags & DEFAULT_LEFT != 0;
        }
        value <= node.value()
    }

    fn check_shape<T>(&self, features: &[T], out: &[f64]) -> Result<(), PredictError> {
        if features.len() != out.len() * self.num_features {
            return Err(PredictError::Rows { values: features.len(), features: self.num_features, outputs: out.len() });
        }
        Ok(())
    }

    /// Raw scores (LightGBM's `predict(raw_score=True)`) of row-major rows of [`Forest::num_features`] values.
    pub fn predict_raw_into<T: Feature>(&self, features: &[T], out: &mut [f64]) -> Result<(), PredictError> {
        self.predict_raw_by(Walk::Fastest, features, out)
    }

    /// [`Forest::predict_raw_into`] by the given walk; both walks give the same scores, bit for bit.
    fn predict_raw_by<T: Feature>(&self, walk: Walk, features: &[T], out: &mut [f64]) -> Result<(), PredictError> {
        self.check_shape(features, out)?;
        let width = self.num_features;
        if let (Some(way), Some(rows)) = (self.block_way(walk), T::as_f32(features)) {
            let mut columns = vec![0.0; BLOCK_ROWS * width];
            for (scores, rows) in out.chunks_mut(BLOCK_ROWS).zip(rows.chunks(BLOCK_ROWS * width)) {
                vector::transpose(rows, width, &mut columns);
                self.score_block(way, &columns, scores);
            }
            return Ok(());
        }
        for (scores, rows) in out.chunks_mut(BLOCK_ROWS).zip(features.chunks(BLOCK_ROWS * width)) {
            scores.fill(0.0);
            for (&root, &depth) in self.roots.iter().zip(&self.depths) {
                self.add_tree(root, depth, rows, scores);
            }
        }
        Ok(())
    }

    /// Probabilities of `rows` rows given by column: the value of feature `f` of row `r` at
    /// `columns[f * rows + r]`. The same as [`Forest::predict_proba_into`] of the rows, without laying them out
    /// by row first (a block's columns are copied as they are).
    pub fn predict_proba_by_column(&self, columns: &[f32], rows: usize) -> Result<Vec<f64>, PredictError> {
        let sigmoid = self.sigmoid()?;
        let mut out = vec![0.0; rows];
        self.raw_by_column(Walk::Fastest, columns, &mut out)?;
        self.raw_to_proba(sigmoid, &mut out);
        Ok(out)
    }

    /// Raw scores of rows given by column ([`Forest::predict_proba_by_column`]), one per row of `out`.
    fn raw_by_column(&self, walk: Walk, columns: &[f32], out: &mut [f64]) -> Result<(), PredictError> {
        let (n, width) = (out.len(), self.num_features);
        if columns.len() != n * width {
            return Err(PredictError::Rows { values: columns.len(), features: width, outputs: n });
        }
        let way = self.block_way(walk);
        let mut block = vec![0.0f32; BLOCK_ROWS * width];
        let mut rows = Vec::new();
        for (b, scores) in out.chunks_mut(BLOCK_ROWS).enumerate() {
            let (start, len) = (b * BLOCK_ROWS, scores.len());
            for (f, column) in block.chunks_exact_mut(BLOCK_ROWS).enumerate() {
                column[..len].copy_from_slice(&columns[f * n + start..f * n + start + len]);
            }
            match way {
                Some(way) => self.score_block(way, &block, scores),
                None => {
                    // The scalar walk reads rows: the block's, laid out by row again.
                    rows.clear();
                    rows.extend((0..len).flat_map(|r| block.iter().skip(r).step_by(BLOCK_ROWS).copied()));
                    scores.fill(0.0);
                    for (&root, &depth) in self.roots.iter().zip(&self.depths) {
                        self.add_tree(root, depth, &rows, scores);
                    }
                }
            }
        }
        Ok(())
    }

    /// How a block of `f32` rows laid out by column is scored on this processor by `walk`: `None` for the
    /// scalar walk (no AVX2, a walk that asks for it, or a forest neither vector way takes).
    fn block_way(&self, walk: Walk) -> Option<BlockWay<'_>> {
        #[cfg(target_arch = "x86_64")]
        if walk != Walk::Scalar && vector::available() {
            match (self.quick.as_ref().filter(|_| walk != Walk::Vector), &self.packed) {
                (Some(quick), _) if walk == Walk::Fastest && quick::wide_available() => {
                    return Some(BlockWay::QuickWide(quick))
                }
                (Some(quick), _) => return Some(BlockWay::Quick(quick)),
                (None, Some(packed)) => return Some(BlockWay::Vector(packed)),
                (None, None) => {}
            }
        }
        let _ = walk;
        None
    }

    /// The raw scores of a block's rows (`columns`: [`BLOCK_ROWS`] values of each feature; `scores`: one per
    /// row, at most [`BLOCK_ROWS`]) by `way`, from [`Forest::block_way`].
    #[cfg_attr(not(target_arch = "x86_64"), allow(unused_variables))]
    fn score_block(&self, way: BlockWay<'_>, columns: &[f32], scores: &mut [f64]) {
        scores.fill(0.0);
        #[cfg(target_arch = "x86_64")]
        // SAFETY: `block_way` chose `way` for this processor (AVX2, and AVX-512 for the wide scorer) and this
        // forest, and `columns` holds BLOCK_ROWS rows of the forest's width.
        unsafe {
            match way {
                BlockWay::QuickWide(quick) => quick::add_forest_wide(self, quick, columns, scores),
                BlockWay::Quick(quick) => quick::add_forest(self, quick, columns, scores),
                BlockWay::Vector(packed) => {
                    for (&root, &depth) in self.roots.iter().zip(&self.depths) {
                        vector::add_tree(self, packed, root, depth, columns, scores);
                    }
                }
            }
        }
    }

    fn sigmoid(&self) -> Result<f64, PredictError> {
        match &self.objective {
            Objective::Binary { sigmoid } => Ok(*sigmoid),
            Objective::Other(name) => Err(PredictError::NoProbabilities { objective: name.clone() }),
        }
    }

    /// Raw scores to probabilities, in place.
    fn raw_to_proba(&self, sigmoid: f64, out: &mut [f64]) {
        if self.average_output {
            // LightGBM's `Predict` averages a random forest's sum; its `PredictRaw` does not.
            let iterations = self.roots.len() as f64;
            out.iter_mut().for_each(|s| *s /= iterations);
        }
        out.iter_mut().for_each(|s| *s = 1.0 / (1.0 + (-sigmoid * *s).exp()));
    }

    /// Probabilities of the positive class (LightGBM's `predict()` of a binary model).
    pub fn predict_proba_into<T: Feature>(&self, features: &[T], out: &mut [f64]) -> Result<(), PredictError> {
        let sigmoid = self.sigmoid()?;
        self.predict_raw_into(features, out)?;
        self.raw_to_proba(sigmoid, out);
        Ok(())
    }

    /// Raw scores of a row-major matrix of `width` columns (which must be the forest's features).
    pub fn predict_raw<T: Feature>(&self, features: &[T], width: usize) -> Result<Vec<f64>, PredictError> {
        let mut out = vec![0.0; self.rows(features, width)?];
        self.predict_raw_into(features, &mut out)?;
        Ok(out)
    }

    /// Probabilities of a row-major matrix of `width` columns (which must be the forest's features).
    pub fn predict_proba<T: Feature>(&self, features: &[T], width: usize) -> Result<Vec<f64>, PredictError> {
        let mut out = vec![0.0; self.rows(features, width)?];
        self.predict_proba_into(features, &mut out)?;
        Ok(out)
    }

    fn rows<T>(&self, features: &[T], width: usize) -> Result<usize, PredictError> {
        if width != self.num_features {
            return Err(PredictError::Features { given: width, expected: self.num_features });
        }
        if !features.len().is_multiple_of(width) {
            return Err(PredictError::Rows {
                values: features.len(),
                features: width,
                outputs: features.len() / width,
            });
        }
        Ok(features.len() / width)
    }
}

/// `binary sigmoid:1` and the like; `sigmoid` defaults to 1 as in LightGBM.
fn parse_objective(value: &str, line: usize) -> Result<Objective, ModelError> {
    let mut tokens = value.split_ascii_whitespace();
    let name = tokens.next().unwrap_or("");
    if name != "binary" {
        return Ok(Objective::Other(name.to_string()));
    }
    let mut sigmoid = 1.0;
    for token in tokens {
        if let Some(raw) = token.strip_prefix("sigmoid:") {
            sigmoid = raw
                .parse::<f64>()
                .ok()
                .filter(|s| s.is_finite() && *s > 0.0)
                .ok_or_else(|| ModelError::at(line, format!("sigmoid must be a positive number, not {raw:?}")))?;
        }
    }
    Ok(Objective::Binary { sigmoid })
}

/// The first characters of a line, for messages.
fn truncated(line: &str) -> &str {
    const SHOWN: usize = 60;
    match line.char_indices().nth(SHOWN) {
        Some((end, _)) => &line[..end],
        None => line,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two trees on three features, written by hand in LightGBM's format:
    ///
    /// tree 0: f0 <= 0.5 (missing None) ? (f1 <= -1.5 (missing NaN, default left) ? 1.0 : 2.0) : 3.0
    /// tree 1: f2 in {1, 3, 33} (categorical, NaN right) ? 10.0 : (f0 <= -0.25 (missing Zero, default left)
    ///         ? 20.0 : 30.0)
    const TINY: &str = "tree
version=v4
num_class=1
num_tree_per_iteration=1
label_index=0
max_feature_idx=2
objective=binary sigmoid:1
feature_names=a b c
feature_infos=[0:1] [0:1] -1:1:3:33
tree_sizes=1 1

Tree=0
num_leaves=3
num_cat=0
split_feature=0 1
split_gain=1 1
threshold=0.5 -1.5
decision_type=0 10
left_child=1 -1
right_child=-3 -2
leaf_value=1 2 3
leaf_weight=1 1 1
leaf_count=1 1 1
internal_value=0 0
internal_weight=0 0
internal_count=2 1
is_linear=0
shrinkage=1


Tree=1
num_leaves=3
num_cat=1
split_feature=2 0
split_gain=1 1
threshold=0 -0.25
decision_type=9 6
left_child=-1 -2
right_child=1 -3
leaf_value=10 20 30
leaf_weight=1 1 1
leaf_count=1 1 1
internal_value=0 0
internal_weight=0 0
internal_count=2 1
cat_boundaries=0 2
cat_threshold=10 2
is_linear=0
shrinkage=1


end of trees

feature_importances:
a=2

parameters:
[boosting: gbdt]
end of parameters
";

    fn tiny() -> Forest {
        Forest::parse(TINY).expect("the tiny model parses")
    }

    fn raw(forest: &Forest, row: [f64; 3]) -> f64 {
        forest.predict_raw(&row, 3).unwrap()[0]
    }

    /// Tree 0 of [`TINY`], by hand.
    fn tree0(a: f64, b: f64) -> f64 {
        let a = if a.is_nan() { 0.0 } else { a };
        if a <= 0.5 {
            if b.is_nan() || b <= -1.5 {
                1.0
            } else {
                2.0
            }
        } else {
            3.0
        }
    }

    /// Tree 1 of [`TINY`], by hand (bitset words 10 = {1, 3}, 2 = {33}).
    fn tree1(a: f64, c: f64) -> f64 {
        let category = if c.is_nan() || c < 0.0 { None } else { Some(c as i64) };
        if matches!(category, Some(1) | Some(3) | Some(33)) {
            return 10.0;
        }
        if a.is_nan() || a.abs() <= ZERO_THRESHOLD || a <= -0.25 {
            20.0
        } else {
            30.0
        }
    }

    #[test]
    fn the_tiny_model_is_read() {
        let forest = tiny();
        assert_eq!((forest.num_features(), forest.num_trees(), forest.num_nodes()), (3, 2, 10));
        assert_eq!(forest.objective(), &Objective::Binary { sigmoid: 1.0 });
    }

    #[test]
    fn every_branch_of_the_tiny_model_is_taken_as_lightgbm_takes_it() {
        let forest = tiny();
        let values = [
            f64::NAN,
            0.0,
            -0.0,
            1e-36,
            -1e-36,
            ZERO_THRESHOLD,
            -ZERO_THRESHOLD,
            1e-30,
            -0.25,
            -0.3,
            0.5,
            0.6,
            -1.5,
            -2.0,
            1.0,
            1.7,
            3.0,
            3.9,
            33.0,
            32.0,
            64.0,
            -1.0,
            -0.5,
            1e12,
            -1e12,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ];
        for &a in &values {
            for &b in &values {
                for &c in &values {
                    let expected = tree0(a, b) + tree1(a, c);
                    assert_eq!(raw(&forest, [a, b, c]), expected, "row {a} {b} {c}");
                }
            }
        }
    }

    #[test]
    fn probabilities_are_the_sigmoid_of_the_raw_scores() {
        let forest = tiny();
        let rows = [0.0f32, 0.0, 1.0, 1.0, 1.0, 5.0];
        let raw = forest.predict_raw(&rows, 3).unwrap();
        let proba = forest.predict_proba(&rows, 3).unwrap();
        assert_eq!(raw, vec![12.0, 33.0]);
        for (p, r) in proba.iter().zip(&raw) {
            assert_eq!(*p, 1.0 / (1.0 + (-r).exp()));
        }
    }

    #[test]
    fn f32_and_f64_rows_agree_and_blocks_do_not_mix_rows() {
        let forest = tiny();
        let rows: Vec<f32> = (0..3 * (3 * BLOCK_ROWS + 5)).map(|i| ((i * 7919) % 97) as f32 / 10.0 - 4.0).collect();
        let wide: Vec<f64> = rows.iter().map(|&v| f64::from(v)).collect();
        let scores = forest.predict_raw(&rows, 3).unwrap();
        assert_eq!(scores, forest.predict_raw(&wide, 3).unwrap());
        for (score, row) in scores.iter().zip(wide.chunks_exact(3)) {
            assert_eq!(*score, tree0(row[0], row[1]) + tree1(row[0], row[2]));
        }
    }

    /// A xorshift generator: the tests' thresholds, rows and random forests.
    struct Noise(u64);

    impl Noise {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    #[test]
    fn the_largest_f32_at_most_a_threshold_decides_as_the_threshold() {
        let mut thresholds =
            vec![0.0, -0.0, 1.0, -1.0, 0.1, -0.1, 1e-40, -1e-40, ZERO_THRESHOLD, 3.4e38, 3.5e38, -3.5e38];
        thresholds.extend([f64::INFINITY, f64::NEG_INFINITY, f64::MAX, f64::MIN, f64::MIN_POSITIVE, 1e300, -1e300]);
        let mut noise = Noise(0x9e37_79b9_7f4a_7c15);
        for _ in 0..2_000 {
            let bits = noise.next();
            thresholds.push(f64::from_bits(bits).clamp(-1e40, 1e40));
            thresholds.push(f64::from(f32::from_bits(bits as u32)));
        }
        for &t in &thresholds {
            let at_most = vector::f32_at_most(t);
            assert!(f64::from(at_most) <= t || t.is_nan(), "{t}: {at_most}");
            let near = t as f32;
            let mut values = vec![near, at_most, 0.0, -0.0, f32::INFINITY, f32::NEG_INFINITY, f32::NAN];
            for step in [1_u32, 2] {
                values.extend([
                    f32::from_bits(near.to_bits().wrapping_add(step)),
                    f32::from_bits(near.to_bits().wrapping_sub(step)),
                ]);
            }
            for v in values {
                assert_eq!(f64::from(v) <= t, v <= at_most, "value {v:e} against {t:e}");
            }
        }
    }

    /// Rows that reach every side of `forest`'s splits: each value one of the features' thresholds, an `f32`
    /// next to one, zero, a value within the zero band, an infinity, NaN or a category.
    fn rows_around_thresholds(text: &str, forest: &Forest, rows: usize) -> Vec<f32> {
        let mut cuts: Vec<Vec<f32>> = vec![Vec::new(); forest.num_features()];
        let mut features: Vec<usize> = Vec::new();
        for line in text.lines() {
            if let Some(list) = line.strip_prefix("split_feature=") {
                features = list.split(' ').map(|f| f.parse().unwrap()).collect();
            } else if let Some(list) = line.strip_prefix("threshold=") {
                for (feature, t) in features.iter().zip(list.split(' ')) {
                    let t: f64 = t.parse().unwrap();
                    let near = t as f32;
                    cuts[*feature].extend([
                        near,
                        f32::from_bits(near.to_bits().wrapping_add(1)),
                        f32::from_bits(near.to_bits().wrapping_sub(1)),
                    ]);
                }
            }
        }
        // Categories too: every one a two-word bitset holds and the first past it, halves, negatives, too large.
        let mut special = vec![0.0, -0.0, 1e-36, -1e-36, f32::NAN, f32::INFINITY, f32::NEG_INFINITY];
        special.extend((0..=64).map(|c| c as f32));
        special.extend([-1.0, -0.5, 0.5, 31.5, 32.5, 1e10, -1e10, 2_147_483_648.0]);
        let mut noise = Noise(0x2545_f491_4f6c_dd1d);
        (0..rows * forest.num_features())
            .map(|i| {
                let cuts = &cuts[i % forest.num_features()];
                if cuts.is_empty() || noise.below(4) == 0 {
                    special[noise.below(special.len())]
                } else {
                    cuts[noise.below(cuts.len())]
                }
            })
            .collect()
    }

    #[test]
    fn the_vector_walk_scores_as_the_scalar_walk_bit_for_bit() {
        if !vector::available() {
            eprintln!("no AVX2 here: only the scalar walk runs");
        }
        let bundles = concat!(env!("CARGO_MANIFEST_DIR"), "/../src/chromecut/bundles");
        let mut texts = vec![TINY.to_string()];
        for mode in ["html", "text"] {
            for model in ["model.txt", "context_model.txt"] {
                texts.push(std::fs::read_to_string(format!("{bundles}/{mode}/{model}")).expect("a shipped bundle"));
            }
        }
        for text in &texts {
            let forest = Forest::parse(text).unwrap();
            assert!(forest.packed.is_some() && forest.quick.is_some());
            // Blocks of every size: whole ones, and a last one that fills no vector.
            for rows in [1, 7, 8, 9, BLOCK_ROWS, 2 * BLOCK_ROWS + 13] {
                let matrix = rows_around_thresholds(text, &forest, rows);
                assert_walks_agree(&forest, &matrix, text);
            }
        }
    }

    /// The quick scorer and the vector walk give the scalar walk's raw scores, bit for bit.
    fn assert_walks_agree(forest: &Forest, matrix: &[f32], text: &str) {
        let rows = matrix.len() / forest.num_features();
        let scores = |walk| {
            let mut out = vec![0.0; rows];
            forest.predict_raw_by(walk, matrix, &mut out).unwrap();
            out.iter().map(|s| s.to_bits()).collect::<Vec<_>>()
        };
        let scalar = scores(Walk::Scalar);
        assert_eq!(scores(Walk::Fastest), scalar, "{text}");
        assert_eq!(scores(Walk::Quick8), scalar, "{text}");
        assert_eq!(scores(Walk::Vector), scalar, "{text}");
        // The same rows given by column, by each walk.
        let width = forest.num_features();
        let columns: Vec<f32> = (0..width).flat_map(|f| matrix.iter().skip(f).step_by(width).copied()).collect();
        for walk in [Walk::Fastest, Walk::Quick8, Walk::Vector, Walk::Scalar] {
            let mut out = vec![0.0; rows];
            forest.raw_by_column(walk, &columns, &mut out).unwrap();
            assert_eq!(out.iter().map(|s| s.to_bits()).collect::<Vec<_>>(), scalar, "{walk:?} by column\n{text}");
        }
    }

    /// A random tree's children as LightGBM writes them: a split's index, or `!leaf` for a leaf.
    #[derive(Default)]
    struct Shape {
        left: Vec<i32>,
        right: Vec<i32>,
        leaves: i32,
    }

    impl Shape {
        /// A subtree of `leaves` leaves, cut at random; the code of its root.
        fn grow(&mut self, leaves: usize, noise: &mut Noise) -> i32 {
            if leaves == 1 {
                self.leaves += 1;
                return !(self.leaves - 1);
            }
            let split = self.left.len();
            self.left.push(0);
            self.right.push(0);
            let on_left = 1 + noise.below(leaves - 1);
            self.left[split] = self.grow(on_left, noise);
            self.right[split] = self.grow(leaves - on_left, noise);
            split as i32
        }
    }

    /// The model text of a random forest: trees of 1 to 80 leaves of random shape (64 in a quarter), every
    /// decision type (numerical splits of each missing type and default side, categorical bitsets of 1 to 10
    /// words), its thresholds a few values that the test's rows take too.
    fn random_model(noise: &mut Noise, features: usize) -> String {
        const VALUES: [f64; 12] = [-2.5, -1.0, -1e-36, 0.0, 1e-36, 0.5, 1.0, 3.0, 17.0, 40.0, 70.0, 1e30];
        let mut text = format!(
            "tree\nversion=v4\nnum_class=1\nnum_tree_per_iteration=1\nmax_feature_idx={}\nobjective=binary sigmoid:1\n\n",
            features - 1
        );
        for tree in 0..1 + noise.below(4) {
            // Sometimes exactly the most leaves the quick scorer takes.
            let leaves = if noise.below(4) == 0 { quick::MAX_LEAVES } else { 1 + noise.below(80) };
            let mut shape = Shape::default();
            shape.grow(leaves, noise);
            let (left, right) = (shape.left, shape.right);
            let splits = leaves - 1;
            let (mut feature, mut threshold, mut decision, mut boundaries, mut bits) =
                (Vec::new(), Vec::new(), Vec::new(), vec![0], Vec::new());
            for _ in 0..splits {
                feature.push(noise.below(features).to_string());
                if noise.below(4) == 0 {
                    threshold.push((boundaries.len() - 1).to_string());
                    for _ in 0..1 + noise.below(10) {
                        bits.push((noise.below(1 << 16) << 16 | noise.below(1 << 16)).to_string());
                    }
                    boundaries.push(bits.len());
                    decision.push(["1", "9"][noise.below(2)]);
                } else {
                    threshold.push(format!("{:e}", VALUES[noise.below(VALUES.len())]));
                    decision.push(["0", "2", "4", "6", "8", "10"][noise.below(6)]);
                }
            }
            let join = |v: &[String]| v.join(" ");
            let children = |v: &[i32]| v.iter().map(|c| c.to_string()).collect::<Vec<_>>().join(" ");
            let values: Vec<String> = (0..leaves).map(|l| format!("{}", (l as f64 - 7.0) / 8.0)).collect();
            text.push_str(&format!("Tree={tree}\nnum_leaves={leaves}\nnum_cat={}\n", boundaries.len() - 1));
            if splits > 0 {
                text.push_str(&format!(
                    "split_feature={}\nthreshold={}\ndecision_type={}\nleft_child={}\nright_child={}\n",
                    join(&feature),
                    join(&threshold),
                    decision.join(" "),
                    children(&left),
                    children(&right)
                ));
            }
            if boundaries.len() > 1 {
                let b: Vec<String> = boundaries.iter().map(|b| b.to_string()).collect();
                text.push_str(&format!("cat_boundaries={}\ncat_threshold={}\n", join(&b), join(&bits)));
            }
            text.push_str(&format!("leaf_value={}\nshrinkage=1\n\n", join(&values)));
        }
        text.push_str("end of trees\n");
        text
    }

    #[test]
    fn random_forests_score_alike_by_both_walks() {
        let mut noise = Noise(0x51_7cc1_b727_220a);
        let special = [
            f32::NAN,
            0.0,
            -0.0,
            1e-36,
            -1e-36,
            -2.5,
            -1.0,
            0.5,
            1.0,
            3.0,
            17.0,
            31.0,
            40.0,
            63.0,
            70.0,
            255.0,
            256.0,
            300.0,
            1e30,
            1e31,
        ];
        for _ in 0..300 {
            let features = 1 + noise.below(6);
            let text = random_model(&mut noise, features);
            let forest = Forest::parse(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
            let rows = 1 + noise.below(2 * BLOCK_ROWS);
            let matrix: Vec<f32> = (0..rows * features)
                .map(|_| {
                    let v = special[noise.below(special.len())];
                    // The f32 neighbours of the values too, sometimes.
                    match noise.below(4) {
                        0 => f32::from_bits(v.to_bits().wrapping_add(1)),
                        1 => f32::from_bits(v.to_bits().wrapping_sub(1)),
                        _ => v,
                    }
                })
                .collect();
            assert_walks_agree(&forest, &matrix, &text);
        }
    }

    #[test]
    fn a_matrix_of_the_wrong_shape_is_refused() {
        let forest = tiny();
        assert_eq!(forest.predict_raw(&[0.0f32; 4], 2), Err(PredictError::Features { given: 2, expected: 3 }));
        assert!(matches!(forest.predict_raw(&[0.0f32; 4], 3), Err(PredictError::Rows { .. })));
        assert!(forest.predict_raw_into(&[0.0f32; 6], &mut [0.0; 3]).is_err());
        assert_eq!(forest.predict_raw(&[0.0f32; 0], 3), Ok(vec![]));
    }

    #[test]
    fn a_constant_tree_and_averaged_output_are_supported() {
        let text = TINY
            .replace("tree_sizes=1 1\n", "average_output\n")
            .replace("num_leaves=3\nnum_cat=0\nsplit_feature=0 1", "num_leaves=1\nnum_cat=0\nsplit_feature=")
            .replace("leaf_value=1 2 3", "leaf_value=4");
        let forest = Forest::parse(&text).unwrap();
        assert_eq!(raw(&forest, [0.0, 0.0, 1.0]), 4.0 + 10.0);
        let proba = forest.predict_proba(&[0.0, 0.0, 1.0], 3).unwrap()[0];
        assert_eq!(proba, 1.0 / (1.0 + (-(4.0f64 + 10.0) / 2.0).exp()));
    }

    #[test]
    fn thresholds_near_zero_decide_as_for_zeroed_values() {
        let band = [0.0, -0.0, 1e-36, -1e-36, ZERO_THRESHOLD, -ZERO_THRESHOLD];
        for t in [0.0, -0.0, 5e-36, -5e-36, ZERO_THRESHOLD, -ZERO_THRESHOLD, 1e-30, -1e-30] {
            let effective = effective_threshold(t);
            for v in band.iter().copied().chain([2e-35, -2e-35, 1.0, -1.0]) {
                let zeroed = if v.abs() <= ZERO_THRESHOLD { 0.0 } else { v };
                assert_eq!(v <= effective, zeroed <= t, "value {v}, threshold {t}");
            }
        }
    }

    fn error(text: &str) -> String {
        Forest::parse(text).expect_err("bad model text is refused").to_string()
    }

    #[test]
    fn bad_model_text_is_an_error_that_says_why() {
        assert!(error("").contains("empty"));
        assert!(error("hello\nworld").contains("not a LightGBM model"));
        assert!(error(&TINY.replace("version=v4", "version=v9")).contains("version"));
        assert!(error(&TINY.replace("num_class=1", "num_class=3")).contains("single-output"));
        assert!(error(&TINY.replace("is_linear=0", "is_linear=1")).contains("linear trees"));
        assert!(error(&TINY.replace("leaf_value=1 2 3", "leaf_value=1 2")).contains("leaf_value holds 2 values"));
        assert!(error(&TINY.replace("leaf_value=1 2 3", "leaf_value=1 2 x")).contains("not a number"));
        assert!(error(&TINY.replace("split_feature=0 1", "split_feature=0 7")).contains("not one of the 3"));
        assert!(error(&TINY.replace("left_child=1 -1", "left_child=1 -9")).contains("child -9"));
        assert!(error(&TINY.replace("left_child=1 -1", "left_child=1 1")).contains("reached twice"));
        assert!(error(&TINY.replace("left_child=1 -1", "left_child=0 -1")).contains("reached twice"));
        assert!(error(&TINY.replace("decision_type=0 10", "decision_type=0 14")).contains("decision type 14"));
        assert!(error(&TINY.replace("threshold=0 -0.25", "threshold=4 -0.25")).contains("bitsets"));
        assert!(error(&TINY.replace("cat_threshold=10 2", "cat_threshold=10")).contains("cat_threshold"));
        assert!(error(&TINY.replace("cat_boundaries=0 2", "cat_boundaries=1 2")).contains("rise from 0"));
        assert!(error(&TINY.replace("tree_sizes=1 1", "tree_sizes=1 1 1")).contains("tree_sizes lists 3"));
        assert!(error(&TINY.replace("objective=binary sigmoid:1", "objective=binary sigmoid:x")).contains("sigmoid"));
        let truncated = &TINY[..TINY.find("Tree=1").unwrap()];
        assert!(error(truncated).contains("truncated"));
        assert!(error(&TINY.replace("num_leaves=3\nnum_cat=1", "num_leaves=x\nnum_cat=1")).contains("line 32"));
    }

    #[test]
    fn garbage_never_panics() {
        let mut text = String::from(TINY);
        // Cut the text at every char boundary, and replace each line in turn with noise.
        for end in (0..TINY.len()).filter(|&i| TINY.is_char_boundary(i)) {
            let _ = Forest::parse(&TINY[..end]);
        }
        let lines: Vec<&str> = TINY.lines().collect();
        for i in 0..lines.len() {
            let mut noisy = lines.clone();
            noisy[i] = "left_child=-2147483648 2147483647 = ==";
            text.clear();
            text.push_str(&noisy.join("\n"));
            if let Ok(forest) = Forest::parse(&text) {
                let _ = forest.predict_raw(&[f64::NAN, 1e300, -1e300], 3);
                let _ = forest.predict_raw(&[f32::NAN, 1e30, -1e30], 3); // the vector walk's rows
            }
        }
    }

    #[test]
    fn probabilities_need_a_binary_objective() {
        let forest = Forest::parse(&TINY.replace("objective=binary sigmoid:1", "objective=regression")).unwrap();
        assert!(matches!(forest.predict_proba(&[0.0f32; 3], 3), Err(PredictError::NoProbabilities { .. })));
        assert_eq!(forest.predict_raw(&[0.0f32, 0.0, 1.0], 3).unwrap(), vec![12.0]);
    }
}
