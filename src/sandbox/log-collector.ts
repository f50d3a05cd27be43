import type { OutputStream } from '../docker/container-driver.js';

/** Where a function's log lines go (one call per line, without the newline). */
export type LogSink = (line: string) => void;

export const TAIL_BYTES = 4096;
/** Longer lines are cut, as CloudWatch cuts events at 256 KB; it also bounds what one line costs. */
export const MAX_LINE_BYTES = 256 * 1024;
const QUIET_MS = 10;
const MAX_SETTLE_MS = 150;

export interface ReportFigures {
  durationMs: number;
  memorySizeMb: number;
  maxMemoryUsedMb: number | undefined;
  initDurationMs: number | undefined;
}

/** `REPORT RequestId: …\tDuration: … ms\tBilled Duration: … ms\tMemory Size: … MB\tMax Memory Used: … MB[\tInit Duration: … ms]` */
export function formatReport(requestId: string, f: ReportFigures): string {
  const parts = [
    `REPORT RequestId: ${requestId}`,
    `Duration: ${f.durationMs.toFixed(2)} ms`,
    `Billed Duration: ${Math.max(1, Math.ceil(f.durationMs))} ms`,
    `Memory Size: ${f.memorySizeMb} MB`,
    `Max Memory Used: ${f.maxMemoryUsedMb ?? f.memorySizeMb} MB`,
  ];
  if (f.initDurationMs !== undefined) parts.push(`Init Duration: ${f.initDurationMs.toFixed(2)} ms`);
  return parts.join('\t');
}

interface Ending {
  requestId: string;
  report: () => ReportFigures;
  resolve: (tail: string | undefined) => void;
  timer: NodeJS.Timeout | undefined;
}

/**
 * Splits a sandbox's output into lines and frames each invocation with START … END, REPORT, keeping the
 * current invocation's lines for `X-Amz-Log-Type: Tail`. Output reaches lambdock on the engine's channel,
 * so it can trail the runtime's answer a little: an invocation ends once the output has been quiet for a
 * moment, or at once when the next invocation starts.
 */
export class LogCollector {
  /** The unfinished line of each stream, as raw bytes (a newline byte never occurs inside a UTF-8 character). */
  private readonly partial: Record<OutputStream, Buffer[]> = { stdout: [], stderr: [] };
  private readonly partialBytes: Record<OutputStream, number> = { stdout: 0, stderr: 0 };
  /** The current invocation's last lines, about TAIL_BYTES of them, when a tail was asked for. */
  private tail: { lines: string[]; bytes: number } | undefined;
  private ending: Ending | undefined;
  private lastOutputAt = 0;

  constructor(private readonly sink: LogSink) {}

  /** Takes output in any chunking; costs time linear in its size, however long the lines. */
  write(stream: OutputStream, chunk: Buffer): void {
    this.lastOutputAt = performance.now();
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

  /** Begins an invocation's log (and its tail, when asked for); ends the previous one first. */
  begin(requestId: string, version: string, keepTail: boolean): void {
    this.finishEnding();
    this.flushPartial();
    this.tail = keepTail ? { lines: [], bytes: 0 } : undefined;
    this.emit(`START RequestId: ${requestId} Version: ${version}`);
  }

  /** A line of lambdock's own about the invocation (e.g. the timeout notice). */
  note(line: string): void {
    this.emit(line);
  }

  /**
   * Ends the invocation once its output has settled and `ready` (e.g. reading the figures) is done:
   * writes END and REPORT (figures read then) and resolves with the last 4 KB of its log, base64, when
   * a tail was kept. The next `begin` ends it at once.
   */
  end(requestId: string, report: () => ReportFigures, ready: Promise<unknown> = Promise.resolve()): Promise<string | undefined> {
    this.finishEnding();
    return new Promise((resolve) => {
      const ending: Ending = { requestId, report, resolve, timer: undefined };
      this.ending = ending;
      const deadline = performance.now() + MAX_SETTLE_MS;
      const check = () => {
        if (this.ending !== ending) return;
        const quietFor = performance.now() - this.lastOutputAt;
        if (quietFor >= QUIET_MS || performance.now() >= deadline) return this.finishEnding();
        ending.timer = setTimeout(check, QUIET_MS - quietFor + 1);
      };
      void ready.catch(() => undefined).then(check);
    });
  }

  private finishEnding(): void {
    const ending = this.ending;
    if (ending === undefined) return;
    this.ending = undefined;
    clearTimeout(ending.timer);
    this.flushPartial();
    this.emit(`END RequestId: ${ending.requestId}`);
    this.emit(formatReport(ending.requestId, ending.report()));
    const tail = this.tail;
    this.tail = undefined;
    if (tail === undefined) return ending.resolve(undefined);
    const bytes = Buffer.from(`${tail.lines.join('\n')}\n`, 'utf8');
    ending.resolve(bytes.subarray(Math.max(0, bytes.length - TAIL_BYTES)).toString('base64'));
  }

  private flushPartial(): void {
    for (const stream of ['stdout', 'stderr'] as const) {
      if (this.partialBytes[stream] > 0) this.flushLine(stream);
    }
  }

  private emit(line: string): void {
    const tail = this.tail;
    if (tail !== undefined) {
      tail.lines.push(line);
      tail.bytes += Buffer.byteLength(line) + 1;
      // Keep just enough lines to cover the last TAIL_BYTES.
      while (tail.lines.length > 1 && tail.bytes - Buffer.byteLength(tail.lines[0] as string) - 1 >= TAIL_BYTES) {
        tail.bytes -= Buffer.byteLength(tail.lines.shift() as string) + 1;
      }
    }
    this.sink(line);
  }
}
