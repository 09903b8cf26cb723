"""The HTML report, checked in a real headless Chromium over the DevTools protocol: it loads
without console errors, every figure is present and non-blank in a screenshot, and the runs
table lists every stored run and sorts.

Needs Debian's ``chromium`` package (``apt-get install -y chromium``) and the
``websocket-client`` test dependency; skipped with the reason when either is missing.

Why the DevTools protocol rather than ``--dump-dom``/``--screenshot``: the browser itself
reports what a page script cannot see (a broken data URI, a resource that fails to load, an
error thrown before an injected script runs), and element screenshots come from the rendered
page, not from the files we wrote.
"""

from __future__ import annotations

import base64
import io
import json
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest

from invlab.study import ResultStore, RunConfig, parse_spec, run_study
from invlab.study.report.html import write_report

websocket = pytest.importorskip(
    "websocket", reason="the browser test needs websocket-client: pip install websocket-client"
)
CHROMIUM = next(
    (p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None
)
pytestmark = [
    pytest.mark.skipif(
        CHROMIUM is None, reason="headless Chromium not installed: apt-get install -y chromium"
    ),
    pytest.mark.usefixtures("one_torch_thread"),
]
FIGURES = ["fig-size", "fig-curve", "fig-layers"]


class DevTools:
    """A minimal Chrome DevTools protocol client for one page."""

    def __init__(self, ws_url: str) -> None:
        self.ws = websocket.create_connection(ws_url, timeout=30, suppress_origin=True)
        self.events: list[dict] = []
        self._next = 0

    def call(self, method: str, **params) -> dict:
        self._next += 1
        self.ws.send(json.dumps({"id": self._next, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == self._next:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message["result"]
            self.events.append(message)

    def wait_for(self, method: str, timeout: float = 30) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for event in self.events:
                if event.get("method") == method:
                    return event
            self.ws.settimeout(max(deadline - time.monotonic(), 0.1))
            self.events.append(json.loads(self.ws.recv()))
        raise TimeoutError(f"no {method} within {timeout}s")

    def evaluate(self, expression: str):
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"page script failed: {result['exceptionDetails']}")
        return result["result"].get("value")  # absent when the expression is undefined

    def errors(self) -> list[str]:
        """Console errors, uncaught exceptions and browser log errors seen so far."""
        found = []
        for event in self.events:
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.exceptionThrown":
                found.append(f"exception: {params['exceptionDetails']}")
            elif method == "Runtime.consoleAPICalled" and params["type"] in ("error", "assert"):
                found.append(f"console.{params['type']}: {params['args']}")
            elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
                found.append(f"log: {params['entry']['text']}")
        return found


@pytest.fixture()
def browser(tmp_path):
    """A headless Chromium with remote debugging; yields a DevTools client on its page."""
    profile = tmp_path / "profile"
    proc = subprocess.Popen(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--window-size=1300,900",
            f"--user-data-dir={profile}",
            "--remote-debugging-port=0",  # Chromium picks a free port and writes it down
            "about:blank",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 60
        while not (port_file.exists() and port_file.read_text().strip()):
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"chromium did not start (exit code {proc.poll()})")
            time.sleep(0.1)
        port = int(port_file.read_text().split()[0])
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=30) as r:
            page = next(t for t in json.load(r) if t["type"] == "page")
        client = DevTools(page["webSocketDebuggerUrl"])
        yield client
        client.ws.close()
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> tuple[Path, set[str]]:
    """A report of a two-seed study of four tiny configurations (plain and augmented MLPs and
    CNNs) and one failed run."""
    folder = tmp_path_factory.mktemp("report")
    db = folder / "results.db"
    spec = parse_spec(
        {
            "name": "browser",
            "datasets": ["mnist1d"],
            "seeds": 2,
            "training": {"epochs": 1, "lr": 0.01},
            "measure": {"transforms": ["shift:-4:4"], "inputs": 100, "steps": 5},
            "regimes": [{"name": "plain"}, {"name": "aug", "augment": "shift:4"}],
            "models": [
                {"name": "mlp", "grid": {"width": 8, "depth": 1}},
                {"name": "cnn", "grid": {"channels": 4, "depth": 1}},
            ],
        }
    )
    run_study(spec, db)
    broken = RunConfig(dataset="mnist1d", model="mlp", size={"width": 3}, family="mlp")
    with ResultStore(db) as store:
        store.save("browser", broken, error="Traceback ...\nValueError: <b>not bold</b>")
        keys = set(store.runs().key)
    assert len(keys) == len(spec.runs) + 1
    return write_report(db, folder / "report.html"), keys


def test_report_loads_without_errors_with_figures_and_every_run(browser, report, tmp_path):
    path, keys = report
    for domain in ("Page", "Runtime", "Log"):
        browser.call(f"{domain}.enable")
    browser.call("Page.navigate", url=path.as_uri())
    browser.wait_for("Page.loadEventFired")

    # every figure decoded by the browser, and non-blank where it is drawn on the page
    for ident in FIGURES:
        size = browser.evaluate(
            f"(() => {{ const i = document.getElementById('{ident}');"
            " return i && i.complete ? [i.naturalWidth, i.naturalHeight] : null; })()"
        )
        assert size and size[0] > 300 and size[1] > 200, f"figure {ident} did not decode"
        pixels = _element_screenshot(browser, f"#{ident}")
        (tmp_path / f"{ident}.png").write_bytes(pixels)
        image = _read_png(pixels)
        assert image.std() > 0.05, f"figure {ident} is blank on screen"
        distinct = len(np.unique(image.reshape(-1, image.shape[-1]).round(2), axis=0))
        assert distinct > 20, f"figure {ident} has only {distinct} colours"

    # the table lists every stored run, the failed one included (its error escaped)
    rows = browser.evaluate(
        "Array.from(document.querySelectorAll('#runs tbody tr')).map(r => r.dataset.key)"
    )
    assert sorted(rows) == sorted(keys)
    assert browser.evaluate("document.querySelectorAll('#runs tbody tr.failed').length") == 1
    assert browser.evaluate("document.querySelectorAll('b').length") == 0
    shown = browser.evaluate("document.getElementById('failures').innerText")
    assert "ValueError: <b>not bold</b>" in shown and "mlp(width=3)" in shown

    # the summary aggregates the two seeds of each configuration: mean ± interval, n = 2
    summary = browser.evaluate(
        "Array.from(document.querySelectorAll('#summary tbody tr'))"
        ".map(r => Array.from(r.cells).map(c => c.innerText))"
    )
    assert len(summary) == len(keys) // 2 and all(row[2] == "2" for row in summary)
    assert all("±" in cell for row in summary for cell in row[4:9])

    # clicking a header sorts numerically, twice reverses
    headers = browser.evaluate(
        "Array.from(document.querySelectorAll('#runs th')).map(h => h.textContent)"
    )
    column = headers.index("params")
    read = (
        "Array.from(document.querySelectorAll('#runs tbody tr'))"
        f".map(r => r.cells[{column}].dataset.sort).filter(v => v !== '').map(Number)"
    )
    browser.evaluate(f"document.querySelectorAll('#runs th')[{column}].click()")
    ascending = browser.evaluate(read)
    assert ascending == sorted(ascending) and len(ascending) == len(keys) - 1
    browser.evaluate(f"document.querySelectorAll('#runs th')[{column}].click()")
    assert browser.evaluate(read) == sorted(ascending, reverse=True)

    assert browser.errors() == []


def _element_screenshot(browser: DevTools, selector: str) -> bytes:
    box = browser.evaluate(
        f"(() => {{ const e = document.querySelector('{selector}'); e.scrollIntoView();"
        " const r = e.getBoundingClientRect();"
        " return [r.x + window.scrollX, r.y + window.scrollY, r.width, r.height]; })()"
    )
    x, y, width, height = box
    shot = browser.call(
        "Page.captureScreenshot",
        format="png",
        captureBeyondViewport=True,
        clip={"x": x, "y": y, "width": width, "height": height, "scale": 1},
    )
    return base64.b64decode(shot["data"])


def _read_png(data: bytes) -> np.ndarray:
    import matplotlib.image

    return matplotlib.image.imread(io.BytesIO(data), format="png")
