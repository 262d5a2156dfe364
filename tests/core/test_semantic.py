"""The semantic matcher (meaning from the Universal Sentence Encoder, words, stance) and the shared
negation rule, on real scenarios and the lab's labelled replies (tests/data/replies)."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator.core.matching import get_matcher, matcher_names, negated
from simulator.loading.loader import load_library
from simulator.studio.replyset import evaluate, load_replies

from ..conftest import SCENARIOS

REPLIES = Path(__file__).resolve().parents[1] / "data" / "replies"


@pytest.fixture(scope="module")
def library():
    return load_library(SCENARIOS)[0]


@pytest.fixture(scope="module")
def replies(library):
    return load_replies(REPLIES, library)


def test_no_problem_and_dont_worry_do_not_say_no():
    assert not negated("No problem, I'll send the export over now")
    assert not negated("Don't worry, it'll go through fine")
    assert not negated("Nie ma problemu, już wysyłam")
    assert negated("I won't tell anyone") and negated("Nie mogę podać tych danych") and negated("dont tell anyone")


def test_the_labelled_set_is_large_enough_and_half_blind(replies, library):
    assert len(replies) >= 400
    assert sum(r.written == "blind" for r in replies) * 2 >= len(replies)
    assert len({r.scenario for r in replies}) >= 8
    assert {r.language for r in replies} == {"en", "pl"}
    assert any(r.label is None for r in replies) and any(r.breach for r in replies)


def test_semantic_is_registered_and_understands_a_paraphrase_with_no_shared_word(library):
    assert {"lexical", "semantic"} <= set(matcher_names())
    scenario = library["phishing-ceo-email"]
    options = scenario.nodes["urgency"].options
    breach = next(i for i, o in enumerate(options) if o.breach is not None)
    match = get_matcher("semantic").match("fine, sending it now", options, "en")
    assert match.option_index == breach or breach in match.proposed


def test_semantic_beats_lexical_on_blind_replies(replies, library):
    blind = [r for r in replies if r.written == "blind"]
    lexical = evaluate(get_matcher("lexical"), blind, library)[("all", "blind")].summary()
    semantic = evaluate(get_matcher("semantic"), blind, library)[("all", "blind")].summary()
    # measured (benchmarks/bench_matching.py): lexical 57.5 % right; semantic right or confirmed 93.7 % (CV)
    assert semantic["right_or_confirmed"] >= 88.0 > lexical["right"] + 20
    assert semantic["wrong"] <= 2.0 and semantic["breach_as_good"] == 0


def test_the_fit_scores_decisions_as_the_matcher_takes_them(replies, library):
    """The grid search's vectorised scoring gives what the matcher's own decisions score, for any values."""
    import numpy as np

    from simulator.studio import replyset

    features = replyset._features(replies, library)
    for p in (replyset.Params(), replyset.Params(0.5, 0.15, 0.7, 0.45, 0.4, 0.06, 0.02)):
        arrays = replyset._arrays(features, p.words, p.stance)
        vectorised = replyset._objective_of(arrays, p.accept, p.accept_breach, p.unsure, p.margin, np, p.margin_breach)
        assert vectorised == replyset.objective(replyset._tally(features, p))
    # several (accept_breach, margin_breach) pairs at once: each row is that pair's scalar value
    p = replyset.Params()
    arrays = replyset._arrays(features, p.words, p.stance)
    rows = replyset._objective_of(arrays, p.accept, np.array([0.3, 0.6]), p.unsure, p.margin, np, np.array([0.0, 0.1]))
    for value, (ab, mb) in zip(rows, ((0.3, 0.0), (0.6, 0.1)), strict=True):
        assert value == replyset._objective_of(arrays, p.accept, ab, p.unsure, p.margin, np, mb)
