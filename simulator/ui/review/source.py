"""The store the review lab reads: the one named, or demo data made in a temporary folder."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path
from typing import NamedTuple

from ... import settings
from ...core.scenario import Scenario
from ...loading.loader import load_library
from ...results.store import Store, open_store
from ..render import e


def _session_count(store: Store) -> int:
    return store.count_sessions()


class ReviewStore(NamedTuple):
    store: Store
    note: str  # HTML: which store this is
    demo: bool  # True: demo data made in a temporary folder


def open_review_store(
    location: str | None = None,
    *,
    scenarios: dict[str, Scenario] | None = None,
    demo: bool = False,
    trainees: int = 12,
    sessions: int = 250,
    seed: int = 7,
) -> ReviewStore:
    """The store to review, a note (HTML) saying which it is, and whether it is demo data.

    ``location``, else ``$ROLEPLAY_STORE``. When neither names a store, or it holds no
    sessions, or ``demo`` is true, a demo store is made in a temporary folder by
    ``simulator.results.demo.generate`` (simulated trainees playing the real engine) and the note
    says so.
    """
    location = location or settings.named_store()
    if demo:
        why = "You asked for demo data"
    elif location:
        store = open_store(location)
        count = _session_count(store)
        if count:
            return ReviewStore(
                store,
                f'<div class="rp-info">Reviewing <b>{count:,}</b> sessions from the results store '
                f"<code>{e(store.location)}</code>.</div>",
                False,
            )
        store.close()
        why = f"The results store <code>{e(location)}</code> has no sessions yet"
    else:
        why = "No results store is named (set <code>ROLEPLAY_STORE</code>)"
    from ...results.demo import generate

    folder = tempfile.mkdtemp(prefix="roleplay-review-demo-")
    atexit.register(shutil.rmtree, folder, True)
    store = open_store(str(Path(folder) / "demo.sqlite"))
    if scenarios is None:
        scenarios, _problems = load_library(settings.scenarios_dir())
    summary = generate(store, list(scenarios.values()), trainees=trainees, sessions=sessions, seed=seed)
    note = (
        f'<div class="rp-note"><b>Demo data.</b> {why}, so this lab shows a demo store made just now in '
        f"<code>{e(folder)}</code>: {summary.trainees} simulated trainees played {summary.sessions:,} "
        f"sessions ({summary.completed:,} completed, {summary.reviews} reviewed) through the real engine. "
        "Set <code>ROLEPLAY_STORE</code> to a store with results to review real trainees.</div>"
    )
    return ReviewStore(store, note, True)
