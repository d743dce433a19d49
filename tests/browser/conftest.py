"""Browser fixtures: the app served on a loopback port, headless Chromium driven by Playwright,
a fresh context and page per test, and screenshots plus HTML of the page when a test fails.

Users are made against the live server's own app (`make_browser_user`), not with the `make_user`
fixture, which depends on the `app` fixture parametrised over SQLite and PostgreSQL.
"""

from __future__ import annotations

import os
import re
import shutil
import threading
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Browser, ConsoleMessage, Page, sync_playwright
from werkzeug.serving import make_server

from tests.helpers.accounts import organisation_factory, user_factory
from tests.helpers.databases import IN_CI
from tracker.models import Organisation, User

REPO_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO_ROOT / "test-artifacts"

# Flags for a quiet, offline Chromium in containers and CI: no sandbox (often unavailable there),
# no GPU, and none of the background traffic to Google that the network guard would otherwise see.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DEFAULT_TIMEOUT_MS = 10_000

_REPORTS = pytest.StashKey[dict[str, pytest.TestReport]]()


# --- reports on the item, so fixtures can tell whether the test failed -------------------------


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    item.stash.setdefault(_REPORTS, {})[report.when] = report
    return report


def _failed(item: pytest.Item) -> bool:
    reports = item.stash.get(_REPORTS, {})
    return any(report.failed for report in reports.values())


# --- the app on a real port ---------------------------------------------------------------------


@pytest.fixture
def live_app(make_app: Callable[..., Flask], sqlite_url: str) -> Flask:
    return make_app(sqlite_url)


@pytest.fixture
def live_server(live_app: Flask) -> Iterator[str]:
    """The app served on a free loopback port; yields its base URL (no trailing slash)."""
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


# --- people -------------------------------------------------------------------------------------


@pytest.fixture
def make_browser_organisation(live_app: Flask) -> Callable[..., Organisation]:
    return organisation_factory(live_app)


@pytest.fixture
def make_browser_user(
    live_app: Flask, make_browser_organisation: Callable[..., Organisation]
) -> Callable[..., User]:
    """Create a user in the live server's database; the password is `accounts.PASSWORD`."""
    return user_factory(live_app, make_browser_organisation)


# --- Chromium -----------------------------------------------------------------------------------


def chromium_executable() -> str:
    return os.environ.get("TRACKER_CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    # Session scope runs before the function-scoped autouse fixture that clears TRACKER_* vars.
    executable = chromium_executable()
    if not Path(executable).is_file():
        message = (
            f"Chromium is not installed at {executable}; install Debian's chromium package "
            "or point TRACKER_CHROMIUM at a Chromium binary"
        )
        if IN_CI:
            pytest.fail(f"CI=true but {message}: the browser tests are required")
        pytest.skip(f"browser tests need Chromium: {message}")
    playwright = sync_playwright().start()
    try:
        launched = playwright.chromium.launch(
            executable_path=executable, args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield launched
        finally:
            launched.close()
    finally:
        playwright.stop()


@pytest.fixture
def browser_context_args() -> dict[str, Any]:
    """Extra options for the test's browser context; override by parametrising a test
    with `@pytest.mark.parametrize("browser_context_args", [{...}])`."""
    return {}


@pytest.fixture
def page(
    request: pytest.FixtureRequest,
    browser: Browser,
    live_server: str,
    browser_context_args: dict[str, Any],
) -> Iterator[Page]:
    """A page in a fresh context; on failure its screenshot and HTML go to test-artifacts/."""
    context = browser.new_context(base_url=live_server, **browser_context_args)
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    opened = context.new_page()
    try:
        yield opened
    finally:
        try:
            if _failed(request.node):
                _save_artifacts(opened, request.node.name)
        finally:
            context.close()


def _save_artifacts(page: Page, test_name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", test_name)
    page.screenshot(path=ARTIFACTS / f"{stem}.png", full_page=True)
    (ARTIFACTS / f"{stem}.html").write_text(page.content(), encoding="utf-8")


@pytest.fixture
def console_errors(page: Page) -> list[str]:
    """Console errors (CSP violations among them) and uncaught exceptions seen by the page."""
    seen: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            seen.append(f"console: {message.text} ({message.location.get('url', '')})")

    page.on("console", on_console)
    page.on("pageerror", lambda error: seen.append(f"uncaught: {error}"))
    return seen
