"""Submitting a page's form as a browser would: read the form the server rendered (lxml.html), fill it by name
or label, refuse what the page does not offer, and post exactly what a browser would send.

    page_form(client, "/cases/new").choose("comment_type", "query").fill("The comment", "...").submit()

What is sent: hidden inputs (the CSRF token, row_version) as rendered, text boxes and text areas as filled
(or as rendered), checked radios and checkboxes only, each select's selected option, and the clicked submit
button's name and value when it has a name. Line breaks go as CRLF, as browsers send them."""
from __future__ import annotations

import re
from datetime import date, datetime
from io import BytesIO
from typing import Any, Iterable, Mapping
from urllib.parse import urlencode, urljoin, urlsplit

import lxml.html
from werkzeug.datastructures import MultiDict

_TYPED = {"text", "email", "tel", "number", "password", "search", "url"}
_NOT_SENT = {"submit", "image", "reset", "button", "file"}


class FormError(AssertionError):
    """The test asked for something the rendered page does not offer."""


def page_form(client, url: str, **which) -> "Form":
    """GET a page (it must answer 200) and return one of its forms (see `form_in` for `which`)."""
    response = client.get(url)
    assert response.status_code == 200, f"GET {url}: {response.status_code} {response.text[:500]}"
    return form_in(client, response, **which)


def form_in(client, page, url: str | None = None, *, action: str | None = None, button: str | None = None,
            index: int | None = None) -> "Form":
    """A form of a page (a test-client response, or HTML with its URL): by its action, by the text of one of
    its submit buttons, by position, or the only form there is."""
    html, url = (page, url) if isinstance(page, str) else (page.text, url or page.request.url)
    forms = lxml.html.fromstring(html).forms
    found = [Form(client, f, url) for f in forms]
    if action is not None:
        found = [f for f in found if f.url == urljoin(url, action) or urlsplit(f.url).path == action]
    if button is not None:
        found = [f for f in found if f.buttons(button)]
    if len(found) > 1 and index is None:  # the page's own form, not the header's sign-out button
        found = [f for f in found if "cc-sign-out" not in (f.element.get("class") or "")] or found
    if index is not None:
        found = found[index:index + 1]
    if len(found) != 1:
        raise FormError(f"{len(found)} forms match action={action!r} button={button!r} index={index!r} on "
                        f"{url}; "
                        f"the page has: "
                        f"{[(f.url, f.button_texts()) for f in [Form(client, e, url) for e in forms]]}")
    return found[0]


def _text(element) -> str:
    return " ".join(element.text_content().split())


def _visible_text(element) -> str:
    """Text without GOV.UK's visually hidden additions ("Take<span> the task for CC-...</span>")."""
    copy = lxml.html.fromstring(lxml.html.tostring(element))
    for hidden in copy.xpath('.//*[contains(concat(" ", @class, " "), " govuk-visually-hidden ")]'):
        hidden.drop_tree()
    return _text(copy)


def _kind(element) -> str:
    if element.tag != "input":
        return element.tag
    return (element.get("type") or "text").lower()


def _disabled(element) -> bool:
    return any(e.get("disabled") is not None for e in element.iterancestors("fieldset")) or \
        element.get("disabled") is not None


def _crlf(value: str) -> str:
    return re.sub(r"\r\n|\r|\n", "\r\n", value)


class Form:
    """One rendered form and what the test has filled in."""

    def __init__(self, client, element, page_url: str):
        self.client, self.element, self.page_url = client, element, page_url
        self.method = (element.get("method") or "get").lower()
        self.url = urljoin(page_url, element.get("action") or page_url)
        self._tampered: dict[str, list] = {}
        self._files: list[tuple[str, bytes, str]] = []

    # Reading the form
    def controls(self) -> list:
        return [e for e in self.element.iter("input", "select", "textarea", "button") if e.get("name")]

    @property
    def names(self) -> list[str]:
        """The names of the fields a person can fill (hidden inputs and buttons left out)."""
        names = [e.get("name") for e in self.controls() if _kind(e) not in _NOT_SENT | {"hidden"}]
        return list(dict.fromkeys(names))

    def buttons(self, text: str | None = None) -> list:
        """Submit buttons, in page order; with `text`, those whose (visible) text or value is it."""
        found = [e for e in self.element.iter("button", "input")
                 if (e.tag == "button" and (e.get("type") or "submit").lower() == "submit")
                 or (e.tag == "input" and _kind(e) in ("submit", "image"))]
        if text is None:
            return found
        return [b for b in found if text in (_text(b), _visible_text(b), b.get("value"))]

    def button_texts(self) -> list[str]:
        return [_visible_text(b) or b.get("value", "") for b in self.buttons()]

    def hidden(self, name: str) -> str:
        """The value of a hidden input the page rendered (the row version, say)."""
        return self._one(self._named(name), name, {"hidden"}).get("value", "")

    def _named(self, name: str) -> list:
        return [e for e in self.controls() if e.get("name") == name]

    def _labelled(self, text: str) -> list:
        """Controls whose label or fieldset legend reads `text`."""
        for label in self.element.iter("label"):
            if _text(label) == text:
                target = label.get("for")
                inside = [e for e in self.controls() if e.get("id") == target] if target else \
                    [e for e in label.iter("input", "select", "textarea") if e.get("name")]
                if inside:
                    return inside
        for legend in self.element.iter("legend"):
            if _text(legend) == text:
                return [e for e in legend.getparent().iter("input", "select", "textarea") if e.get("name")]
        return []

    def _field(self, key: str) -> list:
        found = self._named(key) or self._labelled(key)
        if not found:
            raise FormError(f"the form at {self.url} has no field named or labelled {key!r}; it has "
                            f"{self.names}")
        return found

    def _one(self, found: list, key: str, kinds: set[str]):
        if len(found) != 1 or _kind(found[0]) not in kinds:
            raise FormError(f"{key!r} is not one {'/'.join(sorted(kinds))} field at {self.url}: "
                            f"{[(_kind(e), e.get('name')) for e in found]}")
        return found[0]

    # Filling it in
    def fill(self, key: str, value: Any) -> "Form":
        """Type into a text box or text area, by its name or label."""
        element = self._one(self._field(key), key, _TYPED | {"textarea"})
        element.value = str(value)
        return self

    def choose(self, key: str, value: str) -> "Form":
        """Pick a radio button (or a select's option) by its value or its label."""
        found = self._field(key)
        if len(found) == 1 and found[0].tag == "select":
            return self._select(found[0], key, value)
        radios = [e for e in found if _kind(e) == "radio"]
        if not radios or len(radios) != len(found):
            raise FormError(f"{key!r} is not a set of radio buttons at {self.url}")
        picked = self._options(radios, key, [value])
        for radio in self.element.iter("input"):
            if radio.get("name") == radios[0].get("name") and _kind(radio) == "radio":
                radio.checked = radio in picked
        return self

    def check(self, key: str, *values: str) -> "Form":
        """Tick checkboxes by value or label (a lone checkbox needs none)."""
        for box in self._checkboxes(key, values):
            box.checked = True
        return self

    def uncheck(self, key: str, *values: str) -> "Form":
        """Untick checkboxes by value or label; with none given, every box of that name."""
        for box in self._checkboxes(key, values) if values else self._checkboxes(key, ()):
            box.checked = False
        return self

    def fill_date(self, key: str, value: date | datetime | None = None, **parts: Any) -> "Form":
        """Fill a GOV.UK date input (name-day, -month, -year and, for a date and time, -hour, -minute)."""
        prefix = self._date_prefix(key)
        if isinstance(value, datetime):
            parts = {"hour": f"{value.hour:02d}", "minute": f"{value.minute:02d}", **parts}
        if value is not None:
            parts = {"day": value.day, "month": value.month, "year": value.year, **parts}
        for part, text in parts.items():
            self.fill(f"{prefix}-{part}", text)
        return self

    def set(self, name: str, value: Any) -> "Form":
        """Fill one field by name, whatever its kind: a list ticks exactly those checkboxes."""
        if isinstance(value, (date, datetime, Mapping)):
            return (self.fill_date(name, None, **value) if isinstance(value, Mapping)
                    else self.fill_date(name, value))
        found = self._named(name) or self._named(f"{name}-day") or self._field(name)
        kind = _kind(found[0])
        if kind == "checkbox":
            return self.uncheck(name).check(name, *([value] if isinstance(value, str) else value))
        if kind == "radio" or found[0].tag == "select":
            return self.choose(name, value)
        if found[0].get("name") == f"{name}-day":
            raise FormError(f"{name!r} is a date: give a date, a datetime or its parts")
        return self.fill(name, value)

    def set_all(self, values: Mapping[str, Any]) -> "Form":
        for name, value in values.items():
            self.set(name, value)
        return self

    def tamper(self, name: str, *values: Any) -> "Form":
        """For tests of hostile input only: send these values for `name` whatever the page offers, as someone
        editing the page or the request could. Everything else is still what the page rendered."""
        self._tampered[name] = list(values)
        return self

    def attach(self, key: str, content: bytes, filename: str) -> "Form":
        """Choose a file for a file input (again for another file, if the input takes `multiple`)."""
        element = self._one(self._field(key), key, {"file"})
        if any(name == element.get("name") for name, _, _ in self._files) and element.get("multiple") is None:
            raise FormError(f"{key!r} takes one file at {self.url}")
        self._files.append((element.get("name"), content, filename))
        return self

    def _select(self, element, key: str, value: str) -> "Form":
        options = [o for o in element.iter("option") if value in (o.get("value", _text(o)), _text(o))]
        if not options:
            raise FormError(f"{key!r} has no option {value!r} at {self.url}")
        element.value = options[0].get("value", _text(options[0]))
        return self

    def _options(self, inputs: list, key: str, values: Iterable[str]) -> list:
        labels = {e.get("id"): _text(lbl) for lbl in self.element.iter("label") for e in inputs
                  if lbl.get("for") and lbl.get("for") == e.get("id")}
        picked = []
        for value in values:
            match = [e for e in inputs if value in (e.get("value", "on"), labels.get(e.get("id")))]
            if not match:
                raise FormError(f"{key!r} offers no {value!r} at {self.url}; it offers "
                                f"{[e.get('value', 'on') for e in inputs]}")
            picked += match[:1]
        return picked

    def _checkboxes(self, key: str, values: Iterable[str]) -> list:
        boxes = self._field(key)
        if any(_kind(e) != "checkbox" for e in boxes):
            raise FormError(f"{key!r} is not a set of checkboxes at {self.url}")
        return self._options(boxes, key, values) if values else boxes

    def _date_prefix(self, key: str) -> str:
        if self._named(f"{key}-day"):
            return key
        boxes = [e.get("name") for e in self._labelled(key) if e.get("name", "").endswith("-day")]
        if not boxes:
            raise FormError(f"the form at {self.url} has no date named or labelled {key!r}: no box named "
                            f"'{key}-day' and no legend over one named '...-day'; it has {self.names}")
        return boxes[0][:-len("-day")]

    # Sending it
    def data(self, button: str | None = None) -> MultiDict:
        """What a browser would send, pressing `button` (by default the first submit button, as Enter
        does)."""
        pressed = self._pressed(button)
        pairs = []
        for element in self.controls():
            name, kind = element.get("name"), _kind(element)
            if _disabled(element) or name in self._tampered:
                continue
            if element is pressed:
                pairs.append((name, element.get("value", "")))
            elif kind in ("checkbox", "radio"):
                if element.checked:
                    pairs.append((name, element.get("value", "on")))
            elif element.tag == "select":
                pairs += [(name, v) for v in ([element.value] if not element.multiple else element.value)
                          if v is not None]
            elif element.tag == "textarea":
                pairs.append((name, _crlf(element.value.removeprefix("\n"))))
            elif element.tag == "input" and kind not in _NOT_SENT:
                pairs.append((name, element.get("value", "")))
        pairs += [(name, v) for name, values in self._tampered.items() for v in values]
        if self._files and (self.element.get("enctype") or "").lower() != "multipart/form-data":
            raise FormError(f"the form at {self.url} would not send files: it is not multipart/form-data")
        pairs += [(name, (BytesIO(content), filename)) for name, content, filename in self._files]
        return MultiDict(pairs)

    def _pressed(self, button: str | None):
        found = self.buttons(button)
        if button is not None and not found:
            raise FormError(f"no submit button {button!r} in the form at {self.url}; it has "
                            f"{self.button_texts()}")
        return found[0] if found else None

    def submit(self, button: str | None = None, **client_options):
        """Send the form to its action with the test client, as pressing `button` would; returns the
        response."""
        data = self.data(button)
        if self.method == "get":
            target = urlsplit(self.url)._replace(query=urlencode(list(data.items(multi=True)))).geturl()
            return self.client.get(target, **client_options)
        return self.client.post(self.url, data=data, **client_options)


def csrf_token(client) -> str:
    """The session's CSRF token, read from a page anyone may open (the public form's first page)."""
    return page_form(client, "/comment/type").hidden("csrf_token")


def post_by_hand(client, url: str, data=None, json=None, **options):
    """A post the test writes itself, for what no rendered form sends: bad input, routes the page does not
    offer the person, the editor's JSON calls. It carries the session's real CSRF token (in the form, or in
    the header the editor's script uses), so what is tested is the route's own answer, not the token check."""
    token = csrf_token(client)
    if json is not None:
        return client.post(url, json=json, headers={"X-CSRFToken": token}, **options)
    data = MultiDict(data or {})
    data.setlist("csrf_token", [token])
    return client.post(url, data=data, **options)
