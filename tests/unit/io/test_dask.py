"""The Dask engine: on a LocalCluster of two workers, cleaning gives exactly what the local CLI and the
Cleaner give on the same pages, failures are named, and each worker loads the model once."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from chromecut.cli import EXIT_FAILED, EXIT_OK, EXIT_USAGE, main
from chromecut.io import batch
from chromecut.model.bundle import Bundle
from chromecut.model.compiled import Predictor, cache_dir, cache_key
from chromecut.predict import Cleaner

from synthetic import PROSE, http_response, synthetic_page, warc_record, wrapped_dump

dask_bag = pytest.importorskip("dask.bag")
dask_dataframe = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")

from chromecut.io import dask as engine  # noqa: E402  # after the skips: the module needs dask when it runs

Capture = pytest.CaptureFixture[str]
WORKERS = 2
PAGES = 24


@pytest.fixture(scope="module")
def cluster() -> Iterator[Any]:
    with (distributed.LocalCluster(n_workers=WORKERS, threads_per_worker=1, processes=True,
                                   dashboard_address=engine.DASHBOARD_ADDRESS) as local,
          distributed.Client(local) as client):
        yield client


@pytest.fixture(scope="module")
def model(tiny_bundle: Bundle, tmp_path_factory: pytest.TempPathFactory) -> str:
    return str(tiny_bundle.save(tmp_path_factory.mktemp("models") / "html"))


def _page(i: int) -> str:
    return synthetic_page(i).replace("Story", f"Report {i % 5}") if i % 3 else synthetic_page(i)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """Plain pages (one gzip, one missing), two JSON Lines shards (one broken line, one HTML-less record), a
    WARC shard: every kind of input and failure the local CLI reads."""
    folder = tmp_path_factory.mktemp("corpus")
    names = []
    for i in range(5):
        path = folder / f"p{i}.html"
        path.write_text(_page(i), encoding="utf-8")
        names.append(str(path))
    (folder / "z.html.gz").write_bytes(gzip.compress(_page(7).encode("utf-8")))
    names += [str(folder / "z.html.gz"), str(folder / "missing.html")]
    for shard in range(2):
        lines = [json.dumps({"id": f"s{shard}-{i}", "html": _page(10 * shard + i)}) for i in range(PAGES // 2)]
        lines.insert(3, "{not json")
        lines.append(json.dumps({"id": "no-page"}))
        lines.append(json.dumps({"id": 99, "text": "\n".join(PROSE)}))
        (folder / f"shard{shard}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
        names.append(str(folder / f"shard{shard}.jsonl"))
    records = b"".join(
        warc_record("response", f"0000-{i}", f"http://example.com/{i}", "application/http; msgtype=response",
                    http_response(_page(i).encode("utf-8"), "text/html; charset=utf-8"))
        for i in range(4)
    )
    (folder / "crawl.warc.gz").write_bytes(gzip.compress(records))
    names.append(str(folder / "crawl.warc.gz"))
    return names


def _tree(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


def _failures(err: str) -> list[str]:
    return sorted(line for line in err.splitlines() if line.startswith("chromecut: "))


@pytest.mark.parametrize("task", ["clean", "label"])
def test_dask_engine_writes_the_same_files_and_names_the_same_failures(
    task: str, cluster: Any, model: str, corpus: list[str], tmp_path: Path, capsys: Capture
) -> None:
    local_status = main([task, "--model", model, "--out-dir", str(tmp_path / "local"), *corpus])
    local = capsys.readouterr()
    dask_status = main([task, "--model", model, "--engine", "dask", "--scheduler", cluster.scheduler.address,
                        "--out-dir", str(tmp_path / "dask"), *corpus])
    remote = capsys.readouterr()
    assert local_status == dask_status == EXIT_FAILED
    expected = _tree(tmp_path / "local")
    assert len(expected) == len(corpus) - 1  # every input but the missing file has an output
    assert _tree(tmp_path / "dask") == expected
    assert _failures(remote.err) == _failures(local.err)
    # the missing file; in each shard a broken line, a record without a page, a text record (html model)
    assert len(_failures(local.err)) == 7
    assert remote.out == local.out == ""


def test_dask_engine_on_stdout_matches_the_local_cli_in_input_order(
    cluster: Any, model: str, corpus: list[str], capsys: Capture
) -> None:
    containers = [name for name in corpus if name.endswith((".jsonl", ".warc.gz"))]
    assert main(["clean", "--model", model, *containers]) == EXIT_FAILED
    local = capsys.readouterr()
    assert main(["clean", "--model", model, "--engine", "dask", "--scheduler", cluster.scheduler.address,
                 *containers]) == EXIT_FAILED
    remote = capsys.readouterr()
    assert remote.out == local.out and local.out.count("\n") == 2 * (PAGES // 2) + 4


def test_dask_engine_on_a_local_cluster_it_starts(model: str, corpus: list[str], tmp_path: Path,
                                                  capsys: Capture) -> None:
    pages = corpus[:5]
    assert main(["clean", "--model", model, "--out-dir", str(tmp_path / "local"), *pages]) == EXIT_OK
    assert main(["clean", "--model", model, "--engine", "dask", "-j", "2", "--out-dir", str(tmp_path / "dask"),
                 *pages]) == EXIT_OK
    assert _tree(tmp_path / "dask") == _tree(tmp_path / "local")
    assert capsys.readouterr().err == ""


def test_dask_engine_refuses_stdin_and_a_scheduler_without_it(model: str, capsys: Capture) -> None:
    assert main(["clean", "--model", model, "--engine", "dask", "-"]) == EXIT_USAGE
    assert "standard input" in capsys.readouterr().err
    assert main(["clean", "--model", model, "--scheduler", "tcp://127.0.0.1:1", "a.html"]) == EXIT_USAGE
    assert "--engine dask" in capsys.readouterr().err


def test_each_worker_loads_the_model_once(cluster: Any, model: str, corpus: list[str], tmp_path: Path) -> None:
    cluster.run(lambda: engine._PROCESSORS.clear())
    plan = batch.plan(corpus[:5] + corpus[7:9], batch.Settings(model=model), out_dir=tmp_path)
    results = list(engine.run_plan(plan, cluster, files_per_partition=1))
    assert len(results) == 7 and sum(r.documents for r in results) == 5 + 2 * (PAGES // 2 + 3)
    loaded = cluster.run(lambda: len(engine._PROCESSORS))
    assert set(loaded.values()) <= {0, 1} and sum(loaded.values()) >= 1


def test_partitions_group_plain_files_and_keep_containers_alone(model: str, corpus: list[str]) -> None:
    plan = batch.plan(corpus, batch.Settings(model=model), out_dir=Path("out"))
    parts = engine.partitions(plan, files_per_partition=3)
    assert [len(p.sources) for p in parts] == [3, 3, 1, 1, 1, 1]
    assert [s.index for p in parts for s in p.sources] == list(range(len(corpus)))
    assert all(out == plan.outputs[s.index] for p in parts for s, out in zip(p.sources, p.outputs, strict=True))


def test_clean_bag_equals_the_cleaner_and_names_a_bad_record(cluster: Any, model: str, tiny_bundle: Bundle) -> None:
    pages: list[Any] = [{"id": i, "html": _page(i)} for i in range(PAGES)]
    pages[5] = {"id": 5}  # no page: an error, and the others go on
    pages.append(_page(40))  # a bare page: sniffed as HTML, named by its position
    bag = dask_bag.from_sequence(pages, partition_size=5)  # five partitions of five
    results = engine.clean_bag(bag, model).compute(scheduler=cluster)
    cleaner = Cleaner(tiny_bundle)
    assert [r["id"] for r in results] == [*range(PAGES), "4:4"]
    for i, result in enumerate(results):
        if i == 5:
            assert result["text"] == "" and "exactly one of" in result["error"]
            continue
        page = _page(i) if i < PAGES else _page(40)
        assert result["error"] is None and result["text"] == cleaner.clean(page) != ""


@pytest.mark.parametrize("predictor", ["lightgbm", "compiled"])
def test_clean_dataframe_equals_the_cleaner(cluster: Any, model: str, tiny_bundle: Bundle, predictor: Predictor
                                            ) -> None:
    frame = pd.DataFrame({"id": [f"d{i}" for i in range(PAGES)], "html": [_page(i) for i in range(PAGES)]})
    cleaned = engine.clean_dataframe(dask_dataframe.from_pandas(frame, npartitions=3), model,
                                     predictor=predictor).compute(scheduler=cluster)
    if predictor == "compiled":  # the workers compiled the model (this machine's cache, as theirs)
        key = cache_key(Bundle.load(model).classifier.booster_.model_to_string())
        assert (cache_dir() / f"forest-{key}.o").is_file()
    cleaner = Cleaner(tiny_bundle)
    assert list(cleaned.columns) == list(engine.RESULT_COLUMNS)
    assert cleaned["id"].tolist() == frame["id"].tolist()
    assert cleaned["text"].tolist() == [cleaner.clean(page) for page in frame["html"]]
    assert cleaned["error"].isna().all()


def test_clean_dataframe_reads_wrapped_text_by_paragraph_unless_told(cluster: Any, tiny_text_bundle: Bundle,
                                                                     tmp_path: Path) -> None:
    dump = wrapped_dump()
    text_model = str(tiny_text_bundle.save(tmp_path / "text"))
    frame = dask_dataframe.from_pandas(pd.DataFrame({"text": [dump]}), npartitions=1)
    for reflow in (True, False):
        cleaned = engine.clean_dataframe(frame, text_model, reflow=reflow).compute(scheduler=cluster)
        assert cleaned["text"].tolist() == [Cleaner(tiny_text_bundle, reflow=reflow).clean(dump)]
    assert Cleaner(tiny_text_bundle).clean(dump) != Cleaner(tiny_text_bundle, reflow=False).clean(dump)


def test_shipped_model_round_trips_its_files(model: str) -> None:
    shipped = engine.ShippedModel.from_folder(model)
    copy = shipped.materialise()
    assert _tree(copy) == _tree(Path(model))
    assert engine.ShippedModel.from_folder(copy).digest == shipped.digest
    assert engine.ship("html") is None and engine.ship(None) is None
