/**
 * The execution environment's lifecycle as a pure state machine: `transition(state, event)` returns the
 * next state and the effects to perform, in order. The runner (sandbox.ts) performs effects one at a time
 * and feeds their results back as events. Timers belong to states: they are armed and cancelled here.
 *
 *   Starting ──waiting──▶ Ready ──grace──▶ Pausing ──paused──▶ Paused ──invoke──▶ Unpausing ──unpaused──▶ Running
 *      │ (invocation held)  │ invoke            (the event is handed over as the thaw starts)                                                                    │
 *      └────────────────────┴──────────────────────────────────────────────────▶ Running ◀──────────────┘
 *   Running ──response/error──▶ AwaitingNext ──waiting──▶ Ready      (the caller has its answer at once; the
 *     invocation, its deadline and its concurrency slot last until the runtime asks for the next one, as on AWS)
 *   Running/AwaitingNext ──deadline──▶ Stopping ──killed──▶ Stopped ──invoke──▶ Starting (init again, same /tmp)
 *   Running/AwaitingNext ──exited (crash, OOM)──▶ Stopped;  Stopping holding an invocation ──killed──▶ Starting
 *   idle (Ready, Paused, Stopped) ──idle keep-alive / retire──▶ Removing ──removed──▶ Removed
 *   A busy sandbox that is retired finishes its invocation, then goes to Removing instead of idling.
 */

/** What the state machine needs to know of an invocation; the runner keeps the rest. */
export interface PendingInvocation {
  requestId: string;
}

export type ExitInfo = { exitCode: number; oomKilled: boolean };

export type SandboxOutcome =
  | { kind: 'response'; payload: Buffer }
  | { kind: 'function-error'; errorType: string; payload: Buffer }
  | { kind: 'init-error'; errorType: string; payload: Buffer }
  | { kind: 'timeout' }
  | { kind: 'exit'; exit: ExitInfo }
  | { kind: 'response-too-large'; size: number }
  /** `cause`: the typed error behind it, when it should reach the caller (e.g. no /tmp disk available). */
  | { kind: 'platform-error'; message: string; cause?: unknown };

export type SandboxState =
  | { kind: 'Starting'; pending?: PendingInvocation; retiring?: true }
  | { kind: 'Ready' }
  | { kind: 'Running'; invocation: PendingInvocation; retiring?: true }
  /** The runtime answered `invocation` but has not asked for the next one: still busy, on the same deadline. */
  | { kind: 'AwaitingNext'; invocation: PendingInvocation; retiring?: true }
  | { kind: 'Pausing'; pending?: PendingInvocation; retiring?: true }
  | { kind: 'Paused' }
  | { kind: 'Unpausing'; invocation: PendingInvocation; retiring?: true }
  | { kind: 'Stopping'; pending?: PendingInvocation; retiring?: true }
  | { kind: 'Stopped' }
  | { kind: 'Removing' }
  | { kind: 'Removed' };

export type SandboxEvent =
  | { type: 'Invoke'; invocation: PendingInvocation }
  /** The runtime's container is running: init (and its timeout) starts now, not while waiting on the engine. */
  | { type: 'ContainerStarted' }
  | { type: 'RuntimeWaiting' }
  | { type: 'Responded'; requestId: string; payload: Buffer }
  | { type: 'Errored'; requestId: string; errorType: string; payload: Buffer }
  | { type: 'ResponseTooLarge'; requestId: string; size: number }
  | { type: 'InitFailed'; errorType: string; payload: Buffer }
  | { type: 'Exited'; exit: ExitInfo }
  /** The runtime was killed on purpose (after a timeout or an init failure) and has stopped. */
  | { type: 'Killed'; exit: ExitInfo }
  | { type: 'TimerFired'; timer: TimerName }
  | { type: 'Paused' }
  | { type: 'Unpaused' }
  | { type: 'OperationFailed'; operation: 'start' | 'pause' | 'unpause' | 'kill'; message: string; cause?: unknown }
  | { type: 'Retire' }
  | { type: 'Removed' };

export type TimerName = 'init' | 'deadline' | 'grace' | 'idle';

/** How an invocation that was already answered ended: the runtime asked for more, or it was cut short. */
export type InvocationEnding = { kind: 'next' } | { kind: 'timeout' } | { kind: 'exit'; exit: ExitInfo };

export type SandboxEffect =
  | { type: 'Start' }
  | { type: 'Deliver'; invocation: PendingInvocation }
  /** Answers the caller and ends the invocation (its log, its concurrency slot). */
  | { type: 'Complete'; invocation: PendingInvocation; outcome: SandboxOutcome }
  /** Answers the caller; the invocation goes on until the runtime asks for the next one. */
  | { type: 'Respond'; invocation: PendingInvocation; outcome: SandboxOutcome }
  /** Ends an invocation that was already answered. */
  | { type: 'End'; invocation: PendingInvocation; ending: InvocationEnding }
  | { type: 'Arm'; timer: TimerName }
  | { type: 'Cancel'; timer: TimerName }
  | { type: 'Pause' }
  | { type: 'Unpause' }
  /** Ends the runtime process (after a timeout or a failed init); extensions are told why (SHUTDOWN). */
  | { type: 'Kill'; reason: 'timeout' | 'failure' }
  | { type: 'Remove' };

export interface Transition {
  next: SandboxState;
  effects: SandboxEffect[];
}

/** The initial state of a new sandbox, and the effect that creates its container. */
export function createSandbox(pending?: PendingInvocation): Transition {
  return {
    next: pending === undefined ? { kind: 'Starting' } : { kind: 'Starting', pending },
    effects: [{ type: 'Start' }],
  };
}

/** Whether an invocation may be handed to this sandbox now. */
export function isAvailable(state: SandboxState): boolean {
  switch (state.kind) {
    case 'Ready':
    case 'Paused':
    case 'Stopped':
      return true;
    case 'Starting':
    case 'Pausing':
    case 'Stopping':
      return state.pending === undefined && state.retiring === undefined;
    default:
      return false;
  }
}

const stay = (state: SandboxState): Transition => ({ next: state, effects: [] });
const remove = (...effects: SandboxEffect[]): Transition => ({ next: { kind: 'Removing' }, effects: [...effects, { type: 'Remove' }] });

/** Running an invocation: hand it over and start the clock. */
function run(invocation: PendingInvocation, retiring: true | undefined): Transition {
  return {
    next: retiring ? { kind: 'Running', invocation, retiring } : { kind: 'Running', invocation },
    effects: [{ type: 'Deliver', invocation }, { type: 'Arm', timer: 'deadline' }],
  };
}

/**
 * Thaw for an invocation: the event goes to the runtime's parked `next` at once (the socket holds it
 * while the container is frozen), so the runtime answers as soon as the thaw lands, without waiting for
 * the engine to report the unpause done.
 */
function thaw(invocation: PendingInvocation, retiring: true | undefined): Transition {
  return {
    next: retiring ? { kind: 'Unpausing', invocation, retiring } : { kind: 'Unpausing', invocation },
    effects: [
      { type: 'Cancel', timer: 'idle' },
      { type: 'Unpause' },
      { type: 'Deliver', invocation },
      { type: 'Arm', timer: 'deadline' },
    ],
  };
}

/** The runtime is idle and waiting on `next`: freeze after the grace, remove after the keep-alive. */
function idle(): Transition {
  return { next: { kind: 'Ready' }, effects: [{ type: 'Arm', timer: 'grace' }, { type: 'Arm', timer: 'idle' }] };
}

/** The runtime answered: the caller gets it now; the deadline keeps running until the runtime asks again. */
function answered(invocation: PendingInvocation, outcome: SandboxOutcome, retiring: true | undefined): Transition {
  return {
    next: retiring ? { kind: 'AwaitingNext', invocation, retiring } : { kind: 'AwaitingNext', invocation },
    effects: [{ type: 'Respond', invocation, outcome }],
  };
}

/** The deadline passed: note it, kill the runtime (it starts again, same /tmp, on the next invocation). */
function timedOut(retiring: true | undefined, ...effects: SandboxEffect[]): Transition {
  return { next: retiring ? { kind: 'Stopping', retiring } : { kind: 'Stopping' }, effects: [...effects, { type: 'Kill', reason: 'timeout' }] };
}

/** The runtime process is gone (or about to be): the container stays, with its /tmp, until reused. */
function stopped(retiring: true | undefined, ...effects: SandboxEffect[]): Transition {
  if (retiring) return remove(...effects);
  return { next: { kind: 'Stopped' }, effects: [...effects, { type: 'Arm', timer: 'idle' }] };
}

function transitionStarting(state: Extract<SandboxState, { kind: 'Starting' }>, event: SandboxEvent): Transition {
  const { pending, retiring } = state;
  switch (event.type) {
    case 'Invoke':
      return pending === undefined ? stay({ ...state, pending: event.invocation }) : stay(state);
    case 'ContainerStarted':
      return { next: state, effects: [{ type: 'Arm', timer: 'init' }] };
    case 'RuntimeWaiting': {
      const cancel: SandboxEffect = { type: 'Cancel', timer: 'init' };
      if (pending !== undefined) {
        const t = run(pending, retiring);
        return { next: t.next, effects: [cancel, ...t.effects] };
      }
      if (retiring) return remove(cancel);
      const t = idle();
      return { next: t.next, effects: [cancel, ...t.effects] };
    }
    case 'InitFailed':
    case 'TimerFired':
    case 'Exited':
    case 'OperationFailed': {
      if (event.type === 'TimerFired' && event.timer !== 'init') return stay(state);
      const outcome: SandboxOutcome =
        event.type === 'InitFailed'
          ? { kind: 'init-error', errorType: event.errorType, payload: event.payload }
          : event.type === 'Exited'
            ? { kind: 'exit', exit: event.exit }
            : event.type === 'TimerFired'
              ? { kind: 'timeout' }
              : {
                  kind: 'platform-error',
                  message: event.message,
                  ...(event.cause === undefined ? {} : { cause: event.cause }),
                };
      const effects: SandboxEffect[] = [{ type: 'Cancel', timer: 'init' }];
      if (pending !== undefined) effects.push({ type: 'Complete', invocation: pending, outcome });
      if (event.type === 'OperationFailed') return remove(...effects);
      if (event.type === 'Exited') return stopped(retiring, ...effects);
      effects.push({ type: 'Kill', reason: event.type === 'InitFailed' ? 'failure' : 'timeout' });
      return { next: retiring ? { kind: 'Stopping', retiring } : { kind: 'Stopping' }, effects };
    }
    case 'Retire':
      return stay({ ...state, retiring: true });
    default:
      return stay(state);
  }
}

/** Running, or Unpausing: the invocation is already handed over and runs the moment the thaw lands. */
function transitionRunning(state: Extract<SandboxState, { kind: 'Running' | 'Unpausing' }>, event: SandboxEvent): Transition {
  const { invocation, retiring } = state;
  const mine = 'requestId' in event && event.requestId === invocation.requestId;
  switch (event.type) {
    case 'Unpaused':
      return state.kind === 'Unpausing' ? stay({ ...state, kind: 'Running' }) : stay(state);
    case 'OperationFailed':
      if (state.kind !== 'Unpausing') return stay(state);
      return remove({ type: 'Cancel', timer: 'deadline' }, platformFailure(invocation, event.message));
    case 'Responded':
      return mine ? answered(invocation, { kind: 'response', payload: event.payload }, retiring) : stay(state);
    case 'Errored':
      return mine
        ? answered(invocation, { kind: 'function-error', errorType: event.errorType, payload: event.payload }, retiring)
        : stay(state);
    case 'ResponseTooLarge':
      return mine ? answered(invocation, { kind: 'response-too-large', size: event.size }, retiring) : stay(state);
    case 'TimerFired':
      if (event.timer !== 'deadline') return stay(state);
      return timedOut(retiring, { type: 'Complete', invocation, outcome: { kind: 'timeout' } });
    case 'Exited':
      return stopped(retiring, { type: 'Cancel', timer: 'deadline' }, {
        type: 'Complete',
        invocation,
        outcome: { kind: 'exit', exit: event.exit },
      });
    case 'Retire':
      return stay({ ...state, retiring: true });
    default:
      return stay(state);
  }
}

/** Answered, not yet asking for more: the invocation keeps its deadline and slot; nothing else is handed over. */
function transitionAwaitingNext(state: Extract<SandboxState, { kind: 'AwaitingNext' }>, event: SandboxEvent): Transition {
  const { invocation, retiring } = state;
  switch (event.type) {
    case 'RuntimeWaiting': {
      const effects: SandboxEffect[] = [{ type: 'Cancel', timer: 'deadline' }, { type: 'End', invocation, ending: { kind: 'next' } }];
      if (retiring) return remove(...effects);
      const t = idle();
      return { next: t.next, effects: [...effects, ...t.effects] };
    }
    case 'TimerFired':
      // A runtime that has not asked for more within the function's timeout is reset.
      if (event.timer !== 'deadline') return stay(state);
      return timedOut(retiring, { type: 'End', invocation, ending: { kind: 'timeout' } });
    case 'Exited':
      return stopped(retiring, { type: 'Cancel', timer: 'deadline' }, { type: 'End', invocation, ending: { kind: 'exit', exit: event.exit } });
    case 'Retire':
      return stay({ ...state, retiring: true });
    default:
      return stay(state);
  }
}

/** Starts the runtime again in the same container for a held invocation (init runs again, /tmp kept). */
function restart(pending: PendingInvocation, retiring: true | undefined): Transition {
  return {
    next: retiring ? { kind: 'Starting', pending, retiring } : { kind: 'Starting', pending },
    effects: [{ type: 'Start' }],
  };
}

export function transition(state: SandboxState, event: SandboxEvent): Transition {
  switch (state.kind) {
    case 'Starting':
      return transitionStarting(state, event);
    case 'Running':
      return transitionRunning(state, event);
    case 'AwaitingNext':
      return transitionAwaitingNext(state, event);
    case 'Ready':
      switch (event.type) {
        case 'Invoke': {
          const t = run(event.invocation, undefined);
          return { next: t.next, effects: [{ type: 'Cancel', timer: 'grace' }, { type: 'Cancel', timer: 'idle' }, ...t.effects] };
        }
        case 'TimerFired':
          if (event.timer === 'grace') return { next: { kind: 'Pausing' }, effects: [{ type: 'Pause' }] };
          return event.timer === 'idle' ? remove({ type: 'Cancel', timer: 'grace' }) : stay(state);
        case 'Exited':
          return stopped(undefined, { type: 'Cancel', timer: 'grace' }, { type: 'Cancel', timer: 'idle' });
        case 'Retire':
          return remove({ type: 'Cancel', timer: 'grace' }, { type: 'Cancel', timer: 'idle' });
        default:
          return stay(state);
      }
    case 'Pausing':
      switch (event.type) {
        case 'Invoke':
          return state.pending === undefined ? stay({ ...state, pending: event.invocation }) : stay(state);
        case 'Paused':
          if (state.pending !== undefined) return thaw(state.pending, state.retiring);
          if (state.retiring) return remove({ type: 'Cancel', timer: 'idle' });
          return stay({ kind: 'Paused' });
        case 'TimerFired':
          // The keep-alive ran out while freezing: remove once frozen, unless an invocation came meanwhile.
          return event.timer === 'idle' && state.pending === undefined ? stay({ ...state, retiring: true }) : stay(state);
        case 'OperationFailed':
          return remove(
            { type: 'Cancel', timer: 'idle' },
            ...(state.pending ? [platformFailure(state.pending, event.message)] : []),
          );
        case 'Retire':
          return stay({ ...state, retiring: true });
        default:
          return stay(state);
      }
    case 'Paused':
      switch (event.type) {
        case 'Invoke':
          return thaw(event.invocation, undefined);
        case 'TimerFired':
          return event.timer === 'idle' ? remove() : stay(state);
        case 'Retire':
          return remove({ type: 'Cancel', timer: 'idle' });
        case 'Exited':
          return stopped(undefined, { type: 'Cancel', timer: 'idle' });
        default:
          return stay(state);
      }
    case 'Unpausing':
      return transitionRunning(state, event);
    case 'Stopping':
      switch (event.type) {
        case 'Invoke':
          return state.pending === undefined ? stay({ ...state, pending: event.invocation }) : stay(state);
        case 'Killed':
          // The runtime is gone; an invocation that arrived meanwhile starts it again (init, same /tmp).
          if (state.pending !== undefined) return restart(state.pending, state.retiring);
          return stopped(state.retiring);
        case 'OperationFailed':
          return remove(...(state.pending ? [platformFailure(state.pending, event.message)] : []));
        case 'Retire':
          return stay({ ...state, retiring: true });
        default:
          return stay(state);
      }
    case 'Stopped':
      switch (event.type) {
        case 'Invoke':
          return {
            next: { kind: 'Starting', pending: event.invocation },
            effects: [{ type: 'Cancel', timer: 'idle' }, { type: 'Start' }],
          };
        case 'TimerFired':
          return event.timer === 'idle' ? remove() : stay(state);
        case 'Retire':
          return remove({ type: 'Cancel', timer: 'idle' });
        default:
          return stay(state);
      }
    case 'Removing':
      return event.type === 'Removed' ? stay({ kind: 'Removed' }) : stay(state);
    case 'Removed':
      return stay(state);
  }
}

function platformFailure(invocation: PendingInvocation, message: string): SandboxEffect {
  return { type: 'Complete', invocation, outcome: { kind: 'platform-error', message } };
}
