"""Hostile scripts for the tests of the trial worker's limits."""

# The issue's payload: one C call that held the interpreter for 112 s (now refused before it runs).
ISSUE_POW = "m = 2 ** 31999 + 1\nx = pow(3, m, m)"
# Stopped by the sandbox after 200,000 steps or 1 s; a few of them add up to seconds of processor time.
ENDLESS = "n = 0\nwhile True:\n    n = n + 1"
# Each sixteen lines allocate ~13 MB between two of the sandbox's memory checks: 40 lines make ~32 MB.
GREEDY = "".join(f"x{i} = [{i}] * 100000\n" for i in range(40))
