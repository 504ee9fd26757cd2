"""Flesch-Kincaid grade level, for checking that safety tips suit their readers.

grade = 0.39 x (words / sentences) + 11.8 x (syllables / words) - 15.59

Syllables are counted with the usual vowel-group heuristic. Web addresses and
email addresses are counted as one short word, since readers do not sound
them out. Each list item counts as a sentence.
"""

from __future__ import annotations

import re

_LINK = re.compile(r"(https?://\S+|\b[\w.+-]+@[\w-]+(\.[\w-]+)+|\b[\w-]+(\.[a-z]{2,})+(/\S*)?)", re.I)
_WORD = re.compile(r"[A-Za-z]+(?:['’][A-Za-z]+)*")
_SENTENCE_END = re.compile(r"[.!?]+(?=\s|$)|[\n;:]+")


def syllables(word: str) -> int:
    """Estimate the syllables in an English word."""
    w = word.lower().replace("’", "'").split("'")[0]
    if len(w) <= 3:
        return 1
    w = re.sub(r"(?:[^laeiouy]es|[^laeiouy]ed|[^laeiouy]e)$", "", w)
    w = re.sub(r"^y", "", w)
    return max(1, len(re.findall(r"[aeiouy]{1,2}", w)))


def grade(text: str) -> float:
    """Return the Flesch-Kincaid grade of a text (0 for empty text)."""
    text = _LINK.sub("link", text)
    sentences = [s for s in _SENTENCE_END.split(text) if _WORD.search(s)]
    words = _WORD.findall(text)
    if not words:
        return 0.0
    n_sent = max(1, len(sentences))
    n_syll = sum(syllables(w) for w in words)
    return 0.39 * len(words) / n_sent + 11.8 * n_syll / len(words) - 15.59
