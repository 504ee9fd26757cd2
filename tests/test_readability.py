"""The readability measure itself behaves like Flesch-Kincaid."""

from generator.checks.readability import grade, syllables


def test_syllables() -> None:
    assert [syllables(w) for w in ["cat", "report", "evidence", "secret", "make", "pressure", "you're"]] == [
        1,
        2,
        3,
        2,
        1,
        2,
        1,
    ]


def test_simple_text_is_low_grade_and_dense_text_high() -> None:
    simple = "Do not pay. Stop talking to them. Tell an adult you trust. It is not your fault."
    dense = (
        "Notwithstanding contractual obligations, organisational representatives shall "
        "expeditiously communicate substantiated jurisdictional determinations to appropriate authorities."
    )
    assert grade(simple) < 3
    assert grade(dense) > 16


def test_links_count_as_one_short_word() -> None:
    with_link = "Go to https://takeitdown.ncmec.org/get-started-now today."
    assert grade(with_link) == grade("Go to link today.")
