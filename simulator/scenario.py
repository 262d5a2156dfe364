"""Loading scenario and persona files: safe YAML, the schema, and the checks beyond it.

Every problem in a file is collected and raised at once as ``ScenarioErrors``, each with
file, line, column, the path in the document and, for misspelt names, a "did you mean".
Nothing is built from a file until it has passed every check.
"""

from __future__ import annotations

import difflib
import hashlib
import os
import re
import types
import typing
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from pydantic import BaseModel, ValidationError

from .competencies import CATALOGUE, competency_title
from .errors import Problem, ScenarioErrors, display_path
from .model import SCHEMA_VERSION, PersonaModel, ScenarioModel
from .paths import Analysis, score_of
from .rules import BREAKING_POINT, Rules
from .yamlsource import Document, read_document

__all__ = ["Scenario", "check_paths", "load_library", "load_persona", "load_scenario", "parse_scenario"]


@dataclass(frozen=True, eq=False)
class Scenario:
    """A validated scenario with its persona: immutable, ready to play."""

    model: ScenarioModel
    persona: PersonaModel
    content_hash: str
    source: Path | None = None
    document: Document | None = field(default=None, repr=False)

    id = property(lambda self: self.model.id)
    version = property(lambda self: self.model.version)
    title = property(lambda self: self.model.title)
    language = property(lambda self: self.model.language)
    nodes = property(lambda self: self.model.nodes)
    endings = property(lambda self: self.model.endings)
    competencies = property(lambda self: self.model.competencies)
    pass_mark = property(lambda self: self.model.pass_mark)

    @cached_property
    def rules(self) -> Rules:
        return Rules(self.model, self.persona)

    @cached_property
    def analysis(self) -> Analysis:
        return Analysis(self.rules)

    @property
    def decision_points(self) -> int:
        return len(self.model.nodes)

    def competency_title(self, competency: str) -> str:
        declared = self.model.competencies.get(competency)
        if declared is not None and declared.title:
            return declared.title
        return competency_title(competency, self.language)

    def scores(self, raw: dict[str, float]) -> tuple[dict[str, float], float]:
        """Raw score sums → per-competency scores 0-100 and the overall score."""
        return score_of(raw, self.analysis.max_scores, self.model.competencies)


# ---------------------------------------------------------------- did you mean


def did_you_mean(name: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(str(name), sorted(set(choices)), n=1, cutoff=0.6)
    return f" — did you mean '{close[0]}'?" if close else ""


# ---------------------------------------------------------------- schema errors


def _unwrap(t):
    while True:
        origin = typing.get_origin(t)
        if origin is typing.Annotated:
            t = typing.get_args(t)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(t) if a is not type(None)]
            models = [a for a in args if isinstance(a, type) and issubclass(a, BaseModel)]
            t = models[0] if models else args[0]
            if len(args) > 1 and not models:
                return t
        else:
            return t


def _model_at(root: type[BaseModel], path: tuple) -> type[BaseModel] | None:
    t = root
    for part in path:
        t = _unwrap(t)
        if isinstance(t, type) and issubclass(t, BaseModel):
            info = t.model_fields.get(str(part))
            if info is None:
                return None
            t = info.annotation
        elif typing.get_origin(t) is dict:
            t = typing.get_args(t)[1]
        elif typing.get_origin(t) is list:
            t = typing.get_args(t)[0]
        else:
            return None
    t = _unwrap(t)
    return t if isinstance(t, type) and issubclass(t, BaseModel) else None


def _data_path(data, loc: tuple) -> tuple[tuple, bool]:
    """Map a pydantic error location onto the document; True if it points at a dict key."""
    path: list = []
    cur = data
    for part in loc:
        if part == "[key]":
            return tuple(path), True
        if isinstance(cur, dict) and str(part) in cur:
            path.append(str(part))
            cur = cur[str(part)]
        elif isinstance(cur, list) and isinstance(part, int) and part < len(cur):
            path.append(part)
            cur = cur[part]
        elif isinstance(cur, dict) and part == loc[-1]:
            path.append(str(part))  # a missing or unknown field: keep its name
            return tuple(path), False
    return tuple(path), False


_ID_RULE = "use lower-case letters, digits, '_' and '-', starting with a letter"
_SCENARIO_ID_RULE = "use lower-case letters, digits and '-'"


def _schema_message(err: dict, path: tuple, root: type[BaseModel]) -> str:
    kind, value = err["type"], err.get("input")
    name = path[-1] if path else ""
    if kind == "missing":
        return f"missing required field '{name}'"
    if kind == "extra_forbidden":
        model = _model_at(root, path[:-1])
        fields = list(model.model_fields) if model else []
        hint = did_you_mean(name, fields) or (f" — allowed here: {', '.join(fields)}" if fields else "")
        return f"unknown field '{name}'{hint}"
    if kind == "literal_error":
        expected = re.findall(r"'([^']*)'", err.get("ctx", {}).get("expected", "")) or re.findall(
            r"\d+", err.get("ctx", {}).get("expected", "")
        )
        if name == "schema_version":
            return (
                f"schema_version {value!r} is not known to this version of the lab; "
                f"it reads schema_version {SCHEMA_VERSION}"
            )
        return f"'{value}' is not one of: {', '.join(expected)}{did_you_mean(str(value), expected)}"
    if kind == "string_pattern_mismatch":
        rule = _SCENARIO_ID_RULE if path == ("id",) and root is ScenarioModel else _ID_RULE
        return f"'{value}' is not a valid id: {rule}"
    if kind in ("too_short", "too_long"):
        return f"{err['msg'].lower()}"
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return f"expected a whole number, got {value!r}"
    if kind in ("float_type", "float_parsing"):
        return f"expected a number, got {value!r}"
    if kind == "string_type":
        return f"expected text, got {value!r}"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return f"expected a mapping (field: value lines), got {value!r}"
    if kind == "list_type":
        return f"expected a list, got {value!r}"
    if kind == "bool_type" or kind == "bool_parsing":
        return f"expected true or false, got {value!r}"
    return f"{err['msg']} (got {value!r})"


def schema_problems(doc: Document, root: type[BaseModel], exc: ValidationError) -> list[Problem]:
    problems: dict[tuple, Problem] = {}
    errors = exc.errors()
    extras = {(tuple(e["loc"][:-1]), str(e["loc"][-1])) for e in errors if e["type"] == "extra_forbidden"}
    for err in errors:
        if err["type"] == "missing":
            parent, name = tuple(err["loc"][:-1]), str(err["loc"][-1])
            if any(p == parent and difflib.get_close_matches(x, [name], n=1, cutoff=0.6) for p, x in extras):
                continue  # "unknown field 'nxt' — did you mean 'next'?" says it already
        path, is_key = _data_path(doc.data, err["loc"])
        message = f"'{path[-1]}' is not a valid id: {_ID_RULE}" if is_key else _schema_message(err, path, root)
        at_key = is_key or err["type"] in ("extra_forbidden", "missing")
        where = path[:-1] if err["type"] == "missing" else path
        problems.setdefault(path, doc.problem(where, message, key=at_key))
    return list(problems.values())


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
        return None, problems + name_problems(doc, _Loose.of(doc.data))
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
        unique.setdefault((p.file, p.path or (p.line, p.column)), p)
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


class _Loose:
    """The parts of a scenario that failed the schema, as far as their names can be read."""

    def __init__(self, **fields):
        self.__dict__.update(fields)

    @staticmethod
    def _dict(value) -> dict:
        return value if isinstance(value, dict) else {}

    @classmethod
    def of(cls, data: dict) -> _Loose:
        d = cls._dict
        nodes = {}
        for node_id, node in d(data.get("nodes")).items():
            options = d(node).get("options")
            nodes[node_id] = cls(
                options=[
                    cls(next=o["next"], scores=d(o.get("scores")))
                    for o in (options if isinstance(options, list) else [])
                    if isinstance(o, dict) and isinstance(o.get("next"), str)
                ]
            )
        tests = [
            cls(ending=t["ending"], name=t.get("name"))
            for t in (data.get("tests") if isinstance(data.get("tests"), list) else [])
            if isinstance(t, dict) and isinstance(t.get("ending"), str)
        ]
        competencies = {c: cls(title=d(v).get("title")) for c, v in d(data.get("competencies")).items()}
        start = data.get("start") if isinstance(data.get("start"), str) else None
        return cls(nodes=nodes, endings=d(data.get("endings")), start=start, competencies=competencies, tests=tests)


def load_scenario(path: Path | str, *, personas_dir: Path | None = None) -> Scenario:
    """Load a scenario file; raises ScenarioErrors naming file, line and what to fix."""
    path = Path(path)
    file = display_path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ScenarioErrors([Problem(file, 1, 1, "", f"cannot read the file: {exc.strerror or exc}")]) from None
    return parse_scenario(raw, file, source=path, personas_dir=personas_dir)


def name_problems(doc: Document, model: ScenarioModel | _Loose) -> list[Problem]:
    """Checks on names and links, beyond what the schema can say."""
    problems: list[Problem] = []
    nodes, endings = model.nodes, model.endings
    targets = set(nodes) | set(endings)
    for clash in sorted(set(nodes) & set(endings)):
        problems.append(
            doc.problem(
                ("endings", clash), f"duplicate id '{clash}': it names a node and an ending; rename one", key=True
            )
        )
    for name in (BREAKING_POINT,):
        for section in ("nodes", "endings"):
            if name in getattr(model, section):
                problems.append(
                    doc.problem(
                        (section, name),
                        f"'{name}' is reserved for the persona's break-off; choose another id",
                        key=True,
                    )
                )
    if model.start is not None and model.start not in nodes:
        problems.append(
            doc.problem(("start",), f"start node '{model.start}' does not exist" + did_you_mean(model.start, nodes))
        )
    declared = set(model.competencies)
    for comp, info in model.competencies.items():
        if comp not in CATALOGUE and not info.title:
            hint = did_you_mean(comp, CATALOGUE) or " — give it a title to declare a new competency"
            problems.append(doc.problem(("competencies", comp), f"unknown competency '{comp}'{hint}", key=True))
    for node_id, node in nodes.items():
        for i, option in enumerate(node.options):
            here = ("nodes", node_id, "options", i)
            if option.next not in targets:
                problems.append(
                    doc.problem(
                        here + ("next",),
                        f"'{option.next}' is not a node or an ending" + did_you_mean(option.next, targets),
                    )
                )
            for comp in option.scores:
                if comp not in declared:
                    hint = did_you_mean(comp, declared) or " — declare it under competencies:"
                    problems.append(
                        doc.problem(
                            here + ("scores", comp),
                            f"competency '{comp}' is not declared in this scenario{hint}",
                            key=True,
                        )
                    )
    for i, test in enumerate(model.tests):
        if test.ending not in endings and test.ending != BREAKING_POINT:
            problems.append(
                doc.problem(
                    ("tests", i, "ending"),
                    f"'{test.ending}' is not an ending" + did_you_mean(test.ending, [*endings, BREAKING_POINT]),
                )
            )
    names = [t.name for t in model.tests]
    for i, name in enumerate(names):
        if name is not None and name in names[:i]:
            problems.append(doc.problem(("tests", i, "name"), f"duplicate test name '{name}'"))
    return problems


def graph_problems(doc: Document, model: ScenarioModel) -> list[Problem]:
    """The graph, ignoring mood: what can be reached, and what can reach an ending."""
    problems: list[Problem] = []
    nodes, endings = model.nodes, model.endings
    start = model.start or next(iter(nodes))
    reach, stack = {start}, [start]
    while stack:
        for option in nodes[stack.pop()].options:
            if option.next not in reach:
                reach.add(option.next)
                if option.next in nodes:
                    stack.append(option.next)
    for node_id in nodes:
        if node_id not in reach:
            problems.append(
                doc.problem(
                    ("nodes", node_id),
                    f"node '{node_id}' is unreachable: no option "
                    "leads to it — link it with some option's next:, or remove it",
                    key=True,
                )
            )
    leads_out = set(endings)
    changed = True
    while changed:
        changed = False
        for node_id, node in nodes.items():
            if node_id not in leads_out and any(o.next in leads_out for o in node.options):
                leads_out.add(node_id)
                changed = True
    for node_id in nodes:
        if node_id in reach and node_id not in leads_out:
            problems.append(
                doc.problem(
                    ("nodes", node_id),
                    f"node '{node_id}' has no way forward: no chain of options from it reaches an ending",
                    key=True,
                )
            )
    for ending in endings:
        if ending not in reach:
            problems.append(
                doc.problem(("endings", ending), f"ending '{ending}' is never reached: no option leads to it", key=True)
            )
    return problems


def path_problems(doc: Document, scenario: Scenario) -> list[Problem]:
    """Checks that need the conversation's rules: mood, reactions, scoring."""
    problems: list[Problem] = []
    analysis = scenario.analysis
    nodes, endings = analysis.reachable
    for ending in scenario.endings:
        if ending not in endings:
            problems.append(
                doc.problem(
                    ("endings", ending),
                    f"ending '{ending}' is never reached: every path towards it breaks off first (mood or max_turns)",
                    key=True,
                )
            )
    for node_id in scenario.nodes:
        if node_id not in nodes:
            problems.append(
                doc.problem(
                    ("nodes", node_id),
                    f"node '{node_id}' is never reached: every path towards it breaks off first (mood or max_turns)",
                    key=True,
                )
            )
    for comp, top in analysis.max_scores.items():
        if top <= 0:
            problems.append(
                doc.problem(
                    ("competencies", comp),
                    f"no path earns any '{comp}' points: give some option a positive score for it, or remove it",
                    key=True,
                )
            )
    if problems:
        return problems
    best = analysis.optimum(analysis.overall_weights)
    raw = _raw_along(scenario, best.choices)
    _, overall = scenario.scores(raw)
    if max(overall, round(best.value, 1)) < scenario.pass_mark:
        problems.append(
            doc.problem(
                ("pass_mark",),
                f"no path reaches the pass mark {scenario.pass_mark:g}: the best path scores {overall:g}",
            )
        )
    return problems


def _raw_along(scenario: Scenario, choices: Iterable[int]) -> dict[str, float]:
    rules = scenario.rules
    state, raw = rules.initial(), {c: 0.0 for c in rules.competencies}
    for index in choices:
        state, effect = rules.choose(state, index)
        for c, v in effect.scores.items():
            raw[c] += v
    return raw


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


def check_paths(paths: Iterable[Path | str]) -> tuple[list[Scenario], list[Problem]]:
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
    scenarios, problems = check_paths([folder])
    return {s.id: s for s in scenarios}, problems


def default_scenarios_dir() -> Path:
    """$ROLEPLAY_SCENARIOS, else scenarios/ here or one folder up, else the lab's own."""
    env = os.environ.get("ROLEPLAY_SCENARIOS")
    if env:
        return Path(env)
    for base in (Path.cwd(), Path.cwd().parent, Path(__file__).resolve().parents[1]):
        if (base / "scenarios").is_dir():
            return base / "scenarios"
    return Path("scenarios")
