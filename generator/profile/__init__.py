"""What a service is, and how its description is read and checked.

Lives here: the profile schema, defaults, contradictions and facts
(``profile.py``); the declarative field types that collect every problem with
its line (``schema.py``); safe YAML reading (``yamlio.py``); and the
vocabulary of services, jurisdictions, features and documents
(``vocabulary.py``).

May import: the infrastructure at the package root (``errors``) only. It never
imports ``library``, ``documents``, ``render``, ``review`` or ``checks``.
"""

from .profile import Profile, field_reference, load_profile, validate_profile
from .schema import MISSING, Bool, Checker, Date, Enum, Field, ListOf, Mapping, Raw, Str, Url, describe, did_you_mean
from .yamlio import YamlProblem, parse_yaml, read_text

__all__ = [
    "Bool",
    "Checker",
    "Date",
    "Enum",
    "Field",
    "ListOf",
    "MISSING",
    "Mapping",
    "Profile",
    "Raw",
    "Str",
    "Url",
    "YamlProblem",
    "describe",
    "did_you_mean",
    "field_reference",
    "load_profile",
    "parse_yaml",
    "read_text",
    "validate_profile",
]
