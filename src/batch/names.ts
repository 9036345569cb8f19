/**
 * File names from the user's disk can hold characters that hide what a name is: control
 * characters (a newline, a NUL that cuts "x\0.png" to "x" in some unzip tools) and bidirectional
 * controls (U+202E turns "photo\u202Egpj.exe" into "photoexe.jpg" on screen).
 */
const HIDING = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** For zip entries and saved files: each hiding character becomes "_". */
export function safeFileName(name: string): string {
  return name.replace(HIDING, '_');
}

/** For showing: each hiding character is spelled out, e.g. "photo⟨U+202E⟩gpj.exe". */
export function visibleName(name: string): string {
  return name.replace(HIDING, (c) => `⟨U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}⟩`);
}
