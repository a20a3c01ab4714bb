"""End to end in a real browser: Debian's Chromium driven by Playwright against `streamlit run app.py`.

The results are made by `sle-abstract run` on the demo corpus plus patients
whose ids, notes and note ids carry script payloads and SQL, and canary
notes (some of them malformed) with unique marker phrases. The server runs
headless on a free loopback port with its own results and database. The
tests open a patient, accept an evidence item (button and keyboard),
override a criterion with a reason, reload and find both persisted, open a
note highlighted and scrolled to a span, export and check the file; check
that script payloads in notes, ids, reviewer names, reasons and comments run
nothing and show as text, that SQL typed into every text field is stored
and shown literally, that the app refuses to serve on a network address
without sign-in (connecting through 127.0.0.1 only), and that no note text
reaches the batch's or the server's logs.

With ``SLE_ABSTRACT_SCREENSHOTS=DIR`` (``make screenshots`` uses ``docs/``)
the worklist, patient view and note view are saved there as PNG.
"""

from __future__ import annotations

import csv
import io
import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest

from nlp.cli import demo_corpus
from nlp.review.store import PATIENT_TARGET, ReviewStore
from nlp.ui.html import WORD_JOINER

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

# Script and event-handler payloads in ids, a reviewer name, a reason and a comment.
PAYLOAD_PID = "<img src=x onerror=window.__pwned=11>"
QUOTE_PID = 'Q"\' onmouseover="window.__pwned=12" x=\'<svg onload=alert(13)>'
PAYLOAD_NOTE_ID = 'N1"><svg/onload=window.__pwned=14>'
XSS_REVIEWER = "<img src=x onerror=window.__pwned=15> &amp; \"r'><svg onload=alert(16)>"
XSS_REASON = '"><img src=x onerror=window.__pwned=17> **bold** [link](javascript:alert(18)) &lt;b&gt; :red[x]'
XSS_COMMENT = "</div><script>window.__pwned=19</script><b onmouseover=alert(20)>hover</b> &amp; $x$"

# SQL in every text field; the patient's note holds the quoted strings so they can be added as evidence.
SQL_PID = "Robert'); DROP TABLE review_audit;--"
SQL_REVIEWER = "O'Brien\"; DELETE FROM review_audit; --"
SQL_REASON = "'; DROP TABLE review_audit; --"
SQL_QUOTE = '" OR 1=1 --'
SQL_CONCEPT = "concept'); DELETE FROM review_audit;--"
SQL_COMMENT = "Robert'); DELETE FROM review_audit;-- \" OR 1=1 --"
SQL_UNLOCK = "1' UNION SELECT reviewer, reason FROM review_audit; --"
SQL_SEARCHES = ("' OR 1=1 --", "%", "_", "Robert'); DROP", '" OR "1"="1')
SQL_TEXT = (
    "PORTAL MESSAGE\nPatient typed '; DROP TABLE review_audit; -- and \" OR 1=1 -- into the form.\n"
    "Assessment: systemic lupus erythematosus since 2021, on hydroxychloroquine. Anti-dsDNA positive."
)

# Canary notes for the log test: every marker is unique to its note.
CANARY_PID = "CANARY-1"
CANARY_TEXTS = {
    "C1": "Rheumatology follow-up. CANARY-ALPHA-7731 zebra quokka lantern pavilion. Assessment: systemic lupus "
    "erythematosus diagnosed 2019, on hydroxychloroquine and mycophenolate since 2022, SLEDAI 8 despite therapy. "
    "Anti-dsDNA positive. 34 year old woman.",
    "C2": "Nephrology consult. CANARY-BRAVO-5512 marmalade orchestra. Creatinine stable, no proteinuria; lupus "
    "nephritis not active. Not pregnant, not breastfeeding.",
}
CANARY_BAD = {  # marker -> a record the reader rejects
    "CANARY-CHARLIE-9044": {"patient_id": "CANARY-2", "note_id": "C1", "note_date": "2025-02-30",
                            "text": "CANARY-CHARLIE-9044 impossible date walrus tapestry, lupus flare."},
    "CANARY-ECHO-1187": {"patient_id": "CANARY-2", "note_id": "C2", "text": None,
                         "note_type": "CANARY-ECHO-1187 type of a note without text"},
    "CANARY-FOXTROT-6620": {"patient_id": "CANARY-2", "note_id": "C3",
                            "text": ["CANARY-FOXTROT-6620 text given as a list, not a string"]},
    "CANARY-GOLF-2290": {"patient_id": CANARY_PID, "note_id": "C1", "note_date": "2025-01-09",
                         "text": "CANARY-GOLF-2290 a second note with an id already used, lupus nephritis."},
}  # fmt: skip
CANARY_MALFORMED_TEXT = "CANARY-DELTA-3309 truncated record flamingo harmonica, systemic lupus erythematosus"
CANARY_MALFORMED = f'{{"patient_id": "CANARY-3", "note_id": "C1", "text": "{CANARY_MALFORMED_TEXT}" "note_date":'
CANARY_CSV_TEXTS = ("CANARY-HOTEL-4417 okapi saxophone. Systemic lupus erythematosus, stable.",
                    "CANARY-INDIA-8862 a short row, lupus")  # fmt: skip
CANARY_CSV = (
    "patient_id,note_id,note_date,note_type,text\n"
    f'CANARY-4,C1,2025-01-07,Clinic,"{CANARY_CSV_TEXTS[0]}"\n'
    f'CANARY-4,C2,"{CANARY_CSV_TEXTS[1]}"\n'  # a short row
)
CANARY_UPLOAD_TEXTS = (
    "CANARY-JULIET-7150 kestrel violin. Systemic lupus erythematosus on prednisone.",
    "CANARY-KILO-3021 broken upload line, lupus nephritis class IV",
    "CANARY-LIMA-5096 impossible month heron cello, lupus.",
)
CANARY_UPLOAD = "\n".join(
    [
        json.dumps({"patient_id": "CANARY-UP-1", "note_id": "U1", "note_date": "2025-03-02",
                    "text": CANARY_UPLOAD_TEXTS[0]}),
        f'{{"patient_id": "CANARY-UP-2", "note_id": "U2", "text": "{CANARY_UPLOAD_TEXTS[1]}"',
        json.dumps({"patient_id": "CANARY-UP-3", "note_id": "U3", "note_date": "2025-13-01",
                    "text": CANARY_UPLOAD_TEXTS[2]}),
    ]
) + "\n"  # fmt: skip
MARKERS = [
    *(t.split(". ")[1].split()[0] for t in CANARY_TEXTS.values()),
    *CANARY_BAD,
    "CANARY-DELTA-3309",
    "CANARY-HOTEL-4417",
    "CANARY-INDIA-8862",
    "CANARY-JULIET-7150",
    "CANARY-KILO-3021",
    "CANARY-LIMA-5096",
]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _records() -> list[dict]:
    """The extra input records: hostile ids and text, and the valid canary notes."""
    return [
        {"patient_id": XSS_PID, "note_id": "N1", "note_date": "2025-01-05",
         "note_type": '<img src=x onerror="window.__pwned=3">', "text": XSS_TEXT},
        {"patient_id": PAYLOAD_PID, "note_id": PAYLOAD_NOTE_ID, "note_date": "2025-01-06", "text": XSS_TEXT},
        {"patient_id": QUOTE_PID, "note_id": "N1", "note_date": "2025-01-06", "text": XSS_TEXT},
        {"patient_id": SQL_PID, "note_id": "N1';--", "note_date": "2025-01-06", "text": SQL_TEXT},
        *({"patient_id": CANARY_PID, "note_id": nid, "note_date": f"2025-01-0{i + 1}", "text": text}
          for i, (nid, text) in enumerate(CANARY_TEXTS.items())),
    ]  # fmt: skip


@dataclass(frozen=True)
class Batch:
    """A `sle-abstract run` and what it wrote besides its results."""

    results: Path
    stdout: str
    stderr: str
    note_texts: list[str]


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> Batch:
    root = tmp_path_factory.mktemp("e2e")
    corpus, extra_csv = root / "notes.jsonl", root / "canary.csv"
    lines = [json.dumps(r) for r in _records()] + [json.dumps(r) for r in CANARY_BAD.values()] + [CANARY_MALFORMED]
    corpus.write_text(demo_corpus().read_text(encoding="utf-8") + "\n".join(lines) + "\n", encoding="utf-8")
    extra_csv.write_text(CANARY_CSV, encoding="utf-8")
    script = Path(sys.executable).with_name("sle-abstract")
    cmd = [str(script)] if script.exists() else [sys.executable, "-m", "nlp.cli"]
    out = root / "demo-output"
    proc = subprocess.run(
        [*cmd, "run", str(corpus), str(extra_csv), "--out", str(out)],
        cwd=root, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    demo = [json.loads(x)["text"] for x in demo_corpus().read_text(encoding="utf-8").splitlines() if x.strip()]
    texts = [*demo, *(r["text"] for r in _records())]
    texts += [r["text"] if isinstance(r["text"], str) else json.dumps(r["text"]) for r in CANARY_BAD.values()]
    texts += [CANARY_MALFORMED_TEXT, *CANARY_CSV_TEXTS]
    return Batch(out, proc.stdout, proc.stderr, [t for t in texts if t])


@pytest.fixture(scope="module")
def results_dir(batch: Batch) -> Path:
    return batch.results


def _start(results_dir: Path, log: Path, address: str, *args: str) -> tuple[subprocess.Popen, str]:
    """Start `streamlit run app.py` on ``address``; it is always reached through 127.0.0.1."""
    port = _free_port()
    env = {**os.environ, "SLE_ABSTRACT_WORKDIR": str(results_dir.parent / "uploads")}
    for name in ("SLE_ABSTRACT_DB_URL", "SLE_ABSTRACT_PASSWORDS", "SLE_ABSTRACT_RESULTS", "SLE_ABSTRACT_DATASET"):
        env.pop(name, None)
    cmd = [
        sys.executable, "-m", "streamlit", "run", str(REPO / "app.py"),
        "--server.port", str(port), "--server.address", address, "--server.headless", "true",
        "--browser.gatherUsageStats", "false", "--", "--results", str(results_dir), *args,
    ]  # fmt: skip
    with log.open("w", encoding="utf-8") as fh:
        proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=fh, stderr=subprocess.STDOUT)
    return proc, f"http://127.0.0.1:{port}"


def _wait_healthy(proc: subprocess.Popen, url: str, log: Path) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.read().strip() == b"ok":
                    return
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"streamlit did not start:\n{log.read_text(encoding='utf-8')[-3000:]}")
        time.sleep(0.3)


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


@dataclass(frozen=True)
class Server:
    url: str
    log: Path


@pytest.fixture(scope="module")
def app_server(results_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    log = tmp_path_factory.mktemp("server") / "streamlit.log"
    proc, url = _start(results_dir, log, "127.0.0.1")
    try:
        _wait_healthy(proc, url, log)
        yield Server(url, log)
    finally:
        _stop(proc)


@pytest.fixture(scope="module")
def server(app_server: Server) -> str:
    return app_server.url


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


def sign_in(page, url: str, name: str = REVIEWER) -> None:
    page.goto(url)
    page.locator(".st-key-login-name input").fill(name)
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
    in_progress = page.locator('[data-testid="stMetric"]', has_text="In progress")
    assert int(in_progress.locator('[data-testid="stMetricValue"]').inner_text()) >= 1
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


# ------------------------------------------------------------------ hostile text in every field (issue #6)

# Every element with an inline event handler attribute (onerror=, onload=, onmouseover=, ...).
INLINE_HANDLERS = """() => [...document.querySelectorAll('*')]
  .filter((el) => [...el.attributes].some((a) => a.name.toLowerCase().startsWith('on')))
  .map((el) => el.outerHTML.slice(0, 160))"""


def patient_url(server: str, pid: str) -> str:
    return f"{server}/?view=patient&patient={quote(pid, safe='')}"


def fill(page, widget_key: str, value: str) -> None:
    """Type into a text input and commit it (Enter), as a reviewer would."""
    box = key(page, widget_key).locator("input, textarea").first
    box.fill(value)
    box.press("Control+Enter" if box.evaluate("e => e.tagName") == "TEXTAREA" else "Enter")
    wait_idle(page)


def patients(results_dir: Path) -> dict[str, dict]:
    lines = (results_dir / "patients.jsonl").read_text(encoding="utf-8").splitlines()
    return {p["patient_id"]: p for p in map(json.loads, lines)}


def override(page, results_dir: Path, pid: str, cid: str, reason: str) -> str:
    """Override a criterion (reason "Other" with free text); return the status chosen."""
    tool = patients(results_dir)[pid]["criteria"][cid]["status"]
    status = "unknown" if tool != "unknown" else "not_met"
    card = key(page, f"pv-card-{cid}")
    card.get_by_text("Override the tool's status").click()
    choose(page, f"pv-ovr-status-{cid}", status.replace("_", " "))
    choose(page, f"pv-ovr-code-{cid}", "Other")
    fill(page, f"pv-ovr-text-{cid}", reason)
    key(page, f"pv-ovr-save-{cid}").locator("button").click()
    card.get_by_text(f"reviewer: {status.replace('_', ' ')}").wait_for()
    wait_idle(page)
    return status


def finish(page, comment: str) -> None:
    """Confirm the criteria left, write a comment and save a final determination (which locks the record)."""
    key(page, "pv-confirm-rest").locator("button").click()
    wait_idle(page)
    fill(page, "pv-comment", comment)
    wait_idle(page)
    # While the app reruns after the comment, Streamlit can briefly show the
    # outgoing button beside the new one: click the newest.
    key(page, "pv-det-save").locator("button").last.click()
    key(page, "pv-unlock-reason").wait_for()
    wait_idle(page)


def open_view(page, label: str) -> None:
    page.locator('[data-testid="stSidebar"]').get_by_text(label, exact=True).click()
    wait_idle(page)


def shown(locator) -> str:
    """The text a reviewer sees (less the invisible word joiners that keep "--", "->", ">=" from turning into symbols)."""
    return locator.inner_text().replace(WORD_JOINER, "")


def assert_inert(page) -> None:
    """Nothing ran: no marker set, no dialog, no element carrying an inline handler, in any frame."""
    page.wait_for_timeout(300)
    for frame in page.frames:
        assert frame.evaluate("() => window.__pwned") is None, frame.url
        assert frame.evaluate(INLINE_HANDLERS) == [], frame.url
        assert frame.evaluate("() => [...document.scripts].every(s => !s.textContent.includes('__pwned'))")
    assert page.dialogs == []
    assert page.locator('[data-testid="stException"]').count() == 0


def test_payloads_in_ids_names_reasons_and_comments_run_nothing_and_show_as_text(
    page, server: str, results_dir: Path
) -> None:
    sign_in(page, patient_url(server, PAYLOAD_PID), XSS_REVIEWER)
    key(page, "pv-back").wait_for()
    wait_idle(page)
    assert XSS_REVIEWER in shown(page.locator('[data-testid="stSidebar"]'))  # "Signed in as ..."
    assert PAYLOAD_PID in shown(page.locator('[data-testid="stMain"]'))  # the patient header
    assert PAYLOAD_NOTE_ID in shown(key(page, "pv-notes-panel"))  # timeline and note picker

    cid = "age_18_or_older"
    override(page, results_dir, PAYLOAD_PID, cid, XSS_REASON)
    card = shown(key(page, f"pv-card-{cid}"))
    assert XSS_REASON in card and XSS_REVIEWER in card  # the decision line, literally
    finish(page, XSS_COMMENT)
    comment = shown(page.locator(".rv-meta", has_text="Comment"))
    assert XSS_COMMENT in comment and XSS_REVIEWER in comment
    assert_inert(page)

    # The quote-breaking id: found by the search box, opened by selecting its row in the worklist, shown as text.
    open_view(page, "Worklist")
    fill(page, "wl-search", QUOTE_PID)
    page.get_by_text(f"1 of {len(patients(results_dir))} patients shown").wait_for()
    wait_idle(page)
    table = key(page, "wl-table").bounding_box()
    page.mouse.click(table["x"] + 15, table["y"] + 35 + 17)  # the first row's selection marker
    key(page, "pv-back").wait_for()
    wait_idle(page)
    assert QUOTE_PID in shown(page.locator('[data-testid="stMain"]'))
    assert_inert(page)


def _audit_rows(db: Path) -> list[dict]:
    if not db.exists():
        return []
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    con.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in con.execute("SELECT * FROM review_audit ORDER BY id")]
    finally:
        con.close()


def test_sql_in_every_text_field_is_stored_and_shown_literally(page, server: str, results_dir: Path) -> None:
    db = results_dir / "review.sqlite"
    before = _audit_rows(db)
    cid = "age_18_or_older"

    # Text fields of the patient view: reviewer name, override reason, quote and concept of added
    # evidence, comment (with the final determination), reason for unlocking.
    sign_in(page, patient_url(server, SQL_PID), SQL_REVIEWER)
    key(page, "pv-back").wait_for()
    wait_idle(page)
    override(page, results_dir, SQL_PID, cid, SQL_REASON)
    key(page, "pv-notes-panel").get_by_text("Add evidence the tool missed").click()
    fill(page, "pv-quote", SQL_QUOTE)
    fill(page, "pv-add-concept", SQL_CONCEPT)
    key(page, "pv-add-save").locator("button").click()
    key(page, f"pv-card-{cid}").get_by_text(f"added by {SQL_REVIEWER}").wait_for()
    wait_idle(page)
    finish(page, SQL_COMMENT)
    fill(page, "pv-unlock-reason", SQL_UNLOCK)
    key(page, "pv-unlock").locator("button").click()
    key(page, "pv-det-save").wait_for()
    wait_idle(page)

    # Shown literally.
    assert SQL_REVIEWER in shown(page.locator('[data-testid="stSidebar"]'))
    main = shown(page.locator('[data-testid="stMain"]'))
    assert SQL_PID in main
    card = shown(key(page, f"pv-card-{cid}"))
    assert SQL_REASON in card and SQL_QUOTE in card and f"concept: {SQL_CONCEPT}" in card
    assert SQL_COMMENT in shown(page.locator(".rv-meta", has_text="Comment"))
    assert SQL_UNLOCK in main  # "... unlocked the record at ... — <reason>"

    # Stored literally (a direct read of the database, and through the store), nothing dropped or deleted.
    after = _audit_rows(db)
    assert after[: len(before)] == before  # every earlier row still there, unchanged
    mine = after[len(before) :]
    assert {r["patient_id"] for r in mine} == {SQL_PID} and {r["reviewer"] for r in mine} == {SQL_REVIEWER}
    kinds = sorted(r["kind"] for r in mine)
    assert kinds == sorted(["criterion"] * 8 + ["added_evidence", "determination", "comment", "lock", "lock"])
    (ovr,) = [r for r in mine if r["action"] == "override"]
    assert (ovr["reason_code"], ovr["reason"]) == ("Other", SQL_REASON)
    (added,) = [json.loads(r["detail"]) for r in mine if r["kind"] == "added_evidence"]
    assert (added["text"], added["concept"]) == (SQL_QUOTE, SQL_CONCEPT)
    assert [r["new_value"] for r in mine if r["kind"] == "comment"] == [SQL_COMMENT]
    assert [r["reason"] for r in mine if r["action"] == "unlock"] == [SQL_UNLOCK]
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        schema = dict(con.execute("SELECT name, type FROM sqlite_master").fetchall())
    finally:
        con.close()
    assert schema["review_audit"] == "table"
    assert {"review_audit_no_update", "review_audit_no_delete"} <= set(schema)
    store = ReviewStore(f"sqlite:///{db}")
    try:
        review = store.review(SQL_PID)
        assert review.criterion(cid).reason == SQL_REASON and review.comment.new_value == SQL_COMMENT
        assert review.added(cid)[0].detail["text"] == SQL_QUOTE
        assert review.current("lock", PATIENT_TARGET).reason == SQL_UNLOCK
        assert len(store.entries()) == len(after)
    finally:
        store.dispose()

    # The search box filters literally (a substring of the id, no wildcards) and never errors;
    # the patient picker's type-ahead takes the same text.
    ids = list(patients(results_dir))
    open_view(page, "Worklist")
    for q in SQL_SEARCHES:
        fill(page, "wl-search", q)
        expected = sum(q.strip().lower() in pid.lower() for pid in ids)
        page.get_by_text(f"{expected} of {len(ids)} patients shown").wait_for()
        assert page.locator('[data-testid="stException"]').count() == 0
    fill(page, "wl-search", "")
    choose(page, "wl-open-pid", SQL_PID)
    key(page, "wl-open").locator("button").click()
    key(page, "pv-back").wait_for()
    assert SQL_PID in shown(page.locator('[data-testid="stMain"]'))
    assert page.dialogs == []


# ------------------------------------------------------------------ no network address without sign-in

PASSWORD = "e2e-pass-1234"


@pytest.fixture(scope="module")
def exposed(results_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Server]]:
    """Two servers bound to every interface (0.0.0.0), reached through 127.0.0.1 only: without and with sign-in."""
    from nlp.review.__main__ import main as review_cli

    folder = tmp_path_factory.mktemp("exposed")
    passwd = folder / "reviewers.passwd"
    with pytest.MonkeyPatch.context() as mp:  # `python -m nlp.review passwd` asks twice
        mp.setattr("getpass.getpass", lambda prompt="": PASSWORD)
        assert review_cli(["passwd", "e2e-pat", "--file", str(passwd)]) == 0
    db = ("--db", f"sqlite:///{folder / 'review.sqlite'}")
    started: dict[str, tuple[subprocess.Popen, Server]] = {}
    try:
        for name, args in (("open", db), ("passwords", (*db, "--passwords", str(passwd)))):
            log = folder / f"{name}.log"
            proc, url = _start(results_dir, log, "0.0.0.0", *args)
            started[name] = (proc, Server(url, log))
        for proc, srv in started.values():
            _wait_healthy(proc, srv.url, srv.log)
        yield {name: srv for name, (_proc, srv) in started.items()}
    finally:
        for proc, _srv in started.values():
            _stop(proc)


def test_a_network_address_without_sign_in_is_refused(page, exposed: dict[str, Server]) -> None:
    srv = exposed["open"]
    for url in (srv.url, patient_url(srv.url, PID)):
        page.goto(url)
        page.get_by_text("Not serving patients here").wait_for()
        wait_idle(page)
        text = page.locator("body").inner_text()
        assert "--passwords" in text and "[auth]" in text and "127.0.0.1" in text and "SECURITY.md" in text
        assert page.locator(".st-key-login-name").count() == 0
        assert page.locator('[data-testid="stSidebar"]').count() == 0
        assert not any(pid in text for pid in (PID, XSS_PID, CANARY_PID, SQL_PID, "DEMO-0"))
        assert not any(m in text for m in MARKERS) and "lupus" not in text.lower()
    log = srv.log.read_text(encoding="utf-8")
    assert "refusing to serve" in log and "'0.0.0.0'" in log
    assert "DEMO-0" not in log and "lupus" not in log.lower()


def test_a_network_address_with_a_password_file_asks_for_sign_in(page, exposed: dict[str, Server]) -> None:
    srv = exposed["passwords"]
    page.goto(srv.url)
    key(page, "login-password").wait_for()
    text = page.locator("body").inner_text()
    assert "Not serving patients here" not in text and "DEMO-0" not in text
    page.locator(".st-key-login-name input").fill("e2e-pat")
    page.locator(".st-key-login-password input").fill(PASSWORD)
    page.locator(".st-key-login-submit button").click()
    key(page, "wl-table").wait_for()
    assert "refusing" not in srv.log.read_text(encoding="utf-8")


# ------------------------------------------------------------------ no note text in logs

WINDOW = 30


def note_text_in(logs: dict[str, str], texts: list[str]) -> list[str]:
    """Every log that holds a canary marker or any 30-character stretch (15+ letters or digits) of a note."""
    variants = [
        *texts,
        *(json.dumps(t, ensure_ascii=False)[1:-1] for t in texts),
        *(json.dumps(t)[1:-1] for t in texts),
    ]
    found = []
    for name, log in logs.items():
        grams = {log[i : i + WINDOW] for i in range(len(log) - WINDOW + 1)}
        found += [f"{name}: marker {m}" for m in MARKERS if m in log]
        for text in variants:
            for i in range(len(text) - WINDOW + 1):
                window = text[i : i + WINDOW]
                if window in grams and sum(c.isalnum() for c in window) >= 15:
                    found.append(f"{name}: {window!r}")
                    break
    return found


def test_the_log_check_finds_note_text() -> None:
    note = CANARY_TEXTS["C1"]
    assert note_text_in({"log": "Screened 3 of 4 notes"}, [note]) == []
    assert note_text_in({"log": f"error: {note[60:95]}"}, [note])  # any 30-character stretch
    assert note_text_in({"log": json.dumps({"reason": note[100:140] + '"'})}, [note + '"'])  # JSON-escaped
    assert note_text_in({"log": "rejected: CANARY-ALPHA-7731"}, [])  # a marker alone


def test_no_note_text_in_batch_or_server_logs(
    page, app_server: Server, exposed: dict[str, Server], batch: Batch, results_dir: Path, tmp_path: Path
) -> None:
    # A review session: open every note of a canary patient, decide, run into a conflict and an error.
    sign_in(page, patient_url(app_server.url, CANARY_PID), "e2e-logs")
    key(page, "pv-back").wait_for()
    for i, (nid, text) in enumerate(CANARY_TEXTS.items()):
        choose(page, "pv-note", f"2025-01-0{i + 1} · Note · {nid}")
        page.locator(".rvnv-note").get_by_text(text.split(". ")[1][:25], exact=False).wait_for()
    wait_idle(page)
    key(page, "pv-kb-accept").locator("button").first.click()
    wait_idle(page)
    key(page, "pv-focus-sle_diagnosis").locator("button").click()
    wait_idle(page)
    tool_version = json.loads((results_dir / "manifest.json").read_text(encoding="utf-8"))["tool_version"]
    store = ReviewStore(f"sqlite:///{results_dir / 'review.sqlite'}", tool_version=tool_version)
    try:  # another reviewer decides while this one looks
        status = patients(results_dir)[CANARY_PID]["criteria"]["sle_diagnosis"]["status"]
        store.record(reviewer="e2e-other", patient_id=CANARY_PID, kind="criterion", target="sle_diagnosis",
                     criterion_id="sle_diagnosis", action="confirm", new_value=status, expected_prev=0)  # fmt: skip
    finally:
        store.dispose()
    key(page, "pv-confirm-sle_diagnosis").locator("button").click()
    page.get_by_text("Someone else decided on this", exact=False).wait_for()
    wait_idle(page)
    key(page, "pv-notes-panel").get_by_text("Add evidence the tool missed").click()
    fill(page, "pv-quote", "words that are in no note at all")
    key(page, "pv-add-save").locator("button").click()
    page.get_by_text("does not occur in this note").wait_for()

    # Screen an upload in the UI (the engine then runs in the server): a canary note, a broken line, a bad date.
    upload = tmp_path / "canary-upload.jsonl"
    upload.write_text(CANARY_UPLOAD, encoding="utf-8")
    open_view(page, "Screen new notes")
    key(page, "run-file").locator('input[type="file"]').set_input_files(str(upload))
    page.locator(".st-key-run-go button:enabled").wait_for()
    page.locator(".st-key-run-go button").click()
    key(page, "wl-table").wait_for(timeout=180_000)
    choose(page, "wl-open-pid", "CANARY-UP-1")
    key(page, "wl-open").locator("button").click()
    page.locator(".rvnv-note").get_by_text("CANARY-JULIET-7150", exact=False).wait_for()
    open_view(page, "Export")
    key(page, "ex-csv").wait_for()
    page.goto(exposed["open"].url)  # and a refusal, which the server logs
    page.get_by_text("Not serving patients here").wait_for()
    page.wait_for_timeout(500)

    uploads = sorted((results_dir.parent / "uploads").glob("*/results"))
    logs = {
        "sle-abstract stdout": batch.stdout,
        "sle-abstract stderr": batch.stderr,
        "errors.jsonl": (results_dir / "errors.jsonl").read_text(encoding="utf-8"),
        "manifest.json": (results_dir / "manifest.json").read_text(encoding="utf-8"),
        "streamlit server": app_server.log.read_text(encoding="utf-8"),
        **{f"streamlit {name}": srv.log.read_text(encoding="utf-8") for name, srv in exposed.items()},
        **{f"upload {p.name}": p.read_text(encoding="utf-8") for u in uploads for p in u.glob("*") if p.name in
           ("errors.jsonl", "manifest.json")},
    }  # fmt: skip
    # The error paths ran (every rejected record is listed) and the logs were captured.
    errors = [json.loads(x) for x in logs["errors.jsonl"].splitlines()]
    assert len(errors) == len(CANARY_BAD) + 2, errors  # + the malformed JSON line and the short CSV row
    assert len(uploads) == 1 and logs["upload errors.jsonl"].count("\n") == 2
    assert "Streamlit app" in logs["streamlit server"] and "refusing to serve" in logs["streamlit open"]
    texts = [*batch.note_texts, *CANARY_UPLOAD_TEXTS]
    assert note_text_in(logs, texts) == []
