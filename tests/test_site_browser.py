"""Issue 14: the search works in a real browser. The site of tests/test_site_build.py is served
from 127.0.0.1 and driven by headless Chromium (Debian's ``chromium``) over the DevTools
protocol: a query typed in Traditional script finds the Simplified article and the reverse, the
filters are there, and no page logs a console error."""

from __future__ import annotations

import functools
import http.server
import json
import subprocess
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator

import pytest
from conftest import require_tool
from test_site_build import (
    AGENCY_URL,
    SIMPLIFIED_URL,
    TRADITIONAL_URL,
    save_search_articles,
    site_build,
)

websocket = pytest.importorskip("websocket", reason="websocket-client (the test extras)")

CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-extensions", "--remote-debugging-port=0",
)  # fmt: skip
#: how long a page may take to show results (a slow shared machine); never asserted as a time
WAIT = 60.0


def chromium_path() -> str:
    """Debian's ``chromium`` (``.ci/run`` installs it); skipped where there is none."""
    return require_tool("chromium")


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args) -> None:  # noqa: A002 (the base class's name)
        pass


#: what Chromium answers to an evaluation that a navigation interrupted: no answer yet
NAVIGATION_ERRORS = (
    "Inspected target navigated or closed",
    "Cannot find context with specified id",
)


class DevToolsError(AssertionError):
    """Chromium answered a call with an error."""


class DevTools:
    """A page of Chromium driven over the DevTools protocol; keeps the events it receives."""

    def __init__(self, url: str):
        self.ws = websocket.create_connection(url, timeout=WAIT, suppress_origin=True)
        self.next_id = 0
        self.events: list[dict] = []

    def call(self, method: str, **params) -> dict:
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise DevToolsError(method, message["error"])
                return message.get("result", {})
            self.events.append(message)

    def evaluate(self, expression: str):
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        assert "exceptionDetails" not in result, (expression, result["exceptionDetails"])
        return result["result"].get("value")

    def wait_for(self, expression: str):
        """The value of `expression` once it is truthy (polled); fails after WAIT seconds."""
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            try:
                value = self.evaluate(expression)
            except DevToolsError as exc:  # the page navigated under the poll: poll the new one
                if exc.args[1].get("message") not in NAVIGATION_ERRORS:
                    raise
                value = None
            if value:
                return value
            time.sleep(0.2)
        pytest.fail(f"never true in the page: {expression}")

    def console_errors(self) -> list[str]:
        errors = []
        for event in self.events:
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.consoleAPICalled" and params["type"] in ("error", "assert"):
                errors.append(" ".join(str(a.get("value", a)) for a in params["args"]))
            elif method == "Runtime.exceptionThrown":
                errors.append(json.dumps(params["exceptionDetails"], ensure_ascii=False)[:500])
            elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
                errors.append(f"{params['entry']['text']} {params['entry'].get('url', '')}")
        return errors


@pytest.fixture(scope="module")
def browser(tmp_path_factory) -> Iterator[tuple[DevTools, str]]:
    """(the page, the site's base URL)."""
    chromium = chromium_path()
    require_tool("jekyll")
    tmp_path = tmp_path_factory.mktemp("browser")
    save_search_articles(tmp_path / "archive")
    code, output = site_build(tmp_path / "archive", tmp_path / "site")
    assert code == 0, output
    handler = functools.partial(Quiet, directory=str(tmp_path / "site"))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    profile = tmp_path / "profile"
    log = (tmp_path / "chromium.log").open("wb")
    proc = subprocess.Popen(
        [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "about:blank"],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + WAIT
        while not port_file.is_file() or not port_file.read_text().strip():
            assert proc.poll() is None, (tmp_path / "chromium.log").read_text(errors="replace")
            assert time.monotonic() < deadline, "Chromium did not open its DevTools port"
            time.sleep(0.1)
        port = int(port_file.read_text().split()[0])
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=WAIT) as r:
            (target,) = [t for t in json.load(r) if t["type"] == "page"]
        page = DevTools(target["webSocketDebuggerUrl"])
        for domain in ("Page", "Runtime", "Log"):
            page.call(f"{domain}.enable")
        yield page, f"http://127.0.0.1:{server.server_address[1]}"
        page.ws.close()
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
        server.shutdown()
        server.server_close()


def open_page(page: DevTools, url: str) -> None:
    page.events.clear()
    page.call("Page.navigate", url=url)
    page.wait_for("document.readyState === 'complete' && location.href === " + json.dumps(url))


def result_links(page: DevTools) -> list[str]:
    """The result links Pagefind's UI shows, once it shows some."""
    page.wait_for("document.querySelectorAll('.pagefind-ui__result-link').length > 0")
    return page.evaluate(
        "Array.from(document.querySelectorAll('.pagefind-ui__result-link'))"
        ".map(a => new URL(a.href).pathname)"
    )


@pytest.mark.parametrize(
    "query, finds",
    [
        ("臺灣選舉", SIMPLIFIED_URL),  # Traditional query, Simplified article
        ("台湾选举", SIMPLIFIED_URL),
        ("節能計劃", TRADITIONAL_URL),
        ("节能计划", TRADITIONAL_URL),  # Simplified query, Traditional article
        ("港口扩建", AGENCY_URL),
    ],
)
def test_a_query_typed_into_the_search_box_finds_the_article(browser, query, finds):
    page, base = browser
    open_page(page, base + "/")
    page.evaluate("document.querySelector('form.search input[name=q]').focus()")
    page.call("Input.insertText", text=query)
    page.evaluate("document.querySelector('form.search').requestSubmit()")
    page.wait_for("location.pathname === '/search/'")
    page.wait_for("document.readyState === 'complete'")
    assert finds in result_links(page), query
    assert page.console_errors() == []


def test_typing_on_the_search_page_searches_as_you_type(browser):
    page, base = browser
    open_page(page, base + "/search/")
    page.wait_for("!!document.querySelector('.pagefind-ui__search-input')")
    page.evaluate("document.querySelector('.pagefind-ui__search-input').focus()")
    page.call("Input.insertText", text="臺灣選舉")
    assert result_links(page) == [SIMPLIFIED_URL]
    assert page.console_errors() == []


def test_the_search_page_offers_source_year_and_agency_filters(browser):
    page, base = browser
    open_page(page, base + "/search/?q=" + urllib.parse.quote("选举"))
    result_links(page)
    names = page.wait_for(
        "Array.from(document.querySelectorAll('.pagefind-ui__filter-name'))"
        ".map(e => e.textContent.trim())"
    )
    assert {"source", "year", "agency"} <= {n.lower() for n in names}, names
    assert page.console_errors() == []


@pytest.mark.parametrize(
    "path", ["/", "/search/", SIMPLIFIED_URL, TRADITIONAL_URL, "/sources/zaobao/2024-03/"]
)
def test_pages_log_no_console_errors(browser, path):
    page, base = browser
    open_page(page, base + path)
    time.sleep(0.5)  # late errors (a script loaded after the load event)
    page.call("Runtime.evaluate", expression="1")  # collect the events received meanwhile
    assert page.console_errors() == [], path


def test_a_search_result_opens_the_article(browser):
    page, base = browser
    open_page(page, base + "/search/?q=" + urllib.parse.quote("臺灣選舉"))
    (link,) = result_links(page)
    open_page(page, base + link)
    assert page.evaluate("document.querySelector('article h1').textContent").startswith("台湾选举")
    assert page.console_errors() == []
