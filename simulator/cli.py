"""The ``roleplay`` command.

Errors the user can fix are printed once, as ``roleplay: …``, with exit status 1; a usage
mistake exits with 2. No traceback reaches the terminal unless ``--debug`` is given.
"""

from __future__ import annotations

import argparse
import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from .errors import LabError, ScenarioErrors, display_path
from .loading.loader import check_files, load_scenario
from .studio.paths import DEFAULT_MAX_STATES

DEFAULT_SCENARIOS = "scenarios"


def _store_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--store",
        help="results store: a SQLite file or a database URL "
        "(default: $ROLEPLAY_STORE or ~/.local/share/roleplay-lab/results.sqlite)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="roleplay", description="Role-play simulator and assessment lab for customer-support teams."
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks of unexpected errors")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("validate", help="check scenario files; exit 1 if any has a problem")
    p.add_argument("paths", nargs="*", default=[DEFAULT_SCENARIOS], metavar="PATH")

    p = sub.add_parser("test", help="run the path tests written in scenario files")
    p.add_argument("paths", nargs="*", default=[DEFAULT_SCENARIOS], metavar="PATH")

    p = sub.add_parser("list", help="list the scenarios with persona, language and size")
    p.add_argument("paths", nargs="*", default=[DEFAULT_SCENARIOS], metavar="PATH")

    p = sub.add_parser(
        "paths",
        help="path analysis (best, worst, shortest passing path, score ranges, loops) and random walks",
        description="Analyse every path through each scenario — the best, worst and shortest passing paths, "
        "the score range per competency, loops that can trap a trainee, options that never matter, the "
        "endings — then play random walks through the real engine, typed replies included. Exit 1 if a "
        "walk raised an error.",
    )
    p.add_argument(
        "scenarios", nargs="*", default=[DEFAULT_SCENARIOS], metavar="SCENARIO", help="scenario files, ids or folders"
    )
    p.add_argument("--walks", type=int, default=1000, metavar="N", help="random walks per scenario (default: 1000)")
    p.add_argument("--seed", type=int, default=0, help="the first walk's seed; walk i has seed S+i (default: 0)")
    p.add_argument("--replay", type=int, metavar="SEED", help="play the walk of this seed again, turn by turn")
    p.add_argument(
        "--max-states",
        type=int,
        default=DEFAULT_MAX_STATES,
        metavar="N",
        help=f"the most states the analysis enumerates before it gives up (default: {DEFAULT_MAX_STATES})",
    )

    p = sub.add_parser("play", help="play a scenario in the terminal (or from a file of replies)")
    p.add_argument("scenario", help="a scenario file, or a scenario id under scenarios/")
    p.add_argument("--trainee", default=None, help="your name (default: your login name)")
    p.add_argument("--replies", type=Path, help="a file with one reply a line: an option number or text")
    p.add_argument("--seed", type=int, help="seed for the customer's line variants (replays a session)")
    p.add_argument("--mode", choices=["practice", "debrief", "assessment"], help="override the feedback mode")
    _store_arg(p)

    p = sub.add_parser("serve", help="serve the practice app in the browser (Voila)")
    p.add_argument("--port", type=int, default=8866)
    p.add_argument("--ip", default="127.0.0.1", help="address to listen on (default: loopback only)")
    p.add_argument("--token", help="require this token (default: none on loopback, a random one beyond it)")
    p.add_argument("--scenarios", help="the scenarios folder (default: scenarios/ of the lab)")
    p.add_argument("--no-preheat", dest="preheat", action="store_false", help="start a kernel per page load")
    p.add_argument("--pool-size", type=int, default=2, help="preheated kernels kept ready (default: 2)")
    p.add_argument("--cull-idle", type=int, default=1800, help="seconds before an idle page's kernel is ended")
    p.add_argument("--theme", choices=["light", "dark"], default="light")
    p.add_argument(
        "--app",
        choices=["practice", "review", "studio"],
        default="practice",
        help="what to serve: the trainee's practice app (default), the review lab, or the scenario studio",
    )
    _store_arg(p)

    p = sub.add_parser("report", help="a table of the sessions in the results store")
    p.add_argument("--trainee")
    p.add_argument("--scenario")
    _store_arg(p)

    from .results.export import EXPORTERS

    p = sub.add_parser(
        "export",
        help="write every session and turn to a file (csv, jsonl, an Excel workbook, xAPI statements)",
        description="Write the results store to a file: csv (a row per turn), jsonl (a line per session with "
        "its turns and reviews), xlsx (competency matrix, KPIs, sessions, turns, reviews) or xapi "
        "(xAPI 1.0.3 statements for a learning record store; JSON Lines if PATH ends in .jsonl).",
    )
    p.add_argument("--format", required=True, choices=sorted(EXPORTERS))
    p.add_argument("--out", required=True, type=Path, metavar="PATH")
    p.add_argument(
        "--pseudonymize",
        action="store_true",
        help="replace trainee and reviewer names with salted hashes (trainee-…, reviewer-…), the same in "
        "every export of this store (the salt is kept in the store; $ROLEPLAY_SALT overrides it); free text "
        "such as typed replies and review comments is kept as written",
    )
    _store_arg(p)

    p = sub.add_parser(
        "demo-data",
        help="fill a results store with sessions played through the engine by simulated trainees",
        description="Play the scenarios through the real engine with simulated trainees of different skill "
        "profiles (empathetic, hasty, improving, steady, novice), on a simulated calendar of the last 8 weeks, "
        "and write the sessions, turns, teams, reviews and self-assessments to the results store. The same "
        "--seed (and --until) gives the same data.",
    )
    p.add_argument("--trainees", type=int, default=12, help="how many trainees (default: 12)")
    p.add_argument("--sessions", type=int, default=1000, help="sessions in all, spread over the trainees")
    p.add_argument("--seed", type=int, default=0, help="seed of everything simulated (default: 0)")
    p.add_argument("--scenarios", help="the scenarios folder (default: scenarios/ of the lab)")
    p.add_argument(
        "--reviews", type=float, default=0.1, metavar="FRACTION", help="share of completed sessions a reviewer scores"
    )
    p.add_argument("--until", help="the calendar's end, YYYY-MM-DD (default: today, 00:00 UTC)")
    p.add_argument("--workers", type=int, help="processes playing side by side (default: up to 2)")
    _store_arg(p)

    p = sub.add_parser(
        "diagram",
        help="draw a scenario as an SVG diagram (or write its Graphviz DOT text)",
        description="Draw a scenario's nodes, options and endings as SVG with Graphviz's dot "
        "(apt-get install -y graphviz): endings coloured by outcome, breaches in red, unreachable "
        "nodes grey and dashed, and optionally a path in thick purple.",
    )
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

    p = sub.add_parser("schema", help="write the JSON Schemas of the file formats")
    p.add_argument("--out", type=Path, default=Path(DEFAULT_SCENARIOS) / "schema")
    return parser


def main(argv: Sequence[str] | None = None, *, stdin: TextIO | None = None, stdout: TextIO | None = None) -> int:
    out = stdout or sys.stdout
    args = build_parser().parse_args(argv)
    handler = globals()[f"cmd_{args.command.replace('-', '_')}"]
    try:
        return handler(args, out, stdin or sys.stdin)
    except ScenarioErrors as exc:
        print(str(exc), file=out)
        return 1
    except LabError as exc:
        print(f"roleplay: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # the output was piped into head, less…
        return 0
    except KeyboardInterrupt:
        print("\nroleplay: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # the edge: one line for the user, the traceback on request
        if args.debug:
            raise
        print(
            f"roleplay: unexpected error: {type(exc).__name__}: {exc} (run with --debug for details)", file=sys.stderr
        )
        return 1


# ------------------------------------------------------------------ commands


def cmd_validate(args, out: TextIO, _stdin) -> int:
    scenarios, problems = check_files(args.paths)
    for problem in problems:
        print(problem, file=out)
    files = len({p.file for p in problems})
    if problems:
        print(
            f"{len(problems)} problem{'s' * (len(problems) != 1)} in {files} file{'s' * (files != 1)}; "
            f"{len(scenarios)} scenario{'s' * (len(scenarios) != 1)} sound",
            file=out,
        )
        print_path_warnings(scenarios, out)
        return 1
    if not scenarios:
        print("no scenario files found in " + ", ".join(map(str, args.paths)), file=out)
        return 1
    for s in scenarios:
        print(
            f"ok  {display_path(s.source)}  ({s.id} v{s.version}: {s.decision_points} decision points, "
            f"{len(s.endings)} endings)",
            file=out,
        )
    print_path_warnings(scenarios, out)
    return 0


def print_path_warnings(scenarios, out: TextIO) -> None:
    """Warnings from the path analysis (trap loops, options that never matter): printed, never failing."""
    from .errors import Problem, ScenarioTooLarge
    from .studio.paths import path_warnings

    for s in scenarios:
        try:
            warnings = path_warnings(s)
        except ScenarioTooLarge as exc:
            file = display_path(s.source) if s.source else s.id
            warnings = [Problem(file, 1, 1, "", f"path analysis skipped: {exc}", "warning")]
        for warning in warnings:
            print(warning, file=out)


def cmd_test(args, out: TextIO, _stdin) -> int:
    from .studio.pathtests import run_path_tests

    scenarios, problems = check_files(args.paths)
    for problem in problems:
        print(problem, file=out)
    outcomes = [o for s in scenarios for o in run_path_tests(s)]
    for outcome in outcomes:
        print(outcome, file=out)
    failed = sum(not o.ok for o in outcomes)
    print(f"{len(outcomes) - failed} passed, {failed} failed", file=out)
    return 1 if failed or problems or not outcomes else 0


def cmd_list(args, out: TextIO, _stdin) -> int:
    scenarios, problems = check_files(args.paths)
    rows = [
        (s.id, s.persona.id, s.language, str(s.decision_points), str(len(s.endings)), s.title)
        for s in sorted(scenarios, key=lambda s: s.id)
    ]
    _table(["scenario", "persona", "lang", "nodes", "endings", "title"], rows, out)
    for problem in problems:
        print(f"(not listed) {problem}", file=out)
    return 1 if problems else 0


def resolve_scenario(name: str):
    """A scenario by file path, or by id from scenarios/ in the working directory."""
    path = Path(name)
    if path.exists() or path.suffix in (".yaml", ".yml"):
        return load_scenario(path)
    candidate = Path(DEFAULT_SCENARIOS) / f"{name}.yaml"
    if candidate.exists():
        return load_scenario(candidate)
    scenarios, _ = check_files([DEFAULT_SCENARIOS]) if Path(DEFAULT_SCENARIOS).is_dir() else ([], [])
    for s in scenarios:
        if s.id == name:
            return s
    from .loading.checks import did_you_mean

    ids = [s.id for s in scenarios]
    hint = did_you_mean(name, ids) or (
        f" — known: {', '.join(sorted(ids))}" if ids else f" — no {DEFAULT_SCENARIOS}/ folder here; give a file path"
    )
    raise LabError(f"no scenario '{name}'{hint}")


def cmd_paths(args, out: TextIO, _stdin) -> int:
    import shlex

    from .errors import ScenarioTooLarge
    from .studio.paths import analyse
    from .studio.walks import replay, walks

    if args.walks < 0:
        raise LabError("--walks must be 0 or more")
    named, problems = [], []
    for name in args.scenarios:
        if Path(name).is_dir():
            found, broken = check_files([name])
            named += [(display_path(s.source), s) for s in found]
            problems += broken
            continue
        try:
            named.append((name, resolve_scenario(name)))
        except ScenarioErrors as exc:
            problems += exc.problems
    for problem in problems:
        print(problem, file=out)
    if args.replay is not None:
        if len(named) != 1:
            raise LabError(f"--replay plays one walk again: name one scenario, not {len(named)}")
        walk = replay(named[0][1], args.replay)
        print(walk.text(), file=out)
        return 0 if walk.ok else 1
    failed = 0
    for number, (name, scenario) in enumerate(named):
        if number:
            print("\n" + "=" * 88 + "\n", file=out)
        try:
            print(analyse(scenario, max_states=args.max_states).text(), file=out)
        except ScenarioTooLarge as exc:
            print(f"path analysis skipped: {exc}", file=out)
        if args.walks:
            summary = walks(scenario, args.walks, args.seed)
            hint = f"roleplay paths {shlex.quote(name)} --replay {{seed}}"
            print("\n" + summary.text(replay_hint=hint), file=out)
            failed += len(summary.failures)
    if not named and not problems:
        print("no scenario files found in " + ", ".join(args.scenarios), file=out)
    return 1 if failed or problems or not named else 0


def cmd_play(args, out: TextIO, stdin: TextIO) -> int:
    from .core.engine import Session
    from .errors import SessionError
    from .results.store import open_store

    scenario = resolve_scenario(args.scenario)
    replies = _reply_lines(args.replies) if args.replies else None  # before anything is recorded
    store = open_store(args.store)
    trainee = args.trainee or _login()
    session = Session(scenario, trainee=trainee, seed=args.seed, mode=args.mode, recorder=store)
    width = 88
    print(f"{scenario.title}  [{scenario.id} v{scenario.version}, seed {session.seed}]", file=out)
    print(wrap_text(scenario.model.briefing, width), file=out)
    print(f"\nThe customer: {scenario.model.customer.name}. {scenario.model.customer.context}", file=out)
    practice = session.mode == "practice"
    try:
        while not session.finished:
            print(f"\n{scenario.model.customer.name} (mood {session.mood}): {session.customer_line}", file=out)
            for i, text in enumerate(session.options, start=1):
                print(f"  {i}. {text}", file=out)
            reply = _next_reply(replies, stdin, out)
            if reply is None:
                session.abandon()
                print(f"\nSession abandoned; {len(session.turns)} replies were recorded in {store.location}.", file=out)
                return 1 if replies is not None else 0
            try:
                turn = session.reply(reply)
            except SessionError as exc:
                print(f"  ({exc})", file=out)
                continue
            print(f"You: {turn.reply}", file=out)
            if practice and turn.understood:
                print(textwrap.fill(f"  ↳ {turn.feedback}", width, subsequent_indent="    "), file=out)
    except BaseException:
        session.abandon()
        raise
    print(f"\n{scenario.model.customer.name}: {session.customer_line}", file=out)
    print_debrief(session.result(), scenario, out)
    print(f"\nRecorded as session {session.id} (attempt {session.attempt}) in {store.location}", file=out)
    return 0


def _login() -> str:
    import getpass

    try:
        return getpass.getuser()
    except Exception:
        return "trainee"


def wrap_text(text: str, width: int) -> str:
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


def _next_reply(replies: list | None, stdin: TextIO, out: TextIO) -> int | str | None:
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


def print_debrief(result, scenario, out: TextIO) -> None:
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


def cmd_serve(args, out: TextIO, _stdin) -> int:
    from .serve import serve

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
        out=out,
        app=args.app,
    )


def cmd_report(args, out: TextIO, _stdin) -> int:
    from .results.store import open_store

    store = open_store(args.store)
    where = {k: v for k, v in (("trainee", args.trainee), ("scenario_id", args.scenario)) if v}
    reviewed = {r["session_id"]: r for r in store.reviews()}  # the latest review of a session wins
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
                r["status"],
                score,
                passed,
                r["outcome"] or "",
            )
        )
    print(f"Results store: {store.location}", file=out)
    _table(["when (UTC)", "trainee", "scenario", "attempt", "status", "score", "passed", "outcome"], rows, out)
    if reviewed:
        print("* scored by a reviewer (the automatic score in brackets)", file=out)
    print(f"{len(rows)} session{'s' * (len(rows) != 1)}", file=out)
    return 0


def cmd_export(args, out: TextIO, _stdin) -> int:
    from .results.export import export
    from .results.store import open_store

    store = open_store(args.store)
    try:
        summary = export(store, args.format, args.out, pseudonymize=args.pseudonymize)
    finally:
        store.close()
    print(f"wrote {summary.sessions} sessions and {summary.turns} turns to {args.out}", file=out)
    for note in summary.notes:
        print(f"  {note}", file=out)
    return 0


def cmd_demo_data(args, out: TextIO, _stdin) -> int:
    from .results.demo import generate, load_scenarios, parse_until, print_summary
    from .results.store import open_store

    until = parse_until(args.until)
    scenarios, problems = load_scenarios(args.scenarios)
    for problem in problems:
        print(f"(not played) {problem}", file=out)
    store = open_store(args.store)
    try:
        summary = generate(
            store,
            scenarios,
            trainees=args.trainees,
            sessions=args.sessions,
            seed=args.seed,
            reviews=args.reviews,
            until=until,
            workers=args.workers,
            progress=sys.stderr,
        )
    finally:
        store.close()
    print(f"Results store: {store.location}", file=out)
    print(f"scenarios: {', '.join(sorted(s.id for s in scenarios))}; seed {args.seed}", file=out)
    print_summary(summary, out)
    return 0


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


def cmd_diagram(args, out: TextIO, _stdin) -> int:
    from .studio.diagram import to_dot, to_svg

    scenario = resolve_scenario(args.scenario)
    make = to_dot if args.dot else to_svg
    text = make(scenario, args.highlight, rankdir=args.rankdir)
    if str(args.out) == "-":
        out.write(text)
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
        file=out,
    )
    return 0


def cmd_schema(args, out: TextIO, _stdin) -> int:
    from .loading.schema import write_schemas

    for path in write_schemas(args.out):
        print(f"wrote {path}", file=out)
    return 0


def _table(headers: list[str], rows: list[tuple[str, ...]], out: TextIO) -> None:
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(headers)]
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip(), file=out)
    print("  ".join("-" * w for w in widths), file=out)
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip(), file=out)


if __name__ == "__main__":
    raise SystemExit(main())
