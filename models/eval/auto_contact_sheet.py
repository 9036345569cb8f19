"""Contact sheets of `heirloom restore --recipe auto` on real old photos, with the analysis text.

    node bin/heirloom.mjs restore ../shared/data/real-old <out> --recipe auto -j 1 2> <out>/log.txt
    /usr/bin/python3 models/eval/auto_contact_sheet.py <out> docs/auto

Reads the CLI's per-photo log lines ("[i/n] folder/photo.jpg: auto recipe ...", then one line per
stage, "+" on, "-" off) and writes one sheet per folder: before | after | what auto found.
"""
import os
import re
import sys

from PIL import Image, ImageDraw, ImageFont

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
DATA = os.path.abspath(os.path.join(ROOT, '..', 'shared', 'data', 'real-old'))
H = 280
TEXT_W = 620


def parse_log(path):
    out, cur = {}, None
    for line in open(path, encoding='utf8'):
        m = re.match(r'\[\d+/\d+\] (.+?): auto recipe (.*)$', line.rstrip())
        if m:
            cur = m.group(1)
            out[cur] = [f'recipe: {m.group(2)}']
        elif cur and line.startswith('    '):
            out[cur].append(line.strip())
        else:
            cur = None
    return out


def fit(img, h):
    return img.resize((max(1, round(img.width * h / img.height)), h), Image.LANCZOS)


def font(size):
    for f in ('/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf', '/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf'):
        if os.path.exists(f):
            return ImageFont.truetype(f, size)
    return ImageFont.load_default()


def wrap(draw, text, fnt, width):
    words, lines, cur = text.split(' '), [], ''
    for w in words:
        t = (cur + ' ' + w).strip()
        if draw.textlength(t, font=fnt) > width and cur:
            lines.append(cur)
            cur = '   ' + w
        else:
            cur = t
    lines.append(cur)
    return lines


def main():
    out_dir, docs = sys.argv[1], sys.argv[2]
    os.makedirs(docs, exist_ok=True)
    log = parse_log(os.path.join(out_dir, 'log.txt'))
    fnt, bold = font(15), font(17)
    text_md = []
    for folder in sorted({k.split('/')[0] for k in log}):
        rows = []
        for rel in sorted(k for k in log if k.startswith(folder + '/')):
            stem, _ = os.path.splitext(rel)
            after_path = os.path.join(out_dir, stem + '-heirloom.png')
            if not os.path.exists(after_path):
                continue
            before = fit(Image.open(os.path.join(DATA, rel)).convert('RGB'), H)
            after = fit(Image.open(after_path).convert('RGB'), H)
            rows.append((rel, before, after, log[rel]))
            text_md.append(f'**{rel}**\n\n' + '\n'.join(f'    {l}' for l in log[rel]) + '\n')
        if not rows:
            continue
        w = max(b.width + a.width for _, b, a, _ in rows) + TEXT_W + 40
        sheet = Image.new('RGB', (w, len(rows) * (H + 16) + 8), 'white')
        d = ImageDraw.Draw(sheet)
        y = 8
        for rel, b, a, lines in rows:
            sheet.paste(b, (8, y))
            sheet.paste(a, (16 + b.width, y))
            x = 32 + b.width + a.width
            d.text((x, y), rel, fill='black', font=bold)
            ty = y + 24
            for l in lines:
                for part in wrap(d, l, fnt, TEXT_W - 20):
                    colour = (20, 110, 40) if part.startswith('+') else (90, 90, 90)
                    d.text((x, ty), part, fill=colour, font=fnt)
                    ty += 19
            y += H + 16
        path = os.path.join(docs, f'auto-{folder}.jpg')
        sheet.save(path, quality=85)
        print('wrote', path, len(rows), 'photos')
    with open(os.path.join(docs, 'auto-analysis.md'), 'w', encoding='utf8') as f:
        f.write('# Auto on real old photos: what the analysis found\n\n'
                'Before | after sheets: `auto-*.jpg` (left: the original, right: `--recipe auto`). '
                'Made by `models/eval/auto_contact_sheet.py`; "+" = stage on, "-" = left off, with the reason.\n\n')
        f.write('\n'.join(text_md))


if __name__ == '__main__':
    main()
