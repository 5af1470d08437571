"""The cleanup benchmark's folds: a site's pages never straddle two folds, in any split."""

from __future__ import annotations

from types import ModuleType

import pytest
from conftest import load_script

SITES = ["a.example", "b.example", "c.example", "d.example", "e.example", "f.example"]


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    return load_script("bench/cleanup_quality.py")


def _pages() -> list[dict[str, str]]:
    return [
        {
            "id": f"{n}",
            "url": f"https://www.{SITES[n % 6]}/story-{n}",
            "raw_text": "",
            "gold_body": "",
        }
        for n in range(23)
    ]


@pytest.mark.parametrize("split", [0, 1, 2])
def test_every_page_and_every_site_in_exactly_one_fold(bench: ModuleType, split: int) -> None:
    pages = _pages()
    folds = bench.folds_by_site(pages, 3, split)
    assert sorted(i for fold in folds for i in fold) == list(range(len(pages)))
    fold_of_site: dict[str, int] = {}
    for f, fold in enumerate(folds):
        for i in fold:
            assert fold_of_site.setdefault(bench.site(pages[i]), f) == f
    assert len(fold_of_site) == len(SITES)


def test_other_splits_draw_other_folds_and_each_draw_is_repeatable(bench: ModuleType) -> None:
    pages = _pages()
    draws = [bench.folds_by_site(pages, 3, split) for split in (0, 1, 2)]
    assert draws[1] == bench.folds_by_site(pages, 3, 1)
    as_sets = {str(sorted(sorted(fold) for fold in draw)) for draw in draws}
    assert len(as_sets) > 1
