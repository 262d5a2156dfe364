"""The benchmark scripts (``benchmarks/*.py``) as modules, for the tests that run them."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def load(name: str):
    """``benchmarks/<name>.py`` as the module ``name``, loaded once per process (a script may add an audit hook,
    and the scripts import each other from their folder, which is put on ``sys.path``).

    Args:
        name: the script's name without ``.py``.

    Returns:
        The module.
    """
    if name not in sys.modules:
        if str(BENCHMARKS) not in sys.path:
            sys.path.append(str(BENCHMARKS))
        spec = importlib.util.spec_from_file_location(name, BENCHMARKS / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]
