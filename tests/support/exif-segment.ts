/** An APP1 Exif segment whose IFD0 holds only the Orientation tag (0x0112). */
export function exifOrientationSegment(orientation: number, littleEndian = false): number[] {
  const u16 = (v: number) => (littleEndian ? [v & 255, v >> 8] : [v >> 8, v & 255]);
  const u32 = (v: number) => (littleEndian ? [...u16(v & 0xffff), ...u16(v >>> 16)] : [...u16(v >>> 16), ...u16(v & 0xffff)]);
  const tiff = [
    ...(littleEndian ? [0x49, 0x49] : [0x4d, 0x4d]), ...u16(42), ...u32(8), // header, IFD0 at 8
    ...u16(1), // one entry
    ...u16(0x0112), ...u16(3), ...u32(1), ...u16(orientation), 0, 0, // Orientation, SHORT x1
    ...u32(0), // no IFD1
  ];
  const body = [0x45, 0x78, 0x69, 0x66, 0, 0, ...tiff]; // "Exif\0\0"
  return [0xff, 0xe1, (body.length + 2) >> 8, (body.length + 2) & 255, ...body];
}

/** Puts the segment right after a JPEG's SOI marker. */
export function withExifOrientation(jpeg: Uint8Array | number[], orientation: number, littleEndian = false): Uint8Array {
  const bytes = [...jpeg];
  return new Uint8Array([...bytes.slice(0, 2), ...exifOrientationSegment(orientation, littleEndian), ...bytes.slice(2)]);
}
