"""Kernels forked from a warm parent, so a page's kernel starts with the lab already imported.

A kernel started the ordinary way is a new Python process that imports IPython, ipykernel,
ipywidgets and then the lab (pydantic, SQLAlchemy, the engine, the app) before it can show a page:
about 0.6 CPU-seconds each, paid again for every trainee. With ``--fork-kernels`` the lab's Voila
server (``simulator.webapp``) keeps one *fork server*: a process started once that imports all of
that and then waits. Each kernel is a ``fork()`` of it: the child takes the kernel's command line,
environment and folder, and runs ipykernel as ``python -m ipykernel_launcher`` would, with every
module already in memory (shared with its siblings until written to).

- ``ForkingProvisioner`` is the Jupyter kernel provisioner that asks the fork server for a kernel
  (``jupyter_client``'s ``LocalProvisioner`` otherwise: signals, waiting and clean-up are its own).
  A command line that is not ``python -m ipykernel_launcher …``, or a fork server that cannot be
  started or has died, falls back to an ordinary process, with one line in the log.
- The fork server imports only modules, starts no thread and opens no socket before it forks, so
  every child starts clean; ``random`` is reseeded in each child by Python itself.
- A child runs in a session of its own (signals reach its process group as they would an ordinary
  kernel's) and watches the fork server as its parent: when the server goes (the Voila server closed
  its pipe), the kernels end too.

Run as ``python -m simulator.forkserver`` by the provisioner itself; nothing else starts it.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import importlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
import traceback
from pathlib import Path
from typing import Any

import setproctitle
from jupyter_client.connect import KernelConnectionInfo
from jupyter_client.provisioning import LocalProvisioner

from . import settings

__all__ = ["PRELOAD", "PROVISIONER_NAME", "ForkServer", "ForkedKernel", "ForkingProvisioner", "kernel_argv", "main"]

PROVISIONER_NAME = "roleplay-forking-provisioner"
# What every page's kernel imports anyway: ipykernel and IPython, the widgets, and the practice app
# with everything under it (the engine, the models, the store and its SQL toolkit, the loader).
PRELOAD = ("ipykernel.kernelapp", "ipykernel.ipkernel", "ipywidgets", "simulator.ui.practice")
READY_TIMEOUT = 120.0  # seconds for the fork server's imports on a busy machine


def kernel_argv(cmd: list[str]) -> list[str] | None:
    """The kernel's own arguments when ``cmd`` runs ipykernel in this Python, else None.

    Args:
        cmd: the kernel's command line from its kernelspec (``python -m ipykernel_launcher -f FILE``).

    Returns:
        ``sys.argv`` for the forked kernel (``["ipykernel_launcher", "-f", FILE, …]``), or None
        when the command runs something else (another Python, another kernel): that one is not forked.
    """
    if len(cmd) < 3 or cmd[1:3] != ["-m", "ipykernel_launcher"]:
        return None
    try:
        same_python = Path(cmd[0]).resolve() == Path(sys.executable).resolve() or cmd[0] in ("python", "python3")
    except OSError:
        return None
    return ["ipykernel_launcher", *cmd[3:]] if same_python else None


# ---------------------------------------------------------------- the fork server process


def main() -> None:
    """The fork server: import ``PRELOAD``, then fork one kernel per request line until stdin closes.

    Requests are JSON lines on stdin (``{"argv": […], "env": {…}, "cwd": "…"}``); each answer is a
    JSON line on stdout (``{"pid": N}`` or ``{"error": "…"}``), the first one ``{"ready": true}``.
    The kernels write to the server's stderr.
    """
    requests = os.fdopen(os.dup(0), "r", encoding="utf-8")
    answers = os.fdopen(os.dup(1), "w", encoding="utf-8")
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(2, 1)  # a kernel's own prints go where an ordinary kernel's would: the server's console
    os.close(devnull)
    for module in PRELOAD:
        importlib.import_module(module)
    _warm_library()
    setproctitle.getproctitle()  # claims the room for the kernels' titles while the environment is the original
    signal.signal(signal.SIGCHLD, _reap)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C at the server's console is the server's
    _answer(answers, {"ready": True})
    for line in requests:
        try:
            request = json.loads(line)
            argv, env, cwd = list(request["argv"]), dict(request["env"]), str(request["cwd"])
        except (ValueError, KeyError, TypeError) as err:
            _answer(answers, {"error": f"bad request: {err}"})
            continue
        try:
            pid = os.fork()
        except OSError as err:
            _answer(answers, {"error": f"fork failed: {err}"})
            continue
        if pid == 0:
            _run_kernel(argv, env, cwd, (requests, answers))
        _answer(answers, {"pid": pid})


def _warm_library() -> None:
    """Explore the state space of the scenario a class plays (``$ROLEPLAY_CLASS_SCENARIO``, from ``roleplay
    serve --scenario``) for every kernel to inherit (``loading.cache.warm``): each kernel worked it out at
    its trainee's first reply (0.2 CPU-s for angry-late-delivery), a class's 50 of them at the same moment.
    Then what is loaded is kept out of the garbage collector's way, so the kernels' collections do not copy
    its pages. Nothing is lost when it fails: each kernel then works it out."""
    import gc

    from . import settings
    from .loading import cache

    wanted = settings.class_scenario()
    if wanted:
        try:
            cache.warm(settings.scenarios_dir(), settings.cache_dir(), [wanted])
        except Exception:  # a kernel loads and explores its scenario itself
            traceback.print_exc()
    gc.freeze()


def _answer(stream, message: dict) -> None:
    stream.write(json.dumps(message) + "\n")
    stream.flush()


def _reap(_signum, _frame) -> None:
    """Collect ended kernels at once, so a provisioner asking after one sees it gone."""
    with contextlib.suppress(ChildProcessError):
        while os.waitpid(-1, os.WNOHANG)[0]:
            pass


def _run_kernel(argv: list[str], env: dict[str, str], cwd: str, pipes: tuple) -> None:
    """In the forked child: become the kernel; never returns."""
    code = 1
    try:
        os.setsid()
        for pipe in pipes:
            pipe.close()
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        # In ps (and to anything that looks kernels up by their command line) it is the kernel it is
        # (before the environment changes: the title takes the room of the original one).
        setproctitle.setproctitle(" ".join([sys.executable, "-m", *argv]))
        os.chdir(cwd)
        settings.become_environment(env)
        # ipykernel read $JPY_PARENT_PID when the fork server imported it: name the parent here.
        sys.argv = [*argv, f"--IPKernelApp.parent_handle={os.getppid()}"]
        from ipykernel import kernelapp

        kernel = kernelapp.IPKernelApp.instance()
        kernel.initialize()
        # ipywidgets was imported here before there was a kernel, so it registered no comm targets: without
        # "jupyter.widget.control" the page's request for every widget's state at once is refused, and it
        # asks for each widget's state in turn (a round trip, and two status messages, per widget).
        import ipywidgets

        ipywidgets.register_comm_target()
        kernel.start()
        code = 0
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
    except BaseException:
        traceback.print_exc()
    finally:
        # As a process ending normally would: its exit handlers (the practice app's marks a session
        # left in progress abandoned), then its streams; os._exit keeps it out of the fork server's loop.
        with contextlib.suppress(BaseException):
            atexit._run_exitfuncs()
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)


# ---------------------------------------------------------------- the Voila server's side


class ForkServer:
    """The Voila server's handle on its fork server: started once, asked for kernels one at a time.

    Attributes:
        process: the fork server's process, or None before it is started.
        failed: why it could not be used, once it could not ("" while it can).
    """

    _instance: ForkServer | None = None
    _instance_lock = threading.Lock()

    def __init__(self) -> None:
        self.process: subprocess.Popen | None = None
        self.failed = ""
        self._lock = threading.Lock()

    @classmethod
    def instance(cls) -> ForkServer:
        """The server's one fork server (created, not yet started, on first call).

        Returns:
            The shared ``ForkServer``.
        """
        with cls._instance_lock:
            if cls._instance is None:
                cls._instance = cls()
            return cls._instance

    def start(self) -> bool:
        """Start the fork server and wait until it has imported everything (at most ``READY_TIMEOUT``).

        Returns:
            True when it is ready; False when it cannot be used (``failed`` says why).
        """
        with self._lock:
            return self._start()

    def _start(self) -> bool:
        if self.failed:
            return False
        if self.process is not None and self.process.poll() is None:
            return True
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "simulator.forkserver"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
                encoding="utf-8",
                start_new_session=True,  # Ctrl-C at the console reaches the Voila server, which stops it
            )
        except OSError as err:
            self.failed = f"cannot start: {err}"
            return False
        answer = self._read(READY_TIMEOUT)
        if not answer.get("ready"):
            self.failed = answer.get("error", "did not get ready")
            self.stop()
            return False
        return True

    def _read(self, timeout: float) -> dict:
        """One answer line, or ``{"error": …}`` when none comes in time or the server has ended."""
        assert self.process is not None and self.process.stdout is not None
        box: list[str] = []
        reader = threading.Thread(target=lambda: box.append(self.process.stdout.readline()), daemon=True)
        reader.start()
        reader.join(timeout)
        if not box or not box[0]:
            return {"error": "the fork server did not answer" if not box else "the fork server has ended"}
        try:
            return json.loads(box[0])
        except ValueError:
            return {"error": f"unreadable answer {box[0][:80]!r}"}

    def fork(self, argv: list[str], env: dict[str, str], cwd: str) -> int:
        """A new kernel process, forked.

        Args:
            argv: the kernel's ``sys.argv`` (``kernel_argv``).
            env: its whole environment.
            cwd: its folder.

        Returns:
            The kernel's process id.

        Raises:
            OSError: the fork server cannot be used (the caller starts the kernel the ordinary way).
        """
        with self._lock:
            if not self._start():
                raise OSError(f"fork server: {self.failed}")
            assert self.process is not None and self.process.stdin is not None
            try:
                self.process.stdin.write(json.dumps({"argv": argv, "env": env, "cwd": cwd}) + "\n")
                self.process.stdin.flush()
            except (OSError, ValueError) as err:
                self.failed = f"has ended ({err})"
                raise OSError(f"fork server: {self.failed}") from err
            answer = self._read(30.0)
            if "pid" not in answer:
                if self.process.poll() is not None:
                    self.failed = f"has ended (exit code {self.process.returncode})"
                raise OSError(f"fork server: {answer.get('error', 'no kernel')}")
            return int(answer["pid"])

    def stop(self) -> None:
        """End the fork server (its kernels notice their parent left and end too)."""
        process, self.process = self.process, None
        if process is None:
            return
        with contextlib.suppress(OSError, ValueError):
            process.stdin.close()
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        with contextlib.suppress(OSError, ValueError):
            process.stdout.close()


class ForkedKernel:
    """A ``subprocess.Popen``-like handle on a forked kernel (a child of the fork server, not ours).

    Attributes:
        pid: the kernel's process id.
        returncode: None while it runs; then its end as far as can be known (-9 when it was killed
            here, else 0: the fork server collected its real status).
        stdin: always None (the kernel talks over its sockets).
        stdout: always None.
        stderr: always None.
    """

    stdin = stdout = stderr = None

    def __init__(self, pid: int):
        self.pid = pid
        self.returncode: int | None = None
        self._signalled: int | None = None

    def poll(self) -> int | None:
        """Whether the kernel has ended.

        Returns:
            None while it runs, else its ``returncode``.
        """
        if self.returncode is None:
            try:
                os.kill(self.pid, 0)
                with open(f"/proc/{self.pid}/stat", "rb") as stat:  # a zombie the fork server is reaping
                    if stat.read().rsplit(b")", 1)[1].split()[0] == b"Z":
                        raise ProcessLookupError
            except ProcessLookupError:
                self.returncode = -self._signalled if self._signalled else 0
            except (FileNotFoundError, PermissionError, IndexError):
                pass
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        """Wait for the kernel to end.

        Args:
            timeout: seconds; None waits as long as it takes.

        Returns:
            Its ``returncode``.

        Raises:
            subprocess.TimeoutExpired: it still runs after ``timeout``.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(f"kernel {self.pid}", timeout)
            time.sleep(0.02)
        return self.returncode  # type: ignore[return-value]

    def send_signal(self, signum: int) -> None:
        """Send a signal to the kernel.

        Args:
            signum: the signal.
        """
        os.kill(self.pid, signum)
        if signum in (signal.SIGKILL, signal.SIGTERM):
            self._signalled = signum

    def kill(self) -> None:
        """SIGKILL the kernel."""
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        """SIGTERM the kernel."""
        self.send_signal(signal.SIGTERM)


class ForkingProvisioner(LocalProvisioner):
    """``LocalProvisioner`` whose ipykernel kernels are forked from the server's ``ForkServer``.

    Attributes:
        forked: whether this kernel was forked (False: started as an ordinary process).
    """

    forked = False

    async def launch_kernel(self, cmd: list[str], **kwargs: Any) -> KernelConnectionInfo:
        """Fork the kernel, or start it the ordinary way when it cannot be forked.

        Args:
            cmd: the kernel's command line.
            **kwargs: ``env``, ``cwd`` and the rest as ``LocalProvisioner`` takes them.

        Returns:
            The kernel's connection info.
        """
        argv = kernel_argv(cmd)
        server = ForkServer.instance()
        if argv is None or server.failed:
            return await super().launch_kernel(cmd, **kwargs)
        env = {str(k): str(v) for k, v in (kwargs.get("env") or settings.environment()).items()}
        cwd = str(kwargs.get("cwd") or Path.cwd())
        try:
            pid = await asyncio.get_running_loop().run_in_executor(None, server.fork, argv, env, cwd)
        except OSError as err:
            self.log.warning("Starting kernels as ordinary processes: %s", err)
            return await super().launch_kernel(cmd, **kwargs)
        self.process = ForkedKernel(pid)
        self.pid = self.pgid = pid  # the kernel leads a session of its own
        self.cwd = cwd
        self.forked = True
        return self.connection_info


if __name__ == "__main__":
    main()
