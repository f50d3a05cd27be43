import { createServer, type IncomingHttpHeaders, type IncomingMessage, type OutgoingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { Agent, errors } from 'undici';
import { ERROR_CODES, LambdaError, type ErrorCode } from '../shared/errors.js';

export interface SandboxEndpointProxyOptions {
  /** The endpoints for sandboxes of the live api processes, as they publish them: the only places it forwards to. */
  listTargets: () => Promise<readonly string[]>;
  /** How long one read of that list serves before a request reads it again (an api that came or left). */
  targetsTtlMs?: number;
  /** How long an api that could not be reached is passed over while another one is live. */
  failedMs?: number;
  /** An api that could not be reached, or a read of the list that failed (the request is answered meanwhile). */
  onError?: (error: unknown) => void;
  now?: () => number;
}

/**
 * Hop-by-hop headers (RFC 9110 §7.6.1) concern one connection, not the request: they are not forwarded
 * (undici refuses most of them), and no SigV4 signer signs them. `expect` is answered here (Node sends
 * the 100 Continue itself).
 */
const HOP_BY_HOP: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'expect',
]);

const DEFAULT_TARGETS_TTL_MS = 2_000;
const DEFAULT_FAILED_MS = 10_000;

/**
 * A worker's endpoint for its sandboxes (their AWS_ENDPOINT_URL) in split roles: a transparent HTTP proxy
 * to an api process's endpoint for sandboxes. The request goes on as it came (method, path and query,
 * headers with Host, body), so the api checks the caller's signature and decides; the answer streams
 * back as the api gave it (an SQS long poll, a synchronous Invoke of minutes). It authenticates nobody
 * itself, and reaches nothing but the published api URLs: the request's target is only ever a path.
 */
export class SandboxEndpointProxy {
  readonly server: Server;
  private readonly agent: Agent;
  private readonly targetsTtlMs: number;
  private readonly failedMs: number;
  private readonly now: () => number;
  private targets: { urls: readonly string[]; readAt: number } | undefined;
  private reading: Promise<readonly string[]> | undefined;
  private current: string | undefined;
  private readonly failedAt = new Map<string, number>();

  constructor(private readonly options: SandboxEndpointProxyOptions) {
    this.targetsTtlMs = options.targetsTtlMs ?? DEFAULT_TARGETS_TTL_MS;
    this.failedMs = options.failedMs ?? DEFAULT_FAILED_MS;
    this.now = options.now ?? Date.now;
    // No deadline on the api's answer: a synchronous Invoke lasts up to its function's timeout (15
    // minutes), and the caller's own SDK bounds its wait (its going away aborts the forward).
    this.agent = new Agent({ headersTimeout: 0, bodyTimeout: 0, connect: { timeout: 5_000 } });
    this.server = createServer((req, res) => {
      this.forward(req, res).catch((error: unknown) => {
        this.options.onError?.(error);
        res.destroy();
      });
    });
  }

  /** Listens on `host:port`; rejects when the port is taken (the caller tries another). */
  listen(host: string, port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const onError = (error: Error) => reject(error);
      this.server.once('error', onError);
      this.server.listen(port, host, () => {
        this.server.off('error', onError);
        resolve();
      });
    });
  }

  /** Stops taking requests and cuts those under way (their sandboxes are gone by then). */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
    await this.agent.destroy();
  }

  private async forward(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = req.url ?? '';
    // An absolute-form target (`GET http://elsewhere/`) would make this a proxy to anywhere.
    if (!path.startsWith('/')) return sendError(res, 'InvalidRequestContentException', 400, 'The request target must be a path.');
    const controller = new AbortController();
    // The sandbox that went away (or timed out) takes its forward with it.
    res.on('close', () => {
      if (!res.writableFinished) controller.abort();
    });
    const target = await this.pickTarget();
    if (target === undefined) return sendError(res, 'ServiceException', 503, 'No lambdock api is reachable from this worker.');
    let upstream: Awaited<ReturnType<Agent['request']>>;
    try {
      upstream = await this.agent.request({
        origin: target,
        path,
        method: req.method ?? 'GET',
        headers: getForwardedHeaders(req.rawHeaders),
        body: hasBody(req.headers) ? req : null,
        signal: controller.signal,
      });
    } catch (error) {
      if (controller.signal.aborted) return;
      if (error instanceof errors.InvalidArgumentError || error instanceof errors.NotSupportedError) {
        return sendError(res, 'InvalidRequestContentException', 400, `The request cannot be forwarded: ${error.message}`);
      }
      this.markFailed(target);
      this.options.onError?.(error);
      return sendError(res, 'ServiceException', 503, 'No lambdock api is reachable from this worker.');
    }
    res.writeHead(upstream.statusCode, getAnswerHeaders(upstream.headers));
    try {
      await pipeline(upstream.body, res);
    } catch {
      // The sandbox left, or the api broke off mid-answer: the pipeline has destroyed both ends.
    }
  }

  /** The api in use while it stays live and reachable; another live one (at random) otherwise. */
  private async pickTarget(): Promise<string | undefined> {
    const urls = await this.loadTargets();
    const since = this.now() - this.failedMs;
    const reachable = urls.filter((url) => (this.failedAt.get(url) ?? Number.NEGATIVE_INFINITY) < since);
    // Every api failed lately: try one again rather than refuse (it may be back).
    const candidates = reachable.length > 0 ? reachable : urls;
    if (this.current === undefined || !candidates.includes(this.current)) {
      this.current = candidates[Math.floor(Math.random() * candidates.length)];
    }
    return this.current;
  }

  private async loadTargets(): Promise<readonly string[]> {
    if (this.targets !== undefined && this.now() - this.targets.readAt < this.targetsTtlMs) return this.targets.urls;
    this.reading ??= this.options
      .listTargets()
      .then((urls) => {
        const origins = urls.flatMap((url) => getOrigin(url) ?? []);
        this.targets = { urls: origins, readAt: this.now() };
        return origins;
      })
      .catch((error: unknown) => {
        // Redis did not answer: the last list read is still the best guess.
        this.options.onError?.(error);
        return this.targets?.urls ?? [];
      })
      .finally(() => {
        this.reading = undefined;
      });
    return this.reading;
  }

  private markFailed(target: string): void {
    this.failedAt.set(target, this.now());
    this.current = undefined;
    this.targets = undefined;
  }
}

/** `http://host:port` of a published URL; nothing for what is not an http URL. */
function getOrigin(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.origin : undefined;
  } catch {
    return undefined;
  }
}

/** The request's headers as they came (names, case, order, repeats), less the hop-by-hop ones. */
export function getForwardedHeaders(rawHeaders: readonly string[]): string[] {
  const named = new Set(HOP_BY_HOP);
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if (rawHeaders[i]?.toLowerCase() !== 'connection') continue;
    for (const token of (rawHeaders[i + 1] ?? '').split(',')) named.add(token.trim().toLowerCase());
  }
  const forwarded: string[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] as string;
    if (!named.has(name.toLowerCase())) forwarded.push(name, rawHeaders[i + 1] as string);
  }
  return forwarded;
}

function getAnswerHeaders(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const connectionNamed = String(headers.connection ?? '')
    .split(',')
    .map((token) => token.trim().toLowerCase());
  return Object.fromEntries(
    Object.entries(headers).filter(([name, value]) => value !== undefined && !HOP_BY_HOP.has(name) && !connectionNamed.includes(name)),
  ) as OutgoingHttpHeaders;
}

const hasBody = (headers: IncomingHttpHeaders): boolean => headers['content-length'] !== undefined || headers['transfer-encoding'] !== undefined;

/** An answer of this endpoint's own, in the Lambda API's error shape (`X-Amzn-ErrorType`, the message field AWS uses). */
function sendError(res: ServerResponse, code: ErrorCode, status: number, message: string): void {
  const error = new LambdaError(code, message);
  const body = JSON.stringify({ Type: error.type, [ERROR_CODES[code].messageField]: message });
  res.writeHead(status, { 'content-type': 'application/json', 'x-amzn-errortype': code, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
