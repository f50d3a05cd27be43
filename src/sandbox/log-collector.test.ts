import { describe, expect, it } from 'vitest';
import { LogCollector, MAX_LINE_BYTES, TAIL_BYTES, formatInitReport, formatReport, type ReportFigures } from './log-collector.js';

const FIGURES: ReportFigures = { durationMs: 12.345, memorySizeMb: 128, maxMemoryUsedMb: 42, initDurationMs: undefined };

function collector(): { logs: LogCollector; lines: string[] } {
  const lines: string[] = [];
  return { logs: new LogCollector((line) => lines.push(line)), lines };
}

const text = (s: string) => Buffer.from(s, 'utf8');
const decode = (tail: string | undefined) => Buffer.from(tail ?? '', 'base64').toString('utf8');

describe('formatReport', () => {
  it('formats AWS\'s REPORT line with tabs, two decimals and a billed duration rounded up', () => {
    expect(formatReport('req-1', FIGURES)).toBe(
      'REPORT RequestId: req-1\tDuration: 12.35 ms\tBilled Duration: 13 ms\tMemory Size: 128 MB\tMax Memory Used: 42 MB',
    );
  });

  it('adds the Init Duration after a cold start', () => {
    expect(formatReport('req-1', { ...FIGURES, initDurationMs: 187.5 })).toBe(
      'REPORT RequestId: req-1\tDuration: 12.35 ms\tBilled Duration: 13 ms\tMemory Size: 128 MB\tMax Memory Used: 42 MB\tInit Duration: 187.50 ms',
    );
  });

  it('bills at least 1 ms, and exactly the duration when it is a whole number', () => {
    expect(formatReport('r', { ...FIGURES, durationMs: 0 })).toContain('\tBilled Duration: 1 ms\t');
    expect(formatReport('r', { ...FIGURES, durationMs: 0.2 })).toContain('\tBilled Duration: 1 ms\t');
    expect(formatReport('r', { ...FIGURES, durationMs: 100 })).toContain('Duration: 100.00 ms\tBilled Duration: 100 ms\t');
    expect(formatReport('r', { ...FIGURES, durationMs: 100.01 })).toContain('\tBilled Duration: 101 ms\t');
  });

  it('reports the memory size as the maximum used when the peak is unknown', () => {
    expect(formatReport('r', { ...FIGURES, memorySizeMb: 256, maxMemoryUsedMb: undefined })).toMatch(
      /\tMemory Size: 256 MB\tMax Memory Used: 256 MB$/,
    );
  });
});

describe('LogCollector: lines', () => {
  it('emits one line per newline, without the newline', () => {
    const { logs, lines } = collector();
    logs.write('stdout', text('one\ntwo\n'));
    expect(lines).toEqual(['one', 'two']);
  });

  it('joins a line split across chunks and holds an unfinished line', () => {
    const { logs, lines } = collector();
    logs.write('stdout', text('hel'));
    expect(lines).toEqual([]);
    logs.write('stdout', text('lo wor'));
    logs.write('stdout', text('ld\nnext'));
    expect(lines).toEqual(['hello world']);
  });

  it('keeps empty lines', () => {
    const { logs, lines } = collector();
    logs.write('stdout', text('a\n\nb\n'));
    expect(lines).toEqual(['a', '', 'b']);
  });

  it('keeps the partial lines of stdout and stderr apart', () => {
    const { logs, lines } = collector();
    logs.write('stdout', text('out-'));
    logs.write('stderr', text('err-'));
    logs.write('stderr', text('line\n'));
    logs.write('stdout', text('line\n'));
    expect(lines).toEqual(['err-line', 'out-line']);
  });

  it('keeps a multi-byte character that is split across chunks', () => {
    const { logs, lines } = collector();
    const bytes = text('café ✓\n');
    logs.write('stdout', bytes.subarray(0, 4)); // "caf" + first byte of "é"
    logs.write('stdout', bytes.subarray(4, 7)); // second byte of "é", " ", first byte of "✓"
    logs.write('stdout', bytes.subarray(7));
    expect(lines).toEqual(['café ✓']);
  });
});

const report = () => FIGURES;

describe('LogCollector: invocation framing', () => {
  it('frames an invocation with START, END and REPORT', async () => {
    const { logs, lines } = collector();
    logs.begin('req-1', '$LATEST', false);
    logs.write('stdout', text('hello\n'));
    await logs.end('req-1', report);
    expect(lines).toEqual(['START RequestId: req-1 Version: $LATEST', 'hello', 'END RequestId: req-1', formatReport('req-1', FIGURES)]);
  });

  it('puts a previous unfinished line before the START of the next invocation', () => {
    const { logs, lines } = collector();
    logs.write('stdout', text('no newline'));
    logs.begin('req-2', '$LATEST', false);
    expect(lines).toEqual(['no newline', 'START RequestId: req-2 Version: $LATEST']);
  });

  it("logs lambdock's own notes as lines of the invocation", async () => {
    const { logs, lines } = collector();
    logs.begin('req-1', '$LATEST', true);
    logs.note('2024-01-01T00:00:00.000Z req-1 Task timed out after 3.00 seconds');
    const tail = await logs.end('req-1', report);
    expect(lines[1]).toBe('2024-01-01T00:00:00.000Z req-1 Task timed out after 3.00 seconds');
    expect(decode(tail)).toContain('Task timed out after 3.00 seconds\nEND RequestId: req-1\n');
  });

  it('returns no tail unless one was asked for', async () => {
    const { logs } = collector();
    logs.begin('req-1', '$LATEST', false);
    logs.write('stdout', text('hello\n'));
    expect(await logs.end('req-1', report)).toBeUndefined();
  });

  it("returns the invocation's log as base64 when a tail was asked for", async () => {
    const { logs } = collector();
    logs.write('stdout', text('before the invocation\n'));
    logs.begin('req-1', '$LATEST', true);
    logs.write('stderr', text('warn\n'));
    logs.write('stdout', text('hello\n'));
    const tail = await logs.end('req-1', report);
    expect(tail).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(decode(tail)).toBe(
      `START RequestId: req-1 Version: $LATEST\nwarn\nhello\nEND RequestId: req-1\n${formatReport('req-1', FIGURES)}\n`,
    );
  });

  it('keeps only the last 4096 bytes of a long log in the tail', async () => {
    const { logs, lines } = collector();
    logs.begin('req-1', '$LATEST', true);
    for (let i = 0; i < 200; i += 1) logs.write('stdout', text(`line ${String(i).padStart(4, '0')} ${'x'.repeat(40)}\n`));
    const tail = await logs.end('req-1', report);
    const bytes = Buffer.from(tail ?? '', 'base64');
    expect(TAIL_BYTES).toBe(4096);
    expect(bytes.length).toBe(4096);
    const whole = Buffer.from(`${lines.join('\n')}\n`, 'utf8');
    expect(whole.length).toBeGreaterThan(4096);
    expect(bytes.equals(whole.subarray(whole.length - 4096))).toBe(true);
    expect(bytes.toString('utf8').endsWith(`${formatReport('req-1', FIGURES)}\n`)).toBe(true);
  });

  it('starts a fresh tail for each invocation', async () => {
    const { logs } = collector();
    logs.begin('req-1', '$LATEST', true);
    logs.write('stdout', text('first\n'));
    await logs.end('req-1', report);
    logs.begin('req-2', '$LATEST', true);
    logs.write('stdout', text('second\n'));
    const tail = decode(await logs.end('req-2', report));
    expect(tail).not.toContain('first');
    expect(tail.startsWith('START RequestId: req-2 Version: $LATEST\nsecond\n')).toBe(true);
  });

  it('ends a still-settling invocation before the next one starts, keeping each tail its own', async () => {
    const { logs, lines } = collector();
    logs.begin('req-1', '$LATEST', false);
    logs.write('stdout', text('first\n'));
    const first = logs.end('req-1', report);
    logs.begin('req-2', '$LATEST', true);
    logs.write('stdout', text('second\n'));
    expect(await first).toBeUndefined();
    const tail = decode(await logs.end('req-2', report));
    expect(tail.startsWith('START RequestId: req-2 Version: $LATEST\nsecond\nEND RequestId: req-2\n')).toBe(true);
    expect(lines.indexOf('END RequestId: req-1')).toBeLessThan(lines.indexOf('START RequestId: req-2 Version: $LATEST'));
  });

  it('reads the report figures when the invocation ends, not before', async () => {
    const { logs, lines } = collector();
    let peak: number | undefined;
    logs.begin('req-1', '$LATEST', false);
    const ended = logs.end('req-1', () => ({ ...FIGURES, maxMemoryUsedMb: peak }));
    peak = 77;
    await ended;
    expect(lines.at(-1)).toContain('Max Memory Used: 77 MB');
  });
});

describe('LogCollector: ending exactly, init output, statuses', () => {
  it('ends at once with the unfinished last line; later output is not the ended invocation\'s', async () => {
    const { logs, lines } = collector();
    logs.begin('req-1', '$LATEST', true);
    logs.write('stdout', text('first\nunfinished'));
    const ended = logs.end('req-1', report);
    logs.write('stdout', text('after the end\n'));
    const tail = decode(await ended);
    expect(tail).toBe(`START RequestId: req-1 Version: $LATEST\nfirst\nunfinished\nEND RequestId: req-1\n${formatReport('req-1', FIGURES)}\n`);
    expect(lines).toContain('after the end');
  });

  it('puts init output in the tail of the invocation that ran the init, before its START', async () => {
    const { logs } = collector();
    logs.startInit();
    logs.write('stdout', text('loading the module\n'));
    logs.begin('req-1', '$LATEST', true);
    logs.write('stdout', text('handling\n'));
    const tail = decode(await logs.end('req-1', report));
    expect(tail.startsWith('loading the module\nSTART RequestId: req-1 Version: $LATEST\nhandling\nEND RequestId: req-1\n')).toBe(true);
    logs.begin('req-2', '$LATEST', true);
    expect(decode(await logs.end('req-2', report))).not.toContain('loading');
  });

  it('formats INIT_REPORT for a failed init, and REPORT with Status and Error Type', () => {
    expect(formatInitReport(150.789, { status: 'error', errorType: 'Runtime.UserCodeSyntaxError' })).toBe(
      'INIT_REPORT Init Duration: 150.79 ms\tPhase: init\tStatus: error\tError Type: Runtime.UserCodeSyntaxError',
    );
    expect(formatInitReport(10000, { status: 'timeout' })).toBe('INIT_REPORT Init Duration: 10000.00 ms\tPhase: init\tStatus: timeout');
    expect(formatReport('r', { ...FIGURES, durationMs: 3000, status: { status: 'timeout' } })).toBe(
      'REPORT RequestId: r\tDuration: 3000.00 ms\tBilled Duration: 3000 ms\tMemory Size: 128 MB\tMax Memory Used: 42 MB\tStatus: timeout',
    );
    expect(formatReport('r', { ...FIGURES, initDurationMs: 5, status: { status: 'error', errorType: 'Runtime.OutOfMemory' } })).toBe(
      'REPORT RequestId: r\tDuration: 12.35 ms\tBilled Duration: 13 ms\tMemory Size: 128 MB\tMax Memory Used: 42 MB\tInit Duration: 5.00 ms\tStatus: error\tError Type: Runtime.OutOfMemory',
    );
  });
});

describe('LogCollector: output a function cannot use against lambdock', () => {
  it('cuts a line at 256 KB and handles megabytes without a newline in linear time', () => {
    const { logs, lines } = collector();
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    const started = performance.now();
    for (let i = 0; i < 16 * 32; i += 1) logs.write('stdout', chunk); // 32 MB, no newline
    expect(performance.now() - started).toBeLessThan(2000);
    // 128 pieces of 256 KB: the last one still waits for its newline (or the next invocation).
    expect(lines).toHaveLength(127);
    logs.begin('req-2', '$LATEST', false);
    expect(lines).toHaveLength(129);
    expect(lines.slice(0, 128).every((line) => line.length === MAX_LINE_BYTES)).toBe(true);
  });

  it('keeps only about the last 4 KB of lines for a tail, however much is printed', async () => {
    const { logs } = collector();
    logs.begin('req-1', '$LATEST', true);
    for (let i = 0; i < 100_000; i += 1) logs.write('stdout', text(`line ${i}\n`));
    const tail = decode(await logs.end('req-1', report));
    expect(Buffer.byteLength(tail)).toBeLessThanOrEqual(TAIL_BYTES);
    expect(tail).toContain('line 99999\nEND RequestId: req-1\n');
    expect(tail).not.toContain('line 1\n');
  });
});
