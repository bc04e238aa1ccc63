"""scripts/test names the tests that only the other database runs, at the end of pytest's summary
and again on stderr."""

import os
import subprocess
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
OTHER = {"sqlite": "postgresql", "postgresql": "sqlite"}[connection.vendor]
# One of each in that file.
ONLY_ON = {
    "postgresql": "tests/test_kept_connections.py::test_it_replaces_a_kept_postgresql_connection_that_died",
    "sqlite": "tests/test_kept_connections.py::test_it_truncates_the_wal",
}


def test_it_names_the_tests_that_only_the_other_database_runs():
    # Only those are selected: all skipped, the run makes no test database beside this one's.
    result = subprocess.run(
        [ROOT / "scripts" / "test", "tests/test_kept_connections.py", "-m", f"only_on_{OTHER}"],
        cwd=ROOT,
        env={key: value for key, value in os.environ.items() if not key.startswith("PYTEST_")},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    summary = result.stdout.split("tests of the other database NOT RUN", 1)[1]
    assert ONLY_ON[OTHER] in summary
    assert ONLY_ON[connection.vendor] not in summary
    banner = result.stderr.strip().splitlines()
    assert banner[0] == banner[-1] == "!" * 100
    assert "-only tests NOT RUN on " in banner[1]
    assert f"    {ONLY_ON[OTHER]}" in banner
