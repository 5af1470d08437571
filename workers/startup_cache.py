"""Tables a worker builds from package data as it starts, kept on disk between starts.

The place index (``workers.gazetteer``) and the syllable table (``workers.readability``)
are built from tens of thousands of records in their packages' data, a large part of
what a worker does before its first job. Built once, each is kept as a JSON file and
read back by every later worker. JSON, never pickle: a file in a folder another
account might write to must not be able to run code. The file's name holds a digest
of what the table was built from (the packages' versions, the code that builds it),
so an upgrade builds afresh. Whatever goes wrong with the folder or a file, the table
is built in memory, as it would be with no folder at all.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

log = logging.getLogger("newsdesk.worker")

T = TypeVar("T")

_folder: Path | None = None


def use_folder(folder: str | Path | None) -> None:
    """Where tables are kept from now on in this process (None or "": nowhere)."""
    global _folder
    _folder = Path(folder).expanduser() if folder else None


def load_or_build(
    name: str,
    built_from: str,
    build: Callable[[], T],
    to_json: Callable[[T], Any],
    from_json: Callable[[Any], T],
) -> T:
    """The table ``name``, read from the folder if a file built from ``built_from`` is
    there, else built (and written for the next worker)."""
    if _folder is None:
        return build()
    digest = hashlib.sha256(built_from.encode()).hexdigest()[:16]
    path = _folder / f"{name}-{digest}.json"
    try:
        with path.open(encoding="utf-8") as stored:
            return from_json(json.load(stored))
    except FileNotFoundError:
        pass
    except (OSError, ValueError, TypeError, KeyError) as exc:
        log.warning(
            "startup table unreadable; building it", extra={"table": name, "error": str(exc)}
        )
    table = build()
    _write(path, to_json(table))
    return table


def _write(path: Path, value: Any) -> None:
    """Written whole or not at all: another worker may be reading or writing it too."""
    temporary: str | None = None
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", dir=path.parent, prefix=".", suffix=".tmp", delete=False
        ) as out:
            temporary = out.name
            json.dump(value, out, ensure_ascii=False, separators=(",", ":"))
        os.replace(temporary, path)
    except OSError as exc:
        log.info("startup table not kept", extra={"table": path.name, "error": str(exc)})
        if temporary is not None:
            with contextlib.suppress(OSError):
                os.unlink(temporary)


def source_of(*modules: Any) -> str:
    """The code of ``modules``: part of what a table is built from."""
    parts = []
    for module in modules:
        with open(module.__file__, encoding="utf-8") as source:
            parts.append(source.read())
    return "\n".join(parts)
