"""One permission table (processes.access): every permission named in the code is in it, every rule in it is
used, no other module names a role, and the header offers exactly the pages each person may open."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import lxml.html
import pytest

from app.navigation import LINKS
from models import ROLES
from processes import access
from processes.errors import NotAllowed

ROOT = Path(__file__).resolve().parent.parent
# The functions that take a permission's name, in app.guard, processes.access and app.navigation.
TAKERS = {"may", "require", "roles_may", "roles_for", "forbid_unless", "guard", "Link"}
PERMISSION_NAME = re.compile(r"[a-z][a-z_]*")
TEMPLATE_MAY = re.compile(r"\bmay\(\s*['\"]([^'\"]*)['\"]")
# The help text for diagram authors shows how a script names a role; it is an example, not a rule.
TEMPLATES_THAT_MAY_NAME_A_ROLE = {"policy/functions.html"}


def _modules():
    return [p for folder in ("app", "processes") for p in (ROOT / folder).rglob("*.py")]


def _templates():
    return list((ROOT / "app/templates").rglob("*.html"))


def _called(node: ast.Call) -> str | None:
    return node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)


def _permissions_in(path: Path) -> set[str]:
    """The names passed to the functions that take a permission (messages and endpoints are not names)."""
    calls = [n for n in ast.walk(ast.parse(path.read_text())) if isinstance(n, ast.Call)
             and _called(n) in TAKERS]
    texts = [a.value for c in calls for a in c.args if isinstance(a, ast.Constant)
             and isinstance(a.value, str)]
    return {text for text in texts if PERMISSION_NAME.fullmatch(text)}


def _named_permissions() -> dict[str, set[str]]:
    named: dict[str, set[str]] = {}
    for path in _modules():
        for name in _permissions_in(path):
            named.setdefault(name, set()).add(str(path.relative_to(ROOT)))
    for path in _templates():
        for name in TEMPLATE_MAY.findall(path.read_text()):
            named.setdefault(name, set()).add(str(path.relative_to(ROOT)))
    return named


def test_every_permission_named_anywhere_is_in_the_table():
    named = _named_permissions()
    assert len(named) > 10, named  # the scan finds the calls (it would pass on nothing otherwise)
    unknown = {name: sorted(where) for name, where in named.items() if name not in access.PERMISSIONS}
    assert not unknown, f"not in processes.access.PERMISSIONS: {unknown}"


def test_every_permission_in_the_table_is_used():
    assert set(access.PERMISSIONS) - set(_named_permissions()) == set(), "a rule nothing checks: remove it"


def test_the_table_names_only_real_roles():
    for permission, roles in access.PERMISSIONS.items():
        assert roles and roles <= set(ROLES), permission
    constants = {access.FRONT_LINE, access.INVESTIGATOR, access.SENIOR, access.CRO, access.MANAGER,
                 access.OWNER, access.ADMIN, access.READER, access.DIRECTOR}
    assert constants == set(ROLES)


def _role_strings(path: Path) -> list[tuple[int, str]]:
    return [(n.lineno, n.value) for n in ast.walk(ast.parse(path.read_text()))
            if isinstance(n, ast.Constant) and isinstance(n.value, str) and n.value in ROLES]


def test_no_module_but_the_table_names_a_role():
    named = {str(p.relative_to(ROOT)): found for p in _modules()
             if p != ROOT / "processes/access.py" and (found := _role_strings(p))}
    assert not named, f"name roles through processes.access (a permission, or its role names): {named}"


def test_no_template_checks_roles_itself():
    quoted = re.compile("|".join(rf"['\"]{role}['\"]" for role in ROLES))
    for path in _templates():
        text, name = path.read_text(), str(path.relative_to(ROOT / "app/templates"))
        assert "has_role(" not in text, f"{name}: use may('permission')"
        assert name in TEMPLATES_THAT_MAY_NAME_A_ROLE or not quoted.search(text), f"{name} names a role"


def test_may_and_require_read_the_table(users):
    cro, owner = users["cro"], users["owner"]
    assert access.may(cro, "agree_extension") and not access.may(owner, "agree_extension")
    access.require(owner, "change_policy", "unused")
    with pytest.raises(NotAllowed, match="^Only the CRO$"):
        access.require(owner, "agree_extension", "Only the CRO")
    with pytest.raises(KeyError):
        access.may(cro, "agree_extensions")  # a misspelt permission fails loudly, never quietly refuses


def test_roles_may_judges_roles_not_yet_saved():
    assert access.roles_may([access.ADMIN], "manage_accounts")
    assert not access.roles_may([access.CRO, access.OWNER], "manage_accounts")


DEMO = ["frontline", "investigator", "senior", "cro", "manager", "owner", "admin", "reports"]


@pytest.mark.parametrize("who", DEMO)
def test_the_header_offers_exactly_the_pages_the_person_may_open(app, db, login_as, who):
    client = login_as(who)
    tree = lxml.html.fromstring(client.get("/cases/notifications").text)
    offered = set(tree.xpath("//nav//a[contains(@class, 'govuk-service-navigation__link')]/@href"))
    with app.test_request_context():
        from flask import url_for
        links = {url_for(link.endpoint): link for link in LINKS}
    for href in links:
        opens = client.get(href).status_code == 200
        assert (href in offered) == opens, f"{who}: {href} {'offered' if href in offered else 'hidden'}"
