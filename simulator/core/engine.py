"""Playing a scenario: a ``Session`` moves through one ``transitions`` Machine per scenario.

The Machine holds the scenario's graph (one trigger per option, ``option_0``…, plus
``break_off`` and an internal ``not_understood``), built once per scenario and shared;
each session is added to it as a model and removed when it ends. The engine registers its
own callbacks: nothing from a scenario file ever names a callback.
"""

from __future__ import annotations

import random
import secrets
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

from transitions import Machine

from ..errors import SessionError
from .coach import phrasebook_for
from .matching import Match, Matcher, get_matcher, taken
from .model import FeedbackMode
from .rules import BREAKING_POINT, Effect, State
from .scenario import Scenario
from .scoring import Conclusion, Result, score_session
from .turn import Turn

__all__ = ["Clarification", "Recorder", "Session", "Turn"]


@dataclass(frozen=True)
class Clarification:
    """A typed reply the matcher is unsure of, with the options to propose ("Did you mean …?").

    Attributes:
        reply: what the trainee typed.
        proposed: the options proposed (0-based, one or two, the closest first; ``Match.proposed``).
        texts: those options' texts, in the same order.
    """

    reply: str
    proposed: tuple[int, ...]
    texts: tuple[str, ...]


class Recorder(Protocol):
    """Where a session writes itself as it happens (the results store is one).

    Attributes:
        session_started: called once, when the session starts.
        turn_recorded: called after every reply, with its ``Turn``.
        turn_corrected: called when the trainee corrects the last turn ("that's not what I meant"),
            with the new ``Turn`` of the same index, which replaces the one recorded; the session is
            in progress again if that turn had ended it (``session_finished`` follows at its ending).
        session_finished: called once at an ending, with the ``Result``.
        session_abandoned: called when the trainee leaves before an ending.
    """

    def session_started(self, session: Session) -> None: ...
    def turn_recorded(self, session: Session, turn: Turn) -> None: ...
    def turn_corrected(self, session: Session, turn: Turn) -> None: ...
    def session_finished(self, session: Session, result: Result) -> None: ...
    def session_abandoned(self, session: Session) -> None: ...


_MACHINES: OrderedDict[tuple[str, str], Machine] = OrderedDict()
_MACHINE_CACHE_SIZE = 64  # an authoring notebook makes a new version with every edit


def _entered(event) -> None:
    if event.transition.dest is not None:  # an internal transition stays where it is
        event.model._entered(event.state.name)


def machine_for(scenario: Scenario) -> Machine:
    """The scenario's shared Machine (built on first use)."""
    key = (scenario.id, scenario.content_hash)
    machine = _MACHINES.get(key)
    if machine is not None:
        _MACHINES.move_to_end(key)
    else:
        nodes, endings = list(scenario.nodes), list(scenario.endings)
        machine = Machine(
            model=None,
            states=nodes + endings + [BREAKING_POINT],
            initial=scenario.rules.start,
            auto_transitions=False,
            send_event=True,
            after_state_change=[_entered],
        )
        for node_id, node in scenario.nodes.items():
            for i, option in enumerate(node.options):
                machine.add_transition(f"option_{i}", node_id, option.next)
        machine.add_transition("break_off", nodes, BREAKING_POINT)
        machine.add_transition("not_understood", nodes, None)
        _MACHINES[key] = machine
        while len(_MACHINES) > _MACHINE_CACHE_SIZE:
            _MACHINES.popitem(last=False)
    return machine


def _utcnow() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


@dataclass(eq=False)
class Session:
    """One trainee playing one scenario.

    ``reply`` takes an option number (1-based, as the trainee sees them) or typed text. With
    ``clarify=True`` a typed reply the matcher is unsure of gives a ``Clarification`` (``pending``
    until ``confirm``); ``correct`` replaces the last typed turn by the option the trainee meant.
    ``clock`` (seconds, monotonic) is injectable so tests and replays control time.

    Args:
        scenario: the scenario to play.
        trainee: who plays it.
        seed: the seed of the customer's line variants (random when None; kept, so the session can be replayed).
        mode: ``practice``, ``debrief`` or ``assessment``; None takes the scenario's.
        clock: seconds, monotonic.
        matcher: how typed replies are matched; None takes the scenario's.
        recorder: where the session writes itself (the results store), or None.
        id: the session's id (a new UUID by default).
        attempt: which attempt of this trainee at this scenario (the store counts them).
        started_at: when it started (ISO, UTC).
    """

    scenario: Scenario
    trainee: str = "anonymous"
    seed: int | None = None
    mode: FeedbackMode | None = None
    clock: Callable[[], float] = time.monotonic
    matcher: Matcher | None = None
    recorder: Recorder | None = None
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    attempt: int = 1
    started_at: str = field(default_factory=_utcnow)
    turns: list[Turn] = field(default_factory=list)
    start: str | None = None  # play from this node (a trainer's "play from here"); default: the scenario's start
    start_mood: int | None = None  # and with this mood; default: the persona's starting mood
    state: str = field(init=False, default="")  # set by the Machine
    pending: Clarification | None = field(init=False, default=None)  # a "Did you mean …?" awaiting confirm()

    def __post_init__(self) -> None:
        if self.seed is None:
            self.seed = secrets.randbelow(2**31)
        self.mode = self.mode or self.scenario.model.feedback
        self.matcher = self.matcher or get_matcher(self.scenario.model.matching.matcher)
        self._rng = random.Random(self.seed)
        self._rules = self.scenario.rules
        self._now: State = self._rules.initial()
        if self.start is not None or self.start_mood is not None:
            node = self.start or self._now.node
            if node not in self.scenario.nodes:
                raise SessionError(f"there is no node '{node}' to start from in {self.scenario.id}")
            mood = self._now.mood if self.start_mood is None else max(0, min(100, int(self.start_mood)))
            self._now = State(node, mood)
        self._result: Result | None = None
        self._undo: tuple | None = None  # how things stood before the last turn, for correct()
        self._pending_confidence = 0.0
        self._machine = machine_for(self.scenario)
        unbound = set(vars(self))
        self._machine.add_model(self, initial=self._now.node)
        self._bound = set(vars(self)) - unbound  # the triggers the Machine bound, unbound to add the session again
        self.status = "in_progress"
        self.customer_line = self._pick(self.scenario.nodes[self._now.node].customer)
        self.transcript: list[tuple[str, str]] = [("customer", self.customer_line)]
        self._shown_at = self._started = self.clock()
        if self.recorder is not None:
            self.recorder.session_started(self)

    # -------------------------------------------------------------- what the trainee sees

    @property
    def mood(self) -> int:
        return self._now.mood

    @property
    def finished(self) -> bool:
        return self._now.ending is not None

    @property
    def node(self) -> str:
        return self._now.node

    @property
    def ending(self) -> str | None:
        return self._now.ending

    @property
    def outcome(self) -> str | None:
        if self._now.ending is None:
            return None
        if self._now.ending == BREAKING_POINT:
            return (self.scenario.model.breaking_point or self.scenario.persona.on_break).outcome
        return self.scenario.endings[self._now.ending].outcome

    @property
    def options(self) -> list[str]:
        """The texts of the replies on offer (empty once finished)."""
        if self.finished:
            return []
        return [o.text for o in self.scenario.nodes[self._now.node].options]

    @property
    def elapsed(self) -> float:
        """Seconds since the customer's current line appeared."""
        return self.clock() - self._shown_at

    # -------------------------------------------------------------- replying

    @property
    def clarifies(self) -> bool:
        """Whether this session proposes options ("Did you mean …?") for a typed reply the matcher is unsure of.

        The scenario's ``matching.clarify`` decides (``propose`` or ``rephrase``); without it, practice
        and debrief sessions propose and assessment sessions ask to rephrase.
        """
        setting = self.scenario.model.matching.clarify
        if setting is not None:
            return setting == "propose"
        return self.mode != "assessment"

    @property
    def correctable(self) -> bool:
        """Whether "that's not what I meant" is on offer: the last turn was typed and understood (and not
        corrected already), in practice or debrief mode, and nothing is pending."""
        if self.pending is not None or self.mode == "assessment" or self.status == "abandoned" or not self.turns:
            return False
        last = self.turns[-1]
        return last.kind == "text" and last.understood and last.corrected_from is None and self._undo is not None

    def reply(self, reply: int | str, *, clarify: bool = False) -> Turn | Clarification:
        """Answer the customer with an option number (1-based) or typed text.

        Args:
            reply: an option number (1-based) or typed text.
            clarify: for a typed reply the matcher is unsure of, return a ``Clarification`` (the options
                to propose) instead of a not-understood turn, when the session clarifies (``clarifies``).
                Nothing is recorded then; ``confirm`` resolves it.

        Returns:
            The ``Turn``, or a ``Clarification`` (see ``clarify``).

        Raises:
            SessionError: the session has ended, a clarification is pending, or the reply is no option or empty.
        """
        self._check_open()
        options = self.scenario.nodes[self._now.node].options
        reply_text, kind = str(reply), "option"
        if isinstance(reply, bool):
            raise SessionError("a reply is an option number or text")
        if isinstance(reply, int):
            if not 1 <= reply <= len(options):
                raise SessionError(f"there is no option {reply}: choose 1 to {len(options)}")
            match = Match(reply - 1, 1.0)
            reply_text = options[reply - 1].text
        else:
            if not reply.strip():
                raise SessionError("the reply is empty")
            kind = "text"
            match = self.matcher.match(reply, options, self.scenario.language)
        understood = kind == "option" or taken(match, self.matcher, self.scenario.model.matching.threshold)
        proposed = [] if understood else [i for i in match.proposed if 0 <= i < len(options)]
        if proposed and clarify and self.clarifies:
            self.pending = Clarification(reply_text, tuple(proposed), tuple(options[i].text for i in proposed))
            self._pending_confidence = match.confidence
            return self.pending
        latency = self.clock() - self._shown_at
        return self._take(
            reply_text, kind, match.option_index if understood else None, match.confidence, latency, proposed=proposed
        )

    def confirm(self, choice: int | None) -> Turn:
        """Resolve the pending ``Clarification``: the trainee picked one of the proposed options, or none.

        Args:
            choice: the option number (1-based, of the current node), one of those proposed; None for
                "none of these" (a not-understood turn, with no mood cost: the customer asks to rephrase).

        Returns:
            The turn, made for the typed text (``proposed`` kept, ``confirmed`` True for a choice). Its
            latency runs from the customer's line to this confirmation.

        Raises:
            SessionError: nothing is pending, or the choice is not one of the proposed options.
        """
        pending = self.pending
        if pending is None:
            raise SessionError("there is no proposed option to confirm")
        if self.status != "in_progress":
            raise SessionError(f"the session has ended ({self.status}); start a new one to play again")
        proposed = choice is None or (
            isinstance(choice, int) and not isinstance(choice, bool) and choice - 1 in pending.proposed
        )
        if not proposed:
            numbers = " or ".join(str(i + 1) for i in pending.proposed)
            raise SessionError(f"option {choice} was not proposed: choose {numbers}, or none")
        self.pending = None
        latency = self.clock() - self._shown_at
        index = None if choice is None else choice - 1
        return self._take(
            pending.reply,
            "text",
            index,
            self._pending_confidence,
            latency,
            proposed=list(pending.proposed),
            confirmed=index is not None,
        )

    def correct(self, choice: int) -> Turn:
        """Undo the last (typed, understood) turn and take option ``choice`` instead ("that's not what I meant").

        The node, mood, turns count, transcript and the customer's line go back to before that turn;
        the new turn has the same index, the typed text, and ``corrected_from`` the option it was first
        taken for, and the first turn's latency and time. If the undone turn had ended the conversation,
        the session goes on (or ends where the intended option leads). The recorder gets ``turn_corrected``.

        Args:
            choice: the intended option number (1-based, of the node the turn was at).

        Returns:
            The new turn.

        Raises:
            SessionError: the last turn cannot be corrected (``correctable``), ``choice`` is no option
                there, or it is the option the reply was taken for.
        """
        if not self.correctable:
            raise SessionError("the last reply cannot be corrected")
        last = self.turns[-1]
        options = self.scenario.nodes[last.node].options
        if isinstance(choice, bool) or not isinstance(choice, int) or not 1 <= choice <= len(options):
            raise SessionError(f"there is no option {choice}: choose 1 to {len(options)}")
        if choice - 1 == last.option_index:
            raise SessionError(f"the reply was taken for option {choice} already")
        before, line, shown, length, rng_state = self._undo
        self._now = before
        self.customer_line = line
        self._shown_at = shown
        del self.transcript[length:]
        self._rng.setstate(rng_state)
        self.turns.pop()
        if self.status == "completed":
            self.status = "in_progress"
            self._result = None
            self._ended = None
            for name in self._bound:
                vars(self).pop(name, None)
            self._machine.add_model(self, initial=before.node)
        else:
            self._machine.set_state(before.node, model=self)
        return self._take(
            last.reply, "text", choice - 1, last.confidence, last.latency,
            proposed=list(last.proposed), confirmed=last.confirmed, corrected_from=last.option_index, at=last.at,
        )  # fmt: skip

    def _check_open(self) -> None:
        if self.finished or self.status != "in_progress":
            raise SessionError(f"the session has ended ({self.status}); start a new one to play again")
        if self.pending is not None:
            raise SessionError("confirm or decline the proposed options first")

    def _take(
        self,
        reply_text: str,
        kind: str,
        option_index: int | None,
        confidence: float,
        latency: float,
        *,
        proposed: list[int],
        confirmed: bool = False,
        corrected_from: int | None = None,
        at: str | None = None,
    ) -> Turn:
        """Make the turn of a reply taken for ``option_index`` (None: not understood) and move on."""
        understood = option_index is not None
        before = self._now
        self._undo = (before, self.customer_line, self._shown_at, len(self.transcript), self._rng.getstate())
        values = self.scenario.reply_values(before)
        best = max(range(len(values)), key=values.__getitem__)
        if understood:
            new, effect = self._rules.choose(before, option_index)
        else:
            new, effect = self._rules.confuse(before)
        match = Match(option_index, confidence)
        turn = self._make_turn(before, reply_text, kind, match, understood, effect, latency, best)
        turn.was_best = understood and values[option_index] >= values[best] - 1e-9
        turn.proposed, turn.confirmed, turn.corrected_from = list(proposed), confirmed, corrected_from
        if at is not None:
            turn.at = at
        self._now = new
        self.turns.append(turn)
        self.transcript.append(("trainee", reply_text))
        # The Machine moves the model; _entered() picks the customer's next line.
        if effect.ending == BREAKING_POINT:
            self.break_off()
        elif understood:
            self.trigger(f"option_{option_index}")
        else:
            self.not_understood()
            self.customer_line = self._pick(self.scenario.persona.rephrase)
            self._show(self.customer_line)
        if self.recorder is not None:
            if corrected_from is None:
                self.recorder.turn_recorded(self, turn)
            else:
                self.recorder.turn_corrected(self, turn)
        if self.finished:
            self._finish()
        return turn

    def _make_turn(
        self,
        before: State,
        reply: str,
        kind: str,
        match: Match,
        understood: bool,
        effect: Effect,
        latency: float,
        best: int,
    ) -> Turn:
        option = self.scenario.nodes[before.node].options[match.option_index] if understood else None
        parts = [option.feedback] if option else ["The customer did not understand this reply."]
        parts += [r.feedback for r in effect.reactions]
        return Turn(
            index=len(self.turns),
            node=before.node,
            customer_line=self.customer_line,
            reply=reply,
            kind=kind,
            option_index=match.option_index if understood else None,
            confidence=match.confidence,
            understood=understood,
            scores=effect.scores,
            mood_before=effect.mood_before,
            mood_after=effect.mood_after,
            reactions=[r.id for r in effect.reactions],
            feedback=" ".join(parts),
            latency=round(latency, 3),
            at=_utcnow(),
            next=effect.next,
            ending=effect.ending,
            breach=effect.breach,
            best_option_index=best,
        )

    def _entered(self, state_name: str) -> None:
        if state_name == BREAKING_POINT:
            lines = (self.scenario.model.breaking_point or self.scenario.persona.on_break).customer
        elif state_name in self.scenario.endings:
            lines = self.scenario.endings[state_name].customer
        else:
            lines = self.scenario.nodes[state_name].customer
        self.customer_line = self._pick(lines)
        self._show(self.customer_line)

    def _show(self, line: str) -> None:
        self.transcript.append(("customer", line))
        self._shown_at = self.clock()

    def _pick(self, lines: list[str]) -> str:
        return lines[0] if len(lines) == 1 else self._rng.choice(lines)

    def _finish(self) -> None:
        self.status = "completed"
        self._ended = self.clock()
        self._machine.remove_model(self)
        if self.recorder is not None:
            self.recorder.session_finished(self, self.result())

    def abandon(self) -> None:
        """The trainee left: what was answered stays; the session is marked abandoned."""
        if self.status != "in_progress":
            return
        self.status = "abandoned"
        self._machine.remove_model(self)
        if self.recorder is not None:
            self.recorder.session_abandoned(self)

    # -------------------------------------------------------------- results

    @property
    def handle_time(self) -> float:
        end = getattr(self, "_ended", None)
        return round((end if end is not None else self.clock()) - self._started, 3)

    def result(self) -> Result:
        """Scores, KPIs and the debrief (for a finished session)."""
        if not self.finished:
            raise SessionError("the conversation is not over yet")
        if self._result is None:
            self._result = score_session(
                self.scenario.model,
                self.scenario.max_scores,
                self.turns,
                Conclusion(
                    session_id=self.id,
                    trainee=self.trainee,
                    outcome=self.outcome or "",
                    ending=self.ending or "",
                    closing_line=self.customer_line,
                    final_mood=self.mood,
                    handle_time=self.handle_time,
                    mode=self.mode or "practice",
                ),
                phrasebook_for(self.scenario.source, self.scenario.language),
            )
        return self._result
