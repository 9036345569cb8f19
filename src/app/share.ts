import { saveBlob } from './download';

export type ShareOutcome = 'shared' | 'cancelled' | 'downloaded';

/**
 * Shares a result through the system share sheet (Web Share API with files) where the browser
 * can share this file; otherwise, or when the browser refuses (no user gesture left after a long
 * re-encode), saves it as a download. The user closing the sheet is not an error.
 */
export async function shareOrDownload(blob: Blob, name: string): Promise<ShareOutcome> {
  const file = new File([blob], name, { type: blob.type });
  const data: ShareData = { files: [file], title: name };
  if (typeof navigator.share === 'function' && navigator.canShare?.(data)) {
    try {
      await navigator.share(data);
      return 'shared';
    } catch (e) {
      if ((e as Error)?.name === 'AbortError') return 'cancelled';
      if ((e as Error)?.name !== 'NotAllowedError') throw e;
    }
  }
  saveBlob(blob, name);
  return 'downloaded';
}
