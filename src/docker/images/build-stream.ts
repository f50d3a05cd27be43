/**
 * Reading the newline-delimited JSON that the Engine API streams back from `/build` and
 * `/images/create` (pull). Both answer HTTP 200 and report failure inside the stream (`error`,
 * `errorDetail`), so the outcome must be read from the events, never from the status.
 */
export interface DockerStreamEvent {
  stream?: string;
  status?: string;
  progress?: string;
  id?: string;
  error?: string;
  errorDetail?: { message?: string; code?: number };
  aux?: { ID?: string };
}

export interface DockerStreamOutcome {
  /** Image id from the builder's `aux.ID` (or "Successfully built <id>"), when it reported one. */
  imageId: string | undefined;
  /** The first error the stream reported; undefined means success. */
  error: string | undefined;
  /** Last lines of human-readable output. */
  logTail: string[];
}

export const LOG_TAIL_LINES = 40;

export const emptyStreamOutcome = (): DockerStreamOutcome => ({ imageId: undefined, error: undefined, logTail: [] });

/** Splits stream chunks into events; a chunk may end mid-line. Non-JSON lines become `{ stream }`. */
export class DockerStreamSplitter {
  private rest = '';

  push(chunk: string): DockerStreamEvent[] {
    const lines = (this.rest + chunk).split('\n');
    this.rest = lines.pop() ?? '';
    return lines.flatMap(parseLine);
  }

  end(): DockerStreamEvent[] {
    const last = this.rest;
    this.rest = '';
    return parseLine(last);
  }
}

function parseLine(line: string): DockerStreamEvent[] {
  const trimmed = line.trim();
  if (trimmed === '') return [];
  try {
    const parsed: unknown = JSON.parse(trimmed);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return [parsed as DockerStreamEvent];
  } catch {
    // fall through: not JSON
  }
  return [{ stream: trimmed }];
}

/** Folds one event into the outcome (pure: returns a new outcome). */
export function reduceStreamEvent(outcome: DockerStreamOutcome, event: DockerStreamEvent): DockerStreamOutcome {
  const error = outcome.error ?? getEventError(event);
  // A full id from aux.ID is not replaced by the short one of "Successfully built" (the same image).
  let imageId = event.aux?.ID ?? outcome.imageId;
  const builtId = getSuccessfullyBuiltId(event.stream);
  const haveFullId = outcome.imageId?.startsWith('sha256:') === true;
  if (event.aux?.ID === undefined && builtId !== undefined && !haveFullId) imageId = builtId;
  const text = event.stream ?? (event.status === undefined ? undefined : [event.id, event.status].filter(Boolean).join(': '));
  const lines = (text ?? '').split('\n').map((line) => line.trimEnd()).filter((line) => line !== '');
  const logTail = lines.length === 0 ? outcome.logTail : [...outcome.logTail, ...lines].slice(-LOG_TAIL_LINES);
  return { imageId, error, logTail };
}

export function getStreamOutcome(events: readonly DockerStreamEvent[]): DockerStreamOutcome {
  return events.reduce(reduceStreamEvent, emptyStreamOutcome());
}

function getEventError(event: DockerStreamEvent): string | undefined {
  const message = event.errorDetail?.message ?? event.error;
  if (message !== undefined) return message.trim() === '' ? 'unknown error' : message.trim();
  return event.errorDetail === undefined ? undefined : 'unknown error';
}

function getSuccessfullyBuiltId(text: string | undefined): string | undefined {
  const match = text === undefined ? null : /Successfully built ([0-9a-f]{12,64})/.exec(text);
  return match?.[1];
}

/**
 * Reads a Docker progress stream to its end. Resolves with the outcome (check `error`); rejects only
 * when the connection itself fails. `onEvent` sees every event (progress logging, idle timers).
 */
export function followDockerStream(
  stream: NodeJS.ReadableStream,
  onEvent?: (event: DockerStreamEvent) => void,
): Promise<DockerStreamOutcome> {
  return new Promise((resolve, reject) => {
    const splitter = new DockerStreamSplitter();
    let outcome = emptyStreamOutcome();
    const take = (events: DockerStreamEvent[]): void => {
      for (const event of events) {
        outcome = reduceStreamEvent(outcome, event);
        onEvent?.(event);
      }
    };
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string | Buffer) => take(splitter.push(chunk.toString())));
    stream.on('error', reject);
    stream.on('end', () => {
      take(splitter.end());
      resolve(outcome);
    });
    // After 'end' this is a no-op; before it, the connection dropped (or was aborted) mid-stream.
    stream.on('close', () => reject(new Error('Docker closed the stream before it ended')));
  });
}
