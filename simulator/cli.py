"""The ``roleplay`` command.

Each command is one entry of ``COMMANDS``: its name, a function that adds its arguments to
its own parser, and a function that runs it. Every command follows the same rules of output:

- what the command exists to print — ``validate``'s problems, ``list``'s table, a debrief —
  goes to standard output, also when it makes the exit status 1;
- an error that stops the command (a scenario it cannot load, a store it cannot open, a
  file it cannot write) goes to standard error as one ``roleplay: …`` message, exit status 1;
- a usage mistake (an unknown command or option, a value of the wrong form) exits with 2.

No traceback reaches the terminal unless ``--debug`` is given.
"""

from __future__ import annotations

import argparse
import getpass
import json
import shlex
import signal
import sys
import textwrap
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import TextIO

# Every import is here at the top, none inside a command: none of these modules loads pandas,
# ipywidgets or voila (the xlsx exporter and Diagram.widget import theirs when used, and `serve`
# starts Voila in its own process), and SQLAlchemy comes with the package itself. A test in
# tests/cli keeps `import simulator.cli` free of pandas, ipywidgets and voila.
from . import settings
from .core.engine import Session
from .core.scenario import Scenario
from .core.scoring import Result
from .errors import LabError, Problem, ScenarioErrors, ScenarioTooLarge, SessionError, display_path
from .hub.launch import hub
from .loading.checks import did_you_mean
from .loading.loader import check_files, load_files, load_scenario
from .loading.phrases import PHRASES_FOLDER, check_phrase_file, phrase_files
from .loading.schema import write_schemas
from .results import demo
from .results.export import EXPORTERS, collect, export, xapi
from .results.export.xapi import BATCH as XAPI_BATCH
from .results.export.xapi import RETRIES as XAPI_RETRIES
from .results.store import STALE_AFTER, Store, open_store, redacted
from .serve import ABANDON_AFTER, PAGE_CONNECT_GRACE, serve
from .studio.diagram import to_dot, to_svg
from .studio.paths import DEFAULT_MAX_STATES, analyse, with_path_warnings
from .studio.pathtests import run_path_tests
from .studio.probes import probe
from .studio.walks import replay, walks

# Where `play` and `diagram` look up a scenario given by id (a path is taken as it is).
LIBRARY_HELP = "the scenario library: $ROLEPLAY_SCENARIOS, else scenarios/ here or one folder up, else the lab's own"
WIDTH = 88


@dataclass(frozen=True)
class Streams:
    """Where a command reads and writes: its report, its errors and progress, typed replies."""

    out: TextIO
    err: TextIO
    stdin: TextIO


@dataclass(frozen=True)
class Command:
    """One ``roleplay`` command: ``add_arguments`` fills its parser, ``run`` returns the exit status."""

    name: str
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace, Streams], int]
    description: str | None = None


def main(
    argv: Sequence[str] | None = None,
    *,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """Run one ``roleplay`` command, as the ``roleplay`` script and ``python -m simulator`` do.

    Args:
        argv: the words after ``roleplay``, e.g. ``["validate", "scenarios"]`` (default:
            ``sys.argv[1:]``).
        stdin: where ``roleplay play`` reads typed replies (default: ``sys.stdin``).
        stdout: where the command prints what it exists to print (default: ``sys.stdout``).
        stderr: where an error that stops the command, and progress, are printed (default:
            ``sys.stderr``). Usage mistakes are printed by argparse, to ``sys.stderr``.

    Returns:
        The exit status: 0 when the command did its work and found nothing wrong; 1 when it
        found problems (a broken scenario, a failed path test) or an error stopped it; 130
        when interrupted.

    Raises:
        SystemExit: status 2 for a usage mistake, 0 after ``--help``, as argparse does.
    """
    args = build_parser().parse_args(argv)
    streams = Streams(out=stdout or sys.stdout, err=stderr or sys.stderr, stdin=stdin or sys.stdin)
    try:
        return args.run(args, streams)
    except LabError as exc:
        print(f"roleplay: {_error_message(exc)}", file=streams.err)
        return 1
    except BrokenPipeError:  # the output was piped into head, less…
        return 0
    except KeyboardInterrupt:
        print("\nroleplay: interrupted", file=streams.err)
        return 130
    except Exception as exc:  # the edge: one line for the user, the traceback on request
        if args.debug:
            raise
        print(
            f"roleplay: unexpected error: {type(exc).__name__}: {exc} (run with --debug for details)", file=streams.err
        )
        return 1


def build_parser() -> argparse.ArgumentParser:
    """The parser of every command, one sub-parser per entry of ``COMMANDS``.

    Returns:
        The parser; the namespace it parses has ``run``, the chosen command's function.
    """
    parser = argparse.ArgumentParser(
        prog="roleplay", description="Role-play simulator and assessment lab for customer-support teams."
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks of unexpected errors")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        p = sub.add_parser(command.name, help=command.help, description=command.description or command.help)
        command.add_arguments(p)
        p.set_defaults(run=command.run)
    return parser


def _error_message(exc: LabError) -> str:
    """The text after ``roleplay: ``; several problems of a file go on lines of their own."""
    if isinstance(exc, ScenarioErrors) and len(exc.problems) > 1:
        files = ", ".join(dict.fromkeys(p.file for p in exc.problems))
        return f"{len(exc.problems)} problems in {files}:\n" + "\n".join(f"  {p}" for p in exc.problems)
    return str(exc)


# ------------------------------------------------------------------ argument types and shared arguments


def _non_negative(text: str) -> int:
    try:
        number = int(text)
    except ValueError:
        number = -1
    if number < 0:
        raise argparse.ArgumentTypeError(f"expected a whole number, 0 or more — not {text!r}")
    return number


def _positive(text: str) -> int:
    try:
        number = int(text)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number, 1 or more — not {text!r}")
    return number


def _highlight(text: str) -> str | list[int]:
    if text.strip() == "best":
        return "best"
    try:
        numbers = [int(n) for n in text.split(",")]
    except ValueError:
        numbers = []
    if not numbers or min(numbers) < 1:
        raise argparse.ArgumentTypeError(f"expected 'best' or option numbers from 1, like 1,2,1 — not {text!r}")
    return numbers


def _add_store(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--store",
        help="results store: a SQLite file or a database URL "
        "(default: $ROLEPLAY_STORE or ~/.local/share/roleplay-lab/results.sqlite)",
    )


def _add_library_paths(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="*", metavar="PATH", help=f"scenario files or folders (default: {LIBRARY_HELP})")


def _paths_or_library(paths: Sequence[str]) -> list[str]:
    """The paths named, else the scenario library (``settings.scenarios_dir``), as a user would type it."""
    return list(paths) or [display_path(settings.scenarios_dir())]


def _load_or_stop(paths: Sequence[str]) -> tuple[list[Scenario], list[Problem]]:
    """The sound scenarios under paths and every problem found; nothing found at all stops the command."""
    scenarios, problems = check_files(paths)
    if not scenarios and not problems:
        raise LabError("no scenario files found in " + ", ".join(paths))
    return scenarios, problems


# ------------------------------------------------------------------ validate


def _validate_arguments(p: argparse.ArgumentParser) -> None:
    _add_library_paths(p)


def _run_validate(args: argparse.Namespace, io: Streams) -> int:
    paths = _paths_or_library(args.paths)
    phrases = phrase_files(paths)  # the phrase coach's files: in the folders named, or named themselves
    scenario_paths = [p for p in paths if Path(p).is_dir() or Path(p).parent.name != PHRASES_FOLDER]
    results = [with_path_warnings(r) for r in load_files(scenario_paths)]
    if not results and not phrases:
        raise LabError("no scenario files found in " + ", ".join(paths))
    errors = [p for r in results for p in r.errors] + [p for f in phrases for p in check_phrase_file(f)]
    sound = [r.scenario for r in results if r.scenario is not None]
    for problem in errors:
        print(problem, file=io.out)
    if errors:
        files = len({p.file for p in errors})
        print(
            f"{len(errors)} problem{'s' * (len(errors) != 1)} in {files} file{'s' * (files != 1)}; "
            f"{len(sound)} scenario{'s' * (len(sound) != 1)} sound",
            file=io.out,
        )
    else:
        for s in sound:
            print(
                f"ok  {display_path(s.source)}  ({s.id} v{s.version}: {s.decision_points} decision points, "
                f"{len(s.endings)} endings)",
                file=io.out,
            )
        for f in phrases:  # a library's phrase files are checked quietly; one named on its own says ok
            if str(f) in paths:
                print(f"ok  {display_path(f)}  (phrase coach)", file=io.out)
    for warning in (w for r in results for w in r.warnings):
        print(warning, file=io.out)
    return 1 if errors else 0


# ------------------------------------------------------------------ test


def _test_arguments(p: argparse.ArgumentParser) -> None:
    _add_library_paths(p)


def _run_test(args: argparse.Namespace, io: Streams) -> int:
    scenarios, problems = _load_or_stop(_paths_or_library(args.paths))
    for problem in problems:
        print(problem, file=io.out)
    outcomes = [o for s in scenarios for o in run_path_tests(s)]
    for outcome in outcomes:
        print(outcome, file=io.out)
    failed = sum(not o.ok for o in outcomes)
    print(f"{len(outcomes) - failed} passed, {failed} failed", file=io.out)
    return 1 if failed or problems or not outcomes else 0


# ------------------------------------------------------------------ list


def _list_arguments(p: argparse.ArgumentParser) -> None:
    _add_library_paths(p)


def _run_list(args: argparse.Namespace, io: Streams) -> int:
    scenarios, problems = check_files(_paths_or_library(args.paths))
    rows = [
        (s.id, s.persona.id, s.language, str(s.decision_points), str(len(s.endings)), s.title)
        for s in sorted(scenarios, key=lambda s: s.id)
    ]
    _table(["scenario", "persona", "lang", "nodes", "endings", "title"], rows, io.out)
    for problem in problems:
        print(f"(not listed) {problem}", file=io.out)
    return 1 if problems else 0


# ------------------------------------------------------------------ paths


def _paths_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "scenarios", nargs="*", metavar="SCENARIO", help=f"scenario files, ids or folders (default: {LIBRARY_HELP})"
    )
    p.add_argument(
        "--walks", type=_non_negative, default=1000, metavar="N", help="random walks per scenario (default: 1000)"
    )
    p.add_argument("--seed", type=int, default=0, help="the first walk's seed; walk i has seed S+i (default: 0)")
    p.add_argument("--replay", type=int, metavar="SEED", help="play the walk of this seed again, turn by turn")
    p.add_argument(
        "--max-states",
        type=int,
        default=DEFAULT_MAX_STATES,
        metavar="N",
        help=f"the most states the analysis enumerates before it gives up (default: {DEFAULT_MAX_STATES})",
    )
    p.add_argument("--json", action="store_true", help="print the report as one JSON document")


def _walks_dict(summary) -> dict:
    """A ``WalkSummary`` as plain data: its figures and failing walks, without the walks themselves."""
    data = {f.name: getattr(summary, f.name) for f in fields(summary) if f.name not in ("walks", "failures")}
    data["failures"] = [{"seed": w.seed, "error": w.error, "replies": w.turns} for w in summary.failures]
    return data


def _run_paths(args: argparse.Namespace, io: Streams) -> int:
    names = _paths_or_library(args.scenarios)
    named: list[tuple[str, Scenario]] = []
    problems: list[Problem] = []
    for name in names:
        if Path(name).is_dir():
            found, broken = check_files([name])
            named += [(display_path(s.source), s) for s in found]
            problems += broken
            continue
        try:
            named.append((name, _resolve_scenario(name)))
        except ScenarioErrors as exc:  # reported with the rest: the other scenarios are still analysed
            problems += exc.problems
    if not args.json:
        for problem in problems:
            print(problem, file=io.out)
    if not named and not problems:
        raise LabError("no scenario files found in " + ", ".join(names))
    if args.replay is not None:
        if len(named) != 1:
            raise LabError(f"--replay plays one walk again: name one scenario, not {len(named)}")
        walk = replay(named[0][1], args.replay)
        print(walk.text(), file=io.out)
        return 0 if walk.ok else 1
    failed = 0
    if args.json:
        reports = []
        for name, scenario in named:
            report: dict = {"name": name, "scenario": scenario.id}
            try:
                report["paths"] = asdict(analyse(scenario, max_states=args.max_states))
            except ScenarioTooLarge as exc:
                report["paths"] = {"skipped": str(exc)}
            report["probes"] = probe(scenario).as_dict()
            if args.walks:
                summary = walks(scenario, args.walks, args.seed)
                report["walks"] = _walks_dict(summary)
                failed += len(summary.failures)
            reports.append(report)
        document = {"scenarios": reports, "problems": [str(problem) for problem in problems]}
        print(json.dumps(document, ensure_ascii=False, indent=2), file=io.out)
        return 1 if failed or problems or not named else 0
    for number, (name, scenario) in enumerate(named):
        if number:
            print("\n" + "=" * WIDTH + "\n", file=io.out)
        try:
            print(analyse(scenario, max_states=args.max_states).text(), file=io.out)
        except ScenarioTooLarge as exc:
            print(f"path analysis skipped: {exc}", file=io.out)
        print("\n" + probe(scenario).text(), file=io.out)
        if args.walks:
            summary = walks(scenario, args.walks, args.seed)
            hint = f"roleplay paths {shlex.quote(name)} --replay {{seed}}"
            print("\n" + summary.text(replay_hint=hint), file=io.out)
            failed += len(summary.failures)
    return 1 if failed or problems or not named else 0


# ------------------------------------------------------------------ play


def _play_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("scenario", help="a scenario file, or a scenario id under scenarios/")
    p.add_argument("--trainee", default=None, help="your name (default: your login name)")
    p.add_argument("--replies", type=Path, help="a file with one reply a line: an option number or text")
    p.add_argument("--seed", type=int, help="seed for the customer's line variants (replays a session)")
    p.add_argument("--mode", choices=["practice", "debrief", "assessment"], help="override the feedback mode")
    _add_store(p)


class Stopped(Exception):
    """``roleplay play`` was sent SIGTERM or SIGHUP: stop as Ctrl-C does, abandoning the session."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


class _StopSignals:
    """SIGTERM and SIGHUP while a session is played: raised as ``Stopped`` where it is safe.

    While the player waits for a reply the signal stops it at once; while a reply is being
    played and recorded it is only noted, and raised when the next reply would be awaited,
    so a turn is never cut off half-written.
    """

    def __init__(self) -> None:
        self.signum: int | None = None
        self.waiting = False

    def handle(self, signum: int, _frame) -> None:
        self.signum = signum
        if self.waiting:
            raise Stopped(signum)

    def check(self) -> None:
        if self.signum is not None:
            raise Stopped(self.signum)

    @contextmanager
    def installed(self) -> Iterator[_StopSignals]:
        """Handle the signals in this block (main thread only; a signal the caller ignores stays ignored)."""
        previous = {}
        if threading.current_thread() is threading.main_thread():
            for name in ("SIGTERM", "SIGHUP"):
                signum = getattr(signal, name, None)
                if signum is not None and signal.getsignal(signum) is not signal.SIG_IGN:
                    previous[signum] = signal.signal(signum, self.handle)
        try:
            yield self
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)

    @contextmanager
    def awaiting(self) -> Iterator[None]:
        """While the reply is awaited: a signal stops play at once."""
        self.check()
        self.waiting = True
        try:
            yield
        finally:
            self.waiting = False


def _run_play(args: argparse.Namespace, io: Streams) -> int:
    scenario = _resolve_scenario(args.scenario)
    replies = _reply_lines(args.replies) if args.replies else None  # before anything is recorded
    store = open_store(args.store)
    with _StopSignals().installed() as stop:
        session = Session(scenario, trainee=args.trainee or _login(), seed=args.seed, mode=args.mode, recorder=store)
        try:
            return _play(session, scenario, store.display_location, replies, io, stop)
        except Stopped as exc:
            session.abandon()  # with every answered turn kept
            kept = len(session.turns)
            recorded = f"{kept} repl{'y was' if kept == 1 else 'ies were'} recorded in {store.display_location}"
            with suppress(OSError):  # after a hang-up the terminal may be gone
                print(f"roleplay: stopped by {exc}; the session is abandoned, {recorded}", file=io.err)
            return 128 + exc.signum
        except BaseException:
            session.abandon()
            raise
        finally:
            store.close()


def _play(
    session: Session,
    scenario: Scenario,
    where: str,
    replies: list[int | str] | None,
    io: Streams,
    stop: _StopSignals,
) -> int:
    """Play the session in the terminal (or from the replies file) to its end; the exit status."""
    out = io.out
    customer = scenario.model.customer
    print(f"{scenario.title}  [{scenario.id} v{scenario.version}, seed {session.seed}]", file=out)
    print(_wrap_text(scenario.model.briefing, WIDTH), file=out)
    print(f"\nThe customer: {customer.name}. {customer.context}", file=out)
    practice = session.mode == "practice"
    scripted = len(replies) if replies is not None else 0
    while not session.finished:
        print(f"\n{customer.name} (mood {session.mood}): {session.customer_line}", file=out)
        for i, text in enumerate(session.options, start=1):
            print(f"  {i}. {text}", file=out)
        with stop.awaiting():
            reply = _next_reply(replies, io.stdin, out)
        if reply is None:
            node = session.node
            session.abandon()
            if replies is not None:  # the script ran out before the conversation ended
                print(
                    f"\nThe replies file ran out: all {scripted} of its replies were used, and the conversation "
                    f"stopped at reply {len(session.turns) + 1} (node {node}), after {customer.name}'s line above.",
                    file=out,
                )
                print(
                    f"Session abandoned (attempt {session.attempt}); {len(session.turns)} replies were recorded "
                    f"in {where}. Add a line for each reply still to give to play on to an ending.",
                    file=out,
                )
                return 1
            print(f"\nSession abandoned; {len(session.turns)} replies were recorded in {where}.", file=out)
            return 0
        try:
            turn = session.reply(reply)
        except SessionError as exc:  # an option number that is not offered: part of the conversation
            print(f"  ({exc})", file=out)
            continue
        print(f"You: {turn.reply}", file=out)
        if practice and turn.understood:
            print(textwrap.fill(f"  ↳ {turn.feedback}", WIDTH, subsequent_indent="    "), file=out)
    print(f"\n{customer.name}: {session.customer_line}", file=out)
    _print_debrief(session.result(), scenario, out)
    print(f"\nRecorded as session {session.id} (attempt {session.attempt}) in {where}", file=out)
    return 0


def _resolve_scenario(name: str) -> Scenario:
    """A scenario by file path, or by id from the scenario library (``settings.scenarios_dir``)."""
    path = Path(name)
    if path.exists() or path.suffix in (".yaml", ".yml"):
        return load_scenario(path)
    library = settings.scenarios_dir()
    candidate = library / f"{name}.yaml"
    if candidate.exists():
        return load_scenario(candidate)
    scenarios, _ = check_files([library]) if library.is_dir() else ([], [])
    for s in scenarios:
        if s.id == name:
            return s
    ids = [s.id for s in scenarios]
    hint = did_you_mean(name, ids) or (
        f" — known: {', '.join(sorted(ids))}"
        if ids
        else f" — no scenario library at {display_path(library)}; give a file path"
    )
    raise LabError(f"no scenario '{name}'{hint}")


def _login() -> str:
    try:
        return getpass.getuser()
    except Exception:
        return "trainee"


def _wrap_text(text: str, width: int) -> str:
    """Wrap each paragraph and '- ' bullet on its own, keeping the author's layout."""
    blocks: list[str | None] = []  # None stands for a blank line
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            blocks.append(None)
        elif stripped.startswith(("- ", "* ")) or not blocks or blocks[-1] is None:
            blocks.append(stripped)
        else:
            blocks[-1] += " " + stripped
    return "\n".join(
        "" if b is None else textwrap.fill(b, width, subsequent_indent="  " if b.startswith(("- ", "* ")) else "")
        for b in blocks
    )


def _reply_lines(path: Path) -> list[int | str]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "it is not UTF-8 text"
        raise LabError(f"cannot read the replies file {path}: {reason}") from None
    replies: list[int | str] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        replies.append(int(line) if line.isdigit() else line)
    return replies


def _next_reply(replies: list[int | str] | None, stdin: TextIO, out: TextIO) -> int | str | None:
    if replies is not None:
        return replies.pop(0) if replies else None
    while True:
        print("> ", end="", file=out, flush=True)
        line = stdin.readline()
        if not line:
            return None
        line = line.strip()
        if line in ("q", "quit", "exit"):
            return None
        if line:
            return int(line) if line.isdigit() else line


def _print_debrief(result: Result, scenario: Scenario, out: TextIO) -> None:
    verdict = "PASSED" if result.passed else "NOT PASSED"
    print(
        f"\n=== Debrief: {verdict} — overall {result.overall:g} (pass mark {result.pass_mark:g}), "
        f"outcome: {result.outcome}",
        file=out,
    )
    for reason in result.breaches:
        print(f"  Critical breach — {reason}", file=out)
    for comp, score in result.competency_scores.items():
        bar = "█" * round(score / 5)
        print(f"  {scenario.competency_title(comp):<28} {score:5.1f} {bar}", file=out)
    k = result.kpis
    print(
        f"  KPIs: resolved on first contact {'yes' if k.fcr else 'no'} · CSAT {k.csat}/5 · "
        f"handle time {k.handle_time:.0f} s · QA {k.qa_score:g}% · replies in time {k.sla:g}%",
        file=out,
    )
    if result.mode == "assessment":
        return
    for item in result.debrief:
        print(f"\n  {item.index + 1}. Customer: {item.customer_line}", file=out)
        print(f"     You: {item.reply}" + ("" if item.understood else "  (not understood)"), file=out)
        print(textwrap.fill(item.feedback, 86, initial_indent="     ", subsequent_indent="     "), file=out)
        if item.better_reply:
            print(f"     Better: {item.better_reply}", file=out)
        for hit in item.coaching:  # the phrase coach (docs/phrase-coach.md)
            print(f"     Phrase coach: “{hit.phrase}” — {hit.why} Instead: {hit.instead}", file=out)
        if item.coach_cut and scenario.model.coach is not None:
            title = scenario.competency_title(scenario.model.coach.competency)
            print(f"     Phrase coach counted: {title} −{item.coach_cut:g}", file=out)


# ------------------------------------------------------------------ serve


def _serve_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--port", type=int, default=8866, help="the port to listen on (default: %(default)s)")
    p.add_argument("--ip", default="127.0.0.1", help="address to listen on (default: loopback only)")
    p.add_argument("--token", help="require this token (default: none on loopback, a random one beyond it)")
    p.add_argument("--scenarios", metavar="DIR", help=f"the scenarios folder (default: {LIBRARY_HELP})")
    p.add_argument("--no-preheat", dest="preheat", action="store_false", help="start a kernel per page load")
    p.add_argument("--pool-size", type=int, default=2, help="preheated kernels kept ready (default: %(default)s)")
    p.add_argument(
        "--verbose", action="store_true", help="log every kernel started and ended (default: only what needs attention)"
    )
    p.add_argument(
        "--no-fork",
        dest="fork_kernels",
        action="store_false",
        help="start each practice-app kernel as a new process instead of forking it from one that has "
        "imported the app already",
    )
    p.add_argument(
        "--class-size",
        type=_positive,
        default=0,
        metavar="N",
        help="a class of N trainees arriving together: keep N kernels warm (refused when memory cannot hold "
        "them) and print how many are ready",
    )
    p.add_argument(
        "--scenario",
        metavar="ID",
        help="the scenario the class plays: its link is printed, and it is worked out once before the kernels "
        "fork (their first replies cost them nothing of it)",
    )
    p.add_argument(
        "--cull-idle",
        type=int,
        default=1800,
        metavar="SECONDS",
        help="seconds before an idle page's kernel is ended, its tab open or not; 0: never while it is open "
        "(default: %(default)s)",
    )
    p.add_argument(
        "--abandon-after",
        type=_positive,
        default=ABANDON_AFTER,
        metavar="SECONDS",
        help="seconds before the kernel of a page gone without closing (a shut lid, a lost network) is ended "
        "and its session marked abandoned (default: %(default)s)",
    )
    p.add_argument(
        "--page-connect-grace",
        type=_positive,
        default=PAGE_CONNECT_GRACE,
        metavar="SECONDS",
        help="seconds a page may take to connect to its kernel (browsers busy with a class arriving together) "
        "before the kernel counts as abandoned (default: %(default)s)",
    )
    p.add_argument(
        "--allow-host",
        action="append",
        default=[],
        metavar="NAME",
        help="a name browsers may call the server by, besides localhost and --ip (repeatable); "
        "requests for any other Host are refused",
    )
    p.add_argument(
        "--theme", choices=["light", "dark"], default="light", help="the page's colours (default: %(default)s)"
    )
    p.add_argument(
        "--app",
        choices=["practice", "review", "studio"],
        default="practice",
        help="what to serve: the trainee's practice app (default), the review lab, or the scenario studio",
    )
    _add_store(p)


def _run_serve(args: argparse.Namespace, io: Streams) -> int:
    return serve(
        port=args.port,
        ip=args.ip,
        store=args.store,
        scenarios=args.scenarios,
        token=args.token,
        preheat=args.preheat,
        pool_size=args.pool_size,
        cull_idle=args.cull_idle,
        theme=args.theme,
        out=io.out,
        app=args.app,
        abandon_after=args.abandon_after,
        allow_hosts=args.allow_host,
        class_size=args.class_size,
        class_scenario=args.scenario,
        fork_kernels=args.fork_kernels,
        page_connect_grace=args.page_connect_grace,
        verbose=args.verbose,
    )


# ------------------------------------------------------------------ hub


def _hub_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--port", type=int, default=8000, help="the hub's port (default: %(default)s)")
    p.add_argument("--ip", default="127.0.0.1", help="address to listen on (default: loopback; 0.0.0.0: the network)")
    p.add_argument("--scenarios", metavar="DIR", help=f"the shared scenario library (default: {LIBRARY_HELP})")
    p.add_argument(
        "--auth",
        choices=["native", "lti13"],
        default="native",
        help="sign-in: native (sign-up approved by the admin, the default) or lti13 (launched from an LMS)",
    )
    p.add_argument("--admin", metavar="NAME", help="the hub's admin, who approves sign-ups (needed with native)")
    p.add_argument(
        "--data",
        metavar="DIR",
        help="the hub's state (default: $ROLEPLAY_HUB_DIR, else ~/.local/share/roleplay-lab/hub)",
    )
    lti = {
        "issuer": "the LMS's issuer",
        "client-id": "the client id the LMS gave the lab",
        "authorize-url": "the LMS's OIDC authorisation URL",
        "jwks-url": "the LMS's key set (JWKS) URL",
        "username-key": "the id token's claim that names the user (default: email)",
    }
    for name, what in lti.items():
        p.add_argument(f"--lti-{name}", metavar="VALUE", help=f"LTI 1.3: {what}")
    _add_store(p)


def _run_hub(args: argparse.Namespace, io: Streams) -> int:
    lti = {k: getattr(args, f"lti_{k}") for k in ("issuer", "client_id", "authorize_url", "jwks_url", "username_key")}
    return hub(
        port=args.port,
        ip=args.ip,
        store=args.store,
        scenarios=args.scenarios,
        auth=args.auth,
        admin=args.admin,
        data=args.data,
        out=io.out,
        lti=lti,
    )


# ------------------------------------------------------------------ report


def _report_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--trainee", help="only this trainee's sessions")
    p.add_argument("--scenario", help="only the sessions of this scenario id")
    _add_store(p)


def _run_report(args: argparse.Namespace, io: Streams) -> int:
    store = open_store(args.store, create=False)
    try:
        return _report(store, args, io)
    finally:
        store.close()


def _report(store: Store, args: argparse.Namespace, io: Streams) -> int:
    where = {k: v for k, v in (("trainee", args.trainee), ("scenario_id", args.scenario)) if v}
    reviewed = {r["session_id"]: r for r in store.reviews()}  # the latest review of a session wins
    stale = store.stale_sessions(STALE_AFTER)  # in progress, but their page is long gone
    yes_no = {True: "yes", False: "no", None: ""}
    rows = []
    for r in store.sessions(**where):
        review = reviewed.get(r["id"])
        auto = "" if r["score"] is None else f"{r['score']:g}"
        if review is not None:  # a reviewer's score is the one reports use; the automatic one in brackets
            score, passed = f"{review['overall']:g}* ({auto})", yes_no[bool(review["passed"])]
        else:
            score, passed = auto, yes_no[r["passed"]]
        rows.append(
            (
                r["started_at"][:16].replace("T", " "),
                r["trainee"],
                r["scenario_id"],
                str(r["attempt"]),
                "abandoned (stale)" if r["id"] in stale else r["status"],
                score,
                passed,
                r["outcome"] or "",
            )
        )
    print(f"Results store: {store.display_location}", file=io.out)
    _table(["when (UTC)", "trainee", "scenario", "attempt", "status", "score", "passed", "outcome"], rows, io.out)
    if reviewed:
        print("* scored by a reviewer (the automatic score in brackets)", file=io.out)
    if any(row[4] == "abandoned (stale)" for row in rows):
        print(f"(stale) in progress but silent for over {STALE_AFTER // 60:g} min: counted as abandoned", file=io.out)
    print(f"{len(rows)} session{'s' * (len(rows) != 1)}", file=io.out)
    return 0


# ------------------------------------------------------------------ export


def _export_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--format", required=True, choices=sorted(EXPORTERS))
    p.add_argument("--out", type=Path, metavar="PATH", help="the file to write (needed unless --lrs is given)")
    p.add_argument(
        "--pseudonymize",
        action="store_true",
        help="replace trainee and reviewer names with salted hashes (trainee-…, reviewer-…), the same in "
        "every export of this store (the salt is kept in the store; $ROLEPLAY_SALT overrides it); free text "
        "such as typed replies and review comments is kept as written",
    )
    _add_store(p)
    xapi = p.add_argument_group("xAPI (--format xapi)")
    xapi.add_argument(
        "--iri-base",
        metavar="IRI",
        help="your organisation's IRI: activity ids and the trainees' account homePage start with it "
        "(default: $ROLEPLAY_XAPI_IRI, else https://roleplay-lab.org)",
    )
    xapi.add_argument(
        "--lrs",
        metavar="URL",
        help="also POST the statements to this LRS's xAPI endpoint (e.g. https://lrs.example.org/xAPI), "
        "in batches; statements it already holds are counted, not stored twice",
    )
    xapi.add_argument(
        "--lrs-user", metavar="USER", help="basic auth user for the LRS (default: $ROLEPLAY_LRS_USER; none: no auth)"
    )
    xapi.add_argument(
        "--lrs-password",
        metavar="PASSWORD",
        help="its password (default: $ROLEPLAY_LRS_PASSWORD, else asked for at the terminal; on the command "
        "line it is visible to other users of this machine)",
    )
    xapi.add_argument(
        "--lrs-batch",
        type=_positive,
        default=XAPI_BATCH,
        metavar="N",
        help="statements per request (default: %(default)s)",
    )
    xapi.add_argument(
        "--lrs-retries",
        type=int,
        default=XAPI_RETRIES,
        metavar="N",
        help="how many more times a request the LRS failed (5xx, 429, no answer) is tried, after 1, 2, 4… s "
        "(default: %(default)s)",
    )


def _lrs_login(args: argparse.Namespace, io: Streams) -> tuple[str | None, str | None]:
    """The LRS's basic auth: the options, else the environment, else the password asked for."""
    env_user, env_password = settings.lrs_credentials()
    user = args.lrs_user or env_user
    password = args.lrs_password or env_password
    if user is not None and password is None:
        if not io.stdin.isatty():
            raise LabError(f"no LRS password for {user}: set $ROLEPLAY_LRS_PASSWORD or give --lrs-password")
        password = getpass.getpass(f"LRS password for {user}: ")
    return user, password


def _run_export(args: argparse.Namespace, io: Streams) -> int:
    if args.format != "xapi" and (args.lrs or args.iri_base):
        raise LabError("--lrs and --iri-base are for --format xapi")
    if args.out is None and not args.lrs:
        raise LabError("say where the export goes: --out PATH" + (" or --lrs URL" if args.format == "xapi" else ""))
    if args.format == "xapi":
        return _export_xapi(args, io)
    store = open_store(args.store, create=False)
    try:
        summary = export(store, args.format, args.out, pseudonymize=args.pseudonymize)
    finally:
        store.close()
    print(
        f"wrote {summary.sessions} sessions and {summary.turns} turns to {args.out} (from {store.display_location})",
        file=io.out,
    )
    for note in summary.notes:
        print(f"  {note}", file=io.out)
    return 0


def _export_xapi(args: argparse.Namespace, io: Streams) -> int:
    """``export --format xapi``: the statements to a file, to an LRS, or both."""
    base = xapi.iri_base(args.iri_base)
    url = xapi.statements_url(args.lrs) if args.lrs else None
    login = _lrs_login(args, io) if url else (None, None)
    store = open_store(args.store, create=False)
    try:
        records = collect(store, pseudonymize=args.pseudonymize)
    finally:
        store.close()
    statements = xapi.xapi_statements(records, iri=base)
    counts = f"{len(records.sessions)} sessions and {records.n_turns} turns"
    if args.out is not None:
        try:
            args.out.parent.mkdir(parents=True, exist_ok=True)
            xapi.write_statements(statements, args.out)
        except OSError as exc:
            raise LabError(f"cannot write {args.out}: {exc.strerror or exc}") from None
        print(f"wrote {counts} to {args.out} (from {redacted(settings.store_location(args.store))})", file=io.out)
    else:
        print(f"read {counts} from {redacted(settings.store_location(args.store))}", file=io.out)
    print(f"  {len(statements)} xAPI {xapi.XAPI_VERSION} statements", file=io.out)
    if url:
        user, password = login
        upload = xapi.post_statements(
            statements, url, user=user, password=password, batch=args.lrs_batch, retries=max(0, args.lrs_retries)
        )
        print(f"  {upload.summary()}", file=io.out)
    return 0


# ------------------------------------------------------------------ demo-data


def _demo_data_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--trainees", type=int, default=12, help="how many trainees (default: %(default)s)")
    p.add_argument(
        "--sessions", type=int, default=1000, help="sessions in all, spread over the trainees (default: %(default)s)"
    )
    p.add_argument("--seed", type=int, default=0, help="seed of everything simulated (default: %(default)s)")
    p.add_argument("--scenarios", metavar="DIR", help=f"the scenarios folder (default: {LIBRARY_HELP})")
    p.add_argument(
        "--reviews",
        type=float,
        default=0.1,
        metavar="FRACTION",
        help="share of completed sessions a reviewer scores (default: %(default)s)",
    )
    p.add_argument("--until", help="the calendar's end, YYYY-MM-DD (default: today, 00:00 UTC)")
    p.add_argument("--workers", type=int, help="processes playing side by side (default: up to 2)")
    _add_store(p)


def _run_demo_data(args: argparse.Namespace, io: Streams) -> int:
    until = demo.parse_until(args.until)
    scenarios, problems = demo.load_scenarios(args.scenarios)
    for problem in problems:
        print(f"(not played) {problem}", file=io.out)
    store = open_store(args.store)
    try:
        summary = demo.generate(
            store,
            scenarios,
            trainees=args.trainees,
            sessions=args.sessions,
            seed=args.seed,
            reviews=args.reviews,
            until=until,
            workers=args.workers,
            progress=io.err,
        )
    finally:
        store.close()
    print(f"Results store: {store.display_location}", file=io.out)
    print(f"scenarios: {', '.join(sorted(s.id for s in scenarios))}; seed {args.seed}", file=io.out)
    demo.print_summary(summary, io.out)
    return 0


# ------------------------------------------------------------------ diagram


def _diagram_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("scenario", help="a scenario file, or a scenario id under scenarios/")
    p.add_argument("--out", required=True, type=Path, metavar="FILE", help="the file to write ('-': standard output)")
    p.add_argument("--dot", action="store_true", help="write the Graphviz DOT text instead of SVG")
    p.add_argument(
        "--highlight",
        type=_highlight,
        metavar="best|1,2,3",
        help="draw a path thick: 'best' (the highest overall score) or option numbers in order",
    )
    p.add_argument("--rankdir", choices=["TB", "LR"], default="TB", help="top to bottom (default) or left to right")


def _run_diagram(args: argparse.Namespace, io: Streams) -> int:
    scenario = _resolve_scenario(args.scenario)
    make = to_dot if args.dot else to_svg
    text = make(scenario, args.highlight, rankdir=args.rankdir)
    if str(args.out) == "-":
        io.out.write(text)
        return 0
    try:
        args.out.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise LabError(f"cannot write {args.out}: {exc.strerror or exc}") from None
    if args.highlight == "best":
        lit = "; the best path highlighted"
    elif args.highlight:
        lit = f"; path {','.join(map(str, args.highlight))} highlighted"
    else:
        lit = ""
    print(
        f"wrote {display_path(args.out)} ({'DOT' if args.dot else 'SVG'}: {len(scenario.nodes)} nodes, "
        f"{len(scenario.endings)} endings{lit})",
        file=io.out,
    )
    return 0


# ------------------------------------------------------------------ schema


def _schema_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--out", type=Path, metavar="DIR", help="the folder to write to (default: schema/ in the scenario library)"
    )


def _run_schema(args: argparse.Namespace, io: Streams) -> int:
    for path in write_schemas(args.out or settings.scenarios_dir() / "schema"):
        print(f"wrote {display_path(path)}", file=io.out)
    return 0


# ------------------------------------------------------------------ the table of commands

# ------------------------------------------------------------------ assign


def _assign_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("scenario", nargs="?", help="the scenario's id to assign (none with --list, --remove, --report)")
    p.add_argument("--group", help="the hub group it is for (a class's name, trainees; everyone: all trainees)")
    p.add_argument("--due", help="the due date (YYYY-MM-DD: by the end of that day, UTC) or an ISO time")
    p.add_argument("--mode", choices=("practice", "assessment"), default="practice", help="feedback (%(default)s)")
    p.add_argument("--attempts", type=_non_negative, default=0, help="attempt limit a trainee; 0: none (default)")
    action = p.add_mutually_exclusive_group()
    action.add_argument("--list", action="store_true", help="list the assignments")
    action.add_argument("--remove", type=int, metavar="ID", help="remove an assignment")
    action.add_argument("--report", action="store_true", help="who has done what by the due date, as CSV")
    _add_store(p)


def _run_assign(args: argparse.Namespace, io: Streams) -> int:
    from .results.assignments import assignment_report, to_csv

    store = open_store(args.store, create=not (args.list or args.report or args.remove is not None))
    try:
        if args.report:
            io.out.write(to_csv(assignment_report(store)))
        elif args.remove is not None:
            if not store.delete_assignment(args.remove):
                raise LabError(f"no assignment {args.remove}")
            print(f"removed assignment {args.remove}", file=io.out)
        elif args.list:
            rows = [
                (str(a["id"]), a["scenario_id"], a["group_name"], a["due"], a["mode"], str(a["max_attempts"] or "-"))
                for a in store.assignments()
            ]
            _table(["id", "scenario", "group", "due (UTC)", "mode", "attempts"], rows, io.out)
        else:
            if not (args.scenario and args.group and args.due):
                raise LabError("assign needs a scenario, --group and --due (or --list, --remove ID, --report)")
            made = store.create_assignment(
                args.scenario, args.group, args.due, mode=args.mode, max_attempts=args.attempts or None,
                created_by=settings.hub_user() or getpass.getuser(),
            )  # fmt: skip
            due = store.assignment(made)["due"]
            print(f"assignment {made}: {args.scenario} to {args.group.strip()}, due {due}", file=io.out)
    finally:
        store.close()
    return 0


COMMANDS: tuple[Command, ...] = (
    Command("validate", "check scenario files; exit 1 if any has a problem", _validate_arguments, _run_validate),
    Command("test", "run the path tests written in scenario files", _test_arguments, _run_test),
    Command("list", "list the scenarios with persona, language and size", _list_arguments, _run_list),
    Command(
        "paths",
        "path analysis (best, worst, shortest passing path, score ranges, loops), paraphrase probes and random walks",
        _paths_arguments,
        _run_paths,
        description="Analyse every path through each scenario — the best, worst and shortest passing paths, "
        "the score range per competency, loops that can trap a trainee, options that never matter, the "
        "endings — then probe each node with its options' wordings held out in turn (the estimated matching "
        "accuracy per node, worst first), then play random walks through the real engine, typed replies and "
        "held-out wordings included. Exit 1 if a walk raised an error.",
    ),
    Command("play", "play a scenario in the terminal (or from a file of replies)", _play_arguments, _run_play),
    Command("serve", "serve the practice app in the browser (Voila)", _serve_arguments, _run_serve),
    Command("hub", "run a JupyterHub where a team signs in, each on the app of their role", _hub_arguments, _run_hub),
    Command("report", "a table of the sessions in the results store", _report_arguments, _run_report),
    Command(
        "export",
        "write every session and turn to a file (csv, jsonl, an Excel workbook, xAPI statements)",
        _export_arguments,
        _run_export,
        description="Write the results store to a file: csv (a row per turn), jsonl (a line per session with "
        "its turns and reviews), xlsx (competency matrix, KPIs, sessions, turns, reviews) or xapi "
        "(xAPI 1.0.3 statements for a learning record store; JSON Lines if PATH ends in .jsonl; with --lrs URL "
        "they are also POSTed to that LRS; docs/xapi.md has the mapping).",
    ),
    Command(
        "demo-data",
        "fill a results store with sessions played through the engine by simulated trainees",
        _demo_data_arguments,
        _run_demo_data,
        description="Play the scenarios through the real engine with simulated trainees of different skill "
        "profiles (empathetic, hasty, improving, steady, novice), on a simulated calendar of the last 8 weeks, "
        "and write the sessions, turns, teams, reviews and self-assessments to the results store. The same "
        "--seed (and --until) gives the same data.",
    ),
    Command(
        "diagram",
        "draw a scenario as an SVG diagram (or write its Graphviz DOT text)",
        _diagram_arguments,
        _run_diagram,
        description="Draw a scenario's nodes, options and endings as SVG with Graphviz's dot "
        "(apt-get install -y graphviz): endings coloured by outcome, breaches in red, unreachable "
        "nodes grey and dashed, and optionally a path in thick purple.",
    ),
    Command("schema", "write the JSON Schemas of the file formats", _schema_arguments, _run_schema),
    Command(
        "assign",
        "assign a scenario to a group (due date, feedback, attempts); list, remove, report",
        _assign_arguments,
        _run_assign,
    ),
)


def _table(headers: list[str], rows: list[tuple[str, ...]], out: TextIO) -> None:
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(headers)]
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip(), file=out)
    print("  ".join("-" * w for w in widths), file=out)
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip(), file=out)


if __name__ == "__main__":
    raise SystemExit(main())
