"""Run a hostile-input case through the command line and check what it did.

Used by ``test_hostile_inputs.py`` and ``table.py``. A case runs in-process
(:func:`nlp.cli.main`, sharing one note pipeline) or, for huge inputs, as
``python -m nlp.cli`` in a child process with a timeout. Each check returns
the problems it found, so the tests assert ``== []`` and the table shows a
mark.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from robustness_cases import CANARY, Case, RunFailure, build_run_failure_folder, expected_processed

OUTPUT_NAMES = frozenset({"patients.jsonl", "evidence.jsonl", "errors.jsonl", "manifest.json"})
# A hang guard, not a speed check (speed is measured by `sle-abstract bench`):
# the 5 MB note takes one to two minutes on this 2-core machine.
SUBPROCESS_TIMEOUT = 600
"""Seconds a child-process run may take (the huge-note cases, the combined run)."""


@dataclass(slots=True)
class Outcome:
    """What one CLI run did."""

    exit_code: int
    stdout: str
    stderr: str
    seconds: float
    root: Path
    out: Path
    outside_changes: list[str]
    errors: list[dict[str, Any]] = field(default_factory=list)
    patients: dict[str, dict[str, Any]] = field(default_factory=dict)
    manifest: dict[str, Any] | None = None


def snapshot(top: Path, exclude: Path) -> dict[str, tuple[str, int, int]]:
    """``relative path -> (kind, size, mtime_ns)`` of everything under ``top`` except ``exclude``; links not followed."""
    found: dict[str, tuple[str, int, int]] = {}
    for dirpath, dirnames, filenames in os.walk(top):
        here = Path(dirpath)
        dirnames[:] = [d for d in dirnames if here / d != exclude]
        for name in dirnames + filenames:
            path = here / name
            st = path.lstat()
            kind = "link" if path.is_symlink() else ("dir" if path.is_dir() else "file")
            size = 0 if kind == "dir" else st.st_size
            found[str(path.relative_to(top))] = (kind, size, 0 if kind == "dir" else st.st_mtime_ns)
    return found


def _diff(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    changes = [f"created {p}" for p in sorted(after.keys() - before.keys())]
    changes += [f"removed {p}" for p in sorted(before.keys() - after.keys())]
    changes += [f"modified {p}" for p in sorted(before.keys() & after.keys()) if before[p] != after[p]]
    return changes


class Child:
    """A ``python -m nlp.cli`` child process; output goes to temporary files, so it never blocks on a pipe."""

    def __init__(self, argv: list[str], cwd: Path) -> None:
        self.started = time.monotonic()
        # Closed in wait(): they outlive this method, so no `with`.
        self._out = tempfile.TemporaryFile()  # noqa: SIM115
        self._err = tempfile.TemporaryFile()  # noqa: SIM115
        # A session of its own, so that kill() also stops the run's worker processes.
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "nlp.cli", *argv],
            cwd=cwd,
            stdout=self._out,
            stderr=self._err,
            start_new_session=True,
        )
        _LIVE.add(self)

    def wait(self) -> tuple[int, str, str, float]:
        """(exit code, stdout, stderr, seconds); kills the child after :data:`SUBPROCESS_TIMEOUT` seconds."""
        try:
            code = self._proc.wait(timeout=max(1.0, SUBPROCESS_TIMEOUT - (time.monotonic() - self.started)))
        except subprocess.TimeoutExpired:
            self.kill()
            raise
        _LIVE.discard(self)
        texts = []
        for fh in (self._out, self._err):
            fh.seek(0)
            texts.append(fh.read().decode("utf-8", "replace"))
            fh.close()
        return code, texts[0], texts[1], time.monotonic() - self.started

    def kill(self) -> None:
        """Stop the child (if still running) and release its files."""
        _LIVE.discard(self)
        if self._proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self._proc.pid, signal.SIGKILL)
        self._proc.wait()
        self._out.close()
        self._err.close()


_LIVE: set[Child] = set()


def kill_children() -> None:
    """Stop every child process started here and not waited for (a test session ending early)."""
    for child in list(_LIVE):
        child.kill()


def run_in_process(argv: list[str], cwd: Path) -> tuple[int, str, str, float]:
    """Call :func:`nlp.cli.main` (reusing this process's note pipeline) as the console script would.

    ``print`` output and log records are captured, an uncaught exception
    becomes a traceback and exit code 1. Changes the working directory while
    it runs: start child processes before, never during, such a run.
    """
    from nlp.cli import main

    started = time.monotonic()
    out_buf, err_buf = io.StringIO(), io.StringIO()
    root_logger = logging.getLogger()
    if not root_logger.handlers:
        # Keeps main()'s logging.basicConfig from binding a handler to the redirected stderr.
        root_logger.addHandler(logging.NullHandler())
    handler = logging.StreamHandler(err_buf)
    root_logger.addHandler(handler)
    old_cwd = Path.cwd()
    os.chdir(cwd)
    try:
        with redirect_stdout(out_buf), redirect_stderr(err_buf):
            try:
                code = main(argv)
            except SystemExit as exc:  # argparse
                code = exc.code if isinstance(exc.code, int) else 1
            except Exception:  # what the interpreter would do with an uncaught error
                traceback.print_exc()
                code = 1
    finally:
        os.chdir(old_cwd)
        root_logger.removeHandler(handler)
    return code, out_buf.getvalue(), err_buf.getvalue(), time.monotonic() - started


def _layout(top: Path) -> tuple[Path, Path, Path]:
    """``(base, out, cwd)``: inputs go to ``base/in``, output to ``base/out``, and the run starts in ``base/cwd``.

    ``base`` is ``top/a/b``, so relative ids with ``..`` that a careless tool
    turned into paths would land inside ``top``, which is compared before and
    after the run.
    """
    base = top / "a" / "b"
    (base / "cwd").mkdir(parents=True)
    return base, base / "out", base / "cwd"


def start_case(case: Case, top: Path, *, in_process: bool | None = None) -> Callable[[], Outcome]:
    """Build ``case`` under the empty folder ``top`` and start the CLI on it; call the result for the outcome.

    Cases marked ``subprocess`` (huge inputs) run in a child process, started
    here; the others run in-process when the result is called.
    """
    base, out, cwd = _layout(top)
    (base / "in").mkdir()
    inputs = case.build(base / "in")
    before = snapshot(top, exclude=out)
    argv = ["run", *map(str, inputs), "--out", str(out)]
    child = None if (not case.subprocess if in_process is None else in_process) else Child(argv, cwd)

    def finish() -> Outcome:
        code, stdout, stderr, seconds = child.wait() if child is not None else run_in_process(argv, cwd)
        outcome = Outcome(code, stdout, stderr, seconds, base, out, _diff(before, snapshot(top, exclude=out)))
        load_outputs(outcome)
        return outcome

    return finish


def run_case(case: Case, top: Path, *, in_process: bool | None = None) -> Outcome:
    """:func:`start_case` and wait for it."""
    return start_case(case, top, in_process=in_process)()


def start_combined(cases: list[Case], top: Path) -> Callable[[], Outcome]:
    """Build every case under the empty folder ``top`` and start one ``--workers 2`` child process on them all."""
    base, out, cwd = _layout(top)
    inputs: list[Path] = []
    for case in cases:
        folder = base / "in" / case.id
        folder.mkdir(parents=True)
        inputs += case.build(folder)
    before = snapshot(top, exclude=out)
    child = Child(["run", *map(str, inputs), "--out", str(out), "--workers", "2"], cwd)

    def finish() -> Outcome:
        code, stdout, stderr, seconds = child.wait()
        outcome = Outcome(code, stdout, stderr, seconds, base, out, _diff(before, snapshot(top, exclude=out)))
        load_outputs(outcome)
        return outcome

    return finish


def load_outputs(outcome: Outcome) -> None:
    """Read ``errors.jsonl``, ``patients.jsonl`` and ``manifest.json`` when present."""
    out = outcome.out
    if (out / "errors.jsonl").is_file():
        outcome.errors = _jsonl(out / "errors.jsonl")
    if (out / "patients.jsonl").is_file():
        outcome.patients = {p["patient_id"]: p for p in _jsonl(out / "patients.jsonl")}
    if (out / "manifest.json").is_file():
        outcome.manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))


def _jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


# --------------------------------------------------------------------------- checks
# Each returns the problems found (empty: the aspect holds). Tests and the table share them.


def check_exit(case: Case, o: Outcome) -> list[str]:
    """Exit code 0: the run finished."""
    return [] if o.exit_code == 0 else [f"exit code {o.exit_code}: {o.stderr.strip()[:200]}"]


def check_accounting(case: Case, o: Outcome) -> list[str]:
    """manifest counts add up and match the case."""
    if o.manifest is None:
        return ["no manifest.json"]
    c = o.manifest["counts"]
    problems = []
    if c["notes_read"] != c["notes_processed"] + c["notes_rejected"]:
        problems.append(
            f"notes_read {c['notes_read']} != processed {c['notes_processed']} + rejected {c['notes_rejected']}"
        )
    if c["notes_read"] != case.notes_read:
        problems.append(f"notes_read is {c['notes_read']}, expected {case.notes_read}")
    rejected_either = sum(1 for source, _ in case.either if any(e["source"] == source for e in o.errors))
    if c["notes_rejected"] != len(case.rejects) + rejected_either:
        problems.append(f"notes_rejected is {c['notes_rejected']}, expected {len(case.rejects) + rejected_either}")
    if c["patients"] != len(o.patients):
        problems.append(f"counts.patients {c['patients']} but patients.jsonl has {len(o.patients)}")
    return problems


def check_rejections(case: Case, o: Outcome) -> list[str]:
    """Each expected error line is there (exact source, reason fragment) and there are no others."""
    problems = []
    remaining = list(o.errors)
    for want in (*case.rejects, *case.file_errors):
        hit = next((e for e in remaining if e["source"] == want.source and want.reason in e["reason"]), None)
        if hit is None:
            got = [e["reason"] for e in remaining if e["source"] == want.source]
            problems.append(f"no error at {want.source} with {want.reason!r} (errors there: {got})")
        else:
            remaining.remove(hit)
    either_sources = {source for source, _ in case.either}
    for e in remaining:
        if e["source"] not in either_sources:
            problems.append(f"unexpected error at {e['source']}: {e['reason']}")
    return problems


def check_processed(case: Case, o: Outcome) -> list[str]:
    """Every other record is processed: expected patients with their note counts."""
    want = expected_processed(case, o.root)
    for source, pid in case.either:
        if not any(e["source"] == source for e in o.errors):
            want[pid] = want.get(pid, 0) + 1
    got = {pid: p.get("note_count") for pid, p in o.patients.items()}
    return [] if got == want else [f"patients and note counts {got}, expected {want}"]


def check_no_note_text(case: Case, o: Outcome) -> list[str]:
    """No note text in errors.jsonl, stdout or stderr."""
    problems = []
    for e in o.errors:
        if CANARY in json.dumps(e, ensure_ascii=False):
            problems.append(f"errors.jsonl line for {e['source']} quotes note text")
    if CANARY in o.stdout:
        problems.append("stdout quotes note text")
    if CANARY in o.stderr:
        problems.append("stderr quotes note text")
    return problems


def check_nothing_outside(case: Case, o: Outcome) -> list[str]:
    """Nothing outside --out was created, removed or modified."""
    return [f"outside --out: {c}" for c in o.outside_changes]


def check_outputs(case: Case, o: Outcome) -> list[str]:
    """--out holds exactly the four outputs (no journal, partial or id-named files)."""
    if not o.out.is_dir():
        return ["--out was not created"]
    names = {p.name for p in o.out.iterdir()}
    return [] if names == OUTPUT_NAMES else [f"--out holds {sorted(names)}"]


def check_schema(case: Case, o: Outcome) -> list[str]:
    """The outputs validate against the contract's JSON Schemas."""
    from nlp.schema import validate_output_dir

    return validate_output_dir(o.out)


ASPECTS: dict[str, Callable[[Case, Outcome], list[str]]] = {
    "exit": check_exit,
    "accounting": check_accounting,
    "rejections": check_rejections,
    "processed": check_processed,
    "no-note-text": check_no_note_text,
    "nothing-outside": check_nothing_outside,
    "outputs": check_outputs,
    "schema": check_schema,
}
"""The properties every case must have, by name."""


def passes(case: Case, o: Outcome) -> bool:
    """True when every aspect holds."""
    return not any(check(case, o) for check in ASPECTS.values())


def describe(case: Case, o: Outcome, limit: int = 3) -> str:
    """One table cell: what the run did (no timings or temporary paths, so it is reproducible)."""
    if o.manifest is None:
        lines = o.stderr.strip().splitlines()
        last = lines[-1].replace(str(o.root), "…") if lines else ""
        return f"exit {o.exit_code}, no outputs: `{last}`"
    c = o.manifest["counts"]
    head = f"exit {o.exit_code}; read {c['notes_read']} = {c['notes_processed']} processed + {c['notes_rejected']} rejected"
    if len(o.errors) > c["notes_rejected"]:
        head += f"; {len(o.errors) - c['notes_rejected']} file-level"
    shown = [f"`{e['source']}`: {e['reason']}" for e in o.errors[:limit]]
    if len(o.errors) > limit:
        shown.append(f"… and {len(o.errors) - limit} more")
    for source, _ in case.either:
        if not any(e["source"] == source for e in o.errors):
            shown.append(f"`{source}` processed")
    return head + "".join(f"<br>{line}" for line in shown)


# --------------------------------------------------------------------------- run-level failures: running and checks


@dataclass(slots=True)
class FailureOutcome:
    """What a run-level failure did."""

    exit_code: int
    stdout: str
    stderr: str
    changes: list[str]
    folder: Path


def start_failure(failure: RunFailure, top: Path) -> Callable[[], FailureOutcome]:
    """Start one run-level failure case in a child process under the empty folder ``top``."""
    folder = top / "case"
    folder.mkdir(parents=True)
    build_run_failure_folder(folder)
    before = snapshot(top, exclude=top / "-")
    child = Child(["run", *failure.argv(folder)], folder)

    def finish() -> FailureOutcome:
        code, stdout, stderr, _ = child.wait()
        return FailureOutcome(code, stdout, stderr, _diff(before, snapshot(top, exclude=top / "-")), folder)

    return finish


def check_failure(failure: RunFailure, fo: FailureOutcome) -> list[str]:
    """Non-zero exit, nothing on stdout, one ``sle-abstract: error:`` line on stderr, nothing written."""
    problems = []
    if fo.exit_code == 0:
        problems.append("exit code 0")
    if fo.stdout:
        problems.append("something on stdout")
    lines = fo.stderr.splitlines()
    if len(lines) != 1 or not lines[0].startswith("sle-abstract: error: ") or failure.message not in lines[0]:
        problems.append(f"stderr is not one error line with {failure.message!r}: {fo.stderr[-300:]!r}")
    problems += [f"wrote: {c}" for c in fo.changes]
    return problems


def describe_failure(fo: FailureOutcome) -> str:
    """One table cell for a run-level failure."""
    line = fo.stderr.strip().replace(str(fo.folder), "DIR")
    return f"exit {fo.exit_code}, nothing written: `{line}`"
