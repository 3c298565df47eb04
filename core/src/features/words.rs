//! Word tokens, the keyword families and stopword density (the lists from `chromecut.features.keywords` and
//! `chromecut.features.families`).

use std::collections::{HashMap, HashSet};

use regex::Regex;

use super::batch::{ratios, Batch};
use super::patterns::ScanText;
use super::tables::{Tables, ALPHA, CJK, DIGIT};
use super::FastHash;

/// The batch's lower-cased word tokens (runs of letters and digits that are not CJK), in order.
pub struct Tokens {
    text: String,
    bounds: Vec<(usize, usize)>,
    /// The line of each token.
    pub line: Vec<usize>,
    /// Offset of each token in the joined text.
    pub start: Vec<usize>,
    /// Tokens on each line.
    pub per_line: Vec<usize>,
}

impl Tokens {
    pub fn len(&self) -> usize {
        self.bounds.len()
    }

    pub fn is_empty(&self) -> bool {
        self.bounds.is_empty()
    }

    #[inline]
    pub fn get(&self, i: usize) -> &str {
        let (s, e) = self.bounds[i];
        &self.text[s..e]
    }
}

#[inline]
fn word_char(flags: u8) -> bool {
    flags & (ALPHA | DIGIT) != 0 && flags & CJK == 0
}

/// `word_tokens`: Python lowers the whole joined text when that keeps its length (so the final sigma sees the
/// text around a token), else each token alone.
pub fn word_tokens(batch: &Batch, tables: &Tables) -> Tokens {
    let whole = !batch.cps.iter().any(|&cp| cp >= 0x80 && tables.lower_changes_length(cp));
    // The whitespace-separated words of the batch: about its number of tokens.
    let words = batch.words().iter().sum::<f64>() as usize;
    let mut tokens = Tokens {
        text: String::with_capacity(batch.cps.len()),
        bounds: Vec::with_capacity(words),
        line: Vec::with_capacity(words),
        start: Vec::with_capacity(words),
        per_line: vec![0; batch.n],
    };
    let mut lowered = Vec::new();
    for line in 0..batch.n {
        let (first, end) = (batch.char_start[line], batch.char_start[line] + batch.length[line]);
        let mut p = first;
        while p < end {
            if !word_char(batch.flags[p]) {
                p += 1;
                continue;
            }
            let s = p;
            let mut ascii = true;
            while p < end && word_char(batch.flags[p]) {
                ascii &= batch.cps[p] < 0x80;
                p += 1;
            }
            let at = tokens.text.len();
            let token = &batch.cps[s..p];
            if ascii {
                // SAFETY: only ASCII bytes are pushed, so the text stays UTF-8.
                unsafe { tokens.text.as_mut_vec() }.extend(token.iter().map(|&cp| (cp as u8).to_ascii_lowercase()));
            } else {
                lowered.clear();
                let context = if whole { (0, batch.cps.len()) } else { (s, p) };
                tables.push_lower(batch.cps, s, p, context, &mut lowered);
                tokens.text.extend(lowered.iter().map(|&cp| char::from_u32(cp).unwrap_or('\u{fffd}')));
            }
            tokens.bounds.push((at, tokens.text.len()));
            tokens.line.push(line);
            tokens.start.push(s);
            tokens.per_line[line] += 1;
        }
    }
    tokens
}

/// What a word token is to the word features: a stopword or not, a keyword of some families, the first word of
/// some keyword phrases (with their family).
#[derive(Default)]
pub struct Lexeme {
    stop: bool,
    families: Vec<usize>,
    phrases: Vec<(Vec<String>, usize)>,
}

/// The stopwords and the keyword families' words in one table: each token of a batch is looked up once
/// ([`Lexicon::look_up`]) for both families. A word of at most [`KEY_BYTES`] bytes (nearly all) is keyed by its
/// bytes held in the key itself, so a look-up reads one bucket and never follows a pointer to the word.
pub struct Lexicon {
    short: HashMap<ShortKey, u32, FastHash>,
    long: HashMap<String, u32, FastHash>,
    lexemes: Vec<Lexeme>,
}

/// The longest word a [`ShortKey`] holds.
const KEY_BYTES: usize = 24;
const KEY_WORD_BYTES: usize = 8;

/// A word of at most [`KEY_BYTES`] bytes, zero-padded, as little-endian words (a token never holds a NUL, so the
/// padding cannot make two words one key).
#[derive(Clone, Copy, PartialEq, Eq)]
struct ShortKey([u64; KEY_BYTES / KEY_WORD_BYTES]);

impl std::hash::Hash for ShortKey {
    #[inline]
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        for word in self.0 {
            state.write_u64(word);
        }
    }
}

impl ShortKey {
    /// The key of `word`, if it is short enough.
    #[inline]
    fn of(word: &[u8]) -> Option<Self> {
        if word.len() > KEY_BYTES {
            return None;
        }
        let mut bytes = [0u8; KEY_BYTES];
        bytes[..word.len()].copy_from_slice(word);
        Some(Self::from_bytes(&bytes, word.len()))
    }

    /// The key of the `len` bytes at the start of `bytes` (at least [`KEY_BYTES`] of them; those past `len`
    /// are masked off).
    #[inline]
    fn from_bytes(bytes: &[u8], len: usize) -> Self {
        let mut words = [0u64; KEY_BYTES / KEY_WORD_BYTES];
        for (k, word) in words.iter_mut().enumerate() {
            let at = k * KEY_WORD_BYTES;
            let raw = u64::from_le_bytes(bytes[at..at + KEY_WORD_BYTES].try_into().expect("eight bytes"));
            let kept = len.saturating_sub(at).min(KEY_WORD_BYTES);
            *word = if kept == KEY_WORD_BYTES { raw } else { raw & ((1u64 << (kept * 8)) - 1) };
        }
        ShortKey(words)
    }
}

impl Lexicon {
    /// `single`: keywords with their families, `multi`: keyword phrases with their family (`keywords.KEYWORDS`
    /// of `families` families); `stopwords` (`keywords.STOPWORDS`).
    pub fn new(
        families: usize,
        single: Vec<(String, Vec<usize>)>,
        multi: Vec<(Vec<String>, usize)>,
        stopwords: Vec<String>,
    ) -> Result<Self, String> {
        let check = |f: usize| check_family(f, families);
        let mut by_token: HashMap<String, Lexeme, FastHash> = HashMap::default();
        for (word, fams) in single {
            for &f in &fams {
                check(f)?;
            }
            by_token.entry(word).or_default().families = fams;
        }
        for (words, family) in multi {
            check(family)?;
            let first = words.first().ok_or("an empty keyword phrase")?.clone();
            by_token.entry(first).or_default().phrases.push((words, family));
        }
        for word in stopwords {
            by_token.entry(word).or_default().stop = true;
        }
        let mut lexicon = Lexicon { short: HashMap::default(), long: HashMap::default(), lexemes: Vec::new() };
        for (word, lexeme) in by_token {
            let index = u32::try_from(lexicon.lexemes.len()).map_err(|_| "too many lexicon words")?;
            lexicon.lexemes.push(lexeme);
            match ShortKey::of(word.as_bytes()) {
                Some(key) => lexicon.short.insert(key, index),
                None => lexicon.long.insert(word, index),
            };
        }
        Ok(lexicon)
    }

    /// Each token's lexeme, if it has one.
    pub fn look_up<'l>(&'l self, tokens: &Tokens) -> Vec<Option<&'l Lexeme>> {
        let text = tokens.text.as_bytes();
        tokens
            .bounds
            .iter()
            .map(|&(start, end)| {
                let index = if end - start > KEY_BYTES {
                    self.long.get(&tokens.text[start..end])
                } else if start + KEY_BYTES <= text.len() {
                    self.short.get(&ShortKey::from_bytes(&text[start..start + KEY_BYTES], end - start))
                } else {
                    ShortKey::of(&text[start..end]).and_then(|key| self.short.get(&key))
                };
                index.map(|&i| &self.lexemes[i as usize])
            })
            .collect()
    }
}

/// `family` if it is one of the `families` keyword families.
fn check_family(family: usize, families: usize) -> Result<usize, String> {
    if family < families {
        Ok(family)
    } else {
        Err(format!("keyword family {family} out of range"))
    }
}

/// The keyword families, as the Python side compiled them (`keywords.KEYWORDS`): their names, CJK phrases and
/// copyright pattern (their words are in the [`Lexicon`]).
pub struct Keywords {
    pub names: Vec<String>,
    cjk: Option<(Regex, Vec<usize>)>,
    copyright: regex::bytes::Regex,
    copyright_family: usize,
}

impl Keywords {
    /// `cjk`: each family's CJK phrases, matched as substrings (leftmost first, as one alternation).
    pub fn new(
        names: Vec<String>,
        cjk: Vec<(usize, Vec<String>)>,
        copyright: regex::bytes::Regex,
    ) -> Result<Self, String> {
        let families = names.len();
        let check = |f: usize| check_family(f, families);
        let cjk = if cjk.is_empty() {
            None
        } else {
            let mut groups = Vec::new();
            let mut alternatives = Vec::new();
            for (family, phrases) in &cjk {
                groups.push(check(*family)?);
                let body: Vec<String> = phrases.iter().map(|p| regex::escape(p)).collect();
                alternatives.push(format!("({})", body.join("|")));
            }
            Some((Regex::new(&alternatives.join("|")).map_err(|e| e.to_string())?, groups))
        };
        let copyright_family =
            names.iter().position(|n| n == "copyright").ok_or("no keyword family named copyright")?;
        Ok(Keywords { names, cjk, copyright, copyright_family })
    }

    /// One flag row per family (`kw_*`), on lines of at most `max_chars` characters.
    /// `lexemes`: each token's ([`Lexicon::look_up`]).
    pub fn flags(
        &self,
        batch: &Batch,
        tokens: &Tokens,
        lexemes: &[Option<&Lexeme>],
        scan: &ScanText,
        max_chars: usize,
    ) -> Vec<Vec<f64>> {
        let mut flags = vec![vec![0.0; batch.n]; self.names.len()];
        let short = |line: usize| batch.length[line] <= max_chars;
        for (position, lexeme) in lexemes.iter().enumerate() {
            let line = tokens.line[position];
            let Some(keywords) = lexeme.filter(|_| short(line)) else { continue };
            for &f in &keywords.families {
                flags[f][line] = 1.0;
            }
            for (words, family) in &keywords.phrases {
                let end = position + words.len();
                if end <= tokens.len()
                    && tokens.line[end - 1] == line
                    && words.iter().enumerate().all(|(k, w)| tokens.get(position + k) == w)
                {
                    flags[*family][line] = 1.0;
                }
            }
        }
        if let Some((regex, groups)) = &self.cjk {
            let mut text = String::new();
            let cjk_lines =
                (0..batch.n).filter(|&l| short(l) && batch_flags_cjk(batch, batch.char_start[l], batch.length[l]));
            for line in cjk_lines {
                let start = batch.char_start[line];
                let cps = &batch.cps[start..start + batch.length[line]];
                text.clear();
                text.extend(cps.iter().map(|&cp| char::from_u32(cp).unwrap_or('\u{fffd}')));
                let mut at = 0;
                let mut locations = regex.capture_locations();
                while at <= text.len() {
                    let Some(found) = regex.captures_read_at(&mut locations, &text, at) else { break };
                    if let Some(g) = (0..groups.len()).find(|&g| locations.get(g + 1).is_some()) {
                        flags[groups[g]][line] = 1.0;
                    }
                    at = if found.end() > found.start() { found.end() } else { found.end() + 1 };
                }
            }
        }
        for line in scan.match_lines(&self.copyright) {
            flags[self.copyright_family][line] = 1.0;
        }
        for row in &mut flags {
            for (line, value) in row.iter_mut().enumerate() {
                if !short(line) {
                    *value = 0.0;
                }
            }
        }
        flags
    }
}

fn batch_flags_cjk(batch: &Batch, start: usize, len: usize) -> bool {
    batch.flags[start..start + len].iter().any(|&f| f & CJK != 0)
}

/// The stopword lists of the featurizer's languages (case-folded words, and single CJK characters).
pub struct Stopwords {
    cjk: HashSet<u32, FastHash>,
}

impl Stopwords {
    /// `cjk`: the CJK characters that are stopwords (the others are in the [`Lexicon`]).
    pub fn new(cjk: Vec<u32>) -> Self {
        Stopwords { cjk: cjk.into_iter().collect() }
    }

    /// `tokens`, `stopwords`, `stop_density`; `lexemes`: each token's ([`Lexicon::look_up`]).
    pub fn features(
        &self,
        batch: &Batch,
        tokens: &Tokens,
        lexemes: &[Option<&Lexeme>],
    ) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
        let mut stops = vec![0.0; batch.n];
        for (position, lexeme) in lexemes.iter().enumerate() {
            if lexeme.is_some_and(|l| l.stop) {
                stops[tokens.line[position]] += 1.0;
            }
        }
        let cjk_chars = batch.count(CJK);
        let cjk_stops = batch.per_line(|p| batch.flags[p] & CJK != 0 && self.cjk.contains(&batch.cps[p]));
        let total: Vec<f64> = (0..batch.n).map(|i| tokens.per_line[i] as f64 + cjk_chars[i]).collect();
        let stop_total: Vec<f64> = (0..batch.n).map(|i| stops[i] + cjk_stops[i]).collect();
        let density = ratios(&stop_total, &total);
        (total, stop_total, density)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::tables::tests::ascii_tables;

    /// The stop flag of each token of `lines` (one page), looked up in a lexicon of `stopwords`.
    fn stops(lines: &[&str], stopwords: &[&str]) -> Vec<bool> {
        let t = ascii_tables();
        let text: Vec<u32> = lines.join("\n").chars().map(u32::from).collect();
        let lengths: Vec<usize> = lines.iter().map(|l| l.chars().count()).collect();
        let batch = Batch::new(&text, &lengths, &[lines.len()], &t).unwrap();
        let tokens = word_tokens(&batch, &t);
        let lexicon =
            Lexicon::new(1, Vec::new(), Vec::new(), stopwords.iter().map(|w| w.to_string()).collect()).unwrap();
        lexicon.look_up(&tokens).iter().map(|l| l.is_some_and(|l| l.stop)).collect()
    }

    #[test]
    fn words_short_and_long_are_found_anywhere_in_the_text() {
        let (w24, w25, w30) = ("a".repeat(24), "b".repeat(25), "c".repeat(30));
        let lexicon = ["the", w24.as_str(), w25.as_str(), w30.as_str()];
        // At the start, in the middle, and as the text's last bytes (fewer than a key's after them).
        assert_eq!(stops(&["The cat", "of the", "THE"], &lexicon), [true, false, false, true, true]);
        let line = format!("{w24} x {w25} {w30} {} {}", "a".repeat(23), "b".repeat(26));
        assert_eq!(stops(&[&line, &w24], &lexicon), [true, false, true, true, false, false, true]);
        assert_eq!(stops(&[&w25], &lexicon), [true]);
        assert_eq!(stops(&["theme them th"], &lexicon), [false, false, false]);
        // A word read with the bytes of the tokens after it (a key's worth of them).
        let long_after = stops(&["The cat sat on the long mat of the house"], &lexicon);
        assert_eq!(long_after, [true, false, false, false, true, false, false, false, true, false]);
    }
}
