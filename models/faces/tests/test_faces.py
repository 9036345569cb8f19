"""Face restoration script tests. Run: /usr/bin/python3 models/faces/tests/test_faces.py
Exits non-zero on failure; the tiny training run is skipped when ../shared/data has no UTKFace, and the
onnxruntime comparison when node / onnxruntime-node are missing."""
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
FACES = os.path.dirname(HERE)
sys.path.insert(0, FACES)
from common import (ROOT, Exported, bicubic_baseline, build, degrade, file_seed, make_batch, psnr, split_utk,  # noqa: E402
                    ssim, utk_files)

sys.path.insert(0, os.path.dirname(FACES))  # models/
from script_tests import check, check_train_and_resume, run  # noqa: E402


def face():
    fs = utk_files()
    if fs:
        from common import load_face
        return load_face(fs[0])
    g = np.random.default_rng(0)
    return (np.clip(np.cumsum(g.normal(0, 8, (128, 128, 3)), 1) + 128, 0, 255)).astype(np.uint8)


def test_degrade():
    c = face()
    outs = [degrade(c, np.random.default_rng(s)) for s in (7, 7, 8)]
    check(np.array_equal(outs[0], outs[1]), 'same seed -> identical degraded face')
    check(not np.array_equal(outs[0], outs[2]), 'different seeds -> different degradations')
    check(outs[0].shape == c.shape and outs[0].dtype == np.uint8, 'degraded face keeps shape and uint8')
    odd = degrade(np.ascontiguousarray(c[:100, :76]), np.random.default_rng(3))
    check(odd.shape == (100, 76, 3), 'non-square, non-multiple-of-8 sizes degrade too')
    many = [degrade(c, np.random.default_rng(s)) for s in range(24)]
    changed = [float(np.abs(m.astype(int) - c).mean()) for m in many]
    check(sum(v > 1.0 for v in changed) >= 18, 'most seeds visibly damage the face')
    check(file_seed('/a/b/x.jpg') == file_seed('x.jpg'), 'the evaluation seed depends on the file name only')


def test_damage_and_detail():
    from common import OLD_FACE_ACQ, OLD_FACE_FORGE, damage_at, detail_ratio, to_tensor
    fs = utk_files()[:8]
    if not fs:
        print('skip damage scales: no UTKFace')
        return
    from common import load_face
    clean = [load_face(f) for f in fs]
    y = to_tensor(clean)
    check(torch.allclose(detail_ratio(y, y), torch.ones(len(fs))), 'detail ratio of the clean face is 1')
    at = {f: to_tensor([degrade(c, np.random.default_rng(i), *damage_at(f)) for i, c in enumerate(clean)]) for f in (2, 4, 8)}
    d = {f: detail_ratio(x, y).mean().item() for f, x in at.items()}
    p = {f: psnr(x, y).mean().item() for f, x in at.items()}
    check(d[2] > d[4] > d[8] and d[2] < 1, f'a larger downscale leaves less detail ({d})')
    check(p[2] > p[4] > p[8], f'and a lower PSNR ({p})')
    old = [psnr(to_tensor(degrade(c, np.random.default_rng(50 + i), OLD_FACE_FORGE, OLD_FACE_ACQ)), to_tensor(c)).item() for i, c in enumerate(clean)]
    mild = [psnr(to_tensor(degrade(c, np.random.default_rng(50 + i))), to_tensor(c)).item() for i, c in enumerate(clean)]
    check(np.mean(old) < np.mean(mild) - 1, f'old-photo damage is heavier than the face forge ({np.mean(old):.2f} vs {np.mean(mild):.2f} dB)')


def test_split():
    tr, va = split_utk()
    if not tr:
        print('skip split: no UTKFace')
        return
    from common import heldout_files, utk_heldout
    ho = set(heldout_files(0))
    check(not (set(tr) & ho) and not (set(va) & ho), 'train/val never include the 5 % hold-out')
    check(not (set(tr) & set(va)), 'validation faces are not trained on')
    check(all(utk_heldout(os.path.basename(f)) for f in ho) and 0.03 < len(ho) / len(utk_files()) < 0.07,
          'the hold-out is utk_heldout (about 5 %)')


def test_shapes():
    net = build()
    n = sum(p.numel() for p in net.parameters())
    check(5e5 < n < 1e6, f'network has 0.5-1M parameters ({n})')
    x = torch.rand(2, 3, 128, 128)
    with torch.no_grad():
        check(torch.equal(Exported(net)(x), x), 'fresh network (zero head) is the identity')
        torch.nn.init.normal_(net.head.weight, std=0.1)
        y = Exported(net.eval())(torch.rand(1, 3, 100, 76))
    check(tuple(y.shape) == (1, 3, 100, 76) and float(y.min()) >= 0 and float(y.max()) <= 1,
          'any H, W in -> same size out, in [0,1]')
    bx, by = make_batch([face()], np.random.default_rng(0), 3, 64)
    check(tuple(bx.shape) == (3, 3, 64, 64) and tuple(by.shape) == (3, 3, 64, 64) and bx.dtype == torch.float32,
          'training batch: degraded and clean NCHW float32')
    check(float(bx.min()) >= 0 and float(bx.max()) <= 1, 'batch values in [0,1]')
    a = torch.rand(2, 3, 32, 32)
    check(abs(ssim(a, a).item() - 1) < 1e-5 and psnr(a, a).min().item() > 90, 'SSIM(a, a) = 1, PSNR(a, a) huge')
    check(tuple(bicubic_baseline(a).shape) == (2, 3, 32, 32), 'bicubic baseline keeps the size')


def test_export_graph():
    import onnx
    import export
    net = build().eval()
    torch.nn.init.normal_(net.head.weight, std=0.05)
    with tempfile.TemporaryDirectory() as d:
        p32 = os.path.join(d, 'face-restore.onnx')
        m = export.export_fp32(net, p32)
        i, o = m.graph.input[0], m.graph.output[0]
        dims = lambda v: [dd.dim_param or dd.dim_value for dd in v.type.tensor_type.shape.dim]
        check(i.name == 'input' and o.name == 'output', 'graph input "input", output "output"')
        check(dims(i) == ['n', 3, 'h', 'w'] and dims(o) == ['n', 3, 'h', 'w'], f'dynamic NCHW, 3 channels ({dims(i)} -> {dims(o)})')
        check(m.opset_import[0].version == 17, 'opset 17')
        convs = [n for n in m.graph.node if n.op_type == 'Conv']
        check(convs and all({'kernel_shape', 'strides', 'dilations', 'pads'} <= {a.name for a in n.attribute} for n in convs),
              'every Conv has kernel_shape/strides/dilations/pads')
        p16 = os.path.join(d, 'face-restore.fp16.onnx')
        onnx.save(export.to_fp16_weights(m), p16)
        check(os.path.getsize(p16) < 0.6 * os.path.getsize(p32), 'fp16 file is about half the size')
        have_ort = shutil.which('node') and os.path.isdir(os.path.join(ROOT, 'node_modules', 'onnxruntime-node'))
        if not have_ort:
            print('skip onnxruntime comparison: no node / onnxruntime-node')
            return
        diffs = export.compare(net, p32, p16)
        check(all(v < 1e-4 for k, v in diffs.items() if k.startswith('fp32')), f'onnxruntime fp32 = PyTorch within 1e-4 {diffs}')
        check(all(v < 2e-2 for k, v in diffs.items() if k.startswith('fp16')), 'onnxruntime fp16 = PyTorch within 2e-2')


def test_framing():
    import re
    from common import FFHQ_TEMPLATE_512, UTK_TEMPLATE, fit_similarity, load_ffhq_framed
    nums = lambda path, name: [float(v) for v in re.findall(r'-?\d+\.\d+', open(os.path.join(ROOT, path)).read().split(name + ': readonly Point[] =', 1)[1].split(';')[0])]
    check(nums('src/stages/face/conventions.ts', 'UTK_TEMPLATE') == [v for p in UTK_TEMPLATE for v in p], 'UTK_TEMPLATE is the app\'s')
    check(nums('src/core/faces/align.ts', 'FFHQ_TEMPLATE_512') == [v for p in FFHQ_TEMPLATE_512 for v in p], 'FFHQ_TEMPLATE_512 is the app\'s')
    a, b, tx, ty = fit_similarity([(0, 0), (1, 0), (0, 1)], [(3, 4), (3, 6), (1, 4)])  # rotate 90 deg, scale 2, shift
    check(np.allclose([a, b, tx, ty], [0, 2, 3, 4]), 'fit_similarity recovers a rotation + scale + shift')
    # a synthetic "FFHQ" image with a dot on each template point: framed, the dots land on UTK_TEMPLATE
    img = np.zeros((1024, 1024, 3), np.uint8)
    for x, y in FFHQ_TEMPLATE_512:
        img[int(y * 2) - 6:int(y * 2) + 6, int(x * 2) - 6:int(x * 2) + 6] = 255
    with tempfile.TemporaryDirectory() as d:
        from PIL import Image
        Image.fromarray(img).save(os.path.join(d, 'f.png'))
        out = load_ffhq_framed(os.path.join(d, 'f.png'), 128).astype(float)[..., 0]
    for x, y in UTK_TEMPLATE:
        cx, cy = x * 128, y * 128
        win = out[int(cy) - 4:int(cy) + 5, int(cx) - 4:int(cx) + 5]
        check(win.max() > 100, f'template point ({x}, {y}) lands on its dot')


def test_identity_script():
    if shutil.which('node') is None or not os.path.isdir(os.path.join(ROOT, 'node_modules', 'onnxruntime-node')):
        print('skip identity: no node / onnxruntime-node')
        return
    if not os.path.exists(os.path.join(FACES, 'build', 'face-recognition.onnx')):  # gitignored: convert it (a few seconds)
        with tempfile.TemporaryDirectory() as d:
            r = subprocess.run(['node', os.path.join(FACES, 'convert-faceapi.mjs'), '--out', d, '--no-manifest'],
                               capture_output=True, text=True, cwd=ROOT, timeout=300)
            check(r.returncode == 0, 'convert-faceapi.mjs builds the recognition net' + ('' if r.returncode == 0 else ': ' + r.stderr[-500:]))
    fs = utk_files()[:2]
    if not fs:
        print('skip identity: no UTKFace')
        return
    from common import load_face, to_tensor
    import evaluate
    clean = to_tensor([load_face(f) for f in fs])
    swapped = clean.flip(0)  # the other person
    res = evaluate.identity(clean, {'same': clean, 'swapped': swapped})
    check(abs(res['same']['identity'] - 1) < 1e-5 and res['same']['descriptor_distance'] < 1e-3, 'a face is identical to itself')
    check(res['swapped']['identity'] < res['same']['identity'] - 0.01 and res['swapped']['descriptor_distance'] > 0.3,
          f'two people are told apart ({res["swapped"]})')


def test_tiny_training():
    if not utk_files():
        print('skip tiny training run: no UTKFace')
        return
    with tempfile.TemporaryDirectory() as d:
        cmd = [sys.executable, os.path.join(FACES, 'train.py'), '--max-images', '3', '--patch', '64', '--batch', '4',
               '--threads', '1', '--out', d]

        def first(ck):
            check(ck['widths'] == [24, 48, 96, 128], 'checkpoint has the widths')
            log = os.path.join(d, 'logs', 'face.csv')
            check(os.path.exists(log) and 'val_psnr' in open(log).read(), 'CSV log has validation PSNR')
        check_train_and_resume(cmd, os.path.join(d, 'checkpoints', 'face.pt'), 'resumed face at step 2', first=first)


def test_gan_training():
    import recognition
    if not utk_files() or not os.path.exists(recognition.ONNX_PATH):
        print('skip GAN training run: no UTKFace or recognition net')
        return
    with tempfile.TemporaryDirectory() as d:
        cmd = [sys.executable, os.path.join(FACES, 'train_gan.py'), '--max-images', '3', '--batch', '2', '--threads', '1', '--out', d]
        r = subprocess.run(cmd + ['--steps', '2', '--init', ''], capture_output=True, text=True, timeout=600)
        check(r.returncode == 0, 'train_gan.py runs 2 steps' + ('' if r.returncode == 0 else ': ' + r.stderr[-500:]))
        ck = torch.load(os.path.join(d, 'checkpoints', 'face-gan.pt'))
        check(ck['step'] == 2 and 'disc' in ck and 'd_opt' in ck, 'checkpoint holds the discriminator and its optimizer')
        log = open(os.path.join(d, 'logs', 'face-gan.csv')).read()
        check('4x_detail' in log and 'old_identity' in log, 'CSV log has detail and identity figures')
        check(os.path.exists(os.path.join(d, 'logs', 'gan-samples', '4x-latest.png')), 'sample PNGs are written')
        r2 = subprocess.run(cmd + ['--steps', '3', '--resume'], capture_output=True, text=True, timeout=600)
        ck2 = torch.load(os.path.join(d, 'checkpoints', 'face-gan.pt'))
        check(r2.returncode == 0 and 'resumed face-gan at step 2' in r2.stdout and ck2['step'] == 3, 'GAN training resumes')
        moved = any(not torch.equal(ck['disc'][k], ck2['disc'][k]) for k in ck['disc'])
        check(moved, 'the resumed run keeps training the discriminator')

    # the GPU-lease path: faces from a pack (pack_faces.py), batches from a worker process, bf16 autocast
    with tempfile.TemporaryDirectory() as d:
        pack = os.path.join(d, 'faces.pkl')
        r = subprocess.run([sys.executable, os.path.join(FACES, 'pack_faces.py'), '--out', pack, '--limit', '3', '--with-nets'],
                           capture_output=True, text=True, timeout=300)
        check(r.returncode == 0 and '3 train + 2 val faces' in r.stdout, 'pack_faces.py packs the split' + ('' if r.returncode == 0 else ': ' + r.stderr[-500:]))
        # the half-size recognition net computes what the float32 one does
        full, half = recognition.load(), recognition.load(os.path.join(d, 'face-recognition.fp16.onnx'))
        x = torch.rand(2, 3, 128, 128)
        with torch.no_grad():
            check(recognition.cosine(full.faces(x)[0], half.faces(x)[0]).min().item() > 0.9999, 'fp16-weight recognition net: same descriptors')
        cmd = [sys.executable, os.path.join(FACES, 'train_gan.py'), '--data-pack', pack, '--workers', '1', '--bf16', '--batch', '2',
               '--threads', '1', '--steps', '2', '--init', os.path.join(d, 'face-init.pt'), '--out', d,
               '--recognition', os.path.join(d, 'face-recognition.fp16.onnx')]
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
        check(r.returncode == 0 and 'face-gan: 3 train / 2 val faces' in r.stdout,
              'train_gan.py trains from a pack with a worker process' + ('' if r.returncode == 0 else ': ' + r.stderr[-800:]))
        ck = torch.load(os.path.join(d, 'checkpoints', 'face-gan.pt'))
        log = open(os.path.join(d, 'logs', 'face-gan.csv')).read()
        check(ck['step'] == 2 and '4x_identity' in log, 'the packed run checkpoints and validates')


if __name__ == '__main__':
    torch.set_num_threads(1)
    run(test_degrade, test_damage_and_detail, test_identity_script, test_gan_training, test_split, test_shapes, test_framing, test_export_graph, test_tiny_training)
