"""Patient view: the eight criteria as cards, their evidence, the notes, and every decision.

Layout: criteria (inclusion, then exclusion) on the left, one of them in
focus with its evidence and decision controls; the patient's notes on the
right as a dated timeline and the open note with every span highlighted.
Keyboard: A accept and X reject the focused evidence item (focus then moves
on), U undo, N / P next / previous criterion, J next patient.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from nlp.records import CRITERIA, CRITERION_IDS, NoteRecord
from nlp.review.store import DETERMINATIONS, OVERRIDE_REASONS, PATIENT_TARGET, STATUSES, PatientReview, ReviewStore
from nlp.ui import actions
from nlp.ui.html import (
    CRITERION_COLORS,
    CRITERION_LABELS,
    ELIGIBILITY_TONE,
    QUALIFIER_LABELS,
    REVIEW_TONE,
    Span,
    badge,
    esc,
    evidence_meta_html,
    legend_html,
    md,
    sentence_html,
    status_badge,
    timeline_html,
)
from nlp.ui.note_viewer import current_selection, note_viewer
from nlp.ui.state import Ctx, flash, go

PAGE = 5
K = "pv"  # session-state prefix of this view (cleared when the patient changes)


# ------------------------------------------------------------------ focus and navigation


def _focus_criterion(cid: str) -> None:
    st.session_state[f"{K}-crit"] = cid
    st.session_state[f"{K}-ev"] = 0
    st.session_state[f"{K}-add-crit"] = cid  # evidence added next goes to the criterion in focus


def _step_criterion(step: int) -> None:
    cur = st.session_state.get(f"{K}-crit", CRITERION_IDS[0])
    i = (CRITERION_IDS.index(cur) + step) % len(CRITERION_IDS)
    _focus_criterion(CRITERION_IDS[i])


def _next_patient(ids: list[str], current: str) -> None:
    i = ids.index(current) if current in ids else -1
    if i + 1 < len(ids):
        go("patient", ids[i + 1])
    else:
        flash("info", "That was the last patient.")


def _open_in_note(note_id: str, evidence_id: str, index: int | None = None) -> None:
    st.session_state[f"{K}-note"] = note_id
    st.session_state[f"{K}-focus"] = evidence_id
    if index is not None:
        st.session_state[f"{K}-ev"] = index


def _set_page(index: int) -> None:
    st.session_state[f"{K}-ev"] = index


# ------------------------------------------------------------------ decisions


def _evidence_decision(
    store: ReviewStore, reviewer: str, pid: str, ev: dict[str, Any], action: str, head: int, advance_to: int | None
) -> None:
    entry = actions.record(
        store,
        reviewer=reviewer,
        patient_id=pid,
        kind="evidence",
        target=ev["evidence_id"],
        criterion_id=ev["criterion_id"],
        action=action,
        new_value="accepted" if action == "accept" else "rejected",
        expected_prev=head,
    )
    if entry is not None and advance_to is not None:
        st.session_state[f"{K}-ev"] = advance_to


def _keyboard_decision(
    store: ReviewStore, reviewer: str, pid: str, items: list[dict[str, Any]], review: PatientReview, action: str
) -> None:
    if not items:
        flash("info", "This criterion has no evidence items to decide on.")
        return
    i = min(st.session_state.get(f"{K}-ev", 0), len(items) - 1)
    ev = items[i]
    nxt = min(i + 1, len(items) - 1)
    _evidence_decision(store, reviewer, pid, ev, action, review.head("evidence", ev["evidence_id"]), nxt)


def _confirm(store: ReviewStore, reviewer: str, pid: str, cid: str, tool_status: str, head: int) -> None:
    actions.record(
        store,
        reviewer=reviewer,
        patient_id=pid,
        kind="criterion",
        target=cid,
        criterion_id=cid,
        action="confirm",
        new_value=tool_status,
        expected_prev=head,
    )


def _override(store: ReviewStore, reviewer: str, pid: str, cid: str, head: int) -> None:
    ss = st.session_state
    entry = actions.record(
        store,
        reviewer=reviewer,
        patient_id=pid,
        kind="criterion",
        target=cid,
        criterion_id=cid,
        action="override",
        new_value=ss.get(f"{K}-ovr-status-{cid}"),
        reason_code=ss.get(f"{K}-ovr-code-{cid}"),
        reason=ss.get(f"{K}-ovr-text-{cid}"),
        expected_prev=head,
    )
    if entry is not None:
        ss[f"{K}-ovr-text-{cid}"] = ""


def _confirm_rest(store: ReviewStore, reviewer: str, pid: str, patient: dict[str, Any], review: PatientReview) -> None:
    for cid in CRITERION_IDS:
        if review.criterion(cid) is None:
            _confirm(store, reviewer, pid, cid, patient["criteria"][cid]["status"], review.head("criterion", cid))


def _determine(store: ReviewStore, reviewer: str, pid: str, review: PatientReview) -> None:
    ss = st.session_state
    entry = actions.record(
        store,
        reviewer=reviewer,
        patient_id=pid,
        kind="determination",
        target=PATIENT_TARGET,
        action="determine",
        new_value=ss.get(f"{K}-det"),
        expected_prev=review.head("determination", PATIENT_TARGET),
    )
    if entry is None:
        return
    comment = (ss.get(f"{K}-comment") or "").strip()
    current = review.comment.new_value if review.comment else ""
    if comment != (current or ""):
        actions.record(
            store,
            reviewer=reviewer,
            patient_id=pid,
            kind="comment",
            target=PATIENT_TARGET,
            action="comment",
            new_value=comment,
            expected_prev=review.head("comment", PATIENT_TARGET),
        )
    if ss.get(f"{K}-lock", True):
        actions.record(
            store,
            reviewer=reviewer,
            patient_id=pid,
            kind="lock",
            target=PATIENT_TARGET,
            action="lock",
            new_value="locked",
            reason="final determination saved",
            expected_prev=review.head("lock", PATIENT_TARGET),
        )


def _unlock(store: ReviewStore, reviewer: str, pid: str, head: int) -> None:
    actions.record(
        store,
        reviewer=reviewer,
        patient_id=pid,
        kind="lock",
        target=PATIENT_TARGET,
        action="unlock",
        new_value="unlocked",
        reason=st.session_state.get(f"{K}-unlock-reason"),
        expected_prev=head,
    )


def _viewer_key(note: NoteRecord) -> str:
    return f"{K}-viewer-{note.note_id}"


def _add_evidence(
    store: ReviewStore,
    reviewer: str,
    pid: str,
    note: NoteRecord,
    selection: dict[str, Any] | None,
    review: PatientReview,
) -> None:
    ss = st.session_state
    quote = (ss.get(f"{K}-quote") or "").strip()
    if quote:
        starts = actions.find_quote(note.text, quote)
        if not starts:
            flash("error", "That quote does not occur in this note; copy it exactly.")
            return
        occ = min(int(ss.get(f"{K}-quote-occ") or 1), len(starts)) - 1
        start, end = starts[occ], starts[occ] + len(quote)
    elif (selection := current_selection(_viewer_key(note), note.note_id, note.text) or selection) is not None:
        start, end = selection["start"], selection["end"]
    else:
        flash("error", "Select text in the note, or quote it, first.")
        return
    cid = ss.get(f"{K}-add-crit") or CRITERION_IDS[0]
    quals = set(ss.get(f"{K}-add-quals") or [])
    detail = {
        "note_id": note.note_id,
        "note_date": note.note_date.isoformat() if note.note_date else None,
        "note_type": note.note_type,
        "start": start,
        "end": end,
        "text": note.text[start:end],
        "concept": (ss.get(f"{K}-add-concept") or "").strip() or "reviewer_added",
        "supports": bool(ss.get(f"{K}-add-supports", True)),
        **{q: (label in quals) for q, label in QUALIFIER_LABELS.items()},
    }
    target = actions.added_id(pid, note.note_id, start, end, cid)
    entry = actions.record(
        store,
        reviewer=reviewer,
        patient_id=pid,
        kind="added_evidence",
        target=target,
        criterion_id=cid,
        action="add",
        new_value="added",
        detail=detail,
        expected_prev=review.head("added_evidence", target),
    )
    if entry is not None:
        ss[f"{K}-quote"] = ""


def _remove_added(store: ReviewStore, reviewer: str, pid: str, target: str, cid: str, head: int) -> None:
    actions.record(
        store,
        reviewer=reviewer,
        patient_id=pid,
        kind="added_evidence",
        target=target,
        criterion_id=cid,
        action="remove",
        new_value="removed",
        expected_prev=head,
    )


# ------------------------------------------------------------------ drawing


def _decision_line(entry: Any) -> str:
    if entry is None:
        return ""
    return actions.describe(entry)


def _evidence_item(
    ctx: Ctx, pid: str, ev: dict[str, Any], index: int, last: int, focused: bool, review: PatientReview, locked: bool
) -> None:
    eid = ev["evidence_id"]
    decision = review.evidence(eid)
    note = ctx.notes.get((pid, ev["note_id"]))
    with st.container(border=True, key=f"{K}-evbox-{eid}"):
        state = ""
        if decision is not None:
            tone = "green" if decision.action == "accept" else "red"
            state = badge(f"{decision.action}ed by {decision.reviewer}", tone, decision.created_at)
        focus_mark = badge("in focus", "blue") if focused else ""
        st.html(
            f"<div>{focus_mark}{state}</div>" + sentence_html(ev, note.text if note else None) + evidence_meta_html(ev)
        )
        c = st.container(horizontal=True, gap="small")
        head = review.head("evidence", eid)
        c.button(
            "Accept",
            key=f"{K}-acc-{eid}",
            icon=":material/check:",
            disabled=locked,
            type="primary" if decision is not None and decision.action == "accept" else "secondary",
            on_click=_evidence_decision,
            args=(ctx.store, ctx.reviewer, pid, ev, "accept", head, min(index + 1, last)),
        )
        c.button(
            "Reject",
            key=f"{K}-rej-{eid}",
            icon=":material/close:",
            disabled=locked,
            type="primary" if decision is not None and decision.action == "reject" else "secondary",
            on_click=_evidence_decision,
            args=(ctx.store, ctx.reviewer, pid, ev, "reject", head, min(index + 1, last)),
        )
        c.button(
            "Open in note",
            key=f"{K}-open-{eid}",
            icon=":material/description:",
            disabled=note is None,
            on_click=_open_in_note,
            args=(ev["note_id"], eid, index),
        )


def _criterion_card(
    ctx: Ctx, pid: str, patient: dict[str, Any], cid: str, focused: bool, review: PatientReview, locked: bool
) -> None:
    crit = patient["criteria"][cid]
    items = ctx.results.evidence_for(pid, cid)
    decision = review.criterion(cid)
    added = review.added(cid)
    with st.container(border=True, key=f"{K}-card-{cid}"):
        reviewer_badge = (
            status_badge(decision.new_value, "reviewer: ") if decision is not None else badge("not reviewed", "outline")
        )
        override = badge("override", "violet") if decision is not None and decision.action == "override" else ""
        dot = f'<span class="rv-dot" style="background:{CRITERION_COLORS[cid]}"></span>'
        st.html(
            f'<div class="rv-title">{dot} {esc(CRITERION_LABELS[cid])}</div>'
            f"<div>{status_badge(crit['status'], 'tool: ')}{reviewer_badge}{override}"
            f"{badge(f'{len(items)} evidence', 'grey')}"
            f"{badge(f'{len(added)} added', 'blue') if added else ''}</div>"
            f'<div class="rv-rationale">{esc(crit.get("rationale"))}</div>'
        )
        if decision is not None:
            st.caption(_decision_line(decision))
        if not focused:
            st.button("Review", key=f"{K}-focus-{cid}", on_click=_focus_criterion, args=(cid,))
            return

        head = review.head("criterion", cid)
        st.button(
            f"Confirm: {crit['status'].replace('_', ' ')}",
            key=f"{K}-confirm-{cid}",
            icon=":material/done_all:",
            type="primary",
            disabled=locked,
            on_click=_confirm,
            args=(ctx.store, ctx.reviewer, pid, cid, crit["status"], head),
        )
        with st.expander("Override the tool's status", expanded=False):
            others = [s for s in STATUSES if s != crit["status"]]
            o = st.columns(2)
            o[0].selectbox(
                "Reviewer status", others, key=f"{K}-ovr-status-{cid}", format_func=lambda s: s.replace("_", " ")
            )
            o[1].selectbox(
                "Reason", OVERRIDE_REASONS, key=f"{K}-ovr-code-{cid}", index=None, placeholder="Choose a reason"
            )
            st.text_input("Details (required for 'Other')", key=f"{K}-ovr-text-{cid}", max_chars=1000)
            st.button(
                "Save override",
                key=f"{K}-ovr-save-{cid}",
                disabled=locked,
                on_click=_override,
                args=(ctx.store, ctx.reviewer, pid, cid, head),
            )

        if items:
            i = min(st.session_state.get(f"{K}-ev", 0), len(items) - 1)
            page = i // PAGE
            lo, hi = page * PAGE, min(len(items), page * PAGE + PAGE)
            decided = sum(1 for ev in items if review.evidence(ev["evidence_id"]) is not None)
            st.markdown(f"**Evidence** {lo + 1}–{hi} of {len(items)} · {decided} decided")
            for j in range(lo, hi):
                _evidence_item(ctx, pid, items[j], j, len(items) - 1, j == i, review, locked)
            if len(items) > PAGE:
                p = st.container(horizontal=True, gap="small")
                p.button(
                    "◀ Previous",
                    key=f"{K}-prev-page",
                    disabled=page == 0,
                    on_click=_set_page,
                    args=(max(0, lo - PAGE),),
                )
                p.button("Next ▶", key=f"{K}-next-page", disabled=hi >= len(items), on_click=_set_page, args=(hi,))
        else:
            st.caption("The tool cited no evidence for this criterion.")
        for entry in added:
            d = entry.detail or {}
            with st.container(border=True, key=f"{K}-addedbox-{entry.target}"):
                ev = {**d, "criterion_id": cid, "sentence": d.get("text"), "evidence_id": entry.target}
                st.html(
                    f"<div>{badge(f'added by {entry.reviewer}', 'blue', entry.created_at)}</div>"
                    + sentence_html(ev)
                    + evidence_meta_html(ev)
                )
                st.button(
                    "Remove",
                    key=f"{K}-rm-{entry.target}",
                    disabled=locked,
                    on_click=_remove_added,
                    args=(ctx.store, ctx.reviewer, pid, entry.target, cid, review.head("added_evidence", entry.target)),
                )


def _focused_items(ctx: Ctx, pid: str) -> tuple[str, list[dict[str, Any]]]:
    cid = st.session_state.get(f"{K}-crit") or CRITERION_IDS[0]
    return cid, ctx.results.evidence_for(pid, cid)


def _toolbar(ctx: Ctx, pid: str, review: PatientReview, ids: list[str], locked: bool) -> None:
    _cid, items = _focused_items(ctx, pid)
    c = st.columns(6)
    c[0].button(
        "Accept",
        key=f"{K}-kb-accept",
        shortcut="A",
        icon=":material/check:",
        disabled=locked,
        help="Accept the evidence item in focus",
        on_click=_keyboard_decision,
        args=(ctx.store, ctx.reviewer, pid, items, review, "accept"),
        width="stretch",
    )
    c[1].button(
        "Reject",
        key=f"{K}-kb-reject",
        shortcut="X",
        icon=":material/close:",
        disabled=locked,
        help="Reject the evidence item in focus",
        on_click=_keyboard_decision,
        args=(ctx.store, ctx.reviewer, pid, items, review, "reject"),
        width="stretch",
    )
    c[2].button(
        "Undo",
        key=f"{K}-kb-undo",
        shortcut="U",
        icon=":material/undo:",
        disabled=locked,
        help="Take back your last decision on this patient",
        on_click=actions.undo,
        args=(ctx.store, ctx.reviewer, pid),
        width="stretch",
    )
    c[3].button(
        "Prev criterion", key=f"{K}-kb-prev", shortcut="P", on_click=_step_criterion, args=(-1,), width="stretch"
    )
    c[4].button(
        "Next criterion", key=f"{K}-kb-next", shortcut="N", on_click=_step_criterion, args=(1,), width="stretch"
    )
    c[5].button(
        "Next patient",
        key=f"{K}-kb-next-patient",
        shortcut="J",
        on_click=_next_patient,
        args=(ids, pid),
        width="stretch",
    )


def _final(ctx: Ctx, pid: str, patient: dict[str, Any], review: PatientReview, locked: bool) -> None:
    st.markdown("#### Final determination")
    det = review.determination
    lock = review.current("lock", PATIENT_TARGET)
    if det is not None:
        st.html(
            f"<div>{badge('final: ' + det.new_value.replace('_', ' '), ELIGIBILITY_TONE.get(det.new_value or '', 'grey'))}"
            f"{badge('locked', 'grey') if locked else ''}</div>"
        )
        st.caption(actions.describe(det))
    if review.comment and review.comment.new_value:
        st.html(
            f'<div class="rv-meta"><b>Comment</b> ({esc(review.comment.reviewer)}): {esc(review.comment.new_value)}</div>'
        )
    if locked:
        st.info(f"This record is locked ({actions.describe(lock)}). Unlock it, with a reason, to change it.")
        u = st.columns([3, 1])
        u[0].text_input("Reason for unlocking", key=f"{K}-unlock-reason", max_chars=500)
        u[1].button(
            "Unlock",
            key=f"{K}-unlock",
            on_click=_unlock,
            args=(ctx.store, ctx.reviewer, pid, review.head("lock", PATIENT_TARGET)),
        )
        return
    if lock is not None and lock.action == "unlock":
        st.caption(actions.describe(lock))
    left = [cid for cid in CRITERION_IDS if review.criterion(cid) is None]
    if left:
        st.caption(f"{len(left)} criteria not decided yet: " + ", ".join(md(CRITERION_LABELS[c]) for c in left) + ".")
        st.button(
            f"Confirm the {len(left)} remaining criteria as the tool says",
            key=f"{K}-confirm-rest",
            on_click=_confirm_rest,
            args=(ctx.store, ctx.reviewer, pid, patient, review),
        )
    tool = patient["eligibility"]
    default = DETERMINATIONS.index(tool) if tool in DETERMINATIONS else DETERMINATIONS.index("cannot_determine")
    c = st.columns([2, 3])
    c[0].selectbox(
        "Final determination", DETERMINATIONS, index=default, key=f"{K}-det", format_func=lambda s: s.replace("_", " ")
    )
    st.session_state.setdefault(f"{K}-comment", review.comment.new_value if review.comment else "")
    c[1].text_area("Comment", key=f"{K}-comment", height=68, max_chars=2000)
    st.checkbox("Lock the record after saving", key=f"{K}-lock", value=True)
    st.button(
        "Save final determination",
        key=f"{K}-det-save",
        type="primary",
        disabled=bool(left),
        help="Decide all eight criteria first" if left else None,
        on_click=_determine,
        args=(ctx.store, ctx.reviewer, pid, review),
    )


def _audit(review: PatientReview) -> None:
    hist = review.history()
    with st.expander(f"Audit trail ({len(hist)} entries)"):
        if not hist:
            st.caption("No decisions yet.")
            return
        frame = pd.DataFrame(
            [
                {
                    "#": e.id,
                    "time (UTC)": e.created_at,
                    "reviewer": e.reviewer,
                    "what": e.kind,
                    "criterion": e.criterion_id or "",
                    "action": e.action,
                    "old": e.old_value or "",
                    "new": e.new_value or "",
                    "reason": " — ".join(x for x in (e.reason_code, e.reason) if x),
                    "tool version": e.tool_version,
                }
                for e in reversed(hist)
            ]
        )
        st.dataframe(frame, hide_index=True, width="stretch", key=f"{K}-audit")


def _notes_panel(ctx: Ctx, pid: str, review: PatientReview, locked: bool) -> None:
    notes = ctx.patient_notes(pid)
    st.markdown("#### Notes")
    if not notes:
        missing = ", ".join(ctx.missing_inputs) or "none listed"
        st.warning(f"The notes behind these results were not found (inputs: {md(missing)}); evidence sentences only.")
        return
    evidence = ctx.results.patient_evidence(pid)
    added = review.added()
    by_note: dict[str, list[Span]] = {n.note_id: [] for n in notes}
    for ev in evidence:
        by_note.setdefault(ev["note_id"], []).append(
            Span(ev["start"], ev["end"], ev["criterion_id"], ev["evidence_id"])
        )
    for entry in added:
        d = entry.detail or {}
        if d.get("note_id") in by_note:
            by_note[d["note_id"]].append(Span(int(d["start"]), int(d["end"]), entry.criterion_id or "", entry.target))
    ids = [n.note_id for n in notes]
    if st.session_state.get(f"{K}-note") not in ids:
        st.session_state[f"{K}-note"] = ids[-1]
    current = st.session_state[f"{K}-note"]
    st.html(
        timeline_html(
            [
                {
                    "note_id": n.note_id,
                    "note_date": n.note_date.isoformat() if n.note_date else None,
                    "note_type": n.note_type,
                    "spans": len(by_note.get(n.note_id, [])),
                    "criteria": list(dict.fromkeys(s.criterion_id for s in by_note.get(n.note_id, []))),
                }
                for n in notes
            ],
            current,
        )
    )
    labels = {
        n.note_id: f"{n.note_date.isoformat() if n.note_date else 'undated'} · {n.note_type or 'Note'} · {n.note_id}"
        for n in notes
    }
    st.selectbox("Open note", ids, key=f"{K}-note", format_func=lambda i: labels[i])
    note = next(n for n in notes if n.note_id == st.session_state[f"{K}-note"])
    spans = by_note.get(note.note_id, [])
    focus = st.session_state.get(f"{K}-focus")
    if focus not in {s.span_id for s in spans}:
        focus = None
    st.html(legend_html(dict.fromkeys(s.criterion_id for s in spans)))
    with st.container(key=f"{K}-note-view"):
        selection = note_viewer(note.note_id, note.text, spans, focus, key=_viewer_key(note))

    with st.expander("Add evidence the tool missed", expanded=selection is not None):
        if selection is not None:
            st.markdown("**Selected in the note:**")
            st.text(selection["text"])
        else:
            st.caption("Select text in the note above, or quote it below.")
        st.text_input("…or quote text from this note", key=f"{K}-quote", max_chars=500)
        quote = (st.session_state.get(f"{K}-quote") or "").strip()
        if quote:
            n_occ = len(actions.find_quote(note.text, quote))
            if n_occ == 0:
                st.caption("Not found in this note.")
            elif n_occ > 1:
                st.number_input("Occurrence", min_value=1, max_value=n_occ, key=f"{K}-quote-occ")
        st.session_state.setdefault(f"{K}-add-crit", st.session_state.get(f"{K}-crit") or CRITERION_IDS[0])
        a = st.columns(2)
        a[0].selectbox(
            "Criterion",
            CRITERION_IDS,
            key=f"{K}-add-crit",
            format_func=lambda c: CRITERION_LABELS[c],
        )
        a[1].text_input("Concept", key=f"{K}-add-concept", placeholder="reviewer_added")
        st.multiselect("Qualifiers", list(QUALIFIER_LABELS.values()), key=f"{K}-add-quals")
        st.checkbox("Supports the criterion being met", key=f"{K}-add-supports", value=True)
        st.button(
            "Add evidence",
            key=f"{K}-add-save",
            icon=":material/add:",
            disabled=locked,
            on_click=_add_evidence,
            args=(ctx.store, ctx.reviewer, pid, note, selection, review),
        )


def render(ctx: Ctx) -> None:
    ids = sorted(ctx.results.patients)
    pid = st.session_state.get("patient")
    if pid not in ctx.results.patients:
        st.info("Choose a patient in the worklist.")
        if ids:
            st.button("Open the first patient", key=f"{K}-first", on_click=go, args=("patient", ids[0]))
        return
    patient = ctx.results.patients[pid]
    review = ctx.store.review(pid)
    locked = review.locked
    decided = review.decided_criteria(CRITERION_IDS)
    st.session_state.setdefault(f"{K}-crit", CRITERION_IDS[0])
    focused = st.session_state[f"{K}-crit"]

    h = st.columns([6, 1.3])
    with h[0]:
        st.html(
            f'<div class="rv-kicker">Patient</div><div style="font-size:1.6rem;font-weight:700;color:#0f172a">{esc(pid)}</div>'
            f"<div>{badge('tool: ' + patient['eligibility'].replace('_', ' '), ELIGIBILITY_TONE.get(patient['eligibility'], 'grey'))}"
            f"{badge(review.status().replace('_', ' '), REVIEW_TONE[review.status()])}"
            f"{badge(f'{decided}/8 criteria decided', 'outline')}"
            f"{badge('locked', 'grey') if locked else ''}"
            f"{badge('screening ' + str(patient.get('screening_date')), 'outline')}"
            f"{badge(str(patient.get('note_count', 0)) + ' notes', 'outline')}</div>"
        )
    h[1].button(
        "Back to worklist", key=f"{K}-back", icon=":material/list:", on_click=go, args=("worklist",), width="stretch"
    )

    _toolbar(ctx, pid, review, ids, locked)
    left, right = st.columns([6, 5], gap="large")
    with left:
        for kind, title in (("inclusion", "Inclusion criteria"), ("exclusion", "Exclusion criteria")):
            st.html(f'<div class="rv-kicker" style="margin-top:6px">{title}</div>')
            for cid, k in CRITERIA:
                if k == kind:
                    _criterion_card(ctx, pid, patient, cid, cid == focused, review, locked)
        _final(ctx, pid, patient, review, locked)
        _audit(review)
    with right, st.container(key=f"{K}-notes-panel"):
        _notes_panel(ctx, pid, review, locked)
    # The focused evidence item gets a visible frame.
    items = ctx.results.evidence_for(pid, focused)
    if items:
        i = min(st.session_state.get(f"{K}-ev", 0), len(items) - 1)
        eid = esc(items[i]["evidence_id"])
        st.html(
            f"<style>.st-key-{K}-evbox-{eid}{{border-color:#2563eb !important;box-shadow:0 0 0 2px rgba(37,99,235,.25)}}</style>"
        )
