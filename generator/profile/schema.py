"""A small declarative schema for YAML data: profiles, clause front matter, skeletons.

Why not pydantic or jsonschema: policygen's errors must name the file, line,
field path, bad value and what is allowed, with a "did you mean" for near
misses, and the same field table must drive ``policygen list fields``, the
README's profile reference and the ``init`` questionnaire. A few dozen lines of
field classes do all of that with no import cost, where a general library
would need its messages rewritten anyway.

Each field checks a value and returns the cleaned value; problems are collected
in a :class:`Checker` so that every error in a file is reported at once.
"""

from __future__ import annotations

import datetime as _dt
import re
import string
from collections.abc import Callable, Iterable, Sequence
from collections.abc import Mapping as _Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import Problem

MISSING: Any = object()

# -- text, e-mail addresses and web addresses ---------------------------------------------
#
# One definition of each serves the profile schema (``Str``, ``Email``, ``Url``)
# and the cross-document consistency check, which looks for these values in
# the rendered documents (``checks/consistency.py``): an address the schema
# accepts is always found again in the text.

#: RFC 5322 ``atext``: the characters of a dot-atom local part.
ATEXT = "\\-A-Za-z0-9!#$%&'*+/=?^_`{|}~"
_LOCAL = rf"[{ATEXT}]+(?:\.[{ATEXT}]+)*"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
# A domain name of two or more labels whose last label (the top-level domain)
# is not all digits, so 10.0.0.1 is not a domain name.
_DOMAIN = rf"(?:{_LABEL}\.)+(?![0-9]+(?![A-Za-z0-9-])){_LABEL}"
_EMAIL_FULL = re.compile(rf"(?P<local>{_LOCAL})@(?P<domain>{_DOMAIN})", re.ASCII)
# Path, query and fragment: RFC 3986 unreserved, reserved and percent characters.
_URL_REST = r"[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]"
_URL_FULL = re.compile(
    rf"(?i:https?)://(?P<host>{_DOMAIN})(?::(?P<port>[0-9]{{1,5}}))?(?:[/?#]{_URL_REST}*)?", re.ASCII
)
_IP_HOST = re.compile(r"\[.*\]|[0-9.]+|.*:.*:.*", re.S)

#: Where a value may start and end inside running text (scanning, not validating).
_EMAIL_AT = re.compile(rf"{_LOCAL}@{_DOMAIN}(?![A-Za-z0-9-])", re.ASCII)
_LOCAL_CHARS = frozenset(string.ascii_letters + string.digits + "!#$%&'*+-/=?^_`{|}~.")
_URL_SCAN = re.compile(rf"(?i:https?)://{_DOMAIN}(?::[0-9]{{1,5}})?(?:[/?#]{_URL_REST}*)?(?![A-Za-z0-9-])", re.ASCII)

EMAIL_RULE = (
    "ASCII name@domain: the part before @ may use letters, digits, dots (not first, last or doubled) and "
    "! # $ % & ' * + - / = ? ^ _ ` { | } ~ (RFC 5322); the domain is a domain name of two or more labels "
    "(p.example, a.b.x); IP addresses and quoted names are refused"
)
URL_RULE = (
    "http:// or https:// followed by a domain name (no IP address, user name or password), an optional port, "
    "and an optional path, query or fragment in ASCII (percent-encode anything else)"
)


def email_problem(text: str) -> str | None:
    """Return why ``text`` is not an email address policygen accepts (:data:`EMAIL_RULE`), or None."""
    if len(text) > 254:
        return f"is {len(text)} characters long; an email address has at most 254"
    local, at, domain = text.rpartition("@")
    if not at or not local or not domain:
        return f"{text!r} is not an email address; expected name@domain.example"
    if _EMAIL_FULL.fullmatch(text) is not None:
        return None if len(local) <= 64 else f"{text!r} has {len(local)} characters before the @; at most 64"
    if _IP_HOST.fullmatch(domain):
        return f"{text!r} uses an IP address as its domain; use a domain name (name@domain.example)"
    odd = sorted({c for c in local if not re.fullmatch(f"[{ATEXT}.]", c)})
    if odd:
        shown = " ".join(repr(c) for c in odd[:5])
        return (
            f"{text!r}: the part before the @ contains {shown}, which an address cannot use unquoted "
            "(allowed: letters, digits, dots and ! # $ % & ' * + - / = ? ^ _ ` { | } ~); quoted names are refused"
        )
    if re.fullmatch(_LOCAL, local, re.ASCII) is None:
        return f"{text!r}: the part before the @ must not start or end with a dot or have two dots in a row"
    return (
        f"{text!r}: {domain!r} is not a domain name; expected two or more labels of ASCII letters, digits "
        "and inner hyphens, separated by dots (name@domain.example)"
    )


def url_problem(text: str) -> str | None:
    """Return why ``text`` is not a web address policygen accepts, or None when it is one."""
    m = _URL_FULL.fullmatch(text)
    if m is None:
        scheme, sep, rest = text.partition("://")
        host = rest.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
        if sep and scheme.lower() in ("http", "https"):
            if "@" in host:
                return f"{text!r} contains a user name or password; give the plain address"
            bare = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
            if _IP_HOST.fullmatch(bare):
                return f"{text!r} uses an IP address; use a domain name (https://www.example.org)"
        return f"{text!r} is not a web address; expected {URL_RULE}"
    port = m.group("port")
    if port is not None and not 0 < int(port) < 65536:
        return f"{text!r} has port {port}; ports run from 1 to 65535"
    return None


def find_emails(text: str) -> list[str]:
    """Return the email addresses (by the grammar :func:`email_problem` accepts) in running text.

    An address starts where the run of local-part characters before its @
    starts (so ``o'neil@p.example`` is found whole); the scan goes from each
    @, so it costs little on long text.
    """
    out = []
    at = text.find("@")
    while at > 0:
        start = at
        while start > 0 and text[start - 1] in _LOCAL_CHARS:
            start -= 1
        m = _EMAIL_AT.match(text, start)
        if m is not None:
            out.append(m.group())
        at = text.find("@", max(at + 1, m.end() if m else 0))
    return out


def find_urls(text: str) -> list[str]:
    """Return the web addresses (by the grammar :func:`url_problem` accepts) in running text.

    Punctuation that ends a sentence or closes a bracket around an address
    (``.``, ``,``, ``;``, ``)``, quotes, ...) is not part of it.
    """
    out = []
    for url in _URL_SCAN.findall(text):
        while url and url[-1] in ".,;:!?'\")]":
            if url[-1] == ")" and url.count("(") >= url.count(")"):
                break
            if url[-1] == "]" and url.count("[") >= url.count("]"):
                break
            url = url[:-1]
        out.append(url)
    return out


def find_value(text: str, value: str, *, email: bool) -> list[tuple[int, int]]:
    """Return the (start, end) spans where ``value`` stands on its own in ``text`` (case-insensitive).

    An e-mail address stands on its own when no letter, digit or one of
    ``. _ % + -`` comes right before it, and no domain character right after
    it; a web address when no letter or digit comes right before it and no
    character of a longer path right after it (sentence punctuation may).
    """
    low, v = text.lower(), value.lower()
    spans = []
    start = low.find(v)
    while start >= 0 and v:
        end = start + len(v)
        before = low[start - 1] if start else " "
        after = low[end : end + 2]
        if email:
            ok = not (before.isascii() and (before.isalnum() or before in "._%+-"))
            ok = ok and not (after[:1].isascii() and (after[:1].isalnum() or after[:1] == "-"))
            ok = ok and not (after[:1] == "." and after[1:2].isascii() and after[1:2].isalnum())
        else:
            ok = not (before.isascii() and before.isalnum())
            nxt = after[:1]
            ok = ok and (not nxt or not re.fullmatch(_URL_REST, nxt) or nxt in ".,;:!?')]")
            ok = ok and not (nxt in ".,;:!?" and re.fullmatch(_URL_REST, after[1:2] or " ") is not None)
        if ok:
            spans.append((start, end))
        start = low.find(v, start + 1)
    return spans


#: Characters no profile or library text may contain, by reason.
_NONCHARS = "\ufdd0-\ufdef" + "".join(f"{chr(p * 0x10000 + 0xFFFE)}{chr(p * 0x10000 + 0xFFFF)}" for p in range(17))
_FORBIDDEN = re.compile(
    "(?P<control>[\x00-\x08\x0b-\x1f\x7f-\x9f])"
    "|(?P<newline>[\t\n])"
    "|(?P<bidi>[\u202a-\u202e\u2066-\u2069])"
    f"|(?P<nonchar>[{_NONCHARS}])"
    "|(?P<surrogate>[\ud800-\udfff])"
)
_WHY = {
    "control": "a control character",
    "newline": "a control character (line break or tab)",
    "bidi": "a bidirectional override or isolate character (it can reverse the text around it)",
    "nonchar": "a Unicode noncharacter",
    "surrogate": "a lone surrogate (not a character)",
}


def text_problem(text: str, *, multiline: bool = False) -> str | None:
    """Return why ``text`` cannot appear in a document, or None.

    Refused everywhere: C0 and C1 control characters, Unicode noncharacters
    (U+FDD0 to U+FDEF and the last two code points of every plane), lone
    surrogates, and the bidirectional embedding, override and isolate
    characters U+202A to U+202E and U+2066 to U+2069. Tab and line breaks are
    allowed in ``multiline`` text only.
    """
    for m in _FORBIDDEN.finditer(text):
        kind = m.lastgroup or "control"
        if kind == "newline" and multiline:
            continue
        ch = m.group()
        where = f" at position {m.start() + 1}" if len(text) > 1 else ""
        hint = "; use one line of text" if kind == "newline" else ""
        return f"contains {_WHY[kind]}, U+{ord(ch):04X}{where}{hint}"
    return None


def did_you_mean(value: object, choices: Iterable[str]) -> str:
    """Return `` (did you mean 'x'?)`` for a near miss, else an empty string."""
    if not isinstance(value, str):
        return ""
    import difflib  # only when a value is wrong (a few ms of every run otherwise)

    close = difflib.get_close_matches(value.lower(), list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def describe(value: object) -> str:
    """Describe a YAML value for an error message: its repr and its kind."""
    kinds = {
        bool: "true/false",
        int: "a number",
        float: "a number",
        str: "text",
        list: "a list",
        dict: "a mapping",
        _dt.date: "a date",
        type(None): "empty",
    }
    kind = next((name for t, name in kinds.items() if type(value) is t), type(value).__name__)
    if isinstance(value, (dict, list)):
        return kind
    shown = repr(value) if not isinstance(value, _dt.date) else value.isoformat()
    if len(shown) > 60:
        shown = shown[:57] + "..."
    return f"{shown} ({kind})" if kind not in ("text",) else shown


def format_path(path: Sequence[str | int]) -> str:
    """Render a field path as ``a.b[2].c``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + part
    return out


@dataclass
class Checker:
    """Collects problems while a document is checked against a schema.

    Attributes:
        file: The file name shown in messages.
        lines: Field path (tuple) to 1-based line number, from the YAML reader.
        line_offset: Added to every line (front matter starts below ``---``).
    """

    file: str
    lines: dict[tuple, int] = field(default_factory=dict)
    line_offset: int = 0
    problems: list[Problem] = field(default_factory=list)

    def line_of(self, path: Sequence[str | int]) -> int | None:
        """Return the line of ``path`` or of its nearest located parent."""
        p = tuple(path)
        while True:
            if p in self.lines:
                return self.lines[p] + self.line_offset
            if not p:
                return None
            p = p[:-1]

    def add(self, path: Sequence[str | int], message: str) -> None:
        """Record a problem at ``path``."""
        self.problems.append(Problem(self.file, format_path(path), message, self.line_of(path)))


class Field:
    """Base class: a typed value with documentation and a default."""

    type_name = "value"

    def __init__(self, doc: str = "", *, default: Any = MISSING, example: Any = MISSING) -> None:
        self.doc = doc
        self.default = default
        self.example = example

    @property
    def required(self) -> bool:
        """Whether the field must be present."""
        return self.default is MISSING

    def check(self, value: Any, ck: Checker, path: tuple) -> Any:
        """Return the cleaned value, or MISSING after recording a problem."""
        raise NotImplementedError

    def allowed(self) -> str:
        """Describe the allowed values for documentation."""
        return self.type_name


class Str(Field):
    """Single-line text (no control characters), optionally length-limited."""

    type_name = "text"

    def __init__(self, doc: str = "", *, max_len: int = 200, multiline: bool = False, **kw: Any):
        super().__init__(doc, **kw)
        self.max_len = max_len
        self.multiline = multiline

    def check(self, value: Any, ck: Checker, path: tuple) -> Any:  # noqa: D102
        if not isinstance(value, str):
            ck.add(path, f"expected {self.allowed()}, got {describe(value)}")
            return MISSING
        text = value.strip() if not self.multiline else value
        if not text.strip():
            ck.add(path, "must not be empty")
            return MISSING
        if len(text) > self.max_len:
            ck.add(path, f"is {len(text)} characters long; at most {self.max_len} allowed")
            return MISSING
        bad = text_problem(text, multiline=self.multiline)
        if bad:
            ck.add(path, bad)
            return MISSING
        return self.extra_check(text, ck, path)

    def extra_check(self, text: str, ck: Checker, path: tuple) -> Any:
        """Validate the text further (for subclasses); return the cleaned value."""
        return text


class Email(Str):
    """An e-mail address (see :data:`EMAIL_RULE`)."""

    type_name = "an email address (name@example.com)"

    def extra_check(self, text: str, ck: Checker, path: tuple) -> Any:  # noqa: D102
        bad = email_problem(text)
        if bad:
            ck.add(path, bad)
            return MISSING
        return text


class Url(Str):
    """An http or https URL (see :data:`URL_RULE`)."""

    type_name = "an http:// or https:// URL"

    def extra_check(self, text: str, ck: Checker, path: tuple) -> Any:  # noqa: D102
        bad = url_problem(text)
        if bad:
            ck.add(path, bad)
            return MISSING
        return text


class Bool(Field):
    """true or false."""

    type_name = "true or false"

    def check(self, value: Any, ck: Checker, path: tuple) -> Any:  # noqa: D102
        if not isinstance(value, bool):
            ck.add(path, f"expected true or false, got {describe(value)}")
            return MISSING
        return value


class Int(Field):
    """A whole number within a range."""

    def __init__(self, doc: str = "", *, lo: int, hi: int, **kw: Any) -> None:
        super().__init__(doc, **kw)
        self.lo, self.hi = lo, hi

    def allowed(self) -> str:  # noqa: D102
        return f"a whole number from {self.lo} to {self.hi}"

    def check(self, value: Any, ck: Checker, path: tuple) -> Any:  # noqa: D102
        if isinstance(value, bool) or not isinstance(value, int):
            ck.add(path, f"expected {self.allowed()}, got {describe(value)}")
            return MISSING
        if not self.lo <= value <= self.hi:
            ck.add(path, f"{value} is out of range; expected {self.allowed()}")
            return MISSING
        return value


class Date(Field):
    """A calendar date written YYYY-MM-DD."""

    type_name = "a date written YYYY-MM-DD"

    def check(self, value: Any, ck: Checker, path: tuple) -> Any:  # noqa: D102
        if isinstance(value, _dt.datetime):
            value = value.date()
        if isinstance(value, _dt.date):
            return value
        if isinstance(value, str):
            try:
                return _dt.date.fromisoformat(value.strip())
            except ValueError:
                pass
        ck.add(path, f"expected {self.type_name}, got {describe(value)}")
        return MISSING


class Enum(Field):
    """One of a fixed set of identifiers."""

    def __init__(self, doc: str = "", *, choices: Sequence[str], **kw: Any) -> None:
        super().__init__(doc, **kw)
        self.choices = list(choices)

    def allowed(self) -> str:  # noqa: D102
        return "one of: " + ", ".join(self.choices)

    def check(self, value: Any, ck: Checker, path: tuple) -> Any:  # noqa: D102
        if isinstance(value, str) and value in self.choices:
            return value
        ck.add(
            path,
            f"unknown value {describe(value)}; allowed: {', '.join(self.choices)}" + did_you_mean(value, self.choices),
        )
        return MISSING


class ListOf(Field):
    """A list of items of one field type."""

    def __init__(
        self,
        item: Field,
        doc: str = "",
        *,
        unique: bool = True,
        min_items: int = 0,
        max_items: int = 500,
        **kw: Any,
    ) -> None:
        super().__init__(doc, **kw)
        self.item = item
        self.unique = unique
        self.min_items = min_items
        self.max_items = max_items

    def allowed(self) -> str:  # noqa: D102
        return f"a list of {self.item.allowed()}"

    def check(self, value: Any, ck: Checker, path: tuple) -> Any:  # noqa: D102
        if isinstance(value, (str, int, float, bool)) and isinstance(self.item, Enum):
            ck.add(path, f"expected a list, got {describe(value)}; write [{value}]")
            return MISSING
        if not isinstance(value, list):
            ck.add(path, f"expected {self.allowed()}, got {describe(value)}")
            return MISSING
        if len(value) < self.min_items:
            ck.add(
                path,
                "must not be empty" if self.min_items == 1 else f"needs at least {self.min_items} items",
            )
            return MISSING
        if len(value) > self.max_items:
            ck.add(path, f"has {len(value)} items; at most {self.max_items} allowed")
            return MISSING
        out, seen, ok = [], {}, True
        for i, item in enumerate(value):
            cleaned = self.item.check(item, ck, (*path, i))
            if cleaned is MISSING:
                ok = False
                continue
            key = repr(cleaned)
            if self.unique and key in seen:
                ck.add((*path, i), f"{describe(item)} is listed twice (also at [{seen[key]}])")
                ok = False
                continue
            seen[key] = i
            out.append(cleaned)
        return out if ok else MISSING


class Mapping(Field):
    """A mapping with a closed set of keys: unknown keys are errors."""

    type_name = "a mapping"

    def __init__(
        self,
        fields: dict[str, Field],
        doc: str = "",
        *,
        validate: Callable[[dict, Checker, tuple], None] | None = None,
        **kw: Any,
    ) -> None:
        super().__init__(doc, **kw)
        self.fields = fields
        self.validate = validate

    @property
    def required(self) -> bool:  # noqa: D102
        if self.default is not MISSING:
            return False
        return any(f.required for f in self.fields.values())

    def check(self, value: Any, ck: Checker, path: tuple) -> Any:  # noqa: D102
        if value is None and not self.required:
            value = {}
        if not isinstance(value, dict):
            ck.add(path, f"expected a mapping of fields, got {describe(value)}")
            return MISSING
        out: dict[str, Any] = {}
        ok = True
        for key in value:
            if key not in self.fields:
                names = list(self.fields)
                ck.add(
                    (*path, str(key)),
                    f"unknown field {str(key)!r}; allowed here: {', '.join(names)}" + did_you_mean(str(key), names),
                )
                ok = False
        for name, spec in self.fields.items():
            if name in value and not (value[name] is None and not spec.required):
                cleaned = spec.check(value[name], ck, (*path, name))
                if cleaned is MISSING:
                    ok = False
                else:
                    out[name] = cleaned
            elif spec.required:
                ck.add((*path, name), f"is required ({spec.allowed()})")
                ok = False
            elif isinstance(spec, Mapping):
                out[name] = spec.check({}, ck, (*path, name))
            else:
                out[name] = spec.default() if callable(spec.default) else spec.default
        if ok and self.validate is not None:
            self.validate(out, ck, path)
        return out if ok else MISSING


class Raw(Field):
    """Any YAML value; checked elsewhere (e.g. clause conditions)."""

    type_name = "any value"

    def check(self, value: Any, ck: Checker, path: tuple) -> Any:  # noqa: D102
        return value


def walk_fields(spec: Mapping, prefix: tuple = ()) -> Iterable[tuple[str, Field]]:
    """Yield (dotted path, field) for every leaf field of a mapping schema."""
    for name, f in spec.fields.items():
        path = (*prefix, name)
        if isinstance(f, Mapping):
            yield from walk_fields(f, path)
        else:
            yield format_path(path), f


def as_mapping(value: Any) -> _Mapping:
    """Return ``value`` if it is a mapping, else an empty one."""
    return value if isinstance(value, _Mapping) else {}
