"""The lexical reply matcher and the matcher registry."""

from __future__ import annotations

import pytest

from simulator import get_matcher, register_matcher
from simulator.core.matching import Match, normalise, similarity
from simulator.core.model import Option


def opt(text, *phrasings):
    return Option(text=text, phrasings=list(phrasings), feedback="f", next="x")


OPTIONS = [
    opt("I'm so sorry to hear that. Tell me what happened.", "sorry, please tell me what happened"),
    opt("You have to wait like everyone else."),
    opt("Let me check the tracking of your order right now.", "I will look up your order"),
]


@pytest.mark.parametrize(
    ("reply", "index"),
    [
        ("so sorry! what happened?", 0),
        ("you'll have to wait", 1),
        ("let me look up your order", 2),
        ("LET ME CHECK THE TRACKING", 2),
    ],
)
def test_typed_reply_finds_its_option(reply, index):
    match = get_matcher("lexical").match(reply, OPTIONS)
    assert match.option_index == index and match.confidence >= 0.35


@pytest.mark.parametrize("reply", ["banana republic", "🙂🙂🙂", "<img src=x onerror=alert(1)>", "x" * 10_000])
def test_unrelated_reply_has_low_confidence(reply):
    assert get_matcher("lexical").match(reply, OPTIONS).confidence < 0.35


def test_polish_diacritics_and_case_do_not_matter():
    assert normalise("Przepraszam, ŁÓDŹ!") == "przepraszam lodz"
    assert similarity("przepraszam za opóźnienie", "Przepraszam za opoznienie") == pytest.approx(1.0)


def test_matchers_plug_in_by_name(monkeypatch):
    from simulator.core import matching

    monkeypatch.setattr(matching, "_MATCHERS", dict(matching._MATCHERS))  # registered for this test only

    @register_matcher("always-first")
    class AlwaysFirst:
        def match(self, reply, options, language="en"):
            return Match(0, 1.0)

    assert get_matcher("always-first").match("anything", OPTIONS) == Match(0, 1.0)
    with pytest.raises(KeyError, match="no reply matcher called 'nope'"):
        get_matcher("nope")


def test_polish_stopwords_with_diacritics_are_ignored_like_the_others():
    from simulator.core.matching import _features

    # "proszę", "już", "się", "że" carry no meaning of their own: only "robi" is left to compare
    assert _features("Proszę, już się robi, że hej")[0] == _features("robi hej")[0] == {"robi", "hej"}


def test_a_reply_that_says_no_is_not_taken_for_the_option_that_does_it():
    lexical = get_matcher("lexical")
    breach = Option(text="Send the export to Emma's Gmail.", next="x", feedback="Breach.", breach="Data sent out.")
    refuse = Option(text="I won't send the export outside the company.", next="x", feedback="Right.")
    ask = Option(text="Let me ask my manager.", next="x", feedback="Hm.")
    assert lexical.match("I will not send the export to Emma's Gmail", [breach, refuse, ask]).option_index == 1
    assert lexical.match("send the export to Emma's gmail", [breach, refuse, ask]).option_index == 0
    # With no option that says no, a "no" is not understood rather than taken for a breach.
    alone = lexical.match("I'm not sending the export to Emma's Gmail", [breach, ask])
    assert alone.confidence < 0.35
