"""Fuzzing the loader with seeded mutants of the shipped scenarios and personas (the fuzzer is
benchmarks/fuzz_scenarios.py; run it there with more files for the figures)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from ..benchscripts import load


def load_fuzzer():
    """The fuzzer script as a module, loaded once (its audit hook is added once per process)."""
    return load("fuzz_scenarios")


@pytest.mark.slow
def test_a_thousand_mutants_never_escape(tmp_path: Path):
    """A thousand mutants (about 45 s; ``python benchmarks/fuzz_scenarios.py`` runs more for the figures)."""
    fuzz = load_fuzzer()
    figures = fuzz.fuzz(1000, seed=1312, tmp=tmp_path)
    report = figures.report()
    assert figures.files == 1000, report
    # Nothing escapes: no exception, and every error has its file, a line in it and a column, on one line.
    assert figures.escapes == [], report
    assert figures.rejected + figures.accepted == 1000 and figures.rejected > 750, report
    # Errors point at what to fix: 1:1 only where the whole file is the problem (empty, too big…).
    assert figures.at_1_1 <= figures.errors // 100 and figures.only_1_1 <= figures.rejected // 100, report
    # `roleplay validate` on a folder of 100 mutants reports every file; each broken one is named.
    assert figures.exit_codes == {1: 1}, report
    assert figures.folder_files == 100 and figures.folder_named + figures.folder_sound == 100, report
    # Nothing is run, and nothing is written outside the temporary folder.
    assert not figures.marker_created and figures.runs == [] and figures.writes == [], report


def test_the_mutants_are_the_same_for_a_seed(tmp_path: Path):
    fuzz = load_fuzzer()
    first = list(fuzz.iter_mutants(30, 7, tmp_path / "marker"))
    assert first == list(fuzz.iter_mutants(30, 7, tmp_path / "marker"))
    assert len({raw for _name, raw, _ops in first}) == 30
    kinds = {op for _name, _raw, ops in fuzz.iter_mutants(400, 7, tmp_path / "marker") for op in ops}
    assert kinds >= {"python_payload", "alias_bomb", "deep_nesting", "huge_string", "random_unicode", "truncate"}


def test_the_watch_sees_a_process_and_a_write_outside(tmp_path: Path):
    """The audit hook the fuzz test relies on does see what it must never see."""
    import os
    import subprocess

    fuzz = load_fuzzer()
    inside = tmp_path / "inside"
    inside.mkdir()
    watch = fuzz.watching(inside)
    watch.active = True
    try:
        (inside / "ok.txt").write_text("fine")
        (tmp_path / "outside.txt").write_text("seen")
        subprocess.run([sys.executable, "-c", "pass"], check=True)
    finally:
        watch.active = False
        fuzz._WATCHES.remove(watch)
    assert set(watch.writes) == {str((tmp_path / "outside.txt").resolve())}
    assert [r.split("(")[0] for r in watch.runs][:1] == ["subprocess.Popen"] and os.path.exists(
        tmp_path / "outside.txt"
    )
