"""Loading scenario and persona files: safe YAML, the schema, and the checks beyond it.

Every problem in a file is collected and raised at once as ``ScenarioErrors``, each with
file, line, column, the path in the document and, for misspelt names, a "did you mean".
Nothing is built from a file until it has passed every check.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from pydantic import ValidationError

from ..core.model import ID_MAX, ID_PATTERN, PersonaModel, ScenarioModel
from ..core.scenario import Scenario
from ..errors import Problem, ScenarioErrors, display_path
from .checks import (
    Loose,
    did_you_mean,
    graph_problems,
    name_problems,
    path_problems,
    persona_problems,
    schema_problems,
)
from .phrases import PHRASES_FOLDER, coach_problems
from .yamlsource import Document, read_document, shown

__all__ = [
    "DRAFTS_FOLDER",
    "LoadResult",
    "check_files",
    "check_scenario",
    "draft_scenario",
    "load_file",
    "load_files",
    "load_library",
    "load_persona",
    "load_scenario",
    "parse_scenario",
]

DRAFTS_FOLDER = "drafts"  # the studio saves a scenario with problems here, beside the library (studio/files.py)


# ---------------------------------------------------------------- personas

_persona_cache: dict[tuple[Path, int, int], tuple[PersonaModel, bytes]] = {}


_PERSONA_ID = re.compile(ID_PATTERN)


def _is_persona_id(persona: object) -> bool:
    """Whether a scenario's ``persona:`` is an id (the only thing ever looked up as a file)."""
    return isinstance(persona, str) and len(persona) <= ID_MAX and _PERSONA_ID.fullmatch(persona) is not None


def _persona_file(persona: str, near: Path | None, personas_dir: Path | None) -> tuple[Path | None, list[str]]:
    """The persona's file in a ``personas/`` folder (the one given, else beside the scenario or up to
    two folders above it), and the ids known there. The file is always inside its folder: the id
    has no path in it, and a link that leads out of the folder is not followed."""
    if not _is_persona_id(persona):
        return None, []
    dirs = [personas_dir] if personas_dir else []
    if near is not None:
        for parent in list(near.resolve().parents)[:3]:
            dirs.append(parent / "personas")
    known: list[str] = []
    for d in dirs:
        try:
            if d is None or not d.is_dir():
                continue
            folder = d.resolve()
            candidate = d / f"{persona}.yaml"
            if candidate.is_file() and candidate.resolve().parent == folder:
                return candidate, known
            known.extend(p.stem for p in d.glob("*.yaml") if _is_persona_id(p.stem) and p.resolve().parent == folder)
        except OSError:
            continue
    return None, known


def load_persona(path: Path | str) -> PersonaModel:
    """Load and validate a persona file.

    Args:
        path: the persona file (``personas/<id>.yaml``).

    Returns:
        The persona's model.

    Raises:
        ScenarioErrors: every problem found, located.
    """
    model, _raw = _read_persona(Path(path))
    return model


def _read_persona(path: Path) -> tuple[PersonaModel, bytes]:
    stat = path.stat()
    key = (path.resolve(), stat.st_mtime_ns, stat.st_size)
    if key in _persona_cache:
        return _persona_cache[key]
    raw = path.read_bytes()
    file = display_path(path)
    doc, problems = read_document(raw, file)
    if doc is None or problems:
        raise ScenarioErrors(problems)
    try:
        model = PersonaModel.model_validate(doc.data)
    except ValidationError as exc:
        raise ScenarioErrors(schema_problems(doc, PersonaModel, exc)) from None
    if model.id != path.stem:
        raise ScenarioErrors(
            [doc.problem(("id",), f"the persona id {shown(model.id)} must match its file name '{path.stem}.yaml'")]
        )
    problems = persona_problems(doc, model)
    if problems:
        raise ScenarioErrors(problems)
    _persona_cache[key] = (model, raw)
    return model, raw


# ---------------------------------------------------------------- one result for every caller


@dataclass(frozen=True)
class LoadResult:
    """What loading one scenario file found: the scenario (or a draft of it), its errors, its warnings.

    Every caller that "validates" reads this one object: ``roleplay validate``, the studio's
    live check and the apps' library. ``draft`` is the Scenario whenever it can be played and
    drawn (it reads, fits the schema, its names resolve), even while parts of it are
    unreachable; ``scenario`` is set only when there is no error at all.

    Args:
        file: the file as the user would type it (or the name given to text).
        draft: the Scenario, if one could be built.
        errors: located problems that make the file unsound.
        warnings: located notes that do not (trap loops, options that never matter).
    """

    file: str
    draft: Scenario | None = None
    errors: tuple[Problem, ...] = ()
    warnings: tuple[Problem, ...] = ()

    @property
    def scenario(self) -> Scenario | None:
        """The sound Scenario, or None when the file has any error."""
        return None if self.errors else self.draft

    @property
    def ok(self) -> bool:
        """True when the file has no error (warnings allowed)."""
        return self.scenario is not None

    @property
    def problems(self) -> list[Problem]:
        """Errors and warnings together, in file order."""
        return sorted(self.errors + self.warnings, key=lambda p: (p.file, p.line, p.column, p.message))

    def unwrap(self) -> Scenario:
        """The sound Scenario.

        Returns:
            The Scenario.

        Raises:
            ScenarioErrors: every error of the file, when it has any.
        """
        if self.errors or self.draft is None:
            raise ScenarioErrors(list(self.errors) or [Problem(self.file, 1, 1, "", "no scenario could be built")])
        return self.draft

    def with_warnings(self, warnings: Iterable[Problem]) -> LoadResult:
        """This result with more warnings (the studio adds the path report's)."""
        return replace(self, warnings=self.warnings + tuple(warnings))


def check_scenario(
    raw: bytes | str, file: str = "<scenario>", *, source: Path | None = None, personas_dir: Path | None = None
) -> LoadResult:
    """Run every check on a scenario's text.

    Args:
        raw: the file's bytes (or text).
        file: its name in messages.
        source: the file on disk, if any (its library's ``personas/`` is searched).
        personas_dir: a personas folder to search first.

    Returns:
        A ``LoadResult`` with the scenario or draft and every error found, located. It never
        raises for what a file holds: should a check fail unexpectedly, that is an error of this
        file's result, and the other files of a library still load.
    """
    try:
        scenario, problems = _check(raw, file, source, personas_dir)
    except ScenarioErrors as exc:
        return LoadResult(file, None, tuple(exc.problems))
    except Exception as exc:  # a file the checks did not foresee must not take a library down
        return LoadResult(file, None, (_unforeseen(file, exc),))
    errors = ScenarioErrors(_unique(problems)).problems if problems else []
    return LoadResult(file, scenario, tuple(errors))


def load_file(path: Path | str, *, personas_dir: Path | None = None) -> LoadResult:
    """Run every check on a scenario file (an unreadable file is an error of the result, not an exception).

    Args:
        path: the scenario file.
        personas_dir: a personas folder to search first.

    Returns:
        The file's ``LoadResult``.
    """
    path = Path(path)
    file = display_path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return LoadResult(file, None, (Problem(file, 1, 1, "", f"cannot read the file: {exc.strerror or exc}"),))
    return check_scenario(raw, file, source=path, personas_dir=personas_dir)


# ---------------------------------------------------------------- scenarios


def parse_scenario(
    raw: bytes | str, file: str = "<scenario>", *, source: Path | None = None, personas_dir: Path | None = None
) -> Scenario:
    """Validate a scenario's text, strictly (the library's form).

    Args:
        raw: the file's bytes (or text).
        file: its name in messages.
        source: the file on disk, if any.
        personas_dir: a personas folder to search first.

    Returns:
        The sound Scenario.

    Raises:
        ScenarioErrors: every problem found, each with file, line, column and location.
    """
    return check_scenario(raw, file, source=source, personas_dir=personas_dir).unwrap()


def draft_scenario(
    raw: bytes | str, file: str = "<scenario>", *, source: Path | None = None, personas_dir: Path | None = None
) -> tuple[Scenario | None, list[Problem]]:
    """A scenario being written: the Scenario whenever it can be played and drawn, and every problem.

    Args:
        raw: the file's bytes (or text).
        file: its name in messages.
        source: the file on disk, if any.
        personas_dir: a personas folder to search first.

    Returns:
        (the draft Scenario or None, every error found); ``check_scenario`` gives the same as a ``LoadResult``.
    """
    result = check_scenario(raw, file, source=source, personas_dir=personas_dir)
    return result.draft, list(result.errors)


def _check(
    raw: bytes | str, file: str, source: Path | None, personas_dir: Path | None
) -> tuple[Scenario | None, list[Problem]]:
    """The checks stage by stage: the problems of the first stage that has any, and the Scenario
    as soon as it can be built (graph and path problems come with it)."""
    if isinstance(raw, str):
        raw = raw.encode("utf-8", "surrogatepass")  # a lone surrogate is then a located UTF-8 error
    doc, problems = read_document(raw, file)
    if doc is None:
        return None, problems
    try:
        model = ScenarioModel.model_validate(doc.data)
    except ValidationError as exc:
        # Report the names and links that can still be checked too, not one kind of problem per run.
        problems += schema_problems(doc, ScenarioModel, exc)
        persona = doc.data.get("persona")
        if _is_persona_id(persona):  # anything else is the schema's error, never a path to open
            problems += _persona_problems(doc, persona, source, personas_dir)
        return None, problems + name_problems(doc, Loose.of(doc.data))
    problems += _persona_problems(doc, model.persona, source, personas_dir)
    problems += name_problems(doc, model)
    problems += coach_problems(doc, model, source)
    if problems:
        return None, problems
    problems = graph_problems(doc, model)
    try:
        scenario = _build(raw, doc, model, source, personas_dir)
    except ScenarioErrors:
        if problems:  # the graph's problems come first
            return None, problems
        raise
    return scenario, problems or path_problems(doc, scenario)


def _build(raw: bytes, doc: Document, model: ScenarioModel, source: Path | None, personas_dir: Path | None) -> Scenario:
    persona_path, _ = _persona_file(model.persona, source, personas_dir)
    persona, persona_raw = _read_persona(persona_path)
    digest = hashlib.sha256(raw.replace(b"\r\n", b"\n") + b"\0" + persona_raw.replace(b"\r\n", b"\n"))
    return Scenario(model, persona, digest.hexdigest()[:16], source, doc)


def _unforeseen(file: str, exc: Exception) -> Problem:
    """An exception no check foresaw, as an error of the file being checked (a bug of the lab's to report)."""
    return Problem(
        file,
        1,
        1,
        "",
        f"this file could not be checked ({type(exc).__name__}: {shown(str(exc))}); "
        "the lab has a bug here — please report it with the file",
    )


def _unique(problems: list[Problem]) -> list[Problem]:
    """Every distinct problem once (a schema error and a name check may meet at one path)."""
    unique: dict[tuple, Problem] = {}
    for p in problems:
        unique.setdefault((p.file, p.location or (p.line, p.column)), p)
    return list(unique.values())


def _persona_problems(doc: Document, persona: str, source: Path | None, personas_dir: Path | None) -> list[Problem]:
    persona_path, known = _persona_file(persona, source, personas_dir)
    if persona_path is None:
        hint = did_you_mean(persona, known) or (
            f" — known personas: {', '.join(sorted(set(known)))}" if known else " — no personas/ folder was found"
        )
        return [doc.problem(("persona",), f"unknown persona {shown(persona)}{hint}")]
    try:
        _read_persona(persona_path)
    except ScenarioErrors as exc:
        return exc.problems
    return []


def load_scenario(path: Path | str, *, personas_dir: Path | None = None) -> Scenario:
    """Load a scenario file, strictly.

    Args:
        path: the scenario file.
        personas_dir: a personas folder to search first.

    Returns:
        The sound Scenario.

    Raises:
        ScenarioErrors: naming file, line and what to fix.
    """
    return load_file(path, personas_dir=personas_dir).unwrap()


# ---------------------------------------------------------------- many files


def scenario_files(paths: Iterable[Path | str]) -> list[Path]:
    """Scenario files named or found under the folders named (personas/, phrases/, schema/ and the studio's
    drafts/ excluded: a draft saved with problems never takes the last sound version off the library)."""
    files: list[Path] = []
    for p in map(Path, paths):
        try:
            folder = p.is_dir()
        except (OSError, ValueError):  # a name too long, or with a NUL: not a folder, and its own error
            folder = False
        if folder:
            files.extend(
                sorted(
                    f
                    for f in p.rglob("*.y*ml")
                    if not {"personas", PHRASES_FOLDER, "schema", DRAFTS_FOLDER} & set(f.relative_to(p).parts[:-1])
                )
            )
        else:
            files.append(p)
    return files


def load_files(paths: Iterable[Path | str], load: Callable[[Path], LoadResult] | None = None) -> list[LoadResult]:
    """A ``LoadResult`` for every scenario file named or found under the folders named.

    A file whose scenario id another file already uses gets that as an error; a name that
    does not exist is an error of its own result.

    Args:
        paths: scenario files and folders.
        load: how one file is loaded (default ``load_file``; the scenario cache passes its own).

    Returns:
        One result per file, in order.
    """
    load = load or load_file
    results: list[LoadResult] = []
    seen: dict[str, Scenario] = {}
    for path in scenario_files(paths):
        file = str(path)
        try:
            file = display_path(path)
            if not path.exists():
                results.append(LoadResult(file, None, (Problem(file, 1, 1, "", "no such file or folder"),)))
                continue
            result = load(path)
        except Exception as exc:  # one file never stops the others
            results.append(LoadResult(file, None, (_unforeseen(file, exc),)))
            continue
        scenario = result.scenario
        if scenario is not None and scenario.id in seen:
            message = f"duplicate scenario id '{scenario.id}' (also in {display_path(seen[scenario.id].source)})"
            if scenario.document is not None:
                duplicate = scenario.document.problem(("id",), message)
            else:  # read back from the scenario cache: no document to point into
                duplicate = Problem(result.file, 1, 1, "id", message)
            result = replace(result, errors=(duplicate,))
        elif scenario is not None:
            seen[scenario.id] = scenario
        results.append(result)
    return results


def check_files(paths: Iterable[Path | str]) -> tuple[list[Scenario], list[Problem]]:
    """Load every scenario under paths.

    Args:
        paths: scenario files and folders.

    Returns:
        (the sound scenarios, every error found in the others).
    """
    results = load_files(paths)
    return [r.scenario for r in results if r.scenario is not None], [p for r in results for p in r.errors]


def load_library(folder: Path | str) -> tuple[dict[str, Scenario], list[Problem]]:
    """The sound scenarios of a library folder.

    Args:
        folder: the library (scenario files, ``personas/`` beside them).

    Returns:
        (the sound scenarios by id, the errors of the others).
    """
    scenarios, problems = check_files([folder])
    return {s.id: s for s in scenarios}, problems


check_paths = check_files  # the name before 0.2: "path" now means a conversation path only
