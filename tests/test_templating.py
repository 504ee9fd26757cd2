"""The template sandbox: strict variables, no escapes, profile values as data."""

from __future__ import annotations

import pytest

from generator.errors import RenderError
from generator.library.templating import make_env, md_escape, render_text, syntax_problems

CTX = {"company": {"name": "PixelPals"}}


def test_undefined_variable_is_an_error_with_line() -> None:
    with pytest.raises(RenderError) as info:
        render_text("line one\n{{ company.nmae }}\n", CTX, "c.md", first_line=10)
    problem = info.value.problems[0]
    assert problem.file == "c.md" and problem.line == 11
    assert "nmae" in problem.message


@pytest.mark.parametrize(
    "payload",
    [
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ company.__class__ }}",
        "{{ company.update({'name': 'x'}) }}",
        "{{ cycler.__init__.__globals__ }}",
        "{{ self._TemplateReference__context }}",
        "{{ lipsum.__globals__['os'] }}",
        "{% include '/etc/passwd' %}",
    ],
)
def test_known_escape_payloads_fail(payload: str) -> None:
    with pytest.raises(RenderError):
        render_text(payload, CTX, "evil.md")


def test_syntax_error_located() -> None:
    problems = syntax_problems("ok\n{% if %}\n", "c.md", first_line=5)
    assert problems[0].line == 6 and "template syntax error" in problems[0].message


def test_static_check_finds_undeclared_variables_and_filters() -> None:
    found = syntax_problems("{{ compnay.name }}\n{{ team.size }}", "c.md", 1)
    assert [(p.line, p.message.split(";")[0]) for p in found] == [(1, "undeclared variable 'compnay'")]
    found = syntax_problems("x\n{{ company.name | attr('x') }}", "c.md", 1)
    assert found[0].line == 2 and "filter 'attr' is not allowed" in found[0].message


def test_profile_values_are_escaped_not_evaluated() -> None:
    ctx = {"company": {"name": "{{ 7*7 }} *bold* <script>"}}
    out = render_text("Hello {{ company.name }}.", ctx, "c.md")
    assert "49" not in out
    assert out == "Hello " + md_escape("{{ 7*7 }} *bold* <script>") + "."


def test_html_env_autoescapes() -> None:
    env = make_env(markdown=False)
    assert env.from_string("{{ x }}").render(x="<b>") == "&lt;b&gt;"
