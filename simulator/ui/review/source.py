"""The store the review lab reads: the one named, or demo data made in a temporary folder."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path
from typing import NamedTuple

from ... import settings
from ...core.scenario import Scenario
from ...errors import StoreError
from ...loading.loader import load_library
from ...results.store import Store, open_store
from ..common import store_name
from ..render import e
from .base import grouped, review_words


class ReviewStore(NamedTuple):
    """What ``open_review_store`` opened.

    Attributes:
        store: the results store to review.
        note: HTML saying which store this is (and, for demo data, why).
        demo: True when the store is demo data made in a temporary folder.
    """

    store: Store
    note: str
    demo: bool


def open_review_store(
    location: str | None = None,
    *,
    scenarios: dict[str, Scenario] | None = None,
    demo: bool = False,
    trainees: int = 12,
    sessions: int = 250,
    seed: int = 7,
    lang: str = "en",
) -> ReviewStore:
    """The store to review, a note (HTML) saying which it is, and whether it is demo data.

    When neither ``location`` nor ``$ROLEPLAY_STORE`` (``settings.named_store``) names a store, or
    it holds no sessions, or ``demo`` is true, a demo store is made in a temporary folder (removed
    at exit) by ``simulator.results.demo.generate`` (simulated trainees playing the real engine) and
    the note says so.

    Args:
        location: a SQLite file or a database URL; None: ``$ROLEPLAY_STORE``.
        scenarios: id → scenario the demo trainees play; None: the scenario library.
        demo: make demo data whatever the store holds.
        trainees: how many demo trainees.
        sessions: how many demo sessions.
        seed: the demo data's random seed (the same seed, the same data).
        lang: the note's language.

    Returns:
        A ``ReviewStore`` (store, note, demo).
    """
    w = review_words(lang)
    location = location or settings.named_store()
    if demo:
        why = w["demo_asked"]
    elif location:
        try:  # a reader never creates a store: a name with no store behind it gets demo data
            store = open_store(location, create=False)
        except StoreError:
            store = None
        count = store.count_sessions() if store is not None else 0
        if store is not None and count:
            note = w["reviewing"].format(count=grouped(count, w), location=e(store_name(store.location)))
            return ReviewStore(store, f'<div class="rp-info">{note}</div>', False)
        if store is not None:
            store.close()
        why = w["demo_empty"].format(location=e(store_name(location)))
    else:
        why = w["demo_unnamed"]
    from ...results.demo import generate

    folder = tempfile.mkdtemp(prefix="roleplay-review-demo-")
    atexit.register(shutil.rmtree, folder, True)
    store = open_store(str(Path(folder) / "demo.sqlite"))
    if scenarios is None:
        scenarios, _problems = load_library(settings.scenarios_dir())
    summary = generate(store, list(scenarios.values()), trainees=trainees, sessions=sessions, seed=seed)
    note = w["demo_note"].format(
        why=why,
        trainees=summary.trainees,
        sessions=grouped(summary.sessions, w),
        completed=grouped(summary.completed, w),
        reviews=summary.reviews,
    )
    return ReviewStore(store, f'<div class="rp-note">{note}</div>', True)
