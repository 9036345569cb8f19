/**
 * The capture step in one call, for runs with nobody to confirm the corners (batch, CLI): find
 * the print and straighten it, or leave the photo exactly as it is when no print is found.
 */
import type { RgbaImage } from '../image/types';
import type { StageNote } from '../pipeline/stage';
import { findPrint, type PrintDetection } from './find-print';
import { warpQuad } from './warp';

export function cropToPrint(image: RgbaImage): { image: RgbaImage; detection: PrintDetection; note: StageNote } {
  const detection = findPrint(image);
  if (!detection.corners) return { image, detection, note: { stage: 'capture', skipped: true, message: detection.message } };
  const print = warpQuad(image, detection.corners);
  return {
    image: print,
    detection,
    note: { stage: 'capture', skipped: false, message: `print found, straightened and cropped to ${print.width}x${print.height}` },
  };
}
