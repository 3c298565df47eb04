"""Fuzz segmentation, features and labelling for a set time: the property checks of ``tests/fuzz_targets.py`` at
volume, with Hypothesis generating (and shrinking) the inputs.

    OMP_NUM_THREADS=1 .venv/bin/python -u benchmarks/fuzz.py --minutes 10

Each round runs every target for ``--examples`` fresh random examples; rounds repeat until the time is up. A
failing property is printed with Hypothesis's shrunk input and the fuzzer goes on with the next target. Prints
examples run per target and every distinct failure; exits 1 if there was one.
"""

from __future__ import annotations

import argparse
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import fuzz_targets as targets

#: Examples per target per round.
EXAMPLES_DEFAULT = 200
MINUTES_DEFAULT = 5.0
SECONDS_PER_MINUTE = 60.0

TARGETS: dict[str, tuple[Callable[[Any], None], st.SearchStrategy[Any]]] = {
    "text-labels": (targets.check_text_labels, targets.any_text),
    "wrapped-labels": (targets.check_wrapped_labels, targets.wrapped_dump()),
    "html-labels-soup": (targets.check_html_labels, targets.tag_soup),
    "html-labels-mutated": (targets.check_html_labels, targets.mutated_page()),
    "segmentation-bytes": (targets.check_segmentation, targets.any_bytes | targets.mutated_page()),
    "limits": (targets.check_limits_raise_only_limit_errors,
               targets.tag_soup.map(lambda s: s.encode("utf-8", "surrogatepass")) | targets.mutated_page()),
    "features": (targets.check_features, targets.tag_soup | targets.mutated_page()),
    "fused": (targets.check_fused_equals_lines, targets.any_text | targets.tag_soup | targets.mutated_page()),
    "readers": (targets.check_readers, targets.mutated_container() | targets.any_bytes),
}


def run_round(check: Callable[[Any], None], strategy: st.SearchStrategy[Any], examples: int) -> str | None:
    """Run ``examples`` fresh examples; the failure (shrunk input and traceback) as text, or ``None``."""
    counted = settings(max_examples=examples, deadline=None, database=None, derandomize=False,
                       suppress_health_check=list(HealthCheck), print_blob=True)

    @counted
    @given(strategy)
    def fuzz(value: Any) -> None:
        check(value)

    try:
        fuzz()
    except Exception:
        return traceback.format_exc(limit=6)
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=MINUTES_DEFAULT, help="how long to fuzz")
    parser.add_argument("--examples", type=int, default=EXAMPLES_DEFAULT, help="examples per target per round")
    parser.add_argument("--targets", nargs="*", choices=list(TARGETS), default=list(TARGETS))
    args = parser.parse_args(argv)
    targets.cleaner("html")
    targets.cleaner("text")  # model loading is not fuzzing time
    started = time.monotonic()
    deadline = started + args.minutes * SECONDS_PER_MINUTE
    runs = dict.fromkeys(args.targets, 0)
    failures: dict[str, str] = {}
    rounds = 0
    while time.monotonic() < deadline:
        rounds += 1
        for name in args.targets:
            if time.monotonic() >= deadline:
                break
            check, strategy = TARGETS[name]
            failure = run_round(check, strategy, args.examples)
            runs[name] += args.examples
            if failure is not None:
                key = failure.strip().splitlines()[-1]
                if key not in failures:
                    failures[key] = failure
                    print(f"FAILURE in {name}:\n{failure}", flush=True)
        print(f"round {rounds}: {time.monotonic() - started:.0f} s, examples so far {sum(runs.values())}", flush=True)
    elapsed = time.monotonic() - started
    print(f"\nfuzzed {elapsed / SECONDS_PER_MINUTE:.1f} min, {sum(runs.values())} examples:")
    for name, examples in runs.items():
        print(f"  {name:<22}{examples:>8}")
    print(f"distinct failures: {len(failures)}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
