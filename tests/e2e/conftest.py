"""On a failing browser test, keep a screenshot of the page for diagnosis (``$SLE_ABSTRACT_E2E_FAILURES``)."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import pytest


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> object:
    outcome = yield
    report = outcome.get_result()
    folder = os.environ.get("SLE_ABSTRACT_E2E_FAILURES")
    page = item.funcargs.get("page") if hasattr(item, "funcargs") else None
    if folder and report.when == "call" and report.failed and page is not None:
        Path(folder).mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(Exception):  # the page may be gone already
            page.screenshot(path=str(Path(folder) / f"{item.name}.png"))
