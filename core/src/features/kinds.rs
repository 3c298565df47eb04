//! The kind features of HTML mode (`Featurizer("html", kind_features=True)`): each line's evidence
//! of the kinds of `kinds.FEATURE_KINDS` (headline, comment, caption, table of figures, byline, author bio,
//! promo, tag cloud, footer) and where it stands against the article's boundaries (`article_features`).
//!
//! The rules are `kind_evidence`'s, line for line; everything they read comes from the Python side
//! ([`KindSpec`]): the thresholds of `KindLimits`, the class/id word groups, the text regexes (translated for a
//! stand-in text that folds ASCII case, `chromecut.features.native.kind_plan`, and searched line by line), the
//! phrase lists (as token runs), the tag and character sets, the landmark flags and the scores' tokenizer
//! ([`super::normalise`]).

use std::collections::{HashMap, HashSet};

use regex::bytes::Regex;

use super::batch::{Batch, InputError};
use super::markup::{np_min, AttrWords, MarkupInput, WordPatterns};
use super::normalise::{Scratch, TokenLists, Tokenizer, TokenizerSpec, Tokens};
use super::patterns::compile;
use super::tables::{CodeSet, RegexText, StandIn, Tables, SENT_END, SPACE};
use super::{Columns, FastHash};

/// What the Python side gives (see `chromecut.features.native._html_spec`).
pub struct KindSpec {
    /// (feature name, kind) of `kinds.FEATURE_KINDS`, in order.
    pub feature_kinds: Vec<(String, String)>,
    /// `kinds.ARTICLE_FEATURES`.
    pub article_features: Vec<String>,
    /// The fields of `kinds.LIMITS_DEFAULT`.
    pub limits: HashMap<String, f64>,
    /// (group, translated whole-word regex, whether the nearest-container rule applies) of `kinds.ATTR_GROUPS`.
    pub groups: Vec<(String, String, bool)>,
    /// The content family's whole-word regex (the nearest-container rule's other side).
    pub content_regex: String,
    /// The class/id words' stand-in text (the markup families' plan, which holds the groups too).
    pub attr_regex_text: RegexText,
    /// The text regexes' stand-in text, and the regexes by name.
    pub regex_text: RegexText,
    pub regexes: Vec<(String, String)>,
    /// Phrase lists by name, each phrase as its tokens.
    pub phrases: Vec<(String, Vec<Vec<String>>)>,
    pub number_signs: String,
    pub cell_tags: Vec<String>,
    pub caption_tags: Vec<String>,
    pub credit_sign: String,
    pub email_sign: String,
    /// `str.isdigit` as spans of code points.
    pub isdigit_spans: Vec<u32>,
    /// Landmark flags by name: `site_frame`, `article`, `header`, `footer`, `figure`.
    pub landmarks: HashMap<String, i64>,
    pub tokenizer: TokenizerSpec,
}

/// The kinds whose evidence is a feature.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
enum Kind {
    Headline,
    Comment,
    Caption,
    TableFigures,
    Byline,
    AuthorBioContact,
    Promo,
    TagCloud,
    Footer,
}

impl Kind {
    fn parse(value: &str) -> Option<Self> {
        Some(match value {
            "headline" => Kind::Headline,
            "comment" => Kind::Comment,
            "caption" => Kind::Caption,
            "table_figures" => Kind::TableFigures,
            "byline" => Kind::Byline,
            "author_bio_contact" => Kind::AuthorBioContact,
            "promo" => Kind::Promo,
            "tag_cloud" => Kind::TagCloud,
            "footer" => Kind::Footer,
            _ => return None,
        })
    }
}

/// How many kinds [`Kind`] has.
const KINDS: usize = Kind::Footer as usize + 1;

/// The article features this port computes, in `article_features`' order.
const ARTICLE_FEATURES: [&str; 3] = ["headline_index", "after_headline", "comments_before"];
/// The class/id groups the rules read.
const GROUPS: [&str; 14] = [
    "comment", "nav", "footer", "related", "sidebar", "login", "ad", "follow", "caption", "author", "dateline", "tags",
    "bio", "promo",
];
/// The text regexes the rules read.
const REGEXES: [&str; 9] = [
    "sentence_end",
    "byline_opening",
    "caption_credit",
    "tag_label",
    "bio_sentence",
    "email",
    "date",
    "time",
    "copyright",
];
const PHRASES: [&str; 6] = ["comment", "comment_action", "bio", "promo", "footer", "photo_cues"];
const LANDMARKS: [&str; 5] = ["site_frame", "article", "header", "footer", "figure"];

/// `kinds.KindLimits`.
struct Limits {
    short_tokens: f64,
    medium_tokens: f64,
    link_dense: f64,
    nav_max_tokens_per_link: f64,
    tag_cloud_min_links: f64,
    headline_line_in_title: f64,
    headline_title_in_line: f64,
    headline_min_tokens: f64,
    table_numeric_cell: f64,
    table_min_numeric_share: f64,
    table_min_cells: f64,
    comment_action_max_tokens: f64,
    comment_min_actions: f64,
    comment_max_gap: f64,
}

/// Phrase lists (`kinds.Phrases`, one per name of [`PHRASES`]), matched as runs of whole tokens: each phrase
/// under its first token with the lists it belongs to, so a line's tokens are looked up once for every list.
struct Phrases(HashMap<String, Vec<(Vec<String>, u8)>, FastHash>);

/// A list's bit in [`Phrases::found`]'s answer: its place in [`PHRASES`].
const fn phrase_bit(list: usize) -> u8 {
    1 << list
}
const COMMENT_PHRASE: u8 = phrase_bit(0);
const COMMENT_ACTION_PHRASE: u8 = phrase_bit(1);
const BIO_PHRASE: u8 = phrase_bit(2);
const PROMO_PHRASE: u8 = phrase_bit(3);
const FOOTER_PHRASE: u8 = phrase_bit(4);
const PHOTO_CUE_PHRASE: u8 = phrase_bit(5);

impl Phrases {
    /// `lists[k]`: the phrases of list `k` (its bit [`phrase_bit`]`(k)`).
    fn new(lists: Vec<Vec<Vec<String>>>) -> Self {
        let mut by_first: HashMap<String, Vec<(Vec<String>, u8)>, FastHash> = HashMap::default();
        for (k, phrases) in lists.into_iter().enumerate() {
            for mut phrase in phrases.into_iter().filter(|p| !p.is_empty()) {
                let rest = phrase.split_off(1);
                by_first.entry(phrase.pop().expect("one token")).or_default().push((rest, phrase_bit(k)));
            }
        }
        Phrases(by_first)
    }

    /// The bits of the lists one of whose phrases occurs in `tokens`.
    fn found(&self, tokens: Tokens) -> u8 {
        let n = tokens.len();
        let mut found = 0;
        for i in 0..n {
            for (rest, bit) in self.0.get(tokens.get(i)).into_iter().flatten() {
                if found & bit == 0
                    && rest.len() < n - i
                    && rest.iter().enumerate().all(|(k, word)| word == tokens.get(i + 1 + k))
                {
                    found |= bit;
                }
            }
        }
        found
    }
}

struct Regexes {
    sentence_end: Regex,
    byline_opening: Regex,
    caption_credit: Regex,
    tag_label: Regex,
    bio_sentence: Regex,
    email: Regex,
    date: Regex,
    time: Regex,
    copyright: Regex,
}

/// `Landmark` flags the rules read.
struct Flags {
    site_frame: i64,
    article: i64,
    header: i64,
    footer: i64,
    figure: i64,
}

pub struct Kinds {
    features: Vec<(String, Kind)>,
    limits: Limits,
    /// The groups' patterns in [`GROUPS`] order, then the content family's.
    groups: WordPatterns,
    nearest: Vec<bool>,
    stand_in: StandIn,
    regexes: Regexes,
    phrases: Phrases,
    number_signs: HashSet<u32, FastHash>,
    cell_tags: Vec<String>,
    caption_tags: Vec<String>,
    credit_sign: u32,
    email_sign: u32,
    isdigit: CodeSet,
    flags: Flags,
    tokenizer: Tokenizer,
}

fn one_char(text: &str, what: &str) -> Result<u32, String> {
    let mut chars = text.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) => Ok(u32::from(c)),
        _ => Err(format!("{what} must be one character")),
    }
}

fn take<T>(mut by_name: HashMap<String, T>, names: &[&str], what: &str) -> Result<Vec<T>, String> {
    names.iter().map(|&n| by_name.remove(n).ok_or_else(|| format!("{what}: no {n}"))).collect()
}

impl Kinds {
    pub fn new(spec: KindSpec, tables: &Tables) -> Result<Self, String> {
        let features = spec
            .feature_kinds
            .into_iter()
            .map(|(name, kind)| Kind::parse(&kind).map(|k| (name, k)).ok_or(format!("no rules for the kind {kind}")))
            .collect::<Result<Vec<_>, _>>()?;
        if spec.article_features != ARTICLE_FEATURES {
            return Err(format!("the article features are {ARTICLE_FEATURES:?}, not {:?}", spec.article_features));
        }
        let limit = |name: &str| spec.limits.get(name).copied().ok_or(format!("kind_limits: no {name}"));
        let limits = Limits {
            short_tokens: limit("short_tokens")?,
            medium_tokens: limit("medium_tokens")?,
            link_dense: limit("link_dense")?,
            nav_max_tokens_per_link: limit("nav_max_tokens_per_link")?,
            tag_cloud_min_links: limit("tag_cloud_min_links")?,
            headline_line_in_title: limit("headline_line_in_title")?,
            headline_title_in_line: limit("headline_title_in_line")?,
            headline_min_tokens: limit("headline_min_tokens")?,
            table_numeric_cell: limit("table_numeric_cell")?,
            table_min_numeric_share: limit("table_min_numeric_share")?,
            table_min_cells: limit("table_min_cells")?,
            comment_action_max_tokens: limit("comment_action_max_tokens")?,
            comment_min_actions: limit("comment_min_actions")?,
            comment_max_gap: limit("comment_max_gap")?,
        };
        let groups: HashMap<String, (String, bool)> =
            spec.groups.into_iter().map(|(name, regex, nearest)| (name, (regex, nearest))).collect();
        let groups = take(groups, &GROUPS, "kind_groups")?;
        let mut sources: Vec<&str> = groups.iter().map(|(s, _)| s.as_str()).collect();
        sources.push(&spec.content_regex);
        let regexes = take(spec.regexes.into_iter().collect(), &REGEXES, "kind_regexes")?;
        let mut regexes = regexes
            .iter()
            .zip(REGEXES)
            .map(|(source, name)| compile(source).map_err(|e| format!("kind regex {name}: {e}")))
            .collect::<Result<Vec<_>, _>>()?
            .into_iter();
        let mut next = || regexes.next().expect("one per name");
        let phrases = take(spec.phrases.into_iter().collect(), &PHRASES, "kind_phrases")?;
        let flags = take(spec.landmarks, &LANDMARKS, "kind_landmarks")?;
        Ok(Kinds {
            features,
            limits,
            groups: WordPatterns::new(tables, spec.attr_regex_text, &sources, "kind_groups")?,
            nearest: groups.iter().map(|(_, nearest)| *nearest).collect(),
            stand_in: tables.stand_in(spec.regex_text).map_err(|e| e.to_string())?,
            regexes: Regexes {
                sentence_end: next(),
                byline_opening: next(),
                caption_credit: next(),
                tag_label: next(),
                bio_sentence: next(),
                email: next(),
                date: next(),
                time: next(),
                copyright: next(),
            },
            phrases: Phrases::new(phrases),
            number_signs: spec.number_signs.chars().map(u32::from).collect(),
            cell_tags: spec.cell_tags,
            caption_tags: spec.caption_tags,
            credit_sign: one_char(&spec.credit_sign, "credit_sign")?,
            email_sign: one_char(&spec.email_sign, "email_sign")?,
            isdigit: CodeSet::from_spans(&spec.isdigit_spans, "isdigit_spans").map_err(|e| e.to_string())?,
            flags: Flags {
                site_frame: flags[0],
                article: flags[1],
                header: flags[2],
                footer: flags[3],
                figure: flags[4],
            },
            tokenizer: Tokenizer::new(spec.tokenizer).map_err(|e| e.to_string())?,
        })
    }

    /// Every column the kind features produce, in order.
    pub fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.features.iter().map(|(name, _)| name.clone()).collect();
        names.extend(ARTICLE_FEATURES.map(String::from));
        names
    }

    /// Per group, whether each line is inside a container of it (`_attr_groups`): more of the group's words than
    /// the page's least-marked line, and (but for comments) a word of the group nearer than the first content
    /// word that is not also the group's.
    fn attr_groups(&self, batch: &Batch, markup: &MarkupInput, attr: &AttrWords) -> Vec<Vec<bool>> {
        const G: usize = GROUPS.len();
        let member = attr.memberships(&self.groups);
        let content_bit = G;
        // Per distinct list, read once for every group: each group's words, and whether the nearest-container
        // rule holds (a word of the group comes before any content word that is not of the group).
        let per_list: Vec<[(usize, bool); G]> = attr
            .lists
            .iter()
            .map(|list| {
                let (mut count, mut first, mut first_content) = ([0usize; G], [usize::MAX; G], [usize::MAX; G]);
                for (position, &w) in list.iter().enumerate() {
                    let bits = member[w];
                    for (k, (count, first)) in count.iter_mut().zip(&mut first).enumerate() {
                        if bits >> k & 1 == 1 {
                            *count += 1;
                            *first = (*first).min(position);
                        }
                    }
                    if bits >> content_bit & 1 == 1 {
                        for (k, first_content) in first_content.iter_mut().enumerate() {
                            if bits >> k & 1 == 0 {
                                *first_content = (*first_content).min(position);
                            }
                        }
                    }
                }
                std::array::from_fn(|k| (count[k], first[k] < first_content[k]))
            })
            .collect();
        let mut inside = vec![vec![false; batch.n]; G];
        for r in batch.pages() {
            // Each group's fewest words on a line of the page.
            let mut baseline = [usize::MAX; G];
            for i in r.clone() {
                for (b, &(count, _)) in baseline.iter_mut().zip(&per_list[markup.attr[i] as usize]) {
                    *b = (*b).min(count);
                }
            }
            for i in r {
                for (k, &(count, nearer)) in per_list[markup.attr[i] as usize].iter().enumerate() {
                    inside[k][i] = count > baseline[k] && (!self.nearest[k] || nearer);
                }
            }
        }
        inside
    }

    /// Every kind feature and article feature of a batch.
    pub fn features(
        &self,
        batch: &Batch,
        markup: &MarkupInput,
        attr: &AttrWords,
        out: &mut Columns,
    ) -> Result<(), InputError> {
        let n = batch.n;
        let lim = &self.limits;
        let line = |i: usize| &batch.cps[batch.char_start[i]..batch.char_start[i] + batch.length[i]];
        let mut scratch = Scratch::default();
        let mut lists = TokenLists::default();
        for i in 0..n {
            self.tokenizer.push_tokens(line(i), &mut scratch, &mut lists);
        }
        let tokens = |i: usize| lists.list(i);
        // Each line's phrase lists (their bits), found once for all the rules below.
        let phrases: Vec<u8> = (0..n).map(|i| self.phrases.found(tokens(i))).collect();
        let phrase = |i: usize, bit: u8| phrases[i] & bit != 0;
        let count: Vec<f64> = (0..n).map(|i| tokens(i).len() as f64).collect();
        let spaces = batch.count(SPACE);
        // The sentence-end regex starts with a character of the batch's sentence-end class (a superset): a line
        // without one is not searched.
        let sentence_ends = batch.count(SENT_END);
        let link_chars = MarkupInput::whole(markup.link_chars);
        let links = MarkupInput::whole(markup.link_count);
        let heading = MarkupInput::whole(markup.heading);
        let landmarks = MarkupInput::whole(markup.landmarks);
        let density: Vec<f64> = (0..n)
            .map(|i| {
                let nonspace = batch.length[i] as f64 - spaces[i];
                np_min(if nonspace > 0.0 { link_chars[i] as f64 / nonspace } else { 0.0 }, 1.0)
            })
            .collect();
        let groups = self.attr_groups(batch, markup, attr);
        let group = |name: &str| &groups[GROUPS.iter().position(|&g| g == name).expect("a group")];
        let (g_comment, g_nav, g_footer, g_related, g_sidebar) =
            (group("comment"), group("nav"), group("footer"), group("related"), group("sidebar"));
        let (g_login, g_ad, g_follow, g_caption, g_author) =
            (group("login"), group("ad"), group("follow"), group("caption"), group("author"));
        let (g_dateline, g_tags, g_bio, g_promo) = (group("dateline"), group("tags"), group("bio"), group("promo"));

        let f = &self.flags;
        let site_frame: Vec<bool> =
            landmarks.iter().map(|&l| l & f.site_frame > 0 || (l & f.header > 0 && l & f.article == 0)).collect();
        let short: Vec<bool> = count.iter().map(|&c| c <= lim.short_tokens).collect();
        let medium: Vec<bool> = count.iter().map(|&c| c <= lim.medium_tokens).collect();
        let linky: Vec<bool> = density.iter().map(|&d| d >= lim.link_dense).collect();

        // Each line's stand-in text, written when a rule first needs it.
        let mut text = Vec::new();
        let mut written = usize::MAX;
        let mut search = |regex: &Regex, i: usize| {
            if written != i {
                self.stand_in.write(line(i), &mut text);
                written = i;
            }
            regex.is_match(&text)
        };
        let rx = &self.regexes;

        let candidates: Vec<bool> =
            (0..n).map(|i| count[i] >= lim.headline_min_tokens && medium[i] && density[i] < lim.link_dense).collect();
        let title_line = self.headline_by_title(batch, markup, &lists, &candidates, &mut scratch);
        let actions: Vec<bool> = (0..n)
            .map(|i| count[i] <= lim.comment_action_max_tokens && links[i] > 0 && phrase(i, COMMENT_ACTION_PHRASE))
            .collect();
        let threads = self.comment_threads(batch, &actions);
        let table_figures = self.numeric_tables(batch, markup);

        let mut evidence = vec![vec![false; n]; KINDS];
        let mut push = |kind: Kind, i: usize, value: bool| evidence[kind as usize][i] = value;
        for i in 0..n {
            let (short, medium, linky, site) = (short[i], medium[i], linky[i], site_frame[i]);
            let sentence = sentence_ends[i] > 0.0 && search(&rx.sentence_end, i);
            let has = |sign: u32| line(i).contains(&sign);
            let chrome = g_nav[i] || g_related[i] || g_sidebar[i] || g_footer[i] || site;
            push(Kind::Headline, i, (heading[i] == 1 && !site) || title_line[i]);
            let comment_text = short && !sentence && phrase(i, COMMENT_PHRASE);
            push(Kind::Comment, i, g_comment[i] || comment_text || threads[i]);
            let tag = markup.tag_name(i);
            let credit_cue = medium && (phrase(i, PHOTO_CUE_PHRASE) || has(self.credit_sign));
            let caption = self.caption_tags.iter().any(|t| t == tag)
                || landmarks[i] & f.figure > 0
                || g_caption[i]
                || (credit_cue && search(&rx.caption_credit, i));
            push(Kind::Caption, i, caption);
            push(Kind::TableFigures, i, table_figures[i]);
            let byline = short
                && (g_author[i]
                    || g_dateline[i]
                    || search(&rx.byline_opening, i)
                    || (!chrome && (search(&rx.date, i) || search(&rx.time, i))));
            push(Kind::Byline, i, byline);
            let bio = (g_author[i] && !short)
                || g_bio[i]
                || phrase(i, BIO_PHRASE)
                || search(&rx.bio_sentence, i)
                || (medium && has(self.email_sign) && search(&rx.email, i))
                || (short && g_follow[i]);
            push(Kind::AuthorBioContact, i, bio);
            let promo = g_login[i] || g_ad[i] || g_promo[i] || (medium && !sentence && phrase(i, PROMO_PHRASE));
            push(Kind::Promo, i, promo);
            let few_words_per_link = count[i] <= lim.nav_max_tokens_per_link * links[i].max(1) as f64;
            let tag_cloud = (g_tags[i] && (linky || short) && !sentence)
                || (medium && search(&rx.tag_label, i))
                || (links[i] as f64 >= lim.tag_cloud_min_links
                    && linky
                    && few_words_per_link
                    && !sentence
                    && !g_nav[i]
                    && !site);
            push(Kind::TagCloud, i, tag_cloud);
            let footer = landmarks[i] & f.footer > 0
                || g_footer[i]
                || (medium && (phrase(i, FOOTER_PHRASE) || search(&rx.copyright, i)));
            push(Kind::Footer, i, footer);
        }
        for (name, kind) in &self.features {
            out.push(name, evidence[*kind as usize].iter().map(|&b| f64::from(u8::from(b))).collect());
        }
        article_features(batch, &evidence[Kind::Headline as usize], &evidence[Kind::Comment as usize], out);
        Ok(())
    }

    /// Lines that are the page's `<title>` (less the site name): most of their tokens in it, most of it in them
    /// (`_headline_by_title`; the title of a page is that of its first candidate line).
    fn headline_by_title(
        &self,
        batch: &Batch,
        markup: &MarkupInput,
        tokens: &TokenLists,
        candidates: &[bool],
        scratch: &mut Scratch,
    ) -> Vec<bool> {
        let mut out = vec![false; batch.n];
        let Some(title) = markup.title else { return out };
        let lim = &self.limits;
        let mut sets: HashMap<usize, HashSet<String, FastHash>, FastHash> = HashMap::default();
        // A line's distinct tokens, in one set cleared for each line.
        let mut line: HashSet<&str, FastHash> = HashSet::default();
        for i in (0..batch.n).filter(|&i| candidates[i]) {
            let words = sets.entry(batch.page[i]).or_insert_with(|| {
                self.tokenizer.tokens(&markup.titles[title[i] as usize], scratch).into_iter().collect()
            });
            line.clear();
            line.extend(tokens.list(i).iter());
            if words.is_empty() || line.is_empty() {
                continue;
            }
            let shared = line.iter().filter(|t| words.contains(**t)).count() as f64;
            out[i] = shared >= lim.headline_line_in_title * line.len() as f64
                && shared >= lim.headline_title_in_line * words.len() as f64;
        }
        out
    }

    /// Lines of a run of table cells of which enough are figures (`_numeric_tables`).
    fn numeric_tables(&self, batch: &Batch, markup: &MarkupInput) -> Vec<bool> {
        let n = batch.n;
        let cell: Vec<bool> = (0..n).map(|i| self.cell_tags.iter().any(|t| t == markup.tag_name(i))).collect();
        let mut out = vec![false; n];
        if !cell.contains(&true) {
            return out;
        }
        let numeric = |i: usize| {
            let start = batch.char_start[i];
            let (mut chars, mut digits, mut signs) = (0usize, 0usize, 0usize);
            for (k, &cp) in batch.cps[start..start + batch.length[i]].iter().enumerate() {
                if batch.flags[start + k] & SPACE != 0 {
                    continue;
                }
                chars += 1;
                digits += usize::from(self.isdigit.contains(cp));
                signs += usize::from(self.number_signs.contains(&cp));
            }
            digits > 0 && (digits + signs) as f64 >= self.limits.table_numeric_cell * chars as f64
        };
        let mut i = 0;
        while i < n {
            if !cell[i] {
                i += 1;
                continue;
            }
            // A run of cells: consecutive cell lines of one page.
            let start = i;
            let mut figures = 0usize;
            while i < n && cell[i] && (i == start || batch.page[i] == batch.page[i - 1]) {
                figures += usize::from(numeric(i));
                i += 1;
            }
            let size = i - start;
            if figures as f64 / size as f64 >= self.limits.table_min_numeric_share
                && size as f64 >= self.limits.table_min_cells
            {
                out[start..i].fill(true);
            }
        }
        out
    }

    /// Comment threads found by their recurring reply/like links (`_comment_threads`): on a page with at least
    /// `comment_min_actions` of them, typically (the median gap) at most `comment_max_gap` lines apart, the lines
    /// from one gap before the first to the last.
    fn comment_threads(&self, batch: &Batch, actions: &[bool]) -> Vec<bool> {
        let mut out = vec![false; batch.n];
        let total = actions.iter().filter(|&&a| a).count();
        if (total as f64) < self.limits.comment_min_actions {
            return out;
        }
        for r in batch.pages() {
            let marks: Vec<usize> = r.clone().filter(|&i| actions[i]).collect();
            if (marks.len() as f64) < self.limits.comment_min_actions {
                continue;
            }
            let mut gaps: Vec<usize> = marks.windows(2).map(|w| w[1] - w[0]).collect();
            gaps.sort_unstable();
            let half = gaps.len() / 2;
            let median =
                if gaps.len() % 2 == 1 { gaps[half] as f64 } else { (gaps[half - 1] + gaps[half]) as f64 / 2.0 };
            let gap = median as i64;
            if gap as f64 > self.limits.comment_max_gap {
                continue;
            }
            let from = (r.start as i64).max(marks[0] as i64 - gap + 1) as usize;
            out[from..=marks[marks.len() - 1]].fill(true);
        }
        out
    }
}

/// The article's boundaries (`article_features`): headlines of the page so far, whether one came yet, and the
/// share of the page's comment lines before the line.
fn article_features(batch: &Batch, headline: &[bool], comment: &[bool], out: &mut Columns) {
    let n = batch.n;
    let (mut index, mut after, mut before) = (vec![0.0; n], vec![0.0; n], vec![0.0; n]);
    for r in batch.pages() {
        let page_comments = r.clone().filter(|&i| comment[i]).count() as f64;
        let (mut headlines, mut comments) = (0.0, 0.0);
        for i in r {
            headlines += f64::from(u8::from(headline[i]));
            comments += f64::from(u8::from(comment[i]));
            index[i] = headlines;
            after[i] = f64::from(u8::from(headlines > 0.0));
            before[i] =
                if page_comments > 0.0 { (comments - f64::from(u8::from(comment[i]))) / page_comments } else { 0.0 };
        }
    }
    out.push("headline_index", index);
    out.push("after_headline", after);
    out.push("comments_before", before);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::normalise::tests::test_spec;
    use crate::features::tables::tests::{ascii_regex_text, ascii_tables};

    fn strings(values: &[&str]) -> Vec<String> {
        values.iter().map(|s| s.to_string()).collect()
    }

    /// The rules with small word lists on ASCII tables (the stand-in texts are the text itself).
    fn kinds(tables: &Tables) -> Kinds {
        let limits = [
            ("short_tokens", 12.0),
            ("medium_tokens", 30.0),
            ("link_dense", 0.7),
            ("nav_max_tokens_per_link", 3.0),
            ("tag_cloud_min_links", 4.0),
            ("headline_line_in_title", 0.8),
            ("headline_title_in_line", 0.5),
            ("headline_min_tokens", 3.0),
            ("table_numeric_cell", 0.6),
            ("table_min_numeric_share", 0.4),
            ("table_min_cells", 4.0),
            ("comment_action_max_tokens", 4.0),
            ("comment_min_actions", 3.0),
            ("comment_max_gap", 30.0),
        ];
        let group = |name: &str| (name.to_string(), format!(r"\A(?:{name})\w*\z"), name != "comment");
        let regexes = [
            ("sentence_end", r"[.!?](?:\s|\z)"),
            ("byline_opening", r"\A\s*(?:[bB][yY])\b"),
            ("caption_credit", r"(?:\A|[.!?]\s+)[pP]hoto\s*:"),
            ("tag_label", r"\A\s*[tT]ags?\s*:"),
            ("bio_sentence", r"is a staff writer\b"),
            ("email", r"[\w.+-]+@[\w-]+\.[\w.-]+"),
            ("date", r"\b\d{4}-\d{2}-\d{2}\b"),
            ("time", r"\b\d{1,2}:\d{2}\b"),
            ("copyright", r"\([cC]\)\s*20\d\d"),
        ];
        let phrases = |words: &[&[&str]]| words.iter().map(|p| strings(p)).collect::<Vec<_>>();
        let spec = KindSpec {
            feature_kinds: ["headline", "comment", "caption", "table_figures", "byline", "author_bio_contact", "promo"]
                .iter()
                .chain(&["tag_cloud", "footer"])
                .map(|k| (format!("kind_{k}"), k.to_string()))
                .collect(),
            article_features: strings(&ARTICLE_FEATURES),
            limits: limits.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
            groups: GROUPS.iter().map(|g| group(g)).collect(),
            content_regex: r"\A(?:content|story)\w*\z".into(),
            attr_regex_text: ascii_regex_text(),
            regex_text: ascii_regex_text(),
            regexes: regexes.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            phrases: vec![
                ("comment".into(), phrases(&[&["comments"]])),
                ("comment_action".into(), phrases(&[&["reply"], &["likes"]])),
                ("bio".into(), phrases(&[&["email", "the", "reporter"]])),
                ("promo".into(), phrases(&[&["newsletter"]])),
                ("footer".into(), phrases(&[&["all", "rights", "reserved"]])),
                ("photo_cues".into(), phrases(&[&["photo"]])),
            ],
            number_signs: ".,%".into(),
            cell_tags: strings(&["td", "th"]),
            caption_tags: strings(&["figcaption"]),
            credit_sign: "\u{a9}".into(),
            email_sign: "@".into(),
            isdigit_spans: vec![48, 58],
            landmarks: [("site_frame", 13), ("article", 96), ("header", 2), ("footer", 4), ("figure", 256)]
                .iter()
                .map(|(k, v)| (k.to_string(), *v))
                .collect(),
            tokenizer: test_spec(),
        };
        Kinds::new(spec, tables).unwrap()
    }

    #[test]
    fn a_page_of_every_kind() {
        let tables = ascii_tables();
        let kinds = kinds(&tables);
        let lines = [
            "Budget approved after long debate",
            "By Jane Doe",
            "Photo: Jane Doe",
            "Tags: budget, council",
            "Jane Doe is a staff writer.",
            "Sign up for our newsletter",
            "12",
            "3.5",
            "10 %",
            "7",
            "(c) 2024 Example. All rights reserved.",
            "Great piece",
            "Reply",
            "Nice",
            "Reply",
            "Agreed",
            "Reply",
        ];
        let n = lines.len();
        let text: Vec<u32> = lines.join("\n").chars().map(u32::from).collect();
        let lengths: Vec<usize> = lines.iter().map(|l| l.chars().count()).collect();
        let batch = Batch::new(&text, &lengths, &[n], &tables).unwrap();
        let mut tag = vec![0i64; n];
        tag[6..10].fill(1);
        let mut link = vec![0.0; n];
        let mut links = vec![0.0; n];
        for i in [12, 14, 16] {
            (link[i], links[i]) = (5.0, 1.0);
        }
        let mut heading = vec![0.0; n];
        heading[0] = 1.0;
        let zeros = vec![0.0; n];
        let titles = vec!["Budget approved after long debate - Example".chars().map(u32::from).collect()];
        let markup = MarkupInput {
            tag: &tag,
            tags: &strings(&["p", "td"]),
            heading: &heading,
            list_item: &zeros,
            depth: &zeros,
            depth_code: &vec![0; n],
            link_chars: &link,
            link_count: &links,
            landmarks: &zeros,
            attr: &vec![0; n],
            attr_lists: &[Vec::new()],
            title: Some(&vec![0; n]),
            titles: &titles,
            summary: None,
            summaries: &[],
        };
        markup.check(n).unwrap();
        let attr = AttrWords::new(markup.attr_lists, &tables);
        let mut out = Columns::default();
        kinds.features(&batch, &markup, &attr, &mut out).unwrap();
        let on = |name: &str| -> Vec<usize> {
            let column = out.get(name).unwrap();
            (0..n).filter(|&i| column[i] == 1.0).collect()
        };
        assert_eq!(on("kind_headline"), [0]);
        assert_eq!(on("kind_byline"), [1]);
        assert_eq!(on("kind_caption"), [2]);
        assert_eq!(on("kind_tag_cloud"), [3]);
        assert_eq!(on("kind_author_bio_contact"), [4]);
        assert_eq!(on("kind_promo"), [5]);
        assert_eq!(on("kind_table_figures"), [6, 7, 8, 9]);
        assert_eq!(on("kind_footer"), [10]);
        // The thread: one gap (2 lines) before the first reply to the last.
        assert_eq!(on("kind_comment"), (11..17).collect::<Vec<_>>());
        assert_eq!(out.get("headline_index").unwrap()[5], 1.0);
        assert_eq!(out.get("comments_before").unwrap()[16], 5.0 / 6.0);
    }

    #[test]
    fn phrases_match_whole_token_runs() {
        let phrases = Phrases::new(vec![
            vec![vec!["read".into(), "more".into()], vec!["reply".into()], vec![]],
            vec![vec!["read".into()]],
        ]);
        let found = |s: &str| phrases.found(TokenLists::of_words(&s.split(' ').collect::<Vec<_>>()).list(0));
        assert_eq!(found("please read more"), 0b11);
        assert_eq!(found("reply"), 0b01);
        assert_eq!(found("read"), 0b10);
        assert_eq!(found("more read"), 0b10);
        assert_eq!(found("please read"), 0b10);
        assert_eq!(found("please"), 0);
    }
}
