/** Helpers for the converted face-api.js nets in public/models/face (see models/faces/README.md). */
export * from './tiny-face-decode.js';
export * from './preprocess.js';
export * from './landmarks.js';
