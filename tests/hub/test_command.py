"""`roleplay hub`: what it refuses before JupyterHub starts, and the config it writes for JupyterHub."""

from __future__ import annotations

import io
import runpy
import stat

import pytest
from traitlets.config import Config

from simulator.cli import main
from simulator.hub.config import configure

from ..conftest import MINI


def run(args: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    return main(["hub", *args], stdout=out, stderr=err), out.getvalue(), err.getvalue()


def test_native_sign_in_needs_an_admin(tmp_path):
    code, _out, err = run(["--data", str(tmp_path / "hub"), "--store", str(tmp_path / "r.sqlite")])
    assert code == 1 and "--admin NAME" in err
    assert not (tmp_path / "hub").exists()


def test_lti_needs_the_lms_settings(tmp_path):
    code, _out, err = run(["--auth", "lti13", "--lti-issuer", "https://lms.example.org", "--data", str(tmp_path)])
    assert code == 1
    assert "LTI 1.3 needs --lti-client-id, --lti-authorize-url, --lti-jwks-url" in err


def test_the_command_writes_the_config_and_starts_jupyterhub(tmp_path, monkeypatch):
    started = []
    monkeypatch.setattr("simulator.hub.launch.os.execve", lambda *a: started.append(a))
    monkeypatch.setattr("simulator.hub.launch.os.chdir", lambda *a: None)
    data, store = tmp_path / "hub", tmp_path / "results.sqlite"
    args = ["--admin", "alice", "--data", str(data), "--store", str(store), "--scenarios", str(MINI.parent)]
    code, out, _err = run([*args, "--port", "18000"])
    assert code == 0
    assert out.splitlines()[0] == "JupyterHub: http://127.0.0.1:18000/hub/ · sign-in: native · admin: alice"
    config = data / "jupyterhub_config.py"
    assert stat.S_IMODE(config.stat().st_mode) == 0o600  # it names the store
    ((_executable, command, _env),) = started
    assert command[1:] == ["-m", "jupyterhub", "-f", str(config)]
    c = Config()
    runpy.run_path(str(config), init_globals={"get_config": lambda: c})
    assert c.JupyterHub.bind_url == "http://127.0.0.1:18000/"
    assert c.JupyterHub.authenticator_class == "nativeauthenticator.NativeAuthenticator"
    assert c.NativeAuthenticator.open_signup is False and c.Authenticator.admin_users == {"alice"}
    assert c.LabRoles.store == str(store) and c.LabRoles.scenarios == str(MINI.parent)
    assert c.JupyterHub.db_url == f"sqlite:///{data / 'jupyterhub.sqlite'}"
    assert set(c.JupyterHub.load_groups) == {"trainees", "trainers", "reviewers"}


def test_an_unknown_sign_in_is_refused():
    with pytest.raises(ValueError, match="native or lti13"):
        configure(Config(), data="/tmp/x", store="s", scenarios="d", auth="ldap")
