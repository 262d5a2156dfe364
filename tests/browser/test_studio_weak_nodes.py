"""The studio's Weak nodes section served by `roleplay serve --app studio`, in a real Chromium."""

from __future__ import annotations

import pytest

from simulator import load_scenario
from simulator.studio.probes import probe

pytestmark = pytest.mark.browser

FIRST_RENDER_MS = 120_000  # a fresh kernel runs the whole notebook first


def test_the_studio_lists_weak_nodes_worst_first_under_the_paths(page, studio) -> None:
    server, library = studio
    first = sorted(library.glob("*.yaml"))[0]
    report = probe(load_scenario(first))
    page.goto(server.url, timeout=FIRST_RENDER_MS)
    page.wait_for_selector(".rp-weak table tr[data-node]", timeout=FIRST_RENDER_MS)
    assert "Weak nodes" in page.inner_text(".rp-weak h4")
    assert "No typed replies to" in page.inner_text(".rp-weak")  # a fresh store: the probes decide the order
    shown = page.locator(".rp-weak tr[data-node]").evaluate_all("rows => rows.map(r => r.dataset.node)")
    assert shown == [n.node for n in report.nodes]
    worst = report.nodes[0]
    first_row = page.locator(".rp-weak tr[data-node]").first.inner_text()
    assert f"{100 * worst.accuracy:.0f}%" in first_row and f"{worst.right}/{len(worst.probes)}" in first_row
    assert page.locator(".rp-weak .rp-bar").count() == sum(n.accuracy is not None for n in report.nodes)
