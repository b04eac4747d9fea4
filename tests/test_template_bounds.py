"""Issue 19, item 3: message templates (Jinja's sandbox) get the scripts' bounds: a hostile one is refused
when it is loaded for deploy, quickly and with a clear message, and cannot freeze or bloat a render."""
import json
import re
import time

import pytest

from processes.messaging.messages import MessageTemplateError, check_template, load_templates, render

NESTED = "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}"


@pytest.mark.parametrize("body, reason", [
    ("{{ 'a' * 10**10 }}", "a sequence of 10,000,000,000 items"),  # string multiplication
    ("{{ 'ab' * 60000 }}", "a sequence of 120,000 items"),
    ("{% for i in range(10**6) %}x{% endfor %}", "a range of 1,000,000 numbers"),  # the capped range
    (NESTED, "(an endless loop?)"),  # loops in loops: the steps and time of a script
    ("{% for i in range(100000) %}{{ 'a' * 100000 }}{% endfor %}", "longer than 100,000 characters"),
    ("{% set ns = namespace(x='a') %}{% for i in range(40) %}{% set ns.x = ns.x ~ ns.x %}{% endfor %}",
     "a joined string of more characters than allowed"),  # ~ doubling
    ("{% set l = ['a' * 100000] * 100000 %}{{ l }}", "text of more than 100,000 characters"),
    ("{{ 'x'|center(10**10) }}", "a centred string of 10,000,000,000 characters"),
    ("{{ 'x'.ljust(10**10) }}", "a string of 10,000,000,000 characters"),
    ("{{ 'x'|indent(10**10) }}", "an indent of 10,000,000,000 characters"),
    ("{{ '%10000000000d'|format(1) }}", "asks for more than 100,000 characters"),
    ("{{ '%*d' % (10**10, 1) }}", "may not take its width from the values"),
    ("{{ [1]|batch(10**9, 0)|list }}", "1,000,000,000 groups (|batch)"),
    ("{{ [1]|slice(10**9)|list }}", "1,000,000,000 groups (|slice)"),
    ("{{ 'a b'|wordwrap(1, wrapstring='x' * 99999) }}", "a wrapped text of more characters than allowed"),
    ("{{ (['a' * 1000] * 1000)|join(',') }}", "a joined string of more characters than allowed"),
    ("{{ ('ab' * 50000).replace('a', 'ab' * 50000) }}", "more characters than allowed"),
])
def test_a_hostile_template_is_refused_quickly_with_a_clear_message(body, reason):
    started = time.perf_counter()
    with pytest.raises(MessageTemplateError, match=re.escape(reason)) as info:
        check_template("hostile", {"subject": "Your comment", "body": body})
    assert str(info.value).startswith("message template hostile: a message could not be written: ")
    # Refused before the work (which would take minutes or gigabytes); generous, for a shared machine.
    assert time.perf_counter() - started < 5


def test_a_hostile_template_stops_the_deploy_that_loads_it(tmp_path):
    (tmp_path / "fine.json").write_text(json.dumps({"subject": "Hello {{ reference }}", "body": "Dear all"}))
    (tmp_path / "bomb.json").write_text(json.dumps({"subject": "Hi", "body": "{{ 'a' * 10**10 }}"}))
    with pytest.raises(MessageTemplateError, match=r"message template bomb: .* 10,000,000,000 items"):
        load_templates(tmp_path)


def test_ordinary_templates_render_as_before():
    template = {"subject": "Your {{ comment_type }} {{ reference }}",
                "body": "Dear {{ customer_name }},\n{{ reference ~ '!' }} {{ '%s-%d'|format('a', 3) }} "
                        "{{ names|join(', ') }} {{ 'ab'|replace('a', 'c') }} {{ 'x' * 3 }}"
                        "{% for i in range(3) %}{{ i }}{% endfor %} {{ 'ok'|center(6) }}|"}
    subject, body = render(template, {"comment_type": "query", "reference": "CC-1", "customer_name": "Ann",
                                      "names": ["a", "b"]})
    assert subject == "Your query CC-1"
    assert body == "Dear Ann,\nCC-1! a-3 a, b cb xxx012   ok  |"
    assert len(load_templates()) >= 10  # the shipped ones pass their trial render
