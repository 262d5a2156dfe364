"""The studio's "Weak nodes" section: where typed replies go wrong, estimated and met.

Beside each node it puts two views of how well the lab understands what trainees type there:

- **estimated** — the paraphrase probes (``simulator.studio.probes``): each option's wordings held out
  in turn and matched with the scenario's matcher; the share taken for their own option, and how
  many were taken for another. Static: it needs no session, and changes as the trainer edits.
- **met** — what real sessions typed there (``Store.matching_by_node``): typed replies, and the
  shares not understood, answered with a "Did you mean …?" and corrected ("That's not what I meant").

Nodes come worst first: those with real typed replies by their not-understood and corrected share
(as the store sorts them), then those without by their estimated accuracy; a node none of whose
options has a phrasing says there is nothing to probe. ``weak_nodes`` gives the rows,
``weak_nodes_html`` the HTML, and ``WeakNodes`` the widget the studio shows under its paths.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import ipywidgets as widgets

from ...core.scenario import Scenario
from ...studio.probes import NodeProbes, ProbeReport, probe
from ..common import classed
from ..render import bar, e

__all__ = ["WeakNode", "WeakNodes", "weak_nodes", "weak_nodes_html"]


@dataclass(frozen=True)
class WeakNode:
    """One node of the "Weak nodes" list.

    Attributes:
        node: the node.
        probes: its paraphrase probes (``NodeProbes``; no probes when its options have no phrasings).
        typed: real typed replies there (0: none yet).
        not_understood: of those, not understood.
        clarified: of those, answered with a "Did you mean …?".
        corrected: of those, corrected by the trainee after being taken.
    """

    node: str
    probes: NodeProbes
    typed: int = 0
    not_understood: int = 0
    clarified: int = 0
    corrected: int = 0

    @property
    def rate(self) -> float | None:
        """(not understood + corrected) / typed: how often real replies went wrong; None with none typed."""
        return (self.not_understood + self.corrected) / self.typed if self.typed else None


def weak_nodes(report: ProbeReport, rows: Iterable[Mapping[str, Any]]) -> list[WeakNode]:
    """The scenario's nodes, worst first, with their probes and their real rates.

    Args:
        report: ``probe(scenario)``.
        rows: ``Store.matching_by_node(scenario_id)``: dicts with ``node``, ``typed``, ``not_understood``,
            ``clarified``, ``corrected`` (rows for nodes the scenario no longer has are left out).

    Returns:
        The nodes: those with real typed replies by their rate, worst first (ties: the lower estimated
        accuracy first), then the others by estimated accuracy, worst first; nothing to probe last.
    """
    real = {r["node"]: r for r in rows if r.get("scenario_id", report.scenario_id) == report.scenario_id}
    out = []
    for n in report.nodes:
        r = real.get(n.node, {})
        out.append(
            WeakNode(
                n.node,
                n,
                int(r.get("typed", 0) or 0),
                int(r.get("not_understood", 0) or 0),
                int(r.get("clarified", 0) or 0),
                int(r.get("corrected", 0) or 0),
            )
        )
    probed_order = {n.node: i for i, n in enumerate(report.nodes)}  # the report's own order: worst first

    def key(w: WeakNode) -> tuple:
        return (w.rate is None, -(w.rate or 0.0), probed_order[w.node])

    return sorted(out, key=key)


def _share(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "–"


def weak_nodes_html(report: ProbeReport, rows: Iterable[Mapping[str, Any]], where: str, w: dict[str, str]) -> str:
    """The "Weak nodes" section: a row per node, worst first, estimated accuracy beside real rates.

    Args:
        report: ``probe(scenario)``.
        rows: ``Store.matching_by_node(scenario_id)``.
        where: the store's name as the browser may be shown it (``common.store_name``).
        w: the studio's words.

    Returns:
        HTML (everything from the scenario escaped).
    """
    nodes = weak_nodes(report, rows)
    typed = sum(n.typed for n in nodes)
    intro = w["weak_intro"]
    if report.total("probes"):
        intro += " " + w["weak_estimated"].format(
            accuracy=f"{100 * report.accuracy:.0f}%", probes=report.total("probes"), other=report.total("other")
        )
    met = (
        w["weak_met"].format(typed=typed, id=e(report.scenario_id), where=e(where))
        if typed
        else w["weak_none_met"].format(id=e(report.scenario_id), where=e(where))
    )
    body = []
    for n in nodes:
        p = n.probes
        if p.accuracy is None:
            estimated = f'<td colspan="2" class="rp-weak-none">{w["weak_no_phrasings"]}</td>'
        else:
            estimated = (
                f'<td class="rp-weak-bar">{bar(100 * p.accuracy)}'
                f'<span class="rp-weak-pct">{100 * p.accuracy:.0f}%</span> '
                f'<span class="rp-muted">{p.right}/{len(p.probes)}</span></td>'
                f"<td>{p.other}</td>"
            )
        if n.typed:
            real = (
                f"<td>{n.typed}</td><td>{_share(n.not_understood, n.typed)}</td>"
                f"<td>{_share(n.clarified, n.typed)}</td><td>{_share(n.corrected, n.typed)}</td>"
            )
        else:
            real = '<td>0</td><td class="rp-muted">–</td><td class="rp-muted">–</td><td class="rp-muted">–</td>'
        bad = (
            ' class="rp-weak-worst"' if (n.rate or 0) >= 0.25 or (p.accuracy is not None and p.accuracy < 0.75) else ""
        )
        body.append(f'<tr{bad} data-node="{e(n.node)}"><th>{e(n.node)}</th>{estimated}{real}</tr>')
    head = (
        f"<tr><th>{w['weak_col_node']}</th><th>{w['weak_col_accuracy']}</th><th>{w['weak_col_other']}</th>"
        f"<th>{w['weak_col_typed']}</th><th>{w['weak_col_not_understood']}</th><th>{w['weak_col_clarified']}</th>"
        f"<th>{w['weak_col_corrected']}</th></tr>"
    )
    return (
        f'<div class="rp-weak"><h4>{w["weak_head"]}</h4><p>{intro}</p><p>{met}</p>'
        f"<table>{head}{''.join(body)}</table></div>"
    )


class WeakNodes:
    """The "Weak nodes" widget: ``show(scenario)`` probes it and reads the store's rates for it.

    The store is read once per scenario id shown in a row (an edit probes again; picking another
    scenario reads the store again).

    Attributes:
        box: the widget (an ``HTML`` classed ``rp-weak-nodes``).
        last: the last ``ProbeReport`` shown (None before any).
    """

    def __init__(self, store: Any, where: str, w: dict[str, str]):
        self.store, self.where, self.w = store, where, w
        self.box = classed(widgets.HTML(""), "rp-weak-nodes")
        self.last: ProbeReport | None = None
        self._rows: tuple[str, list[dict]] | None = None

    def rows(self, scenario_id: str) -> list[dict]:
        """The store's rates per node of a scenario (``Store.matching_by_node``), read once per scenario.

        Args:
            scenario_id: the scenario.

        Returns:
            Its rows.
        """
        if self._rows is None or self._rows[0] != scenario_id:
            self._rows = (scenario_id, list(self.store.matching_by_node(scenario_id)))
        return self._rows[1]

    def show(self, scenario: Scenario | None) -> None:
        """Show the section for a scenario (nothing for a scenario that cannot be played).

        Args:
            scenario: the scenario in the editor, or None.
        """
        if scenario is None:
            self.box.value, self.last = "", None
            return
        self.last = probe(scenario)
        self.box.value = weak_nodes_html(self.last, self.rows(scenario.id), self.where, self.w)
