"""Hostile code the sandbox's guards let through, for the tests of the limits behind them."""

# One C call: comparing two lists that share their halves compares 2**28 pairs of leaves (about a minute of
# processor time), in one call that holds the interpreter throughout.
SLOW_IN_C = "a = [0]\nb = [0]\nfor i in range(28):\n    a = [a, a]\n    b = [b, b]\nsame = a == b"
# Each sixteen lines allocate ~13 MB between two of the sandbox's memory checks: 40 lines make ~32 MB.
GREEDY = "".join(f"x{i} = [{i}] * 100000\n" for i in range(40))
