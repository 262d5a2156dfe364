"""The role-play lab: scenarios, the conversation engine, scoring and the results store.

A notebook needs only these names::

    from simulator import load_scenario, Session, open_store
    scenario = load_scenario("scenarios/angry-late-delivery.yaml")
    session = Session(scenario, trainee="anna", recorder=open_store())
"""

from .core.engine import Recorder, Session
from .core.matching import LexicalMatcher, Match, Matcher, get_matcher, register_matcher
from .core.scenario import Scenario
from .core.scoring import Kpis, Result
from .core.turn import Turn
from .errors import LabError, Problem, ScenarioError, ScenarioErrors, ScenarioTooLarge, SessionError, StoreError
from .loading.loader import check_files, check_paths, load_library, load_persona, load_scenario, parse_scenario
from .results.store import Store, default_store_location, open_store
from .studio.diagram import Diagram
from .studio.paths import PathReport, analyse
from .studio.pathtests import PathTestOutcome, run_path_tests

__version__ = "0.1.0"

__all__ = [
    "Diagram",
    "Kpis",
    "LabError",
    "LexicalMatcher",
    "Match",
    "Matcher",
    "PathReport",
    "PathTestOutcome",
    "Problem",
    "Recorder",
    "Result",
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
    "default_store_location",
    "get_matcher",
    "load_library",
    "load_persona",
    "load_scenario",
    "open_store",
    "parse_scenario",
    "register_matcher",
    "run_path_tests",
]
