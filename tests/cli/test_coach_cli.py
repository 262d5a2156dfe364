"""`roleplay play` shows the phrase coach's lines in its debrief (docs/phrase-coach.md)."""

from __future__ import annotations

import io

from simulator.cli import main

from ..conftest import SCENARIOS

TYPED = "Unfortunately I understand how unpleasant this is. Let me just pull up your order."


def test_play_prints_the_coaching_under_the_typed_reply(tmp_path):
    path = SCENARIOS / "angry-late-delivery.yaml"
    replies = tmp_path / "replies.txt"
    replies.write_text("".join(f"{r}\n" for r in [TYPED, *[1] * 8]), encoding="utf-8")
    out = io.StringIO()
    argv = ["play", str(path), "--replies", str(replies), "--store", str(tmp_path / "r.sqlite"), "--trainee", "anna"]
    code = main([*argv, "--seed", "1"], stdin=io.StringIO(""), stdout=out)
    assert code == 0, out.getvalue()
    debrief = out.getvalue().split("=== Debrief")[1]
    assert (
        "     Phrase coach: “Unfortunately” — It announces bad news before any news, and the customer braces for a"
        ' "no". Instead: Say what you can do first — "Here is what I can do for you…"\n'
        "     Phrase coach counted: Positive language −1\n"
    ) in debrief
    assert debrief.count("Phrase coach:") == 1  # chosen options are not coached
