"""The plain-script test harness of the model folders (models/*/tests/*.py, run by npm run test:py):
`check` prints each result and remembers failures; `run` calls the tests and exits non-zero on any;
`check_train_and_resume` is the tiny training run every training script is tested with."""
from __future__ import annotations

import os
import subprocess
import sys
import time

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


def check_train_and_resume(cmd, ckpt, resumed, *, first=None, resume_args=(), label='train.py', timeout=300):
    """Runs `cmd --steps 2`, then `cmd --steps 3 --resume` (plus `resume_args`) on the same --out folder,
    and checks that both exit 0, that the checkpoint file `ckpt` holds step 2 and then step 3, and that
    the resumed run prints `resumed` (a string, or every string of a tuple). `first(ck)` adds the script's own checks of the
    first run's checkpoint and output folder. The resumed run is skipped when the first one failed."""
    import torch
    resumed = (resumed,) if isinstance(resumed, str) else resumed
    t = time.time()
    r = subprocess.run(cmd + ['--steps', '2'], capture_output=True, text=True, timeout=timeout)
    ok = r.returncode == 0 and os.path.exists(ckpt)
    check(ok, f'{label} runs 2 steps ({time.time() - t:.1f}s)')
    if not ok:
        print(r.stdout[-2000:], r.stderr[-2000:])
        return
    ck = torch.load(ckpt)
    check(ck['step'] == 2, f'{label}: the checkpoint has step 2')
    if first:
        first(ck)
    r = subprocess.run(cmd + ['--steps', '3', '--resume', *resume_args], capture_output=True, text=True, timeout=timeout)
    ok = r.returncode == 0 and all(s in r.stdout for s in resumed)
    check(ok, f'{label} resumes from the checkpoint')
    if not ok:
        print(r.stdout[-2000:], r.stderr[-2000:])
    check(torch.load(ckpt)['step'] == 3, f'{label}: the resumed run continues to step 3')
