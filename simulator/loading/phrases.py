"""The phrase coach's files (``phrases/<language>.yaml``), checked with file and line; and a
scenario's ``coach:`` opt-in, checked against its competencies and its library's phrase files.

The checks of a phrase file's data are ``core.coach.check_phrasebook``'s (the runtime reads the
same files); here each is located in the file with ``yamlsource``.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from ..core.coach import LANGUAGES, check_phrasebook, phrase_file
from ..core.model import ScenarioModel
from ..errors import Problem, display_path
from .checks import did_you_mean
from .yamlsource import Document, read_document

__all__ = ["PHRASES_FOLDER", "check_phrase_file", "check_phrase_files", "coach_problems", "phrase_files"]

PHRASES_FOLDER = "phrases"


def check_phrase_file(path: Path | str) -> list[Problem]:
    """Every problem of one phrase file, each with its file, line and what to fix.

    Args:
        path: the file (``phrases/en.yaml``).

    Returns:
        The problems; empty when the file is sound.
    """
    path = Path(path)
    file = display_path(path)
    if path.stem not in LANGUAGES:
        return [Problem(file, 1, 1, "", f"a phrase file is named after its language: {', '.join(LANGUAGES)} (.yaml)")]
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return [Problem(file, 1, 1, "", f"cannot read the file: {exc.strerror or exc}")]
    doc, problems = read_document(raw, file)
    if doc is None or problems:
        return problems
    return [doc.problem(where, message, key=key) for where, message, key in check_phrasebook(doc.data, path.stem)]


def phrase_files(paths: Iterable[Path | str]) -> list[Path]:
    """The phrase files of the libraries named: ``phrases/*.yaml`` under every folder named, and
    every file named that lies in a ``phrases/`` folder.

    Args:
        paths: scenario files and folders, as ``roleplay validate`` takes them.

    Returns:
        The phrase files found, sorted within each folder.
    """
    found: list[Path] = []
    for p in map(Path, paths):
        try:
            if not p.is_dir():
                if p.parent.name == PHRASES_FOLDER and p.suffix in (".yaml", ".yml"):
                    found.append(p)
                continue
            found.extend(sorted(f for f in p.rglob("*.y*ml") if f.parent.name == PHRASES_FOLDER))
        except (OSError, ValueError):
            continue
    return found


def check_phrase_files(paths: Iterable[Path | str]) -> list[Problem]:
    """Every problem of the phrase files of the libraries named.

    Args:
        paths: scenario files and folders.

    Returns:
        The problems of every phrase file found.
    """
    return [p for f in phrase_files(paths) for p in check_phrase_file(f)]


def coach_problems(doc: Document, model: ScenarioModel, source: Path | None) -> list[Problem]:
    """A scenario's ``coach:`` opt-in: its competency must be one the scenario assesses, and a
    scenario read from a file needs its language's phrase file in its library.

    Args:
        doc: the scenario's document (for locations).
        model: the scenario, past the schema.
        source: the file it was read from, if any.

    Returns:
        The problems; empty without an opt-in.
    """
    if model.coach is None:
        return []
    problems = []
    competency = model.coach.competency
    if competency not in model.competencies:
        problems.append(
            doc.problem(
                ("coach", "competency"),
                f"the coach lowers '{competency}', which the scenario does not assess"
                + (did_you_mean(competency, model.competencies) or " — add it to competencies or name one of them"),
            )
        )
    if source is not None and phrase_file(source, model.language) is None:
        problems.append(
            doc.problem(
                ("coach",),
                f"no phrase file for the language '{model.language}': add {PHRASES_FOLDER}/{model.language}.yaml "
                "beside the scenarios (docs/phrase-coach.md)",
                key=True,
            )
        )
    return problems
