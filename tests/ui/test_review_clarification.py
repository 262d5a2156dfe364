"""The review lab shows what became of typed replies: the options proposed ("Did you mean …?"), the one
confirmed, what a reply was first taken for and what the trainee corrected it to; item analysis and the
not-understood view count them. Real sessions through the engine (the ``Unsure`` matcher of
tests/core/test_clarification.py) into a real SQLite store."""

from __future__ import annotations

from simulator import Session
from simulator.ui.review import ReviewLab

from ..conftest import FakeClock
from ..core.test_clarification import Unsure


def played(mini, store):
    clock = FakeClock()
    session = Session(mini, trainee="anna", seed=2, clock=clock, matcher=Unsure(), recorder=store)
    clock.advance(5)
    session.reply("I feel for <you>", clarify=True)
    clock.advance(2)
    session.confirm(1)
    clock.advance(5)
    session.reply("#3")  # "Can you repeat that?"
    session.correct(1)  # meant "I'll send a replacement today."
    other = Session(mini, trainee="ben", seed=3, clock=clock, matcher=Unsure(), recorder=store)
    other.reply("hmm", clarify=True)
    other.confirm(None)
    other.reply("#1")
    other.abandon()
    return session, other


def test_the_session_viewer_shows_what_was_typed_proposed_confirmed_and_corrected(mini, store):
    session, other = played(mini, store)
    lab = ReviewLab(store, scenarios={"mini": mini})
    lab.viewer.picker.value = session.id
    html = lab.viewer.view.value
    assert "I feel for &lt;you&gt;" in html and "<you>" not in html
    assert (
        "proposed (“Did you mean …?”): option 1 “I&#x27;m sorry to hear that. Tell me more.” · "
        "option 2 “What do you want?” · confirmed: option 1 “I&#x27;m sorry to hear that. Tell me more.”"
    ) in html
    assert (
        "first taken for option 3 “Can you repeat that?”, corrected to option 1 “I&#x27;ll send a replacement today.”"
    ) in html
    lab.viewer.picker.value = other.id
    html = lab.viewer.view.value
    assert "option 2 “What do you want?” · none taken" in html
    assert "taken for option 1 “I&#x27;m sorry to hear that. Tell me more.”" in html


def test_item_analysis_and_the_not_understood_view_count_proposals_confirmations_and_corrections(mini, store):
    played(mini, store)
    lab = ReviewLab(store, scenarios={"mini": mini})
    items = lab.views["items"].value
    assert "<th>proposed</th><th>confirmed</th><th>corrected</th>" in items
    # the opening: option 1 chosen twice (once confirmed), proposed twice; option 2 proposed twice
    assert "<td>2</td><td>1</td><td>0</td></tr>" in items and "<td>2</td><td>0</td><td>0</td></tr>" in items
    missed = lab.views["not_understood"].value
    assert "1 typed replies at 1 places were not understood." in missed
    assert "1 typed replies were confirmed from a “Did you mean …?” and 1 were corrected" in missed
    assert '<td class="rp-text">#3</td><td>0</td><td></td><td>0</td><td>1</td>' in missed
    assert '<td class="rp-text">hmm</td><td>1</td><td>1, 2</td><td>0</td><td>0</td>' in missed


def test_the_review_lab_says_it_in_polish(mini, store):
    session, _ = played(mini, store)
    lab = ReviewLab(store, scenarios={"mini": mini}, lang="pl")
    lab.viewer.picker.value = session.id
    html = lab.viewer.view.value
    assert "proponowano („Czy chodziło o…?”): opcja 1" in html and "potwierdzono: opcja 1" in html
    assert "najpierw zrozumiana jako opcja 3" in html
    assert "<th>proponowana</th><th>potwierdzona</th><th>poprawiona</th>" in lab.views["items"].value
