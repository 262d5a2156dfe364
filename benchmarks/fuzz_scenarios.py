"""Fuzzing the loader: seeded mutants of the shipped scenarios and personas, checked as trainers' files are.

Run from the repository root::

    python benchmarks/fuzz_scenarios.py                 # 5,000 files, a minute or so
    python benchmarks/fuzz_scenarios.py --files 500     # a smoke run
    python benchmarks/fuzz_scenarios.py --seed 7

Each mutant is a shipped scenario or persona with one to three mutations: deleted, duplicated
and re-indented lines; swapped and mistyped values and keys; tags (``!!python/object…`` whose
payload would create a marker file, ``!!int``/``!!float``/``!!bool``/``!!timestamp`` on text,
``!!binary``, ``!!set``, local tags); anchors and aliases (undefined, recursive, a billion-laughs
alias bomb, a merge bomb); deep nesting; huge strings and keys; random Unicode (control,
zero-width, bidi and combining characters, line separators, ANSI escapes, lone surrogates);
truncation; bytes that are not UTF-8.

Most mutants are checked in memory with ``check_scenario`` (a persona mutant through a
scenario that uses it); a tenth are written to a library folder that ``roleplay validate``
checks in this process (``main([...])``). The figures: files, exit codes, rejected and
accepted files, errors located at 1:1 and elsewhere, escapes (exceptions out of the
loader, or problems without a sound file:line:col), what was run or written outside the
temporary folder (an audit hook watches), and the time. ``tests/loading/test_fuzz.py`` runs
the same fuzzer, smaller. No pytest needed.
"""

from __future__ import annotations

import argparse
import collections
import io
import os
import random
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from simulator.cli import main  # noqa: E402
from simulator.core.engine import Session  # noqa: E402
from simulator.core.scenario import Scenario  # noqa: E402
from simulator.errors import Problem, display_path  # noqa: E402
from simulator.loading.loader import check_scenario  # noqa: E402

SCENARIOS = ROOT / "scenarios"
PERSONAS = SCENARIOS / "personas"
MARKER = "FUZZ-MARKER"  # the file a !!python payload would create in the temporary folder

# ------------------------------------------------------------------ mutations

PALETTE = (
    [chr(c) for c in range(0x00, 0x20)]
    + ["\x7f", "\x85", "\x9b", "\u00ad", "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u180e"]
    + ["\u202e", "\u2066", "\u2069", "\u0301", "\u20dd", "\u2028", "\u2029", "\u3164", "\u2800", "\ufffe"]
    + ["\ud800", "\udfff", "é", "ł", "ß", "中", "😀", "👩\u200d💻", "\U0010fffd", "\x1b[31m", "\x1b]0;x\x07"]
)
INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u3164", "\u2800"]
# fmt: off
VALUES = [
    '-1', '0', '101', '1e999', '-1e999', '.nan', '.inf', '-.inf', 'null', '~', 'true', 'no', 'yes',
    '"yes"', '[]', '{}', '[a, b]', '{x: 1}', "''", '"  "', '2024-02-30', '2024-01-01',
    '2001-12-14t21:59:43.10-05:00', '12:30:00', '0x1F', '0o17', '1_000', '0b101', '+12', "1" * 5000,
    '&anchor x', '*nowhere', '!!binary aGk=', '"\\e[31mred\\e[0m"', '"\\u200b\\u200b"', '"\\ud800"',
    '"\\x1b[2J"', '"a\\0b"', '"tab\\there"', '"line\\nbreak"', "'a: b'", 'a: b', '- x', '? x', '|',
    '>', '|-\n  block\n  text', '@x', '`x`', '%x', '!', '!!', '&', '*', '<<: *nowhere', '[unclosed',
    '{unclosed', '"unclosed', "'unclosed", '- - - x',
]
TAGS = [
    '!!int', '!!float', '!!bool', '!!timestamp', '!!str', '!!null', '!!binary', '!!set', '!!omap',
    '!!pairs', '!!seq', '!!map', '!!merge', '!custom', '!<tag:example.com,2000:x>', '!!python/str',
    '!!python/name:os.system',
]
# fmt: on


def payloads(marker: Path) -> list[str]:
    """Values that would run code (create the marker) if the loader ever constructed Python objects."""
    m = str(marker).replace('"', "")
    return [
        f'!!python/object/apply:os.system ["touch {m}"]',
        f'!!python/object/apply:builtins.open ["{m}", "w"]',
        f'!!python/object/apply:subprocess.call [["touch", "{m}"]]',
        f"!!python/object/new:pathlib.Path [{m}]",
        "!!python/object:argparse.Namespace {a: 1}",
        "!!python/module:os",
        f'!!python/object/apply:os.system\n  args: ["touch {m}"]',
    ]


KEY_VALUE = re.compile(r"^(\s*(?:- )?)([^\s:#][^:#]*?):[ ](.+)$")


class Mutator:
    """Seeded mutations of a file's text; ``mutant`` returns the bytes to check."""

    def __init__(self, rng: random.Random, marker: Path):
        self.rng = rng
        self.payloads = payloads(marker)
        self.text_ops: list[Callable[[list[str]], list[str]]] = [
            self.delete_line,
            self.duplicate_line,
            self.reindent_line,
            self.swap_values,
            self.mistype_value,
            self.mistype_key,
            self.tag_value,
            self.python_payload,
            self.anchor_alias,
            self.alias_bomb,
            self.merge_bomb,
            self.deep_nesting,
            self.huge_string,
            self.random_unicode,
            self.invisible_text,
            self.ansi_title,
        ]

    def mutant(self, text: str) -> tuple[bytes, list[str]]:
        lines = text.split("\n")
        names = []
        for _ in range(self.rng.choice((1, 1, 2, 3))):
            op = self.rng.choice(self.text_ops)
            lines = op(lines) or lines
            names.append(op.__name__)
        out = "\n".join(lines)
        roll = self.rng.random()
        if roll < 0.06:
            names.append("truncate")
            raw = out.encode("utf-8", "surrogatepass")
            return raw[: self.rng.randrange(len(raw) + 1)], names
        if roll < 0.09:
            names.append("bad_bytes")
            raw = out.encode("utf-8", "surrogatepass")
            at = self.rng.randrange(len(raw) + 1)
            return raw[:at] + self.rng.choice([b"\xff", b"\xc3", b"\xe2\x82", b"\x00", b"\xed\xa0\x80"]) + raw[
                at:
            ], names
        if roll < 0.10:
            names.append("latin1")
            return out.replace("ł", "l").encode("latin-1", "replace"), names
        return out.encode("utf-8", "surrogatepass"), names

    # -- lines
    def _line(self, lines: list[str], pattern: re.Pattern | None = None) -> int | None:
        candidates = [i for i, line in enumerate(lines) if (pattern.match(line) if pattern else line.strip())]
        return self.rng.choice(candidates) if candidates else None

    def delete_line(self, lines):
        i = self._line(lines)
        if i is not None:
            del lines[i]

    def duplicate_line(self, lines):
        i = self._line(lines)
        if i is not None:
            lines.insert(i + self.rng.choice((0, 1, 2)), lines[i])

    def reindent_line(self, lines):
        i = self._line(lines)
        if i is not None:
            body = lines[i].lstrip(" ")
            indent = len(lines[i]) - len(body)
            if self.rng.random() < 0.15:
                lines[i] = "\t" + body
            else:
                lines[i] = " " * max(0, indent + self.rng.choice((-4, -2, -1, 1, 2, 4))) + body

    def swap_values(self, lines):
        pairs = [i for i, line in enumerate(lines) if KEY_VALUE.match(line)]
        if len(pairs) >= 2:
            a, b = self.rng.sample(pairs, 2)
            ma, mb = KEY_VALUE.match(lines[a]), KEY_VALUE.match(lines[b])
            lines[a] = f"{ma.group(1)}{ma.group(2)}: {mb.group(3)}"
            lines[b] = f"{mb.group(1)}{mb.group(2)}: {ma.group(3)}"

    def _set_value(self, lines, value: str) -> None:
        i = self._line(lines, KEY_VALUE)
        if i is not None:
            m = KEY_VALUE.match(lines[i])
            lines[i] = f"{m.group(1)}{m.group(2)}: {value}"

    def _typo(self, word: str) -> str:
        if not word:
            return "x"
        i = self.rng.randrange(len(word))
        kind = self.rng.randrange(4)
        if kind == 0:
            return word[:i] + word[i + 1 :]
        if kind == 1:
            return word[:i] + self.rng.choice("abcdefghijklmnopqrstuvwxyz_-0") + word[i:]
        if kind == 2 and len(word) > 1:
            j = min(i + 1, len(word) - 1)
            return word[:i] + word[j] + word[i] + word[j + 1 :]
        return word.upper()

    def mistype_value(self, lines):
        i = self._line(lines, KEY_VALUE)
        if i is None:
            return
        m = KEY_VALUE.match(lines[i])
        value = self._typo(m.group(3)) if self.rng.random() < 0.4 else self.rng.choice(VALUES)
        lines[i] = f"{m.group(1)}{m.group(2)}: {value}"

    def mistype_key(self, lines):
        i = self._line(lines, KEY_VALUE)
        if i is not None:
            m = KEY_VALUE.match(lines[i])
            lines[i] = f"{m.group(1)}{self._typo(m.group(2))}: {m.group(3)}"

    def tag_value(self, lines):
        i = self._line(lines, KEY_VALUE)
        if i is not None:
            m = KEY_VALUE.match(lines[i])
            lines[i] = f"{m.group(1)}{m.group(2)}: {self.rng.choice(TAGS)} {m.group(3)}"

    def python_payload(self, lines):
        self._set_value(lines, self.rng.choice(self.payloads))

    def anchor_alias(self, lines):
        pairs = [i for i, line in enumerate(lines) if KEY_VALUE.match(line)]
        if len(pairs) < 2:
            return
        a, b = sorted(self.rng.sample(pairs, 2))
        kind = self.rng.randrange(3)
        ma, mb = KEY_VALUE.match(lines[a]), KEY_VALUE.match(lines[b])
        if kind == 0:  # a value used twice
            lines[a] = f"{ma.group(1)}{ma.group(2)}: &fz {ma.group(3)}"
            lines[b] = f"{mb.group(1)}{mb.group(2)}: *fz"
        elif kind == 1:  # an alias before its anchor
            lines[a] = f"{ma.group(1)}{ma.group(2)}: *fz"
            lines[b] = f"{mb.group(1)}{mb.group(2)}: &fz {mb.group(3)}"
        else:  # an anchor that holds itself
            lines[a] = f"{ma.group(1)}{ma.group(2)}: &fz [*fz, *fz]"

    def alias_bomb(self, lines):
        bomb = ["lol0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
        bomb += [f"lol{n}: &l{n} [{', '.join([f'*l{n - 1}'] * 9)}]" for n in range(1, 10)]
        at = self.rng.randrange(1, len(lines) + 1)
        lines[at:at] = bomb
        if self.rng.random() < 0.5:
            self._set_value(lines, "*l9")

    def merge_bomb(self, lines):
        bomb = ["m0: &m0 {a: 1, b: 2}"]
        bomb += [f"m{n}: &m{n} {{<<: [{', '.join([f'*m{n - 1}'] * 8)}]}}" for n in range(1, 10)]
        at = self.rng.randrange(1, len(lines) + 1)
        lines[at:at] = bomb

    def deep_nesting(self, lines):
        depth = self.rng.choice((8, 30, 41, 60, 500, 5000, 50000))
        if self.rng.random() < 0.5:
            value = "[" * depth + "]" * depth
        elif depth <= 500:
            value = "{a: " * depth + "x" + "}" * depth
        else:
            value = "[" * depth  # unclosed
        self._set_value(lines, value)

    def huge_string(self, lines):
        size = self.rng.choice((81, 4001, 70_000, 600_000))
        text = self.rng.choice(("x", "ab ", "ź", "\u200b")) * (size // 2)
        if self.rng.random() < 0.3:
            i = self._line(lines, KEY_VALUE)
            if i is not None:
                m = KEY_VALUE.match(lines[i])
                lines[i] = f"{m.group(1)}{text[:size]}: {m.group(3)}"
        else:
            self._set_value(lines, self.rng.choice((text, f'"{text}"')))

    def random_unicode(self, lines):
        for _ in range(self.rng.randint(1, 3)):
            i = self.rng.randrange(len(lines))
            at = self.rng.randrange(len(lines[i]) + 1)
            lines[i] = lines[i][:at] + self.rng.choice(PALETTE) + lines[i][at:]

    def invisible_text(self, lines):
        text = "".join(self.rng.choice(INVISIBLE) for _ in range(self.rng.randint(1, 4)))
        for i, line in enumerate(lines):
            if line.startswith(("title:", "description:")) or (self.rng.random() < 0.02 and KEY_VALUE.match(line)):
                m = KEY_VALUE.match(line)
                if m:
                    escaped = '"' + text.encode("unicode_escape").decode("ascii") + '"'
                    lines[i] = f"{m.group(1)}{m.group(2)}: {self.rng.choice((text, escaped))}"
                    return

    def ansi_title(self, lines):
        red = self.rng.choice(("\x1b[31m", '"\\e[31m', '"\\x1b[31m', "\x9b31m"))
        for i, line in enumerate(lines):
            if line.startswith("title:"):
                value = line[len("title:") :].strip().strip("\"'")
                lines[i] = f"title: {red}{value}" + ('"' if red.startswith('"') else "")
                return


# ------------------------------------------------------------------ watching what the loader does


@dataclass
class Watch:
    """What an audit hook saw while active: processes started, files written outside the allowed folder."""

    allowed: Path
    active: bool = False
    runs: list[str] = field(default_factory=list)
    writes: list[str] = field(default_factory=list)

    RUN_EVENTS = ("os.system", "subprocess.Popen", "os.exec", "os.posix_spawn", "os.spawn", "os.fork", "pty.spawn")
    PATH_EVENTS = ("os.remove", "os.rename", "os.mkdir", "os.rmdir", "os.truncate", "shutil.rmtree", "os.symlink")
    WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC

    def hook(self, event: str, args: tuple) -> None:
        if not self.active:
            return
        if event in self.RUN_EVENTS:
            self.runs.append(f"{event}{args!r}"[:200])
        elif event == "open" and args:
            path, mode, flags = (tuple(args) + (None, None))[:3]
            writes = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
                isinstance(flags, int) and flags & self.WRITE_FLAGS
            )
            if writes and isinstance(path, str | bytes | os.PathLike):
                self._written(os.fsdecode(path))
        elif event in self.PATH_EVENTS and args and isinstance(args[0], str | bytes | os.PathLike):
            self._written(os.fsdecode(args[0]))
        elif event == "sqlite3.connect":
            self.writes.append(f"sqlite3.connect{args!r}"[:200])

    def _written(self, path: str) -> None:
        if "__pycache__" in path or path == os.devnull:
            return  # the interpreter's own byte-code cache
        resolved = Path(path).resolve()
        if not resolved.is_relative_to(self.allowed.resolve()):
            self.writes.append(str(resolved))


_WATCHES: list[Watch] = []


def watching(allowed: Path) -> Watch:
    """A Watch on this process (one audit hook for the process's life; it reports only while active)."""
    watch = Watch(allowed)
    if not _WATCHES:
        sys.addaudithook(lambda event, args: [w.hook(event, args) for w in _WATCHES])
    _WATCHES.append(watch)
    return watch


# ------------------------------------------------------------------ running


@dataclass
class Figures:
    """What a fuzz run found."""

    files: int = 0
    rejected: int = 0
    accepted: int = 0
    errors: int = 0
    at_1_1: int = 0
    elsewhere: int = 0
    only_1_1: int = 0  # rejected files whose every error is at 1:1
    escapes: list[str] = field(default_factory=list)  # exceptions out of the loader, or unsound problems
    exit_codes: collections.Counter = field(default_factory=collections.Counter)
    first_line_kinds: collections.Counter = field(default_factory=collections.Counter)  # messages at 1:1
    played: int = 0  # accepted mutants played to an ending
    folder_files: int = 0
    folder_named: int = 0
    folder_sound: int = 0
    marker_created: bool = False
    runs: list[str] = field(default_factory=list)
    writes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def report(self) -> str:
        top = ", ".join(f"{n}× {m!r}" for m, n in self.first_line_kinds.most_common(6)) or "none"
        return "\n".join(
            [
                f"files:        {self.files:,} ({self.files - self.folder_files:,} in memory, "
                f"{self.folder_files:,} through `roleplay validate` on a folder)",
                f"exit codes:   {dict(sorted(self.exit_codes.items()))} (roleplay validate)",
                f"rejected:     {self.rejected:,}   accepted: {self.accepted:,} "
                f"({self.played:,} of them played to an ending)",
                f"errors:       {self.errors:,}: at 1:1 {self.at_1_1:,}, elsewhere {self.elsewhere:,}; "
                f"rejected files pointed only at 1:1: {self.only_1_1:,} of {self.rejected:,}",
                f"  at 1:1:     {top}",
                f"folder run:   {self.folder_named:,} broken files named, {self.folder_sound:,} sound "
                f"({self.folder_named + self.folder_sound:,} of {self.folder_files:,} files reported)",
                f"escapes:      {len(self.escapes)}" + "".join(f"\n  {e}" for e in self.escapes[:10]),
                f"executed:     {len(self.runs) + self.marker_created} (marker file created: {self.marker_created})",
                f"written outside the temporary folder: {len(self.writes)}"
                + "".join(f"\n  {w}" for w in self.writes[:10]),
                f"time:         {self.seconds:.1f} s",
            ]
        )


def line_count(raw: bytes) -> int:
    """Lines as an editor counts them: separated by line feeds (a final one ends the last line)."""
    text = raw.decode("utf-8", "replace")
    return max(1, text.count("\n") + (0 if text.endswith("\n") else 1))


def check_problem(p: Problem, sizes: dict[str, int]) -> str | None:
    """What is wrong with how a problem is reported, or None: a named file, a line in it, one printable line."""
    if p.file not in sizes:
        return f"problem in an unexpected file {p.file!r}: {p}"
    if not (isinstance(p.line, int) and 1 <= p.line <= sizes[p.file]) or not (
        isinstance(p.column, int) and p.column >= 1
    ):
        return f"bad position {p.line}:{p.column} (file has {sizes[p.file]} lines): {p}"
    text = str(p)
    if not text.isprintable() or len(text) > 1500:
        return f"not one short printable line ({len(text)} chars): {text[:200]!r}"
    return None


def sources() -> tuple[list[Path], dict[str, Path]]:
    scenarios = sorted(SCENARIOS.glob("*.yaml"))
    personas = {p.stem: p for p in sorted(PERSONAS.glob("*.yaml"))}
    return scenarios, personas


def persona_of(text: str) -> str | None:
    m = re.search(r"^persona:\s*(\S+)", text, re.M)
    return m.group(1) if m else None


def fuzz(
    files: int, seed: int, tmp: Path, *, folder_share: float = 0.1, log: Callable[[str], None] | None = None
) -> Figures:
    """Check ``files`` mutants; a share of them through ``roleplay validate`` on a folder.

    Args:
        files: how many mutants in all.
        seed: the seed of every choice.
        tmp: a temporary folder (the only place anything may be written).
        folder_share: the share of mutants written to a library folder for ``roleplay validate``.
        log: progress lines, if wanted.

    Returns:
        The figures.
    """
    figures = Figures()
    rng = random.Random(seed)
    marker = tmp / MARKER
    mutator = Mutator(rng, marker)
    scenarios, personas = sources()
    texts = {p: p.read_text(encoding="utf-8") for p in [*scenarios, *personas.values()]}
    by_persona = collections.defaultdict(list)
    for s in scenarios:
        by_persona[persona_of(texts[s])].append(s)
    watch = watching(tmp)
    cwd = Path.cwd()
    started = time.perf_counter()
    os.chdir(tmp)
    watch.active = True
    try:
        in_folder = int(files * folder_share)
        in_memory = files - in_folder
        for i in range(in_memory):
            _fuzz_one(i, rng, mutator, scenarios, personas, by_persona, texts, tmp, figures)
            if log and (i + 1) % 500 == 0:
                log(f"  {i + 1:,} files checked in memory, {time.perf_counter() - started:.0f} s")
        if in_folder:
            _fuzz_folder(in_folder, rng, mutator, scenarios, texts, tmp, figures)
    finally:
        watch.active = False
        os.chdir(cwd)
        _WATCHES.remove(watch)
    figures.seconds = time.perf_counter() - started
    figures.marker_created = marker.exists()
    figures.runs, figures.writes = watch.runs, watch.writes
    return figures


def _tally(result_errors, sizes: dict[str, int], figures: Figures) -> None:
    figures.files += 1
    if result_errors:
        figures.rejected += 1
        figures.only_1_1 += all((p.line, p.column) == (1, 1) for p in result_errors)
    else:
        figures.accepted += 1
    for p in result_errors:
        figures.errors += 1
        if (p.line, p.column) == (1, 1):
            figures.at_1_1 += 1
            figures.first_line_kinds[re.sub(r"'[^']*'", "'…'", p.message)[:70]] += 1
        else:
            figures.elsewhere += 1
        wrong = check_problem(p, sizes)
        if wrong:
            figures.escapes.append(wrong)


def _fuzz_one(i, rng, mutator, scenarios, personas, by_persona, texts, tmp, figures) -> None:
    if rng.random() < 0.25:  # a persona mutant, checked through a scenario that uses it
        stem = rng.choice([s for s in personas if by_persona[s]])
        raw, ops = mutator.mutant(texts[personas[stem]])
        folder = tmp / "personas" / f"p{i}"
        folder.mkdir(parents=True)
        persona_file = folder / f"{stem}.yaml"
        persona_file.write_bytes(raw)
        scenario = rng.choice(by_persona[stem])
        scenario_raw = texts[scenario].encode("utf-8")
        name = scenario.name
        sizes = {name: line_count(scenario_raw), display_path(persona_file): line_count(raw)}
        run = lambda: check_scenario(scenario_raw, name, personas_dir=folder)  # noqa: E731
    else:
        raw, ops = mutator.mutant(texts[rng.choice(scenarios)])
        name = f"m{i}.yaml"
        sizes = {name: line_count(raw)}
        for p in personas.values():
            sizes[display_path(p)] = line_count(texts[p].encode("utf-8"))
        run = lambda: check_scenario(raw, name, personas_dir=PERSONAS)  # noqa: E731
    try:
        result = run()
    except BaseException as exc:
        if isinstance(exc, KeyboardInterrupt):
            raise
        figures.files += 1
        figures.escapes.append(f"{type(exc).__name__}: {str(exc)[:150]} (mutations {ops}, mutant {i})")
        return
    _tally(result.errors, sizes, figures)
    if result.scenario is not None:
        try:
            play(result.scenario, rng)
            figures.played += 1
        except Exception as exc:
            figures.escapes.append(f"accepted but broken: {type(exc).__name__}: {str(exc)[:150]} (mutant {i})")


def play(scenario: Scenario, rng: random.Random) -> None:
    """Play an accepted scenario to an ending: random options, and a typed reply now and then."""
    session = Session(scenario, trainee="fuzz", seed=rng.randrange(2**31), clock=lambda: 0.0)
    while not session.finished:
        if rng.random() < 0.2:
            session.reply(rng.choice(session.options) + " please")
        else:
            session.reply(rng.randint(1, len(session.options)))
    session.result()


def _fuzz_folder(n, rng, mutator, scenarios, texts, tmp, figures) -> None:
    """Mutants in a library folder (each with an id of its own), checked by ``roleplay validate``."""
    library = tmp / "library"
    shutil.copytree(PERSONAS, library / "personas")
    for i in range(n):
        source = rng.choice(scenarios)
        text = re.sub(r"^id: (\S+)", rf"id: \1-f{i}", texts[source], count=1, flags=re.M)
        raw, _ops = mutator.mutant(text)
        (library / f"f{i:05d}-{source.name}").write_bytes(raw)
    out, err = io.StringIO(), io.StringIO()
    try:
        code = main(["validate", str(library)], stdout=out, stderr=err)
    except BaseException as exc:
        if isinstance(exc, KeyboardInterrupt):
            raise
        figures.escapes.append(f"roleplay validate raised {type(exc).__name__}: {str(exc)[:150]}")
        return
    figures.exit_codes[code] += 1
    if err.getvalue():
        figures.escapes.append(f"roleplay validate wrote to stderr: {err.getvalue()[:200]!r}")
    files = sorted(library.glob("*.yaml"))
    shown = {display_path(f): f for f in files}
    sizes = {name: line_count(f.read_bytes()) for name, f in shown.items()}
    sizes.update({display_path(p): line_count(p.read_bytes()) for p in (library / "personas").glob("*.yaml")})
    named: set[str] = set()
    problem_line = re.compile(r"^(.+?):(\d+):(\d+): (warning: )?(.*)$")
    summary = re.compile(r"^(\d+) problems? in (\d+) files?; (\d+) scenarios? sound$")
    sound, ok_lines = None, 0
    by_file: dict[str, list[Problem]] = collections.defaultdict(list)
    for line in out.getvalue().splitlines():
        if m := summary.match(line):
            sound = int(m.group(3))
        elif line.startswith("ok  "):
            ok_lines += 1
        elif m := problem_line.match(line):
            if not m.group(4):
                named.add(m.group(1))
                by_file[m.group(1)].append(Problem(m.group(1), int(m.group(2)), int(m.group(3)), "", m.group(5)))
        else:
            figures.escapes.append(f"roleplay validate printed a line that is not a problem: {line[:200]!r}")
    figures.folder_files = len(files)
    figures.folder_named = len(named & set(shown))
    figures.folder_sound = sound if sound is not None else ok_lines  # no problem at all: one "ok" line a file
    complete = figures.folder_named + figures.folder_sound == len(files)
    if not complete:
        figures.escapes.append(
            f"roleplay validate reported {figures.folder_named} broken and {figures.folder_sound} sound "
            f"of {len(files)} files"
        )
    for file in shown:
        if complete or file in named:  # a file the report leaves out is not counted as accepted
            _tally(by_file.get(file, []), sizes, figures)
        else:
            figures.files += 1
    for file in set(by_file) - set(shown):
        for p in by_file[file]:
            wrong = check_problem(p, sizes)
            if wrong:
                figures.escapes.append(wrong)


def iter_mutants(count: int, seed: int, marker: Path) -> Iterator[tuple[str, bytes, list[str]]]:
    """Mutants of the shipped scenarios and personas, for a look at them: (source name, bytes, mutations)."""
    rng = random.Random(seed)
    mutator = Mutator(rng, marker)
    scenarios, personas = sources()
    files = [*scenarios, *personas.values()]
    for _ in range(count):
        source = rng.choice(files)
        raw, ops = mutator.mutant(source.read_text(encoding="utf-8"))
        yield source.name, raw, ops


def main_(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--files", type=int, default=5000, help="mutants in all (default 5,000)")
    parser.add_argument("--quick", action="store_true", help="500 files, a smoke run")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--keep", type=Path, help="write the mutants here for a look (nothing is checked)")
    args = parser.parse_args(argv)
    if args.quick:
        args.files = 500
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        for i, (name, raw, ops) in enumerate(iter_mutants(args.files, args.seed, args.keep / MARKER)):
            (args.keep / f"{i:05d}-{name}").write_bytes(raw)
            print(f"{i:05d}-{name}: {', '.join(ops)}")
        return 0
    with tempfile.TemporaryDirectory(prefix="roleplay-fuzz-") as tmp:
        print(f"fuzzing {args.files:,} files, seed {args.seed}, Python {sys.version.split()[0]}")
        figures = fuzz(args.files, args.seed, Path(tmp), log=print)
    print(figures.report())
    bad = figures.escapes or figures.runs or figures.writes or figures.marker_created
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main_())
