import { StringDecoder } from 'node:string_decoder';
import type { OutputStream } from '../docker/container-driver.js';

/** Where a function's log lines go (one call per line, without the newline). */
export type LogSink = (line: string) => void;

export const TAIL_BYTES = 4096;
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
  private readonly decoders: Record<OutputStream, StringDecoder> = {
    stdout: new StringDecoder('utf8'),
    stderr: new StringDecoder('utf8'),
  };
  private readonly partial: Record<OutputStream, string> = { stdout: '', stderr: '' };
  private tail: string[] | undefined;
  private ending: Ending | undefined;
  private lastOutputAt = 0;

  constructor(private readonly sink: LogSink) {}

  write(stream: OutputStream, chunk: Buffer): void {
    this.lastOutputAt = performance.now();
    const lines = (this.partial[stream] + this.decoders[stream].write(chunk)).split('\n');
    this.partial[stream] = lines.pop() ?? '';
    for (const line of lines) this.emit(line);
  }

  /** Begins an invocation's log (and its tail, when asked for); ends the previous one first. */
  begin(requestId: string, version: string, keepTail: boolean): void {
    this.finishEnding();
    this.flushPartial();
    this.tail = keepTail ? [] : undefined;
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
    const bytes = Buffer.from(`${tail.join('\n')}\n`, 'utf8');
    ending.resolve(bytes.subarray(Math.max(0, bytes.length - TAIL_BYTES)).toString('base64'));
  }

  private flushPartial(): void {
    for (const stream of ['stdout', 'stderr'] as const) {
      const rest = this.partial[stream] + this.decoders[stream].end();
      this.partial[stream] = '';
      if (rest !== '') this.emit(rest);
    }
  }

  private emit(line: string): void {
    this.tail?.push(line);
    this.sink(line);
  }
}
