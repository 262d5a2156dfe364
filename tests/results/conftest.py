"""The results layer's tests run against SQLite and against a real PostgreSQL server alike.

A test module that sets ``BOTH_BACKENDS = True`` has every test that takes ``store`` (and not
``store_path``, which means the SQLite file itself) run twice: on a SQLite file and on a fresh
database of a PostgreSQL server the test run starts itself.
"""

from __future__ import annotations

import inspect

import pytest

from simulator import open_store

from .. import postgres


def pytest_generate_tests(metafunc):
    asks = inspect.signature(metafunc.function).parameters
    # A test that also takes store_path reads the SQLite file itself: it stays on SQLite.
    uses_store = "store" in metafunc.fixturenames  # directly or through another fixture
    if uses_store and "store_path" not in asks and getattr(metafunc.module, "BOTH_BACKENDS", False):
        metafunc.parametrize("store", ["sqlite", "postgresql"], indirect=True)


@pytest.fixture
def store(request, store_path):
    """The results store: a SQLite file, or (parametrized) a database on the PostgreSQL server."""
    backend = getattr(request, "param", "sqlite")
    if backend == "sqlite":
        location = str(store_path)
    else:
        location = postgres.new_database(request.getfixturevalue("postgres_server"))
    s = open_store(location)
    yield s
    s.close()
