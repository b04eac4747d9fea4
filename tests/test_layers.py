"""The layers are enforced: the domain never reaches into the web layer, and only the engine knows SpiffWorkflow."""
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
    assert users == {"processes/engine.py"}


def test_operations_never_commit():
    for path in _python_files("processes", "models"):
        assert ".commit()" not in path.read_text(), f"{path.relative_to(ROOT)} commits"
