"""Issue 19, item 3: every operation that can be slow or huge is refused *before* it runs, quickly and with
a clear message (the payloads of the penetration test, and one per class of operation bounded)."""
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from processes.engine.sandbox import Sandbox, ScriptLimitError

BOX = Sandbox({})
BIG = "m = 2 ** 31999 + 1\n"  # a 32,000-bit number: allowed, but too long for some operations
TUPLE = "t = (0,)\nfor i in range(40):\n    t = (t, t)\n"
SHARED = "a = [0]\nb = [0]\nfor i in range(40):\n    a = [a, a]\n    b = [b, b]\n"


@pytest.mark.parametrize("script, reason", [
    # the payloads: one C call that held the interpreter for 112 s; methods through their type
    (BIG + "x = pow(3, m, m)", "pow() with a modulus may use numbers of at most 2,048 bits"),
    ("a = [1] * 1000\n" + "list.extend(a, a)\n" * 11, "may not be reached through its type (list.extend)"),
    # methods through their type, of each type a script can name
    ("x = str.join(',', ['a'] * 10)", "(str.join)"),
    ("d = {}\ndict.update(d, {1: 2})", "(dict.update)"),
    ("x = int.from_bytes(b'1', 'big')", "(int.from_bytes)"),
    ("x = tuple.count((1,), 1)", "(tuple.count)"),
    # big numbers made into text, or read from it
    (BIG + "x = str(m)", "a number of more than 4,300 digits, too long to write out"),
    (BIG + "x = f'{m}'", "a number of more than 4,300 digits"),
    (BIG + "x = '%d' % m", "a number of more than 4,300 digits"),
    (BIG + "x = m", "task data with a number of more than 4,300 digits"),
    ("x = int('9' * 50000)", "int() may read a number of at most 4,300 digits"),
    # one line that unpacks a long list many times over
    ("a = list(range(100000))\nx = [*a, *a, *a]", "a list of 300,000 items"),
    ("a = list(range(100000))\nx = (*a, *a)", "a tuple of 200,000 items"),
    # one C call over lists that share their halves: 2**40 comparisons or hashes, in a few bytes
    (SHARED + "x = a == b", "a value to compare of more than 100,000"),
    (SHARED + "x = a in [b]", "a value to compare"),
    (SHARED + "x = sorted([a, b])", "a value to compare"),
    (SHARED + "x = max(a, b)", "a value to compare"),
    (SHARED + "c = [a, b]\nx = c.index(b)", "a value to compare"),
    (TUPLE + "x = hash(t)", "a value to compare"),
    (TUPLE + "x = {t}", "a value to compare"),  # hashed as set members, dict keys, by dict and set methods
    (TUPLE + "x = {t: 1}", "a value to compare"),
    (TUPLE + "d = {}\nd[t] = 1", "a value to compare"),
    (TUPLE + "d = {}\nx = d[t]", "a value to compare"),
    (TUPLE + "d = {}\nx = d.get(t)", "a value to compare"),
    (TUPLE + "x = set([t])", "a value to compare"),
    (SHARED + "x = max(y for y in [a, b])", "a value to compare"),
    # measuring itself: a list that holds itself, lists sharing their halves left as task data
    ("a = [1]\na.append(a)\nx = str(a)", "text nested more than 500 deep (or in itself)"),
    ("a = [1]\na.append(a)", "task data nested more than 500 deep"),
    ("a = [0]\nfor i in range(40):\n    a = [a, a]", "task data of more than 1,000,000 characters and items"),
    # comprehension growth: every item is a step (this one passed before too: it guards the class)
    ("x = [i * j for i in range(1000) for j in range(1000)]", "(an endless loop?)"),
])
def test_slow_or_huge_operations_are_refused_before_they_run(script, reason):
    started = time.perf_counter()
    with pytest.raises(ScriptLimitError, match=re.escape(reason)):
        BOX.execute(script, {})
    # The refusal comes before the work: these would take minutes (pow: 112 s) or gigabytes if they ran. The
    # bound is generous (this machine is shared): it tells "refused first" from "ran, then stopped".
    assert time.perf_counter() - started < 5


def test_the_memory_bound_counts_from_the_first_line():
    # Fifteen lines of 100,000-item lists (12 MB) ran before the first memory check, at line 16, which only
    # read the baseline then; with a limit of 8 MB that first check now stops them. In a process of its own:
    # the bound is on resident memory, and in the suite's process lists can reuse memory that earlier tests
    # freed without it growing (the task data bound then stops the script instead, and the test said nothing).
    lines = "".join(f"x{i} = [{i}] * 100000\n" for i in range(16)) + "x = 1"
    program = (
        "from processes.engine import sandbox_limits\n"
        "from processes.engine.sandbox import Sandbox, ScriptLimitError\n"
        "sandbox_limits.MEMORY_LIMIT_BYTES = 8 * 2**20\n"
        "try:\n"
        f"    Sandbox({{}}).execute({lines!r}, {{}})\n"
        "except ScriptLimitError as exc:\n"
        "    print(exc)\n")
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=60,
                          cwd=Path(__file__).resolve().parent.parent)
    assert "more than 8 MB of memory" in done.stdout, (done.stdout, done.stderr)


def test_ordinary_use_of_what_is_bounded_still_works():
    data = {"names": ["a", "b"], "n": 7}
    BOX.execute("x = pow(3, 100, 2 ** 127 - 1)\ny = int('42') + len(str(2 ** 1000))\n"
                "z = [*names, *names, 'c']\nw = (*names,)\nok = isinstance(n, int) and isinstance('s', str)\n"
                "total = 0\nfor i, name in enumerate(zip(names, names)):\n    total = total + i\n"
                "same = [1, 2] == [1, 2] and 3 in (1, 2, 3) and sorted([3, 1]) == [1, 3] and 1 < n < 9\n"
                "d = dict(a=1)\nd['b'] = 2\nkinds = isinstance(d, dict) and isinstance({1}, set) and d['b']",
                data)
    assert data["x"] == pow(3, 100, 2 ** 127 - 1) and data["y"] == 42 + 302
    assert data["z"] == ["a", "b", "a", "b", "c"] and data["w"] == ("a", "b") and data["ok"] is True
    assert data["total"] == 1 and data["same"] is True and data["kinds"] == 2
