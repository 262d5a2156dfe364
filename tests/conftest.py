"""Small, layered fixtures: paths, a hand-checked mini scenario, a controllable clock, a store."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator import load_scenario, open_store

from . import postgres

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
MINI = ROOT / "tests" / "data" / "mini" / "mini.yaml"


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self, start: float = 1000.0):
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(scope="session")
def mini():
    return load_scenario(MINI)


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    return tmp_path / "results.sqlite"


@pytest.fixture
def store(store_path: Path):
    s = open_store(str(store_path))
    yield s
    s.close()


@pytest.fixture(autouse=True)
def _isolated_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test ever writes to the user's real results store."""
    monkeypatch.setenv("ROLEPLAY_STORE", str(tmp_path / "default-store.sqlite"))


@pytest.fixture(scope="session")
def postgres_server():
    """A throwaway PostgreSQL server for the whole run (tests/postgres.py); yields its base URL."""
    with postgres.server() as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    """One Chromium for the whole run (tests/browser and tests/hub): Playwright's sync API runs once a process."""
    from playwright.sync_api import sync_playwright

    from .browser.conftest import CHROMIUM, CHROMIUM_ARGS

    # No skip: without Chromium the browser tests fail, saying how to install it.
    if not Path(CHROMIUM).exists():
        pytest.fail(f"no Chromium at {CHROMIUM}: `bash scripts/test.sh` installs it (apt-get install -y chromium)")
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
