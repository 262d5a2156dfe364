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

__version__ = "0.1.0"

# name → module, imported on first use (PEP 562): ``import simulator`` costs nothing, a trainee's
# kernel imports only what the practice app uses (no SQL toolkit before the store is opened, no path
# analysis, no pandas), the apps pull in ipywidgets and the review lab pandas when named.
_LAZY = {
    **dict.fromkeys(["Recorder", "Session"], "simulator.core.engine"),
    **dict.fromkeys(
        ["LexicalMatcher", "Match", "Matcher", "get_matcher", "register_matcher"], "simulator.core.matching"
    ),
    "Scenario": "simulator.core.scenario",
    **dict.fromkeys(["Kpis", "Result"], "simulator.core.scoring"),
    "Turn": "simulator.core.turn",
    **dict.fromkeys(
        ["LabError", "Problem", "ScenarioError", "ScenarioErrors", "ScenarioTooLarge", "SessionError", "StoreError"],
        "simulator.errors",
    ),
    **dict.fromkeys(
        [
            "LoadResult",
            "check_files",
            "check_paths",
            "check_scenario",
            "load_file",
            "load_files",
            "load_library",
            "load_persona",
            "load_scenario",
            "parse_scenario",
        ],
        "simulator.loading.loader",
    ),
    **dict.fromkeys(["Store", "default_store_location", "open_store"], "simulator.results.store"),
    "Diagram": "simulator.studio.diagram",
    **dict.fromkeys(["PathReport", "analyse"], "simulator.studio.paths"),
    **dict.fromkeys(["PathTestOutcome", "run_path_tests"], "simulator.studio.pathtests"),
    "AuthorStudio": "simulator.ui.studio",
    "PracticeApp": "simulator.ui.practice",
    "ReviewLab": "simulator.ui.review",
}


def __getattr__(name: str):
    if name in _LAZY:
        value = getattr(_import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'simulator' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


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
