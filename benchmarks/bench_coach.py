"""Benchmark of the phrase coach (docs/phrase-coach.md): what it costs a trainee's kernel and a reply.

Run from the repository root::

    python benchmarks/bench_coach.py            # about half a minute
    python benchmarks/bench_coach.py --quick    # a few seconds

Figures, each with a baseline measured in the same run:

- import: ``import simulator.core.coach`` in a fresh process (the standard library it needs
  imported first, as any kernel has it), against ``import simulator.core.turn``, the smallest
  module of the runtime; the bytecode is written to a temporary folder first, as an installed
  package has it;
- reading and compiling each shipped phrase file (what the first debrief of a language pays);
- ``coach()`` on a typical typed reply, a Polish one (dictionary forms), and a 10,000-character
  reply, against the engine taking the same typed reply (``Session.reply``, matcher included).

Times are medians (min for imports, which the shared machine makes noisy). No pytest needed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from simulator import Session, load_scenario  # noqa: E402
from simulator.core import coach as coach_module  # noqa: E402

SCENARIOS = ROOT / "scenarios"
EN_REPLY = "Unfortunately I don't know where it is, you must wait — it's not our fault, as I said."
PL_REPLY = "Niestety nie wiem, gdzie jest paczka, musi Pan poczekać — to nie nasza wina, proszę się uspokoić."
LONG_REPLY = ("Let me check the order for you. Unfortunately the courier is late. " * 200)[:10_000]


def _import_ms(module: str, repeat: int, env: dict[str, str]) -> float:
    code = (
        "import time, re, dataclasses, pathlib, unicodedata, functools, __future__; "
        f"t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    )
    times = [
        float(subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout)
        for _ in range(repeat)
    ]
    return 1000 * min(times)


def _median_us(call, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        call()
        times.append(time.perf_counter() - t)
    return 1e6 * statistics.median(times)


def _session_reply(scenario, text: str):
    def call():
        Session(scenario, trainee="bench", seed=0).reply(text)

    return call


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    args = parser.parse_args()
    repeat = 5 if args.quick else 15
    calls = 30 if args.quick else 200

    with tempfile.TemporaryDirectory() as pyc:
        env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONPYCACHEPREFIX": pyc}
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        for module in ("simulator.core.coach", "simulator.core.turn"):  # write the bytecode once
            subprocess.run([sys.executable, "-c", f"import {module}"], env=env, check=True)
        coach_ms = _import_ms("simulator.core.coach", repeat, env)
        turn_ms = _import_ms("simulator.core.turn", repeat, env)
    print(
        f"import simulator.core.coach   {coach_ms:7.2f} ms   (baseline import simulator.core.turn {turn_ms:.2f} ms,"
        f" ratio {coach_ms / turn_ms:.2f})"
    )

    for language in ("en", "pl"):
        path = SCENARIOS / "phrases" / f"{language}.yaml"
        t = time.perf_counter()
        coach_module._read(path)  # what the first debrief in the language pays: YAML, checks, compiling
        print(f"read and compile {language}.yaml     {1000 * (time.perf_counter() - t):7.2f} ms")

    en = coach_module.load_phrasebook(SCENARIOS / "phrases" / "en.yaml")
    pl = coach_module.load_phrasebook(SCENARIOS / "phrases" / "pl.yaml")
    english = load_scenario(SCENARIOS / "angry-late-delivery.yaml")
    polish = load_scenario(SCENARIOS / "reklamacja-pl-zly-klient.yaml")
    coach_module.coach(PL_REPLY, pl)  # simplemma's Polish dictionary, once
    rows = [
        ("coach() English reply", lambda: coach_module.coach(EN_REPLY, en), _session_reply(english, EN_REPLY)),
        ("coach() Polish reply", lambda: coach_module.coach(PL_REPLY, pl), _session_reply(polish, PL_REPLY)),
        ("coach() 10,000 characters", lambda: coach_module.coach(LONG_REPLY, en), _session_reply(english, LONG_REPLY)),
    ]
    for label, call, baseline in rows:
        ours, base = _median_us(call, calls), _median_us(baseline, calls)
        print(
            f"{label:<29} {ours:9.1f} µs  (baseline Session.reply of the same text {base:.1f} µs, "
            f"ratio {ours / base:.2f})"
        )


if __name__ == "__main__":
    main()
