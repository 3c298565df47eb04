"""``chromecut bench``: one parser tree, each benchmark's options loaded only when it is parsed."""

from __future__ import annotations

import subprocess
import sys

import pytest

from chromecut.cli import main as cli_main

#: Every sub-command of ``chromecut bench``.
BENCH_COMMANDS = ("speed", "rss", "dask", "serve", "stream")


@pytest.mark.parametrize(
    ("command", "prog"), [("serve", "chromecut.bench.serving"), ("stream", "chromecut.bench.stream")]
)
def test_bench_hands_serve_and_stream_to_their_modules(command: str, prog: str,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        cli_main(["bench", command, "--help"])
    assert exited.value.code == 0 and f"python -m {prog}" in capsys.readouterr().out


def test_chromecut_bench_help_lists_every_benchmark(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        cli_main(["bench", "--help"])
    out = capsys.readouterr().out
    assert exited.value.code == 0 and all(command in out for command in BENCH_COMMANDS)


@pytest.mark.parametrize(
    ("command", "option"),
    [("speed", "--contenders"), ("rss", "--repeat"), ("dask", "--files-per-partition"), ("serve", "--requests"),
     ("stream", "--sizes-mb")],
)
def test_each_benchmark_shows_its_own_options_in_the_one_tree(command: str, option: str,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        cli_main(["bench", command, "--help"])
    out = capsys.readouterr().out
    assert exited.value.code == 0 and f"usage: chromecut bench {command}" in out and option in out


def test_building_the_tree_imports_no_benchmark() -> None:
    # chromecut --help (and every chromecut clean) builds the whole tree: no model stack, no benchmark.
    script = ("import sys, chromecut.cli; parser = chromecut.cli._build_parser(); parser.format_help(); "
              "print(sorted({'lightgbm', 'sklearn', 'pandas'} & set(sys.modules)), "
              "sorted(m for m in sys.modules if m.startswith('chromecut.bench.')))")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[] ['chromecut.bench.cli']"
