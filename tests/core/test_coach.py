"""The phrase coach's checker (core.coach) on the shipped phrase files, and the scoring opt-in."""

from __future__ import annotations

import shutil

import pytest

from simulator import Session, load_scenario
from simulator.core.coach import (
    MAX_TEXT,
    check_phrasebook,
    coach,
    compile_phrasebook,
    load_phrasebook,
    phrasebook_for,
)
from simulator.core.matching import get_matcher

from ..conftest import MINI, SCENARIOS

EN = load_phrasebook(SCENARIOS / "phrases" / "en.yaml")
PL = load_phrasebook(SCENARIOS / "phrases" / "pl.yaml")


def found(text: str, book) -> list[tuple[str, str]]:
    hits = coach(text, book)
    for hit in hits:  # every span is the phrase as typed
        assert text[hit.start : hit.end] == hit.phrase
        assert hit.why and hit.instead
    return [(h.entry, h.phrase) for h in hits]


def test_the_shipped_files_load_with_the_families_the_method_names():
    assert EN is not None and PL is not None
    assert {"unfortunately", "you-must", "calm-down", "not-our-fault", "dont-know", "problem"} <= set(EN.ids())
    assert {"niestety", "musi-pan", "prosze-sie-uspokoic", "nie-nasza-wina", "nie-wiem", "problem"} <= set(PL.ids())
    assert len(EN.entries) >= 18 and len(PL.entries) >= 18


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Unfortunately, the parcel is late.", [("unfortunately", "Unfortunately")]),
        ("You must send us the receipt.", [("you-must", "You must")]),
        ("Please CALM DOWN, sir.", [("calm-down", "CALM DOWN")]),
        ("Well, it's not our fault.", [("not-our-fault", "not our fault")]),
        ("I don't know where it is.", [("dont-know", "I don't know")]),
        ("That is a problem with the courier.", [("problem", "problem")]),
        ("No, that cannot happen.", [("bare-no", "No")]),
        ("I can't do that today.", [("cant", "I can't do that")]),
        ("That's impossible.", [("impossible", "impossible")]),
        ("Our policy says thirty days.", [("policy", "policy says")]),
        ("You should have called earlier.", [("should-have", "You should have")]),
        ("As I said, it left on Tuesday.", [("as-i-said", "As I said")]),
        ("I understand, but the rules apply.", [("but", "I understand, but")]),
        ("I'll try to call them.", [("try", "I'll try")]),
        ("Let me call the courier now and ring you back by three.", []),
    ],
)
def test_english_phrases_are_caught_with_their_span(text, expected):
    assert found(text, EN) == expected


@pytest.mark.parametrize("text", ["I don't know", "I don’t know", "i dont know", "I DON‘T KNOW", "I donʼt know"])
def test_apostrophes_and_case_do_not_matter(text):
    assert found(f"Sorry, {text}.", EN) == [("dont-know", text)]


@pytest.mark.parametrize(
    "text",
    [
        "No problem, I'll fix it now.",
        "That's not a problem at all.",
        "No worries, it's on its way.",
        "No rush — take your time.",
        "There is no charge for the replacement.",
    ],
)
def test_idioms_that_say_yes_are_not_flagged(text):
    assert found(text, EN) == []


def test_a_phrase_inside_a_word_or_mid_sentence_no_is_not_flagged():
    assert found("The nobleman knows: there is no fee, none at all.", EN) == []
    assert found("Is that okay? No, wait — yes it is.", EN) == [("bare-no", "No")]  # a sentence begins there


def test_overlapping_catches_report_the_longer_one_and_several_are_reported_in_order():
    assert found("Unfortunately I don't know, calm down, as I said!", EN) == [
        ("unfortunately", "Unfortunately"),
        ("dont-know", "I don't know"),
        ("calm-down", "calm down"),
        ("as-i-said", "as I said"),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Niestety, paczka się spóźni.", [("niestety", "Niestety")]),
        ("Musisz poczekać do jutra.", [("musi-pan", "Musisz")]),
        ("Muszą Państwo wypełnić formularz.", [("musi-pan", "Muszą Państwo")]),
        ("Pani musi to podpisać.", [("musi-pan", "Pani musi")]),
        ("Proszę się uspokoić.", [("prosze-sie-uspokoic", "Proszę się uspokoić")]),
        ("Proszę Pana, niech się Pan uspokoi.", [("prosze-sie-uspokoic", "niech się Pan uspokoi")]),
        ("To nie nasza wina, tylko kuriera.", [("nie-nasza-wina", "nie nasza wina")]),
        ("Nie wiedziałem o tym.", [("nie-wiem", "Nie wiedziałem")]),
        ("Z tym problemem coś zrobimy.", [("problem", "problemem")]),
        ("Tego się nie da zrobić.", [("nie-da-sie", "się nie da")]),
        ("Zadzwonię do kuriera i oddzwonię do 15:00.", []),
    ],
)
def test_polish_phrases_are_caught_in_their_inflected_forms(text, expected):
    assert found(text, PL) == expected


@pytest.mark.parametrize(
    "text", ["Nie ma problemu, zaraz to naprawię.", "Bez problemu wymienimy.", "Nie martw się, to załatwię."]
)
def test_polish_idioms_are_not_flagged(text):
    assert found(text, PL) == []


def test_polish_without_diacritics_is_caught_too():
    assert found("Niestety nie wiem", PL) == [("niestety", "Niestety"), ("nie-wiem", "nie wiem")]
    assert found("prosze sie uspokoic", PL) == [("prosze-sie-uspokoic", "prosze sie uspokoic")]


def test_html_emoji_and_hostile_text_are_just_text():
    text = "<b>Unfortunately</b> 😊 <script>alert('you must')</script>\x00"
    assert found(text, EN) == [("unfortunately", "Unfortunately"), ("you-must", "you must")]
    assert coach("", EN) == [] and coach("   ", EN) == [] and coach("😊🎉", EN) == []
    assert coach("Unfortunately", None) == []


def test_a_long_reply_is_checked_up_to_its_limit():
    sentence = "Unfortunately the courier is late. "
    long = sentence * (10_000 // len(sentence))
    assert len(coach(long, EN)) == long.count("Unfortunately")
    huge = "a " * MAX_TEXT + "unfortunately"
    assert coach(huge, EN) == []  # past MAX_TEXT, not read


def test_a_file_is_read_once_per_version_and_a_broken_one_coaches_nothing(tmp_path):
    folder = tmp_path / "phrases"
    folder.mkdir()
    path = folder / "en.yaml"
    shutil.copy(SCENARIOS / "phrases" / "en.yaml", path)
    first = load_phrasebook(path)
    assert first is not None and load_phrasebook(path) is first
    path.write_text(path.read_text(encoding="utf-8") + "\n# a trainer's note\n", encoding="utf-8")
    again = load_phrasebook(path)
    assert again is not first and again.ids() == first.ids()
    path.write_text("schema_version: 1\nlanguage: en\nphrases: [{id: x}]\n", encoding="utf-8")
    assert load_phrasebook(path) is None
    path.write_text("phrases: [unclosed\n", encoding="utf-8")
    assert load_phrasebook(path) is None
    assert load_phrasebook(folder / "pl.yaml") is None


def test_check_phrasebook_says_what_to_fix():
    data = {
        "schema_version": 1,
        "language": "pl",
        "colour": "red",
        "phrases": [
            {"id": "a", "catch": ["... x"], "why": "w", "instead": "i"},
            {"id": "a", "catch": "ok*", "why": "", "instead": "i"},
            {"id": "b", "catch": ["fine", "^"], "except": "a ^b"},
        ],
    }
    problems = check_phrasebook(data, "en")
    messages = {where: message for where, message, _key in problems}
    assert "unknown field 'colour'" in messages[("colour",)]
    assert "named en.yaml but says language pl" in messages[("language",)]
    assert "'...' stands between two words" in messages[("phrases", 0, "catch", 0)]
    assert "used by entry 1 too" in messages[("phrases", 1, "id")]
    assert "at least three letters" in messages[("phrases", 1, "catch")]
    assert "'why' must be text" in messages[("phrases", 1, "why")]
    assert "'^' joined to the first word" in messages[("phrases", 2, "catch", 1)]
    assert "may only begin the phrase" in messages[("phrases", 2, "except")]
    assert any("lacks 'why'" in m for w, m, _k in problems if w == ("phrases", 2))
    assert check_phrasebook(["a list"])[0][1].startswith("a phrase file is a mapping")


def test_a_compiled_book_needs_no_file():
    book = compile_phrasebook(
        {
            "schema_version": 1,
            "language": "en",
            "phrases": [{"id": "x", "catch": "sorry ... but", "why": "w", "instead": "i"}],
        }
    )
    assert found("Sorry about that, but no.", book) == [("x", "Sorry about that, but")]
    assert found("Sorry about all of this today, but", book) == []  # more than three words between


# ---------------------------------------------------------------- scoring: only with the opt-in


def _library(tmp_path, opt_in: str | None):
    folder = tmp_path / "library"
    shutil.copytree(MINI.parent, folder)
    (folder / "phrases").mkdir()
    shutil.copy(SCENARIOS / "phrases" / "en.yaml", folder / "phrases" / "en.yaml")
    text = (folder / "mini.yaml").read_text(encoding="utf-8")
    if opt_in:
        text = text.replace("pass_mark: 70\n", f"pass_mark: 70\ncoach: {opt_in}\n")
    (folder / "mini.yaml").write_text(text, encoding="utf-8")
    return load_scenario(folder / "mini.yaml")


def _play(scenario, replies):
    # The lexical matcher takes the typed replies below as written (the semantic default weighs the "don't"
    # in "I don't know" as a refusal and may ask "Did you mean"): this is about coaching, not matching.
    session = Session(scenario, trainee="t", seed=3, matcher=get_matcher("lexical"))
    for reply in replies:
        session.reply(reply)
    assert session.finished
    return session.result()


TYPED = ["Unfortunately I don't know, so sorry, please tell me more about it", 1]
CLEAN = ["so sorry, please tell me more about it", 1]


def test_without_the_opt_in_the_debrief_coaches_and_the_scores_stay(tmp_path):
    scenario = _library(tmp_path, None)
    coached, clean = _play(scenario, TYPED), _play(scenario, CLEAN)
    assert [h.entry for h in coached.debrief[0].coaching] == ["unfortunately", "dont-know"]
    assert coached.debrief[0].coach_cut == 0
    assert coached.raw_scores == clean.raw_scores and coached.overall == clean.overall
    assert clean.debrief[0].coaching == ()


def test_with_the_opt_in_each_phrase_costs_the_competency_up_to_the_bound(tmp_path):
    clean = _play(_library(tmp_path / "a", None), CLEAN)
    one = _play(_library(tmp_path / "b", "{competency: empathy, penalty: 0.5, max_per_reply: 2}"), TYPED)
    assert one.debrief[0].coach_cut == 1.0  # two phrases × 0.5
    assert one.raw_scores["empathy"] == clean.raw_scores["empathy"] - 1.0
    assert one.raw_scores["ownership"] == clean.raw_scores["ownership"]
    assert one.competency_scores["empathy"] == 50.0 and one.overall < clean.overall
    capped = _play(_library(tmp_path / "c", "{competency: empathy, penalty: 3, max_per_reply: 1.5}"), TYPED)
    assert capped.debrief[0].coach_cut == 1.5
    assert capped.raw_scores["empathy"] == clean.raw_scores["empathy"] - 1.5


def test_a_chosen_option_is_never_coached(tmp_path):
    scenario = _library(tmp_path, "{competency: empathy, penalty: 1}")
    result = _play(scenario, [2, 1])  # "What do you want?" — the scenario's words, not the trainee's
    assert all(item.coaching == () and item.coach_cut == 0 for item in result.debrief)


def test_a_scenario_without_a_file_or_a_phrase_file_is_not_coached(tmp_path, mini):
    assert phrasebook_for(None, "en") is None
    assert phrasebook_for(mini.source, "en") is None  # tests/data/mini has no phrases/
    assert _play(mini, TYPED).debrief[0].coaching == ()


def test_the_shipped_opted_in_scenarios_count_positive_language():
    for name in ("angry-late-delivery", "reklamacja-pl-zly-klient"):
        scenario = load_scenario(SCENARIOS / f"{name}.yaml")
        assert scenario.model.coach is not None and scenario.model.coach.competency == "positive_language"
