import type { OutputStream } from './container-driver.js';

/**
 * Docker's multiplexed attach stream (no TTY): frames of an 8-byte header (stream type, 3 zero bytes,
 * big-endian payload length) and the payload. Feeds whole payloads to `onOutput`, across chunk borders.
 */
export class FrameDemuxer {
  private buffer: Buffer = Buffer.alloc(0);

  constructor(private readonly onOutput: (stream: OutputStream, payload: Buffer) => void) {}

  push(chunk: Buffer): void {
    let buf = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    while (buf.length >= 8) {
      const size = buf.readUInt32BE(4);
      if (buf.length < 8 + size) break;
      const type = buf[0];
      const payload = buf.subarray(8, 8 + size);
      if (size > 0) this.onOutput(type === 2 ? 'stderr' : 'stdout', payload);
      buf = buf.subarray(8 + size);
    }
    this.buffer = buf.length === 0 ? Buffer.alloc(0) : Buffer.from(buf);
  }
}
