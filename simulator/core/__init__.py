"""The runtime: a scenario's model and conversation rules, reply matching, the engine and scoring.

Imports nothing from the outer layers (loading, studio, results, ui): a Scenario comes in
already checked, and turns go out through the ``Recorder`` protocol.
"""
