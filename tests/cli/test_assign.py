"""``roleplay assign``: assignments from the command line (make, list, report, remove)."""

from __future__ import annotations

import io

from simulator import Session, load_scenario, open_store
from simulator.cli import main

from ..conftest import MINI


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def test_assign_list_report_and_remove(tmp_path):
    db = str(tmp_path / "r.sqlite")
    code, out, _ = run("assign", "mini", "--group", "class-a", "--due", "2099-01-31", "--mode", "assessment",
                       "--attempts", "2", "--store", db)  # fmt: skip
    assert code == 0 and out == "assignment 1: mini to class-a, due 2099-01-31T23:59:59+00:00\n"
    code, out, _ = run("assign", "--list", "--store", db)
    assert code == 0 and "1   mini      class-a  2099-01-31T23:59:59+00:00  assessment  2" in out
    store = open_store(db)
    store.set_groups("anna", ["class-a"])
    session = Session(load_scenario(MINI), trainee="anna", recorder=store.assigned(1))
    session.reply(1)
    session.reply(1)
    store.close()
    code, out, _ = run("assign", "--report", "--store", db)
    assert code == 0 and out.splitlines()[1].startswith(
        "1,mini,class-a,2099-01-31T23:59:59+00:00,assessment,anna,on_time,1,100.0,"
    )
    assert run("assign", "--remove", "1", "--store", db)[:2] == (0, "removed assignment 1\n")
    assert run("assign", "--remove", "1", "--store", db) == (1, "", "roleplay: no assignment 1\n")


def test_assign_says_what_it_needs(tmp_path):
    db = str(tmp_path / "r.sqlite")
    code, _out, err = run("assign", "mini", "--store", db)
    assert (
        code == 1 and err == "roleplay: assign needs a scenario, --group and --due (or --list, --remove ID, --report)\n"
    )
    code, _out, err = run("assign", "mini", "--group", "g", "--due", "soon", "--store", db)
    assert code == 1 and err == "roleplay: an assignment's due time is an ISO date or time, not 'soon'\n"
