import { createHash } from 'node:crypto';

/** The fixed 5 % of UTKFace held out from training (models/repair/common.py `utk_heldout`). */
export function utkHeldout(fileName: string): boolean {
  const h = createHash('sha256').update('heirloom-holdout:' + fileName).digest('hex');
  return BigInt('0x' + h) % 100n < 5n;
}
