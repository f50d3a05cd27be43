import { describe, expect, it } from 'vitest';
import {
  allExternalRegistered,
  checkRegistration,
  invokeEvent,
  isSettled,
  parseRegisterBody,
  shutdownGraceMs,
  stepExtension,
  type Extension,
  type ExtensionEvent,
  type ExtensionInput,
  type ExtensionState,
  type RegistrationContext,
} from './extension-state.js';

const INVOKE = invokeEvent({ requestId: 'req-1', deadlineMs: 1000, invokedFunctionArn: 'arn:f', traceId: 'Root=1' });
const SHUTDOWN: ExtensionEvent = { eventType: 'SHUTDOWN', shutdownReason: 'spindown', deadlineMs: 2000 };

/** Runs inputs from `start`, collecting each step's state kind and what it asked the server to do. */
function run(start: ExtensionState, inputs: ExtensionInput[]) {
  let state = start;
  return inputs.map((input) => {
    const step = stepExtension(state, input, 'ext');
    if (!step.ok) return { refused: step.error.errorType };
    state = step.next;
    return { state: state.kind, ...(step.deliver ? { deliver: step.deliver.eventType } : {}), ...(step.park ? { park: true } : {}) };
  });
}

describe('an extension’s lifecycle', () => {
  it('registers, asks for work (init done), gets an INVOKE, works, asks again', () => {
    expect(
      run({ kind: 'Registered' }, [{ type: 'Next' }, { type: 'Event', event: INVOKE }, { type: 'Next' }, { type: 'Next' }]),
    ).toEqual([
      { state: 'Idle', park: true },
      { state: 'Pending' },
      { state: 'Processing', deliver: 'INVOKE' },
      { state: 'Idle', park: true },
    ]);
  });

  it('collects an event that came while it was not waiting on its next call', () => {
    expect(run({ kind: 'Registered' }, [{ type: 'Event', event: SHUTDOWN }, { type: 'Next' }])).toEqual([
      { state: 'Pending' },
      { state: 'Processing', deliver: 'SHUTDOWN' },
    ]);
  });

  it('gets SHUTDOWN in place of an INVOKE it is still working on', () => {
    const steps = run({ kind: 'Processing', event: INVOKE }, [{ type: 'Event', event: SHUTDOWN }, { type: 'Next' }]);
    expect(steps).toEqual([{ state: 'Pending' }, { state: 'Processing', deliver: 'SHUTDOWN' }]);
  });

  it('may report an init error only before it asked for work, and then nothing else', () => {
    expect(run({ kind: 'Registered' }, [{ type: 'InitError', errorType: 'Extension.Bad' }, { type: 'Next' }])).toEqual([
      { state: 'Failed' },
      { refused: 'Extension.InvalidExtensionState' },
    ]);
    expect(run({ kind: 'Idle' }, [{ type: 'InitError', errorType: 'Extension.Bad' }])).toEqual([{ refused: 'Extension.InvalidExtensionState' }]);
  });

  it('words a refused transition as AWS does', () => {
    const step = stepExtension({ kind: 'Idle' }, { type: 'InitError', errorType: 'X' }, 'my-ext');
    expect(step).toEqual({
      ok: false,
      error: {
        errorType: 'Extension.InvalidExtensionState',
        errorMessage: 'State transition from Ready to InitError failed for extension my-ext. Error: State transition is not allowed',
      },
    });
  });

  it('may report an exit error in any state but Failed', () => {
    for (const state of [{ kind: 'Registered' }, { kind: 'Idle' }, { kind: 'Processing', event: INVOKE }] as ExtensionState[]) {
      expect(run(state, [{ type: 'ExitError', errorType: 'Extension.Crash' }, { type: 'ExitError', errorType: 'x' }])).toEqual([
        { state: 'Failed' },
        { refused: 'Extension.InvalidExtensionState' },
      ]);
    }
  });

  it('is settled (the environment may go idle) only when waiting or failed', () => {
    expect(isSettled({ kind: 'Registered' })).toBe(false);
    expect(isSettled({ kind: 'Idle' })).toBe(true);
    expect(isSettled({ kind: 'Pending', event: INVOKE })).toBe(false);
    expect(isSettled({ kind: 'Processing', event: INVOKE })).toBe(false);
    expect(isSettled({ kind: 'Failed', phase: 'exit', errorType: 'x' })).toBe(true);
  });
});

const ext = (name: string, external = true): Extension => ({ id: name, name, events: [], external, state: { kind: 'Idle' } });
const ctx = (over: Partial<RegistrationContext> = {}): RegistrationContext => ({
  extensions: [],
  runtimeStarted: false,
  initDone: false,
  externalNames: undefined,
  ...over,
});

describe('registration checks', () => {
  it('accepts INVOKE and SHUTDOWN (once each) during init', () => {
    expect(checkRegistration('e', ['INVOKE', 'SHUTDOWN', 'INVOKE'], ctx())).toEqual({ ok: true, events: ['INVOKE', 'SHUTDOWN'], external: true });
  });

  it('refuses as AWS does: empty name, unknown event, late, duplicate, more than 10', () => {
    const error = (name: string, events: unknown[], c: RegistrationContext) => {
      const check = checkRegistration(name, events, c);
      return check.ok ? undefined : check.error;
    };
    expect(error('', [], ctx())).toEqual({ errorType: 'Extension.InvalidExtensionName', errorMessage: 'Empty extension name' });
    expect(error('e', ['INVOKE', 'FOO'], ctx())).toEqual({ errorType: 'Extension.InvalidEventType', errorMessage: 'FOO: ErrorInvalidEventType' });
    expect(error('e', [], ctx({ runtimeStarted: true }))).toEqual({
      errorType: 'Extension.RegistrationClosed',
      errorMessage: 'Extension registration closed already',
    });
    expect(error('e', [], ctx({ extensions: [ext('e', false)] }))).toEqual({
      errorType: 'Extension.InvalidExtensionState',
      errorMessage: 'Extension with this name already registered',
    });
    const ten = Array.from({ length: 10 }, (_, i) => ext(`e${i}`));
    expect(error('e', [], ctx({ extensions: ten }))).toEqual({ errorType: 'Extension.TooManyExtensions', errorMessage: 'Extension limit (10) reached' });
  });

  it('knowing /opt/extensions: others are internal (no SHUTDOWN); external ones may register until init is over', () => {
    const known = ctx({ externalNames: ['ext-a'] });
    expect(checkRegistration('go-sigterm', ['SHUTDOWN'], known)).toEqual({
      ok: false,
      error: { errorType: 'Extension.InvalidEventType', errorMessage: 'SHUTDOWN: ShutdownEventNotSupportedForInternalExtension' },
    });
    expect(checkRegistration('go-sigterm', [], known)).toEqual({ ok: true, events: [], external: false });
    expect(checkRegistration('ext-a', ['SHUTDOWN'], { ...known, runtimeStarted: true })).toEqual({ ok: true, events: ['SHUTDOWN'], external: true });
    expect(checkRegistration('go-sigterm', [], { ...known, runtimeStarted: true }).ok).toBe(false);
    expect(checkRegistration('ext-a', [], { ...known, runtimeStarted: true, initDone: true }).ok).toBe(false);
  });

  it('waits for every external extension it launched', () => {
    expect(allExternalRegistered([], undefined)).toBe(true);
    expect(allExternalRegistered([ext('a')], ['a', 'b'])).toBe(false);
    expect(allExternalRegistered([ext('a'), ext('b')], ['a', 'b'])).toBe(true);
  });

  it('parses register bodies: events null or missing are none; configurationKeys are refused', () => {
    expect(parseRegisterBody('{"events":null}')).toEqual({ ok: true, events: [] });
    expect(parseRegisterBody('')).toEqual({ ok: true, events: [] });
    expect(parseRegisterBody('{"events":["INVOKE"]}')).toEqual({ ok: true, events: ['INVOKE'] });
    expect(parseRegisterBody('{"configurationKeys":["k"]}')).toEqual({
      ok: false,
      error: { errorType: 'InvalidRequestFormat', errorMessage: 'configurationKeys are deprecated; use environment variables instead' },
    });
    expect(parseRegisterBody('nope')).toMatchObject({ ok: false, error: { errorType: 'InvalidRequestFormat' } });
  });

  it('gives AWS’s shutdown grace: none without extensions, 500 ms internal only, 2000 ms with an external one', () => {
    expect(shutdownGraceMs([])).toBe(0);
    expect(shutdownGraceMs([ext('go', false)])).toBe(500);
    expect(shutdownGraceMs([ext('go', false), ext('layer-ext')])).toBe(2000);
  });

  it('builds the INVOKE event AWS sends', () => {
    expect(INVOKE).toEqual({
      eventType: 'INVOKE',
      deadlineMs: 1000,
      requestId: 'req-1',
      invokedFunctionArn: 'arn:f',
      tracing: { type: 'X-Amzn-Trace-Id', value: 'Root=1' },
    });
  });
});
