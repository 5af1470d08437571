"""Tables kept between worker starts: read back as built, rebuilt when what they are built
from changes or the file is damaged, and never in the way when the folder is unusable."""

from __future__ import annotations

import itertools
import json
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from textstat.backend.utils import get_cmudict

from workers import gazetteer, readability, startup_cache


@pytest.fixture
def folder(tmp_path: Path) -> Iterator[Path]:
    startup_cache.use_folder(tmp_path / "cache")
    yield tmp_path / "cache"
    startup_cache.use_folder(None)


class Builder:
    def __init__(self, table: dict[str, int]) -> None:
        self.table = table
        self.calls = 0

    def __call__(self) -> dict[str, int]:
        self.calls += 1
        return dict(self.table)


def load(builder: Builder, built_from: str = "v1") -> dict[str, int]:
    return startup_cache.load_or_build("numbers", built_from, builder, dict, dict)


def test_a_table_is_built_once_then_read_back(folder: Path) -> None:
    builder = Builder({"one": 1, "deux": 2, "drei": 3})
    assert load(builder) == builder.table
    assert load(builder) == builder.table
    assert builder.calls == 1
    (kept,) = folder.iterdir()
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert json.loads(kept.read_text(encoding="utf-8")) == builder.table


def test_a_table_is_built_again_when_what_it_is_built_from_changes(folder: Path) -> None:
    builder = Builder({"one": 1})
    load(builder, "v1")
    load(builder, "v2")
    assert builder.calls == 2
    assert len(list(folder.iterdir())) == 2


@pytest.mark.parametrize("damage", ["", "{", '["a list"]', "\x00\xff"], ids=repr)
def test_a_damaged_file_is_built_again_and_replaced(folder: Path, damage: str) -> None:
    builder = Builder({"one": 1})
    load(builder)
    (kept,) = folder.iterdir()
    kept.write_text(damage, encoding="latin-1")
    assert load(builder) == {"one": 1}
    assert builder.calls == 2
    assert json.loads(kept.read_text(encoding="utf-8")) == {"one": 1}


def test_an_unusable_folder_only_means_building_each_time(tmp_path: Path) -> None:
    blocker = tmp_path / "a file"
    blocker.write_text("not a folder", encoding="utf-8")
    startup_cache.use_folder(blocker / "cache")
    try:
        builder = Builder({"one": 1})
        assert load(builder) == {"one": 1}
        assert load(builder) == {"one": 1}
        assert builder.calls == 2
    finally:
        startup_cache.use_folder(None)


def test_no_folder_keeps_nothing(tmp_path: Path) -> None:
    startup_cache.use_folder("")
    builder = Builder({"one": 1})
    load(builder)
    load(builder)
    assert builder.calls == 2


def test_the_place_index_read_back_is_the_one_built(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fresh() -> tuple[dict, dict]:
        monkeypatch.setattr(gazetteer, "_index", None)
        monkeypatch.setattr(gazetteer, "_populations", {})
        return gazetteer.index(), dict(gazetteer._populations)

    built = fresh()
    read_back = fresh()
    assert read_back == built
    assert len(built[0]) > 10_000
    assert gazetteer.lookup("Lagos")["feature"] == "city"


def test_syllables_read_back_are_textstats_own(folder: Path) -> None:
    readability._cmudict_syllables.cache_clear()
    built = readability._cmudict_syllables()
    readability._cmudict_syllables.cache_clear()
    read_back = readability._cmudict_syllables()
    readability._cmudict_syllables.cache_clear()
    assert read_back == built
    cmudict = get_cmudict("en")
    assert cmudict is not None
    # Every word's count as textstat takes it: the stressed vowels of its first reading.
    for word, readings in itertools.islice(cmudict.items(), 0, None, 97):
        assert built[word] == sum(1 for phone in readings[0] if phone[-1].isdigit()), word


def test_a_syllable_table_with_a_count_that_is_no_integer_is_built_again(folder: Path) -> None:
    readability._cmudict_syllables.cache_clear()
    built = readability._cmudict_syllables()
    (kept,) = folder.iterdir()
    kept.write_text(json.dumps({**built, "council": "three"}), encoding="utf-8")
    readability._cmudict_syllables.cache_clear()
    try:
        assert readability._cmudict_syllables() == built
    finally:
        readability._cmudict_syllables.cache_clear()
