"""Change classes that fail safe: the labelled corpus and the rules behind it."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from generator.library import load_library
from generator.review.classify import classify_text
from generator.review.diff import library_vocabulary

CORPUS = yaml.safe_load((Path(__file__).parent / "fixtures" / "classify-corpus.yaml").read_text(encoding="utf-8"))
VOCAB = library_vocabulary(load_library(None))


def test_corpus_is_large_and_labelled() -> None:
    assert len(CORPUS) >= 60
    assert {c["expected"] for c in CORPUS} == {"substantive", "needs-review", "editorial"}


@pytest.mark.parametrize("case", CORPUS, ids=[f"{i}:{c['old'][:30]}" for i, c in enumerate(CORPUS)])
def test_corpus_pair_is_classed_as_labelled(case: dict) -> None:
    cls, reasons = classify_text(case["old"], case["new"], VOCAB, heading=case.get("heading", False))
    assert cls == case["expected"], reasons
    assert reasons


def test_no_substantive_pair_is_classed_editorial() -> None:
    wrong = [
        c["old"]
        for c in CORPUS
        if c["expected"] == "substantive"
        and classify_text(c["old"], c["new"], VOCAB, heading=c.get("heading", False))[0] == "editorial"
    ]
    assert wrong == []


def test_reasons_name_the_trigger() -> None:
    cls, reasons = classify_text("Adults cannot message you.", "Adults can message you.", VOCAB)
    assert cls == "substantive" and "negation" in reasons[0]
    cls, reasons = classify_text("S3: two days; S4: five days.", "S3: five days; S4: two days.", VOCAB)
    assert "order" in reasons[0]
