"""Support for the live-server tests: free ports, `search serve` as a subprocess, Chromium.

The browser tests drive Debian's Chromium through Playwright (no browser download). When
either is missing they fail with a message that says how to install it: never a skip.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import psutil
import pytest

ROOT = Path(__file__).resolve().parent.parent
SEARCH = ROOT / ".venv" / "bin" / "search"
ARTIFACTS = ROOT / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
LOOPBACK = "127.0.0.1"


def free_port() -> int:
    """A TCP port nobody listens on right now (the kernel's choice)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOOPBACK, 0))
        return probe.getsockname()[1]


def get_json(url: str, timeout: float = 10) -> tuple[int, dict]:
    """GET a JSON answer: (status, body), also for 4xx and 5xx answers."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, json.loads(response.read().decode("utf-8"))
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read().decode("utf-8") or "{}")


def is_listening(port: int) -> bool:
    """True when something accepts connections on the loopback port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(1)
        return probe.connect_ex((LOOPBACK, port)) == 0


def can_bind(port: int) -> bool:
    """True when a new server could listen on the port (as waitress would, with SO_REUSEADDR)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((LOOPBACK, port))
        except OSError:
            return False
        return True


def log_tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


class Background:
    """A command running in its own process group, its output in a log file."""

    def __init__(self, command: list[str], log: Path, cwd: Path = ROOT, env: dict | None = None):
        """Start `command`; `env` adds to the environment (a None value removes a variable)."""
        self.command = command
        self.log = log
        self.port: int | None = None
        with open(log, "wb") as out:
            environment = {**os.environ, **(env or {})}
            environment = {name: value for name, value in environment.items() if value is not None}
            self.process = subprocess.Popen(command, cwd=cwd, env=environment,
                                            stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                            start_new_session=True)

    def describe(self) -> str:
        return f"`{' '.join(self.command)}` (exit {self.process.poll()}); its output:\n{log_tail(self.log)}"

    def wait_healthy(self, port: int, timeout: float) -> dict:
        """Poll /api/health until it answers 200; fail with the command's output otherwise."""
        self.port = port
        deadline = time.monotonic() + timeout
        last = "no answer"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"the server exited before answering: {self.describe()}")
            try:
                status, body = get_json(f"http://{LOOPBACK}:{port}/api/health", timeout=5)
            except (OSError, ValueError) as error:
                last = repr(error)
            else:
                if status == 200:
                    return body
                last = f"{status} {body}"
            time.sleep(0.25)
        self.stop()
        pytest.fail(f"/api/health did not answer 200 within {timeout:.0f} s (last: {last}): "
                    f"{self.describe()}")

    def stop(self, grace: float = 10) -> bool:
        """SIGTERM to the whole process group, SIGKILL after `grace` seconds.

        True when SIGTERM was enough (the group left within `grace`)."""
        pgid = self.process.pid
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGTERM)
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline:
            if self.process.poll() is not None and not group_members(pgid):
                return True
            time.sleep(0.1)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGKILL)
        self.process.wait(grace)
        return False


def group_members(pgid: int) -> list[int]:
    """The live (not zombie) processes of a process group, from /proc."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            members.append(int(stat.parent.name))
    return members


class LiveServer:
    """`search serve --index DIR` (or another backend's location, with `backend`) on a free
    loopback port, until stopped."""

    def __init__(self, index_dir: Path | str, log: Path, timeout: float = 60, backend: str | None = None,
                 options: tuple[str, ...] = ()):
        self.port = free_port()
        self.base = f"http://{LOOPBACK}:{self.port}"
        chosen = ["--backend", backend] if backend else []
        command = [str(SEARCH), "serve", "--index", str(index_dir), *chosen, "--host", LOOPBACK,
                   "--port", str(self.port), *options]
        self.background = Background(command, log, env={"NO_COLOR": "1"})
        self.health = self.background.wait_healthy(self.port, timeout)

    def url(self, path: str) -> str:
        return self.base + path

    def stop(self) -> None:
        self.background.stop()


def workers_of(server: LiveServer) -> set[int]:
    """The process ids of the workers the server's arbiter forked."""
    return {child.pid for child in psutil.Process(server.background.process.pid).children()}


def wait_for_workers(server: LiveServer, wanted, seconds: float = 30) -> set[int]:
    """The server's worker processes once `wanted(workers)` holds (gunicorn forks them one by
    one, and replaces a dead one after a moment); the last seen when it never does."""
    deadline = time.monotonic() + seconds
    found = workers_of(server)
    while not wanted(found) and time.monotonic() < deadline:
        time.sleep(0.2)
        found = workers_of(server)
    return found


def require_search_command() -> None:
    if not os.access(SEARCH, os.X_OK):
        pytest.fail(f"{SEARCH} is missing: run `make install` first")


def sync_playwright():
    """Playwright's sync API, or a failure that says how to install it."""
    try:
        from playwright.sync_api import sync_playwright as start
    except ImportError as error:
        pytest.fail(f"Playwright for Python is not installed ({error}): run `make install` "
                    "(it installs the [test] extras, playwright among them)")
    return start()


def launch_chromium(playwright):
    """Debian's Chromium, headless; a clear failure when it is missing or does not start."""
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"the browser tests need Debian's Chromium at {CHROMIUM}: "
                    "`apt-get install chromium` (make test installs it when run as root)")
    try:
        return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, timeout=60_000)
    except Exception as error:  # Playwright's own error type says why the browser did not start
        pytest.fail(f"Chromium at {CHROMIUM} did not start under Playwright: {error}")


def screenshot(page, name: str) -> Path:
    """Save the whole page as artifacts/browser-<name>.png."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"browser-{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
