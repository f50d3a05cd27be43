import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  allExternalRegistered,
  checkRegistration,
  isSettled,
  parseRegisterBody,
  stepExtension,
  type Extension,
  type ExtensionEvent,
  type ExtensionInput,
  type ShutdownReason,
} from './extension-state.js';

export const EXTENSION_PREFIX = '/2020-01-01/extension/';

/** What extensions see of their function (`register`'s answer). */
export interface ExtensionMetadata {
  functionName: string;
  functionVersion: string;
  handler: string;
  accountId?: string;
}

/** What the extensions part needs of the Runtime API around it. */
export interface ExtensionsHost {
  metadata: ExtensionMetadata;
  /** File names in /opt/extensions, when known. */
  externalNames: readonly string[] | undefined;
  /** The runtime has asked for its first invocation. */
  runtimeStarted(): boolean;
  /** Init is over (the runtime and every extension asked for work). */
  initDone(): boolean;
  /** An extension settled (asked for its next event, or failed): the environment may be idle now. */
  settled(): void;
  /** An extension failed init (`init/error`, or `exit/error` during init). */
  initFailed(errorType: string, body: Buffer): void;
  readBody(req: IncomingMessage): Promise<Buffer | undefined>;
}

const JSON_HEADERS = { 'content-type': 'application/json' };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function send(res: ServerResponse, status: number, body: object, headers: Record<string, string> = {}): void {
  res.writeHead(status, { ...JSON_HEADERS, ...headers }).end(JSON.stringify(body));
}

/** AWS answers every refusal of the Extensions API with 403 and `{errorMessage, errorType}`. */
function forbid(res: ServerResponse, errorType: string, errorMessage: string): void {
  send(res, 403, { errorMessage, errorType });
}

/**
 * The Extensions API (`/2020-01-01/extension/…`) of one sandbox: registration, the `event/next` long
 * poll, `init/error` and `exit/error`. The extensions' states are extension-state.ts's; this class keeps
 * their parked connections and answers HTTP.
 */
export class ExtensionsApi {
  private extensions: Extension[] = [];
  private readonly parked = new Map<string, ServerResponse>();

  constructor(private readonly host: ExtensionsHost) {}

  get registered(): readonly Extension[] {
    return this.extensions;
  }

  /** Every extension is Idle or Failed, and every external one lambdock launched has registered. */
  get allSettled(): boolean {
    return this.extensions.every((e) => isSettled(e.state)) && allExternalRegistered(this.extensions, this.host.externalNames);
  }

  /** Hands an event to every extension registered for it; answers how many there were. */
  broadcast(event: ExtensionEvent): number {
    let count = 0;
    for (const extension of this.extensions) {
      if (!extension.events.includes(event.eventType) || extension.state.kind === 'Failed') continue;
      count += 1;
      this.apply(extension, { type: 'Event', event });
      const res = this.parked.get(extension.id);
      if (res !== undefined) {
        this.parked.delete(extension.id);
        this.apply(extension, { type: 'Next' }, res);
      }
    }
    return count;
  }

  /** SHUTDOWN to the extensions registered for it. */
  shutdown(reason: ShutdownReason, deadlineMs: number): number {
    return this.broadcast({ eventType: 'SHUTDOWN', shutdownReason: reason, deadlineMs });
  }

  /** A new run of the runtime starts over: no extension is registered. */
  reset(): void {
    for (const res of this.parked.values()) res.destroy();
    this.parked.clear();
    this.extensions = [];
  }

  handle(req: IncomingMessage, res: ServerResponse, path: string): void {
    if (req.method === 'POST' && path === 'register') return void this.register(req, res);
    if (req.method === 'GET' && path === 'event/next') return this.withExtension(req, res, (e) => this.next(req, res, e));
    if (req.method === 'POST' && (path === 'init/error' || path === 'exit/error')) {
      return this.withExtension(req, res, (e) => void this.reportError(req, res, e, path === 'init/error'));
    }
    req.resume();
    send(res, 404, { errorMessage: `No such resource: ${req.method} ${req.url}`, errorType: 'InvalidRequest' });
  }

  private async register(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const name = headerOf(req, 'lambda-extension-name');
    const raw = await this.host.readBody(req);
    if (raw === undefined) return;
    if (name === '') return forbid(res, 'Extension.InvalidExtensionName', 'Empty extension name');
    const body = parseRegisterBody(raw.toString('utf8'));
    if (!body.ok) return forbid(res, body.error.errorType, body.error.errorMessage);
    const check = checkRegistration(name, body.events, {
      extensions: this.extensions,
      runtimeStarted: this.host.runtimeStarted(),
      initDone: this.host.initDone(),
      externalNames: this.host.externalNames,
    });
    if (!check.ok) return forbid(res, check.error.errorType, check.error.errorMessage);
    const id = randomUUID();
    this.extensions.push({ id, name, events: check.events, external: check.external, state: { kind: 'Registered' } });
    const features = headerOf(req, 'lambda-extension-accept-feature').split(',').map((f) => f.trim());
    const { functionName, functionVersion, handler, accountId } = this.host.metadata;
    const answer: Record<string, string> = { functionName, functionVersion, handler };
    if (features.includes('accountId') && accountId !== undefined) answer.accountId = accountId;
    send(res, 200, answer, { 'lambda-extension-identifier': id });
  }

  /** AWS's checks of `Lambda-Extension-Identifier`, then the handler with the extension it names. */
  private withExtension(req: IncomingMessage, res: ServerResponse, then: (extension: Extension) => void): void {
    const id = headerOf(req, 'lambda-extension-identifier');
    const refuse = (errorType: string, errorMessage: string) => {
      req.resume();
      forbid(res, errorType, errorMessage);
    };
    if (id === '') return refuse('Extension.MissingExtensionIdentifier', 'Missing Lambda-Extension-Identifier header');
    if (!UUID.test(id)) return refuse('Extension.InvalidExtensionIdentifier', 'Invalid Lambda-Extension-Identifier');
    const extension = this.extensions.find((e) => e.id === id);
    if (extension === undefined) return refuse('Extension.UnknownExtensionIdentifier', `Unknown extension ${id}`);
    then(extension);
  }

  private next(req: IncomingMessage, res: ServerResponse, extension: Extension): void {
    req.resume();
    this.apply(extension, { type: 'Next' }, res);
  }

  private async reportError(req: IncomingMessage, res: ServerResponse, extension: Extension, init: boolean): Promise<void> {
    const errorType = headerOf(req, 'lambda-extension-function-error-type');
    const body = await this.host.readBody(req);
    if (body === undefined) return;
    if (errorType === '') return forbid(res, 'Extension.MissingHeader', 'Lambda-Extension-Function-Error-Type not found');
    const duringInit = !this.host.initDone();
    if (!this.apply(extension, init ? { type: 'InitError', errorType } : { type: 'ExitError', errorType }, res)) return;
    send(res, 202, { status: 'OK' });
    if (duringInit) {
      // AWS fails init with its own type; the extension's is in the message.
      const fatal = init ? 'Extension.InitError' : 'Extension.ExitError';
      const message = `Extension ${extension.name} reported ${errorType}`;
      this.host.initFailed(fatal, Buffer.from(JSON.stringify({ errorMessage: message, errorType: fatal })));
    }
  }

  /**
   * Feeds one input to an extension's state machine; `res` is its request (a refusal answers it; a
   * `next` is parked or answered with an event). Answers whether the step was allowed.
   */
  private apply(extension: Extension, input: ExtensionInput, res?: ServerResponse): boolean {
    const step = stepExtension(extension.state, input, extension.name);
    if (!step.ok) {
      if (res !== undefined) forbid(res, step.error.errorType, step.error.errorMessage);
      return false;
    }
    const wasSettled = isSettled(extension.state);
    extension.state = step.next;
    if (res !== undefined && step.deliver !== undefined) {
      send(res, 200, step.deliver, { 'lambda-extension-event-identifier': randomUUID() });
    } else if (res !== undefined && step.park) {
      this.parked.get(extension.id)?.destroy();
      this.parked.set(extension.id, res);
      res.on('close', () => {
        if (this.parked.get(extension.id) === res) this.parked.delete(extension.id);
      });
    }
    if (!wasSettled && isSettled(extension.state)) this.host.settled();
    return true;
  }
}

function headerOf(req: IncomingMessage, name: string): string {
  const value = req.headers[name];
  return (Array.isArray(value) ? value[0] : value)?.trim() ?? '';
}
