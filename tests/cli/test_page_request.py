"""How a preheated kernel gets its page's request (simulator.webapp.PageRequestHandler, keep_request): over
real websockets to a real tornado server with the lab's handler on Voila's ``/voila/query/<kernel>``.

Voila's own handler, when a kernel's old connection closed after the kernel had connected again, removed
whichever kernel was registered last, and wrote a request to a connection the kernel had given up: those
pages stayed at "Executing 2 of 2" for good under a class's load.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import datetime as dt
import json
from types import SimpleNamespace

import tornado.web
from tornado.testing import bind_unused_port
from tornado.websocket import websocket_connect
from voila.request_info_handler import RequestInfoSocketHandler

from simulator.webapp import LabKernelManager, PageRequestHandler, keep_request

WAIT_S = 10.0


def run(coroutine) -> None:
    # In a thread of its own: the browser tests' playwright may keep an event loop running in this one.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, coroutine).result()


async def until(condition) -> None:
    """Wait (on the server's event loop, which is this one) until ``condition()`` holds."""
    deadline = asyncio.get_running_loop().time() + WAIT_S
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "the server never got there"
        await asyncio.sleep(0.01)


async def serving():
    socket, port = bind_unused_port()
    server = tornado.httpserver.HTTPServer(tornado.web.Application([(r"/voila/query/(.*)", PageRequestHandler)]))
    server.add_sockets([socket])
    return server, lambda kernel: f"ws://127.0.0.1:{port}/voila/query/{kernel}"


async def closed(connection) -> None:
    """Close a client connection and wait until it is closed (its socket too)."""
    connection.close()
    while await asyncio.wait_for(connection.read_message(), WAIT_S) is not None:
        pass


async def stopped(server) -> None:
    server.stop()
    await server.close_all_connections()


async def request_of(connection) -> str:
    """The trainee of the request a kernel's connection received (each test's request names its kernel)."""
    message = await asyncio.wait_for(connection.read_message(), WAIT_S)
    return json.loads(message)["QUERY_STRING"].rsplit("=", 1)[1]


def request(kernel: str) -> dict:
    return {"kernel_id": kernel, "payload": json.dumps({"QUERY_STRING": f"scenario=s&trainee={kernel}"})}


def test_a_kernel_that_connects_again_leaves_the_other_kernels_registered():
    waiters = RequestInfoSocketHandler._waiters

    async def scenario():
        server, url = await serving()
        try:
            first_x = await websocket_connect(url("kx"))
            await until(lambda: "kx" in waiters)
            old_x = waiters["kx"]
            y = await websocket_connect(url("ky"))
            await until(lambda: "ky" in waiters)
            again_x = await websocket_connect(url("kx"))  # kx gave its connection up and connects again
            await until(lambda: waiters["kx"] is not old_x)
            await closed(first_x)
            await until(lambda: old_x._on_close_called)
            assert "ky" in waiters and "kx" in waiters  # Voila's handler removed ky here (the last registered)
            keep_request(request("ky"))
            assert await request_of(y) == "ky"
            keep_request(request("kx"))
            assert await request_of(again_x) == "kx"
            for connection in (y, again_x):
                await closed(connection)
            await until(lambda: "kx" not in waiters and "ky" not in waiters)
        finally:
            await stopped(server)

    run(scenario())


def test_a_request_is_kept_for_the_kernels_next_connection_until_the_kernel_ends():
    waiters, kept = RequestInfoSocketHandler._waiters, RequestInfoSocketHandler._cache

    async def scenario():
        server, url = await serving()
        try:
            first = await websocket_connect(url("kz"))
            await until(lambda: "kz" in waiters)
            handler = waiters["kz"]
            keep_request(request("kz"))
            assert await request_of(first) == "kz"
            await closed(first)  # the kernel lost it on the way (its connection broke): it connects again
            await until(lambda: handler._on_close_called)
            again = await websocket_connect(url("kz"))
            assert await request_of(again) == "kz"
            await closed(again)
            await until(lambda: "kz" not in waiters)
        finally:
            await stopped(server)

    run(scenario())
    assert "kz" in kept
    manager = LabKernelManager()
    manager._kernels["kz"] = SimpleNamespace(
        last_activity=dt.datetime.now(dt.UTC), execution_state="idle", kernel_name="python3"
    )
    manager.remove_kernel("kz")  # the kernel ended: its request goes with it
    assert "kz" not in kept


def test_the_labs_voila_serves_the_query_socket_with_the_labs_handler(monkeypatch):
    """Voila's list of handlers (taken as Voila builds it) with the lab's in place of Voila's two."""
    from voila.app import Voila
    from voila.tornado.handler import TornadoVoilaHandler

    from simulator.webapp import LabVoila

    voilas = [(r"/voila/query/(.*)", RequestInfoSocketHandler), (r"/(.*)", TornadoVoilaHandler, {"x": 1})]
    monkeypatch.setattr(Voila, "init_handlers", lambda self: list(voilas))
    monkeypatch.setattr(RequestInfoSocketHandler, "send_updates", RequestInfoSocketHandler.__dict__["send_updates"])
    handlers = LabVoila().init_handlers()
    assert handlers[0][1] is PageRequestHandler and handlers[1][2] == {"x": 1}
    assert handlers[1][1] is not TornadoVoilaHandler and issubclass(handlers[1][1], TornadoVoilaHandler)
    assert RequestInfoSocketHandler.send_updates is keep_request  # what Voila's page handler calls
