//! The parser measurement behind html5ever's tree builder and our tokenizer (see core/README.md): parse every
//! `.html` file of a folder (UTF-8 pages, e.g. dumped from the datasets) with each candidate, one core, and print
//! ms per page, after checking that both tokenizers give the same tree on every page.
//!
//!     cargo run --release --example parsers -- /tmp/pages [repeats]

// As the extension (src/python.rs) allocates.
#[cfg(not(feature = "python"))]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::time::Instant;
use std::{env, fs};

use chromecut_core::dom;
use chromecut_core::limits::Deadline;
use chromecut_core::segment::{segment_text_html, Options};

fn time<F: FnMut(&str) -> usize>(name: &str, pages: &[String], repeats: usize, mut f: F) {
    let mut sink = 0usize;
    let start = Instant::now();
    for _ in 0..repeats {
        for page in pages {
            sink = sink.wrapping_add(f(page));
        }
    }
    let ms = start.elapsed().as_secs_f64() * 1e3 / (repeats * pages.len()) as f64;
    println!("{name:44} {ms:8.3} ms/page   (checksum {sink})");
}

fn main() {
    let args: Vec<String> = env::args().collect();
    let folder = args.get(1).expect("a folder of .html files");
    let repeats: usize = args.get(2).map_or(3, |r| r.parse().expect("repeats"));
    let mut pages: Vec<String> = fs::read_dir(folder)
        .expect("folder")
        .filter_map(|e| e.ok())
        .filter(|e| e.path().extension().is_some_and(|x| x == "html"))
        .map(|e| String::from_utf8_lossy(&fs::read(e.path()).expect("read")).into_owned())
        .collect();
    pages.sort();
    let bytes: usize = pages.iter().map(String::len).sum();
    println!(
        "{} pages, {:.1} KiB on average, {repeats} repeats",
        pages.len(),
        bytes as f64 / 1024.0 / pages.len() as f64
    );

    let differ: Vec<usize> = (0..pages.len())
        .filter(|&i| dom::parse(&pages[i]).outline() != dom::parse_with_html5ever_tokenizer(&pages[i]).outline())
        .collect();
    println!("trees of our tokenizer and html5ever's differ on {} pages {differ:?}", differ.len());
    time("html5ever tokenizer + tree builder, arena sink", &pages, repeats, |p| {
        dom::parse_with_html5ever_tokenizer(p).nodes.len()
    });
    time("our tokenizer + html5ever tree builder (parse)", &pages, repeats, |p| dom::parse(p).nodes.len());
    time("html5ever tokenizer alone (a sink that counts)", &pages, repeats, |p| {
        use html5ever::tendril::StrTendril;
        use html5ever::tokenizer::{BufferQueue, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts};
        struct Count(std::cell::Cell<usize>);
        impl TokenSink for Count {
            type Handle = ();
            fn process_token(&self, _token: Token, _line: u64) -> TokenSinkResult<()> {
                self.0.set(self.0.get() + 1);
                TokenSinkResult::Continue
            }
        }
        let tok = Tokenizer::new(Count(std::cell::Cell::new(0)), TokenizerOpts::default());
        let input = BufferQueue::default();
        input.push_back(StrTendril::from_slice(p));
        let _ = tok.feed(&input);
        tok.end();
        tok.sink.0.get()
    });
    time("our tokenizer + tree builder + segmentation", &pages, repeats, |p| {
        segment_text_html(p, &Options::default(), &Deadline::NEVER).map_or(0, |s| s.lines.len())
    });
    time("tl (not WHATWG: no tree construction rules)", &pages, repeats, |p| {
        tl::parse(p, tl::ParserOptions::default()).map_or(0, |d| d.nodes().len())
    });
    time("lol_html streaming rewriter (tags + text)", &pages, repeats, |p| {
        use lol_html::{doc_text, element, HtmlRewriter, Settings};
        let mut count = 0usize;
        let mut chars = 0usize;
        {
            let settings = Settings::new()
                .append_element_content_handler(element!("*", |_el| {
                    count += 1;
                    Ok(())
                }))
                .append_document_content_handler(doc_text!(|t| {
                    chars += t.as_str().len();
                    Ok(())
                }));
            let mut rewriter = HtmlRewriter::new(settings, |_: &[u8]| {});
            let _ = rewriter.write(p.as_bytes());
            let _ = rewriter.end();
        }
        count + chars
    });
}
