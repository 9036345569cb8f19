/**
 * Splits an image into overlapping tiles so a model with a fixed/limited input size can
 * process images of any size. Tiles never reach past the image edge (no padding artefacts);
 * when an axis is shorter than a tile, the tile is simply that whole axis.
 */

/** Overlap (input pixels) shared with the neighbour on each side; 0 on image borders. */
export interface TileOverlap {
  left: number;
  right: number;
  top: number;
  bottom: number;
}

export interface Tile {
  /** Top-left corner and size in input pixels. */
  x: number;
  y: number;
  width: number;
  height: number;
  /** Grid position, row-major. */
  col: number;
  row: number;
  overlap: TileOverlap;
}

/** A 1-D span [start, start + length). */
interface Span {
  start: number;
  length: number;
}

/**
 * Places spans of `tileSize` along an axis of `length` so consecutive spans overlap by at
 * least `overlap`. Starts are spread evenly (rather than clamping only the last tile) so
 * every overlap zone is about the same width, which keeps the feathering uniform.
 */
export function planAxis(length: number, tileSize: number, overlap: number): Span[] {
  if (length <= tileSize) return [{ start: 0, length }];
  if (overlap >= tileSize) {
    throw new RangeError(`Tile overlap (${overlap}) must be smaller than the tile size (${tileSize})`);
  }
  const stride = tileSize - overlap;
  const count = Math.ceil((length - tileSize) / stride) + 1;
  const last = length - tileSize;
  const spans: Span[] = [];
  for (let i = 0; i < count; i++) {
    // Rounding an even spread keeps every gap <= stride, hence every overlap >= `overlap`.
    spans.push({ start: Math.round((i * last) / (count - 1)), length: tileSize });
  }
  return spans;
}

/** Plans a row-major grid of tiles covering a width x height image. */
export function planTiles(width: number, height: number, tileSize: number, overlap: number): Tile[] {
  for (const [name, v] of [['width', width], ['height', height], ['tileSize', tileSize]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`${name} must be a positive integer, got ${v}`);
  }
  if (!Number.isInteger(overlap) || overlap < 0) {
    throw new RangeError(`overlap must be a non-negative integer, got ${overlap}`);
  }
  const cols = planAxis(width, tileSize, overlap);
  const rows = planAxis(height, tileSize, overlap);
  const tiles: Tile[] = [];
  rows.forEach((r, row) => {
    cols.forEach((c, col) => {
      tiles.push({
        x: c.start,
        y: r.start,
        width: c.length,
        height: r.length,
        col,
        row,
        overlap: {
          left: col > 0 ? cols[col - 1]!.start + cols[col - 1]!.length - c.start : 0,
          right: col < cols.length - 1 ? c.start + c.length - cols[col + 1]!.start : 0,
          top: row > 0 ? rows[row - 1]!.start + rows[row - 1]!.length - r.start : 0,
          bottom: row < rows.length - 1 ? r.start + r.length - rows[row + 1]!.start : 0,
        },
      });
    });
  });
  return tiles;
}
