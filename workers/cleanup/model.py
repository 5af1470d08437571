"""The shipped line model: two small gradient-boosted tree ensembles, scored with numpy.

The trees were trained offline (``scripts/train_cleanup_model.py``, scikit-learn) and are
stored as plain arrays in ``line_model.json`` inside the package, so running cleanup
needs only numpy. All trees of an ensemble are walked at once, one level per step, which
keeps a page of a few hundred lines well under a millisecond.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from functools import cache
from importlib import resources
from typing import Any

import numpy as np

from workers.cleanup import features

MODEL_FILE = "line_model.json"


class TreeEnsemble:
    """Sum of regression trees on a log-odds scale (binary gradient boosting)."""

    def __init__(self, spec: Mapping[str, Any]) -> None:
        self.prior = float(spec["prior"])
        self.rate = float(spec["learning_rate"])
        feature: list[int] = []
        threshold: list[float] = []
        left: list[int] = []
        right: list[int] = []
        value: list[float] = []
        roots: list[int] = []
        depth = 0
        for tree in spec["trees"]:
            offset = len(feature)
            roots.append(offset)
            depth = max(depth, int(tree["depth"]))
            for f, t, lo, hi, v in zip(
                tree["feature"],
                tree["threshold"],
                tree["left"],
                tree["right"],
                tree["value"],
                strict=True,
            ):
                leaf = lo < 0
                node = len(feature)
                feature.append(0 if leaf else f)
                threshold.append(np.inf if leaf else t)
                left.append(node if leaf else lo + offset)
                right.append(node if leaf else hi + offset)
                value.append(v)
        self.feature = np.asarray(feature, dtype=np.intp)
        self.threshold = np.asarray(threshold, dtype=np.float64)
        self.left = np.asarray(left, dtype=np.intp)
        self.right = np.asarray(right, dtype=np.intp)
        self.value = np.asarray(value, dtype=np.float64)
        self.roots = np.asarray(roots, dtype=np.intp)
        self.depth = depth

    def probability(self, x: np.ndarray) -> np.ndarray:
        if len(x) == 0:
            return np.zeros(0)
        rows = np.arange(len(x))[:, None]
        node = np.broadcast_to(self.roots, (len(x), len(self.roots)))
        for _ in range(self.depth):
            goes_left = x[rows, self.feature[node]] <= self.threshold[node]
            node = np.where(goes_left, self.left[node], self.right[node])
        logit = self.prior + self.rate * self.value[node].sum(axis=1)
        return 1.0 / (1.0 + np.exp(-logit))


class LineModel:
    """Probability that each line belongs to the article body."""

    def __init__(self, spec: Mapping[str, Any]) -> None:
        if tuple(spec["features"]) != features.NAMES:
            raise ValueError("line model was trained on other features; retrain it")
        self.first = TreeEnsemble(spec["first"])
        self.second = TreeEnsemble(spec["second"])
        self.threshold = float(spec.get("threshold", 0.5))

    def probabilities(self, lines: Sequence[features.LineLike]) -> np.ndarray:
        if not lines:
            return np.zeros(0)
        x = np.asarray(features.rows(lines), dtype=np.float64)
        p = self.first.probability(x)
        sizes = np.asarray([line.size for line in lines], dtype=np.float64)
        return self.second.probability(features.stage2_rows(x, p, sizes))


@cache
def shipped() -> LineModel:
    text = resources.files("workers.cleanup").joinpath(MODEL_FILE).read_text(encoding="utf-8")
    return LineModel(json.loads(text))
