"""``chromecut bench``: every benchmark as a sub-command of the one ``chromecut`` parser tree.

:func:`add_bench_parser` adds ``bench`` and its sub-commands to the parser of :mod:`chromecut.cli`; :func:`run`
runs the sub-command parsed. Each sub-command's options are defined by its own module (:mod:`chromecut.bench.speed`
for ``speed`` and ``rss``, :mod:`chromecut.bench.dask`, :mod:`chromecut.bench.serving`,
:mod:`chromecut.bench.stream`) and added only when that sub-command is parsed or shows its help: the benchmarks
import the model stack and the peers (pandas, LightGBM), which ``chromecut --help`` or ``chromecut clean`` must
not wait for. So this module imports no benchmark at the top, and nothing else in the package imports
:mod:`chromecut.bench.dask`.

:func:`main` parses the same sub-commands without the ``chromecut`` root (``python -m chromecut.bench.cli rss``):
the memory subprocesses of ``speed`` and the DVC pipeline's bench stage run it.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

#: What ``chromecut bench --help`` says the benchmarks are.
DESCRIPTION = ("Benchmarks of chromecut: speed beside the peer extractors on the same pages, memory, the Dask "
               "engine, the model server and streaming. Figures are printed (and written as JSON with --json), "
               "never asserted.")
#: The usage name of :func:`main`'s parser: the same sub-commands as ``chromecut bench``.
PROG = "chromecut bench"
#: Loggers of the peer libraries, quieted by :func:`run`: a page a peer fails on is counted, not printed
#: (boilerpy3 logs a traceback for every page it cannot parse).
PEER_LOGGERS: tuple[str, ...] = ("trafilatura", "readability", "boilerpy3", "justext")

#: Adds a sub-command's options to its parser and sets ``handler``, the function that runs it.
Define = Callable[[argparse.ArgumentParser], None]
#: Runs a parsed sub-command; returns the exit status.
Handler = Callable[[argparse.Namespace], int]


class _DeferredParser(argparse.ArgumentParser):
    """A sub-command's parser that adds its options (``define``) the first time it parses or formats its help,
    so building the whole tree imports no benchmark."""

    def __init__(self, *args: Any, define: Define | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._define = define

    def _defined(self) -> None:
        define, self._define = self._define, None
        if define is not None:
            define(self)

    def parse_known_args(self, *args: Any, **kwargs: Any) -> Any:
        self._defined()
        return super().parse_known_args(*args, **kwargs)

    def format_usage(self) -> str:
        self._defined()
        return super().format_usage()

    def format_help(self) -> str:
        self._defined()
        return super().format_help()


def _speed(parser: argparse.ArgumentParser) -> None:
    from chromecut.bench import speed

    speed.add_speed_arguments(parser)
    parser.set_defaults(handler=speed.run_speed)


def _rss(parser: argparse.ArgumentParser) -> None:
    from chromecut.bench import speed

    speed.add_rss_arguments(parser)
    parser.set_defaults(handler=speed.run_rss)


def _dask(parser: argparse.ArgumentParser) -> None:
    from chromecut.bench import dask

    dask.add_arguments(parser)
    parser.set_defaults(handler=dask.run)


def _serve(parser: argparse.ArgumentParser) -> None:
    from chromecut.bench import serving

    parser.description = serving.DESCRIPTION
    serving.add_arguments(parser)
    parser.set_defaults(handler=serving.run)


def _stream(parser: argparse.ArgumentParser) -> None:
    from chromecut.bench import stream

    parser.description = stream.DESCRIPTION
    stream.add_arguments(parser)
    parser.set_defaults(handler=stream.run)


@dataclass(frozen=True, slots=True)
class _Command:
    """A ``chromecut bench`` sub-command: its one-line help, its description (``None``: its module's, set by
    ``define``), how its options are defined, and whether it logs its progress (``serve`` and ``stream`` print
    their own figures and never configured logging)."""

    help: str
    description: str | None
    define: Define
    logs: bool = True
    epilog: str | None = None


_COMMANDS: dict[str, _Command] = {
    "speed": _Command("time chromecut and the peers on the same pages",
                      "Time chromecut and the peer extractors on the same sample of pages.", _speed),
    "rss": _Command("peak RSS of clean_many over a stream of K x the sample (one process)",
                    "Clean a stream of K x the sample in this process and print its peak RSS as JSON (speed runs "
                    "one such process per K).", _rss),
    "dask": _Command("pages/s of chromecut clean --engine dask with 1 and 2 workers",
                     "Clean the same pages on LocalClusters of 1 and 2 workers; pages/s and speedup, the local "
                     "engine beside.", _dask),
    "serve": _Command("the model server under concurrent clients: p50/p99 latency, requests/s "
                      "(chromecut.bench.serving)", None, _serve, logs=False,
                      epilog="Also runs on its own: python -m chromecut.bench.serving [options]."),
    "stream": _Command("peak RSS of chromecut clean over N MB of generated JSON Lines (chromecut.bench.stream)",
                       None, _stream, logs=False,
                       epilog="Also runs on its own: python -m chromecut.bench.stream [options]."),
}


def add_commands(parser: argparse.ArgumentParser) -> None:
    """Add the benchmarks' sub-commands (``speed``, ``rss``, ``dask``, ``serve``, ``stream``) to ``parser``."""
    commands = parser.add_subparsers(dest="bench_command", metavar="{" + ",".join(_COMMANDS) + "}", required=True,
                                     parser_class=_DeferredParser)
    for name, command in _COMMANDS.items():
        commands.add_parser(name, help=command.help, description=command.description, epilog=command.epilog,
                            define=command.define)


def add_bench_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    """Add ``bench`` and its sub-commands to the sub-commands of ``chromecut`` (:func:`run` runs them)."""
    bench = commands.add_parser("bench", help="speed and memory benchmarks against the peers",
                                description=DESCRIPTION)
    add_commands(bench)
    return bench


def build_parser() -> argparse.ArgumentParser:
    """The parser of :func:`main`: the sub-commands of ``chromecut bench``, without the ``chromecut`` root."""
    parser = argparse.ArgumentParser(prog=PROG, description=DESCRIPTION)
    add_commands(parser)
    return parser


def run(args: argparse.Namespace) -> int:
    """Run the ``chromecut bench`` sub-command ``args`` were parsed for; returns its exit status."""
    if _COMMANDS[args.bench_command].logs:
        logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
        for name in PEER_LOGGERS:
            logging.getLogger(name).setLevel(logging.CRITICAL)
    handler: Handler = args.handler
    return handler(args)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m chromecut.bench.cli speed|rss|dask|serve|stream [options]``; returns the exit status."""
    return run(build_parser().parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
