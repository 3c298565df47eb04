"""The batch processor behind ``chromecut clean|label`` and Dask: ``clean`` through the Rust core's one call
writes what the line-frame path writes, document for document, failures included."""

from __future__ import annotations

from chromecut.io.batch import Outcome, Processor, Settings, shipped_model_for
from chromecut.io.inputs import Document, InputFailure
from chromecut.model.bundle import Bundle
from chromecut.predict import Cleaner
from chromecut.segment.limits import Limits

from synthetic import PROSE, synthetic_page


def _documents() -> list[Document | InputFailure]:
    latin = f"<html><head><meta charset='windows-1252'></head><body><p>Caf\u00e9 cr\u00e8me. {PROSE[0]}</p></body>"
    return [
        Document("a.html", synthetic_page(1).encode(), "html"),
        Document("rec-1", synthetic_page(2), "html", record_id="1", url="http://a.example/2"),
        Document("rec-2", latin.encode("cp1252"), "html", record_id="2", encoding_hint="windows-1252"),
        InputFailure("broken", "cannot read"),
        Document("many.html", "<p>x</p>" * 40, "html"),
        Document("notes.txt", "Home\n\n" + "\n".join(PROSE), "text"),  # the html model cannot read text
    ]


def _outcomes(cleaner: Cleaner, task: str = "clean") -> list[Outcome]:
    processor = Processor(Settings(task=task, model="given", limits=cleaner.limits), cleaner)  # type: ignore[arg-type]
    return processor.process(_documents())


def test_label_through_the_core_writes_what_the_line_frame_path_writes(tiny_bundle: Bundle) -> None:
    limits = Limits(max_lines=30)
    fused = _outcomes(Cleaner(tiny_bundle, limits=limits), "label")
    assert fused == _outcomes(Cleaner(tiny_bundle, limits=limits, fused=False), "label")
    assert '"p_content"' in (fused[0].output or "") and fused[4].error is not None


def test_clean_through_the_core_writes_what_the_line_frame_path_writes(tiny_bundle: Bundle) -> None:
    limits = Limits(max_lines=30)
    fused = _outcomes(Cleaner(tiny_bundle, limits=limits))
    lines = _outcomes(Cleaner(tiny_bundle, limits=limits, fused=False))
    assert fused == lines
    assert [o.error is None for o in fused] == [True, True, True, False, False, False]
    assert "Caf\u00e9 cr\u00e8me" in (fused[2].output or "")  # decoded with its hint
    assert '"url": "http://a.example/2"' in (fused[1].output or "")
    assert "more than 30 lines" in (fused[4].error or "")


MARKDOWN = ("[Skip to content](#main)\n* [Home](/)\n* [News](/news)\n# Council approves budget\n\n"
            + "\n\n".join(PROSE) + "\n\n## Related\n* [Mayor resigns](/n/2)\n")


def test_without_a_model_each_document_gets_the_shipped_bundle_of_its_kind_markdown_included() -> None:
    plain = "Home\n\n" + "\n".join(PROSE)
    documents: list[Document | InputFailure] = [
        Document("page.html", synthetic_page(3), "html"),
        Document("dump.md", MARKDOWN, "text"),
        Document("dump.txt", plain, "text"),
        Document("dump-bytes.md", MARKDOWN.encode(), "text"),
    ]
    processor = Processor(Settings(task="clean"))
    outcomes = processor.process(documents)
    assert sorted(processor._cleaners) == ["html", "markdown", "text"]
    expected = [Cleaner.load("html").clean(synthetic_page(3)), Cleaner.load("markdown").clean(MARKDOWN),
                Cleaner.load("text").clean(plain), Cleaner.load("markdown").clean(MARKDOWN)]
    assert [o.output for o in outcomes] == [text + "\n" if text else "" for text in expected]
    assert shipped_model_for(MARKDOWN, "text") == "markdown" and shipped_model_for(MARKDOWN, "html") == "html"
    assert [shipped_model_for(page) for page in (MARKDOWN, plain, synthetic_page(3))] == ["markdown", "text", "html"]
    forced = Processor(Settings(task="clean", model="text"))  # a chosen model is every document's
    assert forced.process(documents[1:2]) == [Outcome("dump.md", 0, output=Cleaner.load("text").clean(MARKDOWN) + "\n")]
    assert list(forced._cleaners) == ["text"]
