//! Per-code-point tables, all given by Python (its `unicodedata`, `str.lower` and `re`), so both engines class
//! every character alike whatever Unicode version each was built with.

use std::collections::HashMap;

/// One past the last Unicode code point.
pub const MAX_CODEPOINT: usize = 0x11_0000;

/// The class flags of `chromecut.features.batch` (one bit each).
pub const SPACE: u8 = 1;
pub const ALPHA: u8 = 1 << 1;
pub const DIGIT: u8 = 1 << 2;
pub const UPPER: u8 = 1 << 3;
pub const PUNCT: u8 = 1 << 4;
pub const CJK: u8 = 1 << 5;
pub const SENT_END: u8 = 1 << 6;
pub const COMMA: u8 = 1 << 7;

// Bits of `Tables::aux`.
const PY_WORD: u8 = 1;
const SIGMA_CASED: u8 = 1 << 1;
const SIGMA_IGNORABLE: u8 = 1 << 2;
const PY_DIGIT: u8 = 1 << 3;
const PY_SPACE: u8 = 1 << 4;

/// No single-code-point lower case: look in the multi-code-point map.
const LOWER_MANY: u32 = u32::MAX;
const CAPITAL_SIGMA: u32 = 0x3A3;
const SMALL_SIGMA: u32 = 0x3C3;
const FINAL_SIGMA: u32 = 0x3C2;

/// In `Tables::regex`: the code point's stand-in is several bytes, in `Tables::regex_codes`.
const REGEX_CODE: u8 = 0xFF;

/// How the regexes' ASCII stand-in text writes characters (see `chromecut.features.native.RegexPlan`): each ASCII
/// character's byte, the codes of the non-ASCII characters the patterns name, and the stand-in bytes of the
/// others by Python's class: word, digit, space, none.
#[derive(Clone)]
pub struct RegexText {
    pub ascii: Vec<u8>,
    pub codes: Vec<(u32, Vec<u8>)>,
    pub word: u8,
    pub digit: u8,
    pub space: u8,
    pub other: u8,
}

impl RegexText {
    /// A placeholder (not a valid stand-in text: [`Tables::new`] refuses it).
    pub fn empty() -> Self {
        RegexText { ascii: Vec::new(), codes: Vec::new(), word: 0, digit: 0, space: 0, other: 0 }
    }
}

/// Python's `re` classes `\w`, `\d`, `\s` as `[start, end)` spans of code points.
pub struct ReClasses<'a> {
    pub word: &'a [u32],
    pub digit: &'a [u32],
    pub space: &'a [u32],
}

/// Python's `str.lower` as given by the Python side: code points it changes and their lower case.
pub struct LowerCase {
    pub sources: Vec<u32>,
    pub offsets: Vec<u32>,
    pub targets: Vec<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableError(pub String);

impl std::fmt::Display for TableError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TableError {}

pub struct Tables {
    flags: Vec<u8>,
    aux: Vec<u8>,
    lower: Vec<u32>,
    lower_many: HashMap<u32, Vec<u32>>,
    regex: StandIn,
}

/// One stand-in text's writing of every code point (see [`RegexText`]): the patterns of one plan read it.
pub struct StandIn {
    table: Vec<u8>,
    codes: HashMap<u32, Vec<u8>>,
    other: u8,
}

impl StandIn {
    /// The stand-in of each code point by its Python class (`aux`), ASCII and the named characters as given.
    fn build(aux: &[u8], regex: RegexText) -> Result<Self, TableError> {
        if regex.ascii.len() != 0x80 || !regex.ascii.is_ascii() {
            return Err(TableError("regex_ascii must hold 128 ASCII bytes".into()));
        }
        let mut table: Vec<u8> = aux
            .iter()
            .map(|&a| {
                if a & PY_DIGIT != 0 {
                    regex.digit
                } else if a & PY_SPACE != 0 {
                    regex.space
                } else if a & PY_WORD != 0 {
                    regex.word
                } else {
                    regex.other
                }
            })
            .collect();
        table[..0x80].copy_from_slice(&regex.ascii);
        let mut codes = HashMap::new();
        for (cp, code) in regex.codes {
            let slot = table.get_mut(cp as usize).ok_or_else(|| TableError("regex_codes out of range".into()))?;
            if cp < 0x80 || code.is_empty() || !code.is_ascii() {
                return Err(TableError("regex_codes must be non-empty ASCII for non-ASCII code points".into()));
            }
            *slot = REGEX_CODE;
            codes.insert(cp, code);
        }
        Ok(StandIn { table, codes, other: regex.other })
    }

    /// The bytes the regexes see for `cp`, appended to `out`.
    #[inline]
    pub fn push(&self, cp: u32, out: &mut Vec<u8>) {
        match self.table.get(cp as usize).copied() {
            Some(REGEX_CODE) => out.extend_from_slice(&self.codes[&cp]),
            Some(byte) => out.push(byte),
            None => out.push(self.other),
        }
    }

    /// The bytes the regexes see for `cps`, appended to `out`: an ASCII run (nearly every line) a byte each from
    /// the table's first 128 entries, none of which is a code (no check a character).
    pub fn extend(&self, cps: &[u32], out: &mut Vec<u8>) {
        if cps.iter().fold(0, |any, &cp| any | cp) < 0x80 {
            let ascii: &[u8; 0x80] = self.table[..0x80].try_into().expect("the table holds every ASCII character");
            out.extend(cps.iter().map(|&cp| ascii[cp as usize & 0x7f]));
            return;
        }
        out.reserve(cps.len());
        for &cp in cps {
            self.push(cp, out);
        }
    }

    /// The stand-in text of `cps`, in `out` (cleared first).
    pub fn write(&self, cps: &[u32], out: &mut Vec<u8>) {
        out.clear();
        self.extend(cps, out);
    }
}

/// A set of code points given as `[start, end)` spans (a class of Python's `re`), one bit each.
pub struct CodeSet(Vec<u64>);

impl CodeSet {
    pub fn from_spans(spans: &[u32], what: &str) -> Result<Self, TableError> {
        let mut bits = vec![0u64; MAX_CODEPOINT / 64];
        for (start, end) in checked_spans(spans, what)? {
            for cp in start..end {
                bits[cp / 64] |= 1 << (cp % 64);
            }
        }
        Ok(CodeSet(bits))
    }

    pub fn from_code_points(cps: impl Iterator<Item = u32>, what: &str) -> Result<Self, TableError> {
        let mut bits = vec![0u64; MAX_CODEPOINT / 64];
        for cp in cps {
            let cp = cp as usize;
            if cp >= MAX_CODEPOINT {
                return Err(TableError(format!("{what}: code point {cp} out of range")));
            }
            bits[cp / 64] |= 1 << (cp % 64);
        }
        Ok(CodeSet(bits))
    }

    #[inline]
    pub fn contains(&self, cp: u32) -> bool {
        let cp = cp as usize;
        cp < MAX_CODEPOINT && self.0[cp / 64] & (1 << (cp % 64)) != 0
    }
}

/// The `[start, end)` pairs of flat span bounds, each checked to lie within the code points.
fn checked_spans(spans: &[u32], what: &str) -> Result<Vec<(usize, usize)>, TableError> {
    if !spans.len().is_multiple_of(2) {
        return Err(TableError(format!("{what}: an odd number of span bounds")));
    }
    spans
        .chunks_exact(2)
        .map(|pair| {
            let (start, end) = (pair[0] as usize, pair[1] as usize);
            if start > end || end > MAX_CODEPOINT {
                return Err(TableError(format!("{what}: span {start}..{end} out of range")));
            }
            Ok((start, end))
        })
        .collect()
}

fn mark_spans(aux: &mut [u8], spans: &[u32], bit: u8, what: &str) -> Result<(), TableError> {
    for (start, end) in checked_spans(spans, what)? {
        for value in &mut aux[start..end] {
            *value |= bit;
        }
    }
    Ok(())
}

impl Tables {
    /// `flags`: `char_table()` (one byte per code point); `classes`: Python's `re` classes; `sigma_*`: the
    /// classes of `str.lower`'s final-sigma rule; `regex`: the regexes' stand-in text.
    pub fn new(
        flags: Vec<u8>,
        classes: ReClasses,
        lower: LowerCase,
        sigma_cased: &[u32],
        sigma_ignorable: &[u32],
        regex: RegexText,
    ) -> Result<Self, TableError> {
        if flags.len() != MAX_CODEPOINT {
            return Err(TableError(format!("char_flags must hold {MAX_CODEPOINT} entries, not {}", flags.len())));
        }
        let mut aux = vec![0u8; MAX_CODEPOINT];
        mark_spans(&mut aux, classes.word, PY_WORD, "word_spans")?;
        mark_spans(&mut aux, classes.digit, PY_DIGIT, "digit_spans")?;
        mark_spans(&mut aux, classes.space, PY_SPACE, "space_spans")?;
        mark_spans(&mut aux, sigma_cased, SIGMA_CASED, "sigma_cased")?;
        mark_spans(&mut aux, sigma_ignorable, SIGMA_IGNORABLE, "sigma_ignorable")?;
        let regex = StandIn::build(&aux, regex)?;
        let mut table: Vec<u32> = (0..MAX_CODEPOINT as u32).collect();
        let mut lower_many = HashMap::new();
        if lower.offsets.len() != lower.sources.len() + 1 {
            return Err(TableError("lower_offsets must hold one more entry than lower_sources".into()));
        }
        for (i, &source) in lower.sources.iter().enumerate() {
            let (start, end) = (lower.offsets[i] as usize, lower.offsets[i + 1] as usize);
            let target = lower
                .targets
                .get(start..end)
                .filter(|t| !t.is_empty())
                .ok_or_else(|| TableError("lower_offsets out of range".into()))?;
            let slot = table.get_mut(source as usize).ok_or_else(|| TableError("lower_sources out of range".into()))?;
            if target.len() == 1 {
                *slot = target[0];
            } else {
                *slot = LOWER_MANY;
                lower_many.insert(source, target.to_vec());
            }
        }
        Ok(Tables { flags, aux, lower: table, lower_many, regex })
    }

    /// Class flags of a code point.
    #[inline]
    pub fn flags(&self, cp: u32) -> u8 {
        self.flags.get(cp as usize).copied().unwrap_or(0)
    }

    /// Whether `str.lower` maps `cp` to other than one code point (only then does `lower()` change a length).
    #[inline]
    pub fn lower_changes_length(&self, cp: u32) -> bool {
        self.lower.get(cp as usize) == Some(&LOWER_MANY)
    }

    /// The lowercase of `cp` when it is one code point whatever stands around it (not a capital sigma, not a
    /// character whose lowercase is several): what [`Self::push_lower`] writes for it.
    #[inline]
    pub fn lower_simple(&self, cp: u32) -> Option<u32> {
        match self.lower.get(cp as usize).copied() {
            Some(LOWER_MANY) => None,
            Some(_) if cp == CAPITAL_SIGMA => None,
            Some(low) => Some(low),
            None => Some(cp),
        }
    }

    /// `text[start..end].lower()` of the code points `text`, `str.lower`'s final sigma judged within
    /// `context` (the string `lower()` is called on), appended to `out`.
    pub fn push_lower(&self, text: &[u32], start: usize, end: usize, context: (usize, usize), out: &mut Vec<u32>) {
        for i in start..end {
            let cp = text[i];
            match self.lower.get(cp as usize).copied() {
                Some(LOWER_MANY) => out.extend_from_slice(&self.lower_many[&cp]),
                Some(_) if cp == CAPITAL_SIGMA => out.push(self.sigma(text, i, context)),
                Some(low) => out.push(low),
                None => out.push(cp),
            }
        }
    }

    /// CPython's `handle_capital_sigma`: final when a cased character comes before (case-ignorable ones
    /// skipped) and none after.
    fn sigma(&self, text: &[u32], i: usize, (lo, hi): (usize, usize)) -> u32 {
        let aux = |cp: u32| self.aux.get(cp as usize).copied().unwrap_or(0);
        let mut j = i;
        let mut before = None;
        while j > lo {
            j -= 1;
            if aux(text[j]) & SIGMA_IGNORABLE == 0 {
                before = Some(text[j]);
                break;
            }
        }
        let mut final_sigma = before.is_some_and(|c| aux(c) & SIGMA_CASED != 0);
        if final_sigma {
            let after = text[i + 1..hi].iter().copied().find(|&c| aux(c) & SIGMA_IGNORABLE == 0);
            final_sigma = !matches!(after, Some(c) if aux(c) & SIGMA_CASED != 0);
        }
        if final_sigma {
            FINAL_SIGMA
        } else {
            SMALL_SIGMA
        }
    }

    /// The bytes the regexes see for `cps`, appended to `out`.
    #[inline]
    pub fn extend_regex(&self, cps: &[u32], out: &mut Vec<u8>) {
        self.regex.extend(cps, out);
    }

    /// Another plan's stand-in text, on these tables' Python classes.
    pub fn stand_in(&self, regex: RegexText) -> Result<StandIn, TableError> {
        StandIn::build(&self.aux, regex)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Class flags good enough for tests: ASCII as Python classes it, nothing else.
    pub(crate) fn ascii_flags() -> Vec<u8> {
        let mut flags = vec![0u8; MAX_CODEPOINT];
        for cp in 0..128u8 {
            let c = cp as char;
            let mut f = 0;
            if c.is_ascii_whitespace() || cp == 0x0b || (0x1c..=0x1f).contains(&cp) {
                f |= SPACE;
            } else if c.is_ascii_alphabetic() {
                f |= ALPHA;
                if c.is_ascii_uppercase() {
                    f |= UPPER;
                }
            } else if c.is_ascii_digit() {
                f |= DIGIT;
            } else if c.is_ascii_punctuation() {
                f |= PUNCT;
            }
            if ".!?".contains(c) {
                f |= SENT_END;
            }
            if ",;".contains(c) {
                f |= COMMA;
            }
            flags[cp as usize] = f;
        }
        flags
    }

    pub(crate) fn ascii_lower() -> LowerCase {
        let sources: Vec<u32> = (b'A'..=b'Z').map(u32::from).collect();
        let targets: Vec<u32> = (b'a'..=b'z').map(u32::from).collect();
        LowerCase { sources, offsets: (0..=26).collect(), targets }
    }

    pub(crate) fn ascii_regex_text() -> RegexText {
        RegexText {
            ascii: (0..0x80).collect(),
            codes: vec![(0xE9, b"qx".to_vec())],
            word: b'_',
            digit: b'Q',
            space: 0x0B,
            other: 0x01,
        }
    }

    pub(crate) const ASCII_WORD: [u32; 8] = [48, 58, 65, 91, 95, 96, 97, 123];
    pub(crate) const ASCII_DIGIT: [u32; 2] = [48, 58];
    pub(crate) const ASCII_SPACE: [u32; 4] = [9, 14, 28, 33];

    /// Tables good enough for tests: ASCII classes as Python has them, ASCII lower case, ASCII words.
    pub(crate) fn ascii_tables() -> Tables {
        let flags = ascii_flags();
        let classes = ReClasses { word: &ASCII_WORD, digit: &ASCII_DIGIT, space: &ASCII_SPACE };
        let regex = ascii_regex_text();
        let lower = ascii_lower();
        Tables::new(flags, classes, lower, &[65, 91, 97, 123], &[39, 40], regex).unwrap()
    }

    #[test]
    fn lower_and_stand_ins() {
        let t = ascii_tables();
        let text: Vec<u32> = "AbC".chars().map(u32::from).collect();
        let mut out = Vec::new();
        t.push_lower(&text, 0, 3, (0, 3), &mut out);
        assert_eq!(out, "abc".chars().map(u32::from).collect::<Vec<_>>());
        let mut out = Vec::new();
        t.extend_regex(&[u32::from(b'a'), 0xE9, 0xE8, 0xD800, 0xA0], &mut out);
        // 'a' itself, the code of a named character, the other stand-in (these tables class no non-ASCII).
        assert_eq!(out, b"aqx\x01\x01\x01");
    }

    #[test]
    fn an_ascii_run_is_written_as_a_character_at_a_time() {
        let t = ascii_tables();
        let mut plan = ascii_regex_text();
        for letter in b'A'..=b'Z' {
            plan.ascii[usize::from(letter)] = letter.to_ascii_lowercase();
        }
        plan.ascii[usize::from(b'0')] = b'Q';
        let stand_in = t.stand_in(plan).unwrap();
        let every_ascii: String = (0..0x80u8).map(char::from).collect();
        for text in ["", "x", "Hello, World 2024!", "MiXeD\t0 case\u{e9}", "\u{e9}t\u{e9}", every_ascii.as_str()] {
            let cps: Vec<u32> = text.chars().map(u32::from).collect();
            let mut whole = b"before".to_vec();
            stand_in.extend(&cps, &mut whole);
            let mut one_at_a_time = b"before".to_vec();
            cps.iter().for_each(|&cp| stand_in.push(cp, &mut one_at_a_time));
            assert_eq!(whole, one_at_a_time, "{text:?}");
        }
        let mut wrong = ascii_regex_text();
        wrong.ascii[0] = REGEX_CODE;
        assert!(t.stand_in(wrong).is_err());
    }

    #[test]
    fn final_sigma() {
        let t = ascii_tables();
        let text: Vec<u32> = vec![65, CAPITAL_SIGMA, 32, CAPITAL_SIGMA, 65];
        let mut out = Vec::new();
        t.push_lower(&text, 0, 5, (0, 5), &mut out);
        assert_eq!(out[1], FINAL_SIGMA);
        assert_eq!(out[3], SMALL_SIGMA);
    }
}
