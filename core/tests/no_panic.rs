//! Random input never panics the segmentation (called directly, without the batch's catch_unwind, so a panic
//! fails the test) and always gives lines that hold to their invariants.

use chromecut_core::batch::{segment_batch, segment_page, Input};
use chromecut_core::limits::{Deadline, Limits};
use chromecut_core::segment::{segment_text_html, Options, LINE_TAGS};
use proptest::prelude::*;

/// HTML-ish fragments, so random pages reach the tree builder's odd corners (tables, formatting elements,
/// foreign content, raw text, comments) far more often than random bytes do.
fn fragments() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "<div>",
        "</div>",
        "<p>",
        "</p>",
        "<li>",
        "<ul>",
        "</ul>",
        "<table>",
        "<tr>",
        "<td>",
        "</table>",
        "<b>",
        "</b>",
        "<a href=x>",
        "</a>",
        "<pre>",
        "</pre>",
        "<br>",
        "<hr>",
        "<svg>",
        "<math>",
        "<foreignObject>",
        "<script>",
        "</script>",
        "<style>",
        "<!--",
        "-->",
        "<noscript>",
        "</noscript>",
        "<template>",
        "<select>",
        "<option>",
        "<frameset>",
        "<h2 class='aB c'>",
        "<span role=navigation>",
        "<p hidden>",
        "<div style='display:none'>",
        "text",
        " ",
        "\n",
        "&amp;",
        "&",
        "\0",
        "é",
        "\u{a0}",
        "<",
        ">",
        "\"",
        "'",
        "<html lang=x>",
        "<title>",
        "</title>",
        "<body>",
        "<plaintext>",
        "<textarea>",
        "<xmp>",
        "<iframe>",
    ]);
    prop::collection::vec(pieces, 0..200).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        let (result, _) = segment_page(Input::Bytes(&bytes), &Options::default(), &Deadline::NEVER);
        if let Ok(page) = result {
            for line in page.lines {
                prop_assert!(!line.text.trim().is_empty());
                prop_assert!((line.tag as usize) < LINE_TAGS.len());
            }
        }
    }

    #[test]
    fn random_markup_never_panics(html in fragments()) {
        let page = segment_text_html(&html, &Options::default(), &Deadline::NEVER).expect("no limit set");
        for line in &page.lines {
            prop_assert!(!line.text.is_empty());
            prop_assert!(line.heading <= 6);
        }
        let limited = Options { limits: Limits { max_lines: Some(3), max_depth: Some(8), max_page_bytes: Some(4096) },
                                ..Options::default() };
        let batch = segment_batch(&[Input::Text(&html), Input::Bytes(html.as_bytes())], &limited, &Deadline::NEVER);
        prop_assert_eq!(batch.pages.len(), 2);
        prop_assert!(batch.len() <= 6);
    }
}
