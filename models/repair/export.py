"""Export the repair models to ONNX (opset 17) + fp16-weight variants, and write the manifest.

    /usr/bin/python3 models/repair/export.py            # checkpoints -> public/models/repair, models.json
    /usr/bin/python3 models/repair/export.py --ckpt-dir /tmp/x/checkpoints --out /tmp/x/onnx --no-manifest

Conventions (all three models):
  input  'input'  float32 NCHW [1,C,H,W], values in [0,1], any H and W >= 1 (the graph pads H and W
         internally with edge replication to a multiple of 2**depth (8 or 16) and crops back, so no
         padding is needed in the app); dynamic N, H, W.
  output 'output' float32 NCHW [1,C',H,W], values in [0,1].
  detector: C=3 RGB -> C'=1 damage probability (sigmoid).
  tears:    C=3 RGB (the photo shrunk to a long side <= 160 px) -> C'=1 probability of a torn or missing area.
  inpaint:  C=4 (RGB, mask; mask 1 = fill) -> C'=3 RGB; pixels with mask 0 are passed through
            (out = rgb*(1-m) + pred*m, soft masks blend). Inside the hole the RGB is a hint the
            prefill weighs 2^-14 (0 will do; the app passes a fill of the whole photo, holeHint).
  denoise:  C=3 RGB -> C'=3 RGB (residual network; the app controls strength by blending with input).
Both files of each model are shipped and listed in the manifest: the app downloads the fp16 file
(half the size) and rewrites it into a float32 graph once, when it opens it
(src/core/models/fp16-upcast.ts: onnxruntime-web would re-cast fp16 weights on every run, which
made the detector 1.4x slower on WASM); the fp32 file is there for other runtimes.
fp16 variant: every float initializer stored as float16 and followed by a Cast(to=float), so the
compute and I/O stay float32.
"""
from __future__ import annotations

import argparse
import json
import os
import sys

import onnx
import torch

from common import ARCH, HERE, ROOT, Exported, load_net

sys.path.insert(0, os.path.dirname(HERE))
from onnx_tools import PHOTOS_LICENSE, check_convs, export_onnx, shipped_pair, to_fp16_weights, write_manifest  # noqa: E402

LICENSE = PHOTOS_LICENSE

MODELS = ('detector', 'tears', 'inpaint', 'denoise')
TASK = {'detector': 'repair-detect', 'tears': 'repair-tears', 'inpaint': 'inpaint', 'denoise': 'denoise'}
LABEL = {'detector': 'Damage detector (scratches, dust, creases, cracks)', 'tears': 'Tear finder (torn corners, missing edges)',
         'inpaint': 'Damage inpainting',
         'denoise': 'Grain and noise reduction'}
CIN = {'detector': 3, 'tears': 3, 'inpaint': 4, 'denoise': 3}
COUT = {'detector': 1, 'tears': 1, 'inpaint': 3, 'denoise': 3}


def export_fp32(name, net, path):
    model = Exported(name, net).eval()
    x = torch.rand(1, CIN[name], 64, 80)
    return export_onnx(model, x, path, 'heirloom-repair')


# the detector's depth-4 U-Net sees ~200 px of context: bigger tiles, wider overlap
TILE = {'detector': {'size': 384, 'overlap': 64}, 'inpaint': {'size': 256, 'overlap': 48}}
TRAINED_ON = {'detector': 'one H200 GPU lease, the forge on 15 CPU processes'}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--ckpt-dir', default=os.path.join(HERE, 'checkpoints'))
    ap.add_argument('--out', default=os.path.join(ROOT, 'public', 'models', 'repair'))
    ap.add_argument('--manifest', default=os.path.join(ROOT, 'src', 'stages', 'repair', 'models.json'))
    ap.add_argument('--no-manifest', action='store_true')
    ap.add_argument('--metrics', default=os.path.join(HERE, 'logs', 'eval.json'),
                    help='evaluation results quoted in the manifest descriptions, if present')
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    metrics = {}
    if os.path.exists(args.metrics):
        with open(args.metrics) as f:
            metrics = json.load(f)
    manifests = []
    for name in MODELS:
        net, ck = load_net(name, args.ckpt_dir)
        p32 = os.path.join(args.out, f'{name}.onnx')
        m32 = export_fp32(name, net, p32)
        m16 = to_fp16_weights(m32)
        p16 = os.path.join(args.out, f'{name}.fp16.onnx')
        onnx.save(m16, p16)
        ops = check_convs(m16)
        print(f'{name}: fp32 {os.path.getsize(p32)} B, fp16 {os.path.getsize(p16)} B, ops {ops}')
        depth = len(ARCH[name]['widths']) - 1
        nparams = sum(p.numel() for p in net.parameters())
        desc = (f'Heirloom {name} U-Net (widths {list(ARCH[name]["widths"])}, {nparams} params, depth {depth}), '
                f'trained by the Heirloom project on forge-synthesized damage '
                f'({ck["step"]} steps, last of batch {ck["args"]["batch"]} x {ck["args"]["patch"]}px patches, '
                f'{ck["elapsed"] / 60:.0f} min; {TRAINED_ON.get(name, "2 CPU cores")}). Any H and W: the graph pads internally '
                f'(edge) to a multiple of {2 ** depth} and crops back. ')
        threshold = metrics.get(name, {}).get('threshold', 0.5)
        desc += {
            'tears': 'Input RGB in [0,1] (the whole photo shrunk so its long side is at most 160 px); output 1-channel '
                     f'probability of a torn or missing area in [0,1]; threshold {threshold} (the highest tried: none met the '
                     'calibration rule, see the card); '
                     'the app fits the mask to the tear\'s edge at full size by colour.',
            'detector': 'Input RGB in [0,1]; output 1-channel damage probability in [0,1] '
                        '(scratches, gouges, creases, cracks, dust, hairs, foxing, flaking, torn/missing areas); '
                        f'threshold {threshold} (calibrated for precision on held-out data).',
            'inpaint': 'Input 4 channels: RGB in [0,1] and mask (1 = fill, 0 = keep); inside the hole the RGB is a hint '
                       'weighted 2^-14 by the prefill (0 will do; the app passes a fill of the whole photo, so tiles deep '
                       'inside a large hole continue it); output RGB in [0,1] '
                       'with unmasked pixels passed through (out = rgb*(1-m) + pred*m).',
            'denoise': 'Input RGB in [0,1]; output denoised RGB in [0,1] (film grain, sensor noise, mild blur, '
                       'JPEG); blend with the input to control strength.',
        }[name]
        if name in metrics and 'summary' in metrics[name]:
            desc += ' ' + metrics[name]['summary']
        manifests += shipped_pair(p32, p16, id=f'heirloom-{name}', label=LABEL[name], task=TASK[name], io={
            'input': {'name': 'input', 'layout': 'NCHW', 'channels': CIN[name], 'range': [0, 1]},
            'output': {'name': 'output', 'layout': 'NCHW', 'channels': COUT[name], 'range': [0, 1]},
            'scale': 1, 'tile': TILE.get(name, {'size': 256, 'overlap': 32}),
            **({'threshold': threshold} if name in ('detector', 'tears') else {}),
        }, description=desc, license=LICENSE, card=f'models/cards/repair-{name}.md',
            fp16_note=' Weights stored as fp16 (Cast to float32 at load; compute and I/O float32).')
    if not args.no_manifest:
        write_manifest(args.manifest, manifests)


if __name__ == '__main__':
    main()
