"""simulator.ui.review driven in-process on a small hand-built store.

The store is the one of tests/test_analysis.py (anna, ben, cleo on the mini scenario, three
reviews, a self-assessment) plus a trainee whose name is a script tag, in a team named in
HTML, who typed HTML, on a second scenario ("mini2") that assesses empathy and rapport
(so ownership and rapport cells are unassessed for some) and whose texts carry HTML.
Levels (tests/test_analysis.py): anna empathy 2 ownership 3; ben 3, 2; cleo 0, 1.
"""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser

import pytest

from simulator import Session, parse_scenario
from simulator.ui import review
from simulator.ui.review import ReviewLab
from simulator.ui.review import lab as lab_module

from ..conftest import MINI, FakeClock

EVIL = "<script>alert(1)</script>"
EVIL_REPLY = "<img src=x onerror=alert(1)>"
EVIL_TEAM = "<b>Ops</b>"
EVIL_COMMENT = '<a href="javascript:alert(2)">fix</a>'

PLAYS = [
    ("anna", "A", "mini", [2, 1]),
    ("ben", "A", "mini", [1, 1]),
    ("cleo", "B", "mini", [3]),
    ("anna", "A", "mini", [1, 1]),
    ("ben", "A", "mini", [1, 2]),
    ("cleo", "B", "mini", ["zebra crossing", 1]),
    (EVIL, EVIL_TEAM, "mini2", [EVIL_REPLY, 1, 1]),
]


@pytest.fixture(scope="module")
def mini2():
    text = MINI.read_text(encoding="utf-8")
    text = text.replace("id: mini", "id: mini2").replace("title: Mini", 'title: "<em>Mini 2</em> & co"')
    text = text.replace("ownership", "rapport").replace(
        "rapport: {weight: 1}", 'rapport: {weight: 1, title: "<u>Rapport</u>"}'
    )
    text = text.replace("- text: I'm sorry to hear that. Tell me more.", '- text: "I\'m sorry <b>to hear</b> that."')
    text = text.replace('"Hi, my kettle is broken."', '"Hi, <i>my kettle</i> is broken."')
    return parse_scenario(text, "mini2.yaml", personas_dir=MINI.parent / "personas")


@pytest.fixture
def ids(mini, mini2, store):
    scenarios = {"mini": mini, "mini2": mini2}
    ids = {}
    for day, (trainee, team, sid, replies) in enumerate(PLAYS, start=1):
        store.set_team(trainee, team)
        clock = FakeClock()
        session = Session(
            scenarios[sid],
            trainee=trainee,
            seed=day,
            clock=clock,
            recorder=store,
            started_at=f"2026-01-{day:02d}T09:00:00.000+00:00",
        )
        for reply in replies:
            clock.advance(10)
            session.reply(reply)
        if not session.finished:
            session.abandon()
        ids[(trainee, sid, session.attempt)] = session.id
    store.add_review(
        ids[("anna", "mini", 2)], "rita", scores={"empathy": 80, "ownership": 90}, overall=83.3, passed=True
    )
    store.add_review(
        ids[("ben", "mini", 2)], "rita", scores={"empathy": 90, "ownership": 70}, overall=83.3, passed=True
    )
    store.add_review(
        ids[("cleo", "mini", 1)], "marek", scores={"empathy": 10, "ownership": 40}, overall=20, passed=False
    )
    store.add_review(
        ids[(EVIL, "mini2", 1)], "<i>eve</i>", scores={"empathy": 50, "rapport": 50}, overall=50, passed=False,
        comment=EVIL_COMMENT,
    )  # fmt: skip
    store.add_self_assessment(ids[("anna", "mini", 1)], scores={"empathy": 60}, overall=60)
    store.add_self_assessment(ids[(EVIL, "mini2", 1)], scores={"empathy": 90}, overall=90, comment=EVIL)
    return ids


@pytest.fixture
def lab(ids, store, mini, mini2):
    return ReviewLab(store, scenarios={"mini": mini, "mini2": mini2})


class Cells(HTMLParser):
    """The rows of the first table in some HTML: [(tag, classes, text), ...] per row."""

    def __init__(self, html: str):
        super().__init__()
        self.rows: list[list[tuple[str, set[str], str]]] = []
        self._cell: list | None = None
        self._tables = 0
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self._tables += 1
        if self._tables != 1:
            return
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = [tag, set((dict(attrs).get("class") or "").split()), ""]

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None and self._tables == 1:
            self.rows[-1].append((self._cell[0], self._cell[1], self._cell[2].strip()))
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell[2] += data

    def by_row(self) -> dict[str, dict[str, tuple[set[str], str]]]:
        header = [text for _tag, _css, text in self.rows[0]]
        out = {}
        for row in self.rows[1:]:
            name = row[0][2]
            out[name] = {header[i]: (css, text) for i, (_tag, css, text) in enumerate(row) if i > 0}
        return out


def matrix_cells(lab: ReviewLab) -> dict[str, dict[str, tuple[set[str], str]]]:
    return Cells(lab.views["matrix"].value).by_row()


def test_every_view_renders_without_error(lab):
    assert lab.errors == {}
    for name, widget in lab.views.items():
        assert 'class="rp-view-error"' not in widget.value, name
        assert len(widget.value) > len(review.CSS), name
    assert len(lab.viewer.picker.options) == len(PLAYS)


def test_heat_map_cells_carry_their_levels(lab):
    cells = matrix_cells(lab)
    assert set(cells) == {"anna", "ben", "cleo", EVIL}
    expected = {"anna": (2, 3), "ben": (3, 2), "cleo": (0, 1)}
    for trainee, (empathy, ownership) in expected.items():
        assert cells[trainee]["Empathy"][1] == str(empathy)
        assert f"rp-lv-{empathy}" in cells[trainee]["Empathy"][0]
        assert f"rp-lv-{ownership}" in cells[trainee]["Ownership"][0]
        assert cells[trainee]["Ownership"][1] == str(ownership)
    # the legend names the levels with the thresholds of the rules file
    assert "3 · can teach it (85+)" in lab.views["matrix"].value


def test_unassessed_cells_show_a_dash(lab):
    cells = matrix_cells(lab)
    assert cells["anna"]["<u>Rapport</u>"][1] == "–" and "rp-lv-na" in cells["anna"]["<u>Rapport</u>"][0]
    assert cells[EVIL]["Ownership"][1] == "–" and "rp-lv-na" in cells[EVIL]["Ownership"][0]
    assert cells[EVIL]["<u>Rapport</u>"][1] in {"0", "1", "2", "3"}


def test_filters_change_what_is_shown(lab, ids):
    f = lab.filters
    assert set(f.team.options) == {"A", "B", EVIL_TEAM}
    f.team.value = ("A",)
    assert set(f.trainee.options) == {"anna", "ben"}  # a team narrows the trainees offered
    assert set(matrix_cells(lab)) == {"anna", "ben"}
    assert ">cleo<" not in lab.views["kpis"].value and ">anna<" in lab.views["kpis"].value
    assert {o[1] for o in lab.viewer.picker.options} == {ids[k] for k in ids if k[0] in ("anna", "ben")}
    f.trainee.value = ("ben",)
    assert set(matrix_cells(lab)) == {"ben"}
    assert "2 of 7 sessions · 1 trainee ·" in lab.filters.summary.value
    f.clear()
    assert set(matrix_cells(lab)) == {"anna", "ben", "cleo", EVIL}
    f.scenario.value = ("mini2",)
    assert set(matrix_cells(lab)) == {EVIL}
    assert "Empathy" in lab.views["matrix"].value and "Ownership" not in lab.views["matrix"].value
    f.clear()
    f.since.value = dt.date(2026, 1, 4)
    f.until.value = dt.date(2026, 1, 5)
    assert lab.selected.sessions["trainee"].tolist() == ["anna", "ben"]
    assert {o[1] for o in lab.viewer.picker.options} == {ids[("anna", "mini", 2)], ids[("ben", "mini", 2)]}
    f.until.value = dt.date(2025, 1, 1)
    assert "No sessions match the filters." in lab.views["matrix"].value
    assert lab.viewer.picker.value is None and lab.viewer.form.submit.disabled


def test_kpis_are_coloured_against_the_targets(lab):
    table = Cells(lab.views["kpis"].value.split("<h4>Per trainee</h4>")[1]).by_row()
    anna = table["anna"]
    assert anna["FCR % (≥ 85)"][1] == "100.0 ✓" and "rp-met" in anna["FCR % (≥ 85)"][0]
    assert "rp-unmet" in anna["CSAT % (≥ 95)"][0] and anna["CSAT % (≥ 95)"][1] == "50.0 ✗"
    assert anna["sessions"][1] == "2"


def test_item_analysis_agreement_and_certification(lab):
    items = lab.views["items"].value
    assert "I&#x27;m sorry &lt;b&gt;to hear&lt;/b&gt; that." in items  # option text escaped
    assert "Hi, &lt;i&gt;my kettle&lt;/i&gt; is broken." in items
    assert "1 not understood" in items
    agreement = lab.views["agreement"].value
    assert "Too little evidence to judge" in agreement and "only 3 reviewed" in agreement
    assert "Employee" in lab.views["certification"].value
    assert "zebra crossing" in lab.views["not_understood"].value


def test_agreement_sentence_names_untrusted_scenarios():
    import pandas as pd

    table = pd.DataFrame(
        {"reviewed": [12, 9, 2], "kappa": [0.21, 0.8, 1.0]}, index=pd.Index(["a<b", "ok", "few"], name="scenario_id")
    )
    text = review.trust_sentence(table)
    assert "cannot be trusted</b> for a&lt;b (κ 0.21)" in text
    assert "agrees with reviewers for ok (κ 0.80)" in text
    assert "few (only 2 reviewed)" in text


def test_user_text_is_escaped_everywhere(lab, ids):
    lab.viewer.picker.value = ids[(EVIL, "mini2", 1)]
    html = lab.html() + lab.note.value + lab.filters.summary.value
    for raw in (EVIL, EVIL_REPLY, EVIL_TEAM, EVIL_COMMENT, "<i>eve</i>", "<em>Mini 2", "<u>Rapport", "<b>to hear"):
        assert raw not in html, raw
    escaped = "&lt;script&gt;alert(1)&lt;/script&gt;"
    for name in ("matrix", "kpis", "progress", "first_best_latest", "certification", "self"):
        assert escaped in lab.views[name].value, name
    assert "&lt;b&gt;Ops&lt;/b&gt;" in lab.views["kpis"].value
    assert "&lt;img src=x onerror=alert(1)&gt;" in lab.views["not_understood"].value
    session = lab.viewer.view.value
    assert "&lt;img src=x onerror=alert(1)&gt;" in session and escaped in session
    assert "&lt;a href=&quot;javascript:alert(2)&quot;&gt;fix&lt;/a&gt;" in session
    assert "&lt;i&gt;eve&lt;/i&gt;" in session
    assert "&lt;em&gt;Mini 2&lt;/em&gt; &amp; co" in lab.views["progress"].value
    assert "<script" not in html.replace("<style", "")


def test_review_form_writes_a_review_and_the_automatic_score_stays(lab, ids, store):
    sid = ids[("anna", "mini", 1)]  # [2, 1]: automatic 33.3, failed
    lab.viewer.picker.value = sid
    form = lab.viewer.form
    assert form.session_id == sid
    assert {c: s.value for c, s in form.scores.items()} == {"empathy": 0, "ownership": 100}
    assert form.overall.value == 33.3 and form.passed.value is False
    form.submit.click()  # no reviewer name yet
    assert "Enter your name" in form.status.value and store.reviews(sid) == []

    form.reviewer.value = "  Joanna  "
    form.scores["empathy"].value = 75
    form.scores["ownership"].value = 90
    assert form.overall.value == 80.0 and form.passed.value is True  # weights 2:1, pass mark 70
    form.comment.value = "Listen <first>."
    form.submit.click()

    saved = store.reviews(sid)
    assert len(saved) == 1
    assert saved[0]["reviewer"] == "Joanna" and saved[0]["scores"] == {"empathy": 75.0, "ownership": 90.0}
    assert saved[0]["overall"] == 80.0 and saved[0]["passed"] and saved[0]["comment"] == "Listen <first>."
    assert store.session(sid)["score"] == 33.3 and not store.session(sid)["passed"]  # automatic result kept
    assert "Saved review" in form.status.value and "Joanna" in form.status.value

    row = lab.data.sessions.set_index("id").loc[sid]
    assert row["score"] == 80.0 and row["auto_score"] == 33.3 and bool(row["reviewed"])
    side = Cells(lab.viewer.view.value.split("</h4>", 1)[1]).by_row()
    assert side["overall"]["automatic"] == (set(), "33.3")  # shown, but not the one used
    assert side["overall"]["reviewer: Joanna"] == ({"rp-used"}, "80.0")
    assert side["Empathy"]["reviewer: Joanna"][1] == "75.0"
    assert "Listen &lt;first&gt;." in lab.viewer.view.value
    assert lab.viewer.picker.value == sid and "reviewed" in lab.viewer.picker.label
    fbl = lab.views["first_best_latest"].value
    assert re.search(r">anna<.*?<td>2</td><td>80\.0</td><td>83\.3</td><td>83\.3</td>", fbl)


def test_review_form_reports_a_score_out_of_range(lab, ids, store):
    lab.viewer.picker.value = ids[("ben", "mini", 1)]
    form = lab.viewer.form
    form.reviewer.value = "rita"
    form.values = lambda: {"scores": {"empathy": 150.0}, "overall": 50.0, "passed": True, "comment": ""}
    form.submit.click()
    assert "Not saved" in form.status.value and "outside 0-100" in form.status.value
    assert store.reviews(ids[("ben", "mini", 1)]) == []


def test_review_form_starts_from_a_failed_verdict_after_a_breach(lab, store, mini):
    clock = FakeClock()
    session = Session(mini, trainee="dora", seed=9, clock=clock, recorder=store)
    for reply in (1, 4):  # the fourth reply at "fix" discloses another customer's data
        clock.advance(10)
        session.reply(reply)
    lab.reload()
    lab.viewer.picker.value = session.id
    form = lab.viewer.form
    assert form.overall.value >= mini.pass_mark and form.passed.value is False
    assert "Critical breach" in lab.viewer.view.value
    assert "dora" in lab.filters.trainee.options


def test_sparkline_is_svg_with_an_escaped_label():
    svg = review.sparkline([40, 80.5], [False, True], pass_mark=70, label="a <b> & c")
    assert svg.startswith('<svg class="rp-spark"') and svg.endswith("</svg>")
    assert "<title>a &lt;b&gt; &amp; c</title>" in svg
    assert svg.count("<circle") == 2 and 'fill="#2e7d32"' in svg and 'fill="#c62828"' in svg
    assert ">80</text>" in svg  # the latest score, rounded


def test_open_review_store_makes_demo_data_only_for_an_empty_store(tmp_path, store, ids, mini):
    opened, note, is_demo = review.open_review_store(str(store.location))
    assert "Reviewing <b>7</b> sessions" in note and not is_demo
    opened.close()
    empty = tmp_path / "empty.sqlite"
    demo, note, is_demo = review.open_review_store(str(empty), scenarios={"mini": mini}, trainees=3, sessions=12)
    try:
        assert is_demo and "Demo data." in note and "has no sessions yet" in note
        assert len(demo.sessions()) == 12 and str(tmp_path) not in demo.location
    finally:
        demo.close()
    assert not empty.exists()  # the review lab reads: a store named but not there is never created


def test_per_trainee_views_show_the_most_recently_active_when_there_are_very_many(ids, store, mini, mini2, monkeypatch):
    from simulator.ui.review import lab as lab_module

    monkeypatch.setattr(lab_module, "MAX_TRAINEES_SHOWN", 2)
    lab = ReviewLab(store, scenarios={"mini": mini, "mini2": mini2})
    matrix = lab.views["matrix"].value
    assert "Showing the 2 most recently active of 4 trainees" in matrix
    assert ">cleo<" in matrix and ">anna<" not in matrix and ">ben<" not in matrix
    assert ">anna<" in lab.views["kpis"].value  # team and trainee KPIs still count everyone
    lab.filters.trainee.value = ("anna",)
    assert "most recently active" not in lab.views["matrix"].value and ">anna<" in lab.views["matrix"].value


def test_the_lab_speaks_polish_when_asked(ids, store, mini, mini2):
    lab = ReviewLab(store, scenarios={"mini": mini, "mini2": mini2}, lang="pl")
    assert lab.errors == {} and lab.titles["matrix"] == "Macierz kompetencji"
    assert lab.filters.team.description == "Zespół" and lab.filters.reset.description == "Wszystkie dane"
    form = lab.viewer.form
    assert form.submit.description == "Zapisz recenzję" and form.passed.options == (
        ("zaliczone", True),
        ("niezaliczone", False),
    )
    assert "7 z 7 sesji · kursanci: 4" in lab.filters.summary.value
    assert "3 · może uczyć innych (85+)" in lab.views["matrix"].value and "nie oceniono" in lab.views["matrix"].value
    assert "<h4>Według zespołu</h4>" in lab.views["kpis"].value and "ocena QA" in lab.views["kpis"].value
    assert "Za mało danych" in lab.views["agreement"].value and "zrecenzowano tylko 3" in lab.views["agreement"].value
    assert "pasujące sesje: 7" in lab.viewer.count.value
    lab.viewer.picker.value = ids[(EVIL, "mini2", 1)]
    session = lab.viewer.view.value
    assert "Przebieg rozmowy i omówienie" in session and "<h4>Recenzje</h4>" in session
    html = lab.html() + lab.filters.summary.value + lab.viewer.count.value + lab.note.value
    for english in ("No sessions", "Per team", ">trainee<", "Transcript and debrief", "sessions match", ">attempts<"):
        assert english not in html, english
    assert EVIL not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in lab.views["matrix"].value  # still escaped
    lab.viewer.picker.value = ids[("anna", "mini", 1)]
    form.submit.click()
    assert "Wpisz swoje imię jako recenzent." in form.status.value


def test_a_failing_widget_callback_is_said_where_the_reviewer_acted_and_the_lab_goes_on(lab, ids, monkeypatch, caplog):
    from simulator.ui.review import viewer

    monkeypatch.setattr(viewer, "session_html", lambda *a, **k: 1 / 0)
    lab.viewer.picker.value = ids[("ben", "mini", 1)]
    assert "Something went wrong on our side" in lab.viewer.view.value
    assert caplog.text.count("review lab callback failed") == 1 and "ZeroDivisionError" in caplog.text
    monkeypatch.undo()
    lab.viewer.picker.value = ids[("anna", "mini", 1)]
    assert ">anna —" in lab.viewer.view.value.replace("<h4>", ">")
    lab.filters.trainee.value = ("ben",)  # the filters still re-render the views
    assert set(matrix_cells(lab)) == {"ben"}


def _no_server_detail(html: str, *paths) -> None:
    """What the browser is shown carries no server path and no exception's text."""
    for path in paths:
        assert str(path) not in html, html
    for detail in ("Errno", "Error:", "Traceback", "/tmp/", "/srv/", "disk I/O"):
        assert detail not in html, (detail, html)


def test_a_failing_view_says_so_without_the_servers_details(ids, store, mini, mini2, monkeypatch, caplog):
    from simulator.ui.review import lab as lab_module

    def broken(*args, **kwargs):
        raise OSError(5, "Input/output error", "/srv/lab/secret.sqlite")

    monkeypatch.setattr(lab_module.ReviewLab, "_render", lambda self, name, data: broken() if name == "kpis" else "")
    lab = ReviewLab(store, scenarios={"mini": mini, "mini2": mini2})
    assert "This view failed" in lab.views["kpis"].value
    _no_server_detail(lab.views["kpis"].value)
    assert "secret.sqlite" in lab.errors["kpis"] and "secret.sqlite" in caplog.text  # for the server, not the page


def test_a_review_the_store_refuses_says_so_without_the_servers_details(lab, ids, monkeypatch, caplog):
    from simulator.errors import StoreError

    def refused(*args, **kwargs):
        raise StoreError("cannot write the results store '/srv/lab/results.sqlite': disk I/O error")

    monkeypatch.setattr(lab.store, "add_review", refused)
    lab.viewer.picker.value = ids[("anna", "mini", 1)]
    form = lab.viewer.form
    form.reviewer.value = "rita"
    form.submit.click()
    assert "Not saved" in form.status.value and "the results store could not take it" in form.status.value
    _no_server_detail(form.status.value)
    assert "disk I/O error" in caplog.text


def test_the_review_lab_names_its_store_without_the_servers_folders(tmp_path, store, ids, mini):
    opened, note, _is_demo = review.open_review_store(str(store.location))
    opened.close()
    assert "results.sqlite" in note
    _no_server_detail(note, tmp_path)
    demo, note, is_demo = review.open_review_store(
        str(tmp_path / "empty.sqlite"), scenarios={"mini": mini}, trainees=2, sessions=4
    )
    demo.close()
    assert is_demo and "empty.sqlite" in note
    _no_server_detail(note, tmp_path, demo.location)


# ---------------------------------------------------------------- assignments


def test_the_assignments_view_says_who_did_what_by_the_due_date_and_exports_it(ids, store, mini, mini2):
    import base64

    store.set_groups("anna", ["A"])
    store.set_groups("dora", ["A"])
    aid = store.create_assignment("mini", "A", "2099-01-01", max_attempts=2)
    recorder = store.assigned(aid)
    done = Session(mini, trainee="anna", recorder=recorder)
    done.reply(1)
    done.reply(1)
    Session(mini, trainee=EVIL, recorder=recorder).reply(1)
    store.create_assignment("mini2", "B", "2000-01-01")  # long past: cleo (team B) has not started it
    lab = ReviewLab(store, scenarios={"mini": mini, "mini2": mini2})
    assert "assignments" not in lab.__dict__  # built on first use only
    html = lab.assignments.html.value
    assert EVIL not in html and "&lt;script&gt;" in html
    assert "1 on time · 0 late · 1 started · 2 not started" in html  # ben is in team A
    assert "0 on time · 0 late · 0 started · 1 not started" in html  # cleo, by her team's name
    rows = {(r.assignment_id, r.trainee): r.status for r in lab.assignments.rows}
    assert rows[(aid, "anna")] == "on_time" and rows[(aid, "dora")] == "not_started" and rows[(aid, EVIL)] == "started"
    link = re.search(r'href="data:text/csv;charset=utf-8;base64,([^"]+)"', html)
    text = base64.b64decode(link.group(1)).decode("utf-8")
    assert text.splitlines()[0].startswith("assignment_id,scenario_id,group,due,mode,trainee,status")
    assert f"{aid},mini,A,2099-01-01T23:59:59+00:00,practice,anna,on_time,1,100.0," in text
    store.delete_assignment(aid)
    lab.reload()
    assert "anna" not in lab.assignments.html.value


# ---------------------------------------------------------------- the lab as one app (issue 13)


def test_the_lab_is_one_app_with_a_bar_of_sections(lab):
    app = lab.app
    assert "rp-app" in app._dom_classes and app.children[0] is lab.header
    buttons = lab.section_buttons
    assert list(buttons) == list(lab_module.SECTIONS)
    assert [b.description for b in buttons.values()][:3] == ["Competency matrix", "Sessions & reviews", "KPIs"]
    assert lab.section == "matrix" and "rp-current" in buttons["matrix"]._dom_classes
    buttons["sessions"].click()  # as in the browser
    assert lab.section == "sessions" and lab.stack.selected_index == 1
    assert "rp-current" in buttons["sessions"]._dom_classes and "rp-current" not in buttons["matrix"]._dom_classes
    assert lab.viewer in lab.stack.children[1].children and lab.views["kpis"] in lab.stack.children[2].children
    lab.show_section("assignments")
    assert lab.assignments in lab.stack.children[-1].children and lab.section == "assignments"
    with pytest.raises(ValueError, match="no section 'nope'"):
        lab.show_section("nope")
    head = lab.stack.children[1].children[0].value
    assert "Session viewer and review form" in head and "saved as it was" in head


def test_the_filters_fold_away_under_a_button_and_say_when_one_is_on(lab):
    f = lab.filters
    assert f.body.layout.display == "none" and f.summary in f.children[0].children  # the summary stays in view
    f.toggle.value = True
    assert f.body.layout.display == ""
    f.toggle.value = False
    assert f.body.layout.display == "none"
    assert f.toggle.button_style == ""
    f.trainee.value = ("anna",)
    assert f.toggle.button_style == "info" and "2 of 7 sessions" in f.summary.value
    f.clear()
    assert f.toggle.button_style == ""


def _latest_completed(store) -> str:
    done = [s for s in store.sessions() if s["status"] == "completed"]
    return max(done, key=lambda s: (s["started_at"], s["id"]))["id"]


def test_the_picker_opens_on_the_latest_completed_session_and_a_search_narrows_it(ids, store, mini, mini2):
    late = Session(
        mini, trainee="dora", seed=9, clock=FakeClock(), recorder=store, started_at="2026-01-09T09:00:00+00:00"
    )
    late.reply(1)  # the newest session, not finished
    lab = ReviewLab(store, scenarios={"mini": mini, "mini2": mini2})
    v = lab.viewer
    assert v.picker.options[0][1] == late.id  # offered first (latest first) …
    assert v.picker.value == _latest_completed(store) != late.id  # … but the latest completed one is picked
    assert v.form.session_id == v.picker.value and not v.form.submit.disabled

    v.search.value = "anna"
    assert {o[1] for o in v.picker.options} == {ids[("anna", "mini", 1)], ids[("anna", "mini", 2)]}
    assert "2 sessions match “anna”" in v.count.value
    assert v.picker.value == ids[("anna", "mini", 2)]  # the latest completed of the match
    v.search.value = "ANNA 2026-01-01"  # every word must match, case aside: trainee and date
    assert [o[1] for o in v.picker.options] == [ids[("anna", "mini", 1)]] and "1 session matches" in v.count.value
    v.search.value = "mini2"  # a scenario's id (or words of its title)
    assert [o[1] for o in v.picker.options] == [ids[(EVIL, "mini2", 1)]]
    v.search.value = "abandoned"  # a status
    assert ids[("cleo", "mini", 2)] in {o[1] for o in v.picker.options}
    v.search.value = "<b>nobody</b>"
    assert v.picker.options == () and v.picker.value is None and v.form.submit.disabled
    assert "No session matches the search" in v.view.value and "&lt;b&gt;nobody&lt;/b&gt;" in v.count.value
    v.search.value = ""
    assert len(v.picker.options) == len(PLAYS) + 1 and "8 sessions match" in v.count.value


def test_saving_without_moving_a_slider_stores_every_score_as_it_was(lab, ids, store):
    sid = ids[("anna", "mini", 1)]  # [2, 1]: automatic empathy 0, ownership 100, overall 33.3, failed
    lab.viewer.picker.value = sid
    form = lab.viewer.form
    form.reviewer.value = "rita"
    form.submit.click()
    [first] = store.reviews(sid)
    assert first["scores"] == {"empathy": 0.0, "ownership": 100.0} and first["overall"] == 33.3
    assert first["passed"] is False or first["passed"] == 0

    # a review with scores a whole-number slider would round: 42.9 stays 42.9, 33.3 stays 33.3
    store.add_review(sid, "marek", scores={"empathy": 42.9, "ownership": 33.3}, overall=39.7, passed=False)
    lab.reload()
    lab.viewer.picker.value = ids[("ben", "mini", 1)]
    lab.viewer.picker.value = sid  # picked again: the form opens on the latest review
    assert {c: s.value for c, s in form.scores.items()} == {"empathy": 42.9, "ownership": 33.3}
    assert form.overall.value == 39.7
    form.reviewer.value = "joanna"
    form.submit.click()
    latest = store.reviews(sid)[-1]
    assert latest["reviewer"] == "joanna" and latest["scores"] == {"empathy": 42.9, "ownership": 33.3}
    assert latest["overall"] == 39.7 and not latest["passed"]

    # a moved slider: the overall follows (weights 2:1) until the reviewer edits it
    form.scores["empathy"].value = 60
    assert form.overall.value == 51.1 and form.moved("empathy") and not form.moved("ownership")
    form.overall.value = 55
    form.scores["ownership"].value = 90
    assert form.overall.value == 55
    assert form.values()["scores"] == {"empathy": 60.0, "ownership": 90.0} and form.values()["overall"] == 55.0
    form.scores["ownership"].value = 33.3  # moved back where it was: as stored
    assert not form.moved("ownership") and form.values()["scores"]["ownership"] == 33.3


def test_a_competency_the_conversation_never_reached_is_not_assessed_in_the_form(mini, store):
    session = Session(mini, trainee="dora", seed=1, clock=FakeClock(), recorder=store)
    session.reply(3)  # the refund at once: the call ends
    form = review.ReviewForm(lambda _form: None)
    form.load(store.session(session.id), mini, None, assessed={"ownership"})
    assert (
        "rp-unassessed" in form.scores["empathy"]._dom_classes
        and "rp-unassessed" not in form.scores["ownership"]._dom_classes
    )
    assert "not assessed" in form.score_box.children[0].children[1].value
    assert form.overall.value == store.session(session.id)["score"]  # the automatic overall, as stored
    assert form.values()["scores"] == {"ownership": 50.0}  # not assessed and not moved: left out
    form.scores["empathy"].value = 40
    assert form.values()["scores"] == {"empathy": 40.0, "ownership": 50.0}


def test_the_viewer_knows_what_each_session_assessed(lab, ids):
    assert lab.viewer.assessed(ids[("anna", "mini", 1)]) == {"empathy", "ownership"}
    assert lab.viewer.assessed(ids[("cleo", "mini", 2)]) == set()  # abandoned: nothing scored
    assert lab.viewer.assessed("no-such-session") is None


def test_progress_and_first_best_latest_fit_the_page_however_many_scenarios(lab):
    done = lab.selected.sessions
    trainees = done[done["status"] == "completed"]["trainee"].nunique()
    progress = lab.views["progress"].value
    assert progress.count('<div class="rp-progress-card">') == trainees and "<table" not in progress
    assert "rp-progress-grid" in progress and "<b>anna</b>" in progress
    fbl = lab.views["first_best_latest"].value
    assert fbl.count('<details class="rp-fbl-trainee">') == trainees  # a line per trainee, closed
    assert "<b>anna</b>" in fbl and "mean first 33.3 → latest 83.3" in fbl


def test_the_sections_speak_polish(ids, store, mini, mini2):
    lab = ReviewLab(store, scenarios={"mini": mini, "mini2": mini2}, lang="pl")
    lab.app  # noqa: B018
    assert [b.description for b in lab.section_buttons.values()][:2] == ["Macierz kompetencji", "Sesje i recenzje"]
    assert lab.filters.toggle.description == "Filtry" and lab.viewer.search.description == "Szukaj"
    lab.viewer.search.value = "anna"
    assert "pasujące do „anna”: 2" in lab.viewer.count.value
    assert "średnio pierwsza" in lab.views["first_best_latest"].value
