import { describe, expect, it } from 'vitest';
import type { OutputStream } from './container-driver.js';
import { FrameDemuxer } from './frame-demuxer.js';

/** One frame of Docker's multiplexed stream: type, 3 zero bytes, big-endian length, payload. */
function frame(type: number, payload: string | Buffer): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const header = Buffer.alloc(8);
  header[0] = type;
  header.writeUInt32BE(body.length, 4);
  return Buffer.concat([header, body]);
}

function demuxer() {
  const out: Array<[OutputStream, string]> = [];
  const d = new FrameDemuxer((stream, payload) => out.push([stream, payload.toString()]));
  return { d, out };
}

describe('FrameDemuxer', () => {
  it('passes a whole stdout frame through', () => {
    const { d, out } = demuxer();
    d.push(frame(1, 'hello\n'));
    expect(out).toEqual([['stdout', 'hello\n']]);
  });

  it('tells stderr (type 2) from stdout (type 1)', () => {
    const { d, out } = demuxer();
    d.push(Buffer.concat([frame(2, 'oops\n'), frame(1, 'fine\n')]));
    expect(out).toEqual([
      ['stderr', 'oops\n'],
      ['stdout', 'fine\n'],
    ]);
  });

  it('delivers several frames of one chunk in order', () => {
    const { d, out } = demuxer();
    d.push(Buffer.concat([frame(1, 'a'), frame(2, 'b'), frame(1, 'c')]));
    expect(out).toEqual([
      ['stdout', 'a'],
      ['stderr', 'b'],
      ['stdout', 'c'],
    ]);
  });

  it('waits for the rest of a frame whose payload is split across chunks', () => {
    const { d, out } = demuxer();
    const f = frame(1, 'split payload');
    d.push(f.subarray(0, 12));
    expect(out).toEqual([]);
    d.push(f.subarray(12));
    expect(out).toEqual([['stdout', 'split payload']]);
  });

  it('waits for the rest of a header split across chunks', () => {
    const { d, out } = demuxer();
    const f = frame(2, 'hdr');
    d.push(f.subarray(0, 3));
    d.push(f.subarray(3, 7));
    expect(out).toEqual([]);
    d.push(f.subarray(7));
    expect(out).toEqual([['stderr', 'hdr']]);
  });

  it('reassembles a stream fed one byte at a time', () => {
    const { d, out } = demuxer();
    const stream = Buffer.concat([frame(1, 'one'), frame(2, 'two'), frame(1, 'three')]);
    for (let i = 0; i < stream.length; i += 1) d.push(stream.subarray(i, i + 1));
    expect(out).toEqual([
      ['stdout', 'one'],
      ['stderr', 'two'],
      ['stdout', 'three'],
    ]);
  });

  it('handles a chunk that ends one frame and starts the next', () => {
    const { d, out } = demuxer();
    const stream = Buffer.concat([frame(1, 'first'), frame(2, 'second')]);
    d.push(stream.subarray(0, 20));
    expect(out).toEqual([['stdout', 'first']]);
    d.push(stream.subarray(20));
    expect(out).toEqual([
      ['stdout', 'first'],
      ['stderr', 'second'],
    ]);
  });

  it('skips zero-length frames without losing the frames around them', () => {
    const { d, out } = demuxer();
    d.push(Buffer.concat([frame(1, ''), frame(2, 'x'), frame(2, ''), frame(1, 'y')]));
    expect(out).toEqual([
      ['stderr', 'x'],
      ['stdout', 'y'],
    ]);
  });

  it('delivers payload bytes unchanged, including a large binary frame', () => {
    const payload = Buffer.alloc(70_000);
    for (let i = 0; i < payload.length; i += 1) payload[i] = i % 251;
    const got: Buffer[] = [];
    const d = new FrameDemuxer((_, p) => got.push(Buffer.from(p)));
    const f = frame(1, payload);
    d.push(f.subarray(0, 30_000));
    d.push(f.subarray(30_000));
    expect(got).toHaveLength(1);
    expect(got[0]?.equals(payload)).toBe(true);
  });

  it('keeps its own copy of an unfinished frame, so the caller may reuse its chunk buffer', () => {
    const { d, out } = demuxer();
    const stream = Buffer.concat([frame(1, 'done'), frame(2, 'pending')]);
    const chunk = Buffer.from(stream.subarray(0, stream.length - 3));
    d.push(chunk);
    chunk.fill(0);
    d.push(stream.subarray(stream.length - 3));
    expect(out).toEqual([
      ['stdout', 'done'],
      ['stderr', 'pending'],
    ]);
  });
});
