"""The packages' arrows point one way, checked on the source so that no new import bends them.

- No import cycle between the modules of `newsdesk`, `service` and `workers`, counting
  imports inside functions too: a cycle hidden in a function still ties two modules together.
- `workers` never imports `service`: the worker tier runs without the web tier.
- `service` never imports `workers` or the NLP stack, directly or through `newsdesk`: the
  web tier starts fast and small. A second check imports the app and looks at what loaded.
- The webhook worker never loads the NLP stack: it only sends HTTP, and stays as small.

`bench/` and `scripts/` drive both tiers on purpose, so only the packages are checked.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("newsdesk", "service", "workers")
NLP = ("spacy", "thinc", "textstat", "trafilatura", "ftfy", "py3langid")


def _modules() -> dict[str, Path]:
    """Every module of the packages by dotted name (a package by its own name)."""
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join(parts)] = path
    return found


MODULES = _modules()


def _imported_names(module: str, path: Path) -> Iterator[tuple[str, int]]:
    """Each name `module` imports, anywhere in it, as a dotted name with its line.

    `from x import y` yields `x.y`, which is module `x` when `y` is not a module of its own;
    relative imports are resolved.
    """
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parts = parts[: len(parts) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            for alias in node.names:
                yield f"{base}.{alias.name}", node.lineno


def _project_module(name: str) -> str | None:
    """The project module `name` is or lies in, if any."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _graph() -> tuple[dict[str, dict[str, int]], dict[str, dict[str, int]]]:
    """Per module: the project modules it imports, and the top-level packages it imports,
    each with the first line that does."""
    project: dict[str, dict[str, int]] = {}
    top: dict[str, dict[str, int]] = {}
    for module, path in MODULES.items():
        project[module], top[module] = {}, {}
        for name, line in _imported_names(module, path):
            top[module].setdefault(name.split(".")[0], line)
            target = _project_module(name)
            if target is not None and target != module:
                project[module].setdefault(target, line)
    return project, top


PROJECT, TOP = _graph()


def _cycles(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """One cycle through each group of modules that import each other (Tarjan's SCCs)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.add(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(group)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return [_cycle_in(graph, group) for group in groups]


def _cycle_in(graph: dict[str, dict[str, int]], group: set[str]) -> list[str]:
    """A shortest way from the group's first module back to itself, inside the group."""
    start = min(group)
    paths = {start: [start]}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for target in sorted(graph[node]):
            if target == start:
                return [*paths[node], start]
            if target in group and target not in paths:
                paths[target] = [*paths[node], target]
                queue.append(target)
    raise AssertionError(f"no cycle in {sorted(group)}")


def _described(cycle: list[str]) -> str:
    steps = [f"{a} (line {PROJECT[a][b]})" for a, b in pairwise(cycle)]
    return " -> ".join([*steps, cycle[-1]])


def _reachable(module: str) -> dict[str, str]:
    """Every project module `module` imports, directly or not, with one module importing it."""
    seen = {module: module}
    queue = [module]
    while queue:
        node = queue.pop(0)
        for target in PROJECT[node]:
            if target not in seen:
                seen[target] = node
                queue.append(target)
    return seen


def _in_package(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def test_the_check_sees_the_imports() -> None:
    assert "newsdesk.settings" in PROJECT["service.app"]  # a top-level import
    assert "workers.worker" in PROJECT["newsdesk.cli"]  # an import inside a function
    assert "spacy" in TOP["workers.nlp"]


def test_no_import_cycles() -> None:
    cycles = [_described(cycle) for cycle in _cycles(PROJECT)]
    assert cycles == [], "import cycles:\n" + "\n".join(cycles)


def test_workers_never_import_the_web_tier() -> None:
    offending = [
        f"{module} imports {target} (line {line})"
        for module, targets in PROJECT.items()
        if _in_package(module, "workers")
        for target, line in targets.items()
        if _in_package(target, "service")
    ]
    assert offending == []


def test_web_tier_never_imports_workers_or_nlp() -> None:
    offending = []
    for module in MODULES:
        if not _in_package(module, "service"):
            continue
        for reached, through in _reachable(module).items():
            if _in_package(reached, "workers"):
                offending.append(f"{module} reaches {reached} through {through}")
            for package, line in TOP[reached].items():
                if package in NLP:
                    offending.append(f"{module} reaches {package} in {reached} (line {line})")
    assert offending == []


def _loaded_by(code: str) -> list[str]:
    """Every module a fresh interpreter has loaded once it has run `code`."""
    run = subprocess.run(
        [sys.executable, "-c", f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(run.stdout)


def test_web_tier_loads_no_nlp_and_no_workers() -> None:
    """What the app really loads, building its document and serving a page."""
    modules = _loaded_by(
        "import service.app\n"
        "from newsdesk.settings import Config\n"
        "from service.openapi import spec_dict\n"
        "app = service.app.create_app(Config(redis_url='redis://127.0.0.1:1/0'))\n"
        "spec_dict(app)\n"
        "app.test_client().get('/docs')"
    )
    assert "flask" in modules  # the check itself works
    offending = [
        m for m in modules if m.split(".")[0] in NLP or m == "workers" or m.startswith("workers.")
    ]
    assert offending == []


def test_webhook_worker_loads_no_nlp() -> None:
    """What `newsdesk worker --webhooks` loads before it connects, its delivery job included."""
    modules = _loaded_by("import newsdesk.cli, workers.webhook_worker, workers.webhooks")
    assert "rq" in modules  # the check itself works
    assert [m for m in modules if m.split(".")[0] in NLP] == []
