"""Turn a processed note into plain :class:`~nlp.records.Mention` records.

This is the only place that reads spaCy objects; everything downstream works
on the mentions. ``NotePipeline`` is built once per process.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import replace
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

from spacy.tokens import Doc, Span

from nlp import temporal
from nlp.pipeline import language, ocr, spelling, values
from nlp.pipeline.build import SPAN_GROUP, RuleIndex, build_nlp
from nlp.records import UNREAD_NOTE, Mention, NoteRecord
from nlp.resources import protocol
from nlp.temporal import DateMention

_QUALIFIERS = ("is_negated", "is_historical", "is_hypothetical", "is_family", "is_uncertain")
_ANTIBODY_CATEGORIES = {
    "ANTI_DSDNA",
    "ANTI_HISTONE",
    "ANTI_CHROMATIN",
    "ANTI_SM",
    "ANA",
    "ANTI_RNP",
    "ANTI_RO_LA",
    "ANTIPHOSPHOLIPID",
}


class NotePipeline:
    """The note pipeline: text in, mentions out.

    Parameters
    ----------
    rules_dir:
        Folder of rule files; defaults to ``pipelines/`` (or
        ``SLE_ABSTRACT_PIPELINES``).
    """

    def __init__(self, rules_dir: Path | None = None) -> None:
        self.nlp, self.index = build_nlp(rules_dir)
        self._cutoffs: dict[str, float] = protocol()["antibodies"]["default_cutoffs"]

    def process(self, note: NoteRecord) -> list[Mention]:
        """Extract every mention from one note.

        Notes longer than ``SEGMENT_ABOVE`` are processed in line-aligned
        segments of ``SEGMENT_CHARS``: ConText's work grows with targets times modifiers per
        document, so one hostile 5 MB note would otherwise hold a worker for
        hours. Offsets are shifted back into the whole note.
        """
        if len(note.text) <= SEGMENT_ABOVE:
            return extract_mentions(self.nlp(_repair(note.text)), note, self.index, self._cutoffs)
        mentions: list[Mention] = []
        for start, end in segment_bounds(note.text, SEGMENT_CHARS):
            part = replace(note, text=note.text[start:end])
            for m in extract_mentions(self.nlp(_repair(part.text)), part, self.index, self._cutoffs):
                m.start += start
                m.end += start
                mentions.append(m)
        return mentions

    def pipe(self, notes: Iterable[NoteRecord], batch_size: int = 32) -> Iterator[tuple[NoteRecord, list[Mention]]]:
        """Extract mentions from a stream of notes, in order."""
        stream = ((_repair(note.text), note) for note in notes)
        for doc, note in self.nlp.pipe(stream, as_tuples=True, batch_size=batch_size):
            yield note, extract_mentions(doc, note, self.index, self._cutoffs)


def _repair(text: str) -> str:
    """The text the rules read: OCR confusions and misspelt drug names undone, offsets kept."""
    return spelling.repair(ocr.repair(text))


SEGMENT_ABOVE = 20_000
"""Notes longer than this are processed in segments (ordinary notes never are)."""
SEGMENT_CHARS = 4_000


def segment_bounds(text: str, size: int) -> list[tuple[int, int]]:
    """Split ``text`` into pieces of at most ``size`` characters, at line ends where possible."""
    bounds: list[tuple[int, int]] = []
    start = 0
    while start < len(text):
        end = min(len(text), start + size)
        if end < len(text):
            cut = text.rfind("\n", start + size // 2, end)
            if cut == -1:
                cut = text.rfind(" ", start + size // 2, end)
            if cut != -1:
                end = cut + 1
        bounds.append((start, end))
        start = end
    return bounds


_EXAMPLES = re.compile(r"\s*(?:e\.?g\.?|i\.?e\.?|such as|including|incl\.?|namely|like)\b", re.IGNORECASE)


def _in_aside_after(span: Span, cue_end: int, text: str) -> bool:
    """Whether ``span`` sits in a parenthesis opened after the cue ending at ``cue_end``.

    "hydralazine-induced lupus, not SLE (late onset, anti-histone positive)":
    the reasons in the aside are not what "not" denies.
    """
    between = text[cue_end : span.start_char]
    if between.count("(") <= between.count(")"):
        return False
    # "refused immunosuppressants (e.g. azathioprine)": examples of what is denied.
    aside = between[between.rfind("(") + 1 :]
    return not _EXAMPLES.match(aside)


def _cue_in_closed_aside(span: Span, cue_end: int, text: str) -> bool:
    """Whether the cue ending at ``cue_end`` sits in a parenthesis closed before ``span``.

    "prednisone 10 mg (cannot taper below 10 without flares), azathioprine
    150 mg": the aside's "without" denies nothing outside it.
    """
    between = text[cue_end : span.start_char]
    closed = between.find(")")
    return closed >= 0 and "(" not in between[:closed] and "(" in text[max(0, cue_end - 80) : cue_end]


def _cue_ends_at_a_colon(span: Span, cue_end: int, text: str) -> bool:
    """Whether the cue ending at ``cue_end`` denies the words of a label before ``span``.

    "SLE with SCLE - not cutaneous-only: inflammatory arthritis, ..., anti-dsDNA
    positive": the "not" is the label's; what follows the colon is affirmed.
    """
    return _DENIED_LABEL.match(text, cue_end, span.start_char) is not None


_DENIED_LABEL = re.compile(r"[ \t]+[\w/-]+(?:[ \t]+[\w/-]+){0,2}[ \t]*:[ \t]")


_IF_IT_FLARES = re.compile(
    r"[^.;\n]{0,25}?\b(?:if|should|in\s+case)\s+(?:she|he|they|the\s+patient|pt|disease|lupus|SLE|symptoms?|it|"
    r"(?:the\s+|her\s+|his\s+)?(?:arthritis|synovitis|rash|serositis|proteinuria|nephritis|activity))\s+"
    r"(?:flares?|worsens?|persists?|relapses?|fails?|recurs?|progress(?:es)?|does\s+not\s+(?:respond|improve))\b",
    re.IGNORECASE,
)
# "NPSLE vs ...", "(NPSLE) vs ...", "NPSLE (acute confusional state) vs ...".
_VERSUS_AFTER = re.compile(r"[ \t]*(?:\([^()\n]{0,40}\))?[ \t]*\)?[ \t]*(?:vs\.?|versus)[ \t]", re.IGNORECASE)


_QUOTES = "\"'\u201c\u201d\u2018\u2019"
_IN_ERROR = re.compile(r"\b(?:entered|documented|charted|recorded)\s+in\s+error\b|\bwrong\s+patient\b", re.IGNORECASE)


# "Attending attestation: ...", "ATTENDING ADDENDUM: ...", "Rheum addendum (Dr. N.): ...":
# what follows is the supervising or later word on the note.
_ATTESTATION = re.compile(r"(?im)^[ \t]*(?:[A-Za-z]+[ \t]+)?(?:attestation|addendum)\b[^\n:]{0,40}:")


def attestation_start(text: str) -> int | None:
    """Where a note's attestation or addendum begins (``None``: it has none)."""
    found = _ATTESTATION.search(text)
    return found.start() if found else None


# "MEDICATIONS (copied forward from 11/07/2023 visit, not yet reconciled):":
# the list that follows tells what was taken then, not today.
_COPIED_FORWARD = re.compile(
    r"\b(?:copied|carried|pulled|brought)\s+(?:forward|over)\s+from\s+(?:the\s+)?(?:(?:last\s+)?(?:visit|note)\s+)?"
    r"(?:of\s+|on\s+|dated\s+)?",
    re.IGNORECASE,
)
_LIST_ITEM = re.compile(r"[ \t]*(?:[-*\u2022]|\d{1,2}[.)])[ \t]")


def copied_forward_blocks(text: str, note_date: date | None) -> list[tuple[int, int, date]]:
    """``(start, end, as_of)`` of each block a note says it copied from an earlier, dated note.

    The block runs from the marker to the end of its line and over the list
    items right below it.
    """
    blocks = []
    for m in _COPIED_FORWARD.finditer(text):
        dated = temporal.find_dates(text[m.end() : m.end() + 25], note_date)
        if not dated or dated[0].start > 0 or dated[0].precision == "year":
            continue
        as_of = dated[0].value
        if note_date is not None and as_of >= note_date:
            continue
        end = text.find("\n", m.end())
        end = len(text) if end < 0 else end
        while end < len(text) and _LIST_ITEM.match(text, end + 1):
            nxt = text.find("\n", end + 1)
            end = len(text) if nxt < 0 else nxt
        blocks.append((m.start(), end, as_of))
    return blocks


def _quoted_in_error(span: Span, text: str) -> bool:
    """Whether the span is a quoted entry that its own sentence says was made in error."""
    before = text[span.start_char - 1 : span.start_char]
    after = text[span.end_char : span.end_char + 1]
    return (
        bool(before)
        and before in _QUOTES
        and bool(after)
        and after in _QUOTES
        and bool(_IN_ERROR.search(span.sent.text))
    )


_INDICATION_BEFORE = re.compile(
    r"\([^()]*\bsince\b[^()]*,\s*(?:added|started|begun|initiated|given|prescribed)\s+for\s+(?:\w+\s+)?$", re.IGNORECASE
)
_QUESTION_BOX = re.compile(r"\[[ \t]?\?[ \t]?\][ \t]*$")
_SECOND_ITEM_OF_EMPTY_BOX = re.compile(r"(?:\[[ \t]\]|\u2610|\u25a1)[ \t]*[A-Za-z][\w-]*[ \t]*(?:/|or|&)[ \t]*$")


def _qualifiers(span: Span, section: str | None, index: RuleIndex, text: str) -> dict[str, bool]:
    quals = {name: bool(getattr(span._, name, False)) for name in _QUALIFIERS}
    negations = [mod for mod in span._.modifiers if mod.category == "NEGATED_EXISTENCE"]
    # A cue before the span ("not SLE (... anti-histone positive)") may not reach it.
    cue_ends = [span.doc[mod.modifier_span[0] : mod.modifier_span[1]].end_char for mod in negations]
    if negations and all(
        cue_end <= span.start_char
        and (
            _in_aside_after(span, cue_end, text)
            or _cue_in_closed_aside(span, cue_end, text)
            or _cue_ends_at_a_colon(span, cue_end, text)
        )
        for cue_end in cue_ends
    ):
        quals["is_negated"] = False
    if span.label_ == "DISEASE_ACTIVE" and _INDICATION_BEFORE.search(
        text, max(0, span.start_char - 40), span.start_char
    ):
        # "tacrolimus 2 mg bid (since 03/2023, added for serositis)": why a drug was begun, back then.
        quals["is_historical"] = True
    if _QUESTION_BOX.search(text, max(0, span.start_char - 8), span.start_char):
        # "[?] CNS lupus -- YES??": a box ticked with a question (a sentence
        # splitter ends the sentence at the "?", so ConText cannot reach it).
        quals["is_uncertain"] = True
    if _SECOND_ITEM_OF_EMPTY_BOX.search(text, max(0, span.start_char - 60), span.start_char):
        # "[ ] Pregnant / lactating": an empty box leaves both items unticked.
        quals["is_negated"] = True
    if _quoted_in_error(span, text):
        # 'the ED note lists "seizure"; ... this was entered in error (wrong patient)'.
        quals["is_negated"] = True
    if _in_copied_block(span, text):
        quals["is_historical"] = True
    if span.label_ == "DRUG" and _IF_IT_FLARES.match(text, span.end_char):
        # "Plan: add belimumab if she flares": a drug for a condition not yet met.
        quals["is_hypothetical"] = True
    if _VERSUS_AFTER.match(text, span.end_char) and not quals["is_negated"]:
        # "NPSLE vs vasovagal", "lupus-associated (NPSLE) vs NMOSD": the first term
        # of a differential is as open as the second (medspaCy's "vs" looks forward only).
        quals["is_uncertain"] = True
    if not _past_inline_section(span, text):
        for name, value in index.section_attributes.get(section or "", {}).items():
            if value:
                quals[name] = True
    return quals


_AT_DIAGNOSIS = re.compile(
    r"[^.;\n]{0,25}?\b(?:at|on)\s+(?:the\s+time\s+of\s+)?(?:diagnosis|dx|presentation|onset)\b", re.IGNORECASE
)
_EXACERBATION = re.compile(r"\bexacerbat(?:ion|or)|\bexacs?\b|\bED\s+visits?\b|\bbursts?\b", re.IGNORECASE)
_COPIED_LABEL = re.compile(
    r"\b(?:(?:copied|carried)\s+(?:forward|over|from)|copy[\s-]forward(?:ed)?|auto-?populated|imported|not\s+reconciled|unreconciled)\b(?:[^:.\n]|\.(?=\S)){0,40}:",
    re.IGNORECASE,
)


def _in_copied_block(span: Span, text: str) -> bool:
    """Whether ``span`` sits under a label that says its text was copied forward.

    "PROBLEM LIST (copied forward): 1. SLE 2. Lupus psychosis (03/2024)",
    "HPI (copied from 05/14/2024, reviewed): ...": what follows the label on
    its line, or in the list right under it, is as old as the note it was
    copied from.
    """
    line_start = text.rfind("\n", 0, span.start_char) + 1
    if _COPIED_LABEL.search(text, line_start, span.start_char):
        return True
    # The line right under a heading line "HPI (copied forward from 2019 admission summary):".
    if line_start > 0:
        above = text.rfind("\n", 0, line_start - 1) + 1
        heading = text[above : line_start - 1]
        if _COPIED_LABEL.search(heading) and heading.rstrip().endswith(":"):
            return True
    # A list item under a heading line such as "Problem list (copied forward):".
    while _LIST_ITEM.match(text, line_start) and line_start > 0:
        above = text.rfind("\n", 0, line_start - 1) + 1
        heading = text[above : line_start - 1]
        if _COPIED_LABEL.search(heading) and heading.rstrip().endswith(":"):
            return True
        line_start = above
    return False


# "Meds on transfer:", "Lupus work-up (2021, repeated 12/2023):".
_LABEL_LINE = re.compile(r"[ \t>*#-]*[A-Za-z][\w/&() -]{0,30}(?:\([^()\n]{0,40}\))?[ \t]*:")


def _past_inline_section(span: Span, text: str) -> bool:
    """Whether ``span`` is on a labelled line after a one-line section.

    "FHx: mother with RA; no family hx of SLE.\nMeds on transfer:
    tacrolimus ...": a heading with its content on its own line ends there
    when the next lines carry their own labels, even ones the sectionizer
    does not know, or speak of the patient ("She is ..."), so the
    medications are not a relative's.
    """
    section = span[0]._.section
    if section is None or section.title_end <= section.title_start:
        return False
    doc = span.doc
    title_end = doc[section.title_end - 1].idx + len(doc[section.title_end - 1])
    header_line_end = text.find("\n", title_end)
    if header_line_end == -1 or span.start_char < header_line_end or not text[title_end:header_line_end].strip():
        return False
    line_start = text.rfind("\n", 0, span.start_char) + 1
    return bool(_LABEL_LINE.match(text, line_start) or _PATIENT_SUBJECT_LINE.match(text, line_start))


# "FH: mother with SLE.\nShe is currently 16/40 pregnant": a line about the
# patient herself is no longer the one-line section's.
_PATIENT_SUBJECT_LINE = re.compile(
    r"[ \t]*(?:she|he|the\s+patient|patient|pt)\s+(?:is|was|has|had|remains|reports|states|denies)\b", re.IGNORECASE
)


# Renal findings without a value of their own, dated like the nephritis mentions.
_RENAL_LABELS = {"PROTEINURIA", "ACTIVE_SEDIMENT", "RENAL_REMISSION"}


# The rest of a test's line when its result is printed below it: "Anti-dsDNA Ab",
# "SMITH AB ...... SEE COMMENT", "IFA (DSDNA)".
_LINE_REST_NO_RESULT = re.compile(
    r"[\s.:,\-]*(?:(?:antibod(?:y|ies)|abs?|igg|see\s+comment|\(\s*[\w-]+\s*\))[\s.:,\-]*)*", re.IGNORECASE
)
_LABEL_ONLY_LINE = re.compile(
    r"^[ \t]*(?:your\s+value|result|value|comment|standard\s+range|reference\s+range)[ \t]*:?[ \t]*$",
    re.IGNORECASE | re.MULTILINE,
)


# What says a test was never reported: "no dsDNA/Sm reports", "no anti-Sm on file".
_NO_REPORT = re.compile(
    r"(?:[ \t]*(?:[/,&]|\bor\b|\band\b)[ \t]*(?:anti-?)?[\w-]{1,12})*[ \t]+"
    r"(?:(?:reports?|results?|values?|testing|tests?)\b(?![ \t]+(?:was|were|is|are)[ \t]+(?:neg|pos|non|react))"
    r"|on[ \t]+file\b|(?:is[ \t]+|are[ \t]+)?available\b|in[ \t]+(?:our|the)[ \t]+(?:system|chart|records?)\b)",
    re.IGNORECASE,
)


def _result_below(text: str, span: Span, spans: list[Span], i: int, cutoff: float | None) -> values.LabResult | None:
    """A result printed on the lines under its test name (faxed columns, portal
    screenshots, "SEE COMMENT" rows), up to the next test or a blank line."""
    line_end = text.find("\n", span.end_char)
    if line_end < 0 or not _LINE_REST_NO_RESULT.fullmatch(text, span.end_char, line_end):
        return None
    stop = next((s.start_char for s in spans[i + 1 :] if s.start_char > line_end), len(text))
    below = text[line_end + 1 : min(stop, line_end + 1 + 160)].split("\n\n", 1)[0]
    below = _LABEL_ONLY_LINE.sub(" ", below)
    below = re.sub(r"(?i)\b(?:comment|result)\s*:", " ", below).replace("\n", "  ")
    below = re.sub(r"(?i);\s*(?=ref)", "  ", below)  # "result 4.2 AI; reference <1.0": one reading
    return values.read_postfix_result(" " + below, cutoff) if below.strip() else None


_DOSE_LOG = re.compile(
    r"[ \t]*(?:Infusions?|Doses?|Injections?|Fills?|Cycles?|Administered|Given)(?:[ \t]+(?:given|dates?|on))?[ \t]*:",
    re.IGNORECASE,
)


def _drug_after(text: str, span: Span, right: int) -> str:
    """The text that speaks about a drug: up to the next drug in its sentence.

    A table row ends at its line (the next row is another drug's), and a
    medication table's Start and Stop columns are read by their header
    (:func:`values.med_table_row`).
    """
    line_start, line_end = values.line_bounds(text, span.start_char, span.end_char)
    if text.count("|", line_start, line_end) < 2:
        log = _DOSE_LOG.match(text, right) if right == span.sent.end_char else None
        if log:
            # "anifrolumab 300 mg IV q4wk. Infusions: 10/08/2024, 11/05/2024, ...":
            # the dose log that follows is the drug's.
            return text[span.end_char : values.line_bounds(text, log.end(), log.end())[1]]
        return text[span.end_char : right]
    table_row = values.med_table_row(text, line_start, line_end)
    if table_row is None or text[line_start : span.start_char].strip(" |"):
        return text[span.end_char : min(right, line_end)]
    first_cell, rest = table_row
    # The drug's own cell ("Azathioprine 100 mg") keeps its dose.
    return first_cell[len(text[line_start : span.end_char].lstrip(" |")) :] + rest


def extract_mentions(doc: Doc, note: NoteRecord, index: RuleIndex, cutoffs: dict[str, float]) -> list[Mention]:
    """Build the mentions of one processed note.

    A note that writes dates day first ("clinic 14/01/2025") has its
    ambiguous dates ("stopped 12/04/2023") read day first too.

    Parameters
    ----------
    doc:
        The note after the pipeline ran, on text with OCR confusions repaired
        (:func:`nlp.pipeline.ocr.repair`, which keeps every offset).
    note:
        The input record (ids, date, type); evidence and sentences are quoted
        from its text, not from the repaired one.
    index:
        Which criterion each target category belongs to, and section qualifiers.
    cutoffs:
        Default antibody cutoffs for bare numbers.
    """
    with temporal.day_first_dates(temporal.writes_day_first(doc.text, note.note_date)):
        mentions = _extract(doc, note, index, cutoffs)
    written_in = language.non_english(note.text)
    if written_in is not None:
        mentions.append(unread_note_marker(note, written_in))
    return mentions


def unread_note_marker(note: NoteRecord, written_in: str) -> Mention:
    """A mark that the rules could not read ``note`` (written in another language).

    It belongs to no criterion and is never cited; the resolvers count these
    marks so that an exclusion is not concluded from a silence nobody read.
    """
    return Mention(
        patient_id=note.patient_id,
        note_id=note.note_id,
        note_date=note.note_date,
        note_type=note.note_type,
        criterion_id="",
        concept=UNREAD_NOTE,
        text="",
        start=0,
        end=0,
        section=None,
        sentence="",
        value=written_in,
        attrs={"language": written_in},
    )


def _extract(doc: Doc, note: NoteRecord, index: RuleIndex, cutoffs: dict[str, float]) -> list[Mention]:
    spans = _drop_nested(sorted(doc.spans[SPAN_GROUP], key=lambda s: (s.start_char, -s.end_char)), index)
    text = doc.text  # spaCy rebuilds it from the tokens on every access
    attested_from = attestation_start(text)
    copied = copied_forward_blocks(text, note.note_date)
    mentions: list[Mention] = []
    for span in spans:
        category = span.label_
        rule, meta = _rule_of(span, index)
        section = span[0]._.section_category
        sent = span.sent
        quals = _qualifiers(span, section, index, text)
        cues = tuple(
            f"{mod.category.lower()}: {doc[mod.modifier_span[0] : mod.modifier_span[1]].text}"
            for mod in span._.modifiers
        )
        mention = Mention(
            patient_id=note.patient_id,
            note_id=note.note_id,
            note_date=note.note_date,
            note_type=note.note_type,
            criterion_id=index.criterion_by_category.get(category, ""),
            concept=category.lower(),
            text=note.text[span.start_char : span.end_char],
            start=span.start_char,
            end=span.end_char,
            section=section,
            sentence=note.text[sent.start_char : sent.end_char],
            rule=rule.literal if rule is not None else "",
            cues=cues,
            **quals,
        )
        if "lookalike" in meta:
            mention.attrs["lookalike"] = meta["lookalike"]
        if attested_from is not None and span.start_char > attested_from:
            mention.attrs["attestation"] = True
        for start, end, as_of in copied:
            if start <= span.start_char < end:
                mention.attrs["as_of"] = as_of.isoformat()
        mentions.append(mention)
    _add_values(mentions, spans, doc, note.note_date, cutoffs, index)
    mentions.extend(_medication_lists(doc, note))
    return mentions


def _rule_of(span: Span, index: RuleIndex) -> tuple[Any, dict[str, Any]]:
    """The rule behind a span and its metadata.

    spaCy keys span extensions by offsets, so two spans with the same offsets
    (an age and a sex in "28F") share one ``_.target_rule``; when it belongs
    to the other span, fall back to the category's shared metadata.
    """
    rule = span._.target_rule
    if rule is not None and rule.category == span.label_:
        return rule, dict(rule.metadata or {})
    return None, dict(index.category_metadata.get(span.label_, {}))


def _drop_nested(spans: list[Span], index: RuleIndex) -> list[Span]:
    """Drop spans nested in a longer span whose rule file subsumes their category.

    Each target matcher prunes overlaps within its own file; across files both
    readings are kept ("lupus flare" is activity and SLE) unless the longer
    one's file says it subsumes the shorter ("neuropsychiatric lupus" is NPSLE,
    not also a bare "lupus").
    """
    kept: list[Span] = []
    for span in spans:
        nested = any(
            other.start_char <= span.start_char
            and span.end_char <= other.end_char
            and (other.end_char - other.start_char) > (span.end_char - span.start_char)
            and span.label_ in index.subsumes.get(other.label_, ())
            for other in kept[-8:]
        )
        if not nested:
            kept.append(span)
    return sorted(kept, key=lambda s: (s.start_char, s.end_char))


def _medication_lists(doc: Doc, note: NoteRecord) -> list[Mention]:
    """A mention for each medication-list heading: the chart shows what the patient takes."""
    out: list[Mention] = []
    for section in doc._.sections:
        if section.category not in ("medications", "medication_history") or section.title_end <= section.title_start:
            continue
        title = doc[section.title_start : section.title_end]
        if title.text.strip():
            out.append(
                Mention(
                    patient_id=note.patient_id,
                    note_id=note.note_id,
                    note_date=note.note_date,
                    note_type=note.note_type,
                    criterion_id="refractory_active_disease",
                    concept="medication_list",
                    text=note.text[title.start_char : title.end_char],
                    start=title.start_char,
                    end=title.end_char,
                    section=section.category,
                    sentence=note.text[title.sent.start_char : title.sent.end_char],
                    rule="section heading",
                )
            )
    return out


def _same_sentence_neighbours(
    spans: list[Span], i: int, categories: set[str], text: str | None = None
) -> tuple[int, int]:
    """Character bounds (within the sentence) up to the neighbouring spans of the same kind.

    Given the note's ``text``, a span in a parenthesis right after this one
    names its assay ("Anti-dsDNA (Farr send-out, collected 07/28) resulted:
    5"): the bound is past the parenthesis.
    """
    span = spans[i]
    sent = span.sent
    left = sent.start_char
    right = sent.end_char
    aside_end = -1
    # Spans are in text order: stop at the sentence's edge, never scan the whole note.
    for j in range(i - 1, -1, -1):
        other = spans[j]
        if other.end_char <= sent.start_char:
            break
        if other.label_ in categories and other.end_char <= span.start_char:
            left = other.end_char
            break
    for j in range(i + 1, len(spans)):
        other = spans[j]
        if other.start_char >= sent.end_char:
            break
        if other.label_ in categories and other.start_char >= span.end_char:
            if other.start_char < aside_end:
                continue
            if (
                text is not None
                and aside_end < 0
                and re.fullmatch(r"[ \t]*\([ \t]*", text[span.end_char : other.start_char])
            ):
                aside_end = text.find(")", other.end_char, sent.end_char)
                if aside_end > 0:
                    continue
            right = other.start_char
            break
    return left, right


_MONTH_BEFORE = re.compile(
    r"\b(?:the|her|his|that|this)\s+((?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?(?:\s+\d{4})?)"
    r"\s+(?:anti-?\s*)?$"
)
_SAME_DATE = re.compile(r"[^.;\n]{0,25}?\b(?:on\s+)?(?:the\s+)?same\s+(?:date|day)\b", re.IGNORECASE)


def _method_aside(mentions: list[Mention], i: int, text: str) -> int | None:
    """The index of the test whose method mention ``i`` names in parentheses, if it does.

    "anti-dsDNA positive 1:80 (Crithidia)" and "Anti-dsDNA +ve 1:40
    Crithidia, anti-Sm neg" share the first result; in "anti-dsDNA
    (Crithidia) positive" the first mention has none to share.
    """
    m = mentions[i]
    aside = text[: m.start].rstrip().endswith("(") and text[m.end :].lstrip().startswith(")")
    for j in range(i - 1, -1, -1):
        prev = mentions[j]
        if prev.sentence != m.sentence or prev.start >= m.start:
            break
        if prev.concept == m.concept:
            # "Anti-dsDNA +ve 1:40 Crithidia, anti-histone neg": the method
            # named after the result, in the same clause.
            same_clause = not re.search(r"[,;]|\b(?:and|but|by|on|vs)\b", text[prev.end : m.start])
            return j if aside or same_clause else None
    return None


def _add_values(
    mentions: list[Mention],
    spans: list[Span],
    doc: Doc,
    note_date: date | None,
    cutoffs: dict[str, float],
    index: RuleIndex,
) -> None:
    text = doc.text
    antibody_results: dict[int, values.LabResult | None] = {}
    for i, (mention, span) in enumerate(zip(mentions, spans, strict=True)):
        _, meta = _rule_of(span, index)
        kind = meta.get("extract")
        sent = span.sent
        if kind == "antibody" or span.label_ == "PREGNANCY_TEST":
            group = _ANTIBODY_CATEGORIES if kind == "antibody" else {"PREGNANCY_TEST"}
            left, right = _same_sentence_neighbours(spans, i, group, text)
            after = text[span.end_char : right]
            before = text[left : span.start_char]
            cutoff = cutoffs.get(meta.get("antibody", "") or span.label_.lower())
            in_score = _in_score_items(text[sent.start_char : span.start_char], text[span.end_char : sent.end_char])
            column = (
                None
                if in_score
                else values.flowsheet_cell(text, span.start_char, span.end_char, note_date)
                or values.flowsheet_row_cell(text, span.start_char, span.end_char, note_date)
                or values.dated_row_cell(after, note_date)
            )
            obx = None if in_score or column is not None else values.hl7_obx_cell(text, span.start_char)
            if obx is not None:
                after = obx
            if column is not None:
                after = column[0]
            panel = partial(values.panel_cutoff, text, span.start_char) if kind == "antibody" else None
            result = None if in_score else values.read_postfix_result(after, cutoff, panel)
            # A result read only past a clause break (", anti-histone neg") is not this mention's own.
            own = result is not None and not re.match(r"\s*\)?\s*[,;]", after)
            method_of = _method_aside(mentions, i, text) if kind == "antibody" and not own else None
            shared_from = None
            if method_of is not None and antibody_results.get(method_of) is not None:
                # "anti-dsDNA positive 1:80 (Crithidia), anti-Sm negative": the
                # aside names the first test's method and shares its result.
                result = antibody_results.get(method_of)
                shared_from = mentions[method_of]
            elif result is None and not in_score and kind == "antibody":
                result = _result_below(text, span, spans, i, cutoff) or values.panel_list_result(
                    text, span.start_char, span.end_char
                )
            antibody_results[i] = result
            if result is None and not in_score:
                result = values.read_prefix_result(before)
            if (
                result is None
                and not in_score
                and values.listed_as_diagnostic_feature(text[sent.start_char : span.start_char])
            ):
                # Only a fallback: any stated result of this antibody outranks it.
                result = values.LabResult("positive", "listed among the diagnostic features")
                mention.attrs["result_source"] = "diagnostic_feature"
            if result is None and mention.is_negated and _NO_REPORT.match(text, span.end_char):
                # "no dsDNA/Sm reports in our system": no test on file, not a negative one.
                mention.attrs["not_tested"] = True
            mention.attrs["before_is_connector"] = values.is_connector(before)
            mention.attrs["after_is_connector"] = values.is_connector(after)
            if meta.get("antibody"):
                mention.attrs["antibody"] = meta["antibody"]
            _set_result(mention, result)
            # "Anti-dsDNA positive in 2019": the result is as old as its date;
            # only a date right by the result counts, not one later in the line.
            # A trend's last step may lie further on ("<10 on 07/06/2024, then 58 IU/ml on 05/09/2024").
            reach = 140 if values.last_trend_step(text[span.end_char : sent.end_char]) else 60
            dm = values.result_date(
                text[span.start_char : min(sent.end_char, span.end_char + reach)], note_date, trend=True
            )
            if column is not None:
                dm = column[1]
            elif obx is not None:
                dm = values.hl7_obx_date(text, span.start_char, note_date) or dm
            if dm is None:
                # "ED visit 4 wks ago: urine hCG negative", "Labs 03/2023: anti-dsDNA 45".
                dm = values.date_label(text[sent.start_char : span.start_char], note_date)
            if dm is None and _AT_DIAGNOSIS.match(text, span.end_char):
                # "SLE (dx 2018: ...; anti-dsDNA positive at diagnosis)": as old as the diagnosis.
                dm = values.diagnosis_date(text[sent.start_char : span.start_char], note_date)
            if dm is None:
                # "the June dsDNA was low-positive": a month named before the test dates it.
                named = _MONTH_BEFORE.search(text, max(0, span.start_char - 30), span.start_char)
                found = temporal.find_dates("in " + named.group(1), note_date) if named else []
                dm = found[0] if found else None
            if dm is None and _SAME_DATE.match(text, span.end_char):
                # "(Pinecrest, 11/19/2024): anti-chromatin ... Serum hCG neg same date."
                line_start = text.rfind("\n", 0, span.start_char) + 1
                earlier = [
                    d
                    for d in temporal.find_dates(text[line_start : span.start_char], note_date)
                    if d.precision == "day"
                ]
                dm = earlier[-1] if earlier else None
            if dm is None:
                dm = values.addendum_date(text[: span.start_char], note_date)
            if dm is not None:
                mention.attrs["result_date"] = dm.value.isoformat()
            if shared_from is not None and "result_date" in shared_from.attrs:
                mention.attrs["result_date"] = shared_from.attrs["result_date"]  # one test, one date
            if kind == "antibody" and (result is None or result.result == "pending"):
                prior = values.prior_result_aside(text[span.end_char : sent.end_char], note_date)
                if prior is not None:
                    _set_result(mention, prior[0])
                    mention.attrs["prior_result"] = True
                    if prior[1] is not None:
                        mention.attrs["result_date"] = prior[1].value.isoformat()
        elif kind == "drug":
            left, right = _same_sentence_neighbours(spans, i, {"DRUG"})
            line_start = text.rfind("\n", 0, span.start_char) + 1
            exposure = values.drug_exposure(
                text[left : span.start_char],
                _drug_after(text, span, right),
                note_date,
                after_drug=left > sent.start_char,
                earlier=text[max(0, sent.start_char - 300) : sent.start_char],
                row_lead=text[line_start : span.start_char] if line_start >= left else "",
            )
            if exposure["end"] is None:
                switched = values.switch_end(text[span.end_char : sent.end_char], note_date, exposure["start"])
                if switched is not None:
                    exposure.update(end=switched, stopped=True)
            mention.attrs.update(drug=meta["drug"], drug_class=meta["drug_class"], **exposure)
            mention.value = _drug_value(mention.attrs)
        elif kind == "age":
            years = values.age_years(span.text)
            if years is not None:
                mention.attrs["age_years"] = years
                mention.value = str(years)
        elif kind == "dob":
            dm = values.birth_date(span.text)
            if dm is not None:
                mention.attrs["birth_date"] = dm.value.isoformat()
                other = values.other_birth_reading(span.text, dm)
                # "DOB 05/06/2007" in a note with a sign of a day-first country
                # ("prednisolone") but not enough to decide: 6 May or 5 June.
                # A note with no such sign is a US note, read month first.
                if (
                    other is not None
                    and temporal.hints_day_first(text)
                    and not temporal.reading_day_first()  # this note's reading, set by extract()
                    and not temporal.shows_month_first(text, note_date)
                ):
                    mention.attrs["birth_date_other"] = other.isoformat()
                if dm.precision != "day":
                    mention.attrs["birth_precision"] = dm.precision
                mention.value = dm.value.isoformat()
        elif kind == "a1c":
            value = values.a1c_value(text[span.end_char : sent.end_char])
            if value is not None:
                mention.attrs["a1c"] = value
                mention.value = f"{value:g}%"
                # "A1c 9.5% 07/2022 per outside": as old as the date by its value.
                dm = values.result_date(text[span.start_char : min(sent.end_char, span.end_char + 30)], note_date)
                if dm is not None:
                    mention.attrs["event_date"] = dm.value.isoformat()
        elif kind == "nephritis":
            classes = values.nephritis_classes(sent.text)
            if classes:
                mention.attrs["classes"] = classes
                mention.value = "class " + "/".join(classes)
        elif kind == "proteinuria":
            in_score = _in_score_items(text[sent.start_char : span.start_char], text[span.end_char : sent.end_char])
            grams = None if in_score else values.proteinuria_g(text[span.end_char : sent.end_char])
            if grams is not None:
                mention.attrs["protein_g"] = grams
                mention.value = f"{grams:g} g"
        elif kind == "neuro":
            cause = values.attribution(sent.text, span.text)
            if cause:
                mention.attrs["attributed_to"] = cause
                mention.value = f"attributed to {'lupus' if cause == 'lupus' else 'another cause'}"
        elif kind == "pregnancy":
            weeks = values.gestational_weeks(span.text)
            if weeks is None and span.label_ == "PREGNANCY":
                # "viable IUP at 8 weeks": the weeks follow the mention.
                weeks = values.gestational_weeks(text[span.end_char : min(sent.end_char, span.end_char + 25)])
            if weeks is not None:
                mention.attrs["gestational_weeks"] = weeks
                mention.value = f"{weeks} weeks"
            # Only a date right by the mention dates it ("delivered 03/2023"), not one
            # later in the line ("hCG negative today; s/p tubal ligation 2015").
            ahead = text[span.start_char : min(sent.end_char, span.end_char + 40)]
            # "30F, 4 wk postpartum, SLE (2019)": the next item's date is not the delivery's.
            comma = ahead.find(",", len(span.text))
            if comma >= 0:
                ahead = ahead[:comma]
            dm = values.result_date(ahead, note_date)
            if dm is not None and re.search(
                r"\b(?:LMP|EDD|EDC|due(?:\s+date)?|conceived|conception)\W{0,3}$", ahead[: dm.start], re.I
            ):
                dm = None  # "pregnant, ~5 weeks by LMP (08/28/2025)": the date starts the pregnancy, which is current
            if dm is None:
                dm = _aside_date(span, text, note_date)
            if dm is not None:
                mention.attrs["event_date"] = dm.value.isoformat()
        elif kind == "illness":
            kind_name = values.illness_kind(span.text)
            if kind_name == "other":
                # "COPD (ex-smoker): 2 exacerbations in 2022": the illness named
                # earlier in the sentence, else later in it.
                kind_name = values.illness_kind(text[sent.start_char : span.start_char], last=True)
            if kind_name == "other":
                kind_name = values.illness_kind(text[span.end_char : sent.end_char])
            if kind_name == "other" and _EXACERBATION.search(span.text):
                # "30F, severe persistent asthma. Two exacerbations in 4 months":
                # the illness the sentences before name.
                kind_name = values.illness_kind(text[max(0, sent.start_char - 400) : sent.start_char], last=True)
            mention.attrs["illness"] = kind_name
            mention.value = mention.attrs["illness"]
        elif kind == "activity":
            score = values.sledai_score(span.text)
            if score is not None:
                mention.attrs["sledai"] = score
                scale = re.match(r"\s*(BILAG|CLASI)", span.text, re.IGNORECASE)
                mention.value = f"{scale.group(1).upper() if scale else 'SLEDAI'} {score}"
                if score and values.sledai_from_serology_only(text[span.end_char : sent.end_char]):
                    mention.attrs["serology_only"] = True
                    mention.value += " (serology only)"
        if kind in {"nephritis", "neuro", "illness", "activity"} or span.label_ in _RENAL_LABELS:
            dm = _statement_date(kind, span, text, note_date)
            if dm is not None:
                mention.attrs["event_date"] = dm.value.isoformat()
    _share_list_results(mentions, antibody_results)
    _share_drug_dates(mentions, spans, text)


_SCORE_ITEMS = re.compile(r"(?:SLEDAI|BILAG|SELENA|EULAR|SLICC)[^()\n]*\([^)]*$", re.IGNORECASE)
_SCORE_POINTS = re.compile(r"[ \t]*(?:\d{1,2}(?![\d.]))?[ \t]*(?:[,;)+/]|and\b|or\b|$)", re.IGNORECASE)


def _in_score_items(lead: str, rest: str) -> bool:
    """Whether a mention is an item of an activity or classification score ("SLEDAI-2K 10 (arthritis 4, proteinuria 4)").

    ``lead`` is the sentence up to the mention and ``rest`` the text after it.
    An item's number is points, not a result; a value with a unit or flag in
    the parenthesis ("SLEDAI-2K 4 - all serologic (anti-dsDNA 74 IU/mL H)") is a result.
    """
    return _SCORE_ITEMS.search(lead) is not None and _SCORE_POINTS.match(rest) is not None


def _aside_date(span: Span, text: str, note_date: date | None) -> DateMention | None:
    """The date an open parenthesis around ``span`` stands beside.

    "azathioprine 03/2023-07/2024 (pregnancy and lactation)": the reason given
    for a dated course is as old as the course.
    """
    before = text[span.sent.start_char : span.start_char]
    opened = before.rfind("(")
    if opened == -1 or ")" in before[opened:]:
        return None
    lead = before[max(0, opened - 25) : opened]
    if not re.search(r"\d\s*$", lead):
        return None
    return values.date_before(lead, note_date)


def _is_renal_state(span: Span) -> bool:
    """Whether a renal mention names a lasting state (a response or remission), not an event."""
    return span.label_ in ("RENAL_REMISSION", "NO_RENAL_DISEASE")


def _holds_since(lead: str) -> bool:
    """Whether the date after ``lead`` starts a state that holds at the note's date ("... since 07/2023")."""
    return bool(re.search(r"\bsince\s*$", lead))


# An aside after a comma belongs to the item it follows, not to the statement before.
_OTHER_ASIDE = re.compile(r"^([^(]*[,;:][^(]*)\([^()]*\)")

_NEAR_CHARS = 200
_CONTROL_WORD = re.compile(
    r"\b(?:in\s+(?:complete\s+)?remission|NED|no\s+evidence\s+of\s+(?:recurrence|disease)|cured|surveillance\s+only)\b",
    re.IGNORECASE,
)
"""How far around a mention a statement's date is looked for within its sentence."""


_RENAL_RESTATED = re.compile(r",[^,]*\b(?:class|LN|(?:lupus\s+)?nephritis|renal\s+biopsy)\b", re.IGNORECASE)


def _statement_date(kind: str, span: Span, text: str, note_date: date | None) -> DateMention | None:
    """The date a renal, neurological, illness or activity statement speaks of (``None``: the note's own)."""
    sent = span.sent
    if kind == "nephritis" or span.label_ in _RENAL_LABELS:
        # "LN class IV (biopsy 2021, CRR by 2022). ... Repeat biopsy
        # 02/2025: class IV-G relapse": a renal statement is as old as
        # the date beside it or leading up to it, not the first date in
        # its sentence; with neither it is the note's current status.
        # An aside further on dates its own subject: "partial renal response,
        # UPCR 0.9 g/g (peak 4.2 in 2023)" is a current response.
        ahead = text[span.end_char : min(sent.end_char, span.end_char + 40)]
        ahead = _OTHER_ASIDE.sub(lambda m: m.group(1) + " " * (len(m.group(0)) - len(m.group(1))), ahead)
        window = text[span.start_char : span.end_char] + ahead
        dm = values.result_date(window, note_date)
        if dm is not None and _is_renal_state(span) and _holds_since(window[: dm.start]):
            return None  # "complete renal response since 01/2025": a state that holds now
        if dm is not None:
            return dm
        before = text[sent.start_char : span.start_char]
        dm = values.date_before(before, note_date)
        if dm is not None and _RENAL_RESTATED.search(before[dm.end :]):
            # "SLE 2009, class V LN (biopsy 2020) - partial renal response":
            # the kidney is named again after the date, which is another subject's.
            return None
        return dm
    if span.label_ == "CONTROLLED_ILLNESS":
        # "melanoma IIIA 2023 - NED on CT 10/2025": a remission is as old as a
        # date after its word; the diagnosis's date before it does not date it.
        control = _CONTROL_WORD.search(text, span.start_char, span.end_char)
        if control is not None:
            after = text[control.end() : min(sent.end_char, control.end() + 30)]
            dates = values.find_dates(after, note_date)
            if dates and not _holds_since(after[: dates[0].start]):
                return dates[0] if note_date is None or dates[0].value <= note_date else None
            return None
    # "HTN: by peds nephrology; last note there 12/2024: 'BP poorly
    # controlled'": failing a date in the sentence's first clause, one just
    # before the mention in its own clause.
    # A run-on sentence (unpunctuated dictation) is read only near the
    # mention: its first date may belong to a diagnosis 300 characters back.
    base = max(sent.start_char, span.start_char - _NEAR_CHARS)
    # "PMH: SLE; seizure (2015); breast CA (2016)": the mention's own clause.
    base = max(base, text.rfind(";", base, span.start_char) + 1)
    dm = values.result_date(text[base : min(sent.end_char, span.end_char + _NEAR_CHARS)], note_date)
    if dm is None:
        base = max(sent.start_char, span.start_char - 40)
        dm = values.date_before(text[base : span.start_char], note_date)
    if kind in ("illness", "activity") and dm is not None and _holds_since(text[: base + dm.start][-12:]):
        # "Asthma well controlled, no exacerbations since 07/2023": a state
        # that began then and holds at the note's date; "flare ... despite
        # AZA (since 08/2024)": a drug's start, not when the flare was.
        return None
    return dm


def _set_result(mention: Mention, result: values.LabResult | None) -> None:
    if result is None:
        return
    mention.attrs["result"] = result.result
    mention.attrs["result_detail"] = result.detail
    if result.uncertain:
        mention.attrs["result_uncertain"] = True
    mention.value = f"{result.result} ({result.detail})" if result.detail != result.result else result.result


def _share_list_results(mentions: list[Mention], postfix: dict[int, values.LabResult | None]) -> None:
    """Give every test in a list the result written once for the list.

    "dsDNA, Smith and RNP antibodies negative": the result follows the last
    item, so earlier items joined only by connectors inherit it; a prefix
    result ("positive for dsDNA and Sm") flows forward the same way.
    """
    order = sorted(postfix)
    for pos in range(len(order) - 2, -1, -1):
        i, j = order[pos], order[pos + 1]
        a, b = mentions[i], mentions[j]
        if (
            "result" not in a.attrs
            and a.attrs.get("after_is_connector")
            and a.sentence == b.sentence
            and "result" in b.attrs
        ):
            _set_result(
                a, values.LabResult(b.attrs["result"], b.attrs["result_detail"], bool(b.attrs.get("result_uncertain")))
            )
    for pos in range(1, len(order)):
        i, j = order[pos - 1], order[pos]
        a, b = mentions[i], mentions[j]
        if (
            "result" not in b.attrs
            and b.attrs.get("before_is_connector")
            and a.sentence == b.sentence
            and "result" in a.attrs
        ):
            _set_result(
                b, values.LabResult(a.attrs["result"], a.attrs["result_detail"], bool(a.attrs.get("result_uncertain")))
            )
    for i in order:
        mentions[i].attrs.pop("before_is_connector", None)
        mentions[i].attrs.pop("after_is_connector", None)


_DATE_KEYS = ("start", "end", "last_use", "start_precision", "duration_days")


_OWN_ASIDE_DATE = re.compile(
    r"[^()\n;,]{0,25}\(\s*(?:since|started|start|from|begun|began)?\s*[\w/ -]{0,12}?\d", re.IGNORECASE
)


def _share_drug_dates(mentions: list[Mention], spans: list[Span], text: str) -> None:
    """Give coordinated drugs the dates written once for all of them.

    "Remains on MMF 1 g BID and tacrolimus 2 mg BID since 09/2023": the date
    follows the last drug, so an undated drug joined to the next by "and",
    "+", "/" or a comma (with only a dose between) takes the next one's dates.
    """
    drugs = [i for i, m in enumerate(mentions) if m.concept == "drug"]
    for pos in range(len(drugs) - 2, -1, -1):
        i, j = drugs[pos], drugs[pos + 1]
        a, b = mentions[i], mentions[j]
        if a.sentence != b.sentence or any(a.attrs.get(k) for k in ("start", "end", "last_use", "duration_days")):
            continue
        between = text[spans[i].end_char : spans[j].start_char]
        joined = re.fullmatch(
            r"[\s\w.()/-]{0,30}?(?:\s(?:and|&|plus)\s|\s?[+/,]\s?)\s*|\s*\(\s*", between, re.IGNORECASE
        )
        # "HCQ 200 mg BID, azathioprine 100 mg (since 02/2025)": a date in the
        # next drug's own parenthesis is that drug's alone.
        own_aside = _OWN_ASIDE_DATE.match(text, spans[j].end_char)
        if (
            joined
            and not own_aside
            and not re.search(r"\b(?:stopped|then|switched|before|after|until)\b", between, re.IGNORECASE)
        ):
            for key in _DATE_KEYS:
                a.attrs[key] = b.attrs.get(key)
            a.value = _drug_value(a.attrs)


def _drug_value(attrs: dict[str, Any]) -> str:
    parts = [attrs["drug"]]
    if attrs.get("start"):
        parts.append(f"start {attrs['start']}")
    if attrs.get("end"):
        parts.append(f"end {attrs['end']}")
    if attrs.get("duration_days"):
        parts.append(f"{attrs['duration_days']} days")
    for flag in ("current", "stopped", "allergy"):
        if attrs.get(flag):
            parts.append(flag)
    return "; ".join(parts)
