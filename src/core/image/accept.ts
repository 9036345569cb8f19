/**
 * The file pickers' `accept`: every image type, and TIFF and HEIC by name and type as well,
 * since some systems (Windows, Android pickers) do not count .heic/.tif as "image/*" or give
 * them no type, and would grey them out.
 */
export const IMAGE_ACCEPT = 'image/*,.tif,.tiff,.heic,.heif,image/tiff,image/heic,image/heif,image/heic-sequence,image/heif-sequence';
