"""The pages' Jinja environment looks a dict's items up first (kaoping.web.pages): every
``row.column`` must still mean what Jinja's own lookup makes of it."""

from __future__ import annotations

import jinja2
import pytest

from kaoping.web.pages import TEMPLATES

TEMPLATE = (
    "{{ row.label }}|{{ row.items is defined }}|{{ row.missing is defined }}|"
    "{% for k, v in row.items() %}{{ k }}={{ v }};{% endfor %}|{{ row.get('label') }}|"
    "{{ obj.label }}|{{ row.values is defined }}|{{ row.get }}"
)


@pytest.mark.parametrize("row", [
    {"label": "2020年<b>", "value": "2020"},
    # items that shadow dict's own attributes: Jinja's lookup gives the attribute
    {"label": "x", "items": "shadowed", "values": 3, "get": "g"},
    {},
])
def test_a_dict_reads_as_jinja_reads_it(row: dict[str, object]) -> None:
    class Obj:
        label = "attribute"

    plain = jinja2.Environment(autoescape=jinja2.select_autoescape())
    ours = TEMPLATES.env
    assert type(ours) is not jinja2.Environment  # the quicker lookup is in use
    context = {"row": row, "obj": Obj()}
    want = plain.from_string(TEMPLATE).render(context)
    got = ours.from_string(TEMPLATE).render(context)
    assert got == want


def test_the_pages_templates_are_escaped() -> None:
    template = TEMPLATES.env.get_template("period_form.html")
    html = template.render(t=lambda key: key, periods=[
        {"label": "<script>", "options": [{"value": "2020", "label": "<i>2020</i>"}]}],
        period="2020", extra={"organ": '"x"'})
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "&lt;i&gt;2020&lt;/i&gt;" in html and 'value="&#34;x&#34;"' in html
