"""Prints the model card's quality table from evaluate.py's output (models/faces/logs/eval.json).

    /usr/bin/python3 models/faces/card_table.py [eval.json [other.json]]

With a second file (the same sets and damage, another --ckpt), its model row is added as the column 'new'.
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
doc = json.load(open(sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, 'logs', 'eval.json')))
other = json.load(open(sys.argv[2])) if len(sys.argv) > 2 else None
ck = doc['checkpoint']
print(f'Checkpoint step {ck["step"]} ({ck["minutes"]} min of training), {doc["size"]}x{doc["size"]}.')
if other:
    o = other['checkpoint']
    print(f'new: {o["path"]}, step {o["step"]} ({o["minutes"]} min).')
    for name, r in doc['sets'].items():
        assert other['sets'][name]['input'] == r['input'], f'{name}: the two files saw different damage'
        r['new'] = other['sets'][name]['model']
print()
rows = ['input', 'bicubic', 'model', *doc.get('models', {}), *(['new'] if other else [])]
print('| set | faces x damages | metric | ' + ' | '.join(f'**{k}**' if k == 'model' else k for k in rows) + ' |')
print('|---|---|---|' + '---|' * len(rows))
for name, r in doc['sets'].items():
    for key, label, fmt in (('psnr', 'PSNR dB', '.2f'), ('ssim', 'SSIM', '.4f'), ('identity', 'identity (cosine)', '.4f'),
                            ('detail', 'detail ratio (1 = clean)', '.2f'),
                            ('descriptor_distance', 'descriptor distance (lower is better)', '.4f')):
        if key not in r['model']:
            continue
        cells = [format(r[k][key], fmt) for k in rows]
        cells[2] = f'**{cells[2]}**'
        print(f'| {name} | {r["n"]} x {r.get("damages_per_face", 1)} | {label} | ' + ' | '.join(cells) + ' |')
