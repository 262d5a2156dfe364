"""The reviewer's lab: filters, pictures and a review form over the results store.

``notebooks/review.ipynb`` shows ``lab.app``; its cells stay short. ``ReviewLab`` loads
the store with ``simulator.results.reports``, offers filters (``lab.filters``: teams, trainees,
scenarios, a date range, folded under a button beside their summary) and re-renders every view
(``lab.views``) when one changes: competency matrix, KPIs against targets, progress,
first/best/latest, item analysis, not-understood replies, certification, reviewer agreement and
self-assessment. ``lab.app`` puts them in sections behind a bar (``SECTIONS``, one shown at a
time) with the session viewer second. The session viewer opens on the latest completed session,
finds one by trainee, scenario, date or status, and shows its transcript and debrief with the
automatic and the reviewer's scores side by side; its form records a review
(``Store.add_review``), an untouched score as it was, and refreshes it all. docs/review-lab.md.

Every text from a trainee, a reviewer or a scenario is escaped: pandas Styler tables use
``format(escape="html")`` and ``format_index(escape="html")``; the rest goes through
``render.e``. The pictures are CSS and hand-made SVG (no matplotlib).

The package, one concern a module:

- ``source``: the store to review, or demo data (``open_review_store``);
- ``base``: what every view uses (the stylesheet, numbers, titles, escaped tables);
- ``charts``: the SVG pictures;
- ``views``: the views of trainees (matrix, KPIs, progress, first/best/latest, certification, self);
- ``quality``: the views of scenarios and scoring (item analysis, not understood, agreement);
- ``session``: one session as HTML;
- ``filters``, ``viewer`` (session viewer and review form), ``lab`` (``ReviewLab``): the widgets.
"""

from .base import CSS
from .charts import sparkline
from .filters import Filters
from .lab import SECTIONS, VIEWS, ReviewLab
from .quality import agreement_html, items_html, not_understood_html, trust_sentence
from .session import session_html
from .source import ReviewStore, open_review_store
from .viewer import ReviewForm, SessionViewer
from .views import (
    certification_html,
    first_best_latest_html,
    kpis_html,
    level_legend,
    matrix_html,
    progress_html,
    self_html,
)

__all__ = [
    "CSS",
    "SECTIONS",
    "VIEWS",
    "Filters",
    "ReviewForm",
    "ReviewLab",
    "ReviewStore",
    "SessionViewer",
    "agreement_html",
    "certification_html",
    "first_best_latest_html",
    "items_html",
    "kpis_html",
    "level_legend",
    "matrix_html",
    "not_understood_html",
    "open_review_store",
    "progress_html",
    "self_html",
    "session_html",
    "sparkline",
    "trust_sentence",
]
