"""Change classes that fail safe.

A text change is compared as a *sequence* of tokens, never as a bag of
keywords, so swapped deadlines and dropped negations cannot cancel out. The
rules, in order (documented in ``docs/diff-format.md``):

1. **substantive** when the ordered list of *trigger* tokens differs between
   the old and the new text: negations and modals, quantifiers, exception
   words, numbers, dates, time periods, money, emails, URLs, phone numbers,
   named bodies, countries, statutes and jurisdictions (names come from the
   vocabulary, the library's citations and obligation recipients, a list of
   countries, and the shape of the word: acronyms, CamelCase, capitals in
   mid-sentence). A trigger that only moved is substantive too.
2. **editorial** only when every difference is proven harmless: whitespace;
   punctuation that touches no number; one word's spelling fixed against a
   word list (the old word is not in it, the new one is, and they are at
   most two edits apart); a heading's letter case.
3. **needs-review** for everything else: the rules could not place it.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

SUBSTANTIVE, NEEDS_REVIEW, EDITORIAL, METADATA = "substantive", "needs-review", "editorial", "metadata"
#: Classes from most to least serious.
CLASSES = (SUBSTANTIVE, NEEDS_REVIEW, EDITORIAL, METADATA)

NEGATIONS = {
    "not", "no", "never", "none", "nor", "neither", "nothing", "nobody", "nowhere", "without", "cannot",
    "can't", "won't", "don't", "doesn't", "didn't", "isn't", "aren't", "wasn't", "weren't", "shouldn't",
    "mustn't", "needn't", "mayn't", "hasn't", "haven't", "wouldn't", "couldn't",
}  # fmt: skip
MODALS = {
    "must", "may", "might", "can", "could", "should", "shall", "will", "would", "need", "needs",
    "required", "require", "requires", "optional", "mandatory", "prohibited", "forbidden", "allowed",
    "permitted", "always", "ought",
}  # fmt: skip
QUANTIFIERS = {
    "all", "any", "some", "none", "every", "each", "only", "both", "either", "most", "many", "few",
    "several", "whole", "entire", "everyone", "anyone", "someone", "everything", "anything", "sole",
    "solely", "exclusively", "at least", "at most", "more than", "less than", "fewer than", "no more than",
    "up to",
}  # fmt: skip
EXCEPTIONS = {
    "unless", "except", "excepting", "even if", "even though", "provided that", "providing that",
    "subject to", "other than", "apart from", "save", "notwithstanding", "regardless", "if", "only if",
    "where", "when", "until", "unless and until",
}  # fmt: skip
TIME_WORDS = {
    "immediately", "promptly", "urgently", "straight away", "as soon as possible", "without undue delay",
    "without delay", "within", "before", "after", "by", "until", "second", "seconds", "minute", "minutes",
    "hour", "hours", "day", "days", "week", "weeks", "month", "months", "year", "years", "working",
    "business", "calendar", "daily", "weekly", "monthly", "yearly", "annually", "annual", "quarterly",
    "overnight", "today", "tomorrow", "next", "same", "later", "earlier", "first", "last",
}  # fmt: skip
NUMBER_WORDS = {
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
    "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty",
    "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety", "hundred", "thousand", "million",
    "once", "twice", "half", "double", "single", "dozen",
}  # fmt: skip
MONTHS = {
    "january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
    "november", "december",
}  # fmt: skip
#: Countries and territories (names a clause may use for a jurisdiction).
COUNTRIES = (
    "Australia", "Austria", "Belgium", "Brazil", "Bulgaria", "Canada", "China", "Croatia", "Cyprus",
    "Czechia", "Denmark", "England", "Estonia", "Finland", "France", "Germany", "Greece", "Hungary", "India",
    "Ireland", "Italy", "Japan", "Latvia", "Lithuania", "Luxembourg", "Malta", "Mexico", "Netherlands",
    "New Zealand", "Northern Ireland", "Norway", "Poland", "Portugal", "Romania", "Scotland", "Singapore",
    "Slovakia", "Slovenia", "South Africa", "South Korea", "Spain", "Sweden", "Switzerland", "United Kingdom",
    "United States", "Wales", "UK", "US", "USA", "EU", "European Union", "California", "Texas", "New York",
    "Florida", "Utah", "Quebec", "Ontario", "British Columbia", "Victoria", "Queensland",
)  # fmt: skip

# Tokens: URL, email, phone or number run, word, one punctuation mark, whitespace.
_TOKEN = re.compile(
    r"https?://[^\s<>()\]]+|mailto:[^\s<>()\]]+|www\.[^\s<>()\]]+"
    r"|[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
    r"|\+?\d(?:[\d,.:/-]*\d)?(?:st|nd|rd|th|[A-Z]{1,2}\b)?(?:\([a-z0-9]{1,4}\))*"
    r"|\w+(?:['’]\w+)*"
    r"|[^\w\s]"
    r"|\s+"
)
_URLISH = re.compile(r"^(?:https?://|mailto:|www\.)|@")
_NUMBER = re.compile(r"^\+?\d")
_SYMBOLS = set("§$£€¥%@#&+=<>")
_SENTENCE_END = {".", "!", "?", ":", ";", "\n", "-", "*", "#", "|", "(", '"', "“", "'", "‘", "[", ">"}


@dataclass(frozen=True)
class Vocabulary:
    """Names and words the rules need: named bodies and a spelling word list."""

    names: tuple[str, ...] = ()
    words: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        names = sorted({*self.names, *COUNTRIES}, key=lambda n: (-len(n), n))
        object.__setattr__(self, "_names_re", re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, names)) + r")(?!\w)"))

    @property
    def names_re(self) -> re.Pattern[str]:
        """Regex matching any known name (longest first)."""
        return self._names_re  # type: ignore[attr-defined]


_CAP_RUN = re.compile(r"(?:[A-Z][\w’'.-]*|[a-z]+[A-Z]\w*)(?: (?:of |and |for |the |on |de )?(?:[A-Z][\w’'.-]*))*")


def names_from(texts: Iterable[str]) -> list[str]:
    """Capitalised runs (named bodies, statutes) found in citation sources and recipients."""
    out: set[str] = set()
    for text in texts:
        for m in _CAP_RUN.finditer(text or ""):
            run = m.group(0).rstrip(".’'-")
            if len(run) >= 3:
                out.add(run)
    return sorted(out)


def _words(text: str) -> list[str]:
    return [t for t in _TOKEN.findall(text) if not t.isspace()]


def tokens(text: str) -> list[str]:
    """Split text into tokens (whitespace dropped)."""
    return _words(text)


def _phrases(words: list[str], i: int) -> list[str]:
    low = [w.lower() for w in words[i : i + 4]]
    return [" ".join(low[:n]) for n in (4, 3, 2) if len(low) >= n]


def triggers(text: str, vocab: Vocabulary) -> list[tuple[str, str]]:
    """Return the trigger tokens of a text, in order, as (kind, token)."""
    out: list[tuple[str, str]] = []
    named: dict[int, str] = {}
    for m in vocab.names_re.finditer(text):
        named[m.start()] = m.group(0)
    spans: list[tuple[int, str]] = []
    for m in _TOKEN.finditer(text):
        if not m.group(0).isspace():
            spans.append((m.start(), m.group(0)))
    words = [t for _, t in spans]
    skip_until = -1
    prev = "\n"
    for i, (pos, tok) in enumerate(spans):
        if pos < skip_until:
            prev = tok
            continue
        if pos in named:
            name = named[pos]
            out.append(("name", name))
            skip_until = pos + len(name)
            prev = tok
            continue
        low = tok.lower()
        kind = None
        phrase = next((p for p in _phrases(words, i) if p in _PHRASES), None)
        if phrase is not None:
            kind, low = _PHRASES[phrase], phrase
            n = phrase.count(" ") + 1
            skip_until = spans[i + n - 1][0] + len(spans[i + n - 1][1])
        elif _URLISH.search(tok):
            kind = "address"
        elif _NUMBER.match(tok) or tok in _SYMBOLS:
            kind = "number"
        elif low.replace("’", "'") in NEGATIONS or low.endswith("n't") or low.endswith("n’t"):
            kind = "negation"
        elif low in MODALS:
            kind = "modal"
        elif low in QUANTIFIERS:
            kind = "quantifier"
        elif low in EXCEPTIONS:
            kind = "exception"
        elif low in NUMBER_WORDS:
            kind = "number"
        elif low in TIME_WORDS or (low in MONTHS and tok[0].isupper()):
            kind = "period"
        elif tok[0].isalpha() and (
            (len(tok) >= 2 and sum(c.isupper() for c in tok) >= 2)  # NCMEC, eSafety, CyberTipline
            or (tok[0].isupper() and prev not in _SENTENCE_END and not prev[0].isdigit())
        ):
            kind = "name"
        if kind is not None:
            out.append((kind, low if kind not in ("name", "address") else tok))
        prev = tok
    return out


_PHRASES: dict[str, str] = {
    **{p: "quantifier" for p in QUANTIFIERS if " " in p},
    **{p: "exception" for p in EXCEPTIONS if " " in p},
    **{p: "period" for p in TIME_WORDS if " " in p},
}

_KIND_LABEL = {
    "negation": "a negation",
    "modal": "a modal word",
    "quantifier": "a quantifier",
    "exception": "an exception word",
    "number": "a number or amount",
    "period": "a time period",
    "address": "an address (email, URL, phone)",
    "name": "a name (body, country, statute)",
}


def _edits(a: str, b: str) -> int:
    """Damerau-Levenshtein distance (optimal string alignment), capped at 3."""
    if abs(len(a) - len(b)) > 2:
        return 3
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return prev[-1]


def classify_text(old: str, new: str, vocab: Vocabulary, *, heading: bool = False) -> tuple[str, list[str]]:
    """Classify a change of text; return (class, reasons).

    ``heading`` allows a change of letter case only (a clause title).
    """
    if old == new:
        return METADATA, []
    a, b = tokens(old), tokens(new)
    if heading and a != b and [t.lower() for t in a] == [t.lower() for t in b]:
        return EDITORIAL, ["heading letter case only"]
    before, after = triggers(old, vocab), triggers(new, vocab)
    if before != after:
        return SUBSTANTIVE, [_trigger_reason(before, after)]
    if a == b:
        return EDITORIAL, ["whitespace only"]
    reasons: list[str] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        gone, came = a[i1:i2], b[j1:j2]
        changed = [*gone, *came]
        if all(not t[0].isalnum() and t not in _SYMBOLS for t in changed):
            near = [*a[max(i1 - 1, 0) : i2 + 1], *b[max(j1 - 1, 0) : j2 + 1]]
            if any(_NUMBER.match(t) for t in near):
                return NEEDS_REVIEW, [f"punctuation next to a number changed ({_show(gone, came)})"]
            reasons.append("punctuation")
            continue
        if (
            tag == "replace"
            and len(gone) == len(came) == 1
            and gone[0].isalpha()
            and came[0].isalpha()
            and len(came[0]) >= 4
            and gone[0].lower() not in vocab.words
            and came[0].lower() in vocab.words
            and _edits(gone[0].lower(), came[0].lower()) <= 2
        ):
            reasons.append(f"spelling {gone[0]!r} → {came[0]!r}")
            continue
        return NEEDS_REVIEW, [f"wording changed ({_show(gone, came)}); no rule proves it harmless"]
    return EDITORIAL, sorted(set(reasons)) or ["whitespace only"]


def _show(gone: list[str], came: list[str]) -> str:
    g, c = " ".join(gone)[:60], " ".join(came)[:60]
    return f"“{g}” → “{c}”" if gone and came else (f"removed “{g}”" if gone else f"added “{c}”")


def _trigger_reason(before: list[tuple[str, str]], after: list[tuple[str, str]]) -> str:
    if sorted(before) == sorted(after):
        pairs = list(zip(before, after, strict=True))
        moved = sorted({x[0] for x, y in pairs if x != y})
        labels = ", ".join(_KIND_LABEL[k] for k in moved)
        tokens_moved = [x[1] for x, y in pairs if x != y]
        return f"the order of {labels} changed ({', '.join(tokens_moved[:4])} swapped)"
    kinds: list[str] = []
    parts: list[str] = []
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        for k, _ in [*before[i1:i2], *after[j1:j2]]:
            if k not in kinds:
                kinds.append(k)
        parts += [f"-{t}" for _, t in before[i1:i2]] + [f"+{t}" for _, t in after[j1:j2]]
    labels = ", ".join(_KIND_LABEL[k] for k in kinds)
    return f"text changes {labels} ({', '.join(parts[:6])})"


def worst(classes: Iterable[str]) -> str:
    """Return the most serious of several classes (metadata when none)."""
    found = set(classes)
    return next((c for c in CLASSES if c in found), METADATA)
