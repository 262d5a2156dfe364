"""The checks a scenario file must pass beyond reading as YAML: the schema, names and links,
the graph, and what the conversation rules allow (mood, turns, scoring).

Each returns located ``Problem``s (file, line, column, location in the document) and, for a
misspelt name, the nearest valid one.
"""

from __future__ import annotations

import difflib
import re
import types
import typing
from collections.abc import Iterable

from pydantic import BaseModel, ValidationError

from ..core.competencies import CATALOGUE
from ..core.matching import matcher_names
from ..core.model import SCHEMA_VERSION, PersonaModel, ScenarioModel
from ..core.rules import BREAKING_POINT
from ..core.scenario import Scenario
from ..errors import Problem
from .yamlsource import Document, shown


def did_you_mean(name: str, choices: Iterable[str]) -> str:
    name = str(name)[:200]  # no id is longer; difflib need not read a huge value
    close = difflib.get_close_matches(name, sorted(set(choices)), n=1, cutoff=0.6)
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
        return f"unknown field {shown(name)}{hint}"
    if kind == "literal_error":
        expected = re.findall(r"'([^']*)'", err.get("ctx", {}).get("expected", "")) or re.findall(
            r"\d+", err.get("ctx", {}).get("expected", "")
        )
        if name == "schema_version":
            return (
                f"schema_version {shown(value)} is not known to this version of the lab; "
                f"it reads schema_version {SCHEMA_VERSION}"
            )
        return f"{shown(str(value))} is not one of: {', '.join(expected)}{did_you_mean(str(value), expected)}"
    if kind == "string_pattern_mismatch":
        rule = _SCENARIO_ID_RULE if path == ("id",) and root is ScenarioModel else _ID_RULE
        return f"{shown(value)} is not a valid id: {rule}"
    if kind in ("too_short", "too_long"):
        return f"{err['msg'].lower()}"
    if kind == "string_too_short":
        return "the text is empty — write something here, or remove the field"
    if kind == "string_too_long":
        return f"too long: at most {err.get('ctx', {}).get('max_length', 0):,} characters, not {len(str(value)):,}"
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return f"expected a whole number, got {shown(value)}"
    if kind in ("float_type", "float_parsing", "finite_number"):
        return f"expected a number, got {shown(value)}"
    if kind == "string_type":
        return f"expected text, got {shown(value)}"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return f"expected a mapping (field: value lines), got {shown(value)}"
    if kind in ("list_type", "tuple_type"):
        return f"expected a list, got {shown(value)}"
    if kind == "bool_type" or kind == "bool_parsing":
        return f"expected true or false, got {shown(value)}"
    if kind in ("control_character", "invisible_text", "line_break"):
        return err["msg"]  # the model's own words (core/model.py)
    return f"{err['msg']} (got {shown(value)})"


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
        message = f"{shown(path[-1])} is not a valid id: {_ID_RULE}" if is_key else _schema_message(err, path, root)
        at_key = is_key or err["type"] in ("extra_forbidden", "missing")
        where = path[:-1] if err["type"] == "missing" else path
        problems.setdefault(path, doc.problem(where, message, key=at_key))
    return list(problems.values())


class Loose:
    """The parts of a scenario that failed the schema, as far as their names can be read."""

    def __init__(self, **fields):
        self.__dict__.update(fields)

    @staticmethod
    def _dict(value) -> dict:
        return value if isinstance(value, dict) else {}

    @classmethod
    def of(cls, data: dict) -> Loose:
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
        matcher = d(data.get("matching")).get("matcher")
        return cls(
            nodes=nodes,
            endings=d(data.get("endings")),
            start=start,
            competencies=competencies,
            tests=tests,
            matching=cls(matcher=matcher if isinstance(matcher, str) else None),
        )


def name_problems(doc: Document, model: ScenarioModel | Loose) -> list[Problem]:
    """Checks on names and links, beyond what the schema can say."""
    problems: list[Problem] = []
    nodes, endings = model.nodes, model.endings
    targets = set(nodes) | set(endings)
    for clash in sorted(set(nodes) & set(endings)):
        problems.append(
            doc.problem(
                ("endings", clash), f"duplicate id {shown(clash)}: it names a node and an ending; rename one", key=True
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
            doc.problem(
                ("start",), f"start node {shown(model.start)} does not exist" + did_you_mean(model.start, nodes)
            )
        )
    declared = set(model.competencies)
    for comp, info in model.competencies.items():
        if comp not in CATALOGUE and not info.title:
            hint = did_you_mean(comp, CATALOGUE) or " — give it a title to declare a new competency"
            problems.append(doc.problem(("competencies", comp), f"unknown competency {shown(comp)}{hint}", key=True))
    for node_id, node in nodes.items():
        for i, option in enumerate(node.options):
            here = ("nodes", node_id, "options", i)
            if option.next not in targets:
                problems.append(
                    doc.problem(
                        here + ("next",),
                        f"{shown(option.next)} is not a node or an ending" + did_you_mean(option.next, targets),
                    )
                )
            for comp in option.scores:
                if comp not in declared:
                    hint = did_you_mean(comp, declared) or " — declare it under competencies:"
                    problems.append(
                        doc.problem(
                            here + ("scores", comp),
                            f"competency {shown(comp)} is not declared in this scenario{hint}",
                            key=True,
                        )
                    )
    for i, test in enumerate(model.tests):
        if test.ending not in endings and test.ending != BREAKING_POINT:
            problems.append(
                doc.problem(
                    ("tests", i, "ending"),
                    f"{shown(test.ending)} is not an ending" + did_you_mean(test.ending, [*endings, BREAKING_POINT]),
                )
            )
    names = [t.name for t in model.tests]
    for i, name in enumerate(names):
        if name is not None and name in names[:i]:
            problems.append(doc.problem(("tests", i, "name"), f"duplicate test name {shown(name)}"))
    matcher = model.matching.matcher
    if matcher is not None and matcher not in matcher_names():
        known = matcher_names()
        hint = did_you_mean(matcher, known) or f" — the lab has: {', '.join(known)}"
        problems.append(doc.problem(("matching", "matcher"), f"unknown reply matcher {shown(matcher)}{hint}"))
    return problems


def persona_problems(doc: Document, model: PersonaModel) -> list[Problem]:
    """Checks on a persona's names beyond the schema: its reactions' ids and the competencies they score."""
    problems: list[Problem] = []
    ids = [r.id for r in model.reactions]
    for i, reaction in enumerate(model.reactions):
        if reaction.id in ids[:i]:
            problems.append(doc.problem(("reactions", i, "id"), f"duplicate reaction id {shown(reaction.id)}"))
        for comp in reaction.scores:
            # A competency outside the catalogue counts only in scenarios that declare it; a near miss
            # of one in the catalogue is a typo that would never score.
            hint = did_you_mean(comp, CATALOGUE) if comp not in CATALOGUE else ""
            if hint:
                problems.append(
                    doc.problem(("reactions", i, "scores", comp), f"unknown competency {shown(comp)}{hint}", key=True)
                )
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
    analysis = scenario.state_space
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
