"""A trainee on the wire: what a practice page asks of the server, without a browser to run it.

``bench_class.py --browsers K`` plays K trainees in Chromium and the rest with this: the server meets the
same requests (the page, every script and style a real page fetched, the kernel's websocket, the widgets'
states, a click a turn) while the trainees' browsers cost the benchmark's two cores nothing, as when each
trainee sits at a machine of their own. It sends what a real page was seen to send (``kernel_info_request``;
the ``jupyter.widget.control`` comm opened, ``request_states``, closed; a button's ``custom`` click) in
Jupyter's v1 kernel websocket protocol, as JupyterLab's and Voila's pages do, and keeps every widget's state
from ``update_states``, ``comm_open``, ``update`` / ``echo_update`` and ``comm_close``.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
import urllib.parse
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

perf = time.perf_counter
CONFIG = re.compile(r'<script[^>]*id="jupyter-config-data"[^>]*>(.*?)</script>', re.S)
ASSET_CONNECTIONS = 6  # a browser's connections to one host


class WireError(RuntimeError):
    """The page or the kernel did not do what a page would have seen it do."""


@dataclass
class Widgets:
    """The page's widget models, kept up to date from the kernel's messages."""

    states: dict[str, dict] = field(default_factory=dict)
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    broken: str = ""  # why the kernel's messages stopped (the websocket closed, a frame not understood)

    def with_class(self, css: str) -> list[str]:
        return [mid for mid, s in self.states.items() if css in s.get("_dom_classes", ())]

    def one(self, css: str) -> dict | None:
        found = self.with_class(css)
        return self.states[found[0]] if found else None

    def children(self, mid: str) -> list[str]:
        return [c.removeprefix("IPY_MODEL_") for c in self.states.get(mid, {}).get("children", ())]

    def html_containing(self, needle: str) -> int:
        """How many times ``needle`` occurs in the widgets' values (an HTML widget's markup)."""
        return sum(s["value"].count(needle) for s in self.states.values() if isinstance(s.get("value"), str))

    async def until(self, test, timeout: float) -> float:
        """Wait until ``test()`` is true; the time it became true (``perf()``)."""
        deadline = perf() + timeout
        while not test():
            if self.broken:
                raise WireError(self.broken)
            self.changed.clear()
            left = deadline - perf()
            if left <= 0:
                raise TimeoutError
            try:
                await asyncio.wait_for(self.changed.wait(), left)
            except TimeoutError:
                if not test():
                    raise
        return perf()


SUBPROTOCOL = "v1.kernel.websocket.jupyter.org"


def _message(msg_type: str, content: dict, session: str, channel: str = "shell", metadata: dict | None = None):
    """A message in the v1 framing (the server's own functions frame and read it)."""
    from jupyter_server.services.kernels.connection.base import serialize_msg_to_ws_v1

    header = {
        "msg_id": uuid.uuid4().hex,
        "username": "wire",
        "session": session,
        "msg_type": msg_type,
        "version": "5.3",
        "date": datetime.now(UTC).isoformat(),
    }
    return serialize_msg_to_ws_v1([json.dumps(x).encode() for x in (header, {}, metadata or {}, content)], channel)


def _decode(frame: bytes) -> tuple[str, dict, dict]:
    """(channel, header, content) of a v1 frame (buffers, if any, are not read)."""
    from jupyter_server.services.kernels.connection.base import deserialize_msg_from_ws_v1

    channel, parts = deserialize_msg_from_ws_v1(frame)
    return channel, json.loads(parts[0]), json.loads(parts[3])


class WirePage:
    """One page, opened over HTTP and the kernel's websocket.

    Args:
        url: the page's address.
        assets: the paths (with query) of what a real page fetched besides itself, fetched in turn.
    """

    def __init__(self, url: str, assets: list[str]):
        self.url, self.assets = url, assets
        parts = urllib.parse.urlsplit(url)
        self.origin = f"{parts.scheme}://{parts.netloc}"
        self.cookies: dict[str, str] = {}
        self.kernel = ""
        self.widgets = Widgets()
        self.session = uuid.uuid4().hex
        self._socket = None
        self._reader: asyncio.Task | None = None

    def _headers(self) -> dict[str, str]:
        cookie = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        return {"Cookie": cookie} if cookie else {}

    def _keep_cookies(self, response) -> None:
        for header in response.headers.get_list("Set-Cookie"):
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]

    async def open(self, timeout: float) -> None:
        """Fetch the page and its assets and connect to its kernel; returns once the widgets' states came."""
        from tornado.httpclient import AsyncHTTPClient, HTTPRequest
        from tornado.websocket import websocket_connect

        client = AsyncHTTPClient(max_clients=64)
        response = await client.fetch(
            HTTPRequest(self.url, headers=self._headers(), request_timeout=timeout, follow_redirects=True),
            raise_error=False,
        )
        if response.code != 200:
            raise WireError(f"the page {self.url}: HTTP {response.code} {response.reason}")
        self._keep_cookies(response)
        html = response.body.decode("utf-8", "replace")
        found = CONFIG.search(html)
        if not found:
            raise WireError("the page has no jupyter-config-data")
        self.kernel = json.loads(found.group(1)).get("kernelId") or ""
        if not self.kernel:
            raise WireError("the page names no kernel")
        queue = list(self.assets)

        async def fetch_assets() -> None:
            while queue:
                path = queue.pop(0)
                got = await client.fetch(
                    HTTPRequest(self.origin + path, headers=self._headers(), request_timeout=timeout),
                    raise_error=False,
                )
                if got.code >= 400:
                    raise WireError(f"{path}: HTTP {got.code}")

        await asyncio.gather(*(fetch_assets() for _ in range(ASSET_CONNECTIONS)))
        kernel = await client.fetch(
            HTTPRequest(f"{self.origin}/api/kernels/{self.kernel}", headers=self._headers(), request_timeout=timeout),
            raise_error=False,
        )
        if kernel.code != 200:
            raise WireError(f"the page's kernel: HTTP {kernel.code}")
        query = urllib.parse.urlencode({"session_id": self.session})
        ws_url = self.origin.replace("http", "ws", 1) + f"/api/kernels/{self.kernel}/channels?{query}"
        self._socket = await websocket_connect(
            HTTPRequest(ws_url, headers=self._headers(), request_timeout=timeout),
            max_message_size=256 * 2**20,
            subprotocols=[SUBPROTOCOL],
        )
        if self._socket.selected_subprotocol != SUBPROTOCOL:
            raise WireError(f"the server did not take {SUBPROTOCOL}")
        self._reader = asyncio.create_task(self._read())
        self._send("kernel_info_request", {})
        control = uuid.uuid4().hex
        self._send(
            "comm_open",
            {"comm_id": control, "target_name": "jupyter.widget.control", "data": {}},
            metadata={"version": "1.0.0"},
        )
        self._send("comm_msg", {"comm_id": control, "data": {"method": "request_states"}})
        await self.widgets.until(lambda: bool(self.widgets.states), timeout)
        self._send("comm_close", {"comm_id": control, "data": {}})

    def _send(self, msg_type: str, content: dict, metadata: dict | None = None) -> None:
        self._socket.write_message(_message(msg_type, content, self.session, metadata=metadata), binary=True)

    async def _read(self) -> None:
        try:
            await self._read_frames()
        except Exception as exc:  # the waiters hear of it (Widgets.until)
            self.widgets.broken = f"reading the kernel's messages: {type(exc).__name__}: {exc}"
        self.widgets.changed.set()

    async def _read_frames(self) -> None:
        states = self.widgets.states
        while True:
            frame = await self._socket.read_message()
            if frame is None:
                self.widgets.broken = "the server closed the kernel's websocket"
                return
            if isinstance(frame, str):
                raise WireError(f"a text frame under {SUBPROTOCOL}: {frame[:80]!r}")
            _channel, header, content = _decode(frame)
            kind = header.get("msg_type")
            if kind == "comm_open" and content.get("target_name") == "jupyter.widget":
                states[content["comm_id"]] = dict(content["data"].get("state", {}))
            elif kind == "comm_msg":
                data = content.get("data", {})
                if data.get("method") == "update_states":
                    for mid, model in data.get("states", {}).items():
                        states.setdefault(mid, {}).update(model.get("state", {}))
                elif data.get("method") in ("update", "echo_update"):
                    states.setdefault(content["comm_id"], {}).update(data.get("state", {}))
            elif kind == "comm_close":
                states.pop(content.get("comm_id"), None)
            else:
                continue
            self.widgets.changed.set()

    def click(self, mid: str) -> None:
        """What a button's click sends."""
        self._send("comm_msg", {"comm_id": mid, "data": {"method": "custom", "content": {"event": "click"}}})

    async def close(self) -> None:
        if self._socket is not None:
            self._socket.close()
        if self._reader is not None:
            self._reader.cancel()


# ---------------------------------------------------------------- the practice app, as a page shows it


def _shown(w: Widgets, mid: str) -> bool:
    s = w.states.get(mid, {})
    return not s.get("disabled", False) and "rp-hidden" not in s.get("_dom_classes", ())


def start_button(w: Widgets) -> str | None:
    """The Start button when a trainee could click it (``.rp-start:enabled``), if any."""
    return next((mid for mid in w.with_class("rp-start") if _shown(w, mid)), None)


def first_choice(w: Widgets) -> str | None:
    """The first reply button a trainee could click (``.rp-choice:enabled``, first in the page), if any."""
    for box in w.with_class("rp-choices"):
        for mid in w.children(box):
            if _shown(w, mid) and "rp-choice" in w.states.get(mid, {}).get("_dom_classes", ()):
                return mid
    return None


def idle(w: Widgets) -> bool:
    """The app takes a click: not busy, and a reply (or "try again", at the debrief) on offer."""
    app = w.one("rp-app")
    if app is None or "rp-busy" in app.get("_dom_classes", ()):
        return False
    return first_choice(w) is not None or any(_shown(w, m) for m in w.with_class("rp-again"))


def customer_lines(w: Widgets) -> int:
    return w.html_containing('class="rp-line rp-customer"')
