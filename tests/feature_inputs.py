"""Inputs of the feature tests (no dataset needed): dumps as scrapers write them, hand-written pages with every
kind of chrome, a frame of odd values segmentation never writes, and the pieces of generated lines. The golden
files (:mod:`golden_features`) store the features of the dumps and pages; the property tests generate more."""

from __future__ import annotations

import numpy as np
import pandas as pd

from chromecut.features import line_frame
from chromecut.segment.html import segment_html

#: Pieces of text lines the features care about, for generated lines: the patterns' characters and case oddities, the
#: characters the regex engines class differently (combining marks, ², \x1c, no-break space, new digits), final
#: sigma and dotted I (lower case), glued menus, bylines, bullets, separators, CJK phrases.
TEXT_PIECES = ("2024", "12", "3", "-", "/", ".", ":", ",", " ", "\t", "jan", "Sep", "ſep", "OCT",
               "déc", "paź", "年", "月", "日", "am", "PM", "uhr", "min", "hours", "ago", "(", ")",
               "[", "k", "K", "views", "°", "C", "$", "€", "eur", "zł", "|", "»", "•", "—",
               "http://", "WWW.", ".com", ".HTML", "İ", "Σ", "ΟΔΟΣ", "x", "q", "Q", "_", "١٢", "²",
               "\u0301", "\x1c", "\xa0", "\x02", "\U0001e4f0", "HomeNews", "By", "Jane", "Related",
               "share", "read", "more", "the", "相关", "作者：", "版权所有", "©", "(c) 2024", "1.", "- ",
               "* ", "!", "?", "Ǆ", "ǅ", "]", "](", "![", "\\", "[Home](/)")
TEXT_PROSE = "The council approved the new budget after a long debate that lasted well into the night."
#: Dumps as scrapers write them: menus, bullets, headings, dates, numbers, blank lines, CJK, emoji, odd code points.
DUMPS: dict[str, list[str]] = {
    "news": [
        "HomeNewsSportsWeather", "Home | News | Sport", "Home » News › Local", "| Home", "» Next page", "Menu",
        "Budget approved after long debate", "By Jane Doe", "12 March 2025, 10:42", "Updated 5 min ago",
        TEXT_PROSE, f"{TEXT_PROSE} It was the third vote this year.", "", "   ", "\t",
        "Related", "- First headline here", "* Second headline here", "• Third one", "1. First item", "2) Second",
        "  10. indented item", "1234. not a marker", "Most read", "Share this", "Share on Facebook", "(12) comments",
        "1.2K views", "23 comments", "© 2024 Example News. All rights reserved.", "(c) 2023 Example", "42", "1,234",
    ],
    "units": [
        "12°C", "-3 °F", "€ 12,50", "$5", "12 EUR", "7 zł", "15 kč", "https://example.com/a", "www.example.org",
        "see index.html", "Jan 5th, 2024", "2024-01-05", "05/01/2024", "3 févr. 2024", "12 déc 2023", "3 hours ago",
        "10:30 Uhr", "9:15 pm", "³ ½ ②", "a\x1cb c\x1fd", "İstanbul İSTANBUL", "Straße STRASSE", "ﬁnance", "5 K 7 ſ",
        "ΟΔΥΣΣΕΑΣ ΣΟΦΟΣ.", "Σ", "Cafe\u0301 12 min ago", "٣ دقائق", "12\u00a0min ago", "Kontakt", "Startseite",
        "Lesen Sie auch", "Das könnte Sie auch interessieren", "Czytaj także", "You may also like", "Skip to content",
    ],
    "cjk": [
        "相关新闻", "作者：张三", "记者:李四", "2024年3月12日", "3月12日", "分享到微博", "版权所有 © 2024", "热门排行",
        "首页 | 新闻 | 体育", "２０２４年３月", "这是一段很长的中文正文，讲述了一件事情的经过。", "阅读更多",
        "上一篇：标题",
        "👍 Like 12", "🔥🔥🔥", "Loading...", "Please wait", "Subscribe to our newsletter", "Log in", "Sign up",
        "replaced \ufffd text", "HomeNews", "News|Sport|Weather", "e-mail don't",
    ],
}


def dump_frame(pages: dict[str, list[str]], *, domain: str | None = "example.com", source: bool = False
               ) -> pd.DataFrame:
    rows = [(doc, i, text) for doc, lines in pages.items() for i, text in enumerate(lines)]
    frame = pd.DataFrame({"doc": [r[0] for r in rows], "line": [r[1] for r in rows]})
    # An object column: an Arrow string column cannot hold the lone surrogate.
    texts = np.empty(len(rows), dtype=object)
    texts[:] = [r[2] for r in rows]
    frame["text"] = pd.Series(texts, dtype=object, copy=False)
    if domain is not None:
        frame["domain"] = [domain if doc != "cjk" else None for doc in frame["doc"]]
    if source:
        frame["source"] = frame["doc"].str[:1]
    return frame



HTML_PROSE = "Scientists found that the river delta is sinking faster than expected in recent years, a study says."
ARTICLE = f"""<h1>River delta sinks faster than expected</h1>
<div class="byline">By Jane Doe</div><p class="date">12.03.2024 10:30</p>
<figure><img src="a.jpg"><figcaption>Farmers on the flooded delta near the coast</figcaption></figure>
<p>{HTML_PROSE}</p><h2>What the farmers say</h2>
<ul><li>Salt water reaches fields that were fertile ten years ago.</li><li>Many families moved uphill.</li></ul>
<p>Local officials said they would build new dikes before the monsoon. Photo: Reuters</p>"""
CHROME = (
    '<header><nav class="mainNav"><ul><li><a href="/">Home</a></li><li><a href="/world">World</a></li></ul></nav>'
    '</header><div class="entry-content newsletter-post">'
    f"<article>{ARTICLE}"
    "<p>Jane Doe is a staff writer covering climate. Email the reporter at jane@example.com.</p>"
    '<div class="newsletter-box"><p>Sign up for our newsletter</p></div><p>Support our journalism: donate today</p>'
    "<table><tr><th>Team</th><th>W</th><th>L</th></tr><tr><td>Reds</td><td>12</td><td>3</td></tr>"
    "<tr><td>Blues</td><td>10,5 %</td><td>5</td></tr></table></article></div>"
    '<div class="tags"><a href="/t/a">Climate</a> <a href="/t/b">Asia</a> <a href="/t/c">Farming</a></div>'
    "<p>Tags: climate, asia</p><p>(c) Getty Images</p><p>Fotos: dpa</p>"
    '<div class="comments"><h3>3 Comments</h3><div class="comment"><p>Great piece, thanks.</p>'
    '<a href="#r">Reply</a></div></div>'
    + "".join(f"<p>Comment number {k} from a reader.</p><a href='#'>Reply</a><a href='#'>12 likes</a>"
              for k in range(4))
    + '<aside class="sidebar related"><ul>' + "".join(f'<li><a href="/{k}">Other story {k}</a></li>' for k in range(6))
    + '</ul></aside><footer><p>© 2024 Daily News. All rights reserved.</p><p>Cookie settings</p></footer>'
)
ODD = (
    "<h1>Ｐｈｏｔｏ： ﬁnance &amp;amp; caf&amp;eacute; cafe\u0301 ΟΔΟΣ İstanbul</h1>"
    "<p>Fish &amp;chips &amp;notit; &amp;#233; &amp;#x41; &amp;#0; &amp;#99999999999; say \u201chi\u201d</p>"
    "<p>作者：张三</p><p>版权所有 © 2024</p><p>相关新闻：标签：经济</p><p>Von Max Muster, veröffentlicht am 3. März</p>"
    "<p>Étiquettes : économie</p><div class='ad-slot'><p>Advertisement</p></div><p>By  \u212aelvin</p>"
    "<p>한국어 기사 본문입니다. 정말 길고 긴 문장이 여기에 있습니다.</p>"
)


def _page(body: str, title: str | None = "River delta sinks faster than expected - Daily News") -> str:
    head = f"<head><title>{title}</title></head>" if title is not None else ""
    return f"<html>{head}<body>{body}</body></html>"


def page_frame(*pages: str) -> pd.DataFrame:
    return line_frame([(f"p{i}", segment_html(p)) for i, p in enumerate(pages)], domain="example.com")


PAGES = (_page(CHROME), _page(ODD, title="Ｐｈｏｔｏ ﬁnance café ΟΔΟΣ"),
         _page(f"<article>{ARTICLE}</article>", title=None), _page("<p>one line only</p>"))


def odd_frame() -> pd.DataFrame:
    """A hand-made frame with what segmentation never writes: missing and non-numeric values, unknown tags,
    words with odd spacing, a tag that is no string, mixed titles on a page."""
    frame = pd.DataFrame({
        "doc": ["a", "a", "a", "a", "b", "b"],
        "line": range(6),
        "text": ["Home | News", HTML_PROSE, "12 comments", "Reply", "By Jane Doe", "© 2024"],
        "tag": ["li", "p", None, "blink", 3, "td"],
        "heading": [0, 0, np.nan, 1, 2, 0],
        "list_item": [True, False, False, None, False, True],
        "depth": [3, 5, np.nan, 5, "x", 2],
        "link_chars": [10, 0, np.nan, 5, 0, 0],
        "link_count": [2, 0, 1, 1, 0, 0],
        "attr_words": ["nav  menu", " content story ", None, "comment reply", "byline author", "foot"],
        "landmarks": [1, 64, np.nan, 0, 6, 4],
        "title": ["Home News", None, "Home News", "Other", "", "x"],
    })
    return frame


#: Pieces of lines for the generated frames: the kinds' words, entities, case and NFKC oddities.
HTML_PIECES = ("By", "Jane", "Reply", "12", "likes", "Photo:", "Getty", "(c)", "©", "2024", "Tags:", "jane@x.org",
          "&amp;", "&eacute;", "ﬁ", "Ｆｏｔｏ", "İ", "Σ", "作者", "：", "Comments", "donate", "newsletter", " ", ".",
          "|", "10:30", "\u0301", "e", "is a staff writer", "Cookie", "Home", "\u00a0")
TAGS = ("p", "li", "td", "th", "h1", "figcaption", "div", "a")
ATTRS = ("", "comments", "byline author", "tags", "nav menu", "entry-content", "newsletter-post", "ad", "caption",
         "sidebar widget", "footer")


