"""The plain-script test harness of the model folders (models/*/tests/*.py, run by npm run test:py):
`check` prints each result and remembers failures; `run` calls the tests and exits non-zero on any."""
from __future__ import annotations

import sys

FAILED: list[str] = []


def check(cond, msg):
    print('ok  ' if cond else 'FAIL', msg)
    if not cond:
        FAILED.append(msg)


def run(*tests):
    for t in tests:
        t()
    if FAILED:
        print(f'{len(FAILED)} failed')
        sys.exit(1)
    print('all passed')
