import { execFile } from 'node:child_process';
import { constants, closeSync, openSync, readSync } from 'node:fs';
import { chmod, mkdir, rm } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import type { OutputPipe, OutputPipeProvider } from './container-driver.js';

const run = promisify(execFile);
const CHUNK_BYTES = 64 * 1024;

/**
 * Output pipes as FIFOs under `<dataDir>/output/<sandbox id>/output`. lambdock holds the FIFO open
 * read-write and non-blocking, so the runtime's open never waits for a reader and the pipe never reports
 * end-of-file between runtime restarts; libuv reads it as it fills (a writer never blocks for long) and
 * `drain` empties it with synchronous reads until EAGAIN. The data dir is mounted at the same path on both
 * sides when lambdock itself runs in a container, so the engine can bind it.
 */
export class FifoOutputPipes implements OutputPipeProvider {
  private readonly root: string;

  constructor(dataDir: string) {
    this.root = path.join(dataDir, 'output');
  }

  async createOutputPipe(sandboxId: string): Promise<OutputPipe> {
    const dir = path.join(this.root, sandboxId);
    await mkdir(dir, { recursive: true, mode: 0o755 });
    await chmod(dir, 0o755);
    const fifo = path.join(dir, 'output');
    try {
      await run('mkfifo', ['-m', '0622', fifo]);
      // Non-blocking read-write: opening never waits for a writer, and a reader always exists.
      const fd = openSync(fifo, constants.O_RDWR | constants.O_NONBLOCK);
      return new FifoOutputPipe(dir, fd);
    } catch (error) {
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
  }
}

class FifoOutputPipe implements OutputPipe {
  private socket: net.Socket | undefined;
  private onOutput: ((chunk: Buffer) => void) | undefined;
  private closed = false;
  private readonly buffer = Buffer.allocUnsafe(CHUNK_BYTES);

  constructor(
    readonly hostDir: string,
    private readonly fd: number,
  ) {}

  read(onOutput: (chunk: Buffer) => void): void {
    this.onOutput = onOutput;
    if (this.socket !== undefined || this.closed) return;
    const socket = new net.Socket({ fd: this.fd, readable: true, writable: false });
    socket.on('data', (chunk: Buffer) => this.onOutput?.(chunk));
    socket.on('error', () => undefined);
    this.socket = socket;
  }

  drain(): void {
    const onOutput = this.onOutput;
    if (this.closed || onOutput === undefined) return;
    // Output the stream has already read but not yet handed over comes first (read() emits it as 'data').
    const socket = this.socket;
    while (socket !== undefined && socket.readableLength > 0 && socket.read() !== null);
    // An empty pipe ends the loop with EAGAIN, thrown: without a stack trace that costs half as much.
    const stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      for (;;) {
        const n = readSync(this.fd, this.buffer, 0, CHUNK_BYTES, null);
        if (n <= 0) return;
        onOutput(Buffer.from(this.buffer.subarray(0, n)));
      }
    } catch {
      // EAGAIN: the pipe is empty
    } finally {
      Error.stackTraceLimit = stackTraceLimit;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.socket !== undefined) this.socket.destroy();
    else closeSync(this.fd);
    await rm(this.hostDir, { recursive: true, force: true });
  }
}
