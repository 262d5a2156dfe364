"""The runtime: a scenario's model and conversation rules, reply matching, the engine and scoring.

Imports nothing from the outer layers (loading, studio, results, ui): a Scenario comes in
already checked, and turns go out through the ``Recorder`` protocol.
"""

__all__ = ["Clarification"]


def __getattr__(name: str):
    """``simulator.core.Clarification``, imported from the engine when first asked for (the package stays light)."""
    if name == "Clarification":
        from .engine import Clarification

        return Clarification
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
