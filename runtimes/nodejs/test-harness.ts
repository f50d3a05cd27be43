// Test harness for the Node.js runtime: a fake Runtime API server (the lambdock side of the
// contract, reduced to what the tests need) and a launcher for `sh runtime/bootstrap`.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const BOOTSTRAP = fileURLToPath(new URL('./runtime/bootstrap', import.meta.url));
/** `<ISO time>\t<request id>\t<LEVEL>\t<message>`; the message may hold \r. */
export const LOG_LINE = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)\t([^\t]+)\t([A-Z]+)\t(.*)$/s;

export interface Posted {
  kind: 'response' | 'error' | 'init-error';
  requestId: string | undefined;
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
}

interface QueuedInvocation {
  id: string;
  body: string;
  headers: Record<string, string>;
}

/** The server side of the Runtime API, just enough of it: long-polled /next and the POSTs. */
export class FakeRuntimeApi {
  readonly posts: Posted[] = [];
  readonly servedAt = new Map<string, number>();
  nextCalls = 0;
  connections = 0;
  /** The status /invocation/{id}/response answers (413 = too large). */
  responseStatus: (requestId: string) => number = () => 202;
  private readonly queue: QueuedInvocation[] = [];
  private readonly waiting: ServerResponse[] = [];
  private readonly postWaiters: Array<{ match: (p: Posted) => boolean; resolve: (p: Posted) => void }> = [];

  private constructor(private readonly server: Server) {}

  static async start(): Promise<FakeRuntimeApi> {
    const server = createServer();
    const api = new FakeRuntimeApi(server);
    server.on('connection', () => api.connections++);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => api.route(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return api;
  }

  get address(): string {
    return `127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Queues an invocation and resolves with what the runtime posts for it. */
  invoke(event: unknown, headers: Record<string, string> = {}, rawBody?: string): Promise<Posted> {
    const id = randomUUID();
    this.queue.push({ id, body: rawBody ?? JSON.stringify(event), headers });
    this.dispatch();
    return this.waitForPost((p) => p.requestId === id);
  }

  waitForPost(match: (p: Posted) => boolean): Promise<Posted> {
    const found = this.posts.find(match);
    if (found) return Promise.resolve(found);
    return new Promise((resolve) => this.postWaiters.push({ match, resolve }));
  }

  postsFor(requestId: string): Posted[] {
    return this.posts.filter((p) => p.requestId === requestId);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private route(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = req.url ?? '';
      if (req.method === 'GET' && url === '/2018-06-01/runtime/invocation/next') {
        this.nextCalls++;
        this.waiting.push(res);
        this.dispatch();
        return;
      }
      const match = /^\/2018-06-01\/runtime\/(?:invocation\/([^/]+)\/(response|error)|init\/error)$/.exec(url);
      if (req.method !== 'POST' || !match) {
        res.writeHead(404).end();
        return;
      }
      const requestId = match[1] === undefined ? undefined : decodeURIComponent(match[1]);
      const kind = match[2] === 'response' ? 'response' : match[2] === 'error' ? 'error' : 'init-error';
      const status = kind === 'response' && requestId ? this.responseStatus(requestId) : 202;
      const posted: Posted = {
        kind,
        requestId,
        status,
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        at: Date.now(),
      };
      this.posts.push(posted);
      res.writeHead(status, { 'Content-Type': 'application/json' }).end(status === 202 ? '{"status":"OK"}' : '{}');
      for (const waiter of this.postWaiters.filter((w) => w.match(posted))) {
        this.postWaiters.splice(this.postWaiters.indexOf(waiter), 1);
        waiter.resolve(posted);
      }
    });
  }

  private dispatch(): void {
    while (this.queue.length > 0 && this.waiting.length > 0) {
      const invocation = this.queue.shift() as QueuedInvocation;
      const res = this.waiting.shift() as ServerResponse;
      this.servedAt.set(invocation.id, Date.now());
      res
        .writeHead(200, {
          'Content-Type': 'application/json',
          'Lambda-Runtime-Aws-Request-Id': invocation.id,
          'Lambda-Runtime-Deadline-Ms': String(Date.now() + 30_000),
          'Lambda-Runtime-Invoked-Function-Arn': 'arn:aws:lambda:us-east-1:000000000000:function:fn',
          ...invocation.headers,
        })
        .end(invocation.body);
    }
  }
}

export interface RuntimeProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM, then wait until every byte of output has been read. */
  stop(): Promise<void>;
}

export interface RuntimeOptions {
  files?: Record<string, string>;
  handler?: string;
  env?: Record<string, string>;
  runtimeApi?: string;
  /** The bootstrap script to start with sh (default: this runtime's). */
  bootstrap?: string;
}

const cleanups: Array<() => Promise<unknown>> = [];

export function registerCleanup(cleanup: () => Promise<unknown>): void {
  cleanups.push(cleanup);
}

/** Stops runtimes, closes servers and removes task roots, newest first (use in afterEach). */
export async function runCleanups(): Promise<void> {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
}

/** Writes `files` into a fresh LAMBDA_TASK_ROOT and starts `sh runtime/bootstrap` (or options.bootstrap) on it. */
export async function startRuntime(api: FakeRuntimeApi | undefined, options: RuntimeOptions): Promise<RuntimeProcess> {
  const taskRoot = await mkdtemp(path.join(tmpdir(), 'lambdock-nodejs-'));
  cleanups.push(() => rm(taskRoot, { recursive: true, force: true }));
  for (const [name, content] of Object.entries(options.files ?? {})) {
    await mkdir(path.dirname(path.join(taskRoot, name)), { recursive: true });
    await writeFile(path.join(taskRoot, name), content);
  }
  const child = spawn('sh', [options.bootstrap ?? BOOTSTRAP], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      AWS_LAMBDA_RUNTIME_API: options.runtimeApi ?? api?.address ?? '',
      _HANDLER: options.handler ?? 'index.handler',
      LAMBDA_TASK_ROOT: taskRoot,
      AWS_LAMBDA_FUNCTION_NAME: 'fn',
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '128',
      AWS_LAMBDA_LOG_GROUP_NAME: '/aws/lambda/fn',
      AWS_LAMBDA_LOG_STREAM_NAME: '2024/01/01/[$LATEST]0123456789abcdef',
      AWS_REGION: 'us-east-1',
      ...withTaskRoot(options.env ?? {}, taskRoot),
    },
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal })),
  );
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  cleanups.push(stop);
  return { child, stdout: () => stdout, stderr: () => stderr, exited, stop };
}

/** `__TASK_ROOT__` in an environment value is the task root's path (known only once it exists). */
function withTaskRoot(env: Record<string, string>, taskRoot: string): Record<string, string> {
  return Object.fromEntries(Object.entries(env).map(([name, value]) => [name, value.replaceAll('__TASK_ROOT__', taskRoot)]));
}

/** The [request id, level, message] of every stdout line; throws on a line of another shape. */
export function logLines(stdout: string): string[][] {
  return stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const match = LOG_LINE.exec(line);
      if (!match) throw new Error(`not a log line: ${JSON.stringify(line)}`);
      return match.slice(2);
    });
}

export const json = (posted: Posted): unknown => JSON.parse(posted.body);
