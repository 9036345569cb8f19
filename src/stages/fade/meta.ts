import type { FadeOptions } from './fix-fading';

export type { FadeOptions };

export const fadeDefaults: FadeOptions = { strength: 0.8, keepTone: false };

export const fadeMeta = { id: 'fade', label: 'Fix fading' };
