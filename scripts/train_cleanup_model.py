"""Train the cleanup line model from pages with gold bodies and write it into the package.

A line is labelled body when its words, in order, appear in the page's gold body. The
first ensemble scores each line from its own shape and its neighbours'; the second
rescores it from the first's probabilities around it (trained on out-of-fold first-pass
probabilities, so it learns how far to trust them). scikit-learn is needed here only:
the package scores the exported trees with numpy.

    python scripts/train_cleanup_model.py [--dev-set PATH]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from workers.cleanup import features  # noqa: E402
from workers.cleanup.core import prepare  # noqa: E402
from workers.cleanup.model import MODEL_FILE, LineModel  # noqa: E402

_WORD = re.compile(r"\w+")
FIRST = {"max_iter": 150, "max_depth": 4, "learning_rate": 0.1}
SECOND = {"max_iter": 80, "max_depth": 4, "learning_rate": 0.1}
INNER_FOLDS = 4


def require_training_dependencies() -> None:
    import sklearn  # noqa: F401


def _norm(text: str) -> str:
    return " ".join(_WORD.findall(text.casefold()))


def page_rows(
    page: dict[str, str],
) -> tuple[np.ndarray, np.ndarray, np.ndarray, features.Topics]:
    """Feature rows, body labels, word counts and shared words of a page's lines."""
    lines, _ = prepare(page["raw_text"])
    labels = label_lines([line.text for line in lines], page["gold_body"])
    topics = features.Topics(lines)
    x = np.asarray(features.rows(lines, topics), dtype=np.float64)
    x = x.reshape(len(lines), len(features.NAMES))
    sizes = np.asarray([line.size for line in lines], dtype=np.float64)
    return x, np.asarray(labels), sizes, topics


def label_lines(texts: list[str], gold_body: str) -> list[float]:
    """Body when the line's words appear in the gold body; a short line ("World", "By")
    only beside a longer body line, since short words are found anywhere."""
    gold = f" {_norm(gold_body)} "
    keys = [_norm(text) for text in texts]
    found = [bool(key) and f" {key} " in gold for key in keys]
    long = [found[i] and len(keys[i].split()) >= 4 for i in range(len(keys))]
    labels = []
    for i, _key in enumerate(keys):
        if long[i] or (found[i] and any(0 <= j < len(keys) and long[j] for j in (i - 1, i + 1))):
            labels.append(1.0)
        else:
            labels.append(0.0)
    return labels


def _fit(x: np.ndarray, y: np.ndarray, weight: np.ndarray, params: dict[str, Any]) -> Any:
    from sklearn.ensemble import HistGradientBoostingClassifier

    model = HistGradientBoostingClassifier(random_state=0, early_stopping=False, **params)
    model.fit(x, y, sample_weight=weight)
    return model


def _export(model: Any) -> dict[str, Any]:
    """Trees as plain arrays; HistGradientBoosting leaf values already include the rate."""
    trees = []
    for (predictor,) in model._predictors:
        nodes = predictor.nodes
        leaf = nodes["is_leaf"].astype(bool)
        trees.append(
            {
                "depth": int(nodes["depth"].max()),
                "feature": [int(f) for f in nodes["feature_idx"]],
                "threshold": [float(t) for t in nodes["num_threshold"]],
                "left": [
                    -1 if is_leaf else int(n)
                    for n, is_leaf in zip(nodes["left"], leaf, strict=False)
                ],
                "right": [
                    -1 if is_leaf else int(n)
                    for n, is_leaf in zip(nodes["right"], leaf, strict=False)
                ],
                "value": [round(float(v), 6) for v in nodes["value"]],
            }
        )
    prior = float(np.ravel(model._baseline_prediction)[0])
    return {"prior": prior, "learning_rate": 1.0, "trees": trees}


def _weights(sizes: np.ndarray) -> np.ndarray:
    return 1.0 + np.sqrt(sizes)


def train_spec(pages: list[dict[str, str]]) -> dict[str, Any]:
    data = [page_rows(page) for page in pages]
    x = np.vstack([d[0] for d in data])
    y = np.concatenate([d[1] for d in data])
    w = _weights(np.concatenate([d[2] for d in data]))
    first = _fit(x, y, w, FIRST)
    # Out-of-fold first-pass probabilities for the second pass's training rows.
    out_of_fold = [np.zeros(len(d[1])) for d in data]
    for fold in range(INNER_FOLDS):
        inside = [i for i in range(len(data)) if i % INNER_FOLDS != fold]
        held = [i for i in range(len(data)) if i % INNER_FOLDS == fold]
        if not held or not inside:
            continue
        model = _fit(
            np.vstack([data[i][0] for i in inside]),
            np.concatenate([data[i][1] for i in inside]),
            _weights(np.concatenate([data[i][2] for i in inside])),
            FIRST,
        )
        for i in held:
            out_of_fold[i] = model.predict_proba(data[i][0])[:, 1]
    x2 = np.vstack(
        [features.stage2_rows(d[0], p, d[2], d[3]) for d, p in zip(data, out_of_fold, strict=True)]
    )
    second = _fit(x2, y, w, SECOND)
    return {
        "features": list(features.NAMES),
        "first": _export(first),
        "second": _export(second),
        "threshold": 0.5,
        "trained_on": {"pages": len(pages), "lines": len(y)},
    }


def train(pages: list[dict[str, str]]) -> LineModel:
    return LineModel(train_spec(pages))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dev-set", type=Path, default=REPO.parent / "shared" / "eval" / "aeb-dev")
    args = parser.parse_args(argv)
    with (args.dev_set / "pages.jsonl").open(encoding="utf-8") as handle:
        pages = [json.loads(line) for line in handle]
    spec = train_spec(pages)
    target = REPO / "workers" / "cleanup" / MODEL_FILE
    target.write_text(json.dumps(spec, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"wrote {target.relative_to(REPO)}: {spec['trained_on']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
