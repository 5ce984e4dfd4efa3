"""Headless Chromium driven over the DevTools protocol on a pipe (``--remote-debugging-pipe``).

No new dependency: the browser reads NUL-terminated JSON commands on its fd 3 and writes
responses and events on its fd 4. One session loads a page and records every network request
the page makes, every console message, log entry and uncaught exception, the text the page
shows, and a screenshot. A recording HTTP proxy started here on 127.0.0.1 catches what might
bypass the page's own request events (the browser's background traffic).
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import select
import shutil
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

CHROMIUM = "/usr/bin/chromium"
HIDDEN_NAVIGATION = "[...document.querySelectorAll('nav')].every(n => getComputedStyle(n).display == 'none')"
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-default-apps",
    "--disable-domain-reliability",
    "--metrics-recording-only",
    "--mute-audio",
    "--hide-scrollbars",
)


def chromium() -> str | None:
    """The browser the tests use, if installed (tests/fixtures/install_chromium.sh installs it)."""
    return CHROMIUM if os.access(CHROMIUM, os.X_OK) else shutil.which("chromium")


class _Recorder(BaseHTTPRequestHandler):
    seen: list[str]

    def _record(self) -> None:
        self.seen.append(f"{self.command} {self.path}")
        self.send_response(502)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_POST = do_HEAD = do_CONNECT = do_PUT = do_OPTIONS = _record

    def log_message(self, format: str, *args: Any) -> None:
        return


def _above_4(fd: int) -> int:
    """``fd`` moved to a number above 9 (the close-on-exec flag is cleared later by pass_fds)."""
    moved = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10)
    os.close(fd)
    return moved


class RecordingProxy:
    """An HTTP proxy on 127.0.0.1 that answers nothing and remembers every request it was sent."""

    def __init__(self) -> None:
        self.seen: list[str] = []
        handler = type("Handler", (_Recorder,), {"seen": self.seen})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> RecordingProxy:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@dataclass
class PageVisit:
    """What one page load did and showed."""

    requests: list[str] = field(default_factory=list)  # every URL the page asked for, itself included
    console: list[tuple[str, str]] = field(default_factory=list)  # (level, text): console API, log, exceptions
    text: str = ""  # document.body.innerText
    screenshot: bytes = b""  # PNG of the whole page
    proxy_requests: list[str] = field(default_factory=list)
    pages: list[bytes] = field(default_factory=list)
    pdf: bytes = b""  # the page printed to PDF (print media, the page's own @page size)
    print_hidden: bool = False  # whether print media hides the navigation

    def errors(self) -> list[tuple[str, str]]:
        return [(level, msg) for level, msg in self.console if level in ("error", "assert")]


class Browser:
    """One headless Chromium; commands go to the browser target or, with a session id, to a page."""

    def __init__(self, binary: str, proxy: str, width: int = 1280, height: int = 2000) -> None:
        self.profile = tempfile.mkdtemp(prefix="sovaudit-chromium-")
        cmd_r, self._cmd_w = os.pipe()
        self._res_r, res_w = os.pipe()
        cmd_r, res_w = _above_4(cmd_r), _above_4(res_w)  # so that moving them to 3 and 4 cannot clobber them
        args = [
            binary,
            *FLAGS,
            f"--user-data-dir={self.profile}",
            f"--window-size={width},{height}",
            f"--proxy-server={proxy}",
            "--proxy-bypass-list=<-loopback>",
            "--remote-debugging-pipe",
            "about:blank",
        ]
        # The browser talks on fds 3 and 4: hand it our pipe ends under those numbers.
        shell = f'exec "$0" "$@" 3<&{cmd_r} 4>&{res_w} {cmd_r}<&- {res_w}>&-'
        self.proc = subprocess.Popen(
            ["bash", "-c", shell, *args],
            pass_fds=(cmd_r, res_w),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        os.close(cmd_r)
        os.close(res_w)
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict[str, Any]] = []
        self.width, self.height = width, height

    def close(self) -> str:
        """Stop the browser; returns what it wrote on stderr."""
        with contextlib.suppress(OSError, TimeoutError, RuntimeError):
            self.send("Browser.close")
        try:
            _, err = self.proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            _, err = self.proc.communicate()
        for fd in (self._cmd_w, self._res_r):
            with contextlib.suppress(OSError):
                os.close(fd)
        shutil.rmtree(self.profile, ignore_errors=True)
        return err.decode("utf-8", "replace")

    def _read_message(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("chromium did not answer in time")
            ready, _, _ = select.select([self._res_r], [], [], left)
            if ready:
                chunk = os.read(self._res_r, 1 << 20)
                if not chunk:
                    raise RuntimeError("chromium closed the DevTools pipe")
                self._buffer += chunk
        raw, _, self._buffer = self._buffer.partition(b"\0")
        message: dict[str, Any] = json.loads(raw)
        return message

    def send(
        self, method: str, params: dict[str, Any] | None = None, session: str | None = None, timeout: float = 60
    ) -> dict[str, Any]:
        self._next_id += 1
        msg: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self._cmd_w, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            reply = self._read_message(deadline)
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                result: dict[str, Any] = reply.get("result", {})
                return result
            self.events.append(reply)

    def wait_for(self, method: str, session: str, timeout: float = 60) -> None:
        if any(e.get("method") == method and e.get("sessionId") == session for e in self.events):
            return
        deadline = time.monotonic() + timeout
        while True:
            event = self._read_message(deadline)
            self.events.append(event)
            if event.get("method") == method and event.get("sessionId") == session:
                return

    def visit(self, url: str, proxy: str, *, whole_page: bool = False, pdf: bool = False) -> PageVisit:
        """Load ``url`` in a fresh browser context whose every request goes through ``proxy``.

        The browser's own background services (component updates, sign-in) run in the default
        context and use the proxy given at launch, so ``proxy`` hears from this page alone.
        """
        context = self.send("Target.createBrowserContext", {"proxyServer": proxy, "proxyBypassList": "<-loopback>"})[
            "browserContextId"
        ]
        target = self.send("Target.createTarget", {"url": "about:blank", "browserContextId": context})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Network", "Runtime", "Log"):
            self.send(f"{domain}.enable", session=session)
        self.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": self.width, "height": self.height, "deviceScaleFactor": 1, "mobile": False},
            session=session,
        )
        self.events.clear()
        self.send("Page.navigate", {"url": url}, session=session)
        self.wait_for("Page.loadEventFired", session)
        text = self.send(
            "Runtime.evaluate", {"expression": "document.body.innerText", "returnByValue": True}, session=session
        )["result"]["value"]
        shot = self.send("Page.captureScreenshot", {"format": "png"}, session=session)
        height = self.send(
            "Runtime.evaluate",
            {"expression": "document.documentElement.scrollHeight", "returnByValue": True},
            session=session,
        )["result"]["value"]
        pages = []  # the whole page, one screen at a time, for a person to look at
        for top in range(0, int(height) if whole_page else 0, self.height):
            clip = {"x": 0, "y": top, "width": self.width, "height": min(self.height, int(height) - top), "scale": 1}
            part = self.send(
                "Page.captureScreenshot",
                {"format": "png", "clip": clip, "captureBeyondViewport": True},
                session=session,
            )
            pages.append(base64.b64decode(part["data"]))
        # Let late events (a deferred request, a console message) arrive before judging.
        self.send(
            "Runtime.evaluate",
            {"expression": "new Promise(r => setTimeout(r, 300))", "awaitPromise": True},
            session=session,
        )
        visit = PageVisit(
            text=text,
            screenshot=base64.b64decode(shot["data"]),
            pages=pages,
        )
        for event in self.events:
            if event.get("sessionId") != session:
                continue
            method, params = event.get("method"), event.get("params", {})
            if method == "Network.requestWillBeSent":
                visit.requests.append(params["request"]["url"])
            elif method == "Runtime.consoleAPICalled":
                args = " ".join(str(a.get("value", a.get("description", ""))) for a in params.get("args", []))
                visit.console.append((params.get("type", ""), args))
            elif method == "Log.entryAdded":
                entry = params["entry"]
                visit.console.append((entry.get("level", ""), f"{entry.get('source')}: {entry.get('text')}"))
            elif method == "Runtime.exceptionThrown":
                visit.console.append(("error", json.dumps(params.get("exceptionDetails", {}))[:500]))
        if pdf:
            self.send("Emulation.setEmulatedMedia", {"media": "print"}, session=session)
            visit.print_hidden = self.send(
                "Runtime.evaluate",
                {"expression": HIDDEN_NAVIGATION, "returnByValue": True},
                session=session,
            )["result"]["value"]
            printed = self.send("Page.printToPDF", {"preferCSSPageSize": True}, session=session, timeout=120)
            visit.pdf = base64.b64decode(printed["data"])
        self.send("Target.closeTarget", {"targetId": target})
        self.send("Target.disposeBrowserContext", {"browserContextId": context})
        return visit


def open_page(path: Path, *, whole_page: bool = False, pdf: bool = False) -> PageVisit:
    """Load ``path`` (a local file) in a fresh headless Chromium behind a recording proxy."""
    binary = chromium()
    if binary is None:
        raise FileNotFoundError("chromium is not installed (tests/fixtures/install_chromium.sh)")
    with RecordingProxy() as background, RecordingProxy() as proxy:
        browser = Browser(binary, background.url)
        try:
            visit = browser.visit(path.resolve().as_uri(), proxy.url, whole_page=whole_page, pdf=pdf)
        finally:
            stderr = browser.close()
        visit.proxy_requests = list(proxy.seen)
    if not visit.screenshot:
        raise RuntimeError(f"no screenshot; chromium said: {stderr[-2000:]}")
    return visit
