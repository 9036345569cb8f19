"""Upscaler script tests. Run: /usr/bin/python3 models/upscale/tests/test_upscale.py
Exits non-zero on failure. A tiny training run (3 photos, 2 steps), then a resumed one."""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
UPSCALE = os.path.dirname(HERE)
sys.path.insert(0, UPSCALE)
from common import ARCH, CompactSR, deepen, load_net  # noqa: E402

sys.path.insert(0, os.path.dirname(UPSCALE))  # models/
from script_tests import check, check_train_and_resume, run  # noqa: E402


def test_shapes():
    for scale in (2, 4):
        y = CompactSR(scale)(torch.rand(1, 3, 21, 28))
        check(tuple(y.shape) == (1, 3, 21 * scale, 28 * scale), f'x{scale} output is {scale}x the input, odd sizes too')
    x = torch.rand(1, 3, 16, 16)
    up = torch.nn.functional.interpolate(x, scale_factor=2, mode='bilinear', align_corners=False)
    check(torch.equal(CompactSR(2)(x), up), 'an untrained network is the bilinear enlargement (zero last conv)')


def test_deepen():
    torch.manual_seed(0)
    net = CompactSR(4, channels=8, body=2)
    torch.nn.init.normal_(net.body[-1].weight, std=0.1)  # a trained-looking output conv, not the zero init
    deep = CompactSR(4, channels=8, body=5)
    deep.load_state_dict(deepen(net.state_dict(), {'channels': 8, 'body': 2}, 3))
    x = torch.rand(1, 3, 12, 10)
    check(torch.allclose(net(x), deep(x), atol=1e-6) and not torch.equal(net(x), CompactSR(4, channels=8, body=2)(x)),
          'a deepened network starts with the output of the one it came from')


def check_checkpoint(ck):
    check(ck['arch'] == ARCH[2], 'the checkpoint records the architecture it was trained with')
    net = load_net(ck)
    check(sum(p.numel() for p in net.parameters()) == ck['nparams'], 'load_net rebuilds that architecture')


def test_ssim():
    import evaluate
    r = np.random.default_rng(5)
    a = np.clip(np.cumsum(r.normal(0, 6, (48, 64, 3)), 1) + 128, 0, 255).astype(np.uint8)
    b = np.clip(a + r.normal(0, 10, a.shape), 0, 255).astype(np.uint8)
    check(evaluate.ssim(a, a) == 1.0, 'SSIM of a photo with itself is 1')
    check(abs(evaluate.ssim(a, b) - 0.91086716760287) < 1e-9, 'SSIM of a noisy copy is the value evaluate.py always gave (0.9109)')


def test_do_no_harm():
    import do_no_harm
    r = np.random.default_rng(3)
    a = r.integers(20, 200, (40, 50, 3)).astype(np.uint8)
    m = do_no_harm.harm(a + 10, a)
    check(abs(m['shift'] - 10) < 1e-9 and m['moved'] == 0, 'a +10/255 lift is a +10 shift that moves no pixel past 12/255')
    b = a.copy()
    b[:20] += 13
    check(abs(do_no_harm.harm(b, a)['moved'] - 50) < 1e-9, 'half the pixels lifted by 13/255 are 50 % moved')
    ws, ws2 = np.full((2, 2, 3), 7, np.uint8), np.full((1, 1, 3), 7, np.uint8)
    check(np.array_equal(do_no_harm.round_trip_shrink(ws, 1, 1), ws2), 'the box shrink of a flat 2x enlargement is the input')
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, 'dnh.json')
        rc = subprocess.run([sys.executable, os.path.join(UPSCALE, 'do_no_harm.py'), '--limit', '1', '--out', out],
                                          env={**os.environ, 'HEIRLOOM_SR_DNH_WORK': os.path.join(d, 'work')}).returncode
        res = json.load(open(out)) if rc == 0 else {'summary': {}}
        check(rc == 0 and set(res['summary']) == {'kodak24@384', 'kodak24@768', 'real-old@384', 'real-old@768'},
              'do_no_harm.py scores one photo per group at both sizes')
        check(all(s['bicubic_psnr_mean'] > 30 and s['psnr_min'] > 20 for s in res['summary'].values()),
              'its round trips stay close to the input (bicubic > 30 dB, the model > 20 dB)')
        out4 = os.path.join(d, 'dnh-x4.json')
        rc = subprocess.run([sys.executable, os.path.join(UPSCALE, 'do_no_harm.py'), '--scale', '4', '--limit', '1', '--out', out4],
                            env={**os.environ, 'HEIRLOOM_SR_DNH_WORK': os.path.join(d, 'work4')}).returncode
        res4 = json.load(open(out4)) if rc == 0 else {'rows': [], 'model': ''}
        check(rc == 0 and res4['model'].endswith('heirloom-sr-x4.int8.onnx') and res4['scale'] == 4
              and all(r['bicubic']['psnr'] > 25 and r['model']['psnr'] > 20 for r in res4['rows']) and len(res4['rows']) == 4,
              'do_no_harm.py --scale 4 runs the x4 model and round-trips through 4x (close to the input)')


def test_tiny_training():
    with tempfile.TemporaryDirectory() as d:
        cmd = [sys.executable, os.path.join(UPSCALE, 'train.py'), '--scale', '2', '--max-images', '3', '--batch', '2',
               '--threads', '1', '--out', d]
        log = os.path.join(d, 'logs', 'sr-x2.csv')
        check_train_and_resume(cmd, os.path.join(d, 'checkpoints', 'sr-x2.pt'), 'resumed sr-x2 at step 2',
                               first=lambda ck: (check('val_psnr' in open(log).read(), 'the CSV log has validation PSNR'), check_checkpoint(ck)))
        check_fine_tune(cmd, os.path.join(d, 'checkpoints', 'sr-x2.pt'), os.path.join(d, 'ft'))
        check_data_pack_and_workers(cmd, d)


def check_data_pack_and_workers(cmd, d):
    """The GPU-lease path on the CPU: photos from a pack (pack_data.py's format), batches from a worker process;
    --bf16 as on the lease, which a CPU without bf16 instructions replaces with float32 (training.bf16_pays)."""
    from training import bf16_pays
    import io
    import pickle
    from PIL import Image
    r = np.random.default_rng(7)
    items = []
    for i in range(3):
        buf = io.BytesIO()
        Image.fromarray(r.integers(0, 255, (150, 200, 3), dtype=np.uint8)).save(buf, format='JPEG', quality=90)
        items.append((f'p{i}.jpg', buf.getvalue()))
    pack, out = os.path.join(d, 'pack.pkl'), os.path.join(d, 'packed')
    with open(pack, 'wb') as f:
        pickle.dump(items, f)
    cmd = [c for c in cmd[:cmd.index('--out')] if c not in ('--max-images', '3')]
    r = subprocess.run(cmd + ['--out', out, '--data-pack', pack, '--workers', '1', '--device', 'cpu', '--steps', '2', '--bf16'],
                       capture_output=True, text=True, timeout=300)
    ok = r.returncode == 0 and '2 train / 1 val photos' in r.stdout
    ck = torch.load(os.path.join(out, 'checkpoints', 'sr-x2.pt')) if ok else {}
    check(ok and ck['step'] == 2, 'train.py trains from a photo pack with batches made in a worker process')
    pays = bf16_pays('cpu')
    check(ok and ck['args']['bf16'] == pays and ('float32 instead' in r.stdout) != pays,
          f'--bf16 runs in bf16 only where it is faster (here: {pays}), and says when it falls back')
    if not ok:
        print(r.stdout[-2000:], r.stderr[-2000:])


def check_fine_tune(cmd, source, out):
    """--finetune starts from every weight of `source` with a fresh step count, records where it came from
    (so the card counts both runs), and an L2 run keeps L2 when resumed."""
    from common import lineage
    cmd = cmd[:cmd.index('--out')] + ['--out', out, '--finetune', source, '--loss', 'l2']
    src = torch.load(source)
    r = subprocess.run(cmd + ['--steps', '0'], capture_output=True, text=True, timeout=300)
    ck = torch.load(os.path.join(out, 'checkpoints', 'sr-x2.pt')) if r.returncode == 0 else None
    check(ck is not None and all(torch.equal(ck['model'][k], v) for k, v in src['model'].items()),
          'a fine-tune starts from all of the source checkpoint\'s weights')
    if ck is None:
        print(r.stdout[-2000:], r.stderr[-2000:])
        return
    runs = lineage(ck)
    check(ck['step'] == 0 and ck['loss'] == 'l2' and len(runs) == 2 and runs[0]['step'] == src['step'] and runs[0]['loss'] == 'l1',
          'its checkpoint counts its own steps and records the run it came from')
    r = subprocess.run([c for c in cmd if c != 'l2' and c != '--loss'] + ['--steps', '1', '--resume'], capture_output=True, text=True, timeout=300)
    ck = torch.load(os.path.join(out, 'checkpoints', 'sr-x2.pt'))
    check(r.returncode == 0 and ck['step'] == 1 and ck['loss'] == 'l2' and len(lineage(ck)) == 2,
          'a resumed fine-tune keeps its loss and its origin')
    r = subprocess.run(cmd[:cmd.index('--out')] + ['--out', out + '-deep', '--finetune', source, '--deepen', '2', '--steps', '0'],
                       capture_output=True, text=True, timeout=300)
    ck = torch.load(os.path.join(out + '-deep', 'checkpoints', 'sr-x2.pt')) if r.returncode == 0 else None
    check(ck is not None and ck['arch']['body'] == src['arch']['body'] + 2 and ck['finetuned_from']['arch'] == src['arch'],
          '--deepen adds body convs and records the architecture it started from')


if __name__ == '__main__':
    torch.set_num_threads(1)
    run(test_shapes, test_deepen, test_ssim, test_do_no_harm, test_tiny_training)
