"""Loading scenario and persona files: safe YAML, the schema, and the checks beyond it.

Every problem in a file is collected and raised at once as ``ScenarioErrors``, each with
file, line, column, the path in the document and, for misspelt names, a "did you mean".
Nothing is built from a file until it has passed every check.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

from pydantic import ValidationError

from ..core.model import PersonaModel, ScenarioModel
from ..core.scenario import Scenario
from ..errors import Problem, ScenarioErrors, display_path
from .checks import Loose, did_you_mean, graph_problems, name_problems, path_problems, schema_problems
from .yamlsource import Document, read_document

__all__ = ["check_files", "draft_scenario", "load_library", "load_persona", "load_scenario", "parse_scenario"]


# ---------------------------------------------------------------- personas

_persona_cache: dict[tuple[Path, int, int], tuple[PersonaModel, bytes]] = {}


def _persona_file(persona: str, near: Path | None, personas_dir: Path | None) -> tuple[Path | None, list[str]]:
    dirs = [personas_dir] if personas_dir else []
    if near is not None:
        for parent in list(near.resolve().parents)[:3]:
            dirs.append(parent / "personas")
    known: list[str] = []
    for d in dirs:
        if d is None or not d.is_dir():
            continue
        candidate = d / f"{persona}.yaml"
        if candidate.is_file():
            return candidate, known
        known.extend(p.stem for p in d.glob("*.yaml"))
    return None, known


def load_persona(path: Path | str) -> PersonaModel:
    """Load and validate a persona file; raises ScenarioErrors."""
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
            [doc.problem(("id",), f"the persona id '{model.id}' must match its file name '{path.stem}.yaml'")]
        )
    _persona_cache[key] = (model, raw)
    return model, raw


# ---------------------------------------------------------------- scenarios


def parse_scenario(
    raw: bytes | str, file: str = "<scenario>", *, source: Path | None = None, personas_dir: Path | None = None
) -> Scenario:
    """Validate a scenario's text; raises ScenarioErrors with every problem found."""
    scenario, problems = _check(raw, file, source, personas_dir)
    if problems:
        raise ScenarioErrors(_unique(problems))
    return scenario


def draft_scenario(
    raw: bytes | str, file: str = "<scenario>", *, source: Path | None = None, personas_dir: Path | None = None
) -> tuple[Scenario | None, list[Problem]]:
    """A scenario being written: every problem found, and the Scenario whenever it can be played
    and drawn — it reads, fits the schema and its names resolve — even while parts of it are
    unreachable or lead nowhere. ``parse_scenario`` is the strict form, for the library."""
    try:
        scenario, problems = _check(raw, file, source, personas_dir)
    except ScenarioErrors as exc:
        return None, exc.problems
    return scenario, ScenarioErrors(_unique(problems)).problems if problems else []


def _check(
    raw: bytes | str, file: str, source: Path | None, personas_dir: Path | None
) -> tuple[Scenario | None, list[Problem]]:
    """The checks stage by stage: the problems of the first stage that has any, and the Scenario
    as soon as it can be built (graph and path problems come with it)."""
    if isinstance(raw, str):
        raw = raw.encode("utf-8")
    doc, problems = read_document(raw, file)
    if doc is None:
        return None, problems
    try:
        model = ScenarioModel.model_validate(doc.data)
    except ValidationError as exc:
        # Report the names and links that can still be checked too, not one kind of problem per run.
        problems += schema_problems(doc, ScenarioModel, exc)
        persona = doc.data.get("persona")
        if isinstance(persona, str):
            problems += _persona_problems(doc, persona, source, personas_dir)
        return None, problems + name_problems(doc, Loose.of(doc.data))
    problems += _persona_problems(doc, model.persona, source, personas_dir)
    problems += name_problems(doc, model)
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
        return [doc.problem(("persona",), f"unknown persona '{persona}'{hint}")]
    try:
        _read_persona(persona_path)
    except ScenarioErrors as exc:
        return exc.problems
    return []


def load_scenario(path: Path | str, *, personas_dir: Path | None = None) -> Scenario:
    """Load a scenario file; raises ScenarioErrors naming file, line and what to fix."""
    path = Path(path)
    file = display_path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ScenarioErrors([Problem(file, 1, 1, "", f"cannot read the file: {exc.strerror or exc}")]) from None
    return parse_scenario(raw, file, source=path, personas_dir=personas_dir)


# ---------------------------------------------------------------- many files


def scenario_files(paths: Iterable[Path | str]) -> list[Path]:
    """Scenario files named or found under the folders named (personas/ and schema/ excluded)."""
    files: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            files.extend(
                sorted(f for f in p.rglob("*.y*ml") if not {"personas", "schema"} & set(f.relative_to(p).parts[:-1]))
            )
        else:
            files.append(p)
    return files


def check_files(paths: Iterable[Path | str]) -> tuple[list[Scenario], list[Problem]]:
    """Load every scenario under paths; return the sound ones and every problem found."""
    scenarios: list[Scenario] = []
    problems: list[Problem] = []
    seen: dict[str, Scenario] = {}
    for path in scenario_files(paths):
        if not path.exists():
            problems.append(Problem(display_path(path), 1, 1, "", "no such file or folder"))
            continue
        try:
            scenario = load_scenario(path)
        except ScenarioErrors as exc:
            problems.extend(exc.problems)
            continue
        if scenario.id in seen:
            first = seen[scenario.id].source
            problems.append(
                scenario.document.problem(
                    ("id",), f"duplicate scenario id '{scenario.id}' (also in {display_path(first)})"
                )
            )
            continue
        seen[scenario.id] = scenario
        scenarios.append(scenario)
    return scenarios, problems


def load_library(folder: Path | str) -> tuple[dict[str, Scenario], list[Problem]]:
    """The sound scenarios of a folder by id, and the problems of the others."""
    scenarios, problems = check_files([folder])
    return {s.id: s for s in scenarios}, problems


check_paths = check_files  # the name before 0.2: "path" now means a conversation path only
