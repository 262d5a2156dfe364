"""Validated scenarios cached on disk by content hash, so a trainee's kernel does not check the library again.

A sound scenario file is checked once (every stage of ``loader``, path analysis included) and its
checked models are written as JSON under a key made of:

- the file's bytes,
- the bytes of every persona file the loader could look it up in (the ``personas/`` folders beside
  it and up to two folders above), and
- the lab's own code: its version and the bytes of ``simulator/core`` and ``simulator/loading``.

A changed file, a changed persona or a new lab therefore gets a new key and is checked again. The
next load of the same bytes rebuilds the checked models from the entry without validating them again
(``core.model.rebuild``: no YAML, no pydantic schema building, no graph or path checks) and builds
the ``Scenario`` from them. Only sound files are cached: a file with
errors is checked every time, so its problems are always reported.

Beside each entry lies its reply table (``core.statespace.ReplyTable``: the value of every reply at every
state the replies reach, and the best sums per competency), worked out from the state space the checks
explored. A session looks its values up there, read when it first asks, instead of exploring the space
itself (0.05-0.5 CPU-s a scenario, at the trainee's first reply); a state the table does not hold (a reply
that was not understood moves the mood off the replies' paths) is asked of the state space as before.

The cache is a convenience, never a source of errors: a folder that cannot be created or written,
an entry that cannot be read, is corrupt, or does not have the models' shape is ignored and the file is
checked the ordinary way. Entries are JSON (never pickle), so a cache folder holds data, not code.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from ..core.model import PersonaModel, ScenarioModel, rebuild
from ..core.scenario import Scenario
from ..core.statespace import ReplyTable
from ..errors import Problem, display_path
from .loader import LoadResult, load_file, load_files

__all__ = ["FORMAT", "cache_key", "code_hash", "load_library_cached", "warm"]

FORMAT = 1  # the entries' layout; a new layout is a new key
_CODE = Path(__file__).resolve().parents[1]  # simulator/


@lru_cache(maxsize=4)
def code_hash(package: Path = _CODE) -> str:
    """What the checks' verdict depends on in the lab itself: its version and its core and loading code.

    Args:
        package: the lab's package folder (``simulator/``); the installed one by default.

    Returns:
        16 hex digits, the same for the same lab.
    """
    digest = hashlib.sha256(f"roleplay-lab cache {FORMAT}".encode())
    with contextlib.suppress(OSError):
        init = (package / "__init__.py").read_bytes()
        digest.update(init)
    for layer in ("core", "loading"):
        for file in sorted((package / layer).glob("*.py")):
            try:
                digest.update(file.name.encode() + b"\0" + file.read_bytes() + b"\0")
            except OSError:
                digest.update(file.name.encode() + b"\0unreadable\0")
    return digest.hexdigest()[:16]


def _persona_dirs(source: Path) -> list[Path]:
    """The ``personas/`` folders the loader may look a scenario's persona up in (``loader._persona_file``)."""
    try:
        return [parent / "personas" for parent in list(source.resolve().parents)[:3]]
    except OSError:
        return []


@lru_cache(maxsize=32)
def _folder_digest(folder: Path, stamp: tuple) -> bytes:
    digest = hashlib.sha256(str(folder).encode())
    for file in sorted(folder.glob("*.yaml")):
        try:
            digest.update(file.name.encode() + b"\0" + file.read_bytes() + b"\0")
        except OSError:
            digest.update(file.name.encode() + b"\0unreadable\0")
    return digest.digest()


def _personas_digest(source: Path) -> bytes:
    digest = hashlib.sha256()
    for folder in _persona_dirs(source):
        try:
            if not folder.is_dir():
                continue
            # Re-read a folder whose listing or files changed (names, sizes, times are the stamp).
            stamp = tuple(sorted((f.name, f.stat().st_mtime_ns, f.stat().st_size) for f in folder.glob("*.yaml")))
        except OSError:
            continue
        digest.update(_folder_digest(folder, stamp))
    return digest.digest()


def cache_key(raw: bytes, source: Path) -> str:
    """The cache key of a scenario file's bytes as found at ``source``.

    Args:
        raw: the file's bytes.
        source: where it lies (its library's persona folders are part of the key).

    Returns:
        64 hex digits: the lab's code hash, the file's bytes and its possible personas' bytes, hashed.
    """
    digest = hashlib.sha256(code_hash().encode() + b"\0")
    digest.update(hashlib.sha256(raw).digest())
    digest.update(_personas_digest(source))
    return digest.hexdigest()


def _entry_path(cache: Path, key: str) -> Path:
    return cache / "scenarios" / f"{key}.json"


def _table_path(cache: Path, key: str) -> Path:
    return cache / "scenarios" / f"{key}.replies.json"


def _read_entry(cache: Path, key: str, source: Path) -> Scenario | None:
    """The Scenario a cache entry holds, or None for no entry, or one that is unreadable or wrong."""
    try:
        data = _read_json(_entry_path(cache, key), key)
        if data is None:
            return None
        model = rebuild(ScenarioModel, data["scenario"])
        persona = rebuild(PersonaModel, data["persona"])
        content_hash = data["content_hash"]
        if not isinstance(content_hash, str) or persona.id != model.persona:
            return None
        return Scenario(model, persona, content_hash, source, None, lambda: _read_table(cache, key))
    except Exception:
        return None


def _read_table(cache: Path, key: str) -> ReplyTable | None:
    """The reply table kept beside an entry (read when a session first asks), or None: the scenario's state
    space is then explored as for a scenario loaded without the cache."""
    try:
        data = _read_json(_table_path(cache, key), key)
        return None if data is None else ReplyTable.from_json(data)
    except Exception:
        return None


def _read_json(path: Path, key: str) -> dict | None:
    """A cache file's data when it is of this layout and filed under this key, else None.

    Raises:
        OSError, ValueError, AttributeError: a file that cannot be read or is not a JSON object.
    """
    data = json.loads(path.read_bytes())
    return data if data.get("format") == FORMAT and data.get("key") == key else None


def _write_entry(cache: Path, key: str, scenario: Scenario) -> None:
    """Write an entry and its reply table, each atomically (a reader sees all of a file or none); any failure is
    ignored. The table comes first: the checks explored the state space, so it costs one pass over it."""
    try:
        table = scenario.state_space.table().to_json()
        _write_json(_table_path(cache, key), {"format": FORMAT, "key": key, **table})
    except (OSError, TypeError, ValueError, RecursionError):
        pass  # a kernel explores the space itself
    data = {
        "format": FORMAT,
        "key": key,
        "content_hash": scenario.content_hash,
        "scenario": scenario.model.model_dump(mode="json"),
        "persona": scenario.persona.model_dump(mode="json"),
    }
    with contextlib.suppress(OSError, TypeError, ValueError):
        _write_json(_entry_path(cache, key), data)


def _write_json(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".entry-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(data, out, ensure_ascii=False, separators=(",", ":"))
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


# The scenarios ``warm`` explored in this process, by (key, file): the same bytes, personas and lab give the
# same Scenario object again, with its state space worked out. The fork server warms a class's scenario
# before forking, so no kernel pays that (0.1-0.5 CPU-s a scenario) at its trainee's first reply.
_WARMED: dict[tuple[str, str], Scenario] = {}
# The key each file had when this process last loaded it through the cache: ``warm`` files what it explored
# under it without reading and hashing the file again.
_KEYS: dict[str, str] = {}


def _load_one(path: Path, cache: Path | None) -> tuple[LoadResult, bool]:
    """(the file's result, whether it came from the cache)."""
    if cache is None:
        return load_file(path), False
    try:
        raw = path.read_bytes()
    except OSError:
        return load_file(path), False  # the loader words the error
    key = _KEYS[str(path)] = cache_key(raw, path)
    warmed = _WARMED.get((key, str(path)))
    if warmed is not None:
        return LoadResult(display_path(path), warmed), True
    hit = _read_entry(cache, key, path)
    if hit is not None:
        return LoadResult(display_path(path), hit), True
    result = load_file(path)
    if result.scenario is not None:
        _write_entry(cache, key, result.scenario)
    return result, False


def load_library_cached(folder: Path | str, cache: Path | str | None) -> tuple[dict[str, Scenario], list[Problem], int]:
    """The sound scenarios of a library folder, as ``loader.load_library`` finds them, through the cache.

    Args:
        folder: the library (scenario files, ``personas/`` beside them).
        cache: the cache folder (``settings.cache_dir()``); None checks every file.

    Returns:
        (the sound scenarios by id, the errors of the others, how many came from the cache). A
        scenario id used by two files is an error of the second, as ``load_files`` has it.
    """
    cache = Path(cache) if cache is not None else None
    hits = 0

    def load(path: Path) -> LoadResult:
        nonlocal hits
        try:
            result, hit = _load_one(path, cache)
        except Exception:
            result, hit = load_file(path), False
        hits += hit
        return result

    results = load_files([folder], load=load)
    scenarios = {r.scenario.id: r.scenario for r in results if r.scenario is not None}
    return scenarios, [p for r in results for p in r.errors], hits


def warm(folder: Path | str, cache: Path | str | None, ids: Iterable[str]) -> int:
    """Load a library through the cache and explore the state spaces of some of its scenarios (the best
    reply at every state, each competency's best sum), so this process and its forks have them.

    Args:
        folder: the library.
        cache: the cache folder (None: nothing is kept for later loads).
        ids: the scenarios to explore (an unknown id is passed over).

    Returns:
        How many scenarios were explored.
    """
    scenarios, _problems, _hits = load_library_cached(folder, cache)
    explored = 0
    for sid in ids:
        scenario = scenarios.get(sid)
        if scenario is None:
            continue
        space = scenario.state_space
        space.reply_values(scenario.rules.initial())  # explores the space, memoises the best paths
        _ = space.max_scores  # a cached property: worked out now
        key = _KEYS.get(str(scenario.source))
        if key is not None:  # None: loaded without the cache; loaded again later, it is explored again
            _WARMED[(key, str(scenario.source))] = scenario
        explored += 1
    return explored
