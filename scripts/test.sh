#!/usr/bin/env bash
# The README's test command: installs what the tests need, then runs them all
# (unit, CLI, notebooks under nbval, and the practice app in a real Chromium).
# Debian packages it needs: chromium (browser tests), graphviz (`dot`, scenario diagrams), postgresql
# (the store's tests start a throwaway server of their own) and npm (JupyterHub's proxy for tests/hub).
set -euo pipefail
cd "$(dirname "$0")/.."
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v dot >/dev/null 2>&1 || missing+=(graphviz)
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || missing+=(postgresql)
command -v npm >/dev/null 2>&1 || missing+=(npm)
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
fi
# JupyterHub's proxy, for the hub's tests (tests/hub) and `roleplay hub`.
command -v configurable-http-proxy >/dev/null 2>&1 || npm install -g --silent configurable-http-proxy
python -m pip install --quiet --disable-pip-version-check -e '.[test,postgres,hub]'
# Ralph, the open-source LRS that tests/results/test_xapi_lrs.py posts the xAPI export to. It pins
# FastAPI, click and bcrypt below what the lab's environment holds, so it gets a venv of its own
# (the test makes it too when it is missing; $RALPH_VENV moves it). Its OIDC module needs requests.
ralph_venv="${RALPH_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/roleplay-lab/ralph-5.1.0}"
if ! "$ralph_venv/bin/python" -c 'import ralph, uvicorn, fastapi, bcrypt, requests' >/dev/null 2>&1; then
  python -m venv --clear "$ralph_venv"
  "$ralph_venv/bin/python" -m pip install --quiet --disable-pip-version-check 'ralph-malph[cli,lrs]==5.1.0' requests
  "$ralph_venv/bin/python" -m pip check
fi
ruff check simulator tests benchmarks
# One worker per core (at most 4); each test file runs whole on one worker, its servers with it.
python -m pytest -q -n auto --maxprocesses=4 --dist loadfile
