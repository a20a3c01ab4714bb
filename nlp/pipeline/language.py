"""Tell a note written in another language from an English one.

The rules read clinical English. A note in Spanish, French, German,
Portuguese or Italian yields no evidence, and an exclusion that rests on
absence ("no mention of pregnancy in 3 notes") would then read as `not_met`
when nobody read the note. :func:`non_english` names the language of such a
note so that the resolvers can say "not read" instead.

The test counts function words, which every sentence has whatever its
subject; a few borrowed words or a quoted phrase in an English note do not
tip it.
"""

from __future__ import annotations

import re


def _words(spaced: str) -> frozenset[str]:
    return frozenset(spaced.split())


_ENGLISH = _words(
    "the and of with to is was for on no not she he her his are at has had be this from by as an or "
    "patient denies without since today in a were been which that"
)
_OTHER: dict[str, frozenset[str]] = {
    "es": _words(
        # Not "y" ("and"): a checklist's "Y" answers would count.
        "el los las del con que por para una paciente sin al pero como desde tiene presenta refiere niega sus muy está"
    ),
    "fr": _words(
        "le les des du et avec est pour une dans sur pas patiente au aux sans depuis elle il nous mais ou très présente"
    ),
    "de": _words("der die das und mit ist nicht ein eine bei von zu im den dem keine seit auf sie er wir wird nach"),
    "pt": _words("os do da dos das com em não uma um sem para por ela ele está há desde também"),
    "it": _words("il gli della con che non una per senza paziente dal alla anche sono ha"),
}
_WORD = re.compile(r"[^\W\d_]+")
_MIN_WORDS = 15  # a short note ("Labs: C3 low") says too little to tell


def non_english(text: str) -> str | None:
    """The code of the language ``text`` is written in when it is clearly not English, else ``None``.

    >>> non_english("Paciente de 34 años con LES desde 2019, en tratamiento con micofenolato y prednisona.")
    'es'
    >>> non_english("34 yo F with SLE since 2019 on mycophenolate and prednisone; denies fever.") is None
    True
    """
    words = [w.lower() for w in _WORD.findall(text)]
    if len(words) < _MIN_WORDS:
        return None
    english = sum(w in _ENGLISH for w in words)
    scores = {code: sum(w in vocab for w in words) for code, vocab in _OTHER.items()}
    code, best = max(scores.items(), key=lambda item: item[1])
    if best >= 5 and best >= 2 * english:
        return code
    return None
