/**
 * The Lambda Extensions API as pure state: each registered extension's lifecycle, and the checks AWS makes
 * on a registration. The Runtime API server (runtime-api-server.ts) holds the HTTP connections and feeds
 * requests in here; nothing here does I/O.
 *
 *   Registered ──next──▶ Idle ──event──▶ Pending ──next (or its parked next)──▶ Processing ──next──▶ Idle
 *   Registered ──init/error──▶ Failed(init)        any but Failed ──exit/error──▶ Failed(exit)
 *
 * An extension is *settled* when it is Idle or Failed: an invocation (and init) is over only once the
 * runtime and every extension are settled (AWS: extensions may keep working after the response).
 * Names and codes are AWS's (the Runtime Interface Emulator's `rapi/handler`, `core/registrations.go`).
 */

export const EXTENSION_EVENT_TYPES = ['INVOKE', 'SHUTDOWN'] as const;
export type ExtensionEventType = (typeof EXTENSION_EVENT_TYPES)[number];

/** AWS's reasons, lower case on the wire (RIE: `"spindown"`). */
export type ShutdownReason = 'spindown' | 'timeout' | 'failure';

export type ExtensionEvent =
  | {
      eventType: 'INVOKE';
      deadlineMs: number;
      requestId: string;
      invokedFunctionArn: string;
      tracing: { type: 'X-Amzn-Trace-Id'; value: string };
    }
  | { eventType: 'SHUTDOWN'; shutdownReason: ShutdownReason; deadlineMs: number };

export type ExtensionState =
  /** Registered during init; has not asked for an event yet. */
  | { kind: 'Registered' }
  /** Waiting on `event/next`. */
  | { kind: 'Idle' }
  /** An event is waiting to be collected (its `next` connection was gone when it came). */
  | { kind: 'Pending'; event: ExtensionEvent }
  /** Has collected `event` and works on it until it asks for the next one. */
  | { kind: 'Processing'; event: ExtensionEvent }
  | { kind: 'Failed'; phase: 'init' | 'exit'; errorType: string };

export type ExtensionInput =
  | { type: 'Next' }
  | { type: 'Event'; event: ExtensionEvent }
  | { type: 'InitError'; errorType: string }
  | { type: 'ExitError'; errorType: string };

export interface ExtensionApiError {
  errorType: string;
  errorMessage: string;
}

export type ExtensionStep =
  /** `deliver`: answer the extension's `next` with this event now; `park`: hold its `next` open. */
  | { ok: true; next: ExtensionState; deliver?: ExtensionEvent; park?: true }
  | { ok: false; error: ExtensionApiError };

/** AWS's name of a state, as its 403 messages give it. */
const STATE_NAMES: Record<ExtensionState['kind'], string> = {
  Registered: 'Registered',
  Idle: 'Ready',
  Pending: 'Ready',
  Processing: 'Running',
  Failed: 'ExitError',
};
const TARGET_NAMES: Record<ExtensionInput['type'], string> = {
  Next: 'Ready',
  Event: 'Running',
  InitError: 'InitError',
  ExitError: 'ExitError',
};

function refuse(state: ExtensionState, input: ExtensionInput, name: string): ExtensionStep {
  const from = state.kind === 'Failed' && state.phase === 'init' ? 'InitError' : STATE_NAMES[state.kind];
  return {
    ok: false,
    error: {
      errorType: 'Extension.InvalidExtensionState',
      errorMessage: `State transition from ${from} to ${TARGET_NAMES[input.type]} failed for extension ${name}. Error: State transition is not allowed`,
    },
  };
}

/** One extension's next state (pure). `name` only words the refusal. */
export function stepExtension(state: ExtensionState, input: ExtensionInput, name: string): ExtensionStep {
  if (state.kind === 'Failed') return refuse(state, input, name);
  switch (input.type) {
    case 'Next':
      if (state.kind === 'Pending') return { ok: true, next: { kind: 'Processing', event: state.event }, deliver: state.event };
      return { ok: true, next: { kind: 'Idle' }, park: true };
    case 'Event':
      // An event that comes while one is being worked on (a shutdown mid-invocation) replaces it.
      return { ok: true, next: { kind: 'Pending', event: input.event } };
    case 'InitError':
      if (state.kind !== 'Registered') return refuse(state, input, name);
      return { ok: true, next: { kind: 'Failed', phase: 'init', errorType: input.errorType } };
    case 'ExitError':
      return { ok: true, next: { kind: 'Failed', phase: 'exit', errorType: input.errorType } };
  }
}

export function isSettled(state: ExtensionState): boolean {
  return state.kind === 'Idle' || state.kind === 'Failed';
}

export interface Extension {
  id: string;
  name: string;
  events: readonly ExtensionEventType[];
  /** Launched by Lambda from /opt/extensions (else internal: started by the runtime process itself). */
  external: boolean;
  state: ExtensionState;
}

/** AWS: `MaxAgentsAllowed`. */
export const MAX_EXTENSIONS = 10;

export interface RegistrationContext {
  /** Registered so far (this run of the runtime). */
  extensions: readonly Extension[];
  /** The runtime has asked for its first invocation: internal registration is closed (AWS). */
  runtimeStarted: boolean;
  /** Init is over: no registration at all. */
  initDone: boolean;
  /**
   * File names in /opt/extensions, when lambdock knows them. Unknown (undefined): any name may be an
   * external extension, so every registration is treated as one.
   */
  externalNames: readonly string[] | undefined;
}

export type RegistrationCheck = { ok: true; events: ExtensionEventType[]; external: boolean } | { ok: false; error: ExtensionApiError };

const fail = (errorType: string, errorMessage: string): RegistrationCheck => ({ ok: false, error: { errorType, errorMessage } });

/** Parses a register body: `{"events":[…]}` (null or missing events: none). */
export function parseRegisterBody(body: string): { ok: true; events: unknown[] } | { ok: false; error: ExtensionApiError } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body === '' ? '{}' : body);
  } catch (error) {
    return { ok: false, error: { errorType: 'InvalidRequestFormat', errorMessage: (error as Error).message } };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return { ok: false, error: { errorType: 'InvalidRequestFormat', errorMessage: 'The request body must be a JSON object' } };
  }
  const record = parsed as { events?: unknown; configurationKeys?: unknown };
  if (Array.isArray(record.configurationKeys) && record.configurationKeys.length > 0) {
    return { ok: false, error: { errorType: 'InvalidRequestFormat', errorMessage: 'configurationKeys are deprecated; use environment variables instead' } };
  }
  if (record.events === undefined || record.events === null) return { ok: true, events: [] };
  if (!Array.isArray(record.events)) {
    return { ok: false, error: { errorType: 'InvalidRequestFormat', errorMessage: 'events must be a list' } };
  }
  return { ok: true, events: record.events };
}

/** AWS's checks on `POST /extension/register`, in its order. */
export function checkRegistration(name: string, events: readonly unknown[], ctx: RegistrationContext): RegistrationCheck {
  if (name === '') return fail('Extension.InvalidExtensionName', 'Empty extension name');
  const external = ctx.externalNames === undefined || ctx.externalNames.includes(name);
  const valid: ExtensionEventType[] = [];
  for (const event of events) {
    if (!EXTENSION_EVENT_TYPES.includes(event as ExtensionEventType)) {
      return fail('Extension.InvalidEventType', `${String(event)}: ErrorInvalidEventType`);
    }
    if (event === 'SHUTDOWN' && !external) {
      return fail('Extension.InvalidEventType', 'SHUTDOWN: ShutdownEventNotSupportedForInternalExtension');
    }
    if (!valid.includes(event as ExtensionEventType)) valid.push(event as ExtensionEventType);
  }
  const registrationOpen = !ctx.initDone && (!ctx.runtimeStarted || (external && ctx.externalNames !== undefined));
  if (!registrationOpen) return fail('Extension.RegistrationClosed', 'Extension registration closed already');
  const same = ctx.extensions.find((e) => e.name === name);
  if (same !== undefined) {
    return fail(
      'Extension.InvalidExtensionState',
      same.external
        ? `State transition from Registered to Registered failed for extension ${name}. Error: State transition is not allowed`
        : 'Extension with this name already registered',
    );
  }
  if (ctx.extensions.length >= MAX_EXTENSIONS) return fail('Extension.TooManyExtensions', `Extension limit (${MAX_EXTENSIONS}) reached`);
  return { ok: true, events: valid, external };
}

/** Every external extension lambdock launched has registered (unknown: nothing to wait for). */
export function allExternalRegistered(extensions: readonly Extension[], externalNames: readonly string[] | undefined): boolean {
  return (externalNames ?? []).every((name) => extensions.some((e) => e.name === name));
}

/**
 * AWS's shutdown limits (runtimes-extensions-api): 300 ms with no extension (lambdock then removes at
 * once: nothing listens), 500 ms with internal extensions only, 2,000 ms with an external one.
 */
export function shutdownGraceMs(extensions: readonly Extension[]): number {
  if (extensions.length === 0) return 0;
  return extensions.some((e) => e.external) ? 2000 : 500;
}

/** The INVOKE event of an invocation, as extensions get it. */
export function invokeEvent(inv: { requestId: string; deadlineMs: number; invokedFunctionArn: string; traceId?: string }): ExtensionEvent {
  return {
    eventType: 'INVOKE',
    deadlineMs: inv.deadlineMs,
    requestId: inv.requestId,
    invokedFunctionArn: inv.invokedFunctionArn,
    tracing: { type: 'X-Amzn-Trace-Id', value: inv.traceId ?? '' },
  };
}
