"""Demo data: a results store filled by simulated trainees playing the scenarios.

Every session is played through the real engine (``Session.reply``), so scores, moods,
reactions, the matcher's verdict on typed replies and the debrief are what a trainee would
have got. Only the trainees are simulated: each has a skill profile that picks replies by
a softmax over the path analysis' value of each option (``Analysis.reply_values``) with a
profile's temperature and biases, answers after a simulated delay, types some replies
(with the slips people make) and leaves some sessions half-way.

Everything follows from the seed: the trainees, the plan of sessions (who, which
scenario, when), each session's engine seed and each choice. Time is simulated too: each
session runs on its own fake clock from a start on a calendar of the weeks before
``until``, so handle times, reply latencies and the turns' ``at`` are those of the
simulation, not of the machine that made them. Only the session ids are random (uuid4, as
the engine makes them), so a second run can go into the same store.

Rows are written by ``BatchRecorder``: it is the engine's ``Recorder``, but keeps the rows
in memory and hands them to ``Store.bulk_insert`` many at a time. The rows are made by the
store's own row builders (``started_values``, ``turn_row``, ``finished_values``,
``review_values`` …), so nothing reading the store can tell demo rows from played ones. It
counts attempt numbers itself (from ``Store.attempt_counts``): demo-data is the only writer
while it runs.
"""

from __future__ import annotations

import gc
import math
import multiprocessing as mp
import os
import random
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from ..core.engine import Session, Turn
from ..core.scoring import Result
from ..errors import LabError
from .store import (
    abandoned_values,
    finished_values,
    review_values,
    self_assessment_values,
    started_values,
    turn_row,
)

if TYPE_CHECKING:
    from ..core.scenario import Scenario
    from .store import Store

__all__ = [
    "PROFILES",
    "BatchRecorder",
    "DemoSummary",
    "Profile",
    "SimClock",
    "Trainee",
    "generate",
    "load_scenarios",
    "make_trainees",
    "plan_sessions",
]

WEEKS = 8  # the calendar the sessions are spread over, ending at ``until``
TEAMS = ("Warsaw", "Kraków", "Remote")


# ---------------------------------------------------------------- profiles


@dataclass(frozen=True)
class Profile:
    """How a kind of trainee picks replies, how fast and how reliably.

    A reply's weight is ``exp(value / temperature + bias)``, where value is what the path
    analysis says the reply is worth (overall-score points, now plus the best play after
    it) and bias adds the profile's leanings: per point an option scores in a favoured
    competency, per favoured tag, for a solution early on, for a short reply.
    """

    name: str
    temperature: float  # overall-score points; ~2 plays the best reply, ~40 plays at random
    latency: tuple[float, float]  # seconds before a reply, uniform, before typing time
    typed: float  # mean share of replies typed rather than clicked
    abandon: float  # share of sessions left half-way
    favour: dict[str, float] = field(default_factory=dict)  # competency -> bias per point scored
    tags: dict[str, float] = field(default_factory=dict)  # tag -> bias
    early_tags: dict[str, float] = field(default_factory=dict)  # tag -> bias in the first replies
    brevity: float = 0.0  # bias for the shortest reply on offer (scaled by length)
    learning: float = 0.0  # temperature / (1 + learning * (attempt - 1))
    floor: float = 1.5  # the lowest temperature learning reaches


PROFILES: dict[str, Profile] = {
    p.name: p
    for p in (
        Profile(
            "empathetic",
            temperature=6.0,
            latency=(20.0, 60.0),
            typed=0.24,
            abandon=0.04,
            favour={
                "empathy": 0.8,
                "personalisation": 0.8,
                "questioning": 0.8,
                "active_listening": 0.8,
                "rapport": 0.6,
                "de_escalation": 0.4,
            },
            tags={"empathy": 0.6, "listen": 0.6, "personal": 0.6, "open_question": 0.5, "clarifying_question": 0.4},
        ),
        Profile(
            "hasty",
            temperature=7.0,
            latency=(5.0, 15.0),
            typed=0.14,
            abandon=0.08,
            tags={"solution": 0.6},
            early_tags={"solution": 2.0},
            brevity=1.2,
        ),
        Profile("improving", temperature=30.0, latency=(30.0, 90.0), typed=0.2, abandon=0.07, learning=0.5, floor=2.5),
        Profile("steady", temperature=5.0, latency=(15.0, 45.0), typed=0.2, abandon=0.04),
        Profile("novice", temperature=40.0, latency=(30.0, 90.0), typed=0.22, abandon=0.1),
    )
}

EARLY_REPLIES = 3  # "early" for a profile's early_tags: the first replies of a session

# Typed text that is no reply at all: the matcher should not take it for any option.
UNRELATED = (
    "sorry my headset just died, one sec",
    "asdfgh",
    "brb",
    "?? which screen is the order on",
    "przepraszam, system mi się zawiesił",
    "hmm",
    "testing testing",
    "wait wrong window",
)


def _names(text: str) -> tuple[str, ...]:
    return tuple(text.split())


FIRST_NAMES = {
    ("pl", "f"): _names("Anna Katarzyna Magdalena Agnieszka Joanna Aleksandra Zofia Monika Ewa Karolina Natalia Julia"),
    ("pl", "m"): _names("Piotr Tomasz Paweł Michał Krzysztof Jakub Marcin Łukasz Bartosz Kamil Wojciech Mateusz"),
    ("en", "f"): _names("Emma Olivia Sophie Charlotte Grace Hannah Lucy Emily Chloe Megan"),
    ("en", "m"): _names("James Oliver Harry Jack Thomas George Daniel Samuel Ryan Liam"),
}
PL_SURNAMES = _names(
    "Nowak Kowalski Wiśniewski Wójcik Kowalczyk Kamiński Lewandowski Zieliński Szymański Woźniak "
    "Dąbrowski Kozłowski Mazur Jankowski Kwiatkowski Krawczyk Piotrowski Grabowski Pawlak Zając"
)
EN_SURNAMES = _names(
    "Smith Jones Taylor Brown Williams Wilson Johnson Davies Robinson Wright Thompson Evans "
    "Walker White Roberts Green Hall Wood Jackson Clarke"
)


def _polish_surname(surname: str, sex: str) -> str:
    if sex == "f" and surname.endswith(("ski", "cki", "dzki")):
        return surname[:-1] + "a"
    return surname


# ---------------------------------------------------------------- trainees and the plan


@dataclass(frozen=True)
class Trainee:
    name: str
    team: str
    profile: Profile
    skill: float  # multiplies the profile's temperature: below 1 is better than the profile
    speed: float  # multiplies the profile's latency
    typed: float  # this trainee's share of typed replies
    joined: float  # 0-1: how far into the calendar this trainee's first session comes
    scenario_weights: tuple[float, ...]  # how often each scenario is chosen


def make_trainees(count: int, rng: random.Random, scenarios: int) -> list[Trainee]:
    """``count`` trainees with distinct names, a team each, and the profiles in turn."""
    if count < 1:
        raise LabError("demo data needs at least one trainee")
    order = list(PROFILES.values())
    rng.shuffle(order)
    names: set[str] = set()
    trainees = []
    for i in range(count):
        language = "pl" if rng.random() < 0.6 else "en"
        sex = rng.choice("fm")
        name = ""
        for _ in range(50):
            first = rng.choice(FIRST_NAMES[language, sex])
            last = _polish_surname(rng.choice(PL_SURNAMES), sex) if language == "pl" else rng.choice(EN_SURNAMES)
            name = f"{first} {last}"
            if name not in names:
                break
        while name in names:  # more trainees than the names go round
            name = f"{name} {len(names)}"
        names.add(name)
        team = rng.choices(TEAMS, (5, 4, 1) if language == "pl" else (2, 1, 4))[0]
        profile = order[i % len(order)]
        trainees.append(
            Trainee(
                name=name,
                team=team,
                profile=profile,
                skill=math.exp(rng.gauss(0.0, 0.25)),
                speed=math.exp(rng.gauss(0.0, 0.2)),
                typed=min(0.9, max(0.0, rng.gauss(profile.typed, 0.05))),
                joined=rng.random() * 0.3,
                scenario_weights=tuple(rng.uniform(0.6, 1.4) for _ in range(scenarios)),
            )
        )
    return trainees


@dataclass(frozen=True)
class PlannedSession:
    """One session to play: everything about it that is fixed before it starts."""

    trainee: int  # index into the trainees
    scenario: int  # index into the scenarios
    started_at: datetime
    seed: int
    attempt: int = 0


def _working_time(rng: random.Random, start: datetime, span: timedelta) -> datetime:
    """A moment in [start, start + span), mostly on working days between 08:00 and 18:00."""
    day = (start + span * rng.random()).replace(hour=0, minute=0, second=0, microsecond=0)
    if day.weekday() >= 5 and rng.random() < 0.9:  # most practice is on a working day of that week
        day -= timedelta(days=day.weekday() - rng.randrange(5))
    when = day + timedelta(seconds=rng.uniform(8 * 3600, 18 * 3600))
    if when < start:  # moved back before the trainee's first day: the next week instead
        when += timedelta(days=7)
    return min(when, start + span - timedelta(seconds=1))


def plan_sessions(
    trainees: Sequence[Trainee],
    scenario_ids: Sequence[str],
    total: int,
    rng: random.Random,
    until: datetime,
    earlier: dict[tuple[str, str], int] | None = None,
) -> list[PlannedSession]:
    """``total`` sessions over the trainees, in the order they start, with attempt numbers.

    Some trainees practise more than others. ``earlier`` counts the sessions already in the
    store per (trainee, scenario id), so attempt numbers go on from them.
    """
    if total < 0:
        raise LabError("the number of sessions cannot be negative")
    share = [math.exp(rng.gauss(0.0, 0.35)) for _ in trainees]
    exact = [total * s / sum(share) for s in share]
    counts = [int(x) for x in exact]
    for i in sorted(range(len(exact)), key=lambda i: counts[i] - exact[i])[: total - sum(counts)]:
        counts[i] += 1
    span = timedelta(weeks=WEEKS)
    begin = until - span
    plans = []
    for t, (trainee, count) in enumerate(zip(trainees, counts, strict=True)):
        start = (begin + span * trainee.joined).replace(hour=0, minute=0, second=0, microsecond=0)
        for _ in range(count):
            scenario = rng.choices(range(len(scenario_ids)), trainee.scenario_weights)[0]
            when = _working_time(rng, start, until - start).replace(microsecond=rng.randrange(1000) * 1000)
            plans.append(PlannedSession(t, scenario, when, rng.getrandbits(31)))
    plans.sort(key=lambda p: (p.started_at, p.trainee, p.seed))
    attempts: Counter[tuple[int, int]] = Counter()
    if earlier:
        for (name, sid), n in earlier.items():
            for t, trainee in enumerate(trainees):
                if trainee.name == name and sid in scenario_ids:
                    attempts[t, scenario_ids.index(sid)] = n
    out = []
    for p in plans:
        attempts[p.trainee, p.scenario] += 1
        out.append(PlannedSession(p.trainee, p.scenario, p.started_at, p.seed, attempts[p.trainee, p.scenario]))
    return out


# ---------------------------------------------------------------- playing


class SimClock:
    """The session's clock: simulated seconds since it started, moved by the simulation."""

    __slots__ = ("now", "start")

    def __init__(self, start: datetime):
        self.start = start
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def iso(self) -> str:
        """The clock's time on the calendar, as the store writes times."""
        return _iso(self.start + timedelta(seconds=self.now))


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds")


def _typo(word: str, rng: random.Random) -> str:
    if len(word) < 4:
        return word
    i = rng.randrange(1, len(word) - 1)
    if rng.random() < 0.5:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]  # two letters swapped
    return word[:i] + word[i + 1 :]  # a letter left out


def typed_reply(option, rng: random.Random) -> str:
    """What a trainee types for an option: its text or a phrasing, with slips."""
    if rng.random() < 0.03:
        return rng.choice(UNRELATED)
    words = rng.choice((option.text, *option.phrasings)).split()
    if rng.random() < 0.6:
        words = [w.lower() for w in words]
    if len(words) > 3 and rng.random() < 0.5:
        del words[rng.randrange(1, len(words))]
    if rng.random() < 0.4:
        i = rng.randrange(len(words))
        words[i] = _typo(words[i], rng)
    return " ".join(words)


class Player:
    """A simulated trainee at the keyboard: picks, times and types each reply."""

    def __init__(self, trainee: Trainee, attempt: int, rng: random.Random):
        profile = trainee.profile
        self.profile = profile
        self.trainee = trainee
        self.rng = rng
        learned = 1.0 + profile.learning * (attempt - 1)
        self.temperature = max(profile.floor, profile.temperature * trainee.skill / learned)
        self.slowness = trainee.speed * (1.0 / math.sqrt(learned) if profile.learning else 1.0)

    def choose(self, session: Session) -> int:
        """The 0-based option this trainee goes for at the session's node."""
        p = self.profile
        options = session.scenario.nodes[session.node].options
        values = session.scenario.reply_values(session._now)
        finite = [v for v in values if v != -math.inf]
        worst = (min(finite) if finite else 0.0) - 30.0  # a breach: possible, never likely
        longest = max(len(o.text) for o in options)
        early = len(session.turns) < EARLY_REPLIES
        logits = []
        for option, value in zip(options, values, strict=True):
            x = (worst if value == -math.inf else value) / self.temperature
            for competency, bias in p.favour.items():
                x += bias * max(0.0, option.scores.get(competency, 0.0))
            for tag in option.tags:
                x += p.tags.get(tag, 0.0) + (p.early_tags.get(tag, 0.0) if early else 0.0)
            if p.brevity:
                x += p.brevity * (1.0 - len(option.text) / longest)
            logits.append(x)
        top = max(logits)
        weights = [math.exp(x - top) for x in logits]
        return self.rng.choices(range(len(options)), weights)[0]

    def reply(self, session: Session, clock: SimClock) -> Turn:
        """Think, maybe type, and answer: moves the clock by the reply's latency."""
        rng = self.rng
        index = self.choose(session)
        low, high = self.profile.latency
        seconds = rng.uniform(low, high) * self.slowness
        reply: int | str = index + 1
        if rng.random() < self.trainee.typed:
            reply = typed_reply(session.scenario.nodes[session.node].options[index], rng)
            seconds += len(reply) / rng.uniform(3.0, 6.0)  # typing at 3-6 characters a second
        clock.now += round(seconds, 3)  # whole milliseconds, as the store keeps latencies
        return session.reply(reply)


# ---------------------------------------------------------------- the batch recorder


class BatchRecorder:
    """The engine's Recorder for demo data: rows kept in memory, written many at a time.

    Row for row what ``Store`` writes (the store's row builders), except that times come
    from the session's ``SimClock``: a turn's ``at`` is set from it (on the Turn too) and
    ``ended_at`` is the start plus the handle time. Attempt numbers are the session's own
    (the plan counted them).
    """

    def __init__(self) -> None:
        self.sessions: list[dict[str, Any]] = []
        self.turns: list[dict[str, Any]] = []
        self.reviews: list[dict[str, Any]] = []
        self.self_assessments: list[dict[str, Any]] = []
        self._open: dict[str, dict[str, Any]] = {}

    def __len__(self) -> int:
        return len(self.sessions)

    def session_started(self, session: Session) -> None:
        row = started_values(session)
        self._open[session.id] = row
        self.sessions.append(row)

    def turn_recorded(self, session: Session, turn: Turn) -> None:
        clock = session.clock
        if isinstance(clock, SimClock):
            turn.at = clock.iso()
        self.turns.append(turn_row(turn, session.id))

    def session_finished(self, session: Session, result: Result) -> None:
        self._open.pop(session.id).update(finished_values(result, self._ended_at(session)))

    def session_abandoned(self, session: Session) -> None:
        final_mood = session.turns[-1].mood_after if session.turns else None
        self._open.pop(session.id).update(abandoned_values(self._ended_at(session), final_mood))

    @staticmethod
    def _ended_at(session: Session) -> str:
        clock = session.clock
        if isinstance(clock, SimClock):
            return clock.iso()
        return datetime.now(UTC).isoformat(timespec="milliseconds")

    def write(self, store: Store) -> None:
        """Insert the rows kept so far into the store, in one transaction, and forget them.

        Called between sessions: a session still being played would be written half-way.
        """
        if self._open:
            raise LabError("demo data is written between sessions, not while one is being played")
        store.bulk_insert(
            sessions=self.sessions, turns=self.turns, reviews=self.reviews, self_assessments=self.self_assessments
        )
        self.sessions, self.turns, self.reviews, self.self_assessments = [], [], [], []


# ---------------------------------------------------------------- reviews and self-assessments

REVIEWERS = (
    # name, share of reviews, bias range (points), noise (sd)
    ("rita", 0.4, (-15.0, -5.0), 4.0),
    ("marek", 0.35, (3.0, 10.0), 4.0),
    ("joanna", 0.25, (-3.0, 3.0), 3.0),
)

REVIEW_COMMENTS = {
    "strong": "Strong on {best}. Keep it up.",
    "weak": "Work on {worst}: compare your reply with the better one in the debrief.",
    "mixed": "Good {best}; {worst} needs practice.",
}
SELF_COMMENTS = (
    "I think it went well.",
    "The customer calmed down in the end.",
    "I was not sure about one reply.",
    "Felt confident.",
    "Poszło mi całkiem dobrze.",
    "",
)


def _weighted(scenario: Scenario, scores: dict[str, float]) -> float:
    comps = scenario.competencies
    total = sum(c.weight for c in comps.values())
    return round(sum(comps[c].weight * scores[c] for c in comps) / total, 1) if total else 0.0


def _clamp(x: float) -> float:
    return round(min(100.0, max(0.0, x)), 1)


def review_row(
    session: Session, result: Result, rng: random.Random, ended: datetime, until: datetime
) -> dict[str, Any]:
    """A reviewer's scores: the automatic ones moved by the reviewer's leaning and noise."""
    reviewer, _share, (low, high), noise = rng.choices(REVIEWERS, [r[1] for r in REVIEWERS])[0]
    bias = rng.uniform(low, high)
    scores = {c: _clamp(v + bias + rng.gauss(0.0, noise)) for c, v in result.competency_scores.items()}
    overall = _weighted(session.scenario, scores)
    titles = {c: session.scenario.competency_title(c).lower() for c in scores}
    best, worst = max(scores, key=scores.get), min(scores, key=scores.get)
    kind = "strong" if scores[worst] >= 70 else "weak" if scores[best] < 60 else "mixed"
    created = min(ended + timedelta(hours=rng.uniform(1, 72)), until)
    return review_values(
        session.id,
        reviewer,
        scores,
        overall,
        overall >= session.scenario.pass_mark,
        REVIEW_COMMENTS[kind].format(best=titles[best], worst=titles[worst]),
        _iso(created),
    )


def self_assessment_row(
    session: Session, result: Result, rng: random.Random, ended: datetime, until: datetime
) -> dict[str, Any]:
    """Trainees rate themselves higher than the scores: +5 to +20 points, at most 100."""
    scores = {c: _clamp(v + rng.uniform(5.0, 20.0)) for c, v in result.competency_scores.items()}
    created = min(ended + timedelta(minutes=rng.uniform(1, 30)), until)
    return self_assessment_values(
        session.id, scores, _weighted(session.scenario, scores), rng.choice(SELF_COMMENTS), _iso(created)
    )


# ---------------------------------------------------------------- progress and summary


class Progress:
    """A text bar on a stream: drawn only once a run has taken ~2 s, redrawn at most 10×/s.

    On a terminal it redraws in place; elsewhere (a log file) it writes a line every ~5 s.
    """

    def __init__(self, total: int, stream: TextIO | None, *, quiet_for: float = 2.0):
        self.total = max(1, total)
        self.stream = stream
        self.tty = bool(stream is not None and getattr(stream, "isatty", lambda: False)())
        self.began = time.perf_counter()
        self.quiet_for = quiet_for
        self.last = 0.0
        self.drawn = False

    def update(self, done: int, note: str = "") -> None:
        if self.stream is None:
            return
        now = time.perf_counter()
        if now - self.began < self.quiet_for or now - self.last < (0.1 if self.tty else 5.0):
            return
        self.last = now
        frac = min(1.0, done / self.total)
        width = 30
        bar = "#" * round(frac * width) + "-" * (width - round(frac * width))
        elapsed = now - self.began
        eta = elapsed / frac - elapsed if frac > 0 else math.inf
        line = f"demo-data [{bar}] {frac:6.1%} {done:,}/{self.total:,} sessions {note} {elapsed:.0f} s"
        line += f", ~{eta:.0f} s left" if math.isfinite(eta) else ""
        self.stream.write(("\r" + line + "\x1b[K") if self.tty else line + "\n")
        self.stream.flush()
        self.drawn = True

    def close(self) -> None:
        if self.stream is not None and self.drawn and self.tty:
            self.stream.write("\n")
            self.stream.flush()


@dataclass
class DemoSummary:
    """What a demo-data run made."""

    trainees: int = 0
    sessions: int = 0
    turns: int = 0
    completed: int = 0
    abandoned: int = 0
    typed: int = 0
    not_understood: int = 0
    reviews: int = 0
    self_assessments: int = 0
    seconds: float = 0.0
    profiles: Counter[str] = field(default_factory=Counter)
    teams: Counter[str] = field(default_factory=Counter)
    first: str = ""
    last: str = ""
    workers: int = 1
    roster: dict[str, str] = field(default_factory=dict)  # trainee -> profile

    def add(self, part: DemoSummary) -> None:
        """Add the counts of a chunk played elsewhere."""
        for name in ("sessions", "turns", "completed", "abandoned", "typed", "not_understood", "reviews"):
            setattr(self, name, getattr(self, name) + getattr(part, name))
        self.self_assessments += part.self_assessments

    def lines(self) -> list[str]:
        share = self.typed / self.turns if self.turns else 0.0
        rate = self.turns / self.seconds if self.seconds > 0 else 0.0
        return [
            f"trainees: {self.trainees} ("
            + ", ".join(f"{n} {p}" for p, n in sorted(self.profiles.items()))
            + "; teams "
            + ", ".join(f"{t} {n}" for t, n in sorted(self.teams.items()))
            + ")",
            f"sessions: {self.sessions:,} ({self.completed:,} completed, {self.abandoned:,} abandoned), "
            f"{self.first[:10]} to {self.last[:10]}",
            f"turns: {self.turns:,} ({self.typed:,} typed = {share:.1%}; {self.not_understood:,} not understood)",
            f"reviews: {self.reviews:,}; self-assessments: {self.self_assessments:,}",
            f"time: {self.seconds:.1f} s ({rate:,.0f} turns/s, {self.workers} process{'es' * (self.workers > 1)})",
        ]


# ---------------------------------------------------------------- the run


@dataclass(frozen=True)
class _Run:
    """What every chunk of sessions is played with (inherited by forked workers)."""

    people: list[Trainee]
    scenarios: list[Scenario]
    until: datetime
    reviews: float
    self_assessments: float

    def play(
        self, chunk: Sequence[PlannedSession], on_session: Callable[[DemoSummary], None] | None = None
    ) -> tuple[BatchRecorder, DemoSummary]:
        recorder, summary = BatchRecorder(), DemoSummary()
        matchers: dict[str, Any] = {}  # one matcher per scenario, as a running lab keeps
        for plan in chunk:
            self._play(plan, recorder, summary, matchers)
            if on_session is not None:
                on_session(summary)
        return recorder, summary

    def _play(self, plan: PlannedSession, recorder: BatchRecorder, summary: DemoSummary, matchers: dict) -> None:
        person, scenario = self.people[plan.trainee], self.scenarios[plan.scenario]
        rng = random.Random(plan.seed)
        clock = SimClock(plan.started_at)
        session = Session(
            scenario,
            trainee=person.name,
            seed=plan.seed,
            clock=clock,
            recorder=recorder,
            attempt=plan.attempt,
            started_at=_iso(plan.started_at),
            matcher=matchers.get(scenario.id),
        )
        matchers[scenario.id] = session.matcher
        player = Player(person, plan.attempt, rng)
        leave_after = rng.randint(1, 4) if rng.random() < person.profile.abandon else None
        while not session.finished:
            if leave_after is not None and len(session.turns) >= leave_after:
                session.abandon()
                break
            turn = player.reply(session, clock)
            summary.typed += turn.kind == "text"
            summary.not_understood += not turn.understood
        summary.sessions += 1
        summary.turns += len(session.turns)
        if session.status != "completed":
            summary.abandoned += 1
            return
        summary.completed += 1
        result = session.result()
        ended = plan.started_at + timedelta(seconds=clock.now)
        if rng.random() < self.reviews:
            recorder.reviews.append(review_row(session, result, rng, ended, self.until))
            summary.reviews += 1
        if rng.random() < self.self_assessments:
            recorder.self_assessments.append(self_assessment_row(session, result, rng, ended, self.until))
            summary.self_assessments += 1


_worker: tuple[_Run, str] | None = None  # set in each forked worker


def _start_worker(run: _Run, location: str) -> None:
    global _worker
    _worker = (run, location)
    gc.disable()  # many small rows live until written: collect once per chunk instead


def _work(chunk: list[PlannedSession]) -> DemoSummary:
    """In a worker: play a chunk and write it in one transaction through a store of its own."""
    from .store import Store

    assert _worker is not None
    run, location = _worker
    recorder, summary = run.play(chunk)
    store = Store(location)
    try:
        recorder.write(store)
    finally:
        store.close()
    del recorder
    gc.collect()
    return summary


def default_workers() -> int:
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(1, min(2, usable))


def _can_fork(store: Store) -> bool:
    """Workers are forked (they inherit the loaded scenarios) and need the store by location."""
    return "fork" in mp.get_all_start_methods() and threading.active_count() == 1 and not store.in_memory


def generate(
    store: Store,
    scenarios: Sequence[Scenario],
    *,
    trainees: int = 12,
    sessions: int = 1000,
    seed: int = 0,
    reviews: float = 0.1,
    self_assessments: float = 0.1,
    until: datetime | None = None,
    batch: int = 2000,
    workers: int | None = None,
    progress: TextIO | None = None,
) -> DemoSummary:
    """Play ``sessions`` sessions by ``trainees`` simulated trainees into the store.

    ``until`` ends the calendar (default: today, 00:00 UTC), so a run repeats exactly on
    the same day, or on any day given the same ``until``. Sessions are played and written
    in chunks of ``batch``, each chunk in one transaction; with ``workers`` > 1 (default:
    up to 2, one per usable CPU) forked processes play and write chunks side by side. The
    rows do not depend on the number of workers.
    """
    if not scenarios:
        raise LabError("no scenarios to play")
    if not 0.0 <= reviews <= 1.0 or not 0.0 <= self_assessments <= 1.0:
        raise LabError("the share of sessions reviewed or self-assessed must be between 0 and 1")
    began = time.perf_counter()
    ordered = sorted(scenarios, key=lambda s: s.id)
    ids = [s.id for s in ordered]
    if until is None:
        until = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    until = until if until.tzinfo else until.replace(tzinfo=UTC)
    rng = random.Random(seed)
    people = make_trainees(trainees, rng, len(ordered))
    plans = plan_sessions(people, ids, sessions, rng, until, store.attempt_counts())
    store.bulk_insert(teams={person.name: person.team for person in people})
    for scenario in ordered:  # the path analysis, once, before any worker is forked
        scenario.state_space.reply_values(scenario.rules.initial())

    summary = DemoSummary(trainees=len(people))
    summary.roster = {p.name: p.profile.name for p in people}
    summary.profiles.update(summary.roster.values())
    summary.teams.update(p.team for p in people)
    run = _Run(people, ordered, until, reviews, self_assessments)
    chunks = [plans[i : i + max(1, batch)] for i in range(0, len(plans), max(1, batch))]
    workers = default_workers() if workers is None else max(1, workers)
    bar = Progress(len(plans), progress)
    was_enabled = gc.isenabled()
    gc.disable()  # many small rows live until written: collect once per chunk instead
    try:
        if workers > 1 and len(chunks) > 1 and _can_fork(store):
            with mp.get_context("fork").Pool(workers, _start_worker, (run, store.location)) as pool:
                for part in pool.imap_unordered(_work, chunks):
                    summary.add(part)
                    bar.update(summary.sessions, f"{summary.turns:,} turns")
        else:
            for chunk in chunks:
                done = summary.sessions
                recorder, part = run.play(
                    chunk, lambda p, done=done: bar.update(done + p.sessions, f"{summary.turns + p.turns:,} turns")
                )
                recorder.write(store)
                del recorder
                gc.collect()
                summary.add(part)
    finally:
        if was_enabled:
            gc.enable()
        bar.close()
    if plans:
        summary.first, summary.last = _iso(plans[0].started_at), _iso(plans[-1].started_at)
    summary.workers = workers if workers > 1 and len(chunks) > 1 and _can_fork(store) else 1
    summary.seconds = time.perf_counter() - began
    return summary


def load_scenarios(folder: Path | str | None = None) -> tuple[list[Scenario], list]:
    """The sound scenarios to play (and the problems of the others)."""
    from .. import settings
    from ..loading.loader import check_files

    folder = Path(folder) if folder else settings.scenarios_dir()
    if not folder.exists():
        raise LabError(f"no scenarios folder at {folder}; give one with --scenarios DIR")
    scenarios, problems = check_files([folder])
    if not scenarios:
        raise LabError(f"no sound scenario in {folder} to play" + (f" ({len(problems)} problems)" if problems else ""))
    return scenarios, problems


def parse_until(text: str | None) -> datetime | None:
    """``--until``: a date (00:00 UTC) or an ISO date and time."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise LabError(f"--until {text!r} is not a date: write it as YYYY-MM-DD") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def print_summary(summary: DemoSummary, out: TextIO = sys.stdout) -> None:
    for line in summary.lines():
        print(line, file=out)
