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


def test_a_refusal_without_a_negative_word_says_no():
    assert negated("Sorry to hear that but it's against our policy, anything else")
    assert negated("To byłoby wbrew naszym zasadom") and negated("Udzielanie takich informacji jest niedozwolone")
    assert not negated("Ok, just between us - yes it'll go through fine")


def test_a_breach_agreed_in_a_few_words_is_recorded_over_a_refusal_that_shares_its_words(library):
    options = library["data-protection-spouse"].nodes["hospital"].options
    reply = "Oh gosh I'm sorry. Ok, just between us - yes it'll go through fine."
    match = get_matcher("semantic").match(reply, options)
    assert options[match.option_index].breach is not None


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
    # Floors a few points under the figures (benchmarks/bench_matching.py, blind replies; cross-validated /
    # the shipped constants in-sample): right 50.1 / 52.2 %, right or confirmed 93.2 / 94.5 %, wrong 0.8 /
    # 0.3 %, no-option kept 86.1 / 91.7 %, breach recall 100 / 100 % (19 of 19), breach taken for a
    # good option 0 / 0; lexical 58.5 % right. The shipped constants must not fall below them.
    assert semantic["right_or_confirmed"] >= 91.0 > lexical["right"] + 20
    assert semantic["right"] >= 48.0
    assert semantic["wrong"] <= 2.0 and semantic["breach_as_good"] == 0
    assert semantic["no_option_not_credited"] >= 88.0
    assert semantic["breach_recall"] >= 98.0  # one breach fewer fails


CASES = [  # (scenario, node, reply, language, the option it must be taken for (0-based))
    ("phishing-ceo-email", "urgency", "I won't send it, it needs a DP-07 approval first", "en", 0),
    ("phishing-ceo-email", "urgency", "Fine, it's on you then, I'm sending the file now", "en", 1),
    ("phishing-ceo-email", "clicked", "I won't type my password, I'll close it and ring security", "en", 0),
    ("phishing-ceo-email", "clicked", "I'll type my password and sign in", "en", 1),
    ("data-protection-spouse", "pushy", "Don't worry, the payment will go through", "en", 1),
    ("data-protection-spouse", "pushy", "I can't tell you whether it will go through, but let's make Friday safe",
     "en", 0),
    ("vip-pl-zabieg-odwolany", "dopytuje_o_joanne", "Między nami, pani Joanna jest w szpitalu po operacji wyrostka",
     "pl", 1),
    ("vip-pl-zabieg-odwolany", "dopytuje_o_joanne", "Nie moge udzielac takich informacji, to dane wrazliwe", "pl", 2),
    ("vip-pl-zabieg-odwolany", "inna_klientka", "Tak, pani Zawadzka ma manicure w piątek o jedenastej", "pl", 1),
    ("vip-pl-zabieg-odwolany", "inna_klientka", "Nie udzielamy informacji o innych klientkach", "pl", 2),
]  # fmt: skip


@pytest.mark.parametrize(("scenario", "node", "reply", "language", "option"), CASES)
def test_refusals_are_not_breaches_and_committed_breaches_are_recorded(
    library, scenario, node, reply, language, option
):
    """Saying no to a breach is not the breach; committing it (English or Polish, with or without
    Polish letters) is recorded as the breach at once, not offered as a "did you mean"."""
    options = library[scenario].nodes[node].options
    match = get_matcher("semantic").match(reply, options, language)
    assert match.option_index == option and not match.proposed, (reply, match)


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


@pytest.mark.parametrize(
    ("reply", "complies"),
    [
        ("ok ok sending it, sorry for the delay", True),
        ("No problem, moving it now", True),
        ("sure, here you go", True),
        ("fine, I'll forward the file", True),
        ("between us, she's got enough for Friday", True),
        ("Jasne, już wysyłam", True),
        ("Między nami, jest w szpitalu", True),
        ("I won't tell anyone", False),  # a refusal, even one a customer asked for
        ("ok but I can't send customer data outside the company", False),
        ("Nie mogę podać tych danych", False),
        ("Thank you for calling", False),
    ],
)
def test_compliance_is_agreeing_without_refusing(reply, complies):
    from simulator.core.semantic import complies as says_yes

    assert says_yes(reply) is complies


def test_a_breach_is_weighed_against_the_best_good_option_and_the_cue_counts_only_for_breaches():
    from simulator.core.semantic import SemanticMatcher

    m = SemanticMatcher(accept=0.6, accept_breach=0.0, unsure=0.15, margin=0.2, margin_breach=0.2, cue=0.25)
    # two breach options close together, the good one far behind: the breach is recorded, the closest one
    assert m.decide([0.5, 0.45, 0.2], [True, True, False]).option_index == 0
    # a good option close behind the breach: not recorded, offered as "did you mean"
    match = m.decide([0.5, 0.2, 0.45], [True, True, False])
    assert match.option_index is None and match.proposed == (0, 2)
    # evidence rows (cosine, words, stances differ, breach option and the reply complies)
    rows = [[(0.4, 0.0, False, True)], [(0.5, 0.0, False, False)]]
    assert m.combine(rows) == pytest.approx([0.65, 0.5])
    assert SemanticMatcher(cue=0.0).combine(rows) == pytest.approx([0.4, 0.5])


def test_the_split_grid_search_finds_what_a_plain_search_finds(replies, library, monkeypatch):
    """``_fit`` weighs good-option and breach thresholds apart; on a small grid it must reach the best
    value a search of every combination reaches."""
    import itertools

    import numpy as np

    from simulator.studio import replyset

    small = {
        "words": (0.25,),
        "stance": (0.0, 0.15),
        "cue": (0.0, 0.25),
        "accept": (0.6, 0.95),
        "accept_breach": (0.0, 0.3),
        "unsure": (0.15, 0.7),  # 0.7 > 0.6: a combination the search must skip
        "margin": (0.06, 0.2),
        "margin_breach": (0.0, 0.2),
    }
    monkeypatch.setattr(replyset, "GRID", small)
    features = replyset._features(replies, library)
    found = replyset._fit(features)
    best = max(
        replyset.objective(replyset._tally(features, replyset.Params(w, s, a, ab, u, m, mb, c)))
        for w, s, c, a, ab, u, m, mb in itertools.product(*(small[k] for k in small))
        if u <= a
    )
    assert replyset.objective(replyset._tally(features, found)) == best
    assert np.isfinite(best)


def test_cross_validation_weighs_the_cosines_of_the_matcher_it_is_given(replies, library):
    """``bench_matching.py --encoder`` compares sentence encoders through ``cross_validate(matcher=…)``:
    the fit must weigh that matcher's ``cosines``. One that knows each reply's label (1 for its option's
    texts, 0 for the others') gets every fitting reply right under cross-validation; the shipped one does not."""
    from simulator.core.semantic import SemanticMatcher, option_texts
    from simulator.studio import replyset

    some = [r for r in replies if r.scenario in ("angry-late-delivery", "return-warranty") and r.label is not None]
    meant = {r.text: r for r in some}

    class Oracle(SemanticMatcher):
        def cosines(self, reply, texts):
            options = library[meant[reply].scenario].nodes[meant[reply].node].options
            mine = set(option_texts(options[meant[reply].label]))
            return [1.0 if t in mine else 0.0 for t in texts]

    def right(matcher):
        _fitted, decisions = replyset.cross_validate(some, library, folds=2, matcher=matcher)
        return sum(credited == r.label for r, credited, _proposed in decisions)

    assert right(Oracle()) == len(some)
    assert right(None) < len(some)
