"""The metadata benchmark runs on any dev set laid out like the real one, and says what
agreeing with what a page's HTML says of itself means."""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest
from conftest import load_script

STORY = (
    "Skip to Article\n\nTram line to Oster Park opens on Sunday\n\nBy Ada Lind\n\n"
    "The city's new tram line to Oster Park opens on Sunday after three years of building, "
    "the transport office said on Friday.\n\n"
    "Trams will run every eight minutes and tickets cost the same as on the buses.\n\n"
    "© 2025 City Paper\n"
)


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    return load_script("bench/cleanup_metadata.py")


def test_agreeing_means_one_contains_the_other_whatever_the_punctuation(
    bench: ModuleType,
) -> None:
    assert bench.agrees("Tram line opens", "Tram line opens | City Paper")
    assert bench.agrees("City Paper: tram line opens on Sunday!", "Tram line opens on Sunday")
    assert not bench.agrees("Skip to Article", "Tram line opens")
    assert not bench.agrees(None, "Tram line opens")
    assert not bench.agrees("Tram line opens", None)


def test_the_bench_scores_a_dev_set(
    bench: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    (tmp_path / "html").mkdir()
    with gzip.open(tmp_path / "html" / "1.html.gz", "wt", encoding="utf-8") as handle:
        handle.write(
            "<html><head><title>Tram line to Oster Park opens on Sunday - City Paper</title>"
            '<meta name="author" content="Ada Lind">'
            "</head><body><p>The tram line opens.</p></body></html>"
        )
    page = {"id": "1", "url": "https://city.example/tram", "raw_text": STORY, "gold_body": ""}
    (tmp_path / "pages.jsonl").write_text(json.dumps(page) + "\n", encoding="utf-8")
    monkeypatch.setattr(sys, "argv", ["cleanup_metadata.py", "--dev-set", str(tmp_path)])
    bench.main()
    out = capsys.readouterr().out
    assert "title            : the HTML gives it on   1, cleanup on   1; agreeing   1," in out
    assert "authors          : the HTML gives it on   1, cleanup on   1; agreeing   1," in out
