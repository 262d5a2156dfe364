"""Beside the practice app: the trainee's "My progress" and their assignments.

``TraineeCorner`` is what the practice app adds to its first screen: the trainee's assignments
first (``AssignedList``: the groups from the hub, and everyone's group ``everyone``) and a
"My progress" button that builds ``ProgressView`` on its first click (nothing of it is computed
before). Both read the trainee's own rows only, in plain Python (``results.progress``,
``results.assignments``): the practice kernel imports no pandas. Every name and title is escaped;
the styles are in ``static/progress.css``.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from datetime import UTC, datetime
from importlib import resources
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets

from .. import settings
from ..core.scenario import library_competency_title
from ..results.assignments import attempts_left
from ..results.progress import Progress, my_progress
from ..results.store import EVERYONE, Store
from .render import e
from .text import words

if TYPE_CHECKING:
    from ..core.scenario import Scenario

__all__ = ["AssignedList", "ProgressView", "TraineeCorner", "progress_css", "progress_html", "trainee_groups"]


@functools.cache
def progress_css() -> str:
    """The styles of the progress view and the assignments list, as a ``<style>`` block.

    Returns:
        HTML (``static/progress.css``), read once.
    """
    css = resources.files(__package__).joinpath("static", "progress.css").read_text(encoding="utf-8")
    return f"<style>\n{css}</style>\n"


def trainee_groups() -> frozenset[str]:
    """The groups whose assignments a trainee sees: their hub groups and ``everyone``.

    Returns:
        Group names (outside a hub: ``everyone`` only).
    """
    return settings.user_groups() | {EVERYONE}


def _trainee_name(app: Any) -> str:
    """Whose progress and attempts: the user the hub signed in, else the name typed in the app."""
    return settings.hub_user() or app.trainee.value.strip()


def _number(value: float | None) -> str:
    return "–" if value is None else f"{value:.0f}"


def _title(scenarios: Mapping[str, Scenario], sid: str) -> str:
    return scenarios[sid].title if sid in scenarios else sid


def _table(header: list[str], rows: list[list[str]], css: str) -> str:
    head = "".join(f"<th>{h}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f'<table class="rp-progress-table {css}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def progress_html(progress: Progress, scenarios: Mapping[str, Scenario], lang: str = "en") -> str:
    """A trainee's progress as HTML: grade, competencies, scenarios, the next one, attempts.

    Args:
        progress: ``results.progress.my_progress``.
        scenarios: the library (titles).
        lang: ``"en"`` or ``"pl"``.

    Returns:
        HTML; every name and title escaped.
    """
    w = words(lang, "progress")
    parts = [f"<h3>{e(w['progress_of'].format(name=progress.trainee))}</h3>"]
    if not progress.attempts:
        parts.append(f'<p class="rp-progress-empty">{e(w["nothing_yet"])}</p>')
    to_next = e(progress.to_next_grade) if progress.to_next_grade else e(w["top_grade"])
    parts.append(
        f'<p class="rp-progress-grade"><b>{e(w["grade"])}:</b> <span class="rp-grade">{e(progress.grade)}</span>'
        f" · {e(w['to_next_grade'])}: {to_next}</p>"
    )
    if progress.next_scenario is not None:
        because = w["next_because"].format(
            scenario=f"<b>{e(_title(scenarios, progress.next_scenario))}</b>",
            competency=f"<b>{e(library_competency_title(scenarios.values(), progress.weakest or '', lang))}</b>",
        )
        parts.append(f'<p class="rp-progress-next">{e(w["next"])}: {because}</p>')
    elif progress.attempts:
        parts.append(f'<p class="rp-progress-next">{e(w["all_mastered"])}</p>')
    if progress.levels:
        rows = [
            [
                e(library_competency_title(scenarios.values(), c, lang)),
                f"{progress.competency_scores[c]:.0f}",
                f'<span class="rp-level rp-level-{int(level)}">{int(level)} · {e(w[f"level_{int(level)}"])}</span>',
            ]
            for c, level in sorted(progress.levels.items(), key=lambda kv: (kv[1], kv[0]))
        ]
        parts.append(f"<h4>{e(w['competencies'])}</h4>")
        parts.append(_table([e(w["competency"]), e(w["score"]), e(w["level"])], rows, "rp-progress-levels"))
    if progress.scenarios:
        rows = [
            [
                e(_title(scenarios, sid)),
                str(s.attempts),
                str(s.completed),
                _number(s.first),
                _number(s.best),
                _number(s.latest),
                "✓" if s.mastered else "",
            ]
            for sid, s in progress.scenarios.items()
        ]
        header = ["scenario", "attempts", "completed", "first", "best", "latest", "mastered"]
        parts.append(f"<h4>{e(w['scenarios'])}</h4>")
        parts.append(_table([e(w[h]) for h in header], rows, "rp-progress-scenarios"))
    if progress.attempts:
        rows = []
        for a in reversed(progress.attempts):
            verdict = "" if a.passed is None else e(w["passed" if a.passed else "not_passed"])
            note = f' <span class="rp-muted">({e(w["reviewed"])})</span>' if a.reviewed else ""
            rows.append(
                [
                    e(a.started_at[:10]),
                    e(_title(scenarios, a.scenario_id)),
                    str(a.attempt),
                    e(w.get(f"status_{a.status}", a.status)),
                    _number(a.score) + note,
                    verdict,
                ]
            )
        header = [w["date"], w["scenario"], w["attempt"], w["status"], w["score"], ""]
        parts.append(f"<h4>{e(w['history'])}</h4>")
        parts.append(_table([e(h) for h in header], rows, "rp-progress-attempts"))
    return '<div class="rp-progress">' + "".join(parts) + "</div>"


class ProgressView(widgets.VBox):
    """A trainee's own progress as a widget (built when asked for: it reads the store).

    Args:
        store: the results store.
        trainee: whose progress.
        scenarios: the library (titles, the next scenario).
        lang: ``"en"`` or ``"pl"``.
        rules: the assessment rules; None: the lab's (``$ROLEPLAY_RULES``).

    Attributes:
        html: the ``HTML`` widget showing it.
    """

    def __init__(
        self,
        store: Store,
        trainee: str,
        scenarios: Mapping[str, Scenario],
        lang: str = "en",
        rules: Mapping[str, Any] | None = None,
    ):
        super().__init__()
        self.add_class("rp-progress-box")
        self.store, self.trainee, self.scenarios, self.lang, self.rules = store, trainee, scenarios, lang, rules
        self.html = widgets.HTML("")
        self.children = [widgets.HTML(progress_css()), self.html]
        self.refresh()

    def refresh(self) -> None:
        """Read the trainee's rows again and show them."""
        progress = my_progress(self.store, self.trainee, self.scenarios, self.rules)
        self.html.value = progress_html(progress, self.scenarios, self.lang)


class AssignedList(widgets.VBox):
    """The trainee's assignments, soonest due first: scenario, due date, feedback mode, attempts left.

    Choosing one selects its scenario in the practice app and plays it in the assignment's mode.

    Args:
        app: the practice app (its store, scenarios, ``trainee`` box and ``_select``).
        groups: the trainee's groups; None: ``trainee_groups()``.
    """

    def __init__(self, app: Any, groups: frozenset[str] | None = None):
        super().__init__()
        self.add_class("rp-assigned")
        self.app = app
        self.groups = trainee_groups() if groups is None else groups
        self.chosen: dict[str, Any] | None = None
        self.assignments: list[dict[str, Any]] = []
        self.refresh()

    def _name(self) -> str:
        return _trainee_name(self.app)

    def refresh(self) -> None:
        """Read the assignments again; show them with the attempts the trainee (as named now) has left."""
        self.assignments = [
            a for a in self.app.store.assignments(self.groups) if a["scenario_id"] in self.app.scenarios
        ]
        if not self.assignments:
            self.children = []
            return
        w = words(self.app.language, "progress")
        name = self._name()
        used = self.app.store.attempts_used(name, [a["id"] for a in self.assignments]) if name else {}
        now = datetime.now(UTC)
        rows: list[widgets.Widget] = [widgets.HTML(progress_css() + f"<h3>{e(w['assigned'])}</h3>")]
        for a in self.assignments:
            left = attempts_left(a, used.get(a["id"], 0))
            if a["max_attempts"] is None:
                attempts = w["attempts_any"]
            elif name:
                attempts = w["attempts_left"].format(left=left, limit=a["max_attempts"])
            else:
                attempts = w["attempts_limit"].format(limit=a["max_attempts"])
            due = a["due"][:16].replace("T", " ")
            late = datetime.fromisoformat(a["due"]) < now
            info = widgets.HTML(
                f'<span class="rp-assigned-title">{e(_title(self.app.scenarios, a["scenario_id"]))}</span> '
                f'<span class="rp-assigned-due{" rp-overdue" if late else ""}">'
                f"{e(w['overdue' if late else 'due'].format(due=due))}</span> · "
                f'<span class="rp-assigned-mode">{e(w["mode_" + a["mode"]])}</span> · '
                f'<span class="rp-assigned-left">{e(attempts)}</span>'
            )
            button = widgets.Button(description=w["choose"], disabled=name != "" and left == 0)
            button.add_class("rp-assigned-choose")
            button.on_click(functools.partial(self._choose, a))
            row = widgets.HBox([button, info])
            row.add_class("rp-assigned-row")
            rows.append(row)
        self.children = rows

    def _choose(self, assignment: dict[str, Any], _button: Any = None) -> None:
        self.app._select(assignment["scenario_id"])  # clears any assignment chosen before
        self.chosen = assignment
        w = words(self.app.language, "progress")
        chosen = w["assignment_chosen"].format(
            title=_title(self.app.scenarios, assignment["scenario_id"]), mode=w["mode_" + assignment["mode"]]
        )
        self.app.briefing.value = f'<p class="rp-assigned-note">{e(chosen)}</p>' + self.app.briefing.value


class TraineeCorner(widgets.VBox):
    """What the practice app shows above its scenario picker: assignments, and "My progress".

    Args:
        app: the practice app.

    Attributes:
        assigned: the ``AssignedList``.
        progress_button: "My progress"; its first click builds ``view``.
        view: the ``ProgressView``, None until asked for.
        message: what the corner has to say (a name is needed).
    """

    def __init__(self, app: Any):
        super().__init__()
        self.add_class("rp-corner")
        self.app = app
        user = settings.hub_user()
        if user and settings.user_groups():  # who is in which group, for the reviewers' assignment report
            app.store.set_groups(user, settings.user_groups())
        self.assigned = AssignedList(app)
        w = words(app.language, "progress")
        self.progress_button = widgets.Button(description=w["my_progress"], icon="line-chart")
        self.progress_button.add_class("rp-my-progress")
        self.progress_button.on_click(app._safe(self._toggle))
        self.message = widgets.HTML("")
        self.view: ProgressView | None = None
        self.area = widgets.VBox([])
        self.children = [self.assigned, widgets.HBox([self.progress_button, self.message]), self.area]

    def _toggle(self, _button: Any = None) -> None:
        w = words(self.app.language, "progress")
        name = _trainee_name(self.app)
        if self.area.children:  # shown: hide it
            self.area.children = []
            self.progress_button.description = w["my_progress"]
            return
        if not name:
            self.message.value = f'<span class="rp-error">{e(w["need_name"])}</span>'
            return
        self.message.value = ""
        if self.view is None or self.view.trainee != name or self.view.lang != self.app.language:
            self.view = ProgressView(self.app.store, name, self.app.scenarios, self.app.language)
        else:
            self.view.refresh()
        self.area.children = [self.view]
        self.progress_button.description = w["hide_progress"]

    def forget_assignment(self) -> None:
        """A scenario was picked from the picker: it is played as free practice."""
        self.assigned.chosen = None

    def how_to_start(self, trainee: str) -> tuple[Any, str | None, str | None]:
        """The recorder and feedback mode of the session about to start, or why it may not.

        Args:
            trainee: the trainee's name.

        Returns:
            (recorder, mode, refusal): the store and None for free practice; for an assignment,
            its recorder and mode; ``refusal`` is an HTML message when its attempts are used up.
        """
        chosen = self.assigned.chosen
        if chosen is None or self.app.scenario is None or self.app.scenario.id != chosen["scenario_id"]:
            return self.app.store, None, None
        w = words(self.app.language, "progress")
        used = self.app.store.attempts_used(trainee, [chosen["id"]])[chosen["id"]]
        if attempts_left(chosen, used) == 0:
            refusal = e(w["no_attempts_left"].format(limit=chosen["max_attempts"]))
            return None, None, f"<p>{refusal}</p>"
        return self.app.store.assigned(chosen["id"]), chosen["mode"], None

    def name_changed(self) -> None:
        """The trainee typed their name: the attempts left are theirs now (read only when a limit applies)."""
        if any(a["max_attempts"] is not None for a in self.assigned.assignments):
            self.assigned.refresh()

    def refresh(self) -> None:
        """Read the assignments again, with the attempts left (the page is shown, a round is over)."""
        self.assigned.refresh()
