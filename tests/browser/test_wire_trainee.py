"""The class benchmark's trainee on the wire (benchmarks/wire.py) plays the practice app as a page does:
the server records its session like any other, so ``bench_class.py --browsers K`` loads the server as K
pages in Chromium and N - K real pages would."""

from __future__ import annotations

import asyncio
import importlib.util
import sys
from pathlib import Path

import pytest

WIRE = Path(__file__).resolve().parents[2] / "benchmarks" / "wire.py"


def load_wire():
    if "wire" not in sys.modules:
        spec = importlib.util.spec_from_file_location("wire", WIRE)
        module = importlib.util.module_from_spec(spec)
        sys.modules["wire"] = module
        spec.loader.exec_module(module)
    return sys.modules["wire"]


def test_a_trainee_on_the_wire_plays_to_the_debrief_and_every_turn_is_stored(server, results) -> None:
    wire = load_wire()
    assets = ["/voila/static/voila.js"]

    async def play() -> tuple[str, int, int]:
        page = wire.WirePage(f"{server.url}?scenario=angry-late-delivery&trainee=wire-anna", assets)
        w = page.widgets
        try:
            await page.open(60)
            await w.until(lambda: any(not w.states[m].get("disabled") for m in w.with_class("rp-start")), 60)
            page.click(w.with_class("rp-start")[0])
            await w.until(lambda: wire.first_choice(w) is not None and wire.idle(w), 60)
            clicks = 0
            while not w.html_containing("rp-score-value"):
                before = wire.customer_lines(w)
                page.click(wire.first_choice(w))
                clicks += 1
                await w.until(lambda before=before: wire.customer_lines(w) > before, 30)
                await w.until(lambda: wire.idle(w), 30)
                assert clicks < 30, "no debrief after 30 replies"
            return page.kernel, clicks, wire.customer_lines(w)
        finally:
            await page.close()

    kernel, clicks, lines = asyncio.run(play())
    assert kernel and clicks >= 3 and lines > clicks, (kernel, clicks, lines)  # the debrief shows them again
    [session] = results.sessions(trainee="wire-anna")
    assert session["status"] == "completed"
    assert [t["option_index"] for t in results.turns(session["id"])] == [0] * clicks  # option 1, 0-based


def test_a_page_that_is_not_there_is_a_clear_error(server) -> None:
    wire = load_wire()
    page = wire.WirePage(server.url + "voila/render/nothing-here.ipynb", [])
    with pytest.raises(wire.WireError, match=r"nothing-here.ipynb: HTTP 4\d\d"):
        asyncio.run(page.open(10))
    page = wire.WirePage(server.url + "?scenario=angry-late-delivery&trainee=wire-ben", ["/voila/static/nothing.js"])
    with pytest.raises(wire.WireError, match=r"/voila/static/nothing.js: HTTP 4\d\d"):
        asyncio.run(page.open(60))
