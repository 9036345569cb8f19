/**
 * The embed protocol: the messages an embedding page (through the SDK, src/sdk/index.ts) and
 * the embed page (src/embed/host.ts, inside the iframe) exchange with postMessage.
 *
 * Everything here is types and a few constants: the SDK bundles this file and must stay free
 * of Svelte, onnxruntime and the stage code (the `Recipe` import is type-only).
 *
 * Version 1:
 *   embedder -> embed   hello                     "are you there?" (answered with ready)
 *                       restore { id, image, name?, recipe? }
 *                       cancel  { id }
 *   embed -> embedder   ready   { versions }      once the allowlist is loaded (only to allowed origins)
 *                       progress { id, progress }
 *                       result  { id, blob, width, height, inputWidth, inputHeight, backend, ms }
 *                       error   { id?, error: { name, message } }   name 'AbortError' after a cancel
 *
 * Every message carries `protocol: 'heirloom-embed'` and `version`. Images travel as Blobs
 * (structured clone): nothing is uploaded anywhere.
 */
import type { Recipe } from '../stages';
import type { RestoreResult } from '../../workers/restore.worker';

export type { Recipe };

export const PROTOCOL = 'heirloom-embed';
export const PROTOCOL_VERSION = 1;

/** Progress of a running job: the current stage and how far it is (same shape as the app's). */
export interface EmbedProgress {
  stage: string;
  done: number;
  total: number;
  /** Estimated milliseconds left in this stage, when known. */
  etaMs?: number;
}

interface Envelope {
  protocol: typeof PROTOCOL;
  version: number;
}

// ---- embedder -> embed -------------------------------------------------------------------

export interface HelloMessage extends Envelope {
  type: 'hello';
}

export interface RestoreMessage extends Envelope {
  type: 'restore';
  id: string;
  image: Blob;
  /** File name, used only in error messages ("x.png could not be read"). */
  name?: string;
  /** The stages to run, or 'auto' (the photo is analysed and given its own recipe); the embed's default (upscale 2x, clean) when left out. */
  recipe?: Recipe | 'auto';
}

export interface CancelMessage extends Envelope {
  type: 'cancel';
  id: string;
}

export type EmbedderMessage = HelloMessage | RestoreMessage | CancelMessage;

// ---- embed -> embedder -------------------------------------------------------------------

export interface ReadyMessage extends Envelope {
  type: 'ready';
  /** Protocol versions this embed page understands. */
  versions: number[];
}

export interface ProgressMessage extends Envelope {
  type: 'progress';
  id: string;
  progress: EmbedProgress;
}

/** The worker's result (the restored PNG, sizes, backend, time, recipe, analysis, notes), tagged with its job. */
export interface ResultMessage extends Envelope, Omit<RestoreResult, 'preview' | 'steps'> {
  type: 'result';
  id: string;
}

export interface EmbedError {
  /** 'AbortError' (cancelled), 'VersionError', 'InvalidRequest', or the error's own name. */
  name: string;
  message: string;
}

export interface ErrorMessage extends Envelope {
  type: 'error';
  /** The job it belongs to; absent for errors about a message without a usable id. */
  id?: string;
  error: EmbedError;
}

export type EmbedMessage = ReadyMessage | ProgressMessage | ResultMessage | ErrorMessage;

/** Builds a message with the envelope filled in. */
export function message<T extends EmbedderMessage | EmbedMessage>(body: Omit<T, 'protocol' | 'version'>): T {
  return { protocol: PROTOCOL, version: PROTOCOL_VERSION, ...body } as T;
}

/** True for anything that claims to be a message of this protocol (any version). */
export function isProtocolMessage(data: unknown): data is Envelope & { type: string; id?: unknown } {
  return typeof data === 'object' && data !== null && (data as Envelope).protocol === PROTOCOL
    && typeof (data as Envelope).version === 'number' && typeof (data as { type?: unknown }).type === 'string';
}
