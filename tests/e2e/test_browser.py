"""End to end in a real browser: Debian's Chromium driven by Playwright against `streamlit run app.py`.

The server runs headless on a free loopback port with its own results and
database. The tests open a patient, accept an evidence item (button and
keyboard), override a criterion with a reason, reload and find both
persisted, open a note highlighted and scrolled to a span, export and check
the file, and check that a note carrying script payloads runs nothing.

With ``SLE_ABSTRACT_SCREENSHOTS=DIR`` (``make screenshots`` uses ``docs/``)
the worklist, patient view and note view are saved there as PNG.
"""

from __future__ import annotations

import csv
import io
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from nlp.cli import demo_corpus
from nlp.engine import run

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="Debian's chromium is not installed (/usr/bin/chromium); .ci/run installs it"
    ),
]
REPO = Path(__file__).resolve().parents[2]
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PID = "DEMO-004"
XSS_PID = "XSS-001"
XSS_TEXT = (
    "ED NOTE\nPatient pasted: <script>window.__pwned=1;alert('xss')</script> and "
    '<img src=x onerror="window.__pwned=2;alert(2)">.\n'
    "Assessment: systemic lupus erythematosus, on prednisone since 2023. Anti-dsDNA positive."
)
REVIEWER = "e2e-ana"
TIMEOUT = 60_000  # generous: CI machines are small and may be busy


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def results_dir(tmp_path_factory: pytest.TempPathFactory, pipeline) -> Path:
    root = tmp_path_factory.mktemp("e2e")
    corpus = root / "notes.jsonl"
    extra = {
        "patient_id": XSS_PID,
        "note_id": "N1",
        "note_date": "2025-01-05",
        "note_type": '<img src=x onerror="window.__pwned=3">',
        "text": XSS_TEXT,
    }
    corpus.write_text(demo_corpus().read_text(encoding="utf-8") + json.dumps(extra) + "\n", encoding="utf-8")
    run([corpus], root / "demo-output", pipeline=pipeline)
    return root / "demo-output"


@pytest.fixture(scope="module")
def server(results_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = _free_port()
    log = tmp_path_factory.mktemp("server") / "streamlit.log"
    env = {**os.environ, "SLE_ABSTRACT_WORKDIR": str(results_dir.parent / "uploads")}
    env.pop("SLE_ABSTRACT_DB_URL", None)
    cmd = [
        sys.executable, "-m", "streamlit", "run", str(REPO / "app.py"),
        "--server.port", str(port), "--server.address", "127.0.0.1", "--server.headless", "true",
        "--browser.gatherUsageStats", "false", "--", "--results", str(results_dir),
    ]  # fmt: skip
    with log.open("w", encoding="utf-8") as fh:
        proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=fh, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.read().strip() == b"ok":
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"streamlit did not start:\n{log.read_text(encoding='utf-8')[-3000:]}")
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, tmp_path: Path) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1500, "height": 1100}, accept_downloads=True)
    pg = context.new_page()
    pg.set_default_timeout(TIMEOUT)
    pg.dialogs = []  # type: ignore[attr-defined]
    pg.on("dialog", lambda d: (pg.dialogs.append(d.message), d.dismiss()))  # type: ignore[attr-defined]
    yield pg
    context.close()


def screenshot(target, name: str) -> None:
    folder = os.environ.get("SLE_ABSTRACT_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        target.screenshot(path=str(Path(folder) / name))


def sign_in(page, url: str) -> None:
    page.goto(url)
    page.locator(".st-key-login-name input").fill(REVIEWER)
    page.locator(".st-key-login-submit button").click()
    page.get_by_text("Signed in as").wait_for()


def key(page, name: str):
    return page.locator(f".st-key-{name}")


def wait_idle(page) -> None:
    """Let the app finish its run (the status widget shows while the script runs)."""
    page.wait_for_timeout(300)
    page.locator('[data-testid="stStatusWidget"]').wait_for(state="hidden", timeout=TIMEOUT)


def choose(page, select_key: str, option: str) -> None:
    wait_idle(page)
    for _attempt in range(4):  # the list can be redrawn under the pointer by a rerun; try again
        box = key(page, select_key).get_by_role("combobox")
        box.click()
        box.fill(option)  # the list filters as one types
        try:
            page.get_by_role("option", name=option, exact=True).click(timeout=5000)
        except Exception:
            page.keyboard.press("Escape")
            wait_idle(page)
            continue
        wait_idle(page)
        if key(page, select_key).get_by_role("combobox").input_value() == option:
            return
    raise AssertionError(f"could not choose {option!r} in {select_key}")


def evidence_ids(results_dir: Path, pid: str, cid: str) -> list[str]:
    lines = (results_dir / "evidence.jsonl").read_text(encoding="utf-8").splitlines()
    return [e["evidence_id"] for e in map(json.loads, lines) if e["patient_id"] == pid and e["criterion_id"] == cid]


def test_review_round_trip_persists_and_exports(page, server: str, results_dir: Path) -> None:
    sign_in(page, server)
    key(page, "wl-table").wait_for()
    wait_idle(page)

    # Open a patient from the worklist.
    choose(page, "wl-open-pid", PID)
    key(page, "wl-open").locator("button").click()
    key(page, "pv-back").wait_for()
    wait_idle(page)
    first, second = evidence_ids(results_dir, PID, "age_18_or_older")[:2]

    # Accept one evidence item with the mouse, reject the next with the keyboard (focus moved on).
    key(page, f"pv-acc-{first}").locator("button").click()
    key(page, f"pv-evbox-{first}").get_by_text(f"accepted by {REVIEWER}").wait_for()
    wait_idle(page)
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    page.keyboard.press("x")
    key(page, f"pv-evbox-{second}").get_by_text(f"rejected by {REVIEWER}").wait_for()

    # Override a criterion with a reason.
    key(page, "pv-focus-sle_diagnosis").locator("button").click()
    wait_idle(page)
    key(page, "pv-card-sle_diagnosis").get_by_text("Override the tool's status").click()
    choose(page, "pv-ovr-status-sle_diagnosis", "unknown")
    choose(page, "pv-ovr-code-sle_diagnosis", "Protocol interpretation")
    key(page, "pv-ovr-text-sle_diagnosis").locator("input").fill("only 'lupus-like' wording in the notes")
    key(page, "pv-ovr-text-sle_diagnosis").locator("input").press("Enter")
    wait_idle(page)
    key(page, "pv-ovr-save-sle_diagnosis").locator("button").click()
    key(page, "pv-card-sle_diagnosis").get_by_text("reviewer: unknown").wait_for()
    wait_idle(page)

    # Reload: a new session; sign in again and land on the same patient with both decisions.
    page.reload()
    page.locator(".st-key-login-name input").fill(REVIEWER)
    page.locator(".st-key-login-submit button").click()
    key(page, "pv-back").wait_for()
    key(page, f"pv-evbox-{first}").get_by_text(f"accepted by {REVIEWER}").wait_for()
    card = key(page, "pv-card-sle_diagnosis")
    card.get_by_text("reviewer: unknown").wait_for()
    assert "Protocol interpretation" in card.inner_text()
    wait_idle(page)
    screenshot(page, "patient.png")

    # The worklist shows the patient in progress.
    page.locator('[data-testid="stSidebar"]').get_by_text("Worklist", exact=True).click()
    key(page, "wl-table").wait_for()
    page.get_by_text("In progress").wait_for()
    wait_idle(page)
    screenshot(page, "worklist.png")

    # Export and check the file.
    page.locator('[data-testid="stSidebar"]').get_by_text("Export", exact=True).click()
    key(page, "ex-csv").wait_for()
    with page.expect_download() as dl:
        key(page, "ex-csv").locator("button").click()
    rows = list(csv.DictReader(io.StringIO(Path(dl.value.path()).read_text(encoding="utf-8"))))
    row = next(r for r in rows if r["patient_id"] == PID and r["criterion_id"] == "sle_diagnosis")
    assert (row["tool_status"], row["reviewer_status"], row["decision"], row["reviewer"]) == (
        "met", "unknown", "override", REVIEWER
    )  # fmt: skip
    assert row["reason_code"] == "Protocol interpretation" and "lupus-like" in row["reason"]
    age = next(r for r in rows if r["patient_id"] == PID and r["criterion_id"] == "age_18_or_older")
    assert first in age["evidence_accepted"] and second in age["evidence_rejected"]
    assert page.dialogs == []


def test_note_view_highlights_every_span_and_scrolls_to_one(page, server: str, results_dir: Path) -> None:
    sign_in(page, f"{server}/?view=patient&patient={PID}")
    key(page, "pv-back").wait_for()
    key(page, "pv-kb-next").locator("button").click()  # SLE diagnosis
    wait_idle(page)
    lines = (results_dir / "evidence.jsonl").read_text(encoding="utf-8").splitlines()
    sle = [e for e in map(json.loads, lines) if e["patient_id"] == PID and e["criterion_id"] == "sle_diagnosis"]
    first_page = sle[:5]
    ev = max(first_page, key=lambda e: e["start"])["evidence_id"]  # the deepest span: the note must scroll
    key(page, f"pv-open-{ev}").locator("button").click()
    focus = page.locator(".rvnv-note mark.rvnv-focus")
    focus.wait_for()
    wait_idle(page)
    note = page.locator(".rvnv-note")
    assert note.locator("mark").count() > 3  # every evidence span of the note, not only this one
    assert note.get_attribute("data-scrolled-to") == ev
    colours = set(note.locator("mark").evaluate_all("els => els.map(e => e.style.background)"))
    assert len(colours) > 1  # one colour per criterion
    focus_box, note_box = focus.bounding_box(), note.bounding_box()
    assert note_box["y"] <= focus_box["y"] <= note_box["y"] + note_box["height"]  # scrolled into view
    screenshot(key(page, "pv-notes-panel"), "note.png")

    # Select text the tool did not mark and add it as evidence.
    selected = page.evaluate(SELECT_PLAIN_TEXT)
    assert selected
    page.get_by_text("Selected in the note").wait_for()
    wait_idle(page)
    key(page, "pv-add-save").locator("button").click()
    key(page, "pv-card-sle_diagnosis").get_by_text(f"added by {REVIEWER}").wait_for()
    page.locator(".rvnv-note mark[data-ids^='rv-']").first.wait_for()
    assert selected in page.locator(".rvnv-note mark[data-ids^='rv-']").first.inner_text()


# Select the first 12 characters of the first long unhighlighted stretch of the note, as a reviewer would.
SELECT_PLAIN_TEXT = r"""() => {
  const root = document.querySelector('.rvnv-note');
  const span = [...root.children].find((el) => el.tagName === 'SPAN' && /\w{6}/.test(el.textContent)
                                              && el.textContent.trim().length > 20);
  const text = span.firstChild;
  const i = text.textContent.search(/\w/);
  const range = document.createRange();
  range.setStart(text, i);
  range.setEnd(text, i + 12);
  const sel = document.getSelection();
  sel.removeAllRanges();
  sel.addRange(range);
  root.dispatchEvent(new MouseEvent('mouseup', { bubbles: true }));
  return text.textContent.substr(i, 12).trim();
}"""


def test_a_note_with_script_payloads_runs_nothing(page, server: str) -> None:
    sign_in(page, f"{server}/?view=patient&patient={XSS_PID}")
    key(page, "pv-back").wait_for()
    note = page.locator(".rvnv-note")
    note.get_by_text("<script>window.__pwned=1;alert('xss')</script>", exact=False).wait_for()
    wait_idle(page)
    page.wait_for_timeout(500)
    assert page.evaluate("() => window.__pwned") is None
    assert page.evaluate("() => document.querySelectorAll('img[onerror]').length") == 0
    assert page.evaluate("() => [...document.scripts].every(s => !s.textContent.includes('__pwned'))")
    assert page.dialogs == []
    assert "onerror" in page.locator("body").inner_text()  # shown as text
