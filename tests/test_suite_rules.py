"""The suite's own rules, checked so that a new test cannot break them unnoticed.

- A worker a test runs must stop promptly: RQ's stock classes may sleep a minute on stop.
- No test picks a port and hands it on: another process may take it before it is bound.
- Random input comes from the `rng` fixture (seeded, the seed named on failure).
"""

from __future__ import annotations

import re
from pathlib import Path

TESTS = sorted(Path(__file__).parent.glob("*.py"))
FORBIDDEN = {
    r"(?<![\w.])(Simple)?Worker\(": "a stock RQ worker: use workers.prompt_stop.PromptSimpleWorker",
    r"\bunused_port\(": "a picked port: bind and pass a socket (conftest.listening_socket)",
    r"\burandom\(|random\.Random\(\d": "unseeded or private randomness: use the rng fixture",
}


def test_every_test_module_follows_the_suite_rules() -> None:
    broken = [
        f"{path.name}: {why}"
        for path in TESTS
        if path.name != Path(__file__).name
        for pattern, why in FORBIDDEN.items()
        if re.search(pattern, path.read_text(encoding="utf-8"))
    ]
    assert broken == []
