"""Edits a trainer makes to a scenario file's text, keeping the rest of the file as written.

``add_phrasing`` puts a typed reply the lab did not understand into an option's
``phrasings`` by inserting one line (or one item of a ``[…]`` list), so comments, order and
layout stay as the trainer wrote them. The result is parsed again before it is returned.

``save_scenario`` writes a sound scenario into the library, and one with problems as a draft in
``drafts/`` beside it (which the loader never reads), so a draft never takes the last sound version
off trainees' menus; ``read_draft`` and ``discard_draft`` open and drop a draft.
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from ..errors import LabError, Problem, ScenarioErrors
from ..loading.loader import DRAFTS_FOLDER, check_scenario, parse_scenario
from ..loading.yamlsource import Document, read_document

__all__ = [
    "NEW_SCENARIO",
    "Saved",
    "add_phrasing",
    "add_phrasing_to_file",
    "discard_draft",
    "draft_path",
    "new_scenario_text",
    "read_draft",
    "save_scenario",
]


def _document(text: str, file: str) -> Document:
    doc, problems = read_document(text.encode("utf-8"), file)
    if doc is None or problems:
        raise LabError(f"{file} does not read as YAML; fix it first:\n" + "\n".join(map(str, problems)))
    return doc


def _quoted(phrasing: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(phrasing, ensure_ascii=False)


def add_phrasing(text: str, node: str, option: int, phrasing: str, *, file: str = "<scenario>") -> str:
    """The scenario text with ``phrasing`` added to option ``option`` (1-based) of ``node``.

    Raises LabError when the option does not exist, the phrasing is empty or already there,
    or the option is written in a layout this edit does not handle (a one-line ``{…}``).
    """
    phrasing = " ".join(phrasing.split())
    if not phrasing:
        raise LabError("an empty reply cannot be a phrasing")
    doc = _document(text, file)
    nodes = (doc.data or {}).get("nodes") or {}
    if node not in nodes:
        raise LabError(f"{file}: there is no node '{node}'")
    options = nodes[node].get("options") or []
    if not 1 <= option <= len(options):
        raise LabError(f"{file}: node '{node}' has options 1–{len(options)}, not {option}")
    opt = options[option - 1]
    existing = opt.get("phrasings") or []
    if phrasing.casefold() in (str(p).casefold() for p in [opt.get("text", ""), *existing]):
        raise LabError(f"option {option} at '{node}' already has the phrasing {phrasing!r}")

    lines = text.splitlines(keepends=True)
    base = ("nodes", node, "options", option - 1)
    if "phrasings" in opt and existing:
        line, col = doc.values[(*base, "phrasings")]
        row = lines[line - 1]
        if row[col - 1] == "[":  # flow list: put it first inside the brackets
            lines[line - 1] = row[:col] + _quoted(phrasing) + ", " + row[col:]
        else:  # block list: a new item above the first
            first_line, first_col = doc.values[(*base, "phrasings", 0)]
            dash = lines[first_line - 1].rfind("-", 0, first_col)
            indent = " " * dash
            lines.insert(first_line - 1, f"{indent}- {_quoted(phrasing)}\n")
    elif "phrasings" in opt:  # `phrasings: []` or `phrasings:` with nothing
        line, col = doc.keys[(*base, "phrasings")]
        row = lines[line - 1]
        newline = "\n" if row.endswith("\n") else ""
        lines[line - 1] = " " * (col - 1) + f"phrasings: [{_quoted(phrasing)}]" + newline
    else:  # no phrasings yet: a new key on its own line, above the option's second key
        keys = sorted(doc.keys[(*base, k)] for k in opt)
        if len(keys) < 2 or keys[1][0] == keys[0][0]:
            raise LabError(f"option {option} at '{node}' is written on one line; add the phrasing by hand")
        line, col = keys[1]
        lines.insert(line - 1, " " * (col - 1) + f"phrasings: [{_quoted(phrasing)}]\n")

    new_text = "".join(lines)
    try:
        check = _document(new_text, file).data["nodes"][node]["options"][option - 1]
    except (LabError, KeyError, IndexError, TypeError) as exc:
        raise LabError(f"adding the phrasing would break {file}; add it by hand ({exc})") from exc
    if phrasing not in (check.get("phrasings") or []):
        raise LabError(f"adding the phrasing would change {file} in an unexpected way; add it by hand")
    return new_text


def add_phrasing_to_file(path: Path | str, node: str, option: int, phrasing: str) -> None:
    """``add_phrasing`` on a file, written back only when the scenario is still sound."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    new_text = add_phrasing(text, node, option, phrasing, file=str(path))
    try:
        parse_scenario(new_text, str(path), source=path)
    except ScenarioErrors as exc:
        raise LabError(f"{path} would not be sound with the phrasing; nothing was written:\n{exc}") from exc
    write_text(path, new_text)


# ---------------------------------------------------------------- saving and drafts


def write_text(path: Path, text: str) -> None:
    """Write a file whole or not at all: a kernel reading the library never meets half a file.

    Args:
        path: the file.
        text: its new text.

    Returns:
        None.
    """
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")  # not *.yaml: never read as a scenario
    try:
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, path)
    finally:
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)


def draft_path(path: Path | str) -> Path:
    """Where the draft of a library file is kept: ``drafts/<name>`` in the file's folder.

    Args:
        path: the scenario file in the library.

    Returns:
        The draft's path (it may not exist).
    """
    path = Path(path)
    return path.parent / DRAFTS_FOLDER / path.name


def read_draft(path: Path | str) -> str | None:
    """The text of a library file's draft.

    Args:
        path: the scenario file in the library.

    Returns:
        The draft's text, or None when the file has no draft.
    """
    try:
        return draft_path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        return None


def discard_draft(path: Path | str) -> bool:
    """Delete a library file's draft.

    Args:
        path: the scenario file in the library.

    Returns:
        Whether there was a draft.
    """
    try:
        draft_path(path).unlink()
    except FileNotFoundError:
        return False
    return True


@dataclass(frozen=True)
class Saved:
    """What ``save_scenario`` wrote.

    Attributes:
        path: the file written: the library file, or its draft.
        draft: True when the text had errors and went to ``drafts/``.
        errors: the text's errors (none when it went to the library).
        live: whether the library file is sound after the save, i.e. trainees are offered the scenario
            (for a draft: the last sound version).
    """

    path: Path
    draft: bool
    errors: tuple[Problem, ...]
    live: bool


def save_scenario(path: Path | str, text: str) -> Saved:
    """Save a scenario's text: into the library when it is sound (its draft, if any, is then dropped),
    as a draft in ``drafts/`` when it has errors (the library file is not touched).

    Args:
        path: the scenario file in the library.
        text: the text to save.

    Returns:
        What was written (``Saved``).
    """
    path = Path(path)
    result = check_scenario(text, path.name, source=path)
    if result.ok:
        write_text(path, text)
        discard_draft(path)
        return Saved(path, False, (), True)
    draft = draft_path(path)
    draft.parent.mkdir(exist_ok=True)
    write_text(draft, text)
    live = path.exists() and check_scenario(path.read_bytes(), path.name, source=path).ok
    return Saved(draft, True, result.errors, live)


NEW_SCENARIO = """\
# yaml-language-server: $schema=./schema/scenario.schema.json
schema_version: 1
id: {id}
version: 1
title: {title}
language: en
persona: {persona}
feedback: practice
briefing: |
  You work in the support team of … Describe the situation the trainee walks into.
customer:
  name: Alex Customer
  context: What the trainee knows before the conversation starts.
competencies:
  empathy: {{weight: 2}}
  problem_solving: {{weight: 1}}
pass_mark: 70
nodes:
  opening:
    customer: The customer's first line.
    options:
      - text: I understand how unpleasant this is. Tell me what happened.
        phrasings: ["I'm sorry, please tell me what happened"]
        tags: [empathy]
        scores: {{empathy: 2}}
        mood: 10
        feedback: Let the customer vent and show empathy first.
        next: solve
      - text: What's your order number?
        scores: {{empathy: -1}}
        mood: -5
        feedback: Procedure before empathy makes an upset customer feel unheard.
        next: solve
      - text: That's not our fault.
        scores: {{empathy: -2}}
        mood: -5
        feedback: Blame turns a complaint into a fight.
        next: lost_customer
  solve:
    customer: So what are you going to do about it?
    options:
      - text: Here is what I will do for you right now …
        tags: [solution]
        scores: {{problem_solving: 2}}
        mood: 15
        feedback: A concrete next step, owned by you.
        next: resolved
      - text: Let me pass this on to my manager.
        scores: {{problem_solving: 0}}
        mood: -5
        feedback: Escalating what you could solve yourself costs the customer time.
        next: escalated
      - text: There's nothing I can do.
        scores: {{problem_solving: -1}}
        mood: -20
        feedback: Say what you can do, not what you cannot.
        next: lost_customer
endings:
  resolved:
    outcome: resolved
    customer: Thank you, that's all I wanted.
  escalated:
    outcome: escalated
    customer: Fine, put me through.
  lost_customer:
    outcome: lost
    customer: I'm taking my business elsewhere.
tests:
  - name: the textbook path
    replies: [1, 1]
    ending: resolved
    passed: true
"""


def new_scenario_text(scenario_id: str, title: str, persona: str = "angry") -> str:
    """A small sound scenario to start from (the trainer renames and grows it)."""
    return NEW_SCENARIO.format(id=scenario_id, title=_quoted(" ".join(title.split()) or scenario_id), persona=persona)
