import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { shutdownGraceMs, invokeEvent, type ShutdownReason } from './extension-state.js';
import { EXTENSION_PREFIX, ExtensionsApi, type ExtensionMetadata } from './extensions-api.js';

/** An invocation as the runtime sees it through `GET …/invocation/next`. */
export interface RuntimeInvocation {
  requestId: string;
  payload: Buffer;
  deadlineMs: number;
  invokedFunctionArn: string;
  traceId?: string;
  /** The client context JSON (already decoded from the caller's base64). */
  clientContext?: string;
  cognitoIdentity?: string;
}

/** What the runtime did; the sandbox turns these into state-machine events. */
export interface RuntimeApiListener {
  /**
   * The environment waits for work: the runtime and every registered extension have asked for their next
   * event (the first time, init is over; after an invocation, it is over).
   */
  waiting(): void;
  responded(requestId: string, body: Buffer): void;
  errored(requestId: string, errorType: string, body: Buffer): void;
  responseTooLarge(requestId: string, size: number): void;
  initFailed(errorType: string, body: Buffer): void;
}

export interface RuntimeApiOptions {
  bindHost: string;
  /** Ports to take one from (the host firewall lets sandboxes reach these only); any free port without. */
  ports?: { first: number; last: number };
  /** Largest response or error body accepted (AWS: 6 MiB + 100 bytes). */
  maxPayloadBytes: number;
  listener: RuntimeApiListener;
  /** What `extension/register` answers; the file names in /opt/extensions when lambdock knows them. */
  extensions?: { metadata: ExtensionMetadata; externalNames?: readonly string[] };
}

/** What a shutdown asks of the sandbox: how long to give the runtime (SIGTERM) and extensions; 0: none listen. */
export interface ShutdownPlan {
  graceMs: number;
  /** Extensions that were sent SHUTDOWN. */
  notified: number;
}

/** What a sandbox needs of its Runtime API (RuntimeApiServer is the implementation). */
export interface RuntimeApi {
  listen(): Promise<number>;
  /** The only peer that may connect (the sandbox's address, known before its container starts). */
  allow(address: string): void;
  deliver(invocation: RuntimeInvocation): void;
  /** Sends SHUTDOWN to the extensions registered for it (AWS's grace applies when any extension is registered). */
  shutdown(reason: ShutdownReason): ShutdownPlan;
  reset(): void;
  close(): Promise<void>;
}

export type RuntimeApiFactory = (options: RuntimeApiOptions) => RuntimeApi;

const PREFIX = '/2018-06-01/runtime/';
const ERROR_TYPE = /^(Runtime|Function)\.[A-Z][a-zA-Z]+$/;
const JSON_HEADERS = { 'content-type': 'application/json' };
/** The Logs and Telemetry APIs lambdock does not have (yet): AWS's emulator answers these. */
const UNSUPPORTED_SUBSCRIPTIONS: Record<string, { errorMessage: string; errorType: string }> = {
  '/2020-08-15/logs': { errorMessage: 'Logs API is not supported', errorType: 'Logs.NotSupported' },
  '/2022-07-01/telemetry': { errorMessage: 'Telemetry API is not supported', errorType: 'Telemetry.NotSupported' },
};

/** AWS's sanitising of `Lambda-Runtime-Function-Error-Type`. */
export function sanitizeErrorType(value: string | undefined): string {
  if (value !== undefined && ERROR_TYPE.test(value)) return value;
  return value?.startsWith('Function.') ? 'Function.Unknown' : 'Runtime.Unknown';
}

function send(res: ServerResponse, status: number, body: object): void {
  res.writeHead(status, JSON_HEADERS).end(JSON.stringify(body));
}

function reject(res: ServerResponse, status: number, errorType: string, errorMessage: string): void {
  send(res, status, { errorMessage, errorType });
}

type Body = { kind: 'ok'; body: Buffer } | { kind: 'too-large'; size: number } | { kind: 'aborted' };

/** A runtime has this long to send a request body (no limit applies to waiting on `next`). */
const BODY_TIMEOUT_MS = 60_000;
/** Connections one sandbox may hold open (AWS's clients use one or two). */
const MAX_CONNECTIONS = 16;

/** Reads a body up to `limit` bytes; past it, reads on without keeping anything. Gives up after a while. */
function readBody(req: IncomingMessage, limit: number): Promise<Body> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (body: Body) => {
      clearTimeout(timer);
      resolve(body);
    };
    const timer = setTimeout(() => {
      req.destroy();
      finish({ kind: 'aborted' });
    }, BODY_TIMEOUT_MS);
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
      else chunks.length = 0;
    });
    req.on('end', () =>
      finish(size > limit ? { kind: 'too-large', size } : { kind: 'ok', body: Buffer.concat(chunks, size) }),
    );
    req.on('error', () => finish({ kind: 'aborted' }));
    req.on('close', () => finish({ kind: 'aborted' }));
  });
}

/** Tries on a port in use; past this many, the range is taken to be full. */
const PORT_ATTEMPTS = 64;

function isAddressInUse(error: unknown): boolean {
  return (error as NodeJS.ErrnoException).code === 'EADDRINUSE';
}

/**
 * The Lambda Runtime API of ONE sandbox, on a port of its own. It knows nothing of functions: it hands
 * the sandbox's current invocation to a waiting `next`, checks request ids, and reports what the runtime
 * does. Only the sandbox's own address may connect (`allow`, called before its container starts): every
 * other peer is cut off on connect, so strangers can neither take nor answer its invocations nor hold its
 * connection slots. No server-side timeouts: `next` must survive a frozen container.
 */
export class RuntimeApiServer implements RuntimeApi {
  private readonly server: http.Server;
  private waitingNext: ServerResponse | undefined;
  private queued: RuntimeInvocation | undefined;
  private current: { invocation: RuntimeInvocation; answered: boolean } | undefined;
  private readonly answered = new Set<string>();
  /** The runtime has asked for its first invocation (internal extensions can no longer register). */
  private initialized = false;
  private initErrorReceived = false;
  /** The runtime asked for its next invocation and has none: with every extension settled, the environment is idle. */
  private runtimeIdle = false;
  /** Init is over: the runtime and every extension have asked for work once. */
  private initDone = false;
  private readonly extensions: ExtensionsApi;
  private allowedAddress: string | undefined;

  constructor(private readonly options: RuntimeApiOptions) {
    this.extensions = new ExtensionsApi({
      metadata: options.extensions?.metadata ?? { functionName: '', functionVersion: '$LATEST', handler: '' },
      externalNames: options.extensions?.externalNames,
      runtimeStarted: () => this.initialized,
      initDone: () => this.initDone,
      settled: () => this.reportIfWaiting(),
      initFailed: (errorType, body) => options.listener.initFailed(errorType, body),
      readBody: async (req) => {
        const body = await readBody(req, options.maxPayloadBytes);
        return body.kind === 'aborted' ? undefined : body.kind === 'ok' ? body.body : Buffer.alloc(0);
      },
    });
    this.server = http.createServer((req, res) => this.handle(req, res));
    // Strangers are cut off on connect, before they can send anything; before `allow`, everyone is one.
    this.server.on('connection', (socket) => {
      const remote = socket.remoteAddress?.replace(/^::ffff:/, '');
      if (this.allowedAddress === undefined || remote !== this.allowedAddress) socket.destroy();
    });
    this.server.maxConnections = MAX_CONNECTIONS;
    this.server.keepAliveTimeout = 0;
    this.server.requestTimeout = 0;
    this.server.headersTimeout = 0;
    this.server.timeout = 0;
  }

  /** Listens on a free port (of the range, when there is one) and answers it. */
  async listen(): Promise<number> {
    const range = this.options.ports;
    for (let attempt = 1; ; attempt += 1) {
      const port = range === undefined ? 0 : range.first + Math.floor(Math.random() * (range.last - range.first + 1));
      try {
        await this.listenOn(port);
        return (this.server.address() as AddressInfo).port;
      } catch (error) {
        if (range === undefined || !isAddressInUse(error) || attempt >= PORT_ATTEMPTS) throw error;
      }
    }
  }

  private listenOn(port: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const onError = (error: Error) => reject(error);
      this.server.once('error', onError);
      this.server.listen(port, this.options.bindHost, () => {
        this.server.off('error', onError);
        resolve();
      });
    });
  }

  allow(address: string): void {
    this.allowedAddress = address.replace(/^::ffff:/, '');
  }

  /** Hands an invocation to the waiting `next`, or to the next one to come. */
  deliver(invocation: RuntimeInvocation): void {
    this.runtimeIdle = false;
    this.extensions.broadcast(invokeEvent(invocation));
    const res = this.waitingNext;
    if (res === undefined) {
      this.queued = invocation;
      return;
    }
    this.waitingNext = undefined;
    this.current = { invocation, answered: false };
    this.render(res, invocation);
  }

  /** Forgets the runtime: after a reset the next process starts over with init. */
  reset(): void {
    if (this.current !== undefined) this.answered.add(this.current.invocation.requestId);
    this.current = undefined;
    this.queued = undefined;
    this.initialized = false;
    this.initErrorReceived = false;
    this.runtimeIdle = false;
    this.initDone = false;
    this.extensions.reset();
    this.waitingNext?.destroy();
    this.waitingNext = undefined;
  }

  shutdown(reason: ShutdownReason): ShutdownPlan {
    const graceMs = shutdownGraceMs(this.extensions.registered);
    const notified = graceMs === 0 ? 0 : this.extensions.shutdown(reason, Date.now() + graceMs);
    return { graceMs, notified };
  }

  /** Tells the sandbox the environment is idle once the runtime and every extension wait for work. */
  private reportIfWaiting(): void {
    if (!this.runtimeIdle || !this.extensions.allSettled) return;
    this.initDone = true;
    this.options.listener.waiting();
  }

  async close(): Promise<void> {
    this.reset();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private render(res: ServerResponse, inv: RuntimeInvocation): void {
    const headers: Record<string, string | number> = {
      'content-type': 'application/json',
      'content-length': inv.payload.length,
      'lambda-runtime-aws-request-id': inv.requestId,
      'lambda-runtime-deadline-ms': inv.deadlineMs,
      'lambda-runtime-invoked-function-arn': inv.invokedFunctionArn,
    };
    if (inv.traceId !== undefined) headers['lambda-runtime-trace-id'] = inv.traceId;
    if (inv.clientContext !== undefined) headers['lambda-runtime-client-context'] = inv.clientContext;
    if (inv.cognitoIdentity !== undefined) headers['lambda-runtime-cognito-identity'] = inv.cognitoIdentity;
    res.writeHead(200, headers).end(inv.payload);
  }

  private isAllowed(req: IncomingMessage): boolean {
    const remote = req.socket.remoteAddress?.replace(/^::ffff:/, '');
    return remote !== undefined && remote === this.allowedAddress;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    if (!this.isAllowed(req)) {
      req.socket.destroy();
      return;
    }
    const url = req.url ?? '';
    if (req.method === 'GET' && url === '/2018-06-01/ping') return void res.writeHead(200).end('pong');
    if (url.startsWith(EXTENSION_PREFIX)) return this.extensions.handle(req, res, url.slice(EXTENSION_PREFIX.length));
    const unsupported = req.method === 'PUT' ? UNSUPPORTED_SUBSCRIPTIONS[url] : undefined;
    if (unsupported !== undefined) {
      // As the RIE: accepted, saying so, so that extensions that subscribe do not crash.
      req.resume();
      return send(res, 202, unsupported);
    }
    if (!url.startsWith(PREFIX)) return reject(res, 404, 'InvalidRequest', 'Not found');
    const path = url.slice(PREFIX.length);
    if (req.method === 'GET' && path === 'invocation/next') return this.next(req, res);
    if (req.method === 'POST' && path === 'init/error') return void this.initError(req, res);
    const match = /^invocation\/([^/]+)\/(response|error)$/.exec(path);
    if (req.method === 'POST' && match) {
      let requestId: string;
      try {
        requestId = decodeURIComponent(match[1] ?? '');
      } catch {
        req.resume();
        return reject(res, 400, 'InvalidRequestID', 'Invalid request ID');
      }
      return void this.answer(req, res, requestId, match[2] === 'error');
    }
    reject(res, 404, 'InvalidRequest', `No such resource: ${req.method} ${url}`);
  }

  private next(req: IncomingMessage, res: ServerResponse): void {
    req.resume();
    this.initialized = true;
    if (this.current !== undefined && !this.current.answered) {
      // RIE: a second `next` while running re-renders the current event.
      return this.render(res, this.current.invocation);
    }
    const queued = this.queued;
    if (queued !== undefined) {
      this.queued = undefined;
      this.current = { invocation: queued, answered: false };
      return this.render(res, queued);
    }
    this.waitingNext?.destroy();
    this.waitingNext = res;
    res.on('close', () => {
      if (this.waitingNext === res) this.waitingNext = undefined;
    });
    this.runtimeIdle = true;
    this.reportIfWaiting();
  }

  private async initError(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (this.initialized || this.initErrorReceived) {
      req.resume();
      return reject(res, 403, 'InvalidStateTransition', 'State transition from Ready to InitError failed for runtime.');
    }
    this.initErrorReceived = true;
    const body = await readBody(req, this.options.maxPayloadBytes);
    if (body.kind === 'aborted') {
      this.initErrorReceived = false;
      return;
    }
    send(res, 202, { status: 'OK' });
    const errorType = sanitizeErrorType(req.headers['lambda-runtime-function-error-type'] as string | undefined);
    this.options.listener.initFailed(errorType, body.kind === 'ok' ? body.body : Buffer.alloc(0));
  }

  private async answer(req: IncomingMessage, res: ServerResponse, requestId: string, isError: boolean): Promise<void> {
    const current = this.current;
    if (current === undefined || current.invocation.requestId !== requestId) {
      req.resume();
      if (this.answered.has(requestId) || current?.answered === true) {
        return reject(res, 403, 'InvalidStateTransition', 'State transition from ResponseSent failed for runtime. Error: already answered');
      }
      return reject(res, 400, 'InvalidRequestID', 'Invalid request ID');
    }
    if (current.answered) {
      req.resume();
      return reject(res, 403, 'InvalidStateTransition', 'State transition from ResponseSent failed for runtime. Error: already answered');
    }
    current.answered = true;
    const body = await readBody(req, this.options.maxPayloadBytes);
    const listener = this.options.listener;
    if (body.kind === 'aborted') {
      current.answered = false;
      return;
    }
    this.answered.add(requestId);
    if (this.answered.size > 64) this.answered.delete(this.answered.values().next().value as string);
    if (body.kind === 'too-large') {
      reject(res, 413, 'RequestEntityTooLarge', `Exceeded maximum allowed payload size (${this.options.maxPayloadBytes} bytes).`);
      return listener.responseTooLarge(requestId, body.size);
    }
    send(res, 202, { status: 'OK' });
    if (isError) {
      const errorType = sanitizeErrorType(req.headers['lambda-runtime-function-error-type'] as string | undefined);
      listener.errored(requestId, errorType, body.body);
    } else {
      listener.responded(requestId, body.body);
    }
  }
}
