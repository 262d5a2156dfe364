"""The path report: what the paths through a scenario can reach, for trainers.

Exact over the scenario's state space (``simulator.core.statespace``: node, mood, turns,
remembered tags), so it is exact with persona reactions and the breaking point, and
terminates with loops because every reply counts towards ``max_turns``.

``analyse(scenario)`` gathers what a trainer wants to know into one ``PathReport``: the
best, worst and shortest passing paths, the score ranges, the loops that can trap a
trainee, the options that never matter and how each ending is reached. A *path* here is a
sequence of options; a typed reply that is not understood only costs a turn and some mood,
and is left to the random walks (``simulator.studio.walks``), which play the real engine.
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from operator import add, ge, le

from ..core.rules import BREAKING_POINT, Rules, State
from ..core.scenario import Scenario
from ..core.scoring import overall_function, score_of
from ..core.statespace import StateSpace
from ..errors import Problem, ScenarioTooLarge
from ..loading.loader import LoadResult
from ..loading.yamlsource import Document

DEFAULT_MAX_STATES = 300_000


@dataclass
class PathAnalysis:
    """The trainer's questions about a scenario's paths, asked of its state space.

    Built by ``path_analysis(scenario)``, once per loaded scenario; the state space itself
    (``Scenario.state_space``) is the runtime's and is explored only once.
    """

    space: StateSpace
    _escape_memo: dict = field(default_factory=dict, repr=False)
    _deltas: dict = field(default_factory=dict, repr=False)  # per state: (option, score changes as a tuple, next)

    # The state space's parts these questions read, named as they are there; bound once, as plain
    # attributes, because the report's walks read them in their innermost loops.
    rules: Rules = field(init=False, repr=False)
    _graph: dict = field(init=False, repr=False)

    def __post_init__(self) -> None:
        space = self.space
        self.rules, self._graph = space.rules, space._graph
        self._breaches, self._explore, self._optimum, self.optimum = (
            space._breaches,
            space._explore,
            space._optimum,
            space.optimum,
        )

    max_scores = property(lambda self: self.space.max_scores)
    overall_weights = property(lambda self: self.space.overall_weights)
    reachable = property(lambda self: self.space.reachable)

    # -------------------------------------------------------------- the report's questions
    # Paths here are sequences of options from the start. The graph may also hold states only
    # a not-understood reply reaches (the engine explores them when met); these walks start at
    # the initial state and follow options, so they never see those.

    @cached_property
    def _forward(self) -> tuple[list[tuple], dict[tuple, tuple[tuple, int] | None]]:
        """The states option paths reach, breadth first, with the (state, option) first reaching each.

        Every reply adds a turn, so breadth first is by turns: a topological order of the DAG,
        and the first way to a state is a shortest one.
        """
        start = self.rules.key(self.rules.initial())
        parent: dict[tuple, tuple[tuple, int] | None] = {start: None}
        order = [start]
        for key in order:  # the list grows while it is read: a queue
            for index, _scores, nxt, _ending in self._graph[key]:
                if nxt is not None and nxt not in parent:
                    parent[nxt] = (key, index)
                    order.append(nxt)
        return order, parent

    def path_to(self, key: tuple) -> tuple[int, ...]:
        """The option indexes (0-based) of a shortest path from the start to a state."""
        parent = self._forward[1]
        choices: list[int] = []
        step = parent[key]
        while step is not None:
            key, index = step
            choices.append(index)
            step = parent[key]
        return tuple(reversed(choices))

    def states(self, limit: int | None = None) -> int:
        """How many states option paths reach; ScenarioTooLarge beyond limit."""
        count = len(self._forward[0])
        if limit is not None and count > limit:
            raise ScenarioTooLarge(self.rules.model.id, limit, f"its {count:,} conversation states")
        return count

    def scored(self, choices: tuple[int, ...]) -> ScoredPath:
        """Play option indexes through the rules and score them as a session is scored."""
        rules, model = self.rules, self.rules.model
        state, raw = rules.initial(), {c: 0.0 for c in rules.competencies}
        nodes: list[str] = []
        breaches: list[str] = []
        for index in choices:
            nodes.append(state.node)
            state, effect = rules.choose(state, index)
            for c, v in effect.scores.items():
                raw[c] += v
            if effect.breach:
                breaches.append(effect.breach)
        if state.ending is None:
            raise ValueError(f"the choices {choices} stop at node '{state.node}' before an ending")
        per, overall = score_of(raw, self.max_scores, model.competencies)
        if state.ending == BREAKING_POINT:
            outcome = (model.breaking_point or rules.persona.on_break).outcome
        else:
            outcome = model.endings[state.ending].outcome
        return ScoredPath(
            choices=tuple(choices),
            nodes=tuple(nodes),
            ending=state.ending,
            outcome=outcome,
            overall=overall,
            scores=per,
            final_mood=state.mood,
            breaches=tuple(breaches),
            passed=overall >= model.pass_mark and not breaches,
        )

    def extremes(self, limit: int | None = DEFAULT_MAX_STATES) -> Extremes:
        """Best, worst and shortest passing paths and the score ranges, scored exactly.

        The overall score is the weighted mean of competency scores clipped to 0-100, so it is
        not a linear sum of score changes. But it never falls when a competency's raw sum
        rises, so a forward pass that keeps, per state, only the raw-sum vectors no other
        vector there beats in every competency (the Pareto frontier) loses no path that could
        be best, worst or passing. Every answer is then replayed through the rules and
        scored with ``score_of``, as a session would be. The frontier entries count against
        ``limit`` (ScenarioTooLarge beyond it).
        """
        order = self._forward[0]
        self.states(limit)
        comps, model = self.rules.competencies, self.rules.model
        overall = overall_function(comps, self.max_scores, model.competencies)
        picks: dict[str, tuple] = {}
        high: list[float] = [-math.inf] * len(comps)
        low: list[float] = [math.inf] * len(comps)
        top, bottom = -math.inf, math.inf
        for sign in (1, -1):
            fronts, finals = self._frontier(order, sign, limit)
            for (turns, breached), ends in finals.items():
                vecs = list(ends)
                values = [overall(v) for v in vecs]
                if sign > 0:
                    i = max(range(len(vecs)), key=values.__getitem__)  # the first of equals
                    final, value = (fronts, ends[vecs[i]]), values[i]
                    high = [max(h, *col) for h, col in zip(high, zip(*vecs, strict=True), strict=True)]
                    top = max(top, value)
                    _keep(picks, "best_any", (value, -turns), final)
                    if not breached:
                        _keep(picks, "best", (value, -turns), final)
                        if value >= model.pass_mark:
                            _keep(picks, "shortest_pass", (-turns, value), final)
                else:
                    i = min(range(len(vecs)), key=values.__getitem__)
                    final, value = (fronts, ends[vecs[i]]), values[i]
                    low = [min(lo, *col) for lo, col in zip(low, zip(*vecs, strict=True), strict=True)]
                    bottom = min(bottom, value)
                    _keep(picks, "worst", (-value, -turns), final)
        best = self.scored(_choices(*picks.get("best", picks["best_any"])[1]))
        worst = self.scored(_choices(*picks["worst"][1]))
        shortest = picks.get("shortest_pass")
        ranges = {}
        for i, c in enumerate(comps):
            lo, hi = (score_of({c: v}, self.max_scores, {c: model.competencies[c]})[0][c] for v in (low[i], high[i]))
            ranges[c] = ScoreRange(lo, hi)
        return Extremes(
            best=best,
            worst=worst,
            shortest_pass=None if shortest is None else self.scored(_choices(*shortest[1])),
            ranges=ranges,
            overall=ScoreRange(bottom, top),
        )

    def _frontier(self, order: list[tuple], sign: int, limit: int | None) -> tuple[dict, dict]:
        """Per (state, breached so far): the Pareto-best (sign 1) or -worst (sign -1) raw-sum
        vectors, each with a back pointer (state, breached, vector, option) to where it came
        from; and the raw sums at the end of paths, by (replies, breached), with theirs."""
        comps = self.rules.competencies
        start = order[0]
        fronts: dict[tuple, dict[tuple, tuple | None]] = {(start, False): {tuple(0.0 for _ in comps): None}}
        finals: dict[tuple[int, bool], dict[tuple, tuple]] = {}
        deltas = self._deltas
        kept = len(order)
        for key in order:
            breaches = self._breaches(key)
            edges = deltas.get(key)
            if edges is None:
                edges = deltas[key] = [
                    (i, tuple(s.get(c, 0.0) for c in comps), nxt) for i, s, nxt, _e in self._graph[key]
                ]
            for breached in (False, True):
                here = fronts.get((key, breached))
                if not here:
                    continue
                here = fronts[(key, breached)] = _pareto(here, sign)
                kept += len(here)
                if limit is not None and kept > limit:
                    raise ScenarioTooLarge(self.rules.model.id, limit, "the score combinations along its paths")
                for index, delta, nxt in edges:
                    now = breached or index in breaches
                    if nxt is None:
                        into = finals.setdefault((key[2] + 1, now), {})
                    else:
                        into = fronts.setdefault((nxt, now), {})
                    for vec in here:
                        new = tuple(map(add, vec, delta))
                        if new not in into:
                            into[new] = (key, breached, vec, index)
        return fronts, finals

    def _free_step(self, node: str, mood: int, seen: frozenset[str], index: int) -> tuple[str, tuple | str | None]:
        """One option, with the turn limit set aside: ("node", next), ("end", ending) or ("break", None)."""
        new, _ = self.rules.choose(State(node, mood, 0, seen), index)
        if new.ending is None:
            return "node", (new.node, new.mood, new.seen)
        if new.ending != BREAKING_POINT:
            return "end", new.ending
        target = self.rules.model.nodes[node].options[index].next
        if new.mood > self.rules.persona.mood.breaking_point and target in self.rules.model.nodes:
            return "node", (target, new.mood, new.seen)  # only max_turns 1 ends here: set aside
        return "break", None

    def _escapable(self, limit: int | None) -> set[tuple]:
        """(node, mood, remembered tags) from which some replies reach a scenario ending, however
        many turns it takes: the states a trainee can still talk their way out of."""
        if limit in self._escape_memo:
            return self._escape_memo[limit]
        seen = {(k[0], k[1], k[3]) for k in self._forward[0]}
        stack, good = list(seen), set()
        back: dict[tuple, list[tuple]] = {}
        while stack:
            p = stack.pop()
            for index in range(len(self.rules.model.nodes[p[0]].options)):
                kind, q = self._free_step(*p, index)
                if kind == "end":
                    good.add(p)
                elif kind == "node":
                    back.setdefault(q, []).append(p)
                    if q not in seen:
                        seen.add(q)
                        stack.append(q)
            if limit is not None and len(seen) > limit:
                raise ScenarioTooLarge(self.rules.model.id, limit, "the moods and tags its loops can reach")
        todo = list(good)
        while todo:
            for p in back.get(todo.pop(), ()):
                if p not in good:
                    good.add(p)
                    todo.append(p)
        self._escape_memo[limit] = good
        return good

    def loops(self, limit: int | None = DEFAULT_MAX_STATES) -> list[Loop]:
        """Cycles of nodes a trainee can go round, with the options that stay and the ways out.

        A loop is a set of nodes that lead to each other (a strongly connected part of the
        node graph) that some path really goes round: the states are checked, so a cycle that
        the mood or the turn limit always cuts short is not one. It is a *trap* when a path
        can reach a state in it, still able to go round, from which no replies reach a
        scenario ending however many turns were allowed: only the breaking point or the turn
        limit can end it. Persona reactions and mood count (``_escapable``).
        """
        order = self._forward[0]
        self.states(limit)
        model = self.rules.model
        reached = {key[0] for key in order}
        ids = [n for n in model.nodes if n in reached]
        succ = {n: {o.next for o in model.nodes[n].options if o.next in model.nodes} for n in ids}
        after = {n: _closure(n, succ) for n in ids}
        loops: list[Loop] = []
        taken: set[str] = set()
        for n in ids:
            if n in taken or n not in after[n]:
                continue
            part = {m for m in ids if m in after[n] and n in after[m]}
            taken |= part
            loop = self._loop(tuple(m for m in ids if m in part), limit)
            if loop is not None:
                loops.append(loop)
        return loops

    def _loop(self, nodes: tuple[str, ...], limit: int | None) -> Loop | None:
        part = set(nodes)
        order, graph = self._forward[0], self._graph
        inside = [k for k in order if k[0] in part]
        stays = {k: [(i, nxt) for i, _s, nxt, _e in graph[k] if nxt is not None and nxt[0] in part] for k in inside}
        # Which loop nodes each state can still visit while staying in the loop (states come
        # later in the order than the states they follow, so reversed order is bottom-up).
        visits: dict[tuple, frozenset[str]] = {}
        round_trip = False
        for k in reversed(inside):
            here = {k[0]}
            for _i, nxt in stays[k]:
                here |= visits[nxt]
                round_trip = round_trip or k[0] in visits[nxt]
            visits[k] = frozenset(here)
        if not round_trip:
            return None
        escapable = self._escapable(limit)
        stay = sorted({(k[0], i) for k in inside for i, _nxt in stays[k]}, key=lambda p: (nodes.index(p[0]), p[1]))
        exits = []
        for node in nodes:
            for i, option in enumerate(self.rules.model.nodes[node].options):
                if option.next in part:
                    continue
                works = any(
                    (ending is not None and ending != BREAKING_POINT)
                    or (nxt is not None and (nxt[0], nxt[1], nxt[3]) in escapable)
                    for k in inside
                    if k[0] == node
                    for _i, _s, nxt, ending in graph[k][i : i + 1]
                )
                exits.append(LoopOption(node, i, option.next, breaks_off=not works))
        trapped = next((k for k in inside if stays[k] and (k[0], k[1], k[3]) not in escapable), None)
        return Loop(
            nodes=nodes,
            stay=tuple(LoopOption(n, i, self.rules.model.nodes[n].options[i].next) for n, i in stay),
            exits=tuple(exits),
            trap=trapped is not None,
            trapped_after=None if trapped is None else self.path_to(trapped),
            trapped_at=None if trapped is None else (trapped[0], trapped[1]),
        )

    def idle_options(self) -> list[IdleOption]:
        """Options whose choice never makes a difference.

        An option never matters when, at every state a path reaches at its node, it leads to
        the same next state (or ending) with the same score changes and the same breach or
        none as an earlier option there; and every option at a node no path reaches.
        """
        at: dict[str, list[tuple]] = {}
        for key in self._forward[0]:
            at.setdefault(key[0], []).append(key)
        idle: list[IdleOption] = []
        for node_id, node in self.rules.model.nodes.items():
            keys = at.get(node_id)
            if not keys:
                idle.extend(IdleOption(node_id, i, None) for i in range(len(node.options)))
                continue
            first: dict[tuple, int] = {}
            for i, option in enumerate(node.options):
                effects = tuple(
                    (nxt, ending, tuple(sorted(scores.items())))
                    for k in keys
                    for _i, scores, nxt, ending in (self._graph[k][i],)
                )
                same = first.setdefault((option.breach is not None, effects), i)
                if same != i:
                    idle.append(IdleOption(node_id, i, same))
        return idle

    def ending_paths(self) -> dict[str, tuple[int, ...]]:
        """A shortest path (option indexes) to each ending some path reaches, breaking point included."""
        found: dict[str, tuple[int, ...]] = {}
        for key in self._forward[0]:
            for index, _scores, _nxt, ending in self._graph[key]:
                if ending is not None and ending not in found:
                    found[ending] = (*self.path_to(key), index)
        return found


# ---------------------------------------------------------------- the report


@dataclass(frozen=True)
class ScoredPath:
    """One path through a scenario, played through the rules and scored as a session is."""

    choices: tuple[int, ...]  # option indexes, 0-based
    nodes: tuple[str, ...]  # the node of each reply
    ending: str  # an ending id or "breaking_point"
    outcome: str
    overall: float
    scores: dict[str, float]  # per competency, 0-100
    final_mood: int
    breaches: tuple[str, ...]
    passed: bool

    @property
    def options(self) -> tuple[int, ...]:
        """The option numbers as the trainee sees them (1-based)."""
        return tuple(i + 1 for i in self.choices)

    @property
    def replies(self) -> int:
        return len(self.choices)


@dataclass(frozen=True)
class ScoreRange:
    low: float
    high: float

    def __str__(self) -> str:
        return f"{self.low:g}–{self.high:g}"


@dataclass(frozen=True)
class Extremes:
    best: ScoredPath  # the highest overall score without a breach (with one only if every path has one)
    worst: ScoredPath  # the lowest overall score, breaches included
    shortest_pass: ScoredPath | None  # the fewest replies that pass; None if no path passes
    ranges: dict[str, ScoreRange]  # per competency, 0-100, over every path
    overall: ScoreRange  # the overall score over every path


@dataclass(frozen=True)
class LoopOption:
    """An option at a node of a loop: one that keeps the trainee in it, or a way out."""

    node: str
    option: int  # 0-based
    next: str
    breaks_off: bool = False  # a way out that, from every state of the loop, leads only to the break-off


@dataclass(frozen=True)
class Loop:
    """Nodes a trainee can go round and round."""

    nodes: tuple[str, ...]
    stay: tuple[LoopOption, ...]
    exits: tuple[LoopOption, ...]
    trap: bool  # some path reaches a state of it from which only the break-off or the turn limit ends it
    trapped_after: tuple[int, ...] | None  # option indexes (0-based) of a shortest such path
    trapped_at: tuple[str, int] | None  # the node and mood there

    def describe(self) -> str:
        cycle = " → ".join((*self.nodes, self.nodes[0])) if len(self.nodes) > 1 else f"{self.nodes[0]} → itself"
        if not self.trap:
            return f"the loop {cycle}"
        after = ", ".join(str(i + 1) for i in self.trapped_after or ())
        node, mood = self.trapped_at or ("", 0)
        return (
            f"the loop {cycle} can trap a trainee: after replies {after} (at '{node}', mood {mood}) "
            "no reply leads to an ending any more; only the breaking point or the turn limit ends it"
        )


@dataclass(frozen=True)
class IdleOption:
    """An option that never matters."""

    node: str
    option: int  # 0-based
    same_as: int | None  # the option (0-based) it always does the same as; None if its node is never reached

    def describe(self) -> str:
        head = f"option {self.option + 1} at node '{self.node}' never matters: "
        if self.same_as is None:
            return head + "no path reaches its node"
        return head + f"it does exactly what option {self.same_as + 1} does"


@dataclass(frozen=True)
class EndingReach:
    ending: str  # an ending id or "breaking_point"
    outcome: str
    shortest: tuple[int, ...] | None  # option indexes (0-based) of a shortest path to it; None: never reached


@dataclass
class PathReport:
    """Everything the path analysis says about one scenario (``analyse``); ``text()`` prints it.

    Attributes:
        scenario_id, version, pass_mark: the scenario's.
        states: the conversation states option paths reach.
        best, worst: the paths with the highest and lowest overall score.
        shortest_pass: the passing path with the fewest replies, if any passes.
        ranges: per competency, the lowest and highest score a path reaches; overall: the same for the overall score.
        loops: loops of nodes, marked where they can trap a trainee.
        idle_options: options that never change the score, the mood or where the conversation goes.
        endings: how each ending is reached (a shortest path), or that it is not.
        titles: competency titles for ``text()``.
    """

    scenario_id: str
    version: int
    pass_mark: float
    states: int
    best: ScoredPath
    worst: ScoredPath
    shortest_pass: ScoredPath | None
    ranges: dict[str, ScoreRange]
    overall: ScoreRange
    loops: list[Loop]
    idle_options: list[IdleOption]
    endings: list[EndingReach]
    titles: dict[str, str] = field(default_factory=dict, repr=False)  # competency titles for text()

    @property
    def traps(self) -> list[Loop]:
        return [loop for loop in self.loops if loop.trap]

    def warnings(self, document: Document) -> list[Problem]:
        """Trap loops and options that never matter, located in the scenario file."""
        return _warnings(document, self.loops, self.idle_options)

    def text(self) -> str:
        lines = [
            f"Paths through {self.scenario_id} v{self.version}: {self.states:,} conversation states "
            f"(node, mood, turns, remembered tags); pass mark {self.pass_mark:g}"
        ]
        for label, path in (
            ("best path", self.best),
            ("worst path", self.worst),
            ("shortest passing path", self.shortest_pass),
        ):
            lines.append("")
            if path is None:
                lines.append(f"{label}: none — no path passes")
                continue
            lines += _path_lines(label, path, self.titles)
        lines += ["", "score ranges over every path (0-100):"]
        width = max([len(self.titles.get(c, c)) for c in self.ranges] + [7])
        for c, r in self.ranges.items():
            lines.append(f"  {self.titles.get(c, c):<{width}}  {r}")
        lines.append(f"  {'overall':<{width}}  {self.overall}")
        lines += ["", f"loops: {len(self.loops) or 'none'}"]
        for loop in self.loops:
            lines.append(f"  {'TRAP: ' if loop.trap else ''}{loop.describe()}")
            lines.append("    stays in: " + (_options_text(loop.stay) or "none"))
            ways = [f"{_option_text(o)}{' (only breaks off)' if o.breaks_off else ''}" for o in loop.exits]
            lines.append("    ways out: " + (", ".join(ways) or "none"))
        lines += ["", f"options that never matter: {len(self.idle_options) or 'none'}"]
        lines += [f"  {o.describe()}" for o in self.idle_options]
        lines += ["", "endings:"]
        width = max(len(e.ending) for e in self.endings)
        for e in self.endings:
            if e.shortest is None:
                reach = "never reached"
            else:
                n = len(e.shortest)
                reach = f"shortest {n} repl{'ies' if n != 1 else 'y'}: {_numbers(e.shortest)}"
            lines.append(f"  {e.ending:<{width}}  {e.outcome:<9}  {reach}")
        return "\n".join(lines)


def _numbers(choices: tuple[int, ...]) -> str:
    return " ".join(str(i + 1) for i in choices)


def _option_text(o: LoopOption) -> str:
    return f"{o.node} option {o.option + 1} → {o.next}"


def _options_text(options: tuple[LoopOption, ...]) -> str:
    return ", ".join(map(_option_text, options))


def _path_lines(label: str, path: ScoredPath, titles: Mapping[str, str]) -> list[str]:
    verdict = "passed" if path.passed else "not passed"
    n = path.replies
    lines = [
        f"{label}: overall {path.overall:g} ({verdict}), {n} repl{'ies' if n != 1 else 'y'}, "
        f"ending {path.ending} ({path.outcome}), final mood {path.final_mood}",
        f"  options: {_numbers(path.choices)}",
        f"  nodes:   {' → '.join((*path.nodes, path.ending))}",
        "  scores:  " + ", ".join(f"{titles.get(c, c)} {v:g}" for c, v in path.scores.items()),
    ]
    lines += [f"  breach:  {b}" for b in path.breaches]
    return lines


def analyse(scenario: Scenario, *, max_states: int | None = DEFAULT_MAX_STATES) -> PathReport:
    """The path analysis of a scenario, exhaustive over its states.

    Args:
        scenario: a sound scenario.
        max_states: the cap on what is enumerated; None for no cap.

    Returns:
        The ``PathReport``.

    Raises:
        ScenarioTooLarge: past the cap (use random walks instead).

    ``max_states`` caps what the analysis enumerates (the conversation states, the score
    combinations along paths and the states its loops can reach); beyond it
    ``ScenarioTooLarge`` says so and points to the random walks. ``None``: no cap.
    """
    analysis = path_analysis(scenario)
    states = analysis.states(max_states)
    extremes = analysis.extremes(max_states)
    reached = analysis.ending_paths()
    on_break = (scenario.model.breaking_point or scenario.persona.on_break).outcome
    endings = [EndingReach(e, scenario.endings[e].outcome, reached.get(e)) for e in scenario.endings]
    endings.append(EndingReach(BREAKING_POINT, on_break, reached.get(BREAKING_POINT)))
    return PathReport(
        scenario_id=scenario.id,
        version=scenario.version,
        pass_mark=scenario.pass_mark,
        states=states,
        best=extremes.best,
        worst=extremes.worst,
        shortest_pass=extremes.shortest_pass,
        ranges=extremes.ranges,
        overall=extremes.overall,
        loops=analysis.loops(max_states),
        idle_options=analysis.idle_options(),
        endings=endings,
        titles={c: scenario.competency_title(c) for c in scenario.competencies},
    )


def path_warnings(scenario: Scenario, *, max_states: int | None = DEFAULT_MAX_STATES) -> list[Problem]:
    """Trap loops and options that never matter as located warnings (``roleplay validate``).

    Only what the warnings need is computed: no best or worst paths.
    """
    analysis = path_analysis(scenario)
    analysis.states(max_states)
    document = scenario.document or Document(scenario.id)
    return _warnings(document, analysis.loops(max_states), analysis.idle_options())


def with_path_warnings(result: LoadResult, *, max_states: int | None = DEFAULT_MAX_STATES) -> LoadResult:
    """A file's ``LoadResult`` with the path report's warnings added (a sound file only).

    Args:
        result: what loading the file found.
        max_states: the analysis' cap; beyond it the warning says the analysis was skipped.

    Returns:
        The result, with trap loops and options that never matter as located warnings.
    """
    scenario = result.scenario
    if scenario is None:
        return result
    try:
        warnings = path_warnings(scenario, max_states=max_states)
    except ScenarioTooLarge as exc:
        warnings = [Problem(result.file, 1, 1, "", f"path analysis skipped: {exc}", "warning")]
    return result.with_warnings(warnings)


# ---------------------------------------------------------------- helpers


def _warnings(document: Document, loops: list[Loop], idle: list[IdleOption]) -> list[Problem]:
    found = [
        document.problem(("nodes", loop.nodes[0]), loop.describe(), key=True, severity="warning")
        for loop in loops
        if loop.trap
    ]
    found += [document.problem(("nodes", o.node, "options", o.option), o.describe(), severity="warning") for o in idle]
    return found


def _keep(picks: dict[str, tuple], name: str, rank: tuple, payload: tuple) -> None:
    """Keep the payload under name if its rank beats the one kept (the first wins a tie)."""
    kept = picks.get(name)
    if kept is None or rank > kept[0]:
        picks[name] = (rank, payload)


def _choices(fronts: dict, back: tuple | None) -> tuple[int, ...]:
    """Follow back pointers (state, breached, vector, option) to the start."""
    out: list[int] = []
    while back is not None:
        key, breached, vec, index = back
        out.append(index)
        back = fronts[(key, breached)][vec]
    return tuple(reversed(out))


def _pareto(vectors: dict[tuple, object], sign: int) -> dict[tuple, object]:
    """The vectors no other beats (sign 1: is at least as high in every place; -1: as low)."""
    if len(vectors) < 2:
        return vectors
    kept: list[tuple] = []
    at_least = ge if sign > 0 else le
    # A vector that beats another has a larger (signed) sum, so it is met first.
    for vec in sorted(vectors, key=lambda v: -sign * sum(v)):
        if not any(all(map(at_least, other, vec)) for other in kept):
            kept.append(vec)
    return {v: vectors[v] for v in kept}


def _closure(start: str, succ: Mapping[str, set[str]]) -> set[str]:
    """The nodes reachable from start in one step or more."""
    found: set[str] = set()
    stack = list(succ[start])
    while stack:
        n = stack.pop()
        if n not in found:
            found.add(n)
            stack.extend(succ[n])
    return found


_ANALYSES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def path_analysis(scenario: Scenario) -> PathAnalysis:
    """The path analysis of a scenario, made once per loaded scenario."""
    found = _ANALYSES.get(scenario)
    if found is None:
        found = _ANALYSES[scenario] = PathAnalysis(scenario.state_space)
    return found
