"""The trainee's practice app: ipywidgets screens over the engine, served by Voila.

Screens: name and scenario picker with the briefing and customer profile → the
conversation (chat transcript, mood meter, timer, reply buttons or typed reply) → the
debrief → next round. Every widget a test or a stylesheet needs carries a stable
``rp-…`` CSS class. Everything from a scenario or a trainee is escaped (``render``).
The kernel imports only the engine, the store and ipywidgets: no pandas, no plotting, no voila.

A class of trainees shares one machine, so a page costs its kernel little: the library comes
from the cache of validated scenarios (``loading.cache``: no checks, no path analysis for a file
already checked), the timer ticks in the browser (a CSS animation restarted with each customer
line: no websocket traffic while the trainee thinks; the engine's own clock times the reply),
and a preheated kernel learns its page's address with the standard library
(``query_string``), not by importing voila.
"""

from __future__ import annotations

import atexit
import base64
import contextlib
import functools
import json
import logging
import os
import socket
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path

import ipywidgets as widgets
from ipywidgets.widgets.widget_string import HTMLStyle

from .. import settings
from ..core.engine import Clarification, Session
from ..core.scenario import Scenario
from ..errors import LabError, StoreError
from ..loading.cache import load_library_cached
from ..results.store import Store, open_store
from . import coach as coach_ui
from . import render
from .common import Guard, stylesheet
from .progress import TraineeCorner
from .text import LANGUAGES, words

log = logging.getLogger("simulator.ui")

MAX_NAME = 80
HANDSHAKE_TIMEOUT = 120  # seconds a preheated kernel waits for Voila to accept its request websocket


# Every widget brings a Layout and a style model of its own, each one more message for the kernel, the
# server and the page: widgets that look alike share them (a page opens with about 40 models, not 110).
_LAYOUTS: dict[tuple, widgets.Layout] = {}
_STYLES: dict[str, widgets.Widget] = {}


def _layout(**css: str) -> widgets.Layout:
    key = tuple(sorted(css.items()))
    found = _LAYOUTS.get(key)
    if found is None or found.comm is None:  # none yet, or closed (Widget.close_all())
        found = _LAYOUTS[key] = widgets.Layout(**css)
    return found


def _style(kind: str) -> widgets.Widget:
    found = _STYLES.get(kind)
    if found is None or found.comm is None:
        found = _STYLES[kind] = {"button": widgets.ButtonStyle, "html": HTMLStyle}[kind]()
    return found


def _html(value: str = "", *css: str) -> widgets.HTML:
    # classes given at creation: one message to a page that is open, not one more per class
    return widgets.HTML(value, style=_style("html"), layout=_layout(), _dom_classes=css)


def _box(children: list, *css: str) -> widgets.VBox:
    return widgets.VBox(children, layout=_layout(), _dom_classes=css)


def _button(description: str, css: str, style: str = "", **layout) -> widgets.Button:
    return widgets.Button(
        description=description,
        button_style=style,
        style=_style("button"),
        layout=_layout(**layout),
        _dom_classes=(css,),
    )


class PracticeApp(widgets.VBox):
    """The practice app as one widget: ``display(PracticeApp())``.

    A failing callback shows a friendly message in ``error``, is logged once, and the trainee's
    session goes on (the reply buttons are enabled again).

    Args:
        scenarios_dir: the scenario library; None: ``settings.scenarios_dir()``.
        store: a ``Store``, or where one is; None: the default store (``$ROLEPLAY_STORE``).
        language: the setup screen's language, ``"en"`` or ``"pl"`` (the conversation and the
            debrief speak the scenario's).
        clock: seconds, for reply times (a test passes a fake clock).
        cache: the folder of validated scenarios (``loading.cache``); None: ``settings.cache_dir()``.
    """

    def __init__(
        self,
        scenarios_dir: Path | str | None = None,
        store: Store | str | None = None,
        language: str = "en",
        clock: Callable[[], float] = time.monotonic,
        cache: Path | str | None = None,
    ):
        super().__init__()
        self.add_class("rp-app")
        self.clock = clock
        self.language = language
        self.w = words(language)
        self.store = store if isinstance(store, Store) else open_store(store)
        self.scenarios, problems, _cached = load_library_cached(
            scenarios_dir or settings.scenarios_dir(), cache if cache is not None else settings.cache_dir()
        )
        for problem in problems:
            log.warning("scenario not offered: %s", problem)
        self.scenario: Scenario | None = None
        self.session: Session | None = None
        self._unsaved: set[str] = set()  # sessions a write to the store failed for
        atexit.register(self._abandon_open_session)
        self._build()
        self._hub_sign_in()
        self._show(self.setup_screen)

    # ------------------------------------------------------------------ building

    def _build(self) -> None:
        w = self.w
        self.style = _html(stylesheet("practice"))
        self.error = _html("")
        self.error.add_class("rp-error")
        # A failing callback: a friendly message in the page's words, logged once, replies enabled again.
        self._safe = Guard(
            self.error,
            self._failure,
            name="practice app",
            clear=True,
            recover=self._recover,
        )
        # setup: name, picker, briefing
        self.title = _html(f"<h2>{render.e(w['title'])}</h2>")
        # The name is sent when the trainee leaves the box or presses Enter (not at every key): then the
        # assignments show the attempts this trainee has left.
        self.trainee = widgets.Text(
            placeholder=w["name_placeholder"],
            description=w["your_name"],
            style={"description_width": "initial"},
            layout=_layout(width="420px"),
            continuous_update=False,
        )
        self.trainee.add_class("rp-trainee")
        self.picker_label = _html(f"<h3>{render.e(w['pick'])}</h3>")
        # The picker (a button per scenario) is built when it is first shown: a page opened for one
        # scenario (a class's link) never builds it, which spares every page's browser and server its widgets.
        self._buttons: dict[str, widgets.Button] = {}
        self._picker_built = False
        self.other_scenarios = _button(w["other_scenarios"], "rp-other-scenarios", width="auto")
        self.other_scenarios.on_click(self._safe(lambda _b=None: self._ensure_picker()))
        self.briefing = _html("")
        self.briefing.add_class("rp-briefing")
        self.start = _button(w["start"], "rp-start", "primary", width="auto")
        self.start.disabled = True
        self.start.on_click(self._safe(self._start))
        # "Please type your name first" under the name box; every other message of the setup beside Start
        # (self.error goes with the screen on show: beside Start, under the replies, under the debrief's buttons).
        self.name_note = _html("")
        self.name_note.add_class("rp-name-note")
        self.corner = TraineeCorner(self)  # the trainee's assignments first, and "My progress" (ui/progress.py)
        self.trainee.observe(self._safe(lambda _change: self.corner.name_changed()), "value")
        # Two columns on a wide screen (the picker, and the briefing with Start beside it); one on a phone.
        self.picker_column = widgets.VBox([], layout=_layout())
        self.picker_column.add_class("rp-picker-column")
        self.picker_column.add_class("rp-hidden")
        self.brief_column = widgets.VBox([self.briefing, self.start, self.error], layout=_layout())
        self.brief_column.add_class("rp-brief-column")
        self.setup_body = widgets.Box([self.picker_column, self.brief_column], layout=_layout())
        self.setup_body.add_class("rp-setup")
        self.setup_screen = widgets.VBox(
            [self.title, self.trainee, self.name_note, self.corner, self.setup_body],
            layout=_layout(),
        )
        # the conversation
        self.chat_title = _html("")
        self.mood = _html("")
        self.mood.add_class("rp-mood")
        # The timer counts in the browser (the page script, static/page/clock.js, from 0 each time its HTML is
        # new): nothing goes over the websocket while the trainee thinks.
        self.timer = _html("")
        self.timer.add_class("rp-timer")
        # The briefing and the customer, one click away during the call: a side panel on a wide screen,
        # a folded section above the chat on a phone.
        self.side = _html("")
        self.side.add_class("rp-side")
        # The chat: up to the trainee's last reply, then the controls about that reply ("Did you mean …",
        # "That's not what I meant"), then what followed it; one box that scrolls, its newest line in view.
        self.history = _html("")
        self.history.add_class("rp-history")
        self.inline = widgets.VBox([], layout=_layout())
        self.inline.add_class("rp-inline")
        self.after = _html("")
        self.after.add_class("rp-after")
        chat = widgets.VBox([self.history, self.inline, self.after], layout=_layout())
        chat.add_class("rp-chat")
        self.transcript = widgets.VBox([chat], layout=_layout())
        self.transcript.add_class("rp-transcript")
        self.dym: widgets.VBox | None = None  # built with the first conversation (_build_panels)
        self.final_fix = widgets.VBox([], layout=_layout())  # the debrief's "That's not what I meant"
        self.final_fix.add_class("rp-final-fix")
        self.choices = widgets.VBox([], layout=_layout())
        self._choice_buttons: list[widgets.Button] = []
        self.choices.add_class("rp-choices")
        self.input = widgets.Text(placeholder=w["type_reply"], continuous_update=False, layout=_layout(flex="1 1 auto"))
        self.input.add_class("rp-input")
        self.input.observe(self._safe(self._typed), "value")
        self.send = _button(w["send"], "rp-send", width="auto")
        self.send.on_click(self._safe(self._send_clicked))
        status = widgets.HBox([self.mood, self.timer], layout=_layout())
        status.add_class("rp-status")
        self.conversation = widgets.VBox(
            [self.transcript, self.choices, widgets.HBox([self.input, self.send], layout=_layout(width="100%"))],
            layout=_layout(),
        )
        self.conversation.add_class("rp-main")
        body = widgets.Box([self.conversation, self.side], layout=_layout())
        body.add_class("rp-conversation")
        self.chat_screen = widgets.VBox([self.chat_title, status, body], layout=_layout())
        self._debrief_screen: widgets.VBox | None = None  # built at the first debrief

    @property
    def debrief_screen(self) -> widgets.VBox:
        """The debrief: the score, the competencies and KPIs, the conversation; built when first shown."""
        if self._debrief_screen is None:
            w = self.w
            self.score = _html("")
            self.score.add_class("rp-score")
            self.debrief = _html("")
            self.debrief.add_class("rp-debrief")
            self.again = _button(w["again"], "rp-again", "primary", width="auto")
            self.again.on_click(self._safe(self._again))
            self.another = _button(w["another"], "rp-another", width="auto")
            self.another.on_click(self._safe(self._another))
            self.debrief_actions = widgets.HBox([self.again, self.another], layout=_layout())
            self._debrief_screen = widgets.VBox(
                [self.score, self.final_fix, self.debrief, self.debrief_actions], layout=_layout()
            )
        return self._debrief_screen

    @property
    def scenario_buttons(self) -> dict[str, widgets.Button]:
        """The picker's buttons by scenario id (the picker is built on first use)."""
        self._ensure_picker()
        return self._buttons

    def _ensure_picker(self) -> None:
        """Build the picker and show it on the setup screen (once)."""
        if self._picker_built:
            return
        self._picker_built = True
        for sid, s in sorted(self.scenarios.items(), key=lambda kv: kv[1].title):
            button = _button("", "rp-scenario", width="100%")
            button.tooltip = s.title
            button.on_click(self._safe(functools.partial(self._select, sid, focus=True)))
            if self.scenario is not None and sid == self.scenario.id:
                button.add_class("rp-selected")
            self._buttons[sid] = button
        self._label_picker()
        if not self._buttons:
            self.picker_column.children = [self.picker_label, _html(render.e(self.w["no_scenarios"]))]
        else:
            filters = self._build_filters()
            self.picker_column.children = [self.picker_label, *filters, self.picker_count, self.picker_list]
        self.picker_column.remove_class("rp-hidden")
        self.brief_column.children = [c for c in self.brief_column.children if c is not self.other_scenarios]

    def _build_filters(self) -> list[widgets.Widget]:
        """Search and filters over the picker (by customer type, competency and language), as many as the
        library has more than one of; and the list of buttons, which scrolls in a box of its own."""
        w = self.w
        self.search = widgets.Text(placeholder=w["search"], layout=_layout(width="100%"))
        self.search.add_class("rp-search")
        self.search.observe(self._safe(lambda _change: self._filter_picker()), "value")
        everything = self.scenarios.values()
        personas = sorted({(s.persona.title, s.persona.id) for s in everything})
        competencies: dict[str, str] = {}
        for s in sorted(everything, key=lambda s: s.language != self.language):  # the page's language first
            for c in s.model.competencies:
                competencies.setdefault(c, s.competency_title(c))
        languages = sorted({s.language for s in everything})
        self.filters: dict[str, widgets.Dropdown] = {}
        for key, blank, choices in (
            ("persona", w["all_personas"], personas),
            ("competency", w["all_competencies"], sorted((t, c) for c, t in competencies.items())),
            ("language", w["all_languages"], [(x.upper(), x) for x in languages]),
        ):
            dropdown = widgets.Dropdown(options=[(blank, ""), *choices], value="", layout=_layout(width="auto"))
            dropdown.add_class(f"rp-filter-{key}")
            dropdown.observe(self._safe(lambda _change: self._filter_picker()), "value")
            self.filters[key] = dropdown
        shown = [d for d in self.filters.values() if len(d.options) > 2]
        row = widgets.HBox(shown, layout=_layout())
        row.add_class("rp-filters")
        self.picker_count = _html("")
        self.picker_count.add_class("rp-picker-count")
        self.picker_list = widgets.VBox(list(self._buttons.values()), layout=_layout())
        self.picker_list.add_class("rp-scenario-list")
        self._filter_picker()
        return [self.search, row]

    def _filter_picker(self) -> None:
        """Show the scenarios the search and the filters let through, and how many they are."""
        words_in = self.search.value.casefold().split()
        persona, competency, language = (self.filters[k].value for k in ("persona", "competency", "language"))
        shown = 0
        for sid, button in self._buttons.items():
            s = self.scenarios[sid]
            text = " ".join((s.title, s.persona.title, s.id, s.model.customer.name)).casefold()
            keep = (
                all(word in text for word in words_in)
                and (not persona or s.persona.id == persona)
                and (not competency or competency in s.model.competencies)
                and (not language or s.language == language)
            )
            if keep:
                shown += 1
                button.remove_class("rp-hidden")
            else:
                button.add_class("rp-hidden")
        count = self.w["shown"].format(n=shown, total=len(self._buttons))
        none = f' <span class="rp-error">{render.e(self.w["no_match"])}</span>' if not shown else ""
        self.picker_count.value = f"<p>{render.e(count)}{none}</p>"

    def _build_panels(self) -> None:
        """The controls under a typed reply, made once, with the first conversation (the page opens without
        them) and then only shown, hidden and relabelled: a button that stays on the page can take the focus.

        "Did you mean …": the proposed options (at most two) and "None of these — I'll rephrase".
        "That's not what I meant": a toggle that opens the other options of the reply's node."""
        if self.dym is not None:
            return
        self.dym_question = _html("", "rp-dym-question")
        self.dym_buttons = []
        for slot in range(2):
            button = _button("", "rp-dym-option", width="100%")
            button.on_click(self._safe(functools.partial(self._confirm, slot)))
            self.dym_buttons.append(button)
        self.dym_none = _button("", "rp-dym-none", width="auto")
        self.dym_none.on_click(self._safe(functools.partial(self._confirm, None)))
        self.dym = _box([self.dym_question, *self.dym_buttons, self.dym_none], "rp-dym", "rp-hidden")
        self.fix_toggle = _button("", "rp-not-meant", width="auto")
        self.fix_toggle.on_click(self._safe(self._toggle_fix))
        self.fix_question = _html("", "rp-fix-question", "rp-hidden")
        self.fix_options = _box([], "rp-fix-options", "rp-hidden")
        self.fix_buttons: list[widgets.Button] = []
        self.fix_numbers: list[int] = []  # the option (1-based) each of fix_buttons stands for
        self.fix = _box([self.fix_toggle, self.fix_question, self.fix_options], "rp-fix", "rp-hidden")
        self.inline.children = [self.dym, self.fix]

    def _hub_sign_in(self) -> None:
        """Under JupyterHub the trainee is the signed-in user: "Signed in as NAME" replaces the name box,
        and the name cannot be changed, by ``?trainee=`` or by a message from the page alike."""
        user = settings.hub_user()
        if user is None:
            return
        self.trainee.value, self.trainee.disabled, self.trainee.layout.display = user, True, "none"
        self.trainee.observe(lambda change: setattr(self.trainee, "value", user), "value")  # put back at once
        signed_in = widgets.HTML(f"<p>{self.w['signed_in_as'].format(name=render.e(user))}</p>")
        signed_in.add_class("rp-signed-in")
        self.setup_screen.children = (self.title, signed_in, *self.setup_screen.children[1:])

    def _failure(self, exc: Exception, _action: str | None = None) -> str:
        """What the page says after a failure: that the answers are saved only when they were
        (a session that writes to the store, and no write of it has failed)."""
        session = self.session
        if session is not None and isinstance(exc, StoreError):
            self._unsaved.add(session.id)
        saved = session is not None and session.recorder is not None and session.id not in self._unsaved
        return f"<p>{render.e(self.w['error' if saved else 'error_not_saved'])}</p>"

    def _show(self, screen: widgets.Widget) -> None:
        """Show a screen, with the message box where that screen's actions are."""
        self.error.value = ""
        if screen is self.chat_screen:
            self.conversation.children = [*(c for c in self.conversation.children if c is not self.error), self.error]
        elif screen is self._debrief_screen:
            screen.children = [*(c for c in screen.children if c is not self.error), self.error]
        self.children = [self.style, screen]

    # ------------------------------------------------------------------ setup

    def apply_query(self, query: str | None) -> None:
        """Honour ``?scenario=…&trainee=…&lang=…`` from the page's address.

        Args:
            query: the query string (``query_string()``); None or empty changes nothing.
        """
        params = urllib.parse.parse_qs(query or "")
        if params.get("lang", [""])[0] in LANGUAGES:
            self._relabel(params["lang"][0])
        trainee = params.get("trainee", [""])[0].strip()
        if trainee:
            self.trainee.value = trainee[:MAX_NAME]
        # A preheated kernel built the page before it was asked for: assignments as of now; and the
        # attempts left of the trainee the address names. Otherwise the page's own reading is current.
        if trainee or settings.voila_preheated():
            self.corner.refresh()
        sid = params.get("scenario", [""])[0]
        if sid in self.scenarios:
            self._select(sid)
            if not self._picker_built:  # the picker one click away
                column = list(self.brief_column.children)
                column.insert(column.index(self.start) + 1, self.other_scenarios)
                self.brief_column.children = column
            return
        if sid:
            self.error.value = f"<p>{render.e(self.w['unknown_scenario'].format(name=sid))}</p>"
        self._ensure_picker()

    def _relabel(self, language: str) -> None:
        """Put the setup screen's own words into the page's language."""
        self.language, self.w = language, words(language)
        w = self.w
        self.title.value = f"<h2>{render.e(w['title'])}</h2>"
        self.trainee.description, self.trainee.placeholder = w["your_name"], w["name_placeholder"]
        self.picker_label.value = f"<h3>{render.e(w['pick'])}</h3>"
        self.start.description = w["start"]
        self.other_scenarios.description = w["other_scenarios"]
        self._label_picker()

    def _label_picker(self) -> None:
        """Each scenario button reads: title — persona · language · length."""
        for sid, button in self._buttons.items():
            s = self.scenarios[sid]
            button.description = (
                f"{s.title} — {s.persona.title} · {s.language.upper()} · {s.decision_points} {self.w['length']}"
            )

    def _select(self, sid: str, _button=None, focus: bool = False) -> None:
        self.corner.forget_assignment()
        self.scenario = self.scenarios[sid]
        for other, button in self._buttons.items():
            if other == sid:
                button.add_class("rp-selected")
            else:
                button.remove_class("rp-selected")
        w = words(self.scenario.language)
        self.briefing.value = self._brief_cards(w)
        self.start.description = w["start"]
        self.start.disabled = False
        self.error.value = ""
        if focus:  # a click in the picker: Start (and the briefing above it) in view, Enter starts
            self.start.focus()

    def _brief_cards(self, w: dict[str, str]) -> str:
        return render.card(w["briefing"], render.rich(self.scenario.model.briefing)) + render.card(
            w["customer"], render.customer_profile(self.scenario, w)
        )

    def _start(self, _button=None) -> None:
        name = self.trainee.value.strip()[:MAX_NAME]
        if not name:
            self.name_note.value = f"<p>{render.e(self.w['need_name'])}</p>"
            self.trainee.focus()
            return
        self.name_note.value = ""
        if self.scenario is None:
            self.error.value = f"<p>{render.e(self.w['need_scenario'])}</p>"
            return
        recorder, mode, refusal = self.corner.how_to_start(name)  # an assignment's mode and attempt limit
        if refusal:
            self.error.value = refusal
            return
        self._abandon_open_session()
        self.session = None  # until the new one has started: a failure now has saved nothing of it
        self.session = Session(self.scenario, trainee=name, clock=self.clock, recorder=recorder, mode=mode)
        self._lines_shown = 0  # customer lines shown: the browser's timer restarts with each new one
        self._build_panels()
        w = words(self.scenario.language)
        self.chat_title.value = (
            f"<h3>{render.e(self.scenario.title)}</h3>"
            f"<p>{render.e(w['customer'])}: <b>{render.e(self.scenario.model.customer.name)}"
            f"</b></p>"
        )
        self.input.placeholder = w["type_reply"]
        self.send.description = w["send"]
        cards = self._brief_cards(w)
        self.side.value = (
            f'<aside class="rp-side-panel">{cards}</aside>'
            f'<details class="rp-side-fold"><summary>{render.e(w["brief_panel"])}</summary>{cards}</details>'
        )
        self._refresh()
        self._show(self.chat_screen)

    # ------------------------------------------------------------------ the conversation

    def _refresh(self) -> None:
        """Draw the conversation from the session: the chat, the mood, the replies on offer, the controls
        under the last typed reply, and the timer."""
        session, w = self.session, words(self.scenario.language)
        pending = session.pending
        self.history.value, self.after.value = render.chat(
            self.scenario, session.turns, session.customer_line, w, session.mode, pending.reply if pending else None
        )
        level = min(4, session.mood // 20)
        self.mood.value = (
            f'<span class="rp-chip">{render.e(w["mood"])}: <meter min="0" max="100" low="35" high="65" '
            f'optimum="100" value="{session.mood}"></meter> <b class="rp-mood-value">'
            f"{session.mood}</b>/100 — {render.e(w[f'mood_{level}'])}</span>"
        )
        # The reply buttons are kept and relabelled (button i always answers option i): a turn sends a few
        # changed labels, not new widgets. While a "Did you mean" waits, they stay as they are.
        if pending is None or not self.choices.children:
            options = session.options
            while len(self._choice_buttons) < len(options):
                i = len(self._choice_buttons) + 1
                button = _button("", "rp-choice", width="100%")
                button.on_click(self._safe(functools.partial(self._answer, i)))
                self._choice_buttons.append(button)
            for i, text in enumerate(options, start=1):
                button = self._choice_buttons[i - 1]
                with button.hold_sync():  # label and state in one message
                    button.description, button.disabled = f"{i}. {text}", False
            self.choices.children = self._choice_buttons[: len(options)]
        self._show_did_you_mean(w)
        self._show_fix(w)
        self._restart_timer(w)

    def _show_did_you_mean(self, w: dict[str, str]) -> None:
        """ "Did you mean …" under a typed reply the matcher was unsure of: its proposals and "none of these"."""
        pending = self.session.pending
        if pending is None:
            self.dym.add_class("rp-hidden")
            return
        self.dym_question.value = f"<p>{render.e(w['did_you_mean'])}</p>"
        for slot, button in enumerate(self.dym_buttons):
            if slot < len(pending.proposed):
                button.description = f"{pending.proposed[slot] + 1}. {pending.texts[slot]}"
                button.remove_class("rp-hidden")
            else:
                button.add_class("rp-hidden")
        self.dym_none.description = w["none_of_these"]
        self.dym.remove_class("rp-hidden")

    def _show_fix(self, w: dict[str, str]) -> None:
        """ "That's not what I meant" under the last typed reply, while the engine can still correct it:
        folded, with the other options of that reply's node behind it."""
        session = self.session
        self.fix_question.add_class("rp-hidden")
        self.fix_options.add_class("rp-hidden")
        if not session.correctable:
            self.fix.add_class("rp-hidden")
            return
        last = session.turns[-1]
        options = self.scenario.nodes[last.node].options
        self.fix_numbers = [i + 1 for i in range(len(options)) if i != last.option_index]
        while len(self.fix_buttons) < len(self.fix_numbers):
            button = _button("", "rp-fix-option", width="100%")
            button.on_click(self._safe(functools.partial(self._correct, len(self.fix_buttons))))
            self.fix_buttons.append(button)
        for button, number in zip(self.fix_buttons, self.fix_numbers, strict=False):
            button.description = f"{number}. {options[number - 1].text}"
        self.fix_options.children = self.fix_buttons[: len(self.fix_numbers)]
        self.fix_toggle.description = w["not_what_i_meant"]
        self.fix_question.value = f"<p>{render.e(w['what_you_meant'])}</p>"
        self.fix.remove_class("rp-hidden")

    def _toggle_fix(self, _button=None) -> None:
        if self.session is None or not self.session.correctable:
            return
        if "rp-hidden" in self.fix_options._dom_classes:
            self.fix_question.remove_class("rp-hidden")
            self.fix_options.remove_class("rp-hidden")
            if self.fix_options.children:
                self.fix_options.children[0].focus()
        else:
            self.fix_question.add_class("rp-hidden")
            self.fix_options.add_class("rp-hidden")

    def _restart_timer(self, w: dict[str, str]) -> None:
        """A new count from 0 in the browser: new HTML (the turn's number in it) restarts the animation."""
        session = self.session
        running = "rp-clock-run" if not session.finished else "rp-clock-stopped"
        self.timer.value = (
            f'<span class="rp-clock {running}" data-turn="{len(session.turns)}" data-line="{self._lines_shown}">'
            f'<span class="rp-chip">{render.e(w["timer_label"])}: <b class="rp-clock-value">0</b> '
            f"{render.e(w['seconds'])}</span></span>"
        )

    def _enable_replies(self, enabled: bool) -> None:
        """Enable or disable every reply control. While "Did you mean" waits, only its own buttons are enabled."""
        session = self.session
        pending = session is not None and session.pending is not None
        for button in self.choices.children:
            button.disabled = not enabled or pending
        self.input.disabled = self.send.disabled = not enabled or pending
        # Hidden groups are left as they are (each change is a message to the page): whatever shows a group
        # enables its buttons right after.
        if self.dym is None:  # built with the first conversation
            return
        shown = [group for group in (self.dym, self.fix) if "rp-hidden" not in group._dom_classes]
        for button in (*self.dym_buttons, self.dym_none) if self.dym in shown else ():
            button.disabled = not enabled
        for button in (self.fix_toggle, *self.fix_buttons) if self.fix in shown else ():
            button.disabled = not enabled

    def _busy(self, busy: bool) -> None:
        """While a reply is being answered: the page ignores clicks and keys on the reply controls.

        One class on the app (``rp-busy``; the page script ``busy.js`` and practice.css act on it) instead of
        disabling each control and enabling it again: two messages a turn instead of two per control.
        """
        if busy:
            self.add_class("rp-busy")
        else:
            self.remove_class("rp-busy")

    def _recover(self) -> None:
        """After a failing callback: the replies usable again."""
        self._enable_replies(True)
        self._busy(False)

    def _typed(self, change) -> None:
        text = change["new"]
        if text.strip():
            self._answer(text)

    def _send_clicked(self, _button=None) -> None:
        if self.input.value.strip():
            self._answer(self.input.value)

    def _answer(self, reply: int | str, _button=None) -> None:
        session = self.session
        if session is None or session.finished or session.pending is not None:
            return
        self._busy(True)
        if isinstance(reply, str):
            # A typed reply the matcher is unsure of comes back as "Did you mean …" (a Clarification):
            # nothing is recorded until the trainee answers it.
            outcome = session.reply(reply, clarify=True)
            self.input.unobserve_all("value")
            self.input.value = ""
            self.input.observe(self._safe(self._typed), "value")
        else:
            outcome = session.reply(reply)
        if isinstance(outcome, Clarification):
            self._refresh()
            self._enable_replies(True)
            self._busy(False)
            self.dym_buttons[0].focus()  # the reply box is disabled until the trainee answers
            return
        self._turn_made()

    def _confirm(self, slot: int | None, _button=None) -> None:
        """A click in "Did you mean": the proposal in ``slot`` (0 or 1), or None for "none of these"."""
        session = self.session
        if session is None or session.pending is None:
            return
        choice = None if slot is None else session.pending.proposed[slot] + 1
        self._busy(True)
        session.confirm(choice)
        self._turn_made()

    def _correct(self, slot: int, _button=None) -> None:
        """ "That's not what I meant": the last typed reply counts as the option in ``slot`` instead."""
        session = self.session
        if session is None or not session.correctable or slot >= len(self.fix_numbers):
            return
        self._busy(True)
        session.correct(self.fix_numbers[slot])
        self._turn_made()

    def _turn_made(self) -> None:
        """After a turn was made, or the last one corrected: the chat again, or the debrief at an ending."""
        self._lines_shown += 1
        self._refresh()
        self._enable_replies(True)
        if self.session.finished:
            self._show_debrief()
        elif self.children[-1] is not self.chat_screen:  # a correction from the debrief: the conversation goes on
            self._show(self.chat_screen)
        self._busy(False)  # last: a page that is not busy shows the turn's outcome whole

    # ------------------------------------------------------------------ the debrief

    def _show_debrief(self) -> None:
        screen = self.debrief_screen
        session = self.session
        result = session.result()
        w = words(self.scenario.language)
        self.score.value = (
            f'<h2>{render.e(w["debrief"])}: <span class="rp-score-value">{result.overall:g}</span>/100</h2>'
        )
        # Score, bars and KPIs first; the chat as it happened stays one click away.
        head, tail = render.chat(self.scenario, session.turns, session.customer_line, w, session.mode)
        coaching = coach_ui.coaching(result, self.scenario, w)  # the phrase coach, reply by reply
        practise = ""
        weak = render.weakest(result, self.scenario, session.turns)
        if weak is not None:
            title = self.scenario.competency_title(weak)
            other = self._scenario_for(weak)
            practise = (
                w["practise_next_in"].format(competency=title, scenario=other.title)
                if other is not None
                else w["practise_next"].format(competency=title)
            )
        self.debrief.value = (
            render.debrief(result, self.scenario, w, session.turns, practise)
            + coaching
            + (
                f'<details class="rp-transcript-final"><summary>{render.e(w["whole_conversation"])}</summary>'
                f"{head}{tail}</details>"
            )
        )
        # The reply that ended the conversation may have been taken for what the trainee did not mean.
        if session.correctable:
            last = session.turns[-1]
            option = render.option_text(self.scenario, last.node, last.option_index)
            context = _html(f"<p>{w['last_reply'].format(reply=render.e(last.reply), option=render.e(option))}</p>")
            self.final_fix.children = [context, self.fix]
        else:
            self.final_fix.children = []
        self.again.description, self.another.description = w["again"], w["another"]
        self._show(screen)

    def _scenario_for(self, competency: str) -> Scenario | None:
        """Another scenario that trains a competency: the one that weighs it most, in this scenario's
        language first; None when no other scenario trains it."""
        here = self.scenario

        def share(s: Scenario) -> float:
            comps = s.model.competencies
            total = sum(c.weight for c in comps.values()) or 1.0
            return comps[competency].weight / total

        others = [s for s in self.scenarios.values() if s.id != here.id and competency in s.model.competencies]
        if not others:
            return None
        return max(others, key=lambda s: (s.language == here.language, share(s), s.title))

    def _again(self, _button=None) -> None:
        self._start()

    def _another(self, _button=None) -> None:
        self.session = None
        self.corner.refresh()
        self._ensure_picker()
        self._show(self.setup_screen)

    def _abandon_open_session(self) -> None:
        """The tab closed or a new round began: what was answered stays, the session is abandoned."""
        session = self.session
        if session is not None and session.status == "in_progress":
            try:
                session.abandon()
            except LabError:
                log.exception("could not mark session %s abandoned", session.id)


def in_voila() -> bool:
    """Whether this kernel was started by Voila (a served page) rather than JupyterLab or a test.

    Returns:
        True in a kernel Voila started, preheated or not (``settings.in_voila``).
    """
    return settings.in_voila()


_request: dict[str, str] | None = None  # a preheated kernel's page request, once it has come


def query_string() -> str:
    """The page's query string.

    A kernel Voila started for its page has it in its environment. A preheated kernel started
    before any page was asked for: it waits for its page's request the way
    ``voila.utils.get_query_string`` does (a websocket to Voila's ``/voila/query/<kernel id>``,
    which sends the request's details once a page takes the kernel), with the standard library
    instead of importing voila (over a second and 40 MB in every kernel).

    Returns:
        The query string without ``?`` (empty when there is none).
    """
    global _request
    where = settings.voila_request_socket()
    if where is None:
        return settings.page_query_string()
    if _request is None:
        _request = _wait_for_request(*where)
    return (_request or {}).get("QUERY_STRING", "") or ""


def _wait_for_request(host: str, port: str, path: str, attempts: int = 5) -> dict[str, str] | None:
    """The page's request as Voila sends it to a preheated kernel (None if Voila cannot be reached)."""
    for _ in range(attempts):
        try:
            message = _websocket_message(host, int(port), path)
        except (OSError, ValueError) as exc:
            log.warning("could not ask Voila for the page's request: %s", exc)
            message = None
        if message is not None:
            try:
                found = json.loads(message)
            except ValueError:
                return None
            return {str(k): str(v) for k, v in found.items()} if isinstance(found, dict) else None
        time.sleep(0.5)  # the socket closed before the request came: Voila keeps it for the next connection
    return None


def _websocket_message(host: str, port: int, path: str) -> str | None:
    """Open a websocket (RFC 6455) and return its first text message; pings are answered while waiting.

    Returns None when the server closes the connection first.
    """
    # The handshake may wait long on a loaded server: a kernel that gives up and connects again makes Voila
    # juggle two connections for one kernel.
    with socket.create_connection((host, port), timeout=HANDSHAKE_TIMEOUT) as sock:
        name = f"[{host}]" if ":" in host else host
        key = base64.b64encode(os.urandom(16)).decode()
        sock.sendall(
            (
                f"GET {path} HTTP/1.1\r\nHost: {name}:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
            ).encode()
        )
        reader = sock.makefile("rb")
        status = reader.readline()
        if b" 101 " not in status:
            raise OSError(f"Voila answered {status.decode(errors='replace').strip()!r}")
        while reader.readline() not in (b"\r\n", b"\n", b""):
            pass
        sock.settimeout(None)  # a pooled kernel waits as long as no page takes it
        parts: list[bytes] = []
        while True:
            head = reader.read(2)
            if len(head) < 2:
                return None
            opcode, length = head[0] & 0x0F, head[1] & 0x7F
            if length == 126:
                length = int.from_bytes(reader.read(2), "big")
            elif length == 127:
                length = int.from_bytes(reader.read(8), "big")
            mask = reader.read(4) if head[1] & 0x80 else b""
            payload = reader.read(length)
            if mask:
                payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
            if opcode == 0x8:  # close
                return None
            if opcode == 0x9:  # ping: a client's pong is masked
                _send_frame(sock, 0xA, payload)
                continue
            if opcode in (0x1, 0x2, 0x0):
                parts.append(payload)
                if head[0] & 0x80:  # the final fragment
                    with contextlib.suppress(OSError):
                        _send_frame(sock, 0x8, b"\x03\xe8")  # close, 1000
                    return b"".join(parts).decode("utf-8")


def _send_frame(sock: socket.socket, opcode: int, payload: bytes) -> None:
    mask = os.urandom(4)
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    sock.sendall(bytes([0x80 | opcode, 0x80 | len(payload)]) + mask + masked)
