"""Figures that tests print for the reader of their output."""

import sys


def report(capsys, line):
    """Print a figure even though pytest captures the output."""
    with capsys.disabled():
        sys.stdout.write(f"\n{line}\n")
