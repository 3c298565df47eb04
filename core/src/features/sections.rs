//! Section-aware features of plain text (`Featurizer("text", section_features=True)`, the thresholds of
//! `chromecut.features.sections`):
//! headings and their sections, runs of like lines, the main text, glued menus, widget and metadata lines.

use super::batch::{ratios, safe_ratio, Batch};
use super::repetition::{repeat_page, Keys};
use super::tables::{ALPHA, CJK, DIGIT, PUNCT, SPACE, UPPER};
use super::words::Tokens;
use super::Columns;

/// The thresholds of `chromecut.features.sections` (its `*_DEFAULT` constants) and its word lists.
pub struct SectionSpec {
    pub heading_max_words: f64,
    pub heading_max_chars: f64,
    pub headline_max_words: f64,
    pub headline_max_chars: f64,
    pub title_case_min_share: f64,
    pub run_similar_length: f64,
    pub main_min_tokens: f64,
    pub main_max_gap: usize,
    pub only_number_max_letters: f64,
    pub meta_max_words: f64,
    pub byline_max_words: f64,
    pub byline_word_positions: usize,
    pub byline_words: Vec<String>,
    pub byline_cjk_prefixes: Vec<(u32, u32)>,
    pub byline_cjk_colons: Vec<u32>,
    pub separators: Vec<u32>,
}

const SHAPE_OTHER: u8 = 0;
const SHAPE_BULLETED: u8 = 1;
const SHAPE_HEADLINE: u8 = 2;
const CJK_BYLINE_CHARS: usize = 3;

/// Every section feature; `columns` holds the context-free families already computed.
pub fn text_section_features(
    batch: &Batch,
    spec: &SectionSpec,
    columns: &Columns,
    keyword_names: &[String],
    keys: &Keys,
    tokens: &Tokens,
    out: &mut Columns,
) {
    let n = batch.n;
    let col = |name: &str| columns.get(name).expect("computed before the sections");
    let (words, chars, ends) = (col("words"), col("chars"), col("ends_sentence"));
    let (list_marker, sentences) = (col("pat_list_marker"), col("sentences"));
    let alpha = batch.count(ALPHA);
    let cap_share = ratios(batch.capitalised_words(), words);

    // Sections under headings.
    let heading: Vec<bool> = (0..n)
        .map(|i| {
            alpha[i] > 0.0
                && ends[i] == 0.0
                && list_marker[i] == 0.0
                && words[i] <= spec.heading_max_words
                && chars[i] <= spec.heading_max_chars
        })
        .collect();
    let keywords: Vec<&[f64]> = keyword_names.iter().map(|k| col(&format!("kw_{k}"))).collect();
    section_features(batch, &heading, &keywords, keyword_names, out);

    // Runs of like lines.
    let shape: Vec<u8> = (0..n)
        .map(|i| {
            let headline = alpha[i] > 0.0
                && ends[i] == 0.0
                && sentences[i] <= 1.0
                && chars[i] <= spec.headline_max_chars
                && (words[i] <= spec.headline_max_words || cap_share[i] >= spec.title_case_min_share);
            if list_marker[i] > 0.0 {
                SHAPE_BULLETED
            } else if headline {
                SHAPE_HEADLINE
            } else {
                SHAPE_OTHER
            }
        })
        .collect();
    run_features(batch, &shape, chars, spec.run_similar_length, out);
    main_text_features(batch, col("tokens"), ends, chars, spec.main_min_tokens, spec.main_max_gap, out);
    out.push("repeat_page", repeat_page(batch, keys));
    glued_features(batch, &spec.separators, out);
    out.push("cap_word_share", cap_share);
    meta_features(batch, spec, columns, alpha, tokens, out);
}

fn section_features(batch: &Batch, heading: &[bool], keywords: &[&[f64]], keyword_names: &[String], out: &mut Columns) {
    let n = batch.n;
    let index = batch.index_in_page();
    let mut owner = vec![n; n];
    let mut last_open: Option<usize> = None;
    for i in 0..n {
        let opens = heading[i] && !(index[i] > 0 && heading[i - 1]);
        if opens {
            last_open = Some(i);
        }
        if let Some(o) = last_open {
            if o >= batch.page_start[batch.page[i]] {
                owner[i] = o;
            }
        }
    }
    let mut size = vec![0usize; n + 1];
    for &o in &owner {
        size[o] += 1;
    }
    // Each section's label: its first heading with a keyword family.
    let mut label = vec![n; n + 1];
    for i in 0..n {
        if heading[i] && owner[i] < n && keywords.iter().any(|k| k[i] > 0.0) && label[owner[i]] == n {
            label[owner[i]] = i;
        }
    }
    let in_section = |i: usize| owner[i] < n;
    out.push("sec_heading", heading.iter().map(|&h| f64::from(u8::from(h))).collect());
    out.push("sec_since", (0..n).map(|i| if in_section(i) { (i - owner[i]) as f64 } else { f64::NAN }).collect());
    out.push("sec_lines", (0..n).map(|i| if in_section(i) { size[owner[i]] as f64 - 1.0 } else { f64::NAN }).collect());
    for (k, name) in keyword_names.iter().enumerate() {
        let column = (0..n)
            .map(|i| {
                let l = label[owner[i]];
                if l <= i {
                    keywords[k][l]
                } else {
                    0.0
                }
            })
            .collect();
        out.push_owned(format!("sec_kw_{name}"), column);
    }
}

/// A line's leading marker: its first character, digits, capitals and other letters folded to one class each.
fn marker(batch: &Batch, line: usize) -> i64 {
    if batch.length[line] == 0 {
        return -1;
    }
    let p = batch.char_start[line];
    let flags = batch.flags[p];
    if flags & DIGIT != 0 {
        i64::from(b'0')
    } else if flags & UPPER != 0 {
        i64::from(b'A')
    } else if flags & ALPHA != 0 {
        i64::from(b'a')
    } else {
        i64::from(batch.cps[p])
    }
}

fn run_features(batch: &Batch, shape: &[u8], chars: &[f64], similar_length: f64, out: &mut Columns) {
    let n = batch.n;
    let index = batch.index_in_page();
    // Runs: [start, end) of consecutive lines of one shape within a page.
    let mut runs: Vec<(usize, usize)> = Vec::new();
    for i in 0..n {
        let previous = if i == 0 { SHAPE_OTHER } else { shape[i - 1] };
        if index[i] == 0 || shape[i] != previous || runs.is_empty() {
            runs.push((i, i + 1));
        } else if let Some(last) = runs.last_mut() {
            last.1 = i + 1;
        }
    }
    let mut lines = vec![0.0; n];
    let mut spread = vec![f64::NAN; n];
    let mut same_start = vec![f64::NAN; n];
    let mut similar = vec![f64::NAN; n];
    for &(start, end) in &runs {
        if shape[start] == SHAPE_OTHER {
            continue;
        }
        let size = (end - start) as f64;
        let mut total = 0.0;
        for &c in &chars[start..end] {
            total += c;
        }
        let mean = total / size;
        let mut squares = 0.0;
        for &c in &chars[start..end] {
            let d = c - mean;
            squares += d * d;
        }
        let run_spread = safe_ratio((squares / size).sqrt(), mean);
        let first_marker = marker(batch, start);
        let mut same = 0.0;
        for line in start..end {
            same += f64::from(u8::from(marker(batch, line) == first_marker));
        }
        let mut sorted = chars[start..end].to_vec();
        sorted.sort_by(f64::total_cmp);
        let k = end - start;
        let median = (sorted[(k - 1) / 2] + sorted[k / 2]) / 2.0;
        let mut alike = 0.0;
        for &c in &chars[start..end] {
            alike += f64::from(u8::from((c - median).abs() <= similar_length * median));
        }
        for line in start..end {
            lines[line] = size;
            spread[line] = run_spread;
            same_start[line] = same / size;
            similar[line] = alike / size;
        }
    }
    out.push("run_lines", lines);
    out.push("run_len_spread", spread);
    out.push("run_same_start", same_start);
    out.push("run_similar_len", similar);
}

pub fn main_text_features(
    batch: &Batch,
    tokens: &[f64],
    ends: &[f64],
    chars: &[f64],
    min_tokens: f64,
    max_gap: usize,
    out: &mut Columns,
) {
    let n = batch.n;
    let mut dist = vec![f64::NAN; n];
    let mut inside = vec![0.0; n];
    for r in batch.pages() {
        // Runs of prose lines at most max_gap lines apart: (first, last, characters); the heaviest, earliest first.
        let mut best: Option<(usize, usize, f64)> = None;
        let mut current: Option<(usize, usize, f64)> = None;
        for i in r.clone() {
            if !(tokens[i] >= min_tokens && ends[i] > 0.0) {
                continue;
            }
            current = match current {
                Some((first, last, weight)) if i - last <= max_gap + 1 => Some((first, i, weight + chars[i])),
                Some(done) => {
                    if beats(&best, done.2) {
                        best = Some(done);
                    }
                    Some((i, i, chars[i]))
                }
                None => Some((i, i, chars[i])),
            };
        }
        if let Some(done) = current {
            if beats(&best, done.2) {
                best = Some(done);
            }
        }
        let Some((start, end, _)) = best else { continue };
        for i in r {
            let d = if i < start {
                i as f64 - start as f64
            } else if i > end {
                (i - end) as f64
            } else {
                0.0
            };
            dist[i] = d;
            inside[i] = f64::from(u8::from((start..=end).contains(&i)));
        }
    }
    let rel = (0..n).map(|i| dist[i] / batch.page_size[batch.page[i]] as f64).collect();
    out.push("main_inside", inside);
    out.push("main_dist", dist);
    out.push("main_dist_rel", rel);
}

/// Whether a run of `weight` beats the best so far (an earlier run wins a tie).
fn beats(best: &Option<(usize, usize, f64)>, weight: f64) -> bool {
    best.is_none_or(|(_, _, heaviest)| weight > heaviest)
}

fn glued_features(batch: &Batch, separators: &[u32], out: &mut Columns) {
    let n = batch.n;
    let mut camel = vec![0.0; n];
    let mut camel_run = vec![0.0; n];
    let mut glued = vec![0.0; n];
    // Every line on its own, whatever the batch around it (no guard on the batch's length: one made a page of
    // two characters, "aA", score no step alone and one step in a batch).
    let flags = &batch.flags;
    // Line by line: a step's lower-case letter, a separator's letters, and a piece's spaces are all on the
    // line (the `\n` between lines is whitespace).
    for line in 0..n {
        let (start, end) = (batch.char_start[line], batch.char_start[line] + batch.length[line]);
        let (mut steps, mut longest, mut piece, mut separated) = (0.0, 0.0f64, 0.0, 0.0);
        let mut space_seen = true;
        for p in start + 1..end {
            let f = flags[p];
            if f & SPACE != 0 {
                space_seen = true;
                continue;
            }
            let before = flags[p - 1];
            if f & UPPER != 0 && before & (ALPHA | UPPER | CJK) == ALPHA {
                // A lower-case letter, then a capital: steps with no space between them are one piece.
                steps += 1.0;
                if space_seen {
                    if piece > 0.0 {
                        longest = longest.max(piece + 1.0);
                    }
                    piece = 1.0;
                } else {
                    piece += 1.0;
                }
                space_seen = false;
            }
            if f & PUNCT != 0
                && before & ALPHA != 0
                && p + 1 < end
                && flags[p + 1] & ALPHA != 0
                && separators.contains(&batch.cps[p])
            {
                separated += 1.0;
            }
        }
        if piece > 0.0 {
            longest = longest.max(piece + 1.0);
        }
        camel[line] = steps;
        camel_run[line] = longest;
        glued[line] = separated;
    }
    out.push("glued_camel", camel);
    out.push("glued_camel_run", camel_run);
    out.push("glued_separators", glued);
}

fn meta_features(
    batch: &Batch,
    spec: &SectionSpec,
    columns: &Columns,
    alpha: &[f64],
    tokens: &Tokens,
    out: &mut Columns,
) {
    let n = batch.n;
    let col = |name: &str| columns.get(name).expect("computed before the sections");
    let (words, ends) = (col("words"), col("ends_sentence"));
    let digits = batch.count(DIGIT);
    let cjk = batch.count(CJK);
    let only_number =
        (0..n).map(|i| f64::from(u8::from(digits[i] > 0.0 && alpha[i] <= spec.only_number_max_letters))).collect();
    let (date, time, counter, unit) = (col("pat_date"), col("pat_time"), col("pat_counter"), col("pat_unit"));
    let meta = (0..n)
        .map(|i| {
            let dated = date[i] + time[i] + counter[i] + unit[i];
            f64::from(u8::from(dated > 0.0 && words[i] <= spec.meta_max_words))
        })
        .collect();
    let mut first_token = vec![0usize; n];
    let mut sum = 0;
    for (i, first) in first_token.iter_mut().enumerate() {
        *first = sum;
        sum += tokens.per_line[i];
    }
    let byline = (0..n)
        .map(|i| {
            let candidate = words[i] <= spec.byline_max_words && ends[i] == 0.0;
            if !candidate {
                return 0.0;
            }
            let by_word = (0..spec.byline_word_positions).any(|position| {
                tokens.per_line[i] >= position + 2 && {
                    let at = first_token[i] + position;
                    spec.byline_words.iter().any(|w| w == tokens.get(at))
                        && batch.flags[tokens.start[at + 1]] & UPPER != 0
                }
            });
            let by_cjk = cjk[i] > 0.0 && batch.length[i] >= CJK_BYLINE_CHARS && {
                let s = batch.char_start[i];
                let pair = (batch.cps[s], batch.cps[s + 1]);
                spec.byline_cjk_prefixes.contains(&pair) && spec.byline_cjk_colons.contains(&batch.cps[s + 2])
            };
            f64::from(u8::from(by_word || by_cjk))
        })
        .collect();
    out.push("only_number", only_number);
    out.push("meta_line", meta);
    out.push("byline", byline);
}
