"""The class benchmark's trainee on the wire (benchmarks/wire.py, played by bench_class.wire_trainee) plays
the practice app as a page does: the server records its session like any other, so
``bench_class.py --browsers K`` loads the server as N real pages would."""

from __future__ import annotations

import asyncio
import concurrent.futures
import time

import pytest

from ..benchscripts import load


def run(coroutine):
    """Run a coroutine to its end in a thread of its own: Playwright's sync API keeps an event loop running in
    this one when browser tests ran before."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def test_a_trainee_on_the_wire_plays_to_the_debrief_and_every_turn_is_stored(server, results, monkeypatch) -> None:
    bench = load("bench_class")
    monkeypatch.setattr(bench, "THINK_S", (0.0, 0.0))
    trainee = bench.Trainee("wire-anna", arrival=0.0, wire=True)
    opened = []
    gate = bench.Gate(1, lambda: opened.append(True))
    url = f"{server.url}?scenario=angry-late-delivery&trainee={trainee.name}"

    async def play() -> None:
        try:
            await bench.wire_trainee(url, ["/voila/static/voila.js"], trainee, True, time.monotonic(), gate)
        finally:
            await trainee._page.close()

    run(play())
    assert trainee.error == "" and opened == [True], trainee.error
    assert trainee.kernel and trainee.first > 0 and len(trainee.clicks) >= 3, trainee
    assert all(0 < click < 30 for click in trainee.clicks), trainee.clicks
    [session] = results.sessions(trainee="wire-anna")
    assert session["status"] == "completed"
    assert [t["option_index"] for t in results.turns(session["id"])] == [0] * len(trainee.clicks)  # option 1


def test_a_page_or_a_file_that_is_not_there_is_a_clear_error(server) -> None:
    wire = load("wire")
    page = wire.WirePage(server.url + "voila/render/nothing-here.ipynb", [])
    with pytest.raises(wire.WireError, match=r"nothing-here.ipynb: HTTP 4\d\d"):
        run(page.open(10))
    page = wire.WirePage(server.url + "?scenario=angry-late-delivery&trainee=wire-ben", ["/voila/static/nothing.js"])
    with pytest.raises(wire.WireError, match=r"/voila/static/nothing.js: HTTP 4\d\d"):
        run(page.open(60))
