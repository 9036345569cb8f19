"""The training loop the project's models share (repair models, colorization).

Stops at --steps or --minutes (cumulative over resumes), whichever comes first. Checkpoints
(model + optimizer + step + data-RNG state + whatever `extra` the model needs, a few MB) are
written every `ckpt_minutes` and at the end; training loss and validation metrics go to a CSV.
The LR follows a cosine schedule over the planned budget (--minutes, or --steps without one).
"""
from __future__ import annotations

import csv
import functools
import math
import os
import time

import numpy as np
import torch


class _Batches(torch.utils.data.IterableDataset):
    def __init__(self, make, seed):
        self.make, self.seed = make, seed

    def __iter__(self):
        info = torch.utils.data.get_worker_info()
        rng = np.random.default_rng([self.seed, info.id if info else 0])
        while True:
            yield self.make(rng)


def batch_stream(make, seed, workers):
    """Batches make(rng) made by `workers` processes (on a GPU the forge is the bottleneck); each worker
    has its own seeded generator, so a run is reproducible for a given worker count, not across resumes."""
    return iter(torch.utils.data.DataLoader(_Batches(make, seed), batch_size=None, num_workers=workers,
                                            prefetch_factor=4, persistent_workers=True))


@functools.lru_cache(maxsize=None)
def bf16_pays(device='cpu'):
    """Whether bf16 autocast is faster than float32 here: always on a GPU; on a CPU only where it has bf16
    instructions (AVX512-BF16, AMX). On an AVX2-only CPU PyTorch emulates it, and a step of the SR x4
    fine-tune took 24 s instead of 0.7 s (measured 2026-12-08), so this times one conv both ways."""
    if torch.device(device).type != 'cpu':
        return True
    conv, x = torch.nn.Conv2d(32, 32, 3, padding=1), torch.rand(2, 32, 48, 48)

    def seconds(bf16):
        best = float('inf')
        for _ in range(3):  # the caller may be inside torch.no_grad()
            t = time.perf_counter()
            with torch.enable_grad(), torch.autocast('cpu', dtype=torch.bfloat16, enabled=bf16):
                y = conv(x)
                y.float().mean().backward()
            best = min(best, time.perf_counter() - t)
        return best

    return seconds(True) < seconds(False)


def use_bf16(requested, device='cpu'):
    """`requested`, unless bf16 would be slower than float32 on this device (bf16_pays); says so once."""
    if requested and not bf16_pays(device):
        _say_float32()
        return False
    return requested


@functools.lru_cache(maxsize=None)
def _say_float32():
    print('bf16 autocast is slower than float32 on this CPU (no bf16 instructions): float32 instead', flush=True)


def to_device(net, opt, device):
    """Moves the net, and a resumed optimizer's moments with it, to `device` ('cpu', 'cuda'); returns it."""
    dev = torch.device(device)
    net.to(dev)
    for st in opt.state.values():
        for k, v in st.items():
            if torch.is_tensor(v) and k != 'step':
                st[k] = v.to(dev)
    return dev


def add_arguments(ap, *, out, patch, lr):
    """The options every training script takes (this loop reads --steps, --minutes, --lr,
    --ckpt-minutes and --val-every); each script adds its own after these."""
    ap.add_argument('--steps', type=int, default=10 ** 9)
    ap.add_argument('--minutes', type=float, default=0.0, help='wall-clock budget (cumulative over resumes)')
    ap.add_argument('--batch', type=int, default=16)
    ap.add_argument('--patch', type=int, default=patch)
    ap.add_argument('--lr', type=float, default=lr)
    ap.add_argument('--seed', type=int, default=1234)
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--max-images', type=int, default=0, help='use only the first N training images (tests)')
    ap.add_argument('--out', default=out, help='folder for checkpoints/ and logs/')
    ap.add_argument('--ckpt-minutes', type=float, default=3.0)
    ap.add_argument('--val-every', type=int, default=200)
    ap.add_argument('--resume', action='store_true')


def prepare(args, name):
    """Threads and seed from the options; returns the checkpoint and log paths for model `name`."""
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    for d in ('checkpoints', 'logs'):
        os.makedirs(os.path.join(args.out, d), exist_ok=True)
    return os.path.join(args.out, 'checkpoints', f'{name}.pt'), os.path.join(args.out, 'logs', f'{name}.csv')


def resume(ckpt_path, net, opt, rng):
    """Loads a checkpoint into net/opt/rng; returns it (for step, elapsed and extras)."""
    ck = torch.load(ckpt_path, map_location='cpu')  # a GPU lease's checkpoint resumes anywhere
    net.load_state_dict(ck['model'])
    opt.load_state_dict(ck['opt'])
    rng.bit_generator.state = ck['rng']
    torch.set_rng_state(ck['torch_rng'])
    return ck


def resume_if_asked(args, ckpt_path, net, opt, rng, label):
    """With --resume and a checkpoint on disk, loads it (see resume) and returns its (step,
    elapsed); otherwise None, and the caller starts the net its own way (fresh or --init)."""
    if not (args.resume and os.path.exists(ckpt_path)):
        return None
    ck = resume(ckpt_path, net, opt, rng)
    print(f'resumed {label} at step {ck["step"]}, {ck["elapsed"] / 60:.1f} min', flush=True)
    return ck['step'], ck['elapsed']


def train(args, *, net, opt, rng, batch, loss, validate, ckpt_path, log_path, step=0, elapsed=0.0, extra=None, label='model'):
    """batch(rng) -> (x, y); loss(net, x, y) -> scalar tensor; validate() -> {metric: value}. extra: a dict
    saved with every checkpoint, or a function returning one (called at each save, for state that changes
    while training, such as a GAN's discriminator)."""
    nparams = sum(p.numel() for p in net.parameters())

    def save():
        torch.save({'model': net.state_dict(), 'opt': opt.state_dict(), 'step': step, 'elapsed': elapsed,
                    'rng': rng.bit_generator.state, 'torch_rng': torch.get_rng_state(),
                    'args': vars(args), 'nparams': nparams, **((extra() if callable(extra) else extra) or {})}, ckpt_path + '.tmp')
        os.replace(ckpt_path + '.tmp', ckpt_path)

    if step == 0 and os.path.exists(log_path):
        os.remove(log_path)  # a fresh run starts a fresh log
    new_log = not os.path.exists(log_path)
    with open(log_path, 'a', newline='') as logf:
        wr = csv.writer(logf)
        if new_log:
            wr.writerow(['step', 'minutes', 'lr', 'loss', 'metric', 'value'])

        def log_validation(prefix=''):
            for k, v in validate().items():
                wr.writerow([step, f'{elapsed / 60:.2f}', '', '', k, f'{v:.4f}'])
                print(f'{prefix}{k} {v:.4f}', flush=True)
            logf.flush()

        budget = args.minutes * 60 if args.minutes > 0 else None
        t_start, last_ckpt = time.time() - elapsed, time.time()
        run_loss, n_loss = 0.0, 0
        net.train()
        while step < args.steps:
            elapsed = time.time() - t_start
            if budget is not None and elapsed >= budget:
                break
            frac = elapsed / budget if budget else step / max(1, args.steps)
            lr = args.lr * (0.02 + 0.98 * 0.5 * (1 + math.cos(math.pi * min(1.0, frac))))
            for g in opt.param_groups:
                g['lr'] = lr
            x, y = batch(rng)
            value = loss(net, x, y)
            opt.zero_grad()
            value.backward()
            opt.step()
            step += 1
            run_loss, n_loss = run_loss + value.item(), n_loss + 1
            if step % 25 == 0 or step == args.steps:
                wr.writerow([step, f'{elapsed / 60:.2f}', f'{lr:.2e}', f'{run_loss / n_loss:.5f}', '', ''])
                print(f'step {step} {elapsed / 60:.1f}min lr {lr:.1e} loss {run_loss / n_loss:.4f}', flush=True)
                run_loss, n_loss = 0.0, 0
            if step % args.val_every == 0:
                log_validation('  ')
            if time.time() - last_ckpt > args.ckpt_minutes * 60:
                save()
                last_ckpt = time.time()
        elapsed = time.time() - t_start
        log_validation('final ')
        save()
    print(f'done {label}: {step} steps, {elapsed / 60:.1f} min -> {ckpt_path}', flush=True)
