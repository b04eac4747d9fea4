"""requirements.lock is the tested set: in step with pyproject.toml, every package pinned with its hashes,
complete, and what this environment has installed (`make install` installs from it)."""
from __future__ import annotations

import subprocess
import tomllib
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "requirements.lock"


def read_lock(text: str) -> dict[str, list[tuple[Requirement, list[str]]]]:
    """Each locked package by its canonical name: its requirement lines (name==version ; marker) and their
    hashes; a name can have one line per Python version or platform whose releases differ."""
    locked: dict[str, list[tuple[Requirement, list[str]]]] = {}
    for line in text.replace("\\\n", " ").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):  # the header and the "# via" annotations
            continue
        spec, *hashes = line.split(" --hash=")
        requirement = Requirement(spec)
        locked.setdefault(canonicalize_name(requirement.name), []).append(
            (requirement, [h.strip() for h in hashes]))
    return locked


def declared() -> list[Requirement]:
    """What pyproject.toml asks for: the app, its test extra and the build backend."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    names = (project["project"]["dependencies"] + project["project"]["optional-dependencies"]["test"]
             + project["build-system"]["requires"])
    return [Requirement(name) for name in names]


def pinned_version(requirement: Requirement) -> str:
    (spec,) = requirement.specifier  # exactly one: ==version
    assert spec.operator == "==", requirement
    return spec.version


def applies(requirement: Requirement, extra: str = "") -> bool:
    return requirement.marker is None or requirement.marker.evaluate({"extra": extra})


def test_every_locked_package_is_pinned_to_one_version_with_sha256_hashes():
    locked = read_lock(LOCK.read_text())
    assert len(locked) > 40
    for name, (requirement, hashes) in ((n, e) for n, entries in locked.items() for e in entries):
        pinned_version(requirement)
        assert hashes and all(h.startswith("sha256:") and len(h) == 7 + 64 for h in hashes), name


def test_every_dependency_in_pyproject_is_locked_at_a_version_it_allows():
    locked = read_lock(LOCK.read_text())
    for wanted in declared():
        entries = locked.get(canonicalize_name(wanted.name))
        assert entries, f"{wanted.name} is in pyproject.toml but not in requirements.lock: run make lock"
        for requirement, _hashes in entries:
            version = pinned_version(requirement)
            assert wanted.specifier.contains(version, prereleases=True), (
                f"requirements.lock pins {wanted.name}=={version}, which pyproject.toml's {wanted} refuses: "
                "run make lock")


def test_the_lock_is_complete_every_package_the_installed_app_needs_is_in_it():
    """Walked from the installed project's own metadata, with its test extra, through every dependency."""
    locked = read_lock(LOCK.read_text())
    seen, queue = set(), [("customer-comments", {"test"})]
    while queue:
        name, extras = queue.pop()
        for raw in distribution(name).requires or []:
            requirement = Requirement(raw)
            if not any(applies(requirement, extra) for extra in extras | {""}):
                continue
            key = canonicalize_name(requirement.name)
            assert key in locked, f"{name} needs {requirement}, which requirements.lock lacks: run make lock"
            if (key, frozenset(requirement.extras)) not in seen:
                seen.add((key, frozenset(requirement.extras)))
                queue.append((requirement.name, set(requirement.extras)))
    assert len({key for key, _ in seen}) > 40


def test_what_is_installed_is_what_the_lock_pins():
    mismatched = {}
    for name, entries in read_lock(LOCK.read_text()).items():
        here = [requirement for requirement, _hashes in entries if applies(requirement)]
        if not here:
            continue  # another platform's package (colorama on Windows, say)
        (requirement,) = here  # one line for this Python and platform
        try:
            installed = distribution(name).version
        except PackageNotFoundError:
            installed = None
        if installed != pinned_version(requirement):
            mismatched[name] = (installed, pinned_version(requirement))
    assert not mismatched, f"installed differs from requirements.lock (installed, locked): {mismatched}"


def test_make_install_reinstalls_when_the_lock_changes():
    """Asked what it would do were requirements.lock newer, make syncs the venv to it, hashes checked."""
    plan = subprocess.run(["make", "--dry-run", "--what-if=requirements.lock", ".venv/bin/.installed"],
                          cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert "uv pip --quiet sync --python .venv/bin/python --require-hashes requirements.lock" in plan
    assert "uv pip --quiet install --python .venv/bin/python --no-deps --no-build-isolation -e ." in plan
    assert "uv pip --quiet check --python .venv/bin/python" in plan
    assert "'.[test]'" not in plan  # never an install that resolves ranges itself


def test_read_lock_reads_markers_hashes_and_ignores_annotations():
    hash_line = "    --hash=sha256:{}".format
    text = "\n".join([
        "# header", "foo==1.0 ; sys_platform == 'win32' \\", hash_line("a" * 64) + " \\", hash_line("b" * 64),
        "    # via", "    #   bar", "Bar_Baz==2.1 \\", hash_line("c" * 64), "    # via pyproject.toml",
        "foo==2.0 ; sys_platform != 'win32' \\", hash_line("d" * 64), ""])
    locked = read_lock(text)
    assert set(locked) == {"foo", "bar-baz"}
    (win, win_hashes), (other, _) = locked["foo"]
    assert str(win.marker) == 'sys_platform == "win32"' and len(win_hashes) == 2
    assert pinned_version(other) == "2.0" and pinned_version(locked["bar-baz"][0][0]) == "2.1"
