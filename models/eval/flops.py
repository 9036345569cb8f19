"""Convolution FLOPs per input pixel of every shipped model -> bench/model-flops.json.

    /usr/bin/python3 models/eval/flops.py

npm run bench divides these by measured time to report each model's achieved GFLOP/s as a
fraction of the machine's GEMM peak. Counted: 2 x MACs of every Conv (the models are >98 %
convolutions; pooling, resizing and activations are left out). All models are fully
convolutional, so the count per input pixel does not depend on the image size (edge padding
aside); it is measured at 256x256.
 - converted upscalers: ONNX shape inference on the graph with the input fixed to 1x3x256x256;
 - repair U-Nets: their graphs pad to a multiple of 16 through Shape ops, which shape inference
   cannot follow, so the PyTorch definition they were exported from is counted with hooks.
"""
import glob
import json
import os
import sys

import onnx
from onnx import shape_inference

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
SIZE = 256


def onnx_conv_flops(path):
    m = onnx.load(path)
    dims = m.graph.input[0].type.tensor_type.shape.dim
    dims[0].dim_value, dims[2].dim_value, dims[3].dim_value = 1, SIZE, SIZE
    m = shape_inference.infer_shapes(m, data_prop=True)
    shapes = {v.name: [d.dim_value if d.HasField('dim_value') else None for d in v.type.tensor_type.shape.dim]
              for v in list(m.graph.value_info) + list(m.graph.output)}
    inits = {i.name: list(i.dims) for i in m.graph.initializer}
    producer = {o: n for n in m.graph.node for o in n.output}
    total = 0
    for n in m.graph.node:
        if n.op_type != 'Conv':
            continue
        w = n.input[1]
        while w not in inits:  # fp16 files: weight -> Cast -> Conv
            w = producer[w].input[0]
        _, cin_g, kh, kw = inits[w]
        out = shapes.get(n.output[0])
        if not out or None in out:
            return None
        total += 2 * out[1] * out[2] * out[3] * cin_g * kh * kw
    return total / (SIZE * SIZE)


def torch_conv_flops(name):
    import torch
    sys.path.insert(0, os.path.join(ROOT, 'models', 'repair'))
    from common import ARCH, Exported, build
    if name not in ARCH:
        return None
    total = [0]

    def hook(mod, inp, out):
        total[0] += 2 * out.numel() * (mod.in_channels // mod.groups) * mod.kernel_size[0] * mod.kernel_size[1]
    net = build(name)
    for mod in net.modules():
        if isinstance(mod, torch.nn.Conv2d):
            mod.register_forward_hook(hook)
    with torch.no_grad():
        Exported(name, net)(torch.zeros(1, ARCH[name]['cin'], SIZE, SIZE))
    return total[0] / (SIZE * SIZE)


def main():
    out = {}
    for path in sorted(glob.glob(os.path.join(ROOT, 'public', 'models', '*', '*.onnx'))):
        rel = os.path.relpath(path, os.path.join(ROOT, 'public', 'models'))
        f = onnx_conv_flops(path)
        if f is None:
            f = torch_conv_flops(os.path.basename(path).split('.')[0])
        if f is None:  # colorize, face-restore: no shape-inferable graph and no repair U-Net definition
            print(f'{rel}: skipped (shape inference cannot follow its graph, no PyTorch definition here)')
            continue
        out[rel] = round(f)
        print(f'{rel}: {f / 1e3:.0f} GFLOP per megapixel')
    dest = os.path.join(ROOT, 'bench', 'model-flops.json')
    with open(dest, 'w') as fh:
        json.dump({'about': 'Conv FLOPs per input pixel (models/eval/flops.py)', 'flopsPerPixel': out}, fh, indent=1)
        fh.write('\n')
    print('wrote', os.path.relpath(dest, ROOT))


if __name__ == '__main__':
    main()
