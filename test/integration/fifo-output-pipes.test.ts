import { constants, closeSync, existsSync, openSync, writeSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FifoOutputPipes } from '../../src/docker/fifo-output-pipes.js';

let dataDir: string;
beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'lambdock-fifo-'));
});
afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

describe('FIFO output pipes', () => {
  it('delivers, synchronously on drain, everything written before it, and keeps reading as output arrives', async () => {
    const pipe = await new FifoOutputPipes(dataDir).createOutputPipe('sbx-1');
    const chunks: string[] = [];
    pipe.read((chunk) => chunks.push(chunk.toString('utf8')));
    // A writer as the container's shell opens it: write-only, never waiting for a reader.
    const writer = openSync(path.join(pipe.hostDir, 'output'), constants.O_WRONLY);
    writeSync(writer, 'before the request\n');
    pipe.drain();
    expect(chunks.join('')).toBe('before the request\n');
    pipe.drain(); // an empty pipe: nothing, no throw
    expect(chunks.join('')).toBe('before the request\n');
    writeSync(writer, 'later\n');
    for (let i = 0; i < 100 && !chunks.join('').includes('later'); i += 1) await sleep(5);
    expect(chunks.join('')).toBe('before the request\nlater\n');
    // A writer that goes away (a runtime that exits) is no end-of-file: the next run writes on.
    closeSync(writer);
    const again = openSync(path.join(pipe.hostDir, 'output'), constants.O_WRONLY);
    writeSync(again, 'next run\n');
    pipe.drain();
    expect(chunks.join('')).toBe('before the request\nlater\nnext run\n');
    closeSync(again);
    await pipe.close();
    expect(existsSync(pipe.hostDir)).toBe(false);
    pipe.drain();
  });

  it('drains more than a pipe buffer at once', async () => {
    const pipe = await new FifoOutputPipes(dataDir).createOutputPipe('sbx-2');
    let bytes = 0;
    pipe.read((chunk) => (bytes += chunk.length));
    const writer = openSync(path.join(pipe.hostDir, 'output'), constants.O_WRONLY | constants.O_NONBLOCK);
    const block = Buffer.alloc(16 * 1024, 0x61);
    let written = 0;
    for (let i = 0; i < 4; i += 1) written += writeSync(writer, block);
    pipe.drain();
    expect(bytes).toBe(written);
    closeSync(writer);
    await pipe.close();
  });
});
