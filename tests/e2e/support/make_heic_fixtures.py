#!/usr/bin/python3
"""Makes the HEIC fixtures in tests/e2e/support/files/ (committed: they need an HEVC encoder).

Needs Debian's heif-enc (apt-get install libheif-examples; libheif1 brings x265) and PIL.
Run from the repository root:  /usr/bin/python3 tests/e2e/support/make_heic_fixtures.py

- photo.heic: 64x48 crop of kodim05 (100,120), one HEVC image plus a 32x24 thumbnail, as heif-enc writes it.
- iphone-grid.heic: laid out like an iPhone photo: the picture is a 'grid' item of 2x2 HEVC tiles
  of 64x64 (an iPhone's are 512x512), cropped to 120x90 by the grid (as 4032x3024 is cropped from
  4096x3072), turned by an 'irot' property (90 degrees anticlockwise: the portrait is stored
  sideways, as an iPhone held upright stores it), so a correct decoder shows 90x120. Source:
  kodim05 crop (100,120) of 128x128.
"""
import os
import struct
import subprocess
import tempfile

from PIL import Image

ROOT = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(ROOT, 'files')
KODIM05 = os.path.join(ROOT, '../../../../shared/data/eval/kodak24/kodim05.png')


def box(kind, payload):
    return struct.pack('>I', 8 + len(payload)) + kind + payload


def full_box(kind, version, flags, payload):
    return box(kind, struct.pack('>I', (version << 24) | flags) + payload)


def children(data, start, end):
    """(type, payload start, box end) of each box in data[start:end]."""
    at = start
    while at + 8 <= end:
        size, kind = struct.unpack('>I4s', data[at:at + 8])
        yield kind, at + 8, at + size
        at += size


def find(data, path, start=0, end=None):
    end = len(data) if end is None else end
    for kind, body, stop in children(data, start, end):
        if kind == path[0]:
            if len(path) == 1:
                return body, stop
            skip = 4 if kind in (b'meta', b'iinf', b'iref', b'ipma', b'iloc', b'pitm') else 0
            return find(data, path[1:], body + skip, stop)
    raise KeyError(path)


def encode_tile(img):
    """heif-enc's HEVC stream for img: (hvcC payload, length-prefixed NAL units)."""
    with tempfile.TemporaryDirectory() as tmp:
        png, heic = os.path.join(tmp, 't.png'), os.path.join(tmp, 't.heic')
        img.save(png)
        subprocess.run(['heif-enc', '-q', '90', '-o', heic, png], check=True, capture_output=True)
        data = open(heic, 'rb').read()
    # The coded HEVC image: the file's one 'hvc1' item (heif-enc may wrap it in a one-tile grid).
    at, stop = find(data, [b'meta', b'iinf'])  # a full box: version, flags, then the entry count
    version = data[at]
    at += 4 + (2 if version == 0 else 4)
    hvc1 = []
    for kind, body, end in children(data, at, stop):
        item = struct.unpack('>H', data[body + 4:body + 6])[0]
        if data[body + 8:body + 12] == b'hvc1':
            hvc1.append(item)
    assert len(hvc1) == 1, f'expected one hvc1 item, found {hvc1}'
    body, stop = find(data, [b'meta', b'iprp', b'ipco'])
    hvccs = [data[b:e] for k, b, e in children(data, body, stop) if k == b'hvcC']
    assert len(hvccs) == 1, 'expected one hvcC'
    at, _ = find(data, [b'meta', b'iloc'])
    version = data[at]
    at += 4
    offset_size, length_size = data[at] >> 4, data[at] & 15
    base_size, index_size = data[at + 1] >> 4, (data[at + 1] & 15) if version in (1, 2) else 0
    count = struct.unpack('>H', data[at + 2:at + 4])[0]
    at += 4
    read = lambda at, n: int.from_bytes(data[at:at + n], 'big') if n else 0
    for _ in range(count):
        item = struct.unpack('>H', data[at:at + 2])[0]
        at += 2 + (2 if version in (1, 2) else 0) + 2  # construction method, data reference index
        base = read(at, base_size)
        at += base_size
        extents = struct.unpack('>H', data[at:at + 2])[0]
        at += 2
        parts = []
        for _ in range(extents):
            at += index_size
            offset = read(at, offset_size)
            length = read(at + offset_size, length_size)
            at += offset_size + length_size
            parts.append(data[base + offset:base + offset + length])
        if item == hvc1[0]:
            return hvccs[0], b''.join(parts)
    raise KeyError('hvc1 item extent')


def grid_heic(source, tile, cols, rows, out_w, out_h, rotation):
    tiles = [encode_tile(source.crop((c * tile, r * tile, (c + 1) * tile, (r + 1) * tile))) for r in range(rows) for c in range(cols)]
    n = len(tiles)
    grid_id, tile_ids = 1, list(range(2, 2 + n))
    grid_payload = struct.pack('>BBBBHH', 0, 0, rows - 1, cols - 1, out_w, out_h)
    # Properties (1-based): 1 ispe of the grid, 2 irot, 3 ispe of a tile, 4.. hvcC of each tile.
    ispe = lambda w, h: full_box(b'ispe', 0, 0, struct.pack('>II', w, h))
    props = [ispe(out_w, out_h), box(b'irot', bytes([rotation])), ispe(tile, tile)] + [box(b'hvcC', h) for h, _ in tiles]
    ipco = box(b'ipco', b''.join(props))
    assoc = [(grid_id, [(1, False), (2, True)])] + [(tid, [(4 + i, True), (3, False)]) for i, tid in enumerate(tile_ids)]
    ipma = full_box(b'ipma', 0, 0, struct.pack('>I', len(assoc)) + b''.join(
        struct.pack('>HB', item, len(ps)) + b''.join(bytes([(0x80 if essential else 0) | p]) for p, essential in ps) for item, ps in assoc))
    # Tiles are hidden items (flag 1), as on an iPhone: only the grid is a picture.
    infe = lambda item, kind, hidden: full_box(b'infe', 2, 1 if hidden else 0, struct.pack('>HH', item, 0) + kind + b'\0')
    iinf = full_box(b'iinf', 0, 0, struct.pack('>H', 1 + n) + infe(grid_id, b'grid', False) + b''.join(infe(t, b'hvc1', True) for t in tile_ids))
    iref = full_box(b'iref', 0, 0, box(b'dimg', struct.pack('>HH', grid_id, n) + b''.join(struct.pack('>H', t) for t in tile_ids)))
    ftyp = box(b'ftyp', b'heic' + struct.pack('>I', 0) + b'mif1heicmiaf')
    hdlr = full_box(b'hdlr', 0, 0, struct.pack('>I', 0) + b'pict' + b'\0' * 12 + b'\0')
    pitm = full_box(b'pitm', 0, 0, struct.pack('>H', grid_id))
    payloads = [grid_payload] + [nal for _, nal in tiles]
    ids = [grid_id] + tile_ids

    def build(mdat_start):
        entries, at = b'', mdat_start + 8
        for item, p in zip(ids, payloads):
            entries += struct.pack('>HHHII', item, 0, 1, at, len(p))
            at += len(p)
        iloc = full_box(b'iloc', 0, 0, struct.pack('>BBH', 0x44, 0x00, len(ids)) + entries)
        meta = full_box(b'meta', 0, 0, hdlr + pitm + iloc + iinf + iref + box(b'iprp', ipco + ipma))
        return ftyp + meta

    head = build(0)
    head = build(len(head))
    return head + box(b'mdat', b''.join(payloads))


def main():
    os.makedirs(OUT, exist_ok=True)
    photo = Image.open(KODIM05).convert('RGB')
    with tempfile.TemporaryDirectory() as tmp:
        png = os.path.join(tmp, 'photo.png')
        photo.crop((100, 120, 164, 168)).save(png)
        subprocess.run(['heif-enc', '-q', '92', '-t', '32', '-o', os.path.join(OUT, 'photo.heic'), png], check=True, capture_output=True)
    grid = grid_heic(photo.crop((100, 120, 228, 248)), tile=64, cols=2, rows=2, out_w=120, out_h=90, rotation=1)
    open(os.path.join(OUT, 'iphone-grid.heic'), 'wb').write(grid)
    for name in ('photo.heic', 'iphone-grid.heic'):
        print(name, os.path.getsize(os.path.join(OUT, name)), 'bytes')


if __name__ == '__main__':
    main()
