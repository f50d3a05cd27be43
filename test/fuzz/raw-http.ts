import net from 'node:net';

/**
 * One HTTP/1.1 request written byte by byte on its own socket, so it can be anything a client could send:
 * any method or target, headers a client library would refuse, a Content-Length larger than the body.
 */
export interface RawRequest {
  method: string;
  /** The request target exactly as written on the request line (already %-encoded or not). */
  target: string;
  /** Written in order, as given; `Host` and `Connection: close` are added unless present. */
  headers: Array<[string, string]>;
  body: Buffer;
  /** Replaces the request line (`GET / HTTP/1.1`) when set: for garbage request lines and odd versions. */
  requestLine?: string;
  /** Writes `Content-Length` itself when set (e.g. larger than the body sent); else the body's length. */
  declaredLength?: number;
  /**
   * `wait`: send all, wait for the answer. `half-close`: send all, end our side, wait for an answer or the
   * server closing. `abort`: send all and destroy the socket at once (nothing is expected back).
   */
  ending: 'wait' | 'half-close' | 'abort';
}

export type Outcome =
  | { kind: 'answered'; status: number; headers: Record<string, string>; body: string }
  /** The server closed (or reset) the connection without an answer. */
  | { kind: 'closed' }
  /** Neither an answer nor a close within the timeout. */
  | { kind: 'hang' }
  /** We closed it ourselves (`ending: 'abort'`). */
  | { kind: 'aborted' };

export interface Target {
  host: string;
  port: number;
}

const MAX_BODY_KEPT = 2_048;

function serialize(target: Target, req: RawRequest): Buffer {
  const names = new Set(req.headers.map(([name]) => name.toLowerCase()));
  const lines = [req.requestLine ?? `${req.method} ${req.target} HTTP/1.1`];
  if (!names.has('host')) lines.push(`Host: ${target.host}:${target.port}`);
  if (!names.has('connection')) lines.push('Connection: close');
  if (!names.has('content-length') && !names.has('transfer-encoding') && (req.body.length > 0 || req.declaredLength !== undefined)) {
    lines.push(`Content-Length: ${req.declaredLength ?? req.body.length}`);
  }
  for (const [name, value] of req.headers) lines.push(`${name}: ${value}`);
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), req.body]);
}

/** Parses the (final) response head out of `data` once it is complete. */
function parseHead(data: Buffer, from = 0): { status: number; headers: Record<string, string>; bodyStart: number } | undefined {
  const end = data.indexOf('\r\n\r\n', from);
  if (end < 0) return undefined;
  const [statusLine = '', ...headerLines] = data.subarray(from, end).toString('latin1').split('\r\n');
  const status = Number(/^HTTP\/\d\.\d (\d{3})/.exec(statusLine)?.[1] ?? 0);
  // An interim answer (100 Continue) is not the answer.
  if (status >= 100 && status < 200) return parseHead(data, end + 4);
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status, headers, bodyStart: end + 4 };
}

/** Sends one raw request and tells what came back, within `timeoutMs` of the request being written. */
export function sendRaw(target: Target, req: RawRequest, timeoutMs: number): Promise<Outcome> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: target.host, port: target.port });
    const chunks: Buffer[] = [];
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const finish = (outcome: Outcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(outcome);
    };
    const answered = (): Outcome | undefined => {
      const data = Buffer.concat(chunks);
      const head = parseHead(data);
      if (head === undefined) return undefined;
      const body = data.subarray(head.bodyStart, head.bodyStart + MAX_BODY_KEPT).toString('utf8');
      return { kind: 'answered', status: head.status, headers: head.headers, body };
    };
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      const outcome = answered();
      // Keep reading a little of the body (for the report), but an answer's head is what counts.
      if (outcome !== undefined && (outcome.kind !== 'answered' || outcome.body.length >= MAX_BODY_KEPT)) finish(outcome);
    });
    const closed = () => finish(answered() ?? { kind: 'closed' });
    socket.on('end', closed);
    socket.on('close', closed);
    socket.on('error', closed);
    socket.on('connect', () => {
      socket.write(serialize(target, req), () => {
        if (req.ending === 'abort') return finish({ kind: 'aborted' });
        if (req.ending === 'half-close') socket.end();
      });
      timer = setTimeout(() => {
        const outcome = answered();
        finish(outcome ?? { kind: 'hang' });
      }, timeoutMs);
    });
  });
}
