"""The test run's own set-up: ``make pytest`` (``--dist loadgroup``) keeps each ``xdist_group`` on one worker.

The smoke DVC pipeline (``tests/integration/conftest.py``) is a session fixture shared by the tests of the
``smoke_pipeline`` group: when the group is spread over the workers, every worker runs the pipeline again.
"""

from __future__ import annotations

import pytest

GROUP = "smoke_pipeline"


@pytest.mark.xdist_group(GROUP)
def test_a_grouped_test_is_scheduled_with_its_group(request: pytest.FixtureRequest) -> None:
    if not request.config.getoption("loadgroup", default=False):
        pytest.skip("not run with --dist loadgroup")
    assert request.node.nodeid.endswith(f"@{GROUP}"), (
        f"pytest-xdist did not group {request.node.nodeid!r}: this pytest/pytest-xdist pair spreads a group over the "
        "workers (pytest-dev/pytest-xdist#1386); see the pytest pin in pyproject.toml")
