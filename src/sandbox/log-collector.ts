import type { OutputStream } from '../docker/container-driver.js';

/** Where a function's log lines go (one call per line, without the newline). */
export type LogSink = (line: string) => void;

export const TAIL_BYTES = 4096;
/** Longer lines are cut, as CloudWatch cuts events at 256 KB; it also bounds what one line costs. */
export const MAX_LINE_BYTES = 256 * 1024;

export interface ReportFigures {
  durationMs: number;
  memorySizeMb: number;
  maxMemoryUsedMb: number | undefined;
  initDurationMs: number | undefined;
  /** AWS's newer REPORT fields for an invocation cut short: `Status: timeout`, `Status: error` + type. */
  status?: ReportStatus;
}

export type ReportStatus = { status: 'timeout' } | { status: 'error'; errorType: string };

function formatStatus(s: ReportStatus): string[] {
  return s.status === 'timeout' ? ['Status: timeout'] : ['Status: error', `Error Type: ${s.errorType}`];
}

/** `REPORT RequestId: …\tDuration: … ms\tBilled Duration: … ms\tMemory Size: … MB\tMax Memory Used: … MB[\tInit Duration: … ms][\tStatus: …]` */
export function formatReport(requestId: string, f: ReportFigures): string {
  const parts = [
    `REPORT RequestId: ${requestId}`,
    `Duration: ${f.durationMs.toFixed(2)} ms`,
    `Billed Duration: ${Math.max(1, Math.ceil(f.durationMs))} ms`,
    `Memory Size: ${f.memorySizeMb} MB`,
    `Max Memory Used: ${f.maxMemoryUsedMb ?? f.memorySizeMb} MB`,
  ];
  if (f.initDurationMs !== undefined) parts.push(`Init Duration: ${f.initDurationMs.toFixed(2)} ms`);
  if (f.status !== undefined) parts.push(...formatStatus(f.status));
  return parts.join('\t');
}

/** `INIT_REPORT Init Duration: … ms\tPhase: init\tStatus: error\tError Type: …`, for an init that failed. */
export function formatInitReport(initDurationMs: number, status: ReportStatus): string {
  return [`INIT_REPORT Init Duration: ${initDurationMs.toFixed(2)} ms`, 'Phase: init', ...formatStatus(status)].join('\t');
}

interface Tail {
  lines: string[];
  bytes: number;
}

interface Ending {
  requestId: string;
  report: () => ReportFigures;
  tail: Tail | undefined;
  resolve: (tail: string | undefined) => void;
}

/**
 * Splits a sandbox's output into lines and frames each invocation with START … END, REPORT, keeping the
 * current invocation's lines for `X-Amz-Log-Type: Tail`. The output comes from a pipe the runner drains
 * before it begins or ends an invocation, so an invocation holds exactly what its runtime wrote between
 * being handed the event and asking for the next one. Init output (between `startInit` and the first
 * `begin`) goes to the tail of the invocation that ran the init, before its START, as on AWS.
 */
export class LogCollector {
  /** The unfinished line of each stream, as raw bytes (a newline byte never occurs inside a UTF-8 character). */
  private readonly partial: Record<OutputStream, Buffer[]> = { stdout: [], stderr: [] };
  private readonly partialBytes: Record<OutputStream, number> = { stdout: 0, stderr: 0 };
  /** Where lines go for a tail: the current invocation's, or the init's (kept for the invocation that waits). */
  private tail: Tail | undefined;
  private initializing = false;
  private ending: Ending | undefined;

  constructor(private readonly sink: LogSink) {}

  /** Takes output in any chunking; costs time linear in its size, however long the lines. */
  write(stream: OutputStream, chunk: Buffer): void {
    let start = 0;
    for (let newline = chunk.indexOf(10); newline !== -1; newline = chunk.indexOf(10, start)) {
      this.append(stream, chunk.subarray(start, newline));
      this.flushLine(stream);
      start = newline + 1;
    }
    if (start < chunk.length) this.append(stream, chunk.subarray(start));
  }

  private append(stream: OutputStream, bytes: Buffer): void {
    let rest = bytes;
    while (this.partialBytes[stream] + rest.length > MAX_LINE_BYTES) {
      const room = MAX_LINE_BYTES - this.partialBytes[stream];
      this.partial[stream].push(rest.subarray(0, room));
      this.partialBytes[stream] += room;
      this.flushLine(stream);
      rest = rest.subarray(room);
    }
    if (rest.length === 0) return;
    this.partial[stream].push(rest);
    this.partialBytes[stream] += rest.length;
  }

  private flushLine(stream: OutputStream): void {
    const parts = this.partial[stream];
    const line = parts.length === 1 ? (parts[0] as Buffer).toString('utf8') : Buffer.concat(parts).toString('utf8');
    this.partial[stream] = [];
    this.partialBytes[stream] = 0;
    this.emit(line);
  }

  /** The runtime (re)starts: its init output is kept for the invocation that will run first. */
  startInit(): void {
    this.finishEnding();
    this.flushPartial();
    this.initializing = true;
    this.tail = { lines: [], bytes: 0 };
  }

  /** Begins an invocation's log (and its tail, when asked for, after any init output); ends the previous one first. */
  begin(requestId: string, version: string, keepTail: boolean): void {
    this.finishEnding();
    this.flushPartial();
    const init = this.initializing ? this.tail : undefined;
    this.initializing = false;
    this.tail = keepTail ? (init ?? { lines: [], bytes: 0 }) : undefined;
    this.emit(`START RequestId: ${requestId} Version: ${version}`);
  }

  /** A line of lambdock's own about the invocation (e.g. the timeout notice). */
  note(line: string): void {
    this.emit(line);
  }

  /**
   * Ends the invocation now: its unfinished lines and END go in at once (later output is not its own);
   * REPORT follows once `ready` (e.g. reading the figures) is done, or at once when the next invocation
   * begins. Resolves with the last 4 KB of its log, base64, when a tail was kept.
   */
  end(requestId: string, report: () => ReportFigures, ready: Promise<unknown> = Promise.resolve()): Promise<string | undefined> {
    this.finishEnding();
    this.flushPartial();
    this.emit(`END RequestId: ${requestId}`);
    const tail = this.tail;
    this.tail = undefined;
    this.initializing = false;
    return new Promise((resolve) => {
      const ending: Ending = { requestId, report, tail, resolve };
      this.ending = ending;
      void ready.catch(() => undefined).then(() => {
        if (this.ending === ending) this.finishEnding();
      });
    });
  }

  private finishEnding(): void {
    const ending = this.ending;
    if (ending === undefined) return;
    this.ending = undefined;
    const line = formatReport(ending.requestId, ending.report());
    this.sink(line);
    const tail = ending.tail;
    if (tail === undefined) return ending.resolve(undefined);
    keep(tail, line);
    const bytes = Buffer.from(`${tail.lines.join('\n')}\n`, 'utf8');
    ending.resolve(bytes.subarray(Math.max(0, bytes.length - TAIL_BYTES)).toString('base64'));
  }

  private flushPartial(): void {
    for (const stream of ['stdout', 'stderr'] as const) {
      if (this.partialBytes[stream] > 0) this.flushLine(stream);
    }
  }

  private emit(line: string): void {
    if (this.tail !== undefined) keep(this.tail, line);
    this.sink(line);
  }
}

/** Adds a line, keeping just enough lines to cover the last TAIL_BYTES. */
function keep(tail: Tail, line: string): void {
  tail.lines.push(line);
  tail.bytes += Buffer.byteLength(line) + 1;
  while (tail.lines.length > 1 && tail.bytes - Buffer.byteLength(tail.lines[0] as string) - 1 >= TAIL_BYTES) {
    tail.bytes -= Buffer.byteLength(tail.lines.shift() as string) + 1;
  }
}
