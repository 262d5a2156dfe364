"""Suite-wide: notebooks run by nbval write to a throwaway results store, never the user's."""

import os
import tempfile


def pytest_configure(config):
    os.environ["ROLEPLAY_STORE"] = os.path.join(tempfile.mkdtemp(prefix="roleplay-test-"), "results.sqlite")
