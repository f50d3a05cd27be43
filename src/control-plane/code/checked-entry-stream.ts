import { Transform, type TransformCallback } from 'node:stream';
import { crc32 } from 'node:zlib';
import { corruptZip, unzippedTooLarge } from './unzip-errors.js';

/** The bytes one extraction may still write, counted as they are written: header sizes are never trusted. */
export class ByteBudget {
  #used = 0;

  constructor(readonly limit: number) {}

  get used(): number {
    return this.#used;
  }

  /** Counts `bytes` more; throws the "Unzipped size" error once the total passes the limit. */
  take(bytes: number): void {
    this.#used += bytes;
    if (this.#used > this.limit) throw unzippedTooLarge(this.limit);
  }
}

/**
 * A pass-through for one entry's uncompressed bytes: charges each chunk to `budget` before passing it on
 * (so nothing past the limit reaches the disk) and, at the end, checks the data against the CRC-32 the zip
 * declares (yauzl checks sizes but not checksums).
 */
export function createCheckedEntryStream(budget: ByteBudget, expectedCrc32: number): Transform {
  let crc = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
      try {
        budget.take(chunk.length);
      } catch (error) {
        callback(error as Error);
        return;
      }
      crc = crc32(chunk, crc);
      callback(null, chunk);
    },
    flush(callback: TransformCallback): void {
      if (crc === expectedCrc32 >>> 0) callback();
      else callback(corruptZip(new Error(`CRC-32 mismatch: expected ${expectedCrc32}, got ${crc}`)));
    },
  });
}
