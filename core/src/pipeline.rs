//! The whole of inference for a batch of pages in one pass: segmentation ([`crate::segment`], or text split
//! into lines), the features ([`crate::features`]), the first pass's trees, the context pass (its features and
//! trees, [`crate::trees`]), the decision, and each page's kept lines joined ([`Pipeline::clean`]) or its lines
//! with their probabilities and decisions ([`Pipeline::label`]). No Python object per node or feature: pages in,
//! one result (or one [`PageError`]) per page out.
//!
//! It computes what `chromecut.predict.Cleaner` computes through its line frame: the rows are the non-blank
//! lines of the pages that segmented, pages in order (`chromecut.features.line_frame`); the context pass's
//! features are `chromecut.features.context.context_features`; the decision is
//! `chromecut.model.decision.kept_lines` ([`crate::decision`]). `tests/unit/model/test_fused.py` holds the two to
//! each other.
//!
//! Failures follow the line-frame path (`Cleaner._clean_batch_lines`): a page that does not segment fails alone; the pages that do are
//! scored together (in groups of about [`SCORE_GROUP_LINES`] lines) under one clock a group, and when that fails
//! (the clock, or a panic caught here), the group's pages one at a time, each under its own clock, so only the
//! page at fault fails.

use std::collections::HashMap;
use std::hash::Hash;
use std::ops::Range;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use crate::batch::{panic_message, segment_page, Input};
use crate::decision::Decision;
use crate::features::batch::Batch;
use crate::features::markup::MarkupInput;
use crate::features::text::{prose_features, Neighbours};
use crate::features::{self, container, Columns, FastHash, TextFeaturizer};
use crate::limits::{Deadline, PageError};
use crate::pystr;
use crate::reflow;
use crate::segment::{decode_utf8, Line, Options, PageLines, Wrapped, LINE_TAGS};
use crate::trees::Forest;

/// A forest compiled to native code by lleaves (`chromecut.model.compiled`): its entry function, which writes
/// the probabilities of rows `start..end` of a row-major float64 matrix, and the features of a row.
#[derive(Clone, Copy, Debug)]
pub struct CompiledEntry {
    pub function: unsafe extern "C" fn(*const f64, *mut f64, i32, i32),
    pub num_features: usize,
}

/// A pass's trees: evaluated by [`Forest`], or compiled code.
#[derive(Clone)]
pub enum Trees {
    Native(Arc<Forest>),
    /// # Safety
    ///
    /// The entry must stay valid for the pipeline's life and read exactly `num_features` doubles per row: the
    /// Python side builds it from a compiled forest it keeps alive with the pipeline.
    Compiled(CompiledEntry),
}

impl Trees {
    fn num_features(&self) -> usize {
        match self {
            Trees::Native(forest) => forest.num_features(),
            Trees::Compiled(entry) => entry.num_features,
        }
    }

    /// Probabilities of `rows` float32 rows given by column (feature `f` of row `r` at `f * rows + r`; compiled
    /// code reads them by row as float64, as `CompiledForest.predict` converts them).
    fn predict_proba(&self, columns: &[f32], rows: usize) -> Result<Vec<f64>, PageError> {
        let failed = |message: String| PageError::Panic { message };
        match self {
            Trees::Native(forest) => forest.predict_proba_by_column(columns, rows).map_err(|e| failed(e.to_string())),
            Trees::Compiled(entry) => {
                let width = entry.num_features;
                if columns.len() != rows * width {
                    return Err(failed(format!("{} values for {rows} rows of {width} features", columns.len())));
                }
                let mut data = vec![0.0f64; rows * width];
                // (No rows: no values, and no chunk; `chunks_exact` refuses a size of 0.)
                for (f, column) in columns.chunks_exact(rows.max(1)).enumerate() {
                    for (r, &v) in column.iter().enumerate() {
                        data[r * width + f] = f64::from(v);
                    }
                }
                let mut out = vec![0.0; rows];
                let mut start = 0;
                while start < rows {
                    let end = rows.min(start + COMPILED_CHUNK_ROWS);
                    // SAFETY: `data` holds `rows` rows of `width` values and `out` `rows` values; the entry reads
                    // and writes rows `start..end` only, both below `i32::MAX` (the chunk), and is valid (`Trees`).
                    unsafe {
                        (entry.function)(data.as_ptr(), out.as_mut_ptr(), start as i32, end as i32);
                    }
                    start = end;
                }
                Ok(out)
            }
        }
    }
}

/// Rows per call of a compiled entry (its row indices are `i32`).
const COMPILED_CHUNK_ROWS: usize = 1 << 20;

/// The context pass: its booster and the names of its features, in the booster's order.
pub struct ContextPass {
    pub forest: Trees,
    pub names: Vec<String>,
    /// Offsets (lines) of the neighbours' probabilities, and half-widths of their centred means
    /// (`chromecut.features.context.NEIGHBOUR_OFFSETS`, `CONTEXT_HALF_WINDOWS`).
    pub offsets: Vec<i64>,
    pub half_windows: Vec<usize>,
    /// The probability from which a line counts as likely content (`CONTEXT_LIKELY_CONTENT`).
    pub likely: f64,
}

/// What the context pass's features are named by.
struct ContextNames<'a> {
    names: &'a [String],
    offsets: &'a [i64],
    half_windows: &'a [usize],
}

/// One bundle of a [`Pipeline`]: its featurizer, its first pass's trees and its context pass.
pub struct MemberSpec {
    pub featurizer: Arc<TextFeaturizer>,
    pub first: Trees,
    pub context: Option<ContextPass>,
}

/// What a [`Pipeline`] is built from: one member (a bundle), or several of one mode (an ensemble, decided on
/// the mean of their probabilities, `chromecut.model.ensemble`).
pub struct PipelineSpec {
    pub members: Vec<MemberSpec>,
    /// The featurizers read the markup columns (HTML bundles).
    pub markup: bool,
    pub decision: Decision,
}

/// Where one feature of the context booster comes from.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Source {
    /// A first-pass feature: its column in the featurizer's output.
    Feature(usize),
    P,
    Shifted(i64),
    Mean(usize),
    PageMean,
    PageMax,
    Rank,
    LikelyBefore,
    LikelyAfter,
    LikelyShare,
    Container,
}

/// How the pages of a call are read.
#[derive(Clone, Copy, Debug)]
pub enum Reading {
    /// HTML, segmented into block lines.
    Html(Options),
    /// Text, one block per line: split on `\n`, one trailing `\r` removed (`chromecut.segment.html.segment_text`);
    /// with `reflow`, a hard-wrapped dump is scored by its blocks ([`crate::reflow`]), each of its lines labelled
    /// as its block.
    Text { max_lines: Option<usize>, reflow: bool },
}

/// A batch's scores: each row's (non-blank line's) page, line and decision.
struct Scores {
    page: Vec<usize>,
    line: Vec<usize>,
    p: Vec<f64>,
    kept: Vec<bool>,
}

/// A page's lines (blank ones too), each line's probability of content and decision (`0.0` and not kept for a
/// blank line, as `Cleaner.label_segmentations` gives them).
#[derive(Debug, Clone, PartialEq)]
pub struct PageLabels {
    pub lines: Vec<String>,
    pub p: Vec<f64>,
    pub kept: Vec<bool>,
}

/// A member's featurizer and passes, the context pass with where each of its features comes from.
struct Member {
    featurizer: Arc<TextFeaturizer>,
    first: Trees,
    context: Option<(Trees, Vec<Source>, f64)>,
}

/// Segmentation, each member's features and both passes, and the decision on the members' mean probability,
/// for a batch of pages at a time.
pub struct Pipeline {
    members: Vec<Member>,
    markup: bool,
    decision: Decision,
}

/// Lines from which a group of pages is scored on its own: a page's features do not depend on the other pages
/// of its batch (tests/feature_properties.py), so scoring a call's pages in groups gives the same scores, while
/// each group's feature matrix (a few MB) stays in the cache and is not mapped afresh from the system for every
/// call (a 64-page call's matrices were tens of MB, each page of them zeroed by the kernel on first touch).
const SCORE_GROUP_LINES: usize = 2048;

/// `pages` cut in order into groups of whole pages, each ending at the first page that takes it to at least
/// `lines` lines (and the rest).
fn groups<'p, 'a>(pages: &'p [&'a PageLines], lines: usize) -> Vec<&'p [&'a PageLines]> {
    let mut out = Vec::new();
    let (mut start, mut count) = (0, 0);
    for (i, page) in pages.iter().enumerate() {
        count += page.lines.len();
        if count >= lines {
            out.push(&pages[start..=i]);
            (start, count) = (i + 1, 0);
        }
    }
    if start < pages.len() {
        out.push(&pages[start..]);
    }
    out
}

/// The first pass's probabilities: the one base of the context pass's [`Neighbours`].
const P_BASE: usize = 0;

/// Where each of `pass`'s features comes from: `features` are the first pass's, in the featurizer's order.
fn context_sources(pass: &ContextNames, features: &[String]) -> Result<Vec<Source>, String> {
    let mut known: HashMap<String, Source> = HashMap::new();
    known.insert("p".into(), Source::P);
    for &offset in pass.offsets {
        let side = if offset < 0 { 'p' } else { 'n' };
        known.insert(format!("p_{side}{}", offset.unsigned_abs()), Source::Shifted(offset));
    }
    for &half in pass.half_windows {
        known.insert(format!("p_ctx{half}"), Source::Mean(half));
    }
    for (name, source) in [
        ("p_page_mean", Source::PageMean),
        ("p_page_max", Source::PageMax),
        ("p_rank", Source::Rank),
        ("likely_before", Source::LikelyBefore),
        ("likely_after", Source::LikelyAfter),
        ("likely_before_share", Source::LikelyShare),
        ("p_container", Source::Container),
    ] {
        known.insert(name.into(), source);
    }
    for (j, name) in features.iter().enumerate() {
        known.insert(name.clone(), Source::Feature(j));
    }
    pass.names
        .iter()
        .map(|name| {
            known.get(name).copied().ok_or_else(|| format!("the context pass reads {name}, which is not computed"))
        })
        .collect()
}

impl Member {
    /// Check that the boosters read what the featurizer and the context pass write.
    fn new(spec: MemberSpec, markup: bool) -> Result<Self, String> {
        let names = spec.featurizer.names();
        if spec.first.num_features() != names.len() {
            return Err(format!(
                "the first pass reads {} features, the featurizer writes {}",
                spec.first.num_features(),
                names.len()
            ));
        }
        let context = match spec.context {
            None => None,
            Some(pass) => {
                if pass.forest.num_features() != pass.names.len() {
                    return Err(format!(
                        "the context pass reads {} features, {} are named",
                        pass.forest.num_features(),
                        pass.names.len()
                    ));
                }
                let named =
                    ContextNames { names: &pass.names, offsets: &pass.offsets, half_windows: &pass.half_windows };
                let sources = context_sources(&named, names)?;
                if sources.contains(&Source::Container) && !markup {
                    return Err("p_container needs the markup columns (an HTML featurizer)".into());
                }
                Some((pass.forest, sources, pass.likely))
            }
        };
        Ok(Member { featurizer: spec.featurizer, first: spec.first, context })
    }

    /// The member's probability of content of every row of `input`, after both passes.
    fn predict(
        &self,
        input: &features::Input,
        markup: Option<&MarkupRows>,
        deadline: &Deadline,
    ) -> Result<Vec<f64>, PageError> {
        let failed = |e: features::InputError| PageError::Panic { message: e.to_string() };
        let batch = self.featurizer.batch(input).map_err(failed)?;
        let matrix = self.featurizer.features_by_column(&batch, input).map_err(failed)?;
        deadline.check("after featurisation")?;
        let mut p = self.first.predict_proba(&matrix, batch.n)?;
        if let Some((forest, sources, likely)) = &self.context {
            let context = context_matrix(&batch, &matrix, &p, sources, *likely, markup);
            p = forest.predict_proba(&context, batch.n)?;
        }
        Ok(p)
    }
}

impl Pipeline {
    /// Check that each member's boosters read what its featurizer and its context pass write.
    pub fn new(spec: PipelineSpec) -> Result<Self, String> {
        if spec.members.is_empty() {
            return Err("a pipeline needs one member or more".into());
        }
        let members = spec
            .members
            .into_iter()
            .enumerate()
            .map(|(i, member)| {
                Member::new(member, spec.markup).map_err(|e| if i == 0 { e } else { format!("member {}: {e}", i + 1) })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Pipeline { members, markup: spec.markup, decision: spec.decision })
    }

    /// Each page's kept lines joined by `\n`, or why the page failed. `timeout` is each page's clock for its
    /// segmentation, and the scoring's clock (as on the line-frame path).
    pub fn clean(
        &self,
        inputs: &[Input<'_>],
        reading: &Reading,
        timeout: Option<f64>,
    ) -> Vec<Result<String, PageError>> {
        self.run(inputs, reading, timeout, joined)
    }

    /// Each page's lines with their probabilities and decisions, or why the page failed (clocks as in
    /// [`Self::clean`]).
    pub fn label(
        &self,
        inputs: &[Input<'_>],
        reading: &Reading,
        timeout: Option<f64>,
    ) -> Vec<Result<PageLabels, PageError>> {
        self.run(inputs, reading, timeout, labels)
    }

    /// Segment every page, score those that segmented together (one at a time if that fails), and make each
    /// one's result with `per_page`.
    fn run<R>(
        &self,
        inputs: &[Input<'_>],
        reading: &Reading,
        timeout: Option<f64>,
        per_page: fn(&[&PageLines], &Scores) -> Vec<R>,
    ) -> Vec<Result<R, PageError>> {
        let segmented: Vec<Result<PageLines, PageError>> =
            inputs.iter().map(|&input| read_page(input, reading, &Deadline::after(timeout))).collect();
        let good: Vec<&PageLines> = segmented.iter().filter_map(|s| s.as_ref().ok()).collect();
        let mut done: Vec<Result<R, PageError>> = Vec::with_capacity(good.len());
        for group in groups(&good, SCORE_GROUP_LINES) {
            match self.scored(group, &Deadline::after(timeout)) {
                Ok(scores) => done.extend(per_page(group, &scores).into_iter().map(Ok)),
                Err(error) if group.len() <= 1 => done.extend(group.iter().map(|_| Err(error.clone()))),
                Err(_) => done.extend(group.iter().map(|page| {
                    let one = [*page];
                    self.scored(&one, &Deadline::after(timeout)).map(|scores| per_page(&one, &scores).remove(0))
                })),
            }
        }
        let mut done = done.into_iter();
        segmented.into_iter().map(|s| s.and_then(|_| done.next().expect("one result per good page"))).collect()
    }

    /// [`Self::score`], any panic caught as a [`PageError::Panic`].
    fn scored(&self, pages: &[&PageLines], deadline: &Deadline) -> Result<Scores, PageError> {
        catch_unwind(AssertUnwindSafe(|| self.score(pages, deadline)))
            .unwrap_or_else(|payload| Err(PageError::Panic { message: panic_message(payload.as_ref()) }))
    }

    /// The decision on every non-blank line of `pages`, scored as one batch: each member's probabilities, their
    /// mean (summed in member order from 0 and divided by their number, as `Ensemble.predict_proba`).
    fn score(&self, pages: &[&PageLines], deadline: &Deadline) -> Result<Scores, PageError> {
        let rows = Rows::new(pages, self.markup);
        let input = features::Input {
            text: &rows.cps,
            lengths: &rows.lengths,
            page_sizes: &rows.page_sizes,
            source: &rows.source,
            domain: None,
            leave_one_out: false,
            vocab_folds: None,
            markup: rows.markup.as_ref().map(MarkupRows::input),
        };
        let markup = rows.markup.as_ref();
        let mut p = self.members[0].predict(&input, markup, deadline)?;
        for member in &self.members[1..] {
            for (total, q) in p.iter_mut().zip(member.predict(&input, markup, deadline)?) {
                *total += q;
            }
        }
        if self.members.len() > 1 {
            let count = self.members.len() as f64;
            p.iter_mut().for_each(|q| *q /= count);
        }
        deadline.check("after prediction")?;
        let kept = self.decide(&Batch::pages_only(&rows.page_sizes), &rows.lengths, &p);
        Ok(Scores { page: rows.page, line: rows.line, p, kept })
    }

    /// `kept_lines`, page by page ([`Decision::page`]).
    fn decide(&self, batch: &Batch, lengths: &[usize], p: &[f64]) -> Vec<bool> {
        let mut kept = Vec::with_capacity(p.len());
        for range in batch.pages() {
            kept.extend(self.decision.page(&p[range.clone()], &lengths[range]));
        }
        kept
    }
}

/// The context booster's input: first-pass features (`matrix`, by column) and `context_features` of the
/// probabilities `p`, as float32 (as the Python pass casts its table), by column.
fn context_matrix(
    batch: &Batch,
    matrix: &[f32],
    p: &[f64],
    sources: &[Source],
    likely: f64,
    markup: Option<&MarkupRows>,
) -> Vec<f32> {
    let container = match (markup, sources.contains(&Source::Container)) {
        (Some(m), true) => Some((m.attr.as_slice(), m.depth_code.as_slice())),
        _ => None,
    };
    let values = ContextValues::new(batch, p, likely, container);
    let n = batch.n;
    let mut out = Vec::with_capacity(n * sources.len());
    for &source in sources {
        match source {
            Source::Feature(j) => out.extend_from_slice(&matrix[j * n..(j + 1) * n]),
            other => out.extend((0..n).map(|i| values.value(other, i) as f32)),
        }
    }
    out
}

/// The context pass's own features of a batch's lines (`chromecut.features.context.context_features`): the
/// first pass's probability `p`, its neighbours and window means, the page's mean, maximum and rank, the distances
/// to likely content, and (with the markup's class/id word and depth codes) the container's mean.
struct ContextValues<'a> {
    p: &'a [f64],
    neighbours: Neighbours<'a>,
    page_mean: Vec<f64>,
    page_max: Vec<f64>,
    rank: Vec<f64>,
    /// `prose_before`, `prose_after`, `prose_before_share` of the likely-content lines.
    likely: [Vec<f64>; 3],
    container: Vec<f64>,
}

impl<'a> ContextValues<'a> {
    fn new(batch: &'a Batch<'a>, p: &'a [f64], likely: f64, container: Option<(&[i64], &[i64])>) -> Self {
        let rank: Vec<f64> =
            batch.page_rank(p).iter().zip(&batch.page).map(|(r, &page)| r / batch.page_size[page] as f64).collect();
        // `prose_features` of the likely-content lines: a "prose" line is one of at least one "word" that ends a
        // sentence, each one character long.
        let flags: Vec<f64> = p.iter().map(|&v| f64::from(u8::from(v >= likely))).collect();
        let mut likely_columns = Columns::default();
        prose_features(batch, &flags, &flags, &vec![1.0; batch.n], 1.0, &mut likely_columns);
        let column = |name: &str| likely_columns.get(name).expect("prose_features' columns").to_vec();
        ContextValues {
            p,
            neighbours: Neighbours::new(batch, vec![p]),
            page_mean: batch.page_mean(p),
            page_max: batch.page_max(p),
            rank,
            likely: [column("prose_before"), column("prose_after"), column("prose_before_share")],
            container: container.map_or_else(Vec::new, |(attr, depth)| container_means(batch, attr, depth, p)),
        }
    }

    /// Line `i`'s value of a context feature (not a first-pass one).
    fn value(&self, source: Source, i: usize) -> f64 {
        let [before, after, share] = &self.likely;
        match source {
            Source::Feature(_) => unreachable!("a first-pass feature is read from the featurizer's matrix"),
            Source::P => self.p[i],
            Source::Shifted(offset) => self.neighbours.shifted(P_BASE, offset, i),
            Source::Mean(half) => self.neighbours.mean(P_BASE, half, i),
            Source::PageMean => self.page_mean[i],
            Source::PageMax => self.page_max[i],
            Source::Rank => self.rank[i],
            Source::LikelyBefore => before[i],
            Source::LikelyAfter => after[i],
            Source::LikelyShare => share[i],
            Source::Container => self.container[i],
        }
    }
}

/// The context pass's features as training reads them (`context_features`): pages of `page_sizes` lines, their
/// first-pass probabilities `p`, and for HTML the lines' class/id word and depth codes; the names, in the order
/// of the Python table, and a row-major float64 matrix.
pub fn context_table(
    page_sizes: &[usize],
    p: &[f64],
    offsets: &[i64],
    half_windows: &[usize],
    likely: f64,
    container: Option<(&[i64], &[i64])>,
) -> Result<(Vec<String>, Vec<f64>), String> {
    let batch = Batch::pages_only(page_sizes);
    let codes_fit = container.is_none_or(|(a, d)| a.len() == batch.n && d.len() == batch.n);
    if p.len() != batch.n || !codes_fit {
        return Err(format!("{} lines in the pages, {} probabilities or codes of another length", batch.n, p.len()));
    }
    let mut names = vec!["p".to_string()];
    for &offset in offsets {
        names.push(format!("p_{}{}", if offset < 0 { 'p' } else { 'n' }, offset.unsigned_abs()));
    }
    names.extend(half_windows.iter().map(|half| format!("p_ctx{half}")));
    names.extend(CONTEXT_PAGE_NAMES.iter().map(|n| n.to_string()));
    if container.is_some() {
        names.push("p_container".into());
    }
    let named = ContextNames { names: &names, offsets, half_windows };
    let sources = context_sources(&named, &[])?;
    let values = ContextValues::new(&batch, p, likely, container);
    let mut out = Vec::with_capacity(batch.n * sources.len());
    for i in 0..batch.n {
        out.extend(sources.iter().map(|&source| values.value(source, i)));
    }
    Ok((names, out))
}

/// The context features after the neighbours', in the order of `context_features`.
const CONTEXT_PAGE_NAMES: [&str; 6] =
    ["p_page_mean", "p_page_max", "p_rank", "likely_before", "likely_after", "likely_before_share"];

/// The mean probability of each line's container (the lines of its page with its class/id words and depth),
/// summed in line order (`np.bincount`).
fn container_means(batch: &Batch, attr: &[i64], depth_code: &[i64], p: &[f64]) -> Vec<f64> {
    let (codes, groups) = container::container_codes(batch, attr, depth_code);
    let mut sums = vec![0.0; groups];
    let mut counts = vec![0usize; groups];
    for (&code, &v) in codes.iter().zip(p) {
        sums[code] += v;
        counts[code] += 1;
    }
    codes.iter().map(|&code| sums[code] / counts[code] as f64).collect()
}

/// The page's own lines that scored line `line` stands for: itself, or a wrapped dump's block.
fn own_span(page: &PageLines, line: usize) -> Range<usize> {
    page.wrapped.as_ref().map_or(line..line + 1, |w| w.starts[line]..w.starts[line + 1])
}

/// The page's own lines (as scored, or a wrapped dump's before its blocks were joined): how many, and line `i`.
fn own_count(page: &PageLines) -> usize {
    page.wrapped.as_ref().map_or(page.lines.len(), |w| w.lines.len())
}

fn own_text(page: &PageLines, i: usize) -> &str {
    match &page.wrapped {
        None => &page.lines[i].text,
        Some(w) => &w.lines[i],
    }
}

/// Each page's kept lines, in order, joined by `\n` (a wrapped dump's own lines).
fn joined(pages: &[&PageLines], scores: &Scores) -> Vec<String> {
    let mut out = vec![String::new(); pages.len()];
    let mut started = vec![false; pages.len()];
    for ((&page, &line), &kept) in scores.page.iter().zip(&scores.line).zip(&scores.kept) {
        if kept {
            for i in own_span(pages[page], line) {
                if started[page] {
                    out[page].push('\n');
                }
                started[page] = true;
                out[page].push_str(own_text(pages[page], i));
            }
        }
    }
    out
}

/// Each page's [`PageLabels`] (a wrapped dump's own lines, each with its block's).
fn labels(pages: &[&PageLines], scores: &Scores) -> Vec<PageLabels> {
    let mut out: Vec<PageLabels> = pages
        .iter()
        .map(|page| {
            let n = own_count(page);
            PageLabels {
                lines: (0..n).map(|i| own_text(page, i).to_owned()).collect(),
                p: vec![0.0; n],
                kept: vec![false; n],
            }
        })
        .collect();
    for (row, (&page, &line)) in scores.page.iter().zip(&scores.line).enumerate() {
        for i in own_span(pages[page], line) {
            out[page].p[i] = scores.p[row];
            out[page].kept[i] = scores.kept[row];
        }
    }
    out
}

/// One page's lines (`Reading::Html`: [`segment_page`], every panic caught; `Reading::Text`: split).
pub fn read_page(input: Input<'_>, reading: &Reading, deadline: &Deadline) -> Result<PageLines, PageError> {
    match reading {
        Reading::Html(options) => segment_page(input, options, deadline).0,
        Reading::Text { max_lines, reflow } => {
            let text = match input {
                Input::Text(text) => text,
                Input::Unreadable => return Err(PageError::NeedsDecoding),
                Input::Bytes(bytes) => decode_utf8(bytes)?.0,
            };
            deadline.check("after decoding")?;
            if let Some(max) = *max_lines {
                if text.bytes().filter(|&b| b == b'\n').count() >= max {
                    return Err(PageError::TooManyLines { max_lines: max });
                }
            }
            let parts: Vec<&str> = text.split('\n').map(|part| part.strip_suffix('\r').unwrap_or(part)).collect();
            let blocks = if *reflow { reflow::blocks(&parts) } else { None };
            let (lines, wrapped) = match blocks {
                None => (parts.iter().map(|part| text_line((*part).to_owned())).collect(), None),
                Some(blocks) => {
                    let lines = blocks.texts(&parts).into_iter().map(text_line).collect();
                    let own = parts.iter().map(|part| (*part).to_owned()).collect();
                    (lines, Some(Wrapped { lines: own, starts: blocks.starts }))
                }
            };
            Ok(PageLines { lines, title: None, summary: None, language: None, wrapped })
        }
    }
}

/// A line of text input: no markup.
fn text_line(text: String) -> Line {
    Line {
        text,
        tag: 0,
        heading: 0,
        list_item: false,
        depth: 0,
        link_chars: 0,
        link_count: 0,
        attr_words: Arc::default(),
        landmarks: 0,
    }
}

/// Codes of values in order of first appearance (`pd.factorize`), and the distinct values.
fn factorize<K: Eq + Hash + Clone>(values: impl Iterator<Item = K>) -> (Vec<i64>, Vec<K>) {
    let mut seen: HashMap<K, i64, FastHash> = HashMap::default();
    let mut distinct = Vec::new();
    let codes = values
        .map(|value| {
            *seen.entry(value.clone()).or_insert_with(|| {
                distinct.push(value);
                distinct.len() as i64 - 1
            })
        })
        .collect();
    (codes, distinct)
}

/// The markup columns of the rows, as `chromecut.features.native.markup_columns` gives them.
struct MarkupRows {
    tag: Vec<i64>,
    tags: Vec<String>,
    heading: Vec<f64>,
    list_item: Vec<f64>,
    depth: Vec<f64>,
    depth_code: Vec<i64>,
    link_chars: Vec<f64>,
    link_count: Vec<f64>,
    landmarks: Vec<f64>,
    attr: Vec<i64>,
    attr_lists: Vec<Vec<u32>>,
    title: Vec<i64>,
    titles: Vec<Vec<u32>>,
    summary: Vec<i64>,
    summaries: Vec<Vec<u32>>,
}

impl MarkupRows {
    fn new(pages: &[&PageLines], rows: &[(usize, usize)]) -> Self {
        let line = |&(page, line): &(usize, usize)| &pages[page].lines[line];
        let numbers = |f: fn(&Line) -> f64| rows.iter().map(|r| f(line(r))).collect::<Vec<f64>>();
        let (depth_code, _) = factorize(rows.iter().map(|r| line(r).depth));
        let (attr, attr_words) = factorize(rows.iter().map(|r| &*line(r).attr_words));
        let (title, titles) = factorize(rows.iter().map(|&(page, _)| pages[page].title.as_deref().unwrap_or("")));
        let (summary, summaries) =
            factorize(rows.iter().map(|&(page, _)| pages[page].summary.as_deref().unwrap_or("")));
        let code_points = |s: &str| s.chars().map(u32::from).collect::<Vec<u32>>();
        MarkupRows {
            tag: rows.iter().map(|r| i64::from(line(r).tag)).collect(),
            tags: LINE_TAGS.iter().map(|t| t.to_string()).collect(),
            heading: numbers(|l| f64::from(l.heading)),
            list_item: numbers(|l| f64::from(u8::from(l.list_item))),
            depth: numbers(|l| f64::from(l.depth)),
            depth_code,
            link_chars: numbers(|l| f64::from(l.link_chars)),
            link_count: numbers(|l| f64::from(l.link_count)),
            landmarks: numbers(|l| f64::from(l.landmarks)),
            attr,
            attr_lists: attr_words.into_iter().map(code_points).collect(),
            title,
            titles: titles.into_iter().map(code_points).collect(),
            summary,
            summaries: summaries.into_iter().map(code_points).collect(),
        }
    }

    fn input(&self) -> MarkupInput<'_> {
        MarkupInput {
            tag: &self.tag,
            tags: &self.tags,
            heading: &self.heading,
            list_item: &self.list_item,
            depth: &self.depth,
            depth_code: &self.depth_code,
            link_chars: &self.link_chars,
            link_count: &self.link_count,
            landmarks: &self.landmarks,
            attr: &self.attr,
            attr_lists: &self.attr_lists,
            title: Some(&self.title),
            titles: &self.titles,
            summary: Some(&self.summary),
            summaries: &self.summaries,
        }
    }
}

/// The rows of a batch (`line_frame`): the non-blank lines of the pages, pages one after another, as the
/// featurizer reads them.
struct Rows {
    cps: Vec<u32>,
    lengths: Vec<usize>,
    /// Lines of each page that has any (a page without one has no row, as in a line frame).
    page_sizes: Vec<usize>,
    /// Each row's page number among the pages with rows (the source of repetition counts).
    source: Vec<i64>,
    page: Vec<usize>,
    line: Vec<usize>,
    markup: Option<MarkupRows>,
}

impl Rows {
    fn new(pages: &[&PageLines], markup: bool) -> Self {
        let lines: usize = pages.iter().map(|page| page.lines.len()).sum();
        let bytes: usize = pages.iter().flat_map(|page| &page.lines).map(|line| line.text.len() + 1).sum();
        let mut rows = Rows {
            cps: Vec::with_capacity(bytes),
            lengths: Vec::with_capacity(lines),
            page_sizes: Vec::with_capacity(pages.len()),
            source: Vec::with_capacity(lines),
            page: Vec::with_capacity(lines),
            line: Vec::with_capacity(lines),
            markup: None,
        };
        for (p, page) in pages.iter().enumerate() {
            let before = rows.lengths.len();
            for (l, line) in page.lines.iter().enumerate() {
                if pystr::strip(&line.text).is_empty() {
                    continue;
                }
                if !rows.lengths.is_empty() {
                    rows.cps.push(u32::from('\n'));
                }
                let start = rows.cps.len();
                if line.text.is_ascii() {
                    rows.cps.extend(line.text.bytes().map(u32::from));
                } else {
                    rows.cps.extend(line.text.chars().map(u32::from));
                }
                rows.lengths.push(rows.cps.len() - start);
                rows.source.push(rows.page_sizes.len() as i64);
                rows.page.push(p);
                rows.line.push(l);
            }
            if rows.lengths.len() > before {
                rows.page_sizes.push(rows.lengths.len() - before);
            }
        }
        if markup {
            let pairs: Vec<(usize, usize)> = rows.page.iter().copied().zip(rows.line.iter().copied()).collect();
            rows.markup = Some(MarkupRows::new(pages, &pairs));
        }
        rows
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text_page(text: &str) -> PageLines {
        read_page(Input::Text(text), &Reading::Text { max_lines: None, reflow: true }, &Deadline::NEVER).unwrap()
    }

    fn texts(page: &PageLines) -> Vec<&str> {
        page.lines.iter().map(|l| l.text.as_str()).collect()
    }

    #[test]
    fn text_is_split_on_newlines_with_one_carriage_return_dropped() {
        assert_eq!(texts(&text_page("a\r\n\r\nb\r\r\n")), ["a", "", "b\r", ""]);
        assert_eq!(texts(&text_page("")), [""]);
        let bom = read_page(
            Input::Bytes(b"\xef\xbb\xbfx\ny"),
            &Reading::Text { max_lines: None, reflow: true },
            &Deadline::NEVER,
        );
        assert_eq!(texts(&bom.unwrap()), ["x", "y"]);
    }

    #[test]
    fn text_limits_and_undecodable_bytes_are_the_pages_errors() {
        let reading = Reading::Text { max_lines: Some(2), reflow: true };
        assert_eq!(read_page(Input::Text("a\nb"), &reading, &Deadline::NEVER).map(|p| p.lines.len()), Ok(2));
        assert_eq!(
            read_page(Input::Text("a\nb\n"), &reading, &Deadline::NEVER),
            Err(PageError::TooManyLines { max_lines: 2 })
        );
        assert_eq!(read_page(Input::Bytes(b"caf\xe9"), &reading, &Deadline::NEVER), Err(PageError::NeedsDecoding));
        assert_eq!(read_page(Input::Unreadable, &reading, &Deadline::NEVER), Err(PageError::NeedsDecoding));
        let spent = Deadline::after(Some(-1.0));
        assert_eq!(read_page(Input::Text("a"), &reading, &spent), Err(PageError::Timeout { step: "after decoding" }));
    }

    #[test]
    fn rows_are_the_non_blank_lines_and_pages_without_any_have_none() {
        let pages = [text_page("a\n \u{3000}\nbé"), text_page("\n\t"), text_page("c")];
        let refs: Vec<&PageLines> = pages.iter().collect();
        let rows = Rows::new(&refs, true);
        assert_eq!(rows.lengths, [1, 2, 1]);
        assert_eq!(rows.page_sizes, [2, 1]);
        assert_eq!(rows.source, [0, 0, 1]);
        assert_eq!((rows.page, rows.line), (vec![0, 0, 2], vec![0, 2, 0]));
        assert_eq!(rows.cps, "a\nbé\nc".chars().map(u32::from).collect::<Vec<_>>());
        let markup = rows.markup.expect("asked for");
        assert_eq!((markup.title, markup.titles), (vec![0, 0, 0], vec![vec![]]));
    }

    #[test]
    fn groups_are_whole_pages_in_order_each_ending_once_it_has_enough_lines() {
        let pages: Vec<PageLines> = ["a\nb\nc", "d", "e\nf", "g\nh\ni\nj", "k"].map(text_page).into();
        let refs: Vec<&PageLines> = pages.iter().collect();
        let sizes = |lines| groups(&refs, lines).iter().map(|g| g.len()).collect::<Vec<_>>();
        assert_eq!(sizes(3), vec![1, 2, 1, 1]);
        assert_eq!(sizes(1), vec![1; 5]);
        assert_eq!(sizes(100), vec![5]);
        assert!(groups(&[], 3).is_empty());
    }

    #[test]
    fn factorize_numbers_values_in_order_of_first_appearance() {
        let (codes, distinct) = factorize(["b", "a", "b", "c", "a"].into_iter());
        assert_eq!(codes, [0, 1, 0, 2, 1]);
        assert_eq!(distinct, ["b", "a", "c"]);
    }

    #[test]
    fn labels_give_every_line_blank_ones_unscored() {
        let pages = [text_page("a\n\nb"), text_page("c")];
        let refs: Vec<&PageLines> = pages.iter().collect();
        let scores =
            Scores { page: vec![0, 0, 1], line: vec![0, 2, 0], p: vec![0.9, 0.2, 0.6], kept: vec![true, false, true] };
        let got = labels(&refs, &scores);
        assert_eq!(
            got[0],
            PageLabels {
                lines: vec!["a".into(), "".into(), "b".into()],
                p: vec![0.9, 0.0, 0.2],
                kept: vec![true, false, false]
            }
        );
        assert_eq!(got[1], PageLabels { lines: vec!["c".into()], p: vec![0.6], kept: vec![true] });
    }

    #[test]
    fn each_page_keeps_its_kept_lines_in_order() {
        let pages = [text_page("a\nb\nc"), text_page("d")];
        let refs: Vec<&PageLines> = pages.iter().collect();
        let scores = Scores {
            page: vec![0, 0, 0, 1],
            line: vec![0, 1, 2, 0],
            p: vec![0.9, 0.1, 0.8, 0.2],
            kept: vec![true, false, true, false],
        };
        assert_eq!(joined(&refs, &scores), ["a\nc", ""]);
    }

    /// A dump of a menu line, then ten paragraphs wrapped at 40 characters with a blank line after each.
    fn wrapped_dump() -> String {
        let paragraph = "the river rose in the night and the town\nwoke to water in the streets of the old\nquarter";
        let mut text = String::from("Home");
        for _ in 0..10 {
            text.push('\n');
            text.push_str(paragraph);
            text.push('\n');
        }
        text
    }

    #[test]
    fn a_wrapped_dump_is_scored_by_blocks_and_labelled_by_its_own_lines() {
        let text = wrapped_dump();
        let page = text_page(&text);
        let wrapped = page.wrapped.as_ref().expect("wrapped");
        assert_eq!(wrapped.lines, text.split('\n').collect::<Vec<_>>());
        assert_eq!(page.lines.len(), 1 + 10 * 2, "the menu, then each paragraph and the blank line after it");
        assert_eq!(
            page.lines[1].text,
            "the river rose in the night and the town woke to water in the streets of the old quarter"
        );
        let unwrapped =
            read_page(Input::Text(&text), &Reading::Text { max_lines: None, reflow: false }, &Deadline::NEVER);
        assert_eq!(unwrapped.unwrap().lines.len(), wrapped.lines.len(), "reflow=false reads the lines as they are");
        // The menu dropped, the first paragraph kept, the second dropped: each label reaches all of a block's lines.
        let refs = [&page];
        let scores =
            Scores { page: vec![0; 3], line: vec![0, 1, 3], p: vec![0.1, 0.9, 0.2], kept: vec![false, true, false] };
        let got = labels(&refs, &scores);
        assert_eq!(got[0].lines, wrapped.lines);
        assert_eq!(&got[0].p[..8], [0.1, 0.9, 0.9, 0.9, 0.0, 0.2, 0.2, 0.2]);
        assert_eq!(&got[0].kept[..5], [false, true, true, true, false]);
        assert_eq!(joined(&refs, &scores), [wrapped.lines[1..4].join("\n")]);
    }

    #[test]
    fn context_features_are_found_by_name_and_unknown_ones_refused() {
        let names = |names: &[&str]| names.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let (offsets, half_windows) = ([-2, -1, 1, 2], [2, 6]);
        let features = vec!["chars".to_string(), "words".to_string()];
        let asked = names(&["words", "p", "p_p2", "p_n1", "p_ctx6", "p_rank"]);
        let sources =
            context_sources(&ContextNames { names: &asked, offsets: &offsets, half_windows: &half_windows }, &features);
        assert_eq!(
            sources,
            Ok(vec![
                Source::Feature(1),
                Source::P,
                Source::Shifted(-2),
                Source::Shifted(1),
                Source::Mean(6),
                Source::Rank
            ])
        );
        let unknown = names(&["p_ctx3"]);
        let named = ContextNames { names: &unknown, offsets: &offsets, half_windows: &half_windows };
        assert!(context_sources(&named, &features).unwrap_err().contains("p_ctx3"));
    }
}
