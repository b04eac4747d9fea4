"""The layers are enforced: the domain never reaches into the web layer, and only the engine knows
SpiffWorkflow."""
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _python_files(*folders):
    return [p for f in folders for p in (ROOT / f).rglob("*.py")]


def test_models_and_processes_never_import_the_web_layer():
    for path in _python_files("models", "processes"):
        bad = {n for n in _imports(path) if n.split(".")[0] in ("app", "flask", "flask_login", "flask_wtf")}
        assert not bad, f"{path.relative_to(ROOT)} imports {bad}"


def test_only_the_engine_imports_spiffworkflow():
    users = {str(p.relative_to(ROOT)) for p in _python_files("app", "models", "processes", "bench")
             if any(n.split(".")[0] == "SpiffWorkflow" for n in _imports(p))}
    assert users and all(u.startswith("processes/engine/") for u in users), users


def test_operations_never_commit():
    for path in _python_files("processes", "models"):
        assert ".commit()" not in path.read_text(), f"{path.relative_to(ROOT)} commits"


# The rooms of processes/, lowest first, and the rooms each may use. A room never imports one above it, so the
# shared services (the history writer, who sees what) sit below the operations that use them.
BASE = {"errors", "paging", "datafiles", "typed"}
ROOMS = {
    "engine": {"policy"},  # SpiffWorkflow and the sandbox; of policy, the calendar only (checked below)
    "access": set(),  # who may see and do what: the permission table every operation checks
    "policy": {"access", "records"},  # the calendar and timescales (the calendar itself uses nothing)
    "search": {"access"},  # finding cases: the index written with each case, and the staff search
    "records": {"access", "policy", "search"},  # audit, history, retention, exports; of the calendar, years
    "throttle": {"policy"},  # caps on failures per key (the app keeps the counts: app/limits.py); UK time
    "accounts": {"access", "policy", "records", "throttle"},
    "messaging": {"access", "engine", "policy"},  # of the engine, the sandbox's bounds for templates
    "reporting": {"access", "policy", "records"},  # figures from the reporting rows, never from workflows
    "diagrams": {"access", "engine", "messaging", "policy", "records"},
    "cases": {"access", "diagrams", "engine", "messaging", "policy", "records", "reporting", "search",
              "throttle"},
    "sessions": {"engine", "messaging", "records", "reporting"},  # an app's session factory (used by app/)
}


def _room_imports() -> dict[str, set[str]]:
    rooms: dict[str, set[str]] = {}
    for path in _python_files("processes"):
        parts = path.relative_to(ROOT / "processes").parts
        room = parts[0].removesuffix(".py")
        used = {n.split(".")[1] for n in _imports(path) if n.startswith("processes.")}
        rooms.setdefault(room, set()).update(used - {room})
    return rooms


def test_each_room_of_processes_imports_only_the_rooms_below_it():
    for room, used in _room_imports().items():
        if room in BASE or room == "__init__":
            assert not used, f"processes/{room} is a base module but imports {used}"
            continue
        assert room in ROOMS, f"processes/{room} is a new room: add it to ROOMS with what it may use"
        assert used <= ROOMS[room] | BASE, f"processes/{room} imports {used - ROOMS[room] - BASE}"


def test_the_calendar_and_the_engine_know_no_database():
    for path in [ROOT / "processes/policy/calendar.py", *_python_files("processes/engine")]:
        bad = {n for n in _imports(path) if n.split(".")[0] in ("models", "sqlalchemy")
               or (n.startswith("processes.") and n.split(".")[1] not in ("engine", "errors"))
               and n != "processes.policy.calendar"}
        assert not bad, f"{path.relative_to(ROOT)} imports {bad}"


def test_reporting_never_reads_workflows():
    for path in _python_files("processes/reporting"):
        assert not {n for n in _imports(path) if n.startswith("processes.engine")}, path


def test_processes_has_a_handful_of_top_level_modules_and_no_module_is_long():
    top = sorted(p.name for p in (ROOT / "processes").glob("*.py"))
    assert len(top) <= 10, top  # __init__ and the base modules beside the rooms
    for path in _python_files("app", "processes", "models"):
        lines = len(path.read_text().splitlines())
        assert lines <= 400, f"{path.relative_to(ROOT)} has {lines} lines"
