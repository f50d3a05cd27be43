import { describe, expect, it } from 'vitest';
import {
  createSandbox,
  isAvailable,
  transition,
  type ExitInfo,
  type InvocationEnding,
  type PendingInvocation,
  type SandboxEffect,
  type SandboxEvent,
  type SandboxOutcome,
  type SandboxState,
  type TimerName,
  type Transition,
} from './sandbox-state.js';

const A: PendingInvocation = { requestId: 'req-a' };
const B: PendingInvocation = { requestId: 'req-b' };
const PAYLOAD = Buffer.from('{"ok":true}');
const ERROR_BODY = Buffer.from('{"errorType":"Error","errorMessage":"boom"}');

// Events
const invoke = (invocation: PendingInvocation): SandboxEvent => ({ type: 'Invoke', invocation });
const waiting: SandboxEvent = { type: 'RuntimeWaiting' };
const responded = (requestId: string, payload = PAYLOAD): SandboxEvent => ({ type: 'Responded', requestId, payload });
const errored = (requestId: string, errorType = 'Function.Error', payload = ERROR_BODY): SandboxEvent => ({
  type: 'Errored',
  requestId,
  errorType,
  payload,
});
const fired = (timer: TimerName): SandboxEvent => ({ type: 'TimerFired', timer });
const exited = (exitCode: number, oomKilled = false): SandboxEvent => ({ type: 'Exited', exit: { exitCode, oomKilled } });
const killed = (exitCode: number): SandboxEvent => ({ type: 'Killed', exit: { exitCode, oomKilled: false } });
const failed = (operation: 'start' | 'pause' | 'unpause' | 'kill', message = `${operation} failed`): SandboxEvent => ({
  type: 'OperationFailed',
  operation,
  message,
});
const PAUSED: SandboxEvent = { type: 'Paused' };
const UNPAUSED: SandboxEvent = { type: 'Unpaused' };
const RETIRE: SandboxEvent = { type: 'Retire' };
const REMOVED: SandboxEvent = { type: 'Removed' };

// Effects
const arm = (timer: TimerName): SandboxEffect => ({ type: 'Arm', timer });
const cancel = (timer: TimerName): SandboxEffect => ({ type: 'Cancel', timer });
const deliver = (invocation: PendingInvocation): SandboxEffect => ({ type: 'Deliver', invocation });
const complete = (invocation: PendingInvocation, outcome: SandboxOutcome): SandboxEffect => ({
  type: 'Complete',
  invocation,
  outcome,
});
const respond = (invocation: PendingInvocation, outcome: SandboxOutcome): SandboxEffect => ({
  type: 'Respond',
  invocation,
  outcome,
});
const end = (invocation: PendingInvocation, ending: InvocationEnding = { kind: 'next' }): SandboxEffect => ({
  type: 'End',
  invocation,
  ending,
});
const START: SandboxEffect = { type: 'Start' };
const PAUSE: SandboxEffect = { type: 'Pause' };
const UNPAUSE: SandboxEffect = { type: 'Unpause' };
const KILL: SandboxEffect = { type: 'Kill', reason: 'timeout' };
const KILL_FAILED: SandboxEffect = { type: 'Kill', reason: 'failure' };
const REMOVE: SandboxEffect = { type: 'Remove' };

const exitOutcome = (exit: ExitInfo): SandboxOutcome => ({ kind: 'exit', exit });
const platformError = (message: string): SandboxOutcome => ({ kind: 'platform-error', message });

/** Applies one event and checks the whole transition (state and ordered effects) exactly. */
function step(state: SandboxState, event: SandboxEvent, next: SandboxState, effects: SandboxEffect[]): SandboxState {
  const t = transition(state, event);
  expect(t).toStrictEqual({ next, effects });
  return t.next;
}

/** Asserts the event changes nothing: same state object (the runner compares by identity) and no effects. */
function ignored(state: SandboxState, event: SandboxEvent): void {
  const t = transition(state, event);
  expect(t.next).toBe(state);
  expect(t.effects).toEqual([]);
}

/**
 * Runs the machine like the runner does, keeping the set of armed timers, so that scenarios can check
 * that a timer only fires when armed and that idle states always keep a way out.
 */
class Harness {
  state: SandboxState;
  readonly armed = new Set<TimerName>();
  readonly effects: SandboxEffect[] = [];

  constructor(initial: Transition) {
    this.state = initial.next;
    this.apply(initial.effects);
  }

  send(event: SandboxEvent): Transition {
    if (event.type === 'TimerFired') {
      if (!this.armed.has(event.timer)) throw new Error(`timer ${event.timer} fired without being armed`);
      this.armed.delete(event.timer);
    }
    const t = transition(this.state, event);
    this.state = t.next;
    this.apply(t.effects);
    return t;
  }

  private apply(effects: SandboxEffect[]): void {
    for (const effect of effects) {
      this.effects.push(effect);
      if (effect.type === 'Arm') this.armed.add(effect.timer);
      if (effect.type === 'Cancel') this.armed.delete(effect.timer);
    }
  }
}

describe('createSandbox', () => {
  it('starts a container, with no invocation; the init timer waits until the container runs', () => {
    expect(createSandbox()).toStrictEqual({ next: { kind: 'Starting' }, effects: [START] });
    expect(transition({ kind: 'Starting', pending: A }, { type: 'ContainerStarted' })).toStrictEqual({
      next: { kind: 'Starting', pending: A },
      effects: [arm('init')],
    });
  });

  it('keeps the invocation that caused the cold start as pending', () => {
    expect(createSandbox(A)).toStrictEqual({ next: { kind: 'Starting', pending: A }, effects: [START] });
  });
});

describe('transition: cold start and warm reuse', () => {
  it('runs a cold start end to end: init, invoke, idle, freeze, thaw, invoke again', () => {
    let s = createSandbox(A).next;
    s = step(s, waiting, { kind: 'Running', invocation: A }, [cancel('init'), deliver(A), arm('deadline')]);
    s = step(s, responded('req-a'), { kind: 'AwaitingNext', invocation: A }, [respond(A, { kind: 'response', payload: PAYLOAD })]);
    s = step(s, waiting, { kind: 'Ready' }, [cancel('deadline'), end(A), arm('grace'), arm('idle')]);
    s = step(s, fired('grace'), { kind: 'Pausing' }, [PAUSE]);
    s = step(s, PAUSED, { kind: 'Paused' }, []);
    s = step(s, invoke(B), { kind: 'Unpausing', invocation: B }, [cancel('idle'), UNPAUSE, deliver(B), arm('deadline')]);
    s = step(s, UNPAUSED, { kind: 'Running', invocation: B }, []);
    s = step(s, errored('req-b'), { kind: 'AwaitingNext', invocation: B }, [
      respond(B, { kind: 'function-error', errorType: 'Function.Error', payload: ERROR_BODY }),
    ]);
    step(s, waiting, { kind: 'Ready' }, [cancel('deadline'), end(B), arm('grace'), arm('idle')]);
  });

  it('becomes Ready after an init without a pending invocation', () => {
    step({ kind: 'Starting' }, waiting, { kind: 'Ready' }, [cancel('init'), arm('grace'), arm('idle')]);
  });

  it('runs back-to-back invocations on a warm sandbox, cancelling the grace and idle timers', () => {
    step({ kind: 'Ready' }, invoke(B), { kind: 'Running', invocation: B }, [
      cancel('grace'),
      cancel('idle'),
      deliver(B),
      arm('deadline'),
    ]);
  });

  it('finishes with response-too-large when the runtime answers too much', () => {
    step(
      { kind: 'Running', invocation: A },
      { type: 'ResponseTooLarge', requestId: 'req-a', size: 7_000_000 },
      { kind: 'AwaitingNext', invocation: A },
      [respond(A, { kind: 'response-too-large', size: 7_000_000 })],
    );
  });

  it('is not available once the runtime has answered, until it asks for the next invocation', () => {
    expect(isAvailable({ kind: 'AwaitingNext', invocation: A })).toBe(false);
    ignored({ kind: 'AwaitingNext', invocation: A }, invoke(B));
  });

  it('keeps the deadline of an answered invocation until the runtime asks again, and resets a runtime that does not', () => {
    let s: SandboxState = { kind: 'AwaitingNext', invocation: A };
    s = step(s, fired('deadline'), { kind: 'Stopping' }, [end(A, { kind: 'timeout' }), KILL]);
    step(s, killed(137), { kind: 'Stopped' }, [arm('idle')]);
  });

  it('ends an answered invocation with the exit when the runtime dies before asking again', () => {
    step({ kind: 'AwaitingNext', invocation: A }, exited(139), { kind: 'Stopped' }, [
      cancel('deadline'),
      end(A, { kind: 'exit', exit: { exitCode: 139, oomKilled: false } }),
      arm('idle'),
    ]);
  });

  it('holds an invocation that arrives during start, then delivers it once the runtime waits', () => {
    let s: SandboxState = { kind: 'Starting' };
    s = step(s, invoke(A), { kind: 'Starting', pending: A }, []);
    step(s, waiting, { kind: 'Running', invocation: A }, [cancel('init'), deliver(A), arm('deadline')]);
  });

  it('lets an invocation that arrives while pausing wait, then unpauses for it', () => {
    let s: SandboxState = { kind: 'Pausing' };
    s = step(s, invoke(B), { kind: 'Pausing', pending: B }, []);
    s = step(s, PAUSED, { kind: 'Unpausing', invocation: B }, [cancel('idle'), UNPAUSE, deliver(B), arm('deadline')]);
    step(s, UNPAUSED, { kind: 'Running', invocation: B }, []);
  });

  it('hands the event over while thawing: an answer that beats the unpause report finishes the invocation', () => {
    let s: SandboxState = { kind: 'Paused' };
    s = step(s, invoke(B), { kind: 'Unpausing', invocation: B }, [cancel('idle'), UNPAUSE, deliver(B), arm('deadline')]);
    s = step(s, responded('req-b'), { kind: 'AwaitingNext', invocation: B }, [respond(B, { kind: 'response', payload: PAYLOAD })]);
    ignored(s, UNPAUSED);
  });

  it('times out an invocation whose thaw never lands', () => {
    step({ kind: 'Unpausing', invocation: B }, fired('deadline'), { kind: 'Stopping' }, [complete(B, { kind: 'timeout' }), KILL]);
  });

  it('keeps the first held invocation when a second one is offered (busy states are not available)', () => {
    ignored({ kind: 'Starting', pending: A }, invoke(B));
    ignored({ kind: 'Pausing', pending: A }, invoke(B));
    ignored({ kind: 'Stopping', pending: A }, invoke(B));
  });
});

describe('transition: timeouts, crashes and restarts', () => {
  it('times out an invocation, kills the runtime and restarts it in the same container on the next invoke', () => {
    let s: SandboxState = { kind: 'Running', invocation: A };
    s = step(s, fired('deadline'), { kind: 'Stopping' }, [complete(A, { kind: 'timeout' }), KILL]);
    s = step(s, killed(137), { kind: 'Stopped' }, [arm('idle')]);
    s = step(s, invoke(B), { kind: 'Starting', pending: B }, [cancel('idle'), START]);
    step(s, waiting, { kind: 'Running', invocation: B }, [cancel('init'), deliver(B), arm('deadline')]);
  });

  it('holds an invocation that arrives while the runtime is being killed, then starts it again', () => {
    let s: SandboxState = { kind: 'Running', invocation: A };
    s = step(s, fired('deadline'), { kind: 'Stopping' }, [complete(A, { kind: 'timeout' }), KILL]);
    s = step(s, invoke(B), { kind: 'Stopping', pending: B }, []);
    s = step(s, killed(137), { kind: 'Starting', pending: B }, [START]);
    step(s, waiting, { kind: 'Running', invocation: B }, [cancel('init'), deliver(B), arm('deadline')]);
  });

  it("ignores the engine's exit event while stopping: the kill itself reports the exit", () => {
    ignored({ kind: 'Stopping' }, exited(137));
    ignored({ kind: 'Stopping', pending: B }, exited(137));
  });

  it('fails the invocation held while stopping when the runtime cannot be killed', () => {
    step({ kind: 'Stopping', pending: B }, failed('kill', 'kill failed'), { kind: 'Removing' }, [
      complete(B, platformError('kill failed')),
      REMOVE,
    ]);
  });

  it('restarts with Start only: a restart never removes the container (its /tmp is kept)', () => {
    const t = transition({ kind: 'Stopped' }, invoke(B));
    expect(t.effects).not.toContainEqual(REMOVE);
    expect(t.effects).toContainEqual(START);
  });

  it('fails the running invocation with the exit code when the runtime crashes', () => {
    step({ kind: 'Running', invocation: A }, exited(1), { kind: 'Stopped' }, [
      cancel('deadline'),
      complete(A, exitOutcome({ exitCode: 1, oomKilled: false })),
      arm('idle'),
    ]);
  });

  it('reports an OOM kill of the running invocation', () => {
    step({ kind: 'Running', invocation: A }, exited(137, true), { kind: 'Stopped' }, [
      cancel('deadline'),
      complete(A, exitOutcome({ exitCode: 137, oomKilled: true })),
      arm('idle'),
    ]);
  });

  it('fails the pending invocation with init-error and kills the runtime when init fails', () => {
    let s: SandboxState = { kind: 'Starting', pending: A };
    s = step(s, { type: 'InitFailed', errorType: 'Runtime.ImportModuleError', payload: ERROR_BODY }, { kind: 'Stopping' }, [
      cancel('init'),
      complete(A, { kind: 'init-error', errorType: 'Runtime.ImportModuleError', payload: ERROR_BODY }),
      KILL_FAILED,
    ]);
    step(s, killed(1), { kind: 'Stopped' }, [arm('idle')]);
  });

  it('kills the runtime without completing anything when init fails with nobody waiting', () => {
    step({ kind: 'Starting' }, { type: 'InitFailed', errorType: 'Runtime.Unknown', payload: Buffer.alloc(0) }, { kind: 'Stopping' }, [
      cancel('init'),
      KILL_FAILED,
    ]);
  });

  it('fails the pending invocation with a timeout and kills the runtime when init takes too long', () => {
    step({ kind: 'Starting', pending: A }, fired('init'), { kind: 'Stopping' }, [
      cancel('init'),
      complete(A, { kind: 'timeout' }),
      KILL,
    ]);
    step({ kind: 'Starting' }, fired('init'), { kind: 'Stopping' }, [cancel('init'), KILL]);
  });

  it('fails the pending invocation with the exit when the runtime dies during init', () => {
    step({ kind: 'Starting', pending: A }, exited(2), { kind: 'Stopped' }, [
      cancel('init'),
      complete(A, exitOutcome({ exitCode: 2, oomKilled: false })),
      arm('idle'),
    ]);
  });

  it('stops an idle sandbox whose runtime exits, keeping only the idle timer', () => {
    step({ kind: 'Ready' }, exited(0), { kind: 'Stopped' }, [cancel('grace'), cancel('idle'), arm('idle')]);
    step({ kind: 'Paused' }, exited(0), { kind: 'Stopped' }, [cancel('idle'), arm('idle')]);
  });

  it('fails the invocation being unpaused for when the runtime exits meanwhile', () => {
    step({ kind: 'Unpausing', invocation: B }, exited(137, true), { kind: 'Stopped' }, [
      cancel('deadline'),
      complete(B, exitOutcome({ exitCode: 137, oomKilled: true })),
      arm('idle'),
    ]);
  });
});

describe('transition: failed container operations', () => {
  it('removes the sandbox and fails the waiting invocation when the container cannot start', () => {
    step({ kind: 'Starting', pending: A }, failed('start', 'no such image'), { kind: 'Removing' }, [
      cancel('init'),
      complete(A, platformError('no such image')),
      REMOVE,
    ]);
  });

  it('hands the typed error of a failed start to the waiting invocation', () => {
    const cause = new Error('no /tmp disk left');
    step({ kind: 'Starting', pending: A }, { type: 'OperationFailed', operation: 'start', message: 'no /tmp disk left', cause }, { kind: 'Removing' }, [
      cancel('init'),
      complete(A, { kind: 'platform-error', message: 'no /tmp disk left', cause }),
      REMOVE,
    ]);
  });

  it('removes the sandbox when the container cannot start and nobody waits', () => {
    step({ kind: 'Starting' }, failed('start'), { kind: 'Removing' }, [cancel('init'), REMOVE]);
  });

  it('removes the sandbox when it cannot be paused', () => {
    step({ kind: 'Pausing' }, failed('pause'), { kind: 'Removing' }, [cancel('idle'), REMOVE]);
  });

  it('fails the invocation that waited on a failed pause, then removes', () => {
    step({ kind: 'Pausing', pending: B }, failed('pause', 'cgroup freeze failed'), { kind: 'Removing' }, [
      cancel('idle'),
      complete(B, platformError('cgroup freeze failed')),
      REMOVE,
    ]);
  });

  it('fails the invocation and removes the sandbox when it cannot be unpaused', () => {
    step({ kind: 'Unpausing', invocation: B }, failed('unpause', 'thaw failed'), { kind: 'Removing' }, [
      cancel('deadline'),
      complete(B, platformError('thaw failed')),
      REMOVE,
    ]);
  });

  it('removes the sandbox when the runtime cannot be killed', () => {
    step({ kind: 'Stopping' }, failed('kill'), { kind: 'Removing' }, [REMOVE]);
  });
});

describe('transition: idle timers', () => {
  it('freezes an idle sandbox after the grace period', () => {
    step({ kind: 'Ready' }, fired('grace'), { kind: 'Pausing' }, [PAUSE]);
  });

  it('removes a Ready sandbox when its keep-alive runs out', () => {
    step({ kind: 'Ready' }, fired('idle'), { kind: 'Removing' }, [cancel('grace'), REMOVE]);
  });

  it('removes a Paused sandbox when its keep-alive runs out', () => {
    step({ kind: 'Paused' }, fired('idle'), { kind: 'Removing' }, [REMOVE]);
  });

  it('removes a Stopped sandbox when its keep-alive runs out', () => {
    step({ kind: 'Stopped' }, fired('idle'), { kind: 'Removing' }, [REMOVE]);
  });

  it('becomes Removed once the container is gone', () => {
    step({ kind: 'Removing' }, REMOVED, { kind: 'Removed' }, []);
  });

  it('keeps the idle timer armed in every idle state of a full life cycle', () => {
    const h = new Harness(createSandbox(A));
    expect([...h.armed]).toEqual([]);
    h.send({ type: 'ContainerStarted' });
    expect([...h.armed]).toEqual(['init']);
    h.send(waiting);
    expect([...h.armed]).toEqual(['deadline']);
    h.send(responded('req-a'));
    // Answered, not yet asking for more: the invocation's deadline still runs, no idle timer yet.
    expect([...h.armed]).toEqual(['deadline']);
    h.send(waiting);
    expect(h.state.kind).toBe('Ready');
    expect([...h.armed].sort()).toEqual(['grace', 'idle']);
    h.send(fired('grace'));
    h.send(PAUSED);
    expect(h.state.kind).toBe('Paused');
    expect([...h.armed]).toEqual(['idle']);
    h.send(invoke(B));
    h.send(UNPAUSED);
    expect([...h.armed]).toEqual(['deadline']);
    h.send(fired('deadline'));
    h.send(killed(137));
    expect(h.state.kind).toBe('Stopped');
    expect([...h.armed]).toEqual(['idle']);
    h.send(fired('idle'));
    expect(h.state.kind).toBe('Removing');
    h.send(REMOVED);
    expect(h.state).toEqual({ kind: 'Removed' });
    expect(h.armed.size).toBe(0);
  });

  it('reclaims a sandbox whose keep-alive ran out while it was being frozen', () => {
    const h = new Harness(createSandbox());
    h.send(waiting);
    h.send(fired('grace'));
    h.send(fired('idle'));
    h.send(PAUSED);
    const reclaimed = h.state.kind === 'Removing' || (h.state.kind === 'Paused' && h.armed.has('idle'));
    expect(reclaimed).toBe(true);
  });
});

describe('transition: Retire', () => {
  it('removes a Ready sandbox at once, cancelling its timers', () => {
    step({ kind: 'Ready' }, RETIRE, { kind: 'Removing' }, [cancel('grace'), cancel('idle'), REMOVE]);
  });

  it('removes a Paused sandbox at once', () => {
    step({ kind: 'Paused' }, RETIRE, { kind: 'Removing' }, [cancel('idle'), REMOVE]);
  });

  it('removes a Stopped sandbox at once', () => {
    step({ kind: 'Stopped' }, RETIRE, { kind: 'Removing' }, [cancel('idle'), REMOVE]);
  });

  it('finishes the running invocation, then removes instead of going idle', () => {
    let s: SandboxState = { kind: 'Running', invocation: A };
    s = step(s, RETIRE, { kind: 'Running', invocation: A, retiring: true }, []);
    s = step(s, responded('req-a'), { kind: 'AwaitingNext', invocation: A, retiring: true }, [respond(A, { kind: 'response', payload: PAYLOAD })]);
    step(s, waiting, { kind: 'Removing' }, [cancel('deadline'), end(A), REMOVE]);
  });

  it('lets an answered invocation end before removing a sandbox retired meanwhile', () => {
    let s: SandboxState = { kind: 'AwaitingNext', invocation: A };
    s = step(s, RETIRE, { kind: 'AwaitingNext', invocation: A, retiring: true }, []);
    step(s, waiting, { kind: 'Removing' }, [cancel('deadline'), end(A), REMOVE]);
  });

  it('removes a retiring sandbox whose invocation failed with a function error', () => {
    let s: SandboxState = { kind: 'Running', invocation: A, retiring: true };
    s = step(s, errored('req-a'), { kind: 'AwaitingNext', invocation: A, retiring: true }, [
      respond(A, { kind: 'function-error', errorType: 'Function.Error', payload: ERROR_BODY }),
    ]);
    step(s, waiting, { kind: 'Removing' }, [cancel('deadline'), end(A), REMOVE]);
  });

  it('removes a retiring sandbox whose answered invocation ran past its deadline, once the runtime is killed', () => {
    let s: SandboxState = { kind: 'AwaitingNext', invocation: A, retiring: true };
    s = step(s, fired('deadline'), { kind: 'Stopping', retiring: true }, [end(A, { kind: 'timeout' }), KILL]);
    step(s, killed(137), { kind: 'Removing' }, [REMOVE]);
  });

  it('removes a retiring sandbox after its running invocation timed out and the runtime exited', () => {
    let s: SandboxState = { kind: 'Running', invocation: A, retiring: true };
    s = step(s, fired('deadline'), { kind: 'Stopping', retiring: true }, [complete(A, { kind: 'timeout' }), KILL]);
    step(s, killed(137), { kind: 'Removing' }, [REMOVE]);
  });

  it('removes a retiring sandbox whose runtime crashed while running', () => {
    step({ kind: 'Running', invocation: A, retiring: true }, exited(1), { kind: 'Removing' }, [
      cancel('deadline'),
      complete(A, exitOutcome({ exitCode: 1, oomKilled: false })),
      REMOVE,
    ]);
  });

  it('lets a start finish, then removes when there is no invocation', () => {
    let s: SandboxState = { kind: 'Starting' };
    s = step(s, RETIRE, { kind: 'Starting', retiring: true }, []);
    step(s, waiting, { kind: 'Removing' }, [cancel('init'), REMOVE]);
  });

  it('lets a start finish and runs the pending invocation, then removes', () => {
    let s: SandboxState = { kind: 'Starting', pending: A };
    s = step(s, RETIRE, { kind: 'Starting', pending: A, retiring: true }, []);
    s = step(s, waiting, { kind: 'Running', invocation: A, retiring: true }, [cancel('init'), deliver(A), arm('deadline')]);
    s = step(s, responded('req-a'), { kind: 'AwaitingNext', invocation: A, retiring: true }, [respond(A, { kind: 'response', payload: PAYLOAD })]);
    step(s, waiting, { kind: 'Removing' }, [cancel('deadline'), end(A), REMOVE]);
  });

  it('removes a retiring sandbox whose init failed once the runtime has exited', () => {
    let s: SandboxState = { kind: 'Starting', pending: A, retiring: true };
    s = step(s, { type: 'InitFailed', errorType: 'Runtime.Unknown', payload: ERROR_BODY }, { kind: 'Stopping', retiring: true }, [
      cancel('init'),
      complete(A, { kind: 'init-error', errorType: 'Runtime.Unknown', payload: ERROR_BODY }),
      KILL_FAILED,
    ]);
    step(s, killed(1), { kind: 'Removing' }, [REMOVE]);
  });

  it('removes a retiring sandbox whose runtime dies during init', () => {
    step({ kind: 'Starting', retiring: true }, exited(1), { kind: 'Removing' }, [cancel('init'), REMOVE]);
  });

  it('removes a sandbox retired while pausing once the pause is done', () => {
    let s: SandboxState = { kind: 'Pausing' };
    s = step(s, RETIRE, { kind: 'Pausing', retiring: true }, []);
    step(s, PAUSED, { kind: 'Removing' }, [cancel('idle'), REMOVE]);
  });

  it('unpauses and runs the invocation held by a sandbox retired while pausing, then removes', () => {
    let s: SandboxState = { kind: 'Pausing', pending: B };
    s = step(s, RETIRE, { kind: 'Pausing', pending: B, retiring: true }, []);
    s = step(s, PAUSED, { kind: 'Unpausing', invocation: B, retiring: true }, [cancel('idle'), UNPAUSE, deliver(B), arm('deadline')]);
    s = step(s, UNPAUSED, { kind: 'Running', invocation: B, retiring: true }, []);
    s = step(s, responded('req-b'), { kind: 'AwaitingNext', invocation: B, retiring: true }, [respond(B, { kind: 'response', payload: PAYLOAD })]);
    step(s, waiting, { kind: 'Removing' }, [cancel('deadline'), end(B), REMOVE]);
  });

  it('unpauses and runs the invocation of a sandbox retired while unpausing, then removes', () => {
    let s: SandboxState = { kind: 'Unpausing', invocation: B };
    s = step(s, RETIRE, { kind: 'Unpausing', invocation: B, retiring: true }, []);
    s = step(s, UNPAUSED, { kind: 'Running', invocation: B, retiring: true }, []);
    s = step(s, responded('req-b'), { kind: 'AwaitingNext', invocation: B, retiring: true }, [respond(B, { kind: 'response', payload: PAYLOAD })]);
    step(s, waiting, { kind: 'Removing' }, [cancel('deadline'), end(B), REMOVE]);
  });

  it('fails the invocation and removes a retiring sandbox whose runtime exits while unpausing', () => {
    step({ kind: 'Unpausing', invocation: B, retiring: true }, exited(1), { kind: 'Removing' }, [
      cancel('deadline'),
      complete(B, exitOutcome({ exitCode: 1, oomKilled: false })),
      REMOVE,
    ]);
  });

  it('removes a sandbox retired while stopping once the runtime has exited', () => {
    let s: SandboxState = { kind: 'Stopping' };
    s = step(s, RETIRE, { kind: 'Stopping', retiring: true }, []);
    step(s, killed(137), { kind: 'Removing' }, [REMOVE]);
  });

  it('runs the invocation held by a retiring Stopping sandbox in a restarted runtime, then removes', () => {
    let s: SandboxState = { kind: 'Stopping', pending: B };
    s = step(s, RETIRE, { kind: 'Stopping', pending: B, retiring: true }, []);
    s = step(s, killed(137), { kind: 'Starting', pending: B, retiring: true }, [START]);
    s = step(s, waiting, { kind: 'Running', invocation: B, retiring: true }, [cancel('init'), deliver(B), arm('deadline')]);
    s = step(s, responded('req-b'), { kind: 'AwaitingNext', invocation: B, retiring: true }, [respond(B, { kind: 'response', payload: PAYLOAD })]);
    step(s, waiting, { kind: 'Removing' }, [cancel('deadline'), end(B), REMOVE]);
  });

  it('ignores Retire while removing or removed', () => {
    ignored({ kind: 'Removing' }, RETIRE);
    ignored({ kind: 'Removed' }, RETIRE);
  });
});

describe('transition: events that must be ignored', () => {
  it('ignores a Responded, Errored or ResponseTooLarge for another request id', () => {
    const running: SandboxState = { kind: 'Running', invocation: A };
    ignored(running, responded('req-b'));
    ignored(running, errored('req-b'));
    ignored(running, { type: 'ResponseTooLarge', requestId: 'req-b', size: 10 });
  });

  it('ignores answers that arrive when no invocation is running', () => {
    ignored({ kind: 'AwaitingNext', invocation: A }, responded('req-a'));
    ignored({ kind: 'AwaitingNext', invocation: A }, errored('req-b'));
    ignored({ kind: 'Ready' }, responded('req-a'));
    ignored({ kind: 'Stopping' }, errored('req-a'));
  });

  it.each<[SandboxState, TimerName]>([
    [{ kind: 'Starting', pending: A }, 'deadline'],
    [{ kind: 'Starting' }, 'grace'],
    [{ kind: 'Starting' }, 'idle'],
    [{ kind: 'Running', invocation: A }, 'init'],
    [{ kind: 'Running', invocation: A }, 'grace'],
    [{ kind: 'Running', invocation: A }, 'idle'],
    [{ kind: 'Ready' }, 'deadline'],
    [{ kind: 'Ready' }, 'init'],
    [{ kind: 'Pausing' }, 'grace'],
    [{ kind: 'Paused' }, 'grace'],
    [{ kind: 'Paused' }, 'deadline'],
    [{ kind: 'Unpausing', invocation: B }, 'idle'],
    [{ kind: 'Stopping' }, 'deadline'],
    [{ kind: 'Stopped' }, 'grace'],
    [{ kind: 'Stopped' }, 'init'],
    [{ kind: 'AwaitingNext', invocation: A }, 'idle'],
    [{ kind: 'AwaitingNext', invocation: A }, 'grace'],
    [{ kind: 'Removing' }, 'idle'],
    [{ kind: 'Removed' }, 'idle'],
  ])('ignores in %o a %s timer that does not belong to the state', (state, timer) => {
    ignored(state, fired(timer));
  });

  it('ignores everything but Removed while removing', () => {
    const removing: SandboxState = { kind: 'Removing' };
    for (const event of [invoke(A), waiting, responded('req-a'), exited(1), PAUSED, UNPAUSED, failed('kill')]) {
      ignored(removing, event);
    }
  });

  it('ignores every event once removed', () => {
    for (const event of [invoke(A), waiting, exited(1), REMOVED, RETIRE]) ignored({ kind: 'Removed' }, event);
  });

  it('ignores a second RuntimeWaiting while running (the runtime re-polls next)', () => {
    ignored({ kind: 'Running', invocation: A }, waiting);
  });
});

describe('isAvailable', () => {
  it.each<[SandboxState, boolean]>([
    [{ kind: 'Starting' }, true],
    [{ kind: 'Starting', pending: A }, false],
    [{ kind: 'Starting', retiring: true }, false],
    [{ kind: 'Ready' }, true],
    [{ kind: 'Running', invocation: A }, false],
    [{ kind: 'Running', invocation: A, retiring: true }, false],
    [{ kind: 'AwaitingNext', invocation: A }, false],
    [{ kind: 'AwaitingNext', invocation: A, retiring: true }, false],
    [{ kind: 'Pausing' }, true],
    [{ kind: 'Pausing', pending: A }, false],
    [{ kind: 'Pausing', retiring: true }, false],
    [{ kind: 'Paused' }, true],
    [{ kind: 'Unpausing', invocation: A }, false],
    [{ kind: 'Stopping' }, true],
    [{ kind: 'Stopping', pending: A }, false],
    [{ kind: 'Stopping', retiring: true }, false],
    [{ kind: 'Stopped' }, true],
    [{ kind: 'Removing' }, false],
    [{ kind: 'Removed' }, false],
  ])('answers for %o: %s', (state, available) => {
    expect(isAvailable(state)).toBe(available);
  });
});
