"""`roleplay export --format xapi --lrs URL` against a real LRS: Ralph (the open-source LRS from
PyPI, ``ralph-malph``), started by the test on a free port with its filesystem backend in a
temporary folder and a basic-auth credentials file made by ``ralph auth``.

Ralph's dependencies are pinned tightly (FastAPI, httpx…), so it lives in a virtual environment of
its own, ``~/.cache/roleplay-lab/ralph-5.1.0`` ($RALPH_VENV overrides it), which scripts/test.sh
makes and the tests make too when it is missing. Ralph 5.1.0's filesystem LRS backend creates its
statements file on the first write and refuses every later one ("already exists and overwrite is
not allowed"); the test's launcher makes it append instead, which is what an LRS does.
"""

from __future__ import annotations

import base64
import io
import json
import os
import shutil
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from simulator import Session, check_paths, load_scenario, open_store
from simulator.cli import main
from simulator.results.demo import generate
from simulator.results.export import collect, xapi

from ..conftest import MINI, SCENARIOS

RALPH = "ralph-malph[cli,lrs]==5.1.0"
RALPH_EXTRA = ["requests"]  # its OIDC module imports requests, which its lrs extra leaves out
VENV = Path(
    os.environ.get("RALPH_VENV")
    or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "roleplay-lab" / "ralph-5.1.0"
)
USER, PASSWORD = "roleplay-export", "a long test password"
KEPT_BY_THE_LRS = ("stored", "authority", "version")  # what an LRS adds to a statement
LAUNCHER = """
import sys
import uvicorn
from ralph.backends.data.base import BaseOperationType
from ralph.backends.lrs.fs import FSLRSBackend

FSLRSBackend.default_operation_type = BaseOperationType.APPEND  # see this test module's docstring
uvicorn.run("ralph.api:app", host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
"""


def ralph_python() -> Path:
    """The Python of Ralph's own environment, made (once) when it is missing."""
    python = VENV / "bin" / "python"
    probe = "import importlib.metadata as m, uvicorn, fastapi, bcrypt, requests; print(m.version('ralph-malph'))"
    check = [str(python), "-c", probe]
    if python.exists() and subprocess.run(check, capture_output=True, text=True).stdout.strip() == "5.1.0":
        return python
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(VENV)], check=True, capture_output=True)
    pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", RALPH, *RALPH_EXTRA]
    done = subprocess.run(pip, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    subprocess.run([str(python), "-m", "pip", "check"], check=True, capture_output=True)
    return python


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Ralph:
    """One Ralph LRS: its folder, port and process."""

    def __init__(self, folder: Path, port: int | None = None):
        self.python = ralph_python()
        self.folder, self.port = folder, port or free_port()
        self.url = f"http://127.0.0.1:{self.port}/xAPI"
        self.env = dict(
            os.environ,
            RALPH_APP_DIR=str(folder / "app"),
            RALPH_AUTH_FILE=str(folder / "auth.json"),
            RALPH_RUNSERVER_BACKEND="fs",
            RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH=str(folder / "statements"),
            RALPH_BACKENDS__DATA__FS__DEFAULT_DIRECTORY_PATH=str(folder / "statements"),
        )
        (folder / "statements").mkdir(parents=True, exist_ok=True)
        # The basic-auth credentials file, as an LRS administrator makes it.
        auth = [str(self.python.parent / "ralph"), "auth", "-u", USER, "-p", PASSWORD, "-s", "all"]
        auth += ["-M", "mailto:lrs-admin@example.org", "-w"]
        done = subprocess.run(auth, env=self.env, cwd=folder, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr[-2000:]
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        with (self.folder / "ralph.log").open("w") as log:  # the child keeps its own copy
            self.process = subprocess.Popen(
                [str(self.python), "-c", LAUNCHER, str(self.port)],
                env=self.env,
                cwd=self.folder,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = datetime.now(UTC).timestamp() + 90
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/__heartbeat__", timeout=2) as answer:
                    if answer.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            try:
                self.process.wait(timeout=0.1)  # the pause between polls, and a start that failed
            except subprocess.TimeoutExpired:
                pass
            else:
                raise AssertionError("Ralph stopped: " + (self.folder / "ralph.log").read_text()[-3000:])
            assert datetime.now(UTC).timestamp() < deadline, "Ralph did not answer its heartbeat in 90 s"

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def get(self, path: str, password: str = PASSWORD) -> dict:
        token = base64.b64encode(f"{USER}:{password}".encode()).decode()
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{path}",
            headers={"Authorization": f"Basic {token}", "X-Experience-API-Version": "1.0.3"},
        )
        with urllib.request.urlopen(request, timeout=30) as answer:
            return json.load(answer)

    def statements(self) -> list[dict]:
        """Every statement the LRS holds (GET /xAPI/statements, page after page)."""
        found, page = [], "/xAPI/statements?limit=100"
        while page:
            answer = self.get(page)
            found += answer["statements"]
            page = answer.get("more") if answer["statements"] else None
        return found


@pytest.fixture
def ralph(tmp_path: Path) -> Iterator[Ralph]:
    lrs = Ralph(tmp_path / "ralph")
    lrs.start()
    yield lrs
    lrs.stop()
    shutil.rmtree(tmp_path / "ralph", ignore_errors=True)


@pytest.fixture
def credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROLEPLAY_LRS_USER", USER)
    monkeypatch.setenv("ROLEPLAY_LRS_PASSWORD", PASSWORD)
    monkeypatch.delenv("ROLEPLAY_XAPI_IRI", raising=False)
    monkeypatch.delenv("ROLEPLAY_SALT", raising=False)


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory) -> Path:
    """A demo store: simulated trainees playing the shipped scenarios, clicked and typed replies."""
    scenarios, problems = check_paths([SCENARIOS])
    assert not problems
    path = tmp_path_factory.mktemp("demo") / "demo.sqlite"
    store = open_store(str(path))
    try:
        generate(store, scenarios, trainees=3, sessions=24, seed=11, until=datetime(2026, 3, 2, tzinfo=UTC), workers=1)
    finally:
        store.close()
    return path


def export_to(lrs_url: str, store: Path, *extra: str) -> list[str]:
    stdout = io.StringIO()
    code = main(["export", "--format", "xapi", "--store", str(store), "--lrs", lrs_url, *extra], stdout=stdout)
    assert code == 0, stdout.getvalue()
    return stdout.getvalue().splitlines()


def as_sent(statement: dict) -> dict:
    return {k: v for k, v in statement.items() if k not in KEPT_BY_THE_LRS}


def test_a_demo_stores_statements_are_accepted_and_read_back_as_sent(ralph, credentials, demo_store, tmp_path):
    out_file = tmp_path / "statements.json"
    printed = export_to(ralph.url, demo_store, "--out", str(out_file), "--lrs-batch", "40")
    sent = json.loads(out_file.read_text(encoding="utf-8"))
    n = len(sent)
    assert n > 100  # several batches
    assert printed[1:] == [
        f"  {n} xAPI 1.0.3 statements",
        f"  LRS {ralph.url}/statements: {n} sent, {n} accepted, 0 already in the LRS",
    ]
    held = ralph.statements()
    assert len(held) == n
    by_id = {st["id"]: st for st in held}
    assert sorted(by_id) == sorted(st["id"] for st in sent)
    for st in sent:
        assert as_sent(by_id[st["id"]]) == st
    # Typed and clicked replies on one node: one definition, as sent and as the LRS holds it.
    kinds: dict[str, set[str]] = {}
    for st in held:
        if st["verb"]["id"].endswith("/answered"):
            kind = st["result"]["extensions"][xapi.XAPI_EXTENSION + "reply-kind"]
            kinds.setdefault(st["object"]["id"], set()).add(kind)
    both = [node for node, seen in kinds.items() if seen == {"option", "text"}]
    assert both, kinds
    for node in both:
        assert len({json.dumps(st["object"]["definition"]) for st in held if st["object"]["id"] == node}) == 1


def test_plain_and_pseudonymized_exports_both_go_to_one_lrs_and_a_second_post_is_already_there(
    ralph, credentials, demo_store
):
    plain = export_to(ralph.url, demo_store)
    n = int(plain[1].split()[0])
    assert plain[2] == f"  LRS {ralph.url}/statements: {n} sent, {n} accepted, 0 already in the LRS"
    hidden = export_to(ralph.url, demo_store, "--pseudonymize")
    assert hidden[2] == f"  LRS {ralph.url}/statements: {n} sent, {n} accepted, 0 already in the LRS"  # no 409
    again = export_to(ralph.url + "/", demo_store)
    assert again[2] == f"  LRS {ralph.url}/statements: {n} sent, 0 accepted, {n} already in the LRS"
    held = ralph.statements()
    assert len(held) == len({st["id"] for st in held}) == 2 * n
    names = {st["actor"]["account"]["name"] for st in held}
    assert len([name for name in names if name.startswith("trainee-")]) == 3 and len(names) == 6


def test_a_statement_the_lrs_holds_otherwise_is_reported_not_a_crash(ralph, credentials, tmp_path, monkeypatch):
    """A trainee corrects a typed reply ("that's not what I meant") after the export was sent: its
    statement changed, the LRS answers 409 Conflict for it and keeps its own; the rest goes in."""
    monkeypatch.setenv("ROLEPLAY_SCENARIOS", str(MINI.parent))
    path = tmp_path / "store.sqlite"
    store = open_store(str(path))
    try:
        session = Session(load_scenario(MINI), trainee="Zofia Kowalska", seed=1, recorder=store)
        session.reply("so sorry, please tell me more about it")
        assert session.correctable
        first = export_to(ralph.url, path)
        assert first[2].endswith(": 2 sent, 2 accepted, 0 already in the LRS")
        session.correct(2)
        session.reply(1)
    finally:
        store.close()
    second = export_to(ralph.url, path)
    # attempted (held as it was), the corrected answer (held otherwise), the next answer, passed, completed
    assert second[1] == "  5 xAPI 1.0.3 statements"
    assert second[2] == (
        f"  LRS {ralph.url}/statements: 5 sent, 3 accepted, 2 already in the LRS "
        "(1 of them as an earlier export wrote them: 409 Conflict, the LRS keeps its own)"
    )
    assert len(ralph.statements()) == 5


def test_a_wrong_password_is_one_clear_line(ralph, credentials, demo_store, capsys, monkeypatch):
    monkeypatch.setenv("ROLEPLAY_LRS_PASSWORD", "not the password")
    code = main(["export", "--format", "xapi", "--store", str(demo_store), "--lrs", ralph.url], stdout=io.StringIO())
    assert code == 1
    assert capsys.readouterr().err == (
        f"roleplay: the LRS at {ralph.url}/statements answered HTTP 401: Invalid authentication credentials\n"
    )
    assert ralph.statements() == []
    # The option wins over the environment.
    printed = export_to(ralph.url, demo_store, "--lrs-password", PASSWORD)
    assert " accepted, 0 already in the LRS" in printed[2]


def test_an_lrs_not_up_yet_is_tried_again(tmp_path, demo_store):
    """The first request finds nobody listening; while the export waits to try again, the LRS starts."""
    lrs = Ralph(tmp_path / "late")
    store = open_store(str(demo_store), create=False)
    try:
        statements = xapi.xapi_statements(collect(store))[:10]
    finally:
        store.close()
    waits: list[float] = []

    def wait(seconds: float) -> None:
        waits.append(seconds)
        if lrs.process is None:
            lrs.start()

    try:
        upload = xapi.post_statements(statements, lrs.url, user=USER, password=PASSWORD, wait=wait)
        assert (upload.sent, upload.accepted, upload.already, upload.batches) == (10, 10, 0, 2)
        assert waits == [1]
        assert sorted(st["id"] for st in lrs.statements()) == sorted(st["id"] for st in statements)
    finally:
        lrs.stop()


pytestmark = pytest.mark.slow
