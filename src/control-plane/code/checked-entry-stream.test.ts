import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ByteBudget, createCheckedEntryStream } from './checked-entry-stream.js';

/** Pipes `chunks` through a checked stream into memory; returns what reached the sink. */
async function run(
  chunks: Buffer[],
  budget: ByteBudget,
  expectedCrc: number,
): Promise<{ written: number; error?: unknown }> {
  let written = 0;
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback): void {
      written += chunk.length;
      callback();
    },
  });
  try {
    await pipeline(Readable.from(chunks), createCheckedEntryStream(budget, expectedCrc), sink);
    return { written };
  } catch (error) {
    return { written, error };
  }
}

describe('createCheckedEntryStream', () => {
  it('passes data through and counts it against the budget', async () => {
    const data = [Buffer.from('hello '), Buffer.from('world')];
    const budget = new ByteBudget(100);
    expect(await run(data, budget, crc32(Buffer.concat(data)))).toEqual({ written: 11 });
    expect(budget.used).toBe(11);
  });

  it('aborts past the limit before the offending chunk reaches the sink, whatever the headers said', async () => {
    const chunk = Buffer.alloc(400);
    const budget = new ByteBudget(1000);
    const { written, error } = await run([chunk, chunk, chunk, chunk], budget, 0);
    expect(written).toBe(800);
    expect(error).toMatchObject({
      code: 'InvalidParameterValueException',
      message: 'Unzipped size must be smaller than 1000 bytes',
    });
  });

  it('shares one budget across entries', async () => {
    const budget = new ByteBudget(1000);
    const chunk = Buffer.alloc(600);
    expect((await run([chunk], budget, crc32(chunk))).error).toBeUndefined();
    expect((await run([chunk], budget, crc32(chunk))).error).toMatchObject({
      message: 'Unzipped size must be smaller than 1000 bytes',
    });
  });

  it('accepts exactly the limit', async () => {
    const chunk = Buffer.alloc(1000, 1);
    expect((await run([chunk], new ByteBudget(1000), crc32(chunk))).error).toBeUndefined();
  });

  it('refuses data whose CRC-32 differs from the declared one', async () => {
    const { error } = await run([Buffer.from('hello')], new ByteBudget(100), crc32('jello'));
    expect(error).toMatchObject({
      code: 'InvalidParameterValueException',
      message: 'Could not unzip uploaded file. Please check your file, then try to upload again.',
    });
  });
});
