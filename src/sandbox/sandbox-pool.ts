import { randomBytes } from 'node:crypto';
import { LambdaError } from '../shared/errors.js';
import { Sandbox, type SandboxDeps, type SandboxInvocation, type SandboxPlan, type SandboxResult } from './sandbox.js';
import { HostFullError, planRoom } from './capacity.js';
import type { SandboxState } from './sandbox-state.js';

export interface PoolOptions {
  /** The memory (MB, the functions' MemorySize) this worker's environments may take together; unbounded without. */
  memoryBudgetMb?: number;
}

/** How long an invocation waits for a runtime that has just answered to ask for its next one. */
const HANDOFF_MS = 25;

/** Hands a free environment to a waiting invocation; false when the environment would not take it. */
type Handoff = (sandbox: Sandbox) => boolean;

/** The order in which idle sandboxes are reused: a running runtime first, a stopped one last. */
const PREFERENCE: Partial<Record<SandboxState['kind'], number>> = { Ready: 0, Pausing: 2, Paused: 3, Starting: 4, Stopping: 5, Stopped: 6 };

/**
 * Every execution environment of this worker, grouped by environment key (a function and the settings
 * its environments were built with). Reuses the most recently used free environment first, so surplus
 * ones go idle, freeze, and are recycled.
 */
export class SandboxPool {
  private readonly byKey = new Map<string, Set<Sandbox>>();
  private readonly keyOf = new Map<Sandbox, string>();
  private inFlight = 0;
  private draining = false;
  private readonly removed = new Set<() => void>();
  /** Invocations waiting briefly for an environment of their key that has answered to ask for more. */
  private readonly handoffs = new Map<string, Set<Handoff>>();

  constructor(
    private readonly deps: Omit<SandboxDeps, 'onStateChange'>,
    private readonly options: PoolOptions = {},
  ) {}

  get size(): number {
    return this.keyOf.size;
  }

  get concurrency(): number {
    return this.inFlight;
  }

  list(): Sandbox[] {
    return [...this.keyOf.keys()];
  }

  /**
   * Runs an invocation in a free environment for `key`, or in a new one made from `plan`. `onEnded` is
   * told when the invocation is over (its concurrency slot can go), which can be after its answer.
   * Concurrency limits are the caller's (see invocation/concurrency).
   */
  async run(
    key: string,
    plan: (id: string) => SandboxPlan,
    invocation: SandboxInvocation,
    onEnded: () => void = () => undefined,
  ): Promise<SandboxResult> {
    if (this.draining) {
      onEnded();
      throw new LambdaError('ServiceException', 'lambdock is shutting down.', { retryable: true });
    }
    // The slot is held until the invocation is over, which can be after its answer: work a runtime does
    // between posting its response and asking for the next event counts, as on AWS.
    this.inFlight += 1;
    let held = true;
    const release = () => {
      if (!held) return;
      held = false;
      this.inFlight -= 1;
      onEnded();
    };
    try {
      return await this.place(key, plan, invocation, release);
    } catch (error) {
      release();
      throw error;
    }
  }

  private place(
    key: string,
    plan: (id: string) => SandboxPlan,
    invocation: SandboxInvocation,
    onEnded: () => void,
  ): Promise<SandboxResult> {
    const running = this.placeNow(key, invocation, onEnded);
    if (running !== undefined) return running;
    // A runtime that has just answered asks for its next invocation within moments: wait for it briefly
    // rather than start a new environment (a client on the same host can be quicker than the runtime).
    const answered = [...(this.byKey.get(key) ?? [])].filter((s) => s.currentState.kind === 'AwaitingNext').length;
    if (answered > (this.handoffs.get(key)?.size ?? 0)) {
      return this.waitForHandoff(key, invocation, onEnded).then(
        (handed) => handed?.running ?? this.placeNow(key, invocation, onEnded) ?? this.createFor(key, plan, invocation, onEnded),
      );
    }
    return this.createFor(key, plan, invocation, onEnded);
  }

  /** In a free environment, if there is one: a running runtime first, the most recently used first. */
  private placeNow(key: string, invocation: SandboxInvocation, onEnded: () => void): Promise<SandboxResult> | undefined {
    const candidates = [...(this.byKey.get(key) ?? [])]
      .filter((s) => s.available)
      .sort(
        (a, b) =>
          // Provisioned environments first (initialised for this), then by state, the most recent first.
          Number(b.plan.provisioned === true) - Number(a.plan.provisioned === true) ||
          (PREFERENCE[a.currentState.kind] ?? 9) - (PREFERENCE[b.currentState.kind] ?? 9) ||
          b.lastUsedAt - a.lastUsedAt,
      );
    for (const sandbox of candidates) {
      const running = sandbox.invoke(invocation, onEnded);
      if (running !== undefined) return running;
    }
    return undefined;
  }

  private createFor(key: string, plan: (id: string) => SandboxPlan, invocation: SandboxInvocation, onEnded: () => void) {
    const planned = plan(randomBytes(16).toString('hex'));
    this.makeRoom(planned.memorySizeMb);
    const sandbox = this.create(key, planned);
    const running = sandbox.invoke(invocation, onEnded);
    if (running === undefined) throw new Error('a new sandbox refused its first invocation');
    return running;
  }

  /**
   * Within the memory budget, a new environment takes the place of idle ones (least recently used first,
   * retired now); when every environment is busy there is no room, and the caller is throttled.
   */
  private makeRoom(memoryMb: number): void {
    const budget = this.options.memoryBudgetMb;
    if (budget === undefined) return;
    const live = [...this.keyOf.keys()].filter((s) => s.currentState.kind !== 'Removing');
    // Provisioned environments are never evicted: only their configuration's removal retires them.
    const entries = live.map((s) => ({ id: s.id, memoryMb: s.plan.memorySizeMb, idle: s.available && s.plan.provisioned !== true, lastUsedAt: s.lastUsedAt }));
    const evict = planRoom(entries, memoryMb, budget);
    if (evict === undefined) throw new HostFullError(memoryMb, budget);
    for (const sandbox of live) if (evict.includes(sandbox.id)) sandbox.retire();
  }

  /** Takes the first environment of `key` that becomes free within HANDOFF_MS, if any. */
  private waitForHandoff(
    key: string,
    invocation: SandboxInvocation,
    onEnded: () => void,
  ): Promise<{ running: Promise<SandboxResult> } | undefined> {
    return new Promise((resolve) => {
      const waiters = this.handoffs.get(key) ?? new Set<Handoff>();
      this.handoffs.set(key, waiters);
      const done = () => {
        clearTimeout(timer);
        waiters.delete(take);
        if (waiters.size === 0) this.handoffs.delete(key);
      };
      const take: Handoff = (sandbox) => {
        const running = sandbox.invoke(invocation, onEnded);
        if (running === undefined) return false;
        done();
        resolve({ running });
        return true;
      };
      const timer = setTimeout(() => {
        done();
        resolve(undefined);
      }, HANDOFF_MS);
      waiters.add(take);
    });
  }

  private create(key: string, plan: SandboxPlan): Sandbox {
    const sandbox = new Sandbox(plan, { ...this.deps, onStateChange: (s, state) => this.track(s, state) });
    let group = this.byKey.get(key);
    if (group === undefined) {
      group = new Set();
      this.byKey.set(key, group);
    }
    group.add(sandbox);
    this.keyOf.set(sandbox, key);
    return sandbox;
  }

  private track(sandbox: Sandbox, state: SandboxState): void {
    if (sandbox.available) this.handOver(sandbox);
    if (state.kind !== 'Removed') return;
    const key = this.keyOf.get(sandbox);
    if (key === undefined) return;
    this.keyOf.delete(sandbox);
    const group = this.byKey.get(key);
    group?.delete(sandbox);
    if (group?.size === 0) this.byKey.delete(key);
    if (this.keyOf.size === 0) {
      for (const notify of this.removed) notify();
      this.removed.clear();
    }
  }

  /** Gives an environment that just became free to an invocation waiting for one of its key. */
  private handOver(sandbox: Sandbox): void {
    const key = this.keyOf.get(sandbox);
    const waiters = key === undefined ? undefined : this.handoffs.get(key);
    if (waiters === undefined) return;
    for (const take of waiters) if (take(sandbox)) return;
  }

  /**
   * Retires the environments of a function's `version` (all of its versions when not given): idle ones go
   * now, busy ones when their invocation ends.
   */
  retireFunction(functionName: string, version?: string): void {
    for (const sandbox of this.keyOf.keys()) {
      if (sandbox.plan.functionName === functionName && (version === undefined || sandbox.plan.version === version)) sandbox.retire();
    }
  }

  /**
   * Keeps `count` provisioned environments of `key`: makes the missing ones from `plan` (within the memory
   * budget: those that do not fit wait for the next round) and retires any beyond `count`. Answers how
   * many have finished init and wait for invocations.
   */
  provision(key: string, plan: (id: string) => SandboxPlan, count: number): number {
    if (this.draining) return 0;
    const provisioned = [...(this.byKey.get(key) ?? [])].filter(
      (s) => s.plan.provisioned === true && s.currentState.kind !== 'Removing' && !s.retiring,
    );
    for (const extra of provisioned.slice(count)) extra.retire();
    for (let i = provisioned.length; i < count; i += 1) {
      const planned = plan(randomBytes(16).toString('hex'));
      try {
        this.makeRoom(planned.memorySizeMb);
      } catch {
        break;
      }
      this.create(key, planned);
    }
    return provisioned.slice(0, count).filter((s) => s.currentState.kind !== 'Starting').length;
  }

  /** Retires the provisioned environments of every key not in `keep` (their configurations went). */
  retireProvisionedExcept(keep: ReadonlySet<string>): void {
    for (const [sandbox, key] of this.keyOf) {
      if (sandbox.plan.provisioned === true && !keep.has(key)) sandbox.retire();
    }
  }

  /** Retires every environment and waits until all are gone; new invocations still get new ones. */
  async retireAll(): Promise<void> {
    if (this.keyOf.size === 0) return;
    const empty = new Promise<void>((resolve) => this.removed.add(resolve));
    for (const sandbox of this.keyOf.keys()) sandbox.retire();
    await empty;
  }

  /** For shutdown: refuses new invocations, then retires everything. */
  async drain(): Promise<void> {
    this.draining = true;
    await this.retireAll();
  }
}
