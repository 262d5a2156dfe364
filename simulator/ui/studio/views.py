"""The studio's HTML: the verdict on the editor's text (each problem a button that puts the editor's
cursor on it), the path analysis, a played conversation's status, the path tests, the replies not
understood and the notes on drafts. Each is a pure function of what it shows and
the studio's words (``w``); everything from a scenario file, the store or the checks is escaped."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ...core.engine import Session
from ...core.rules import BREAKING_POINT
from ...core.scenario import Scenario
from ..render import bar, e


def _outcome(outcome: str, w: dict[str, str]) -> str:
    return e(w.get(f"outcome_{outcome}", outcome))


def _jump(line: int, column: int, text: str, w: dict[str, str]) -> str:
    """A button that moves the editor's cursor to (line, column): the editor's script (static/editor)
    listens for clicks on ``.rp-jump`` in its studio box and reads ``data-line`` and ``data-column``."""
    title = e(w["go_to"].format(line=line, column=column))
    return (
        f'<button type="button" class="rp-jump" data-line="{int(line)}" data-column="{int(column)}" '
        f'title="{title}">{text}</button>'
    )


def verdict_html(
    scenario: Scenario | None, errors: Sequence[Any], warnings: Sequence[Any], took: float, w: dict[str, str]
) -> str:
    """Sound (with its size) or the problems to fix, each with its line and column; then the warnings.
    Each problem and warning is a button (``.rp-jump``) that puts the editor's cursor on its place.

    Args:
        scenario: the checked scenario (None when it cannot be played).
        errors: the problems that stop it (``Problem``: line, column, message, location).
        warnings: the problems that do not.
        took: how long the check took, in seconds.
        w: the studio's words.

    Returns:
        HTML.
    """
    parts = []
    if errors:
        items = "".join(
            "<li>"
            + _jump(p.line, p.column, w["line_column"].format(line=p.line, column=p.column, message=e(p.message)), w)
            + (f' <span class="rp-muted">({e(p.location)})</span>' if p.location else "")
            + "</li>"
            for p in errors
        )
        head = w["problems_to_fix"].format(n=len(errors))
        hint = f'<span class="rp-muted">{w["jump_hint"]}</span>'
        parts.append(f'<div class="rp-problems"><b>{head}</b> {hint}<ul>{items}</ul></div>')
    elif scenario is not None:
        s = scenario
        sound = w["sound"].format(
            id=e(s.id), version=s.version, points=s.decision_points, endings=len(s.endings), tests=len(s.model.tests)
        )
        checked = w["checked_in"].format(ms=f"{took * 1000:.0f}")
        parts.append(f'<div class="rp-sound">✓ {sound} <span class="rp-muted">{checked}</span></div>')
    for p in warnings:
        said = w["warning_line"].format(line=p.line, message=e(p.message))
        parts.append(f'<p class="rp-warn">{_jump(p.line, p.column, said, w)}</p>')
    return "".join(parts)


def draft_note_html(name: str, draft: str, saved_at: str, w: dict[str, str]) -> str:
    """That the editor holds a draft saved with problems, and that trainees still get the library's version.

    Args:
        name: the library file's name.
        draft: the draft as the trainer may be shown it (``drafts/<name>``).
        saved_at: when the draft was saved (HH:MM).
        w: the studio's words.

    Returns:
        HTML (one span).
    """
    said = w["draft_open"].format(name=e(name), draft=e(draft), time=e(saved_at))
    return f'<span class="rp-draft-open">{said}</span>'


def added_html(said: str) -> str:
    """A reply added as a phrasing, in the list where its row was.

    Args:
        said: the confirmation (the studio's words, the reply escaped).

    Returns:
        HTML.
    """
    return f'<p class="rp-ok rp-added">✓ {said}</p>'


def paths_html(report: Any, scenario: Scenario, w: dict[str, str]) -> str:
    """The path analysis: best, worst and shortest passing path, score ranges, loops, idle options, endings.

    Args:
        report: ``simulator.studio.paths.analyse(scenario)``.
        scenario: the scenario analysed (for competency titles).
        w: the studio's words.

    Returns:
        HTML.
    """
    titles = {c: scenario.competency_title(c) for c in scenario.competencies}
    rows = []
    for key, p in (("path_best", report.best), ("path_worst", report.worst), ("path_shortest", report.shortest_pass)):
        label = w[key]
        if p is None:
            rows.append(f"<tr><th>{label}</th><td colspan=5><i>{w['no_path_passes']}</i></td></tr>")
            continue
        verdict = f'<span class="rp-ok">{w["pass"]}</span>' if p.passed else f'<span class="rp-bad">{w["fail"]}</span>'
        rows.append(
            f"<tr><th>{label}</th><td>{' '.join(map(str, p.options))}</td><td>{p.replies}</td>"
            f"<td>{e(p.ending)} ({_outcome(p.outcome, w)})</td><td>{p.overall:g}</td><td>{verdict}</td></tr>"
        )
    paths = (
        f"<h4>{w['paths']}</h4><table><tr><th></th><th>{w['col_replies']}</th><th>{w['col_n']}</th>"
        f"<th>{w['col_ending']}</th><th>{w['col_score']}</th><th></th></tr>{''.join(rows)}</table>"
    )
    ranges = "".join(
        f"<tr><td>{e(titles.get(c, c))}</td><td>{r.low:g}</td><td>{r.high:g}</td>"
        f'<td style="width:220px">{bar(r.high)}</td></tr>'
        for c, r in report.ranges.items()
    )
    ranges = (
        f"<h4>{w['score_range']}</h4><table><tr><th>{w['col_competency']}</th><th>{w['col_lowest']}</th>"
        f"<th>{w['col_highest']}</th><th></th></tr>{ranges}<tr><th>{w['overall']}</th><td>{report.overall.low:g}</td>"
        f"<td>{report.overall.high:g}</td><td></td></tr></table>"
    )
    loops = "".join(f'<li class="{"rp-bad" if loop.trap else ""}">{e(loop.describe())}</li>' for loop in report.loops)
    idle = "".join(f"<li>{e(o.describe())}</li>" for o in report.idle_options)
    endings = "".join(
        f"<li>{e(r.ending)} ({_outcome(r.outcome, w)}): "
        + (
            w["shortest_path"].format(path=" ".join(str(i + 1) for i in r.shortest))
            if r.shortest is not None
            else f'<span class="rp-bad">{w["never_reached"]}</span>'
        )
        + "</li>"
        for r in report.endings
    )
    none = f"<li>{w['none_item']}</li>"
    states = w["states"].format(states=f"{report.states:,}".replace(",", w["thousands"]))
    return (
        f'<p class="rp-muted">{states}</p>'
        + paths
        + ranges
        + f"<h4>{w['loops']}</h4><ul>{loops or none}</ul>"
        + f"<h4>{w['idle']}</h4><ul>{idle or none}</ul>"
        + f"<h4>{w['endings']}</h4><ul>{endings}</ul>"
    )


def play_status_html(session: Session, w: dict[str, str]) -> str:
    """Where a conversation played in the studio stands: mood and node, or how it ended.

    Args:
        session: the studio's session.
        w: the studio's words.

    Returns:
        HTML (one paragraph).
    """
    if not session.finished:
        return f"<p>{w['play_status'].format(mood=session.mood, node=e(session.node))}</p>"
    result = session.result()
    ending = w["breaking_point"] if session.ending == BREAKING_POINT else session.ending
    ended = w["ended"].format(
        ending=e(ending),
        outcome=_outcome(result.outcome, w),
        score=f"{result.overall:g}",
        verdict=w["passed"] if result.passed else w["not_passed"],
        mood=session.mood,
    )
    return f"<p>{ended}</p>"


def tests_html(outcomes: Sequence[Any], w: dict[str, str]) -> str:
    """The path tests' outcomes: how many passed, and a row per test with what differs.

    Args:
        outcomes: ``simulator.studio.pathtests.run_path_tests(scenario)``.
        w: the studio's words.

    Returns:
        HTML.
    """
    ok, failed_label = f"<span class=rp-ok>{w['test_ok']}</span>", f"<span class=rp-bad>{w['test_fail']}</span>"
    rows = "".join(
        f"<tr><td>{ok if o.ok else failed_label}</td>"
        f"<td>{e(o.name)}</td><td>{e(o.ending or '')}</td><td>{'' if o.score is None else f'{o.score:g}'}</td>"
        f"<td>{'<br>'.join(e(d) for d in o.differences)}</td></tr>"
        for o in outcomes
    )
    failed = sum(not o.ok for o in outcomes)
    head = w["tests_head"].format(passed=len(outcomes) - failed, failed=failed)
    return (
        f"<p><b>{head}</b></p><table><tr><th></th><th>{w['col_test']}</th><th>{w['col_ending']}</th>"
        f"<th>{w['col_score']}</th><th>{w['col_differs']}</th></tr>{rows}</table>"
    )


def replies_note_html(scenario_id: str, shown: int, where: str, w: dict[str, str]) -> str:
    """What the list of replies not understood is, or that there are none.

    Args:
        scenario_id: the scenario.
        shown: how many replies are listed.
        where: the store's name as the browser may be shown it (``common.store_name``).
        w: the studio's words.

    Returns:
        HTML (one paragraph).
    """
    key = "missed" if shown else "no_missed"
    return f"<p>{w[key].format(n=shown, id=e(scenario_id), where=e(where))}</p>"
