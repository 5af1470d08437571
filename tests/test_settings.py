"""Settings come from the environment, and the README documents every one of them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from newsdesk.settings import DEFAULT_REDIS_URL, SETTINGS, load

README = Path(__file__).resolve().parent.parent / "README.md"


def test_defaults_are_safe(monkeypatch: pytest.MonkeyPatch) -> None:
    for setting in SETTINGS:
        monkeypatch.delenv(setting.name, raising=False)
    config = load()
    assert config.redis_url == DEFAULT_REDIS_URL
    assert config.host == "127.0.0.1"  # never listen on every interface by default
    assert config.max_text_chars == 200_000
    assert config.result_ttl == 7 * 24 * 3600


def test_environment_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSDESK_JOB_TIMEOUT", "42")
    monkeypatch.setenv("REDIS_URL", "redis://example:6390/2")
    monkeypatch.setenv("NEWSDESK_LOG_LEVEL", "debug")
    config = load()
    assert config.job_timeout == 42
    assert config.redis_url == "redis://example:6390/2"
    assert config.log_level == "DEBUG"


def test_bad_number_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSDESK_RESULT_TTL", "a week")
    with pytest.raises(ValueError, match="NEWSDESK_RESULT_TTL"):
        load()


def test_readme_lists_every_setting_with_its_default() -> None:
    rows = dict(re.findall(r"^\| `([A-Z_]+)` \| (.*?) \|", README.read_text(), re.MULTILINE))
    assert set(rows) == {s.name for s in SETTINGS}, "README settings table is out of date"
    for setting in SETTINGS:
        shown = f"`{setting.default}`" if setting.default else "(unset)"
        assert rows[setting.name] == shown, setting.name


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("NEWSDESK_DUPLICATE_NEAR", "0"),
        ("NEWSDESK_DUPLICATE_NEAR", "1.5"),
        ("NEWSDESK_DUPLICATE_NEAR", "nan"),
        ("NEWSDESK_DUPLICATE_SAME_STORY", "-0.1"),
        ("NEWSDESK_DUPLICATE_SAME_STORY", "0"),
        ("NEWSDESK_DUPLICATE_SAME_STORY", "0.9"),  # above the default near (0.8)
        ("NEWSDESK_DUPLICATE_MAX_MATCHES", "0"),
        ("NEWSDESK_DUPLICATE_MAX_MATCHES", "-3"),
    ],
)
def test_duplicate_setting_out_of_range_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ValueError, match=variable):
        load()


def test_duplicate_thresholds_at_their_bounds_are_accepted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("NEWSDESK_DUPLICATE_NEAR", "1")
    monkeypatch.setenv("NEWSDESK_DUPLICATE_SAME_STORY", "1")
    monkeypatch.setenv("NEWSDESK_DUPLICATE_MAX_MATCHES", "1")
    config = load()
    assert (config.duplicate_near, config.duplicate_same_story) == (1.0, 1.0)
    assert config.duplicate_max_matches == 1


def test_bad_duplicate_setting_stops_the_program_at_start(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from newsdesk.cli import main

    monkeypatch.setenv("NEWSDESK_DUPLICATE_NEAR", "0.2")  # below same_story's 0.3
    assert main(["worker", "--help"]) == 2
    assert "NEWSDESK_DUPLICATE_NEAR" in capsys.readouterr().err
