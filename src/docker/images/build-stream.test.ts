import { describe, expect, it } from 'vitest';
import { DockerStreamSplitter, getStreamOutcome, LOG_TAIL_LINES, type DockerStreamEvent } from './build-stream.js';

const lines = (...events: object[]): string => events.map((event) => `${JSON.stringify(event)}\r\n`).join('');

describe('Docker build stream', () => {
  it('reports the image id of a successful legacy build', () => {
    const outcome = getStreamOutcome([
      { stream: 'Step 1/2 : FROM scratch\n' },
      { stream: ' ---> Running in 5e0f\n' },
      { stream: 'Successfully built 0123456789ab\n' },
      { stream: 'Successfully tagged x:y\n' },
    ]);
    expect(outcome).toEqual({
      imageId: '0123456789ab',
      error: undefined,
      logTail: ['Step 1/2 : FROM scratch', ' ---> Running in 5e0f', 'Successfully built 0123456789ab', 'Successfully tagged x:y'],
    });
  });

  it('prefers aux.ID when the builder sends one', () => {
    expect(getStreamOutcome([{ aux: { ID: 'sha256:abc' } }, { stream: 'Successfully built 0123456789ab' }]).imageId).toBe(
      'sha256:abc',
    );
  });

  it('fails on errorDetail even though the HTTP status was 200', () => {
    const outcome = getStreamOutcome([
      { stream: 'Step 1/3 : FROM node:20-bookworm-slim\n' },
      { errorDetail: { message: 'pull access denied for node' }, error: 'pull access denied' },
    ]);
    expect(outcome.error).toBe('pull access denied for node');
    expect(outcome.imageId).toBeUndefined();
  });

  it('keeps the first error and still collects the output after it', () => {
    const outcome = getStreamOutcome([
      { stream: 'Step 2/3 : RUN false\n' },
      { errorDetail: { code: 1, message: "The command '/bin/sh -c false' returned a non-zero code: 1" } },
      { error: 'second' },
    ]);
    expect(outcome.error).toBe("The command '/bin/sh -c false' returned a non-zero code: 1");
  });

  it('treats a bare error field or an empty errorDetail as failure', () => {
    expect(getStreamOutcome([{ error: 'boom' }]).error).toBe('boom');
    expect(getStreamOutcome([{ errorDetail: {} }]).error).toBe('unknown error');
  });

  it('logs pull progress as "id: status" and bounds the log tail', () => {
    const events: DockerStreamEvent[] = Array.from({ length: LOG_TAIL_LINES + 5 }, (_, index) => ({ stream: `line ${index}` }));
    events.push({ id: 'abc', status: 'Downloading' });
    const outcome = getStreamOutcome(events);
    expect(outcome.logTail).toHaveLength(LOG_TAIL_LINES);
    expect(outcome.logTail.at(-1)).toBe('abc: Downloading');
  });
});

describe('DockerStreamSplitter', () => {
  it('joins an event split across chunks', () => {
    const text = lines({ stream: 'a' }, { errorDetail: { message: 'bad' } });
    const splitter = new DockerStreamSplitter();
    const events = [...splitter.push(text.slice(0, 7)), ...splitter.push(text.slice(7, 30)), ...splitter.push(text.slice(30))];
    expect([...events, ...splitter.end()]).toEqual([{ stream: 'a' }, { errorDetail: { message: 'bad' } }]);
  });

  it('parses a final line without a newline at the end', () => {
    const splitter = new DockerStreamSplitter();
    expect(splitter.push('{"stream":"x"}\n{"error":"late"}')).toEqual([{ stream: 'x' }]);
    expect(splitter.end()).toEqual([{ error: 'late' }]);
  });

  it('keeps non-JSON lines as plain output', () => {
    const splitter = new DockerStreamSplitter();
    expect(splitter.push('not json\n[1]\n\n')).toEqual([{ stream: 'not json' }, { stream: '[1]' }]);
  });
});
