"""The shipped line model: two small gradient-boosted tree ensembles, scored with numpy.

The trees were trained offline (``scripts/train_cleanup_model.py``, scikit-learn) and are
stored as plain arrays in ``line_model.json`` inside the package, so running cleanup
needs only numpy. All trees of an ensemble are walked at once, one level per step, so a
page costs a few numpy operations per tree level rather than a Python loop per line and
tree.
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
    """Sum of regression trees on a log-odds scale (binary gradient boosting).

    Every tree is stored as a complete binary tree of the ensemble's depth (a leaf above
    the bottom is copied down both ways), so a node's children are at ``2i + 1`` and
    ``2i + 2``: walking all trees one level per step then needs no child tables.
    """

    def __init__(self, spec: Mapping[str, Any]) -> None:
        self.prior = float(spec["prior"])
        self.rate = float(spec["learning_rate"])
        trees = spec["trees"]
        self.depth = depth = max((int(tree["depth"]) for tree in trees), default=0)
        inner, leaves = 2**depth - 1, 2**depth
        feature = np.zeros((len(trees), max(1, inner)), dtype=np.intp)
        threshold = np.full((len(trees), max(1, inner)), np.inf)
        value = np.zeros((len(trees), leaves))
        for t, tree in enumerate(trees):
            _complete(tree, t, feature, threshold, value, depth)
        self.feature = feature.ravel()
        self.threshold = threshold.ravel()
        self.value = value.ravel()
        self.inner_base = np.arange(len(trees), dtype=np.intp) * max(1, inner)
        self.leaf_base = np.arange(len(trees), dtype=np.intp) * leaves - inner

    def probability(self, x: np.ndarray) -> np.ndarray:
        if len(x) == 0:
            return np.zeros(0)
        flat = np.ascontiguousarray(x, dtype=np.float64).ravel()
        row_base = (np.arange(len(x), dtype=np.intp) * x.shape[1])[:, None]
        node = np.zeros((len(x), len(self.inner_base)), dtype=np.intp)
        for _ in range(self.depth):
            at = self.inner_base + node
            goes_left = flat[row_base + self.feature[at]] <= self.threshold[at]
            node = 2 * node + 2 - goes_left
        logit = self.prior + self.rate * self.value[self.leaf_base + node].sum(axis=1)
        return 1.0 / (1.0 + np.exp(-logit))


def _complete(
    tree: Mapping[str, Any],
    t: int,
    feature: np.ndarray,
    threshold: np.ndarray,
    value: np.ndarray,
    depth: int,
) -> None:
    """Lay out one exported tree as a complete tree of ``depth`` levels (row ``t``)."""
    stack = [(0, 0, 0)]  # (node in the exported tree, index in the complete tree, level)
    while stack:
        source, at, level = stack.pop()
        leaf = tree["left"][source] < 0
        if level == depth:
            if not leaf:
                raise ValueError("tree deeper than its stated depth")
            value[t, at - (2**depth - 1)] = tree["value"][source]
            continue
        if leaf:
            stack.append((source, 2 * at + 1, level + 1))
            stack.append((source, 2 * at + 2, level + 1))
            continue
        feature[t, at] = tree["feature"][source]
        threshold[t, at] = tree["threshold"][source]
        stack.append((tree["left"][source], 2 * at + 1, level + 1))
        stack.append((tree["right"][source], 2 * at + 2, level + 1))


class LineModel:
    """Probability that each line belongs to the article body."""

    def __init__(self, spec: Mapping[str, Any]) -> None:
        if tuple(spec["features"]) != features.NAMES:
            raise ValueError("line model was trained on other features; retrain it")
        self.first = TreeEnsemble(spec["first"])
        self.second = TreeEnsemble(spec["second"])
        self.threshold = float(spec.get("threshold", 0.5))

    def probabilities(self, lines: Sequence[features.LineLike]) -> np.ndarray:
        return self.passes(lines)[1]

    def passes(self, lines: Sequence[features.LineLike]) -> tuple[np.ndarray, np.ndarray]:
        """The first pass's probabilities (each line from its own shape and its neighbours')
        and the second's (rescored from the first pass's belief around it)."""
        if not lines:
            return np.zeros(0), np.zeros(0)
        topics = features.Topics(lines)
        x = np.asarray(features.rows(lines, topics), dtype=np.float64)
        p = self.first.probability(x)
        sizes = np.asarray([line.size for line in lines], dtype=np.float64)
        return p, self.second.probability(features.stage2_rows(x, p, sizes, topics))


@cache
def shipped() -> LineModel:
    text = resources.files("workers.cleanup").joinpath(MODEL_FILE).read_text(encoding="utf-8")
    return LineModel(json.loads(text))
