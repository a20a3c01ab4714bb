"""The review UI through Streamlit's AppTest: every view and the decision logic, widgets addressed by key."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from nlp.cli import demo_corpus
from nlp.engine import run
from nlp.records import CRITERION_IDS
from nlp.review.passwords import hash_password
from nlp.review.store import PATIENT_TARGET, ReviewStore

APP = str(Path(__file__).resolve().parents[1] / "app.py")
PID = "DEMO-004"
XSS_PID = "XSS-001"
XSS_TEXT = (
    'ED NOTE\nPatient pasted: <script>window.__pwned=1</script> and <img src=x onerror="window.__pwned=2">.\n'
    "Assessment: systemic lupus erythematosus, on prednisone since 2023. Anti-dsDNA positive."
)


@pytest.fixture(scope="module")
def results_dir(tmp_path_factory: pytest.TempPathFactory, pipeline) -> Path:
    """The demo corpus plus a patient whose note carries script payloads, screened once."""
    root = tmp_path_factory.mktemp("app")
    corpus = root / "notes.jsonl"
    extra = {"patient_id": XSS_PID, "note_id": "N1", "note_date": "2025-01-05",
             "note_type": "<img src=x onerror=\"window.__pwned=3\">", "text": XSS_TEXT}  # fmt: skip
    corpus.write_text(demo_corpus().read_text(encoding="utf-8") + json.dumps(extra) + "\n", encoding="utf-8")
    out = root / "results"
    run([corpus], out, pipeline=pipeline)
    return out


@pytest.fixture(autouse=True)
def listen_on(monkeypatch: pytest.MonkeyPatch) -> Callable[[str | None], None]:
    """Set Streamlit's ``server.address`` for the app under test (loopback unless a test says otherwise).

    The app refuses to serve on a network address without sign-in; the tests must not depend on
    the ``.streamlit/config.toml`` of the folder pytest runs in.
    """
    from streamlit import config

    old = config.get_option("server.address")

    def _set(address: str | None) -> None:
        config.set_option("server.address", address, "test")

    _set("127.0.0.1")
    yield _set
    _set(old)


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'review.sqlite'}"


@pytest.fixture
def make_app(results_dir: Path, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., AppTest]:
    monkeypatch.setenv("SLE_ABSTRACT_RESULTS", str(results_dir))
    monkeypatch.setenv("SLE_ABSTRACT_DB_URL", db_url)
    monkeypatch.setenv("SLE_ABSTRACT_DATASET", "default")
    monkeypatch.setenv("SLE_ABSTRACT_WORKDIR", str(tmp_path / "uploads"))
    monkeypatch.delenv("SLE_ABSTRACT_PASSWORDS", raising=False)

    def _make(reviewer: str | None = "ana", view: str | None = None, patient: str | None = None) -> AppTest:
        at = AppTest.from_file(APP, default_timeout=60)
        if reviewer:
            at.session_state["reviewer"] = reviewer
        if view:
            at.session_state["nav"] = view
        if patient:
            at.session_state["patient"] = patient
        at.run()
        assert not at.exception
        return at

    return _make


@pytest.fixture
def store(db_url: str) -> ReviewStore:
    s = ReviewStore(db_url, tool_version="0.1.0")
    yield s
    s.dispose()


def evidence(results_dir: Path, pid: str, cid: str) -> list[dict]:
    lines = (results_dir / "evidence.jsonl").read_text(encoding="utf-8").splitlines()
    return [e for e in map(json.loads, lines) if e["patient_id"] == pid and e["criterion_id"] == cid]


def messages(at: AppTest) -> str:
    return " ".join(str(m.value) for m in [*at.warning, *at.error, *at.info, *at.success])


# ------------------------------------------------------------------ sign-in


def test_a_reviewer_identity_is_required(make_app) -> None:
    at = make_app(reviewer=None)
    assert at.text_input(key="login-name") is not None
    assert not at.get("dataframe")  # no results before sign-in
    at.button(key="login-submit").click().run()
    assert "reviewer name" in at.session_state["login-error"]
    at.text_input(key="login-name").input("ana").run()
    at.button(key="login-submit").click().run()
    assert at.session_state["reviewer"] == "ana"
    assert len(at.dataframe) == 1  # the worklist


def test_password_file_is_checked(make_app, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pw = tmp_path / "reviewers.passwd"
    pw.write_text(f"ana:{hash_password('s3cret-pass', iterations=1000)}\n", encoding="utf-8")
    monkeypatch.setenv("SLE_ABSTRACT_PASSWORDS", str(pw))
    at = make_app(reviewer=None)
    at.text_input(key="login-name").input("ana")
    at.text_input(key="login-password").input("wrong").run()
    at.button(key="login-submit").click().run()
    assert "reviewer" not in at.session_state and "wrong password" in at.session_state["login-error"]
    at.text_input(key="login-password").input("s3cret-pass").run()
    at.button(key="login-submit").click().run()
    assert at.session_state["reviewer"] == "ana"


def test_oidc_identity_is_used_when_configured(make_app) -> None:
    at = AppTest.from_file(APP, default_timeout=60)
    at.secrets["auth"] = {"redirect_uri": "http://127.0.0.1:8501/oauth2callback", "cookie_secret": "x" * 32}
    at.user = {"is_logged_in": False}
    at.run()
    assert at.button(key="login-oidc") is not None
    at.user = {"is_logged_in": True, "email": "dr.who@example.org", "name": "Dr Who"}
    at.run()
    assert "dr.who@example.org" in " ".join(c.value for c in at.sidebar.caption).replace("\\", "")


# ------------------------------------------------------------------ network exposure


@pytest.mark.parametrize(
    ("address", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.0.1.1", True),
        ("127.255.255.254", True),
        ("::1", True),
        ("[::1]", True),
        ("::ffff:127.0.0.1", True),
        ("localhost", True),
        ("LOCALHOST", True),
        (" localhost. ", True),
        ("", False),  # Streamlit listens on every interface
        (None, False),
        ("0.0.0.0", False),
        ("::", False),
        ("[::]", False),
        ("192.168.1.20", False),
        ("10.0.0.5", False),
        ("fe80::1", False),
        ("::ffff:10.0.0.1", False),
        ("128.0.0.1", False),
        ("review.example.org", False),  # a name may resolve to any interface
        ("localhost.example.org", False),
        ("127.1", False),  # a shorthand: refused rather than guessed
    ],
)
def test_loopback_addresses_are_told_from_network_ones(address: str | None, loopback: bool) -> None:
    from nlp.ui.exposure import is_loopback

    assert is_loopback(address) is loopback


def test_refusal_depends_on_address_and_sign_in(tmp_path: Path) -> None:
    from nlp.ui.exposure import refusal

    passwd = tmp_path / "reviewers.passwd"
    assert refusal("127.0.0.1", oidc=False, password_file=None) is None
    assert refusal("0.0.0.0", oidc=True, password_file=None) is None
    assert refusal("0.0.0.0", oidc=False, password_file=None) == "no sign-in is configured"
    assert refusal("", oidc=False, password_file=passwd) == "the password file cannot be read (FileNotFoundError)"
    passwd.write_text("# nobody yet\n", encoding="utf-8")
    assert refusal("0.0.0.0", oidc=False, password_file=passwd) == "the password file lists no reviewers"
    passwd.write_text(f"ana:{hash_password('s3cret-pass', iterations=1000)}\n", encoding="utf-8")
    assert refusal("0.0.0.0", oidc=False, password_file=passwd) is None


def _launch(argv: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[int, list[list[str]]]:
    """Run ``sle-abstract review ARGV`` with exec replaced by a recorder; no server starts."""
    from nlp import cli
    from nlp.review import access, launch

    started: list[list[str]] = []
    monkeypatch.chdir(tmp_path)  # no .streamlit/secrets.toml here ...
    monkeypatch.setattr(access, "oidc_in_secrets", lambda folders: False)  # ... nor in the repo or home
    monkeypatch.delenv("SLE_ABSTRACT_PASSWORDS", raising=False)
    real_main = getattr(launch, "_unpatched_main", launch.main)
    monkeypatch.setattr(launch, "_unpatched_main", real_main, raising=False)
    monkeypatch.setattr(
        launch, "main", lambda args, extra: real_main(args, extra, execv=lambda _p, a: started.append(a))
    )
    return cli.main(["review", *argv]), started


@pytest.mark.parametrize("address", ["0.0.0.0", "::", "192.168.1.20", "review.example.org"])
def test_review_launcher_refuses_to_listen_on_the_network_without_sign_in(
    address: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, started = _launch(["--address", address], tmp_path, monkeypatch)
    assert code == 2 and started == []  # nothing was started, so nothing listened
    err = capsys.readouterr().err
    assert "refusing to listen" in err and "--passwords" in err and "[auth]" in err


def test_review_launcher_starts_streamlit_on_loopback_or_with_a_password_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, started = _launch(["--results", "out", "--db", "sqlite:///x.sqlite"], tmp_path, monkeypatch)
    assert code == 0 and len(started) == 1
    argv = started[0]
    assert argv[1:4] == ["-m", "streamlit", "run"] and argv[4].endswith("app.py")
    assert argv[argv.index("--server.address") + 1] == "127.0.0.1"
    assert argv[argv.index("--") + 1 :] == ["--results", "out", "--db", "sqlite:///x.sqlite"]

    passwd = tmp_path / "reviewers.passwd"
    passwd.write_text(f"ana:{hash_password('s3cret-pass', iterations=1000)}\n", encoding="utf-8")
    code, started = _launch(["--address", "0.0.0.0", "--passwords", str(passwd)], tmp_path, monkeypatch)
    assert code == 0 and started[0][started[0].index("--server.address") + 1] == "0.0.0.0"
    assert started[0][-2:] == ["--passwords", str(passwd)]


def test_review_launcher_reads_oidc_from_secrets(tmp_path: Path) -> None:
    from nlp.review.access import oidc_in_secrets

    assert not oidc_in_secrets([tmp_path])
    (tmp_path / ".streamlit").mkdir()
    (tmp_path / ".streamlit" / "secrets.toml").write_text('[auth]\nredirect_uri = "https://x/oauth2callback"\n')
    assert oidc_in_secrets([tmp_path])


def _page_text(at: AppTest) -> str:
    return " ".join(str(e.value) for e in [*at.title, *at.error, *at.markdown, *at.caption, *at.info, *at.warning])


@pytest.mark.parametrize("address", ["0.0.0.0", "", "::", "192.168.1.20"])
def test_a_network_address_without_sign_in_shows_only_a_refusal(
    make_app, listen_on, address: str, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    from nlp.ui import exposure

    monkeypatch.setattr(exposure, "_warned", set())
    listen_on(address)
    with caplog.at_level("WARNING", logger="nlp.ui.exposure"):
        at = make_app(reviewer="ana", view="patient", patient=PID)  # even a session already signed in
        make_app(reviewer=None)
    text = _page_text(at)
    assert "Not serving patients here" in text
    assert "--passwords" in text and "[auth]" in text and "127.0.0.1" in text and "SECURITY.md" in text
    assert not at.text_input and not at.button and not at.get("dataframe") and not at.sidebar.children
    assert not at.get("html")[1:]  # the page's CSS only: no patient header, card or note
    assert PID not in text and "DEMO-" not in text and "lupus" not in text.lower()
    assert "Some inputs" not in text
    # The server says why, once per address, without PHI.
    (line,) = [r.getMessage() for r in caplog.records if r.name == "nlp.ui.exposure"]
    assert "refusing to serve" in line and "--passwords" in line and PID not in line


def test_a_network_address_with_a_password_file_asks_for_a_password(
    make_app, listen_on, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    listen_on("0.0.0.0")
    pw = tmp_path / "reviewers.passwd"
    pw.write_text(f"ana:{hash_password('s3cret-pass', iterations=1000)}\n", encoding="utf-8")
    monkeypatch.setenv("SLE_ABSTRACT_PASSWORDS", str(pw))
    at = make_app(reviewer=None)
    assert at.text_input(key="login-password") is not None and "Not serving" not in _page_text(at)
    at.text_input(key="login-name").input("ana")
    at.text_input(key="login-password").input("s3cret-pass").run()
    at.button(key="login-submit").click().run()
    assert at.session_state["reviewer"] == "ana" and len(at.dataframe) == 1
    # An empty password file protects nothing: refused.
    pw.write_text("", encoding="utf-8")
    at = make_app(reviewer=None)
    assert "the password file lists no reviewers" in _page_text(at) and not at.text_input


def test_a_network_address_with_oidc_asks_to_sign_in(listen_on) -> None:
    listen_on("0.0.0.0")
    at = AppTest.from_file(APP, default_timeout=60)
    at.secrets["auth"] = {"redirect_uri": "https://review.example.org/oauth2callback", "cookie_secret": "x" * 32}
    at.user = {"is_logged_in": False}
    at.run()
    assert at.button(key="login-oidc") is not None and "Not serving" not in _page_text(at)


# ------------------------------------------------------------------ worklist


def test_worklist_lists_every_patient_with_status_and_progress(make_app, store: ReviewStore) -> None:
    store.record(reviewer="bob", patient_id=PID, kind="criterion", target="sle_diagnosis",
                 criterion_id="sle_diagnosis", action="confirm", new_value="met", expected_prev=0)  # fmt: skip
    at = make_app()
    frame = at.dataframe[0].value
    assert len(frame) == 26
    row = frame[frame["Patient"] == PID].iloc[0]
    assert (row["Review status"], row["Criteria decided"], row["Last reviewer"]) == ("in progress", 1, "bob")
    assert {m.label: m.value for m in at.metric}["In progress"] == "1"


def test_worklist_filters_search_and_sort(make_app) -> None:
    at = make_app()
    at.text_input(key="wl-search").input("demo-01").run()
    assert list(at.dataframe[0].value["Patient"]) == [f"DEMO-{i:03d}" for i in range(10, 20)]
    at.text_input(key="wl-search").input("").run()
    at.multiselect(key="wl-elig").select("needs review").run()
    assert set(at.dataframe[0].value["Tool eligibility"]) == {"needs review"}
    at.multiselect(key="wl-elig").unselect("needs review").run()
    at.selectbox(key="wl-sort").select("Most criteria left").run()
    assert len(at.dataframe[0].value) == 26


def test_worklist_opens_a_patient(make_app) -> None:
    at = make_app()
    at.selectbox(key="wl-open-pid").select(PID).run()
    at.button(key="wl-open").click().run()
    assert at.session_state["nav"] == "patient" and at.session_state["patient"] == PID
    assert at.button(key="pv-back") is not None


# ------------------------------------------------------------------ patient view


def test_patient_view_shows_cards_evidence_and_notes(make_app, results_dir: Path) -> None:
    at = make_app(view="patient", patient=PID)
    html = " ".join(h.proto.body for h in at.get("html"))
    for cid in CRITERION_IDS[1:]:  # the first criterion is in focus, the others offer "Review"
        assert at.button(key=f"pv-focus-{cid}").label == "Review"
    assert at.button(key="pv-confirm-age_18_or_older") is not None
    first = evidence(results_dir, PID, "age_18_or_older")[0]
    assert at.button(key=f"pv-acc-{first['evidence_id']}") is not None
    assert "Inclusion criteria" in html and "Exclusion criteria" in html
    assert "rv-timeline" in html and "<mark" in html  # timeline and highlighted sentences
    assert at.selectbox(key="pv-note").value == f"{PID}-N4"  # latest note open
    assert [e for e in at.get("bidi_component")]  # the note viewer


def test_accept_and_reject_evidence_then_undo(make_app, store: ReviewStore, results_dir: Path) -> None:
    at = make_app(view="patient", patient=PID)
    ev = evidence(results_dir, PID, "age_18_or_older")
    at.button(key=f"pv-acc-{ev[0]['evidence_id']}").click().run()
    at.button(key=f"pv-rej-{ev[1]['evidence_id']}").click().run()
    review = store.review(PID)
    assert review.evidence(ev[0]["evidence_id"]).action == "accept"
    assert review.evidence(ev[1]["evidence_id"]).action == "reject"
    at.button(key="pv-kb-undo").click().run()
    review = store.review(PID)
    assert review.evidence(ev[1]["evidence_id"]) is None and review.evidence(ev[0]["evidence_id"]) is not None


def test_keyboard_buttons_act_on_the_focused_item_and_move_on(make_app, store: ReviewStore, results_dir: Path) -> None:
    at = make_app(view="patient", patient=PID)
    assert at.button(key="pv-kb-accept").proto.shortcut.lower() == "a"
    ev = evidence(results_dir, PID, "age_18_or_older")
    at.button(key="pv-kb-accept").click().run()
    at.button(key="pv-kb-reject").click().run()
    review = store.review(PID)
    assert [review.evidence(e["evidence_id"]).action for e in ev[:2]] == ["accept", "reject"]
    assert at.session_state["pv-ev"] == 2
    at.button(key="pv-kb-next").click().run()
    assert at.session_state["pv-crit"] == "sle_diagnosis"
    at.button(key="pv-kb-next-patient").click().run()
    assert at.session_state["patient"] == "DEMO-005"


def test_override_needs_a_reason_and_is_stored_with_it(make_app, store: ReviewStore) -> None:
    at = make_app(view="patient", patient=PID)
    at.button(key="pv-focus-sle_diagnosis").click().run()
    at.selectbox(key="pv-ovr-status-sle_diagnosis").select("unknown").run()
    at.button(key="pv-ovr-save-sle_diagnosis").click().run()
    assert "needs a reason" in messages(at)
    assert store.review(PID).criterion("sle_diagnosis") is None
    at.selectbox(key="pv-ovr-code-sle_diagnosis").select("Other").run()
    at.text_input(key="pv-ovr-text-sle_diagnosis").input("diagnosis only suspected in the notes").run()
    at.button(key="pv-ovr-save-sle_diagnosis").click().run()
    d = store.review(PID).criterion("sle_diagnosis")
    assert (d.action, d.old_value, d.new_value, d.reason_code, d.reason, d.reviewer) == (
        "override", None, "unknown", "Other", "diagnosis only suspected in the notes", "ana"
    )  # fmt: skip
    assert d.tool_version == "0.1.0" and d.created_at.endswith("Z")


def test_second_reviewer_is_told_and_sees_the_first_decision(make_app, store: ReviewStore) -> None:
    at = make_app(reviewer="ana", view="patient", patient=PID)  # ana has the patient open
    store.record(reviewer="bob", patient_id=PID, kind="criterion", target="age_18_or_older",
                 criterion_id="age_18_or_older", action="override", new_value="unknown",
                 reason_code="Insufficient documentation", expected_prev=0)  # fmt: skip
    at.button(key="pv-confirm-age_18_or_older").click().run()
    assert "not** saved" in messages(at) and "bob" in messages(at)
    decision = store.review(PID).criterion("age_18_or_older")
    assert decision.reviewer == "bob" and len(store.entries(PID)) == 1
    assert any("bob" in c.value for c in at.caption)  # the card now shows bob's decision


def test_add_missing_evidence_by_quoting(make_app, store: ReviewStore) -> None:
    at = make_app(view="patient", patient=PID)
    at.selectbox(key="pv-note").select(f"{PID}-N1").run()
    at.text_input(key="pv-quote").input("not in the note at all").run()
    at.button(key="pv-add-save").click().run()
    assert "does not occur" in messages(at)
    note = next(
        json.loads(line)
        for line in demo_corpus().read_text(encoding="utf-8").splitlines()
        if json.loads(line)["note_id"] == f"{PID}-N1"
    )
    quote = note["text"].splitlines()[0].strip()
    at.text_input(key="pv-quote").input(quote).run()
    at.selectbox(key="pv-add-crit").select("pregnant_or_lactating").run()
    at.button(key="pv-add-save").click().run()
    (added,) = store.review(PID).added("pregnant_or_lactating")
    d = added.detail
    assert note["text"][d["start"] : d["end"]] == quote == d["text"] and d["note_id"] == f"{PID}-N1"


def test_final_determination_locks_the_record(make_app, store: ReviewStore) -> None:
    at = make_app(view="patient", patient=PID)
    assert at.button(key="pv-det-save").disabled  # criteria left
    at.button(key="pv-confirm-rest").click().run()
    assert store.review(PID).decided_criteria(CRITERION_IDS) == 8
    at.selectbox(key="pv-det").select("ineligible").run()
    at.text_area(key="pv-comment").input("Excluded after chart review.").run()
    at.button(key="pv-det-save").click().run()
    review = store.review(PID)
    assert review.status() == "done" and review.locked and review.comment.new_value == "Excluded after chart review."
    assert at.button(key="pv-kb-accept").disabled
    at.text_input(key="pv-unlock-reason").input("late lab result").run()
    at.button(key="pv-unlock").click().run()
    assert not store.review(PID).locked
    assert store.review(PID).current("lock", PATIENT_TARGET).reason == "late lab result"


def test_note_text_ids_and_types_are_escaped(make_app) -> None:
    at = make_app(view="patient", patient=XSS_PID)
    html = " ".join(h.proto.body for h in at.get("html"))
    assert "&lt;script&gt;" in html or "&lt;img" in html
    assert "<script" not in html.replace("<style>", "") and "<img" not in html
    # The note viewer gets the note as data and puts it in the page with textContent only.
    viewer = at.get("bidi_component")[0].proto
    data = json.loads(viewer.json)
    assert "".join(seg["text"] for seg in data["segments"]) == XSS_TEXT
    assert "textContent" in viewer.js_content and "innerHTML" not in viewer.js_content


# ------------------------------------------------------------------ agreement, export, run


def test_agreement_view_shows_kappa_and_disagreements(make_app, store: ReviewStore) -> None:
    for i, pid in enumerate(["DEMO-001", "DEMO-002", "DEMO-003"]):
        for reviewer, value in (("ana", "met"), ("bob", "met" if i else "not_met")):
            head = store.review(pid).head("criterion", "sle_diagnosis")
            store.record(reviewer=reviewer, patient_id=pid, kind="criterion", target="sle_diagnosis",
                         criterion_id="sle_diagnosis", action="override" if value == "not_met" else "confirm",
                         new_value=value, reason_code="Other" if value == "not_met" else None, reason="x",
                         expected_prev=head)  # fmt: skip
    at = make_app(view="agreement")
    kappa = at.dataframe[0].value
    assert list(kappa["Patients"]) == [3] and list(kappa["Reviewer A"]) == ["ana"]
    dis = at.dataframe[1].value
    assert list(dis["Patient"]) == ["DEMO-001"]
    at.button(key="ag-open").click().run()
    assert at.session_state["nav"] == "patient" and at.session_state["patient"] == "DEMO-001"


def test_export_view_offers_every_file(make_app) -> None:
    at = make_app(view="export")
    labels = [b.proto.label for b in at.get("download_button")]
    assert any("CSV" in x for x in labels) and any("JSONL" in x for x in labels)
    assert any("gold.jsonl" in x for x in labels) and any("audit" in x for x in labels)


def test_run_view_offers_an_upload(make_app) -> None:
    at = make_app(view="run")
    assert at.get("file_uploader") and at.button(key="run-go").disabled


def test_an_upload_is_screened_through_the_engine(tmp_path: Path, pipeline) -> None:
    from nlp.review.results import load_results
    from nlp.ui.upload import UploadError, previous_runs, save_upload, screen_upload

    lines = demo_corpus().read_text(encoding="utf-8").splitlines()[:3]
    data = ("\n".join(lines) + "\n").encode("utf-8")
    with pytest.raises(UploadError, match=r"\.jsonl or \.csv"):
        save_upload(data, "notes.txt", tmp_path)
    with pytest.raises(UploadError, match="no note records"):
        save_upload(b"\n\n", "notes.jsonl", tmp_path)
    path = save_upload(data, "my notes.jsonl", tmp_path)
    seen: list[int] = []
    out, summary = screen_upload(path, pipeline=pipeline, progress=seen.append)
    assert summary.notes_processed == 3 and seen[-1] == 3
    results = load_results(out)
    assert results.input_paths() == ([path.resolve()], [])  # the notes stay reachable for highlighting
    assert previous_runs(tmp_path) == [out]


def test_default_results_are_the_readme_demo_run() -> None:
    from nlp.resources import REPO_DIR
    from nlp.review.settings import parse_settings

    assert parse_settings([], {}).results_dir == (REPO_DIR / "demo-output").resolve()


def test_command_line_export(results_dir: Path, db_url: str, store: ReviewStore, tmp_path: Path) -> None:
    from nlp.review.__main__ import main

    store.record(reviewer="ana", patient_id=PID, kind="criterion", target="sle_diagnosis",
                 criterion_id="sle_diagnosis", action="confirm", new_value="met", expected_prev=0)  # fmt: skip
    out = tmp_path / "export"
    assert (
        main(["export", "--results", str(results_dir), "--db", db_url, "--dataset", "default", "--out", str(out)]) == 0
    )
    assert {p.name for p in out.iterdir()} == {"reviewed.csv", "reviewed.jsonl", "audit.csv", "gold"}
    rows = [json.loads(x) for x in (out / "reviewed.jsonl").read_text(encoding="utf-8").splitlines()]
    assert any(r["patient_id"] == PID and r["reviewer"] == "ana" for r in rows)
