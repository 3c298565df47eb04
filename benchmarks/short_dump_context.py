"""How much of a short dump's decision is the page around its lines: one dump scored as it is, then with a site's
menu before it and a footer after it.

A short dump (a few paragraphs among whole widgets, as ``tests/golden/inputs/text/01-news-blank-lines.txt``) is a
page the text models rarely met in training: every training page is a whole page, or a pre-cleaned copy of one
with all of its content. The padded copy puts ``PAD_REPEATS`` times a menu of section names after the dump's first
line and as many times a footer of site links after its last (one block per line, as whole-page dumps hold them),
so the dump's own lines are unchanged and only the page around them (its size, its longest line's share, each
line's place in it) differs. Each of the dump's lines is printed with its ``p_content`` from each bundle, as is and
padded (``*``: kept).

    python benchmarks/short_dump_context.py tests/golden/inputs/text/01-news-blank-lines.txt text [BUNDLE ...]

Figures, never assertions (docs/training.md, "Lines under a Related heading").
"""

from __future__ import annotations

import argparse
from pathlib import Path

from chromecut.predict import Cleaner, LabeledLine

#: A news site's section menu, one name per line.
MENU = ("Home", "News", "Sport", "Weather", "Culture", "Travel", "Podcasts", "World", "Business", "Politics",
        "Science", "Health", "Technology", "Entertainment", "Arts", "Education", "Opinion", "Video", "Live", "Local")
#: A site's footer links, one per line.
FOOTER = ("About us", "Contact us", "Careers", "Advertise with us", "Help", "Terms of Use", "Privacy Policy",
          "Cookie settings", "Accessibility", "Sitemap", "Newsletters", "Apps", "RSS", "Facebook", "Twitter",
          "Instagram", "YouTube", "LinkedIn", "Corrections", "Complaints")
#: How many times the menu and the footer are repeated (a desktop and a mobile menu, a footer and a sitemap).
PAD_REPEATS = 2
#: Characters of each line printed.
SHOWN_CHARS = 60


def padded(lines: list[str]) -> tuple[list[str], list[int]]:
    """The dump's lines with the menu after its first line and the footer after its last, and where each of the
    dump's own lines is in the padded copy."""
    menu, footer = list(MENU) * PAD_REPEATS, list(FOOTER) * PAD_REPEATS
    out = [*lines[:1], *menu, *lines[1:], *footer]
    return out, [0, *range(1 + len(menu), 1 + len(menu) + len(lines) - 1)]


def scored(cleaner: Cleaner, lines: list[str]) -> list[LabeledLine]:
    """One label per line (the lines hold no blank one, so none is dropped and the indexes of ``padded`` hold)."""
    return cleaner.label("\n".join(lines), mode="text")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dump", type=Path, help="a text dump, one block per line")
    parser.add_argument("bundles", nargs="*", default=["text"], help="text bundles: names or folders")
    args = parser.parse_args()
    lines = [line for line in args.dump.read_text(encoding="utf-8").splitlines() if line.strip()]
    pad, at = padded(lines)
    columns = []
    for name in args.bundles:
        cleaner = Cleaner.load(name)
        as_is, with_pad = scored(cleaner, lines), scored(cleaner, pad)
        columns.append([(as_is[i], with_pad[at[i]]) for i in range(len(lines))])
        print(f"{name}: threshold {cleaner.threshold:.3f}")
    print(f"{len(lines)} lines, {len(pad)} padded; per bundle: as is, padded")
    for i, line in enumerate(lines):
        cells = "  ".join(f"{a.p_content:.2f}{'*' if a.content else ' '} {b.p_content:.2f}{'*' if b.content else ' '}"
                          for a, b in (column[i] for column in columns))
        print(cells, line[:SHOWN_CHARS])


if __name__ == "__main__":
    main()
