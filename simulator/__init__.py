"""The role-play lab: scenarios, the conversation engine, scoring, the results store and the apps.

A notebook needs only these names::

    from simulator import load_scenario, Session, open_store
    scenario = load_scenario("scenarios/angry-late-delivery.yaml")
    session = Session(scenario, trainee="anna", recorder=open_store())

The apps (``PracticeApp``, ``ReviewLab``, ``AuthorStudio``) are imported when first named, so
``import simulator`` stays light: ipywidgets and pandas load only in a notebook that uses them.
The layers are drawn in docs/architecture.md.
"""

from importlib import import_module as _import_module

from .core.engine import Recorder, Session
from .core.matching import LexicalMatcher, Match, Matcher, get_matcher, register_matcher
from .core.scenario import Scenario
from .core.scoring import Kpis, Result
from .core.turn import Turn
from .errors import LabError, Problem, ScenarioError, ScenarioErrors, ScenarioTooLarge, SessionError, StoreError
from .loading.loader import (
    LoadResult,
    check_files,
    check_paths,
    check_scenario,
    load_file,
    load_files,
    load_library,
    load_persona,
    load_scenario,
    parse_scenario,
)
from .results.store import Store, default_store_location, open_store
from .studio.diagram import Diagram
from .studio.paths import PathReport, analyse
from .studio.pathtests import PathTestOutcome, run_path_tests

__version__ = "0.1.0"

# name → module, imported on first use (PEP 562): the apps pull in ipywidgets, the review lab pandas.
_APPS = {
    "AuthorStudio": "simulator.ui.studio",
    "PracticeApp": "simulator.ui.practice",
    "ReviewLab": "simulator.ui.review",
}


def __getattr__(name: str):
    if name in _APPS:
        value = getattr(_import_module(_APPS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'simulator' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_APPS))


__all__ = [
    "AuthorStudio",
    "Diagram",
    "Kpis",
    "LabError",
    "LexicalMatcher",
    "LoadResult",
    "Match",
    "Matcher",
    "PathReport",
    "PathTestOutcome",
    "PracticeApp",
    "Problem",
    "Recorder",
    "Result",
    "ReviewLab",
    "Scenario",
    "ScenarioError",
    "ScenarioErrors",
    "ScenarioTooLarge",
    "Session",
    "SessionError",
    "Store",
    "StoreError",
    "Turn",
    "analyse",
    "check_files",
    "check_paths",
    "check_scenario",
    "default_store_location",
    "get_matcher",
    "load_file",
    "load_files",
    "load_library",
    "load_persona",
    "load_scenario",
    "open_store",
    "parse_scenario",
    "register_matcher",
    "run_path_tests",
]
