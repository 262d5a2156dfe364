"""The scenario and persona file formats as pydantic models.

These models are the single source of truth for the file format: the loader validates
against them and the JSON Schema shipped in ``scenarios/schema/`` is generated from them.
They are frozen: a loaded scenario never changes.

Their validators are built on first use (``defer_build``): a trainee's kernel that reads scenarios
the lab checked before (``loading.cache``) rebuilds them with ``rebuild`` and never pays for
pydantic's schema building; the loader, the studio and the CLI validate as always.
"""

from __future__ import annotations

import re
import types
import unicodedata
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

SCHEMA_VERSION = 1
ID_PATTERN = r"^[a-z][a-z0-9_-]*$"  # node, ending, competency, persona, tag and reaction ids
ID_MAX = 64

# Control characters (Unicode's Cc: C0, DEL, C1) and unpaired surrogates; a line break or tab is
# refused only where the text is one line (a title, a name, a button).
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_CONTROL_IN_LINES = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
# Characters that show nothing on their own: spaces, zero-width and other format characters,
# combining marks, separators, controls, and the "filler" letters that render blank.
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zs", "Zl", "Zp", "Mn", "Me"})
_BLANK_LETTERS = frozenset("\u115f\u1160\u2800\u3164\uffa0")


def _invisible(ch: str) -> bool:
    return ch in _BLANK_LETTERS or unicodedata.category(ch) in _INVISIBLE_CATEGORIES


def _code(ch: str) -> str:
    return f"U+{ord(ch):04X}"


def _text(value: str, *, lines: bool = True) -> str:
    """Text a trainee or trainer can read: no control characters (but the new lines and tabs of
    multi-line text), no unpaired surrogates, and something visible."""
    found = (_CONTROL_IN_LINES if lines else _CONTROL).search(value)
    if found:
        ch = found.group()
        if ch in "\n\t":
            raise PydanticCustomError(
                "line_break", "a line break or tab is not allowed here — keep this text on one line"
            )
        name = (
            "an escape character ({code}, as in terminal colour codes)"
            if ch == "\x1b"
            else "a control character ({code})"
        )
        raise PydanticCustomError(
            "control_character", name + " is not allowed in text — remove it", {"code": _code(ch)}
        )
    if all(_invisible(ch) for ch in value):  # stops at the first visible character
        raise PydanticCustomError(
            "invisible_text",
            "the text is made only of invisible characters ({codes}) — write text a reader can see",
            {"codes": ", ".join(dict.fromkeys(_code(ch) for ch in value[:5]))},
        )
    return value


def _line(value: str) -> str:
    return _text(value, lines=False)


Outcome = Literal["resolved", "follow_up", "escalated", "lost"]
FeedbackMode = Literal["practice", "debrief", "assessment"]
Language = Literal["en", "pl"]
NodeId = Annotated[str, Field(pattern=ID_PATTERN, max_length=ID_MAX)]
ScenarioId = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=80)]
Text = Annotated[str, Field(min_length=1, max_length=4000), AfterValidator(_text)]
Line = Annotated[str, Field(min_length=1, max_length=4000), AfterValidator(_line)]  # a title, a name, a button
Lines = Annotated[list[Text], Field(min_length=1)]


def _as_list(value: object) -> object:
    return [value] if isinstance(value, str) else value


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True, defer_build=True)


def rebuild(model: type[BaseModel], data: dict) -> BaseModel:
    """A model from the JSON of one that was validated before (``model_dump(mode="json")``), unchecked.

    Only for data the lab itself validated and wrote (the scenario cache): nested models, their
    lists, dicts and optional values are rebuilt field by field with ``model_construct``; a field
    the model does not have, a missing one or a value of the wrong shape raises ``TypeError``.

    Args:
        model: the model class (``ScenarioModel``, ``PersonaModel``).
        data: its JSON, as ``model_dump(mode="json")`` wrote it.

    Returns:
        The model, equal to ``model.model_validate(data)`` for such data.

    Raises:
        TypeError: ``data`` does not have the model's shape.
    """
    if not isinstance(data, dict) or set(data) != set(model.model_fields):
        raise TypeError(f"not the fields of {model.__name__}")
    values = {name: _rebuild_value(field.annotation, data[name]) for name, field in model.model_fields.items()}
    return model.model_construct(**values)


def _rebuild_value(annotation: Any, value: Any) -> Any:
    origin, args = get_origin(annotation), get_args(annotation)
    if origin is Annotated:
        return _rebuild_value(args[0], value)
    if origin in (Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        kinds = [a for a in args if a is not type(None)]
        if len(kinds) == 1:
            return _rebuild_value(kinds[0], value)
        if any(isinstance(a, type) and issubclass(a, BaseModel) for a in kinds):
            raise TypeError(f"cannot rebuild {annotation}")
        return value  # a union of plain values (int | str)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return rebuild(annotation, value)
    if origin is list:
        if not isinstance(value, list):
            raise TypeError("a list expected")
        return [_rebuild_value(args[0], v) for v in value] if args else value
    if origin is tuple:
        if not isinstance(value, list | tuple):
            raise TypeError("a tuple expected")
        return tuple(value)
    if origin is dict:
        if not isinstance(value, dict):
            raise TypeError("a mapping expected")
        return {k: _rebuild_value(args[1], v) for k, v in value.items()} if args else value
    return value


class Competency(_Strict):
    """A competency the scenario assesses."""

    weight: Annotated[float, Field(gt=0, le=100, description="Weight in the overall score.")]
    title: Line | None = Field(None, description="Needed only for a competency outside the catalogue.")


class Passport(_Strict):
    """The "VIP passport": what the team knows about a client."""

    history: list[Text] = []
    preferences: list[Text] = []
    notes: Text | None = None


class Customer(_Strict):
    name: Line
    context: Text = Field(description="What the trainee knows before the conversation starts.")
    passport: Passport | None = None


class Option(_Strict):
    """A reply the trainee can give at a node."""

    text: Line = Field(description="The reply as shown on the button.")
    phrasings: list[Text] = Field([], description="Other ways a trainee might type this reply.")
    tags: list[NodeId] = Field([], description="Words persona reactions look at.")
    scores: dict[str, Annotated[float, Field(ge=-100, le=100)]] = Field({}, description="Score change per competency.")
    mood: Annotated[int, Field(ge=-100, le=100)] = Field(0, description="Mood change.")
    feedback: Text
    next: NodeId = Field(description="The node or ending this reply leads to.")
    breach: Text | None = Field(None, description="A critical breach: choosing this fails the session.")


class Node(_Strict):
    customer: Lines = Field(description="What the customer says: one line or several variants.")
    options: Annotated[list[Option], Field(min_length=1)]

    _lines = field_validator("customer", mode="before")(_as_list)


class Ending(_Strict):
    outcome: Outcome
    customer: Lines = Field(description="The customer's closing line (or variants).")
    summary: Text | None = None

    _lines = field_validator("customer", mode="before")(_as_list)


class BreakingPoint(_Strict):
    outcome: Outcome = "escalated"
    customer: Lines

    _lines = field_validator("customer", mode="before")(_as_list)


class Matching(_Strict):
    matcher: str = Field(
        "semantic", description="The reply matcher, by name: semantic (meaning, words and stance), or lexical."
    )
    threshold: Annotated[float, Field(ge=0, le=1)] = 0.35
    clarify: Literal["propose", "rephrase"] | None = Field(
        None,
        description=(
            'What the trainee sees when the matcher is unsure of a typed reply: propose ("Did you mean …?" '
            "with up to two options, confirmed with a click) or rephrase (a neutral request to rephrase). "
            "Default: propose in practice and debrief modes, rephrase in assessment mode."
        ),
    )


class Coach(_Strict):
    """The phrase coach's opt-in: coached phrases in typed replies count against a competency."""

    competency: NodeId = Field(
        "positive_language",
        description="The competency a coached phrase lowers; one the scenario assesses.",
    )
    penalty: Annotated[float, Field(gt=0, le=100)] = Field(
        1, description="Score change taken off the competency for each coached phrase in a typed reply."
    )
    max_per_reply: Annotated[float, Field(gt=0, le=100)] = Field(
        2, description="At most this much is taken off for one reply, however many phrases it has."
    )


class PathTest(_Strict):
    name: Line
    replies: Annotated[list[int | Text], Field(min_length=1)]
    ending: NodeId
    outcome: Outcome | None = None
    score: tuple[float, float] | None = Field(None, description="Inclusive range of the overall score.")
    passed: bool | None = None


class ScenarioModel(_Strict):
    """A scenario file, as written."""

    schema_version: Literal[1]
    id: ScenarioId
    version: Annotated[int, Field(ge=1)] = 1
    title: Line
    language: Language = "en"
    persona: NodeId
    feedback: FeedbackMode = "practice"
    briefing: Text
    customer: Customer
    competencies: Annotated[dict[NodeId, Competency], Field(min_length=1)]
    pass_mark: Annotated[float, Field(ge=0, le=100)]
    start: NodeId | None = None
    max_turns: Annotated[int, Field(ge=1, le=200)] = 30
    reply_time_limit: Annotated[float, Field(gt=0)] = Field(60, description="Seconds; for the SLA KPI.")
    matching: Matching = Matching()
    coach: Coach | None = Field(
        None,
        description="Opt in to the phrase coach's scoring (docs/phrase-coach.md): without it the debrief "
        "still coaches typed replies, and scores are unchanged.",
    )
    nodes: Annotated[dict[NodeId, Node], Field(min_length=1)]
    endings: Annotated[dict[NodeId, Ending], Field(min_length=1)]
    breaking_point: BreakingPoint | None = None
    tests: list[PathTest] = []


class MoodModel(_Strict):
    start: Annotated[int, Field(ge=0, le=100)]
    gain: Annotated[float, Field(ge=0, le=5)] = 1.0
    loss: Annotated[float, Field(ge=0, le=5)] = 1.0
    breaking_point: Annotated[int, Field(ge=0, le=100)] = 0


class When(_Strict):
    tag: NodeId
    without_earlier: list[NodeId] = []
    with_earlier: list[NodeId] = []


class Reaction(_Strict):
    id: NodeId
    when: When
    mood: Annotated[int, Field(ge=-100, le=100)] = 0
    scores: dict[str, Annotated[float, Field(ge=-100, le=100)]] = {}
    feedback: Text


class PersonaModel(_Strict):
    """A persona file, as written."""

    schema_version: Literal[1]
    id: NodeId
    title: Line
    description: Text
    mood: MoodModel
    on_break: BreakingPoint
    rephrase: Lines
    confusion_mood: Annotated[int, Field(ge=-100, le=0)] = Field(
        -3,
        description=(
            "No longer used: a reply the lab did not understand costs the trainee no mood. "
            "Still accepted, so older persona files load."
        ),
    )
    reactions: list[Reaction] = []

    _lines = field_validator("rephrase", mode="before")(_as_list)
