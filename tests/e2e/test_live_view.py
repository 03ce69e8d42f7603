"""The live view at /__local/, in a real browser (Debian's Chromium, driven by Selenium):
the numbers move while requests flow. POKEDEX_LIVE_SCREENSHOT=path keeps a screenshot."""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from selenium import webdriver

from pokedex_local.gateway.server import LIVE_PATH
from pokedex_local.live.browser import available, headless_chromium
from tests.e2e.gateway_process import get

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        not available(), reason="Debian's chromium and chromium-driver (make setup installs them)"
    ),
]


@pytest.fixture(scope="module")
def browser() -> Iterator[webdriver.Chrome]:
    driver = headless_chromium()
    yield driver
    driver.quit()


def figure(browser: webdriver.Chrome, chart: str, series: str) -> float | None:
    # Read in one script call: the page re-renders its figures every second, and an
    # element found first and read after could be gone by then.
    selector = f'[data-chart="{chart}"] [data-series="{series}"] b'
    text = browser.execute_script(
        "const e = document.querySelector(arguments[0]); return e ? e.textContent : null;",
        selector,
    )
    return None if text in (None, "", "–") else float(text)


def until(condition: Any, seconds: float = 15.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the live view did not show it in time"
        time.sleep(0.2)


def test_the_live_view_moves_with_the_load(
    local_stack: dict[str, Any], browser: webdriver.Chrome, tmp_path: Path
) -> None:
    stack = local_stack
    browser.get(stack["api_url"] + LIVE_PATH)
    until(
        lambda: (
            "PgBouncer"
            in browser.execute_script("return document.getElementById('status').textContent")
        )
    )
    # When requests flow for a few seconds
    stop = threading.Event()

    def load() -> None:
        while not stop.is_set():
            get(stack["api_url"] + "/poke_info/25")

    workers = [threading.Thread(target=load) for _ in range(4)]
    for worker in workers:
        worker.start()
    try:
        # Then the page shows them, the environments serving them, and the pool
        until(lambda: (figure(browser, "requests", "req/s") or 0) > 0)
        until(lambda: (figure(browser, "backends", "app role") or 0) > 0)
        until(lambda: (figure(browser, "latency", "p50") or 0) > 0)
        busy_or_idle = (figure(browser, "environments", "busy") or 0) + (
            figure(browser, "environments", "idle") or 0
        )
        assert busy_or_idle >= 1
        assert figure(browser, "pool", "servers active") is not None
    finally:
        stop.set()
        for worker in workers:
            worker.join()
    shot = tmp_path / "live.png"
    browser.save_screenshot(str(shot))
    assert shot.stat().st_size > 10_000
    if os.environ.get("POKEDEX_LIVE_SCREENSHOT"):
        shutil.copy(shot, os.environ["POKEDEX_LIVE_SCREENSHOT"])
