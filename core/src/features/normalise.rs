//! The tokens of the scores (the port of `chromecut.evaluate.metrics.tokenize`), which the kind evidence counts
//! and matches phrases on: `html.unescape`, NFKC, plain quotes, `str.casefold`, then one token per CJK character
//! and one per run of the other word characters.
//!
//! Every table comes from Python ([`TokenizerSpec`]): the HTML entities and character-reference rules of its
//! `html` module, each code point's NFKD, combining class and canonical compositions from its `unicodedata`, its
//! `casefold`, and the token classes of the `metrics` regex, so the tokens are Python's whatever Unicode version
//! each side was built with. NFKC is CPython's algorithm (`unicodedata.c`, `nfc_nfkc`) on those tables.

use std::collections::{HashMap, HashSet};

use super::tables::{CodeSet, TableError, MAX_CODEPOINT};
use super::FastHash;

const AMPERSAND: u32 = '&' as u32;
const HASH: u32 = '#' as u32;
const SEMICOLON: u32 = ';' as u32;
const REPLACEMENT: u32 = 0xFFFD;
/// Surrogates, which a numeric character reference cannot name.
const SURROGATES: std::ops::RangeInclusive<u32> = 0xD800..=0xDFFF;
/// The longest entity name `html.unescape` reads (its regex: `[^\t\n\f <&#;]{1,32}`), and what ends one.
const ENTITY_MAX_CHARS: usize = 32;
const ENTITY_STOPS: [char; 7] = ['\t', '\n', '\x0c', ' ', '<', '&', '#'];
/// `html.unescape` looks for a known entity among the prefixes of a longer name down to this many characters.
const ENTITY_MIN_PREFIX: usize = 2;

/// A per-code-point string function as the code points it changes (`sources`), with `targets[offsets[i]..
/// offsets[i + 1]]` the string of `sources[i]`.
pub struct MapSpec {
    pub sources: Vec<u32>,
    pub offsets: Vec<u32>,
    pub targets: Vec<u32>,
}

/// What the Python side gives (see `chromecut.features.native._tokenize_spec`).
pub struct TokenizerSpec {
    pub cjk_spans: Vec<u32>,
    pub word_spans: Vec<u32>,
    pub casefold: MapSpec,
    pub nfkd: MapSpec,
    /// (code point, canonical combining class) of every code point whose class is not 0.
    pub combining: Vec<(u32, u8)>,
    /// (first, second, composite): the canonical compositions NFC makes.
    pub compositions: Vec<(u32, u32, u32)>,
    pub quotes: Vec<(u32, String)>,
    pub entities: Vec<(String, String)>,
    pub invalid_charrefs: Vec<(u32, String)>,
    pub invalid_codepoints: Vec<u32>,
}

/// A [`MapSpec`] for look-ups: the code points it leaves alone are not in it; those below [`DENSE_BELOW`] that
/// it maps to one code point are also in a table (most text is there).
struct CodeMap {
    sparse: HashMap<u32, Vec<u32>, FastHash>,
    dense: Vec<u32>,
}

/// Code points looked up in [`CodeMap`]'s table (Latin, Greek, Cyrillic and more), and its mark of a code point
/// the table does not hold.
const DENSE_BELOW: u32 = 0x800;
/// [`Tokenizer`]'s table of the characters below [`SIMPLE_BELOW`]: a character between tokens, a character that
/// needs the whole way (any other entry is the word character it folds to).
const SIMPLE_SEPARATOR: u32 = u32::MAX - 1;
const SIMPLE_SLOW: u32 = u32::MAX;
/// Characters the one-pass way of [`Tokenizer::push_tokens`] may read: the alphabets of most of the world's
/// text before CJK (Latin, Greek, Cyrillic, Hebrew, Arabic, Indic...) and general punctuation (typographic
/// quotes and dashes).
const SIMPLE_BELOW: usize = 0x2100;
const NOT_DENSE: u32 = u32::MAX;

impl CodeMap {
    fn new(spec: MapSpec, what: &str) -> Result<Self, TableError> {
        if spec.offsets.len() != spec.sources.len() + 1 {
            return Err(TableError(format!("{what}: one more offset than sources expected")));
        }
        let mut sparse = HashMap::default();
        let mut dense: Vec<u32> = (0..DENSE_BELOW).collect();
        for (i, &source) in spec.sources.iter().enumerate() {
            let (start, end) = (spec.offsets[i] as usize, spec.offsets[i + 1] as usize);
            let target = spec.targets.get(start..end).ok_or_else(|| TableError(format!("{what}: bad offsets")))?;
            if let Some(slot) = dense.get_mut(source as usize) {
                *slot = if target.len() == 1 { target[0] } else { NOT_DENSE };
            }
            sparse.insert(source, target.to_vec());
        }
        Ok(CodeMap { sparse, dense })
    }

    #[inline]
    fn push(&self, cp: u32, out: &mut Vec<u32>) {
        match self.dense.get(cp as usize) {
            Some(&NOT_DENSE) | None => match self.sparse.get(&cp) {
                Some(target) => out.extend_from_slice(target),
                None => out.push(cp),
            },
            Some(&mapped) => out.push(mapped),
        }
    }
}

fn code_points(text: &str) -> Vec<u32> {
    text.chars().map(u32::from).collect()
}

pub struct Tokenizer {
    cjk: CodeSet,
    word: CodeSet,
    casefold: CodeMap,
    nfkd: CodeMap,
    combining: Vec<u8>,
    /// Code points that start a composition, and the compositions by (first, second).
    first: HashSet<u32, FastHash>,
    compositions: HashMap<(u32, u32), u32, FastHash>,
    /// Code points NFKC leaves alone wherever they are: no decomposition, class 0, the second of no composition.
    inert: Vec<bool>,
    /// Each character below [`SIMPLE_BELOW`] as [`Tokenizer::push_tokens`] reads it in one pass when the whole
    /// way would leave it alone but for its quote replacement and case folding, and those make one character
    /// that is not CJK: the folded character of a word character, [`SIMPLE_SEPARATOR`] between tokens,
    /// [`SIMPLE_SLOW`] for the others (the line takes the whole way).
    simple: Vec<u32>,
    quotes: HashMap<u32, Vec<u32>, FastHash>,
    /// The keys of `quotes`, for a lookup per code point without hashing.
    quote_set: CodeSet,
    entities: HashMap<Vec<u32>, Vec<u32>>,
    invalid_charrefs: HashMap<u32, Vec<u32>, FastHash>,
    invalid_codepoints: HashSet<u32, FastHash>,
}

/// The token lists of many texts in one buffer (no allocation per token).
#[derive(Default)]
pub struct TokenLists {
    text: String,
    /// Each token's byte range in `text`.
    bounds: Vec<(usize, usize)>,
    /// Where each list's tokens end in `bounds`.
    ends: Vec<usize>,
}

impl TokenLists {
    /// One list of the given tokens (for tests).
    #[cfg(test)]
    pub fn of_words(words: &[&str]) -> Self {
        let mut lists = TokenLists::default();
        for word in words {
            let start = lists.text.len();
            lists.text.push_str(word);
            lists.bounds.push((start, lists.text.len()));
        }
        lists.ends.push(lists.bounds.len());
        lists
    }

    /// The `i`th list.
    pub fn list(&self, i: usize) -> Tokens<'_> {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        Tokens { text: &self.text, bounds: &self.bounds[start..self.ends[i]] }
    }
}

/// One text's tokens.
#[derive(Clone, Copy)]
pub struct Tokens<'a> {
    text: &'a str,
    bounds: &'a [(usize, usize)],
}

impl<'a> Tokens<'a> {
    pub fn len(&self) -> usize {
        self.bounds.len()
    }

    pub fn is_empty(&self) -> bool {
        self.bounds.is_empty()
    }

    pub fn get(&self, k: usize) -> &'a str {
        let (start, end) = self.bounds[k];
        &self.text[start..end]
    }

    pub fn iter(&self) -> impl Iterator<Item = &'a str> + '_ {
        (0..self.len()).map(|k| self.get(k))
    }
}

/// A scratch buffer per step, kept between lines.
#[derive(Default)]
pub struct Scratch {
    unescaped: Vec<u32>,
    decomposed: Vec<u32>,
    composed: Vec<u32>,
    folded: Vec<u32>,
    skipped: Vec<bool>,
}

impl Tokenizer {
    pub fn new(spec: TokenizerSpec) -> Result<Self, TableError> {
        let nfkd = CodeMap::new(spec.nfkd, "nfkd")?;
        let mut combining = vec![0u8; MAX_CODEPOINT];
        for &(cp, class) in &spec.combining {
            *combining.get_mut(cp as usize).ok_or_else(|| TableError("combining: out of range".into()))? = class;
        }
        let mut inert: Vec<bool> = combining.iter().map(|&c| c == 0).collect();
        for cp in nfkd.sparse.keys() {
            inert[*cp as usize] = false;
        }
        let mut first = HashSet::default();
        let mut compositions = HashMap::default();
        for &(a, b, composite) in &spec.compositions {
            if b as usize >= MAX_CODEPOINT {
                return Err(TableError("compositions: out of range".into()));
            }
            inert[b as usize] = false;
            first.insert(a);
            compositions.insert((a, b), composite);
        }
        let cjk = CodeSet::from_spans(&spec.cjk_spans, "token_cjk_spans")?;
        let word = CodeSet::from_spans(&spec.word_spans, "token_word_spans")?;
        let casefold = CodeMap::new(spec.casefold, "casefold")?;
        let quote_set = CodeSet::from_code_points(spec.quotes.iter().map(|(cp, _)| *cp), "quotes")?;
        let quotes: HashMap<u32, Vec<u32>, FastHash> =
            spec.quotes.iter().map(|(cp, to)| (*cp, code_points(to))).collect();
        let simple = (0..SIMPLE_BELOW as u32)
            .map(|cp| {
                let mut folded = Vec::new();
                match quotes.get(&cp) {
                    Some(plain) => plain.iter().for_each(|&q| casefold.push(q, &mut folded)),
                    None => casefold.push(cp, &mut folded),
                }
                match folded[..] {
                    [f] if cp != AMPERSAND && inert[cp as usize] && !cjk.contains(f) && f < SIMPLE_SEPARATOR => {
                        if word.contains(f) {
                            f
                        } else {
                            SIMPLE_SEPARATOR
                        }
                    }
                    _ => SIMPLE_SLOW,
                }
            })
            .collect();
        Ok(Tokenizer {
            cjk,
            word,
            casefold,
            nfkd,
            combining,
            first,
            compositions,
            inert,
            simple,
            quotes,
            quote_set,
            entities: spec.entities.iter().map(|(name, value)| (code_points(name), code_points(value))).collect(),
            invalid_charrefs: spec.invalid_charrefs.iter().map(|(cp, to)| (*cp, code_points(to))).collect(),
            invalid_codepoints: spec.invalid_codepoints.iter().copied().collect(),
        })
    }

    /// `tokenize(text)` of a line's code points.
    pub fn tokens(&self, text: &[u32], scratch: &mut Scratch) -> Vec<String> {
        let mut lists = TokenLists::default();
        self.push_tokens(text, scratch, &mut lists);
        lists.list(0).iter().map(str::to_string).collect()
    }

    /// `tokenize(text)` of a line's code points, as the next list of `lists`.
    pub fn push_tokens(&self, text: &[u32], scratch: &mut Scratch, lists: &mut TokenLists) {
        // While every character is one the whole way only quote-replaces and folds to one character (most text
        // but CJK), the tokens are the runs of word characters: read in one pass, and given back for the whole
        // way at the first character that is not.
        let TokenLists { text: out, bounds, .. } = lists;
        let (text_len, bounds_len) = (out.len(), bounds.len());
        let mut start = None;
        for &cp in text {
            match self.simple.get(cp as usize).copied().unwrap_or(SIMPLE_SLOW) {
                SIMPLE_SEPARATOR => {
                    if let Some(s) = start.take() {
                        bounds.push((s, out.len()));
                    }
                }
                SIMPLE_SLOW => {
                    out.truncate(text_len);
                    bounds.truncate(bounds_len);
                    self.push_tokens_unicode(text, scratch, lists);
                    return;
                }
                folded => {
                    start.get_or_insert(out.len());
                    if folded < 0x80 {
                        // SAFETY: an ASCII byte keeps the text UTF-8.
                        unsafe { out.as_mut_vec() }.push(folded as u8);
                    } else {
                        out.push(char::from_u32(folded).unwrap_or('\u{fffd}'));
                    }
                }
            }
        }
        if let Some(s) = start {
            bounds.push((s, out.len()));
        }
        lists.ends.push(lists.bounds.len());
    }

    /// [`Self::push_tokens`] the whole way: unescaped, normalised, quotes replaced, folded, cut into tokens.
    fn push_tokens_unicode(&self, text: &[u32], scratch: &mut Scratch, lists: &mut TokenLists) {
        let Scratch { unescaped, decomposed, composed, folded, skipped } = scratch;
        let mut text = text;
        if text.contains(&AMPERSAND) {
            unescaped.clear();
            self.unescape(text, unescaped);
            text = unescaped;
        }
        if !text.iter().all(|&cp| self.inert.get(cp as usize).copied().unwrap_or(true)) {
            self.nfkc(text, decomposed, skipped, composed);
            text = composed;
        }
        folded.clear();
        for &cp in text {
            match self.quote_set.contains(cp).then(|| self.quotes.get(&cp)).flatten() {
                Some(plain) => {
                    for &q in plain {
                        self.casefold.push(q, folded);
                    }
                }
                None => self.casefold.push(cp, folded),
            }
        }
        let folded = &*folded;
        let mut p = 0;
        let TokenLists { text: out, bounds, .. } = lists;
        let mut push = |cps: &[u32]| {
            let start = out.len();
            out.extend(cps.iter().map(|&c| char::from_u32(c).unwrap_or('\u{fffd}')));
            bounds.push((start, out.len()));
        };
        while p < folded.len() {
            let cp = folded[p];
            if self.cjk.contains(cp) {
                push(&folded[p..p + 1]);
                p += 1;
            } else if self.word.contains(cp) {
                let start = p;
                while p < folded.len() && self.word.contains(folded[p]) {
                    p += 1;
                }
                push(&folded[start..p]);
            } else {
                p += 1;
            }
        }
        lists.ends.push(lists.bounds.len());
    }

    /// `html.unescape`: each character reference its text, as the `html` module's regex finds them.
    fn unescape(&self, s: &[u32], out: &mut Vec<u32>) {
        let mut i = 0;
        while i < s.len() {
            if s[i] != AMPERSAND {
                out.push(s[i]);
                i += 1;
                continue;
            }
            match self.reference(&s[i + 1..], out) {
                Some(consumed) => i += 1 + consumed,
                None => {
                    out.push(AMPERSAND);
                    i += 1;
                }
            }
        }
    }

    /// The reference after an `&`: its text written to `out` and the characters it took, or `None` when the
    /// regex finds none there.
    fn reference(&self, s: &[u32], out: &mut Vec<u32>) -> Option<usize> {
        let is = |k: usize, f: fn(&char) -> bool| s.get(k).and_then(|&c| char::from_u32(c)).is_some_and(|c| f(&c));
        if s.first() == Some(&HASH) {
            let (digits_from, radix) = if is(1, char::is_ascii_digit) {
                (1, 10)
            } else if is(1, |c| *c == 'x' || *c == 'X') && is(2, char::is_ascii_hexdigit) {
                (2, 16)
            } else {
                return None;
            };
            let mut end = digits_from;
            let mut value: u32 = 0;
            while end < s.len() && char::from_u32(s[end]).is_some_and(|c| c.is_digit(radix)) {
                let digit = char::from_u32(s[end]).and_then(|c| c.to_digit(radix)).unwrap_or(0);
                // Anything past the last code point reads alike: saturate just past it.
                value = value.saturating_mul(radix).saturating_add(digit).min(MAX_CODEPOINT as u32);
                end += 1;
            }
            let consumed = end + usize::from(s.get(end) == Some(&SEMICOLON));
            if let Some(text) = self.invalid_charrefs.get(&value) {
                out.extend_from_slice(text);
            } else if SURROGATES.contains(&value) || value as usize >= MAX_CODEPOINT {
                out.push(REPLACEMENT);
            } else if !self.invalid_codepoints.contains(&value) {
                out.push(value);
            }
            return Some(consumed);
        }
        let stop = |c: u32| c == SEMICOLON || ENTITY_STOPS.iter().any(|&e| u32::from(e) == c);
        let mut end = 0;
        while end < s.len().min(ENTITY_MAX_CHARS) && !stop(s[end]) {
            end += 1;
        }
        if end == 0 {
            return None;
        }
        let consumed = end + usize::from(s.get(end) == Some(&SEMICOLON));
        let name = &s[..consumed];
        if let Some(text) = self.entities.get(name) {
            out.extend_from_slice(text);
            return Some(consumed);
        }
        for x in (ENTITY_MIN_PREFIX..name.len()).rev() {
            if let Some(text) = self.entities.get(&name[..x]) {
                out.extend_from_slice(text);
                out.extend_from_slice(&name[x..]);
                return Some(consumed);
            }
        }
        out.push(AMPERSAND);
        out.extend_from_slice(name);
        Some(consumed)
    }

    #[inline]
    fn class(&self, cp: u32) -> u8 {
        self.combining.get(cp as usize).copied().unwrap_or(0)
    }

    /// `unicodedata.normalize("NFKC", text)` into `out`: full compatibility decomposition (in `d`), the canonical
    /// order, then CPython's composition loop.
    fn nfkc(&self, text: &[u32], d: &mut Vec<u32>, skipped: &mut Vec<bool>, out: &mut Vec<u32>) {
        d.clear();
        for &cp in text {
            self.nfkd.push(cp, d);
        }
        // Canonical order: each run of non-starters sorted (stably) by class.
        let mut i = 0;
        while i < d.len() {
            if self.class(d[i]) == 0 {
                i += 1;
                continue;
            }
            let start = i;
            while i < d.len() && self.class(d[i]) != 0 {
                i += 1;
            }
            let combining = &self.combining;
            d[start..i].sort_by_key(|&cp| combining.get(cp as usize).copied().unwrap_or(0));
        }
        out.clear();
        skipped.clear();
        skipped.resize(d.len(), false);
        let mut i = 0;
        while i < d.len() {
            if skipped[i] {
                i += 1;
                continue;
            }
            let mut code = d[i];
            if !self.first.contains(&code) {
                out.push(code);
                i += 1;
                continue;
            }
            // The next unblocked characters, composed into `code` while they compose.
            let mut comb = 0u8;
            let mut i1 = i + 1;
            while i1 < d.len() {
                let code1 = d[i1];
                let comb1 = self.class(code1);
                if comb != 0 {
                    if comb1 == 0 {
                        break;
                    }
                    if comb >= comb1 {
                        i1 += 1; // blocked
                        continue;
                    }
                }
                match self.compositions.get(&(code, code1)) {
                    Some(&composite) => {
                        code = composite;
                        skipped[i1] = true;
                        i1 += 1;
                        if !self.first.contains(&code) {
                            break;
                        }
                    }
                    None => {
                        if comb1 == 0 {
                            break;
                        }
                        comb = comb1;
                        i1 += 1;
                    }
                }
            }
            out.push(code);
            i += 1;
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use proptest::prelude::*;

    fn map(pairs: &[(u32, &str)]) -> MapSpec {
        let mut spec = MapSpec { sources: Vec::new(), offsets: vec![0], targets: Vec::new() };
        for (cp, to) in pairs {
            spec.sources.push(*cp);
            spec.targets.extend(to.chars().map(u32::from));
            spec.offsets.push(spec.targets.len() as u32);
        }
        spec
    }

    /// A tokenizer good enough for tests: ASCII words, the CJK ideographs, A-Z case-folded, é composed, ﬁ
    /// decomposed, a few entities.
    pub(crate) fn test_tokenizer() -> Tokenizer {
        Tokenizer::new(test_spec()).unwrap()
    }

    pub(crate) fn test_spec() -> TokenizerSpec {
        let upper: Vec<(u32, String)> =
            (b'A'..=b'Z').map(|c| (u32::from(c), (c as char).to_ascii_lowercase().to_string())).collect();
        let upper: Vec<(u32, &str)> = upper.iter().map(|(c, s)| (*c, s.as_str())).collect();
        TokenizerSpec {
            cjk_spans: vec![0x4E00, 0xA000],
            word_spans: vec![48, 58, 65, 91, 97, 123, 0xC0, 0x100],
            casefold: map(&upper),
            nfkd: map(&[(0xE9, "e\u{301}"), (0xFB01, "fi")]),
            combining: vec![(0x301, 230), (0x323, 220)],
            compositions: vec![(u32::from(b'e'), 0x301, 0xE9)],
            quotes: vec![(0x2019, "'".into())],
            entities: vec![("amp;".into(), "&".into()), ("amp".into(), "&".into()), ("eacute;".into(), "é".into())],
            invalid_charrefs: vec![(0, "\u{fffd}".into())],
            invalid_codepoints: vec![1],
        }
    }

    fn tokens(t: &Tokenizer, text: &str) -> Vec<String> {
        t.tokens(&code_points(text), &mut Scratch::default())
    }

    #[test]
    fn folds_unescapes_and_composes() {
        let t = test_tokenizer();
        assert_eq!(tokens(&t, "Hello, World_2"), ["hello", "world", "2"]);
        assert_eq!(tokens(&t, "caf&eacute; cafe\u{301} &ampx &#233;&#x41;"), ["café", "café", "x", "éa"]);
        assert_eq!(tokens(&t, "ﬁne 中文"), ["fine", "中", "文"]);
        assert_eq!(tokens(&t, "&#0;a&#1;b &#xD800;"), ["ab"]);
        assert_eq!(tokens(&t, "& &; &#; &#x;"), ["x"]);
        // A mark below (class 220) does not block the acute (230): it composes, and the mark stays after it.
        let (mut d, mut skipped, mut out) = (Vec::new(), Vec::new(), Vec::new());
        t.nfkc(&code_points("e\u{301}\u{323}"), &mut d, &mut skipped, &mut out);
        assert_eq!(out, code_points("\u{e9}\u{323}"));
    }

    /// A line's tokens by [`Tokenizer::push_tokens`] (its one-pass way when the line allows it).
    fn short_way(text: &str) -> Vec<String> {
        let mut lists = TokenLists::default();
        test_tokenizer().push_tokens(&code_points(text), &mut Scratch::default(), &mut lists);
        lists.list(0).iter().map(str::to_string).collect()
    }

    /// A line's tokens the whole way.
    fn whole_way(text: &str) -> Vec<String> {
        let mut lists = TokenLists::default();
        test_tokenizer().push_tokens_unicode(&code_points(text), &mut Scratch::default(), &mut lists);
        lists.list(0).iter().map(str::to_string).collect()
    }

    proptest! {
        #[test]
        fn lines_take_a_short_way_to_the_same_tokens(
            text in "[ -~\t\u{c0}-\u{17f}\u{301}\u{391}-\u{3c9}\u{410}-\u{44f}\u{2013}\u{2019}\u{201c}\u{20ac}\u{2100}\u{4e2d}]{0,60}"
        ) {
            prop_assert_eq!(short_way(&text), whole_way(&text));
        }

        #[test]
        fn lines_of_few_characters_take_a_short_way_to_the_same_tokens(text in "[eE \u{301}\u{e9}\u{2019}a&;#\u{4e2d}\u{3a9}\u{436}\u{fb01}]{0,30}") {
            prop_assert_eq!(short_way(&text), whole_way(&text));
        }

        #[test]
        fn never_panics(text in "(?s).{0,60}", references in "[&#;xX0-9a-f amp\u{301}\u{e9}]{0,40}") {
            let t = test_tokenizer();
            let mut scratch = Scratch::default();
            t.tokens(&code_points(&text), &mut scratch);
            let tokens = t.tokens(&code_points(&references), &mut scratch);
            prop_assert!(tokens.iter().all(|token| !token.is_empty()));
        }
    }
}
