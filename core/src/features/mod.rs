//! Featurisation: the features of `chromecut.features.Featurizer("text")` (with or without its section features)
//! and of `Featurizer("html")` (with or without its kind features), their only implementation (the golden files
//! of the tests, `tests/golden_features.py`, hold them), for a batch of pages at a time. Lines in (their
//! code points joined by `\n`, their lengths, the pages' sizes, each line's source page and domain, in HTML mode
//! the markup columns), the feature matrix out, columns in the order asked.
//!
//! Everything the features read comes from the Python side at construction ([`Spec`]): the character tables,
//! the lower case, the word lists, the thresholds and the regexes, so the two engines share one source.
//!
//! - [`tables`]: per-code-point classes, `str.lower`, the regexes' stand-ins;
//! - [`batch`]: the lines and pages, and NumPy's reductions;
//! - [`text`]: length, position, character, page, prose and neighbour families;
//! - [`words`]: word tokens, keywords, stopwords; [`patterns`]: the pattern family;
//! - [`repetition`]: repeated lines; [`sections`]: the section-aware families; [`markdown`]: Markdown's links;
//! - [`page_words`]: the page's frequent words; [`vocab`]: the vocabulary learnt from the training pages' labels;
//! - HTML mode ([`HtmlSpec`], the markup columns in [`markup::MarkupInput`]): [`markup`] (links, tags, landmarks,
//!   class/id words, title), [`container`], [`kinds`] (kind evidence and the article's boundaries) and the
//!   scores' tokenizer it reads, [`normalise`].

pub mod batch;
pub mod container;
pub mod kinds;
pub mod markdown;
pub mod markup;
pub mod normalise;
pub mod page_words;
pub mod patterns;
pub mod repetition;
pub mod sections;
pub mod tables;
pub mod text;
pub mod vocab;
pub mod words;

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use batch::Batch;
pub use batch::InputError;
use kinds::{KindSpec, Kinds};
use markup::{AttrWords, Markup, MarkupInput, MarkupSpec};
use patterns::{Patterns, ScanText};
use repetition::LineFrequency;
use sections::SectionSpec;
use tables::{LowerCase, ReClasses, RegexText, Tables, DIGIT};
use text::{Neighbour, Neighbours};
use words::{Keywords, Lexicon, Stopwords};

/// FxHash (rustc's hasher): the keys are short strings and small integers, never chosen by an adversary
/// that could exploit it more than any other page content.
#[derive(Default, Clone, Copy)]
pub struct FxHasher(u64);

const FX_SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            self.add(u64::from_le_bytes(chunk.try_into().expect("eight bytes")));
        }
        for &b in chunks.remainder() {
            self.add(u64::from(b));
        }
    }

    #[inline]
    fn write_u64(&mut self, value: u64) {
        self.add(value);
    }

    #[inline]
    fn write_usize(&mut self, value: usize) {
        self.add(value as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
}

impl FxHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(FX_SEED);
    }
}

pub type FastHash = BuildHasherDefault<FxHasher>;

/// Named feature columns, in the order computed.
#[derive(Default)]
pub struct Columns {
    names: Vec<String>,
    values: Vec<Vec<f64>>,
    index: HashMap<String, usize, FastHash>,
}

impl Columns {
    pub fn push(&mut self, name: &str, values: Vec<f64>) {
        self.push_owned(name.to_string(), values);
    }

    pub fn push_owned(&mut self, name: String, values: Vec<f64>) {
        self.index.insert(name.clone(), self.values.len());
        self.names.push(name);
        self.values.push(values);
    }

    pub fn get(&self, name: &str) -> Option<&[f64]> {
        self.index.get(name).map(|&i| self.values[i].as_slice())
    }

    pub fn names(&self) -> &[String] {
        &self.names
    }
}

/// What the Python side gives at construction (see `chromecut.features.native.build`).
pub struct Spec {
    /// The output columns, in order.
    pub names: Vec<String>,
    pub char_flags: Vec<u8>,
    /// Python's `re` classes `\w`, `\d`, `\s` as `[start, end)` pairs.
    pub word_spans: Vec<u32>,
    pub digit_spans: Vec<u32>,
    pub space_spans: Vec<u32>,
    pub regex_text: RegexText,
    pub lower: LowerCase,
    pub sigma_cased: Vec<u32>,
    pub sigma_ignorable: Vec<u32>,
    pub pattern_names: Vec<String>,
    /// (name, Rust regex, only on lines with a digit).
    pub pattern_regexes: Vec<(String, String, bool)>,
    pub copyright_regex: String,
    pub keyword_families: Vec<String>,
    pub keyword_single: Vec<(String, Vec<usize>)>,
    pub keyword_multi: Vec<(Vec<String>, usize)>,
    pub keyword_cjk: Vec<(usize, Vec<String>)>,
    pub keyword_max_chars: usize,
    pub stopwords: Vec<String>,
    pub cjk_stopwords: Vec<u32>,
    pub separator_chars: String,
    pub bullet_chars: String,
    pub list_indent_chars: String,
    pub list_number_end_chars: String,
    pub closing_chars: String,
    pub prose_min_words: f64,
    /// The prose test counts CJK characters as words ([`text::prose_words`]).
    pub cjk_prose_words: bool,
    pub neighbour_offsets: Vec<i64>,
    pub context_half_windows: Vec<usize>,
    pub neighbour_bases: Vec<String>,
    /// `None`: no section features.
    pub sections: Option<SectionSpec>,
    /// The Markdown link family ([`markdown`]).
    pub markdown: bool,
    /// The page's frequent words ([`page_words`]).
    pub page_words: bool,
    /// `None`: no learnt vocabulary family ([`vocab`]); an empty table before the featurizer is fitted.
    pub vocab: Option<vocab::VocabSpec>,
    pub frequency_keys: Vec<Vec<u8>>,
    pub frequency_counts: Vec<i64>,
    /// `None`: text mode.
    pub html: Option<HtmlSpec>,
}

/// HTML mode's families: the markup ones, and optionally the kind and main-text features.
pub struct HtmlSpec {
    pub markup: MarkupSpec,
    /// `None`: no kind features.
    pub kinds: Option<KindSpec>,
    /// The main text's thresholds (`sections.MAIN_MIN_TOKENS_DEFAULT`, `MAIN_MAX_GAP_DEFAULT`).
    pub main_min_tokens: f64,
    pub main_max_gap: usize,
    /// `None`: no learnt class/id word vocabulary ([`vocab::Vocab::attr_features`]); an empty table before the
    /// featurizer is fitted.
    pub attr_vocab: Option<vocab::VocabSpec>,
}

/// HTML mode's families, built.
struct Html {
    markup: Markup,
    kinds: Option<Kinds>,
    main_min_tokens: f64,
    main_max_gap: usize,
    attr_vocab: Option<vocab::Vocab>,
}

/// The container family's columns and the main text's (their names; the families are plain functions).
const CONTAINER_FEATURES: [&str; 5] = [
    "container_lines",
    "container_text_share",
    "container_link_density",
    "container_stop_density",
    "container_has_longest",
];
const MAIN_TEXT_FEATURES: [&str; 3] = ["main_inside", "main_dist", "main_dist_rel"];

/// One batch: `text` is the lines' code points joined by `\n`.
pub struct Input<'a> {
    pub text: &'a [u32],
    pub lengths: &'a [usize],
    pub page_sizes: &'a [usize],
    /// Each line's source page (repetition counts pages by it), as codes.
    pub source: &'a [i64],
    /// Each line's site, as codes (-1: none); `None`: no domain column (`repeat_site` is NaN).
    pub domain: Option<&'a [i64]>,
    /// Transforming the frame the featurizer was fitted on: a line does not count its own page.
    pub leave_one_out: bool,
    /// Each line's fold of the learnt vocabulary (training lines, featurised out of fold); `None`: the whole
    /// table.
    pub vocab_folds: Option<&'a [i64]>,
    /// The markup columns (HTML mode).
    pub markup: Option<MarkupInput<'a>>,
}

/// The featurizer of either mode (named for the lines of text it reads; HTML mode reads their markup too).
pub struct TextFeaturizer {
    names: Vec<String>,
    tables: Tables,
    patterns: Patterns,
    lexicon: Lexicon,
    keywords: Keywords,
    keyword_max_chars: usize,
    stopwords: Stopwords,
    closing: Vec<u32>,
    prose_min_words: f64,
    cjk_prose_words: bool,
    /// Each neighbour feature by name.
    neighbours: HashMap<String, Neighbour, FastHash>,
    neighbour_bases: Vec<String>,
    sections: Option<SectionSpec>,
    markdown: bool,
    page_words: bool,
    vocab: Option<vocab::Vocab>,
    frequency: LineFrequency,
    html: Option<Html>,
}

/// The patterns whose counts the section features read.
const SECTION_PATTERNS: [&str; 5] = ["date", "time", "counter", "unit", "list_marker"];

/// The names of one family, as owned strings.
fn owned<'a>(names: &'a [&str]) -> impl Iterator<Item = String> + 'a {
    names.iter().map(|s| s.to_string())
}

/// Every feature name but the neighbours' a featurizer of `spec` computes, in the order of the output when no
/// names are asked for (each family's columns together, families in the order of the data's way: length,
/// position, keywords, characters, stopwords, patterns, page, repetition, prose, sections, Markdown links, the
/// page's frequent words, then `html`, the HTML families' names).
fn known_names(spec: &Spec, html: &[String]) -> Vec<String> {
    let mut names: Vec<String> = owned(&["chars", "log_chars", "words", "mean_word_len"]).collect();
    names.extend(owned(&["rel_index", "log_from_start", "log_from_end", "text_before_share", "to_longest"]));
    names.push("log_page_lines".into());
    names.extend(spec.keyword_families.iter().map(|k| format!("kw_{k}")));
    names.extend(owned(&["punct_ratio", "digit_ratio", "alpha_ratio", "upper_ratio", "cjk_ratio"]));
    names.extend(owned(&["ends_sentence", "sentences", "commas", "tokens", "stopwords", "stop_density"]));
    names.extend(spec.pattern_names.iter().map(|p| format!("pat_{p}")));
    names.extend(owned(&["chars_rel_max", "chars_rel_median", "chars_rank", "stop_density_rel"]));
    names.extend(owned(&["repeat_corpus", "repeat_site", "prose_before", "prose_after", "prose_before_share"]));
    if spec.sections.is_some() {
        names.extend(owned(&["sec_heading", "sec_since", "sec_lines"]));
        names.extend(spec.keyword_families.iter().map(|k| format!("sec_kw_{k}")));
        names.extend(owned(&["run_lines", "run_len_spread", "run_same_start", "run_similar_len"]));
        names.extend(owned(&MAIN_TEXT_FEATURES));
        names.extend(owned(&["repeat_page", "glued_camel", "glued_camel_run", "glued_separators"]));
        names.extend(owned(&["cap_word_share", "only_number", "meta_line", "byline"]));
    }
    if spec.markdown {
        names.extend(owned(&markdown::NAMES));
    }
    if spec.page_words {
        names.extend(owned(&page_words::NAMES));
    }
    if spec.vocab.is_some() {
        names.extend(owned(&vocab::NAMES));
    }
    names.extend(html.iter().filter(|h| !names.contains(h)).cloned().collect::<Vec<_>>());
    names
}

impl Html {
    fn new(spec: HtmlSpec, tables: &Tables) -> Result<Self, String> {
        Ok(Html {
            markup: Markup::new(spec.markup, tables)?,
            kinds: spec.kinds.map(|k| Kinds::new(k, tables)).transpose()?,
            main_min_tokens: spec.main_min_tokens,
            main_max_gap: spec.main_max_gap,
            attr_vocab: spec.attr_vocab.map(vocab::Vocab::new).transpose()?,
        })
    }

    fn names(&self) -> Vec<String> {
        let mut names = self.markup.names();
        names.extend(CONTAINER_FEATURES.map(String::from));
        if let Some(kinds) = &self.kinds {
            names.extend(kinds.names());
            names.extend(MAIN_TEXT_FEATURES.map(String::from));
        }
        if self.attr_vocab.is_some() {
            names.extend(vocab::ATTR_NAMES.map(String::from));
        }
        names
    }

    /// Every HTML family of a batch, after the text families (`columns`).
    fn columns(
        &self,
        batch: &Batch,
        tables: &Tables,
        markup: &MarkupInput,
        tokens: &words::Tokens,
        vocab_folds: Option<&[i64]>,
        columns: &mut Columns,
    ) -> Result<(), InputError> {
        markup.check(batch.n)?;
        let attr = AttrWords::new(markup.attr_lists, tables);
        let out = self.markup.features(batch, tables, markup, &attr, tokens, columns);
        columns.extend(out);
        let mut out = Columns::default();
        container::container_features(batch, markup.attr, markup.depth_code, columns, &mut out);
        columns.extend(out);
        if let Some(kinds) = &self.kinds {
            let mut out = Columns::default();
            kinds.features(batch, markup, &attr, &mut out)?;
            let col = |name: &str| columns.get(name).expect("the text families");
            let (count, ends, chars) = (col("tokens"), col("ends_sentence"), col("chars"));
            sections::main_text_features(batch, count, ends, chars, self.main_min_tokens, self.main_max_gap, &mut out);
            columns.extend(out);
        }
        if let Some(vocab) = &self.attr_vocab {
            let values = vocab.attr_features(markup, &attr, vocab_folds).map_err(InputError)?;
            for (name, column) in vocab::ATTR_NAMES.iter().zip(values) {
                columns.push(name, column);
            }
        }
        Ok(())
    }
}

impl TextFeaturizer {
    pub fn new(mut spec: Spec) -> Result<Self, String> {
        let classes = ReClasses { word: &spec.word_spans, digit: &spec.digit_spans, space: &spec.space_spans };
        let tables = Tables::new(
            std::mem::take(&mut spec.char_flags),
            classes,
            std::mem::replace(
                &mut spec.lower,
                LowerCase { sources: Vec::new(), offsets: vec![0], targets: Vec::new() },
            ),
            &spec.sigma_cased,
            &spec.sigma_ignorable,
            std::mem::replace(&mut spec.regex_text, RegexText::empty()),
        )
        .map_err(|e| e.to_string())?;
        let html = spec.html.take().map(|h| Html::new(h, &tables)).transpose()?;
        let known = known_names(&spec, &html.as_ref().map(Html::names).unwrap_or_default());
        if let Some(base) = spec.neighbour_bases.iter().find(|b| !known.contains(b)) {
            return Err(format!("the Rust text featurizer has no feature {base} (a neighbour base)"));
        }
        let neighbour_order =
            text::neighbour_names(&spec.neighbour_bases, &spec.neighbour_offsets, &spec.context_half_windows);
        if spec.names.is_empty() {
            // No names asked for: every feature, in the output order (see `known_names`).
            spec.names = known.iter().cloned().chain(neighbour_order.iter().map(|(name, _)| name.clone())).collect();
        }
        let neighbours: HashMap<String, Neighbour, FastHash> = neighbour_order.into_iter().collect();
        if let Some(name) = spec.names.iter().find(|n| !known.contains(n) && !neighbours.contains_key(*n)) {
            return Err(format!("the Rust text featurizer has no feature {name}"));
        }
        if spec.sections.is_some() {
            for name in SECTION_PATTERNS {
                if !spec.pattern_names.iter().any(|p| p == name) {
                    return Err(format!("the section features read the pattern {name}"));
                }
            }
        }
        let patterns = Patterns::new(
            spec.pattern_names,
            spec.pattern_regexes,
            &spec.separator_chars,
            &spec.bullet_chars,
            &spec.list_indent_chars,
            &spec.list_number_end_chars,
        )?;
        let copyright = patterns::compile(&spec.copyright_regex).map_err(|e| format!("copyright regex: {e}"))?;
        let lexicon =
            Lexicon::new(spec.keyword_families.len(), spec.keyword_single, spec.keyword_multi, spec.stopwords)?;
        let keywords = Keywords::new(spec.keyword_families, spec.keyword_cjk, copyright)?;
        Ok(TextFeaturizer {
            names: spec.names,
            tables,
            patterns,
            keywords,
            keyword_max_chars: spec.keyword_max_chars,
            lexicon,
            stopwords: Stopwords::new(spec.cjk_stopwords),
            closing: spec.closing_chars.chars().map(u32::from).collect(),
            prose_min_words: spec.prose_min_words,
            cjk_prose_words: spec.cjk_prose_words,
            neighbours,
            neighbour_bases: spec.neighbour_bases,
            sections: spec.sections,
            markdown: spec.markdown,
            page_words: spec.page_words,
            vocab: spec.vocab.map(vocab::Vocab::new).transpose()?,
            frequency: LineFrequency::new(spec.frequency_keys, &spec.frequency_counts)?,
            html,
        })
    }

    /// The output columns, in order.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// Each line's repetition key (digits masked, lower-cased, whitespace folded: what `repeat_corpus` looks up),
    /// as one buffer of Python's UTF-8 with `surrogatepass` and each line's end in it.
    pub fn line_keys(&self, text: &[u32], lengths: &[usize]) -> Result<(Vec<u8>, Vec<usize>), InputError> {
        let batch = Batch::new(text, lengths, &[lengths.len()], &self.tables)?;
        let keys = repetition::normalised_lines(&batch, &self.tables);
        Ok(keys.into_parts())
    }

    /// The learnt vocabulary ([`vocab::learn`]) of lines `text` (joined by `\n`, `lengths` code points each) and
    /// what `lines` says of each. Its units and their weights, `k + 1` per unit.
    pub fn learn_vocab(
        &self,
        text: &[u32],
        lengths: &[usize],
        lines: &vocab::Labelled,
        how: vocab::Learning,
    ) -> Result<(Vec<String>, Vec<f32>), InputError> {
        let vocab = self.vocab.as_ref().ok_or_else(|| InputError("this featurizer has no vocabulary family".into()))?;
        let batch = Batch::new(text, lengths, &[lengths.len()], &self.tables)?;
        let tokens = words::word_tokens(&batch, &self.tables);
        let units = vocab::line_units(&batch, &tokens, vocab.max_tokens());
        vocab::learn(&units, lines, how).map_err(InputError)
    }

    /// The learnt class/id word vocabulary (HTML mode, [`vocab::attr_list_units`], [`vocab::learn`]) of lines
    /// whose word lists are `attr` (codes into `attr_lists`, each list its words joined by spaces) and what `lines`
    /// says of each. Its units and their weights, `k + 1` per unit.
    pub fn learn_attr_vocab(
        &self,
        attr: &[i64],
        attr_lists: &[Vec<u32>],
        lines: &vocab::Labelled,
        how: vocab::Learning,
    ) -> Result<(Vec<String>, Vec<f32>), InputError> {
        let vocab = self
            .html
            .as_ref()
            .and_then(|html| html.attr_vocab.as_ref())
            .ok_or_else(|| InputError("this featurizer has no class/id word vocabulary family".into()))?;
        let words = AttrWords::new(attr_lists, &self.tables);
        let per_list = vocab::attr_list_units(&words, vocab.max_tokens());
        let units = attr
            .iter()
            .map(|&code| {
                let list = usize::try_from(code).ok().and_then(|c| per_list.get(c));
                list.map(|units| units.iter().map(|u| std::borrow::Cow::Borrowed(u.as_str())).collect())
                    .ok_or_else(|| InputError("a class/id word list code is out of its lists".into()))
            })
            .collect::<Result<Vec<Vec<_>>, _>>()?;
        vocab::learn(&units, lines, how).map_err(InputError)
    }

    /// Every column of a batch, by name (the neighbour features too).
    pub fn columns(&self, input: &Input) -> Result<Columns, InputError> {
        let batch = Batch::new(input.text, input.lengths, input.page_sizes, &self.tables)?;
        let mut out = self.base_columns(&batch, input)?;
        let mut names: Vec<(&String, Neighbour)> = self.neighbours.iter().map(|(k, &v)| (k, v)).collect();
        names.sort_by(|a, b| a.0.cmp(b.0));
        let bases = self.neighbour_bases(&out);
        let neighbours = Neighbours::new(&batch, bases);
        let columns: Vec<(String, Vec<f64>)> = names
            .iter()
            .map(|(name, how)| ((*name).clone(), (0..batch.n).map(|i| how.value(&neighbours, i)).collect()))
            .collect();
        drop(neighbours);
        for (name, column) in columns {
            out.push_owned(name, column);
        }
        Ok(out)
    }

    fn neighbour_bases<'c>(&self, columns: &'c Columns) -> Vec<&'c [f64]> {
        self.neighbour_bases.iter().map(|b| columns.get(b).expect("a base, checked in new")).collect()
    }

    /// Every column but the neighbour features.
    fn base_columns(&self, batch: &Batch, input: &Input) -> Result<Columns, InputError> {
        let n = batch.n;
        if input.source.len() != n || input.domain.is_some_and(|d| d.len() != n) {
            return Err(InputError("source and domain need one code per line".into()));
        }
        let mut out = Columns::default();
        let tokens = words::word_tokens(batch, &self.tables);
        text::length_features(batch, &mut out);
        let chars = out.get("chars").expect("length family").to_vec();
        text::position_features(batch, &chars, &mut out);
        let scan = ScanText::all(batch, &self.tables);
        let lexemes = self.lexicon.look_up(&tokens);
        let flags = self.keywords.flags(batch, &tokens, &lexemes, &scan, self.keyword_max_chars);
        for (name, row) in self.keywords.names.iter().zip(flags) {
            out.push_owned(format!("kw_{name}"), row);
        }
        text::character_features(batch, &chars, &self.closing, &mut out);
        let (total, stops, density) = self.stopwords.features(batch, &tokens, &lexemes);
        out.push("tokens", total);
        out.push("stopwords", stops);
        let digits = batch.count(DIGIT);
        for (name, counts) in self.patterns.counts(batch, &scan, digits) {
            out.push_owned(name, counts);
        }
        text::page_features(batch, &chars, &density, &mut out);
        out.push("stop_density", density);
        let keys = repetition::normalised_lines(batch, &self.tables);
        out.push("repeat_corpus", self.frequency.repeat_corpus(&keys, n, input.leave_one_out));
        out.push("repeat_site", repetition::repeat_site(&keys, n, input.domain, input.source));
        let (words, ends) = (out.get("words").expect("length").to_vec(), out.get("ends_sentence").expect("chars"));
        let mut prose = Columns::default();
        let words = if self.cjk_prose_words { text::prose_words(batch, &words) } else { words };
        text::prose_features(batch, &words, ends, &chars, self.prose_min_words, &mut prose);
        out.extend(prose);
        if let Some(spec) = &self.sections {
            let mut sections = Columns::default();
            sections::text_section_features(batch, spec, &out, &self.keywords.names, &keys, &tokens, &mut sections);
            out.extend(sections);
        }
        if self.markdown {
            markdown::markdown_features(batch, &mut out);
        }
        if self.page_words {
            out.push(page_words::NAMES[0], page_words::page_word_density(batch, &tokens));
        }
        if let Some(vocab) = &self.vocab {
            let columns = vocab.features(batch, &tokens, input.vocab_folds).map_err(InputError)?;
            for (name, column) in vocab::NAMES.iter().zip(columns) {
                out.push(name, column);
            }
        }
        if let Some(html) = &self.html {
            let markup =
                input.markup.as_ref().ok_or_else(|| InputError("HTML features need the markup columns".into()))?;
            html.columns(batch, &self.tables, markup, &tokens, input.vocab_folds, &mut out)?;
        }
        Ok(out)
    }

    /// The feature matrix of a batch, row-major, columns in [`Self::names`] order, as `f64` or `f32` (cast as
    /// NumPy casts). The neighbour features are written straight into it, line by line.
    pub fn features<T: Float>(&self, input: &Input) -> Result<Vec<T>, InputError> {
        let batch = self.batch(input)?;
        self.features_of(&batch, input)
    }

    /// The lines and pages of `input`, as [`Self::features_of`] reads them (and the context pass after it).
    pub fn batch<'a>(&self, input: &Input<'a>) -> Result<Batch<'a>, InputError> {
        Batch::new(input.text, input.lengths, input.page_sizes, &self.tables)
    }

    /// [`Self::features`] of a batch built by [`Self::batch`] from the same `input`.
    pub fn features_of<T: Float>(&self, batch: &Batch, input: &Input) -> Result<Vec<T>, InputError> {
        let columns = self.base_columns(batch, input)?;
        let neighbours = Neighbours::new(batch, self.neighbour_bases(&columns));
        let sources = self.sources(&columns)?;
        let (n, width) = (batch.n, self.names.len());
        let mut matrix = vec![T::default(); n * width];
        // Row blocks, so the rows being written stay in cache while every column is read.
        const BLOCK: usize = 128;
        for (b, block) in matrix.chunks_mut(BLOCK * width).enumerate() {
            let first = b * BLOCK;
            for (j, source) in sources.iter().enumerate() {
                let rows = block.chunks_exact_mut(width).enumerate();
                match source {
                    Source::Column(column) => {
                        for ((_, row), &v) in rows.zip(&column[first..]) {
                            row[j] = T::from_f64(v);
                        }
                    }
                    Source::Neighbour(how) => {
                        for (k, row) in rows {
                            row[j] = T::from_f64(how.value(&neighbours, first + k));
                        }
                    }
                }
            }
        }
        Ok(matrix)
    }

    /// [`Self::features_of`] as `f32`, laid out by column: feature `j` of line `i` at `j * lines + i`.
    pub fn features_by_column(&self, batch: &Batch, input: &Input) -> Result<Vec<f32>, InputError> {
        let columns = self.base_columns(batch, input)?;
        let neighbours = Neighbours::new(batch, self.neighbour_bases(&columns));
        let mut matrix = Vec::with_capacity(batch.n * self.names.len());
        for source in self.sources(&columns)? {
            match source {
                Source::Column(column) => matrix.extend(column.iter().map(|&v| v as f32)),
                Source::Neighbour(how) => matrix.extend((0..batch.n).map(|i| how.value(&neighbours, i) as f32)),
            }
        }
        Ok(matrix)
    }

    /// Where each feature of [`Self::names`] comes from: a computed column, or a neighbour of one.
    fn sources<'c>(&self, columns: &'c Columns) -> Result<Vec<Source<'c>>, InputError> {
        self.names
            .iter()
            .map(|name| match columns.get(name) {
                Some(column) => Ok(Source::Column(column)),
                None => self
                    .neighbours
                    .get(name)
                    .map(|&how| Source::Neighbour(how))
                    .ok_or_else(|| InputError(format!("no column {name}"))),
            })
            .collect()
    }
}

/// Where a feature's values come from ([`TextFeaturizer::sources`]).
enum Source<'c> {
    Column(&'c [f64]),
    Neighbour(Neighbour),
}

/// The output's float type.
pub trait Float: Copy + Default + Send {
    fn from_f64(value: f64) -> Self;
}

impl Float for f64 {
    #[inline]
    fn from_f64(value: f64) -> Self {
        value
    }
}

impl Float for f32 {
    #[inline]
    fn from_f64(value: f64) -> Self {
        value as f32
    }
}

impl Columns {
    fn extend(&mut self, other: Columns) {
        for (name, values) in other.names.into_iter().zip(other.values) {
            self.push_owned(name, values);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::tables::tests::{ascii_flags, ascii_lower, ascii_regex_text, ASCII_DIGIT, ASCII_SPACE, ASCII_WORD};
    use super::*;
    use markup::MarkupSpec;
    use proptest::prelude::*;
    use vocab::VocabSpec;

    fn spec(sections: bool) -> Spec {
        let mut spec = Spec {
            names: Vec::new(),
            char_flags: ascii_flags(),
            word_spans: ASCII_WORD.to_vec(),
            digit_spans: ASCII_DIGIT.to_vec(),
            space_spans: ASCII_SPACE.to_vec(),
            regex_text: ascii_regex_text(),
            lower: ascii_lower(),
            sigma_cased: vec![65, 91, 97, 123],
            sigma_ignorable: vec![39, 40],
            pattern_names: ["date", "time", "counter", "unit", "separator", "list_marker", "url"]
                .map(String::from)
                .to_vec(),
            pattern_regexes: vec![
                ("date".into(), r"\b[0-9]{4}-[0-9]{2}-[0-9]{2}\b".into(), true),
                ("time".into(), r"\b[0-9]{1,2}:[0-9]{2}\b".into(), true),
                ("counter".into(), r"[0-9]+ comments\b".into(), true),
                ("unit".into(), r"[0-9]+ ?EUR\b".into(), true),
                ("url".into(), r"https?://|www\.".into(), false),
            ],
            copyright_regex: r"\([cC]\)\s*20[0-9][0-9]".into(),
            keyword_families: ["related", "share", "copyright"].map(String::from).to_vec(),
            keyword_single: vec![("related".into(), vec![0]), ("share".into(), vec![1])],
            keyword_multi: vec![(vec!["read".into(), "more".into()], 0)],
            keyword_cjk: Vec::new(),
            keyword_max_chars: 120,
            stopwords: ["the", "a", "of"].map(String::from).to_vec(),
            cjk_stopwords: Vec::new(),
            separator_chars: "|>/".into(),
            bullet_chars: "-*".into(),
            list_indent_chars: " \t".into(),
            list_number_end_chars: ".)".into(),
            closing_chars: "\")".into(),
            prose_min_words: 12.0,
            cjk_prose_words: false,
            neighbour_offsets: vec![-2, -1, 1, 2],
            context_half_windows: vec![2, 6],
            neighbour_bases: ["log_chars", "stop_density", "pat_list_marker"].map(String::from).to_vec(),
            sections: sections.then(|| SectionSpec {
                heading_max_words: 8.0,
                heading_max_chars: 60.0,
                headline_max_words: 14.0,
                headline_max_chars: 120.0,
                title_case_min_share: 0.6,
                run_similar_length: 0.5,
                main_min_tokens: 12.0,
                main_max_gap: 3,
                only_number_max_letters: 2.0,
                meta_max_words: 6.0,
                byline_max_words: 8.0,
                byline_word_positions: 2,
                byline_words: vec!["by".into()],
                byline_cjk_prefixes: Vec::new(),
                byline_cjk_colons: Vec::new(),
                separators: "|>/".chars().map(u32::from).collect(),
            }),
            markdown: sections,
            page_words: false,
            vocab: None,
            frequency_keys: vec![b"home".to_vec()],
            frequency_counts: vec![3],
            html: None,
        };
        spec.names = known_names(&spec, &[]);
        spec
    }

    const PAGE: [&str; 9] = [
        "Home | News | Sport",
        "- First item",
        "2) Second item",
        "Related",
        "Read more of the story",
        "The council approved the new budget after a long debate that lasted well into the night.",
        "Posted 2024-03-12 (c) 2024 www.example.com",
        "By Jane Doe",
        "HomeNewsSport|Weather x",
    ];

    fn run(featurizer: &TextFeaturizer, lines: &[&str], pages: &[usize]) -> Result<Columns, InputError> {
        let text: Vec<u32> = lines.join("\n").chars().map(u32::from).collect();
        let lengths: Vec<usize> = lines.iter().map(|l| l.chars().count()).collect();
        let source: Vec<i64> = pages.iter().enumerate().flat_map(|(p, &s)| std::iter::repeat_n(p as i64, s)).collect();
        let domain = vec![0; lines.len()];
        let input = Input {
            text: &text,
            lengths: &lengths,
            page_sizes: pages,
            source: &source,
            domain: Some(&domain),
            leave_one_out: false,
            vocab_folds: None,
            markup: None,
        };
        featurizer.columns(&input)
    }

    #[test]
    fn a_page_scores_in_a_batch_as_alone_even_where_its_end_meets_the_next_page() {
        // Each page's text is scanned alone: a list marker on its own at a page's end, a separator opening the
        // next page, a date and a URL split over the page break and a copyright mark split over it.
        let pages: [&[&str]; 4] = [
            &["Home | News", "-"],
            &["| Sport", "2024-03-", "(c)"],
            &["12 posted www.", " 2024 example"],
            &["2) the end of it"],
        ];
        let featurizer = TextFeaturizer::new(spec(true)).unwrap();
        let lines: Vec<&str> = pages.iter().flat_map(|p| p.iter().copied()).collect();
        let sizes: Vec<usize> = pages.iter().map(|p| p.len()).collect();
        let batch = run(&featurizer, &lines, &sizes).unwrap();
        let mut first = 0;
        for page in pages {
            let alone = run(&featurizer, page, &[page.len()]).unwrap();
            for name in featurizer.names().iter().filter(|n| n.as_str() != "repeat_site") {
                let (Some(a), Some(b)) = (alone.get(name), batch.get(name)) else { continue };
                for (k, (x, y)) in a.iter().zip(&b[first..first + page.len()]).enumerate() {
                    assert!(x == y || (x.is_nan() && y.is_nan()), "{name}, line {k} of {page:?}: {x} alone, {y}");
                }
            }
            first += page.len();
        }
    }

    #[test]
    fn a_page_of_chrome_and_prose() {
        let featurizer = TextFeaturizer::new(spec(true)).unwrap();
        let c = run(&featurizer, &PAGE, &[9]).unwrap();
        let col = |name: &str| c.get(name).unwrap().to_vec();
        assert_eq!(col("chars")[3], 7.0);
        assert_eq!(col("words")[0], 5.0);
        assert_eq!(col("pat_separator")[0], 2.0);
        assert_eq!(col("pat_list_marker")[..3], [0.0, 1.0, 1.0]);
        assert_eq!(col("pat_date")[6], 1.0);
        assert_eq!(col("pat_url")[6], 1.0);
        assert_eq!(col("kw_related")[3..5], [1.0, 1.0]);
        assert_eq!(col("kw_copyright")[6], 1.0);
        assert_eq!(col("ends_sentence")[5], 1.0);
        assert_eq!(col("prose_before")[6], 2f64.ln());
        assert!(col("prose_before")[4].is_nan());
        assert_eq!(col("repeat_corpus")[0], 0.0);
        assert!(col("log_chars_p1")[0].is_nan());
        assert_eq!(col("log_chars_n1")[0], col("log_chars")[1]);
        assert_eq!(col("byline")[7], 1.0);
        assert_eq!(col("sec_heading")[3], 1.0);
        assert_eq!(col("sec_kw_related")[4], 1.0);
        assert_eq!(col("run_lines")[1], 2.0);
        assert_eq!(col("main_inside")[5], 1.0);
        assert_eq!([col("glued_camel")[8], col("glued_camel_run")[8], col("glued_separators")[8]], [2.0, 3.0, 1.0]);
        let matrix = featurizer.features::<f32>(&Input {
            text: &[],
            lengths: &[],
            page_sizes: &[],
            source: &[],
            domain: None,
            leave_one_out: false,
            vocab_folds: None,
            markup: None,
        });
        assert_eq!(matrix.unwrap().len(), 0);
    }

    #[test]
    fn an_html_page() {
        let mut html = spec(false);
        html.html = Some(HtmlSpec {
            markup: MarkupSpec {
                tag_vocabulary: ["li", "p"].map(String::from).to_vec(),
                landmark_features: vec![("in_nav".into(), 1), ("in_footer".into(), 4)],
                attr_regex_text: ascii_regex_text(),
                attr_families: vec![("nav".into(), r"\A(?:nav|menu)\w*\z".into())],
                title_word_spans: ASCII_WORD.to_vec(),
                summary_features: true,
            },
            kinds: None,
            main_min_tokens: 12.0,
            main_max_gap: 3,
            attr_vocab: Some(VocabSpec {
                max_tokens: 48,
                tokens: ["navbar", "menu", "navbar menu"].map(|t| t.as_bytes().to_vec()).to_vec(),
                weights: vec![2.0, 1.0, 3.0],
                width: 1,
            }),
        });
        html.neighbour_bases.extend(["link_density", "container_text_share"].map(String::from));
        html.names = ["tag", "link_density", "attr_nav", "in_nav", "container_text_share", "link_density_n1"]
            .iter()
            .chain(&["line_in_title", "depth_rel", "container_has_longest"])
            .chain(&["line_in_summary", "summary_in_line", "summary_anchor"])
            .chain(&["attr_vocab_mean", "attr_vocab_known"])
            .map(|s| s.to_string())
            .collect();
        let featurizer = TextFeaturizer::new(html).unwrap();
        let lines = ["Home", "News", "Budget approved", PAGE[5]];
        let text: Vec<u32> = lines.join("\n").chars().map(u32::from).collect();
        let lengths: Vec<usize> = lines.iter().map(|l| l.chars().count()).collect();
        let attr_lists: Vec<Vec<u32>> =
            ["navbar menu", ""].iter().map(|s| s.chars().map(u32::from).collect()).collect();
        let titles = vec!["Budget approved - Example".chars().map(u32::from).collect()];
        let summaries = vec!["The council approved a budget after the debate.".chars().map(u32::from).collect()];
        let markup = MarkupInput {
            tag: &[0, 0, 1, -1],
            tags: &["li".into(), "p".into()],
            heading: &[0.0; 4],
            list_item: &[1.0, 1.0, 0.0, 0.0],
            depth: &[4.0, 4.0, 2.0, f64::NAN],
            depth_code: &[0, 0, 1, 2],
            link_chars: &[4.0, 4.0, 0.0, 0.0],
            link_count: &[1.0, 1.0, 0.0, 0.0],
            landmarks: &[1.0, 1.0, 0.0, f64::NAN],
            attr: &[0, 0, 1, 1],
            attr_lists: &attr_lists,
            title: Some(&[0; 4]),
            titles: &titles,
            summary: Some(&[0; 4]),
            summaries: &summaries,
        };
        let input = Input {
            text: &text,
            lengths: &lengths,
            page_sizes: &[4],
            source: &[0; 4],
            domain: None,
            leave_one_out: false,
            vocab_folds: None,
            markup: Some(markup),
        };
        let m = featurizer.features::<f64>(&input).unwrap();
        let row = |i: usize| &m[i * 14..(i + 1) * 14];
        let page_chars = 23.0 + PAGE[5].chars().count() as f64;
        assert_eq!(row(0)[..6], [0.0, 1.0, 2.0, 1.0, 8.0 / page_chars, 1.0]);
        assert!(row(3)[0].is_nan());
        assert_eq!([row(0)[6], row(2)[6], row(3)[6]], [0.0, 1.0, 2.0 / 16.0]);
        // The median depth of the page is that of 0, 2, 4, 4 (a missing depth counts 0 there).
        assert_eq!(row(0)[7], 1.0);
        assert!(row(3)[7].is_nan());
        assert_eq!([row(2)[8], row(3)[8]], [0.0, 1.0]);
        // The summary's 7 words: all of them in the prose line (9 of its 16 tokens), the anchor; the headline is
        // too short to be one.
        assert_eq!(row(3)[9..12], [9.0 / 16.0, 1.0, 0.0]);
        assert_eq!(row(2)[9..12], [1.0, 2.0 / 7.0, -0.25]);
        assert_eq!(row(0)[9..12], [0.0, 0.0, -0.75]);
        // The class/id words "navbar menu": both words and their pair known (2, 1, 3); no words, no units.
        assert_eq!(row(0)[12..], [2.0, 1.0]);
        assert!(row(2)[12].is_nan() && row(2)[13].is_nan());
        let (units, weights) = featurizer
            .learn_attr_vocab(
                &[0, 1, 0, 1],
                &attr_lists,
                &vocab::Labelled { labels: &[0, 1, 0, 1], sites: &[0, 0, 1, 1], folds: &[0, 0, 1, 1] },
                vocab::Learning { folds: 2, min_sites: 1, smoothing: 1.0 },
            )
            .unwrap();
        assert_eq!(units, ["navbar", "menu", "navbar menu"]);
        assert!(weights[0] > 0.0, "the menu's words are chrome on both sites");
        assert!(
            featurizer
                .learn_attr_vocab(
                    &[2],
                    &attr_lists,
                    &vocab::Labelled { labels: &[0], sites: &[0], folds: &[0] },
                    vocab::Learning { folds: 2, min_sites: 1, smoothing: 1.0 }
                )
                .is_err(),
            "a list code out of its lists"
        );
        let no_markup = Input { markup: None, ..input };
        assert!(featurizer.features::<f64>(&no_markup).is_err());
    }

    #[test]
    fn refuses_inconsistent_input() {
        let featurizer = TextFeaturizer::new(spec(false)).unwrap();
        assert!(run(&featurizer, &PAGE, &[8]).is_err());
        let input = Input {
            text: &[104, 105],
            lengths: &[5],
            page_sizes: &[1],
            source: &[0],
            domain: None,
            leave_one_out: false,
            vocab_folds: None,
            markup: None,
        };
        assert!(featurizer.columns(&input).is_err());
        let mut unknown = spec(false);
        unknown.names.push("no_such_feature".into());
        assert!(TextFeaturizer::new(unknown).is_err());
        let mut no_time = spec(true);
        no_time.pattern_names.retain(|p| p != "time");
        no_time.names = known_names(&no_time, &[]);
        assert!(TextFeaturizer::new(no_time).is_err());
    }

    proptest! {
        #[test]
        fn never_panics(lines in proptest::collection::vec("(?s).{0,40}", 1..12), split in 0usize..12) {
            let featurizer = TextFeaturizer::new(spec(true)).unwrap();
            let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
            let first = split.min(refs.len());
            let pages: Vec<usize> = [first, refs.len() - first].into_iter().filter(|&s| s > 0).collect();
            let columns = run(&featurizer, &refs, &pages).unwrap();
            prop_assert_eq!(columns.get("chars").unwrap().len(), refs.len());
        }
    }
}
