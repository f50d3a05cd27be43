import type { OutputStream } from '../docker/container-driver.js';

/** Where a function's log lines go (one call per line, without the newline). */
export type LogSink = (line: string) => void;

export const TAIL_BYTES = 4096;
const QUIET_MS = 10;
const MAX_FLUSH_WAIT_MS = 150;

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

/**
 * Splits a sandbox's output into lines, frames each invocation with START/END/REPORT and keeps the
 * current invocation's lines for `X-Amz-Log-Type: Tail`. Output arrives from the engine on its own
 * channel, so it can trail the runtime's answer by a little: a tail waits for a short quiet spell.
 */
export class LogCollector {
  private partial: Record<OutputStream, string> = { stdout: '', stderr: '' };
  private tail: string[] | undefined;
  private lastOutputAt = 0;

  constructor(private readonly sink: LogSink) {}

  write(stream: OutputStream, chunk: Buffer): void {
    this.lastOutputAt = performance.now();
    const text = this.partial[stream] + chunk.toString('utf8');
    const lines = text.split('\n');
    this.partial[stream] = lines.pop() ?? '';
    for (const line of lines) this.emit(line);
  }

  /** Begins an invocation's log (and its tail, when asked for). */
  begin(requestId: string, version: string, keepTail: boolean): void {
    this.flushPartial();
    this.tail = keepTail ? [] : undefined;
    this.emit(`START RequestId: ${requestId} Version: ${version}`);
  }

  /** A line of lambdock's own about the invocation (e.g. the timeout notice). */
  note(line: string): void {
    this.emit(line);
  }

  /** Waits until the output has been quiet for a moment: what the runtime printed has then arrived. */
  async settle(): Promise<void> {
    const deadline = performance.now() + MAX_FLUSH_WAIT_MS;
    for (;;) {
      const quietFor = performance.now() - this.lastOutputAt;
      if (quietFor >= QUIET_MS || performance.now() >= deadline) break;
      await new Promise((resolve) => setTimeout(resolve, QUIET_MS - quietFor + 1));
    }
    this.flushPartial();
  }

  /** Ends the invocation's log; returns the last 4 KB of it when a tail was kept. */
  end(requestId: string, report: ReportFigures): string | undefined {
    this.emit(`END RequestId: ${requestId}`);
    this.emit(formatReport(requestId, report));
    const tail = this.tail;
    this.tail = undefined;
    if (tail === undefined) return undefined;
    const bytes = Buffer.from(tail.join('\n') + '\n', 'utf8');
    return bytes.subarray(Math.max(0, bytes.length - TAIL_BYTES)).toString('base64');
  }

  private flushPartial(): void {
    for (const stream of ['stdout', 'stderr'] as const) {
      if (this.partial[stream] !== '') {
        this.emit(this.partial[stream]);
        this.partial[stream] = '';
      }
    }
  }

  private emit(line: string): void {
    this.tail?.push(line);
    this.sink(line);
  }
}
