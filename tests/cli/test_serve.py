"""`roleplay serve` and the lab's Voila server (simulator.webapp) in-process: the command it runs and
the names and origins it answers. tests/browser/test_serving_safely.py runs real servers."""

from __future__ import annotations

import io

from simulator import serve as serve_module
from simulator.cli import main
from simulator.serve import NOTEBOOKS, page_address, voila_command

NOTEBOOK = NOTEBOOKS / "practice.ipynb"
COMMON = {"port": 8866, "ip": "127.0.0.1", "token": None, "preheat": True, "pool_size": 2, "theme": "light"}


def test_the_command_runs_the_labs_voila_server_with_xsrf_checked():
    command = voila_command(NOTEBOOK, cull_idle=1800, allow_hosts=["lab.example", "10.0.0.5"], **COMMON)
    assert command[1:4] == ["-m", "simulator.webapp", str(NOTEBOOK)]
    assert "--allow-host=lab.example" in command and "--allow-host=10.0.0.5" in command
    assert not [arg for arg in command if "xsrf" in arg.lower()], command


def test_the_address_printed_is_one_a_browser_can_open():
    assert page_address("localhost", 8866, None) == "http://127.0.0.1:8866/"
    assert page_address("::1", 8866, None) == "http://[::1]:8866/"
    assert page_address("10.0.0.5", 9000, "t0k") == "http://10.0.0.5:9000/?token=t0k"


def test_serve_passes_its_options_on_and_prints_the_address(tmp_path, monkeypatch):
    ran = []
    monkeypatch.setattr(serve_module.os, "chdir", lambda path: None)
    monkeypatch.setattr(serve_module.os, "execve", lambda path, args, env: ran.append(args))
    out = io.StringIO()
    args = ["serve", "--port", "8999", "--store", str(tmp_path / "r.sqlite")]
    assert main([*args, "--allow-host", "lab.example", "--allow-host", "lab"], stdout=out) == 0
    assert out.getvalue().splitlines()[0] == "Practice app: http://127.0.0.1:8999/"
    [command] = ran
    assert "--port=8999" in command
    assert "--allow-host=lab.example" in command and "--allow-host=lab" in command


# ---------------------------------------------------------------- simulator.webapp


def test_only_the_served_names_are_answered():
    from simulator.webapp import host_allowed, served_names

    names = served_names("127.0.0.1", ["Lab.Example"])
    for host in ("127.0.0.1:8866", "localhost:8866", "LOCALHOST", "[::1]:8866", "lab.example:8866", "localhost."):
        assert host_allowed(host, names), host
    for host in (
        "evil.example:8866",
        "127.0.0.1.evil.example",
        "localhost.evil.example:8866",
        "lab.example.evil:8866",
        "127.0.0.2:8866",
        "",
        None,
    ):
        assert not host_allowed(host, names), host
    assert host_allowed("10.0.0.5:8866", served_names("10.0.0.5"))


def test_only_the_pages_own_origin_may_change_state():
    from simulator.webapp import origin_allowed

    host = "127.0.0.1:8866"
    assert origin_allowed("http://127.0.0.1:8866", host) and origin_allowed(None, host)
    for origin in ("http://evil.example:8866", "http://127.0.0.1:8867", "null", "file://", "ws://127.0.0.1:8866"):
        assert not origin_allowed(origin, host), origin
