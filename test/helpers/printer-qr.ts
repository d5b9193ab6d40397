// Reads a raster QR code (a printer image) back to its payload with jsQR, so
// the simulator and the tests can check raster QR codes as they check native ones.
import jsQRModule from 'jsqr';
import { getPixel, type Bitmap } from '../../main/devices/printer/bitmap.ts';

// jsqr is CommonJS whose function is module.exports itself (and its .default).
const jsQR = ((jsQRModule as unknown as { default?: unknown }).default ?? jsQRModule) as unknown as typeof jsQRModule.default;

/** The payload, or null when the image is not a readable QR code. A 16-dot white margin stands in for the paper around it. */
export function decodeQrBitmap(bitmap: Bitmap): string | null {
  const margin = 16;
  const width = bitmap.width + margin * 2;
  const height = bitmap.height + margin * 2;
  const rgba = new Uint8ClampedArray(width * height * 4).fill(255);
  for (let y = 0; y < bitmap.height; y++) {
    for (let x = 0; x < bitmap.width; x++) {
      if (!getPixel(bitmap, x, y)) continue;
      const i = ((y + margin) * width + x + margin) * 4;
      rgba[i] = rgba[i + 1] = rgba[i + 2] = 0;
    }
  }
  const found = jsQR(rgba, width, height, { inversionAttempts: 'dontInvert' });
  return found ? found.data : null;
}
