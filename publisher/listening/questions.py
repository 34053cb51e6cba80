"""Is a reply from the public a question? A ``?``, or an Indonesian question word (formal or everyday).

Comments are short and informal: "syarat paspor anak apa aja kak", "gimana cara daftar online", "kapan buka".
A question word anywhere counts, as a whole word ("apa" in "apapun" does not). This errs towards listing: an
extra line in the report's questions costs a glance, a missed question costs a citizen an answer. ``-kah`` words
are listed one by one, not matched by suffix: "langkah" (step) ends in -kah too.
"""

from __future__ import annotations

import re

QUESTION_WORDS = (
    # formal; "di mana" is two words, the "mana" entry covers it
    "apa", "apakah", "bagaimana", "bagaimanakah", "berapa", "berapakah", "kapan", "kapankah", "mana", "manakah",
    "dimana", "dimanakah", "kemana", "darimana", "mengapa", "kenapa", "siapa", "siapakah", "bisakah", "bolehkah",
    "dapatkah", "haruskah", "perlukah", "adakah", "sudahkah", "syarat", "syaratnya", "persyaratan",
    # everyday and chat spellings
    "gimana", "gmn", "gmana", "bgmn", "brp", "knp", "napa", "kpn", "kok",
)  # fmt: skip
WORD = re.compile(r"\b(?:" + "|".join(sorted(QUESTION_WORDS, key=len, reverse=True)) + r")\b")


def is_question(text: str) -> bool:
    lowered = text.lower()
    return "?" in lowered or "？" in lowered or WORD.search(lowered) is not None
