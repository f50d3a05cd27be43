import { randomBytes } from 'node:crypto';
import { LambdaError } from '../shared/errors.js';
import { Sandbox, type SandboxDeps, type SandboxInvocation, type SandboxPlan, type SandboxResult } from './sandbox.js';
import { HostFullError, QueueTimeoutError, planRoom } from './capacity.js';
import type { SandboxState } from './sandbox-state.js';

export interface PoolOptions {
  /** The memory (MB, the functions' MemorySize) this worker's environments may take together; unbounded without. */
  memoryBudgetMb?: number;
  /** The /tmp disk (MB, the functions' EphemeralStorage) they may take together; unbounded without. */
  tmpBudgetMb?: number;
  /** How many new environments may be on their way up on the engine at once (the rest wait their turn). */
  maxConcurrentLaunches?: number;
  /** How long an invocation waits for an environment before it is throttled. */
  maxQueueWaitMs?: number;
  /**
   * Told when the number of environments of a key, or of idle ones (free, or about to be: their runtime
   * has answered), changes: the warm registry.
   */
  onOccupancy?: (key: string, occupancy: { idle: number; all: number }) => void;
}

/** The configured footprint of an environment (what a running one is charged). */
const footprintOf = (plan: SandboxPlan) => ({ memoryMb: plan.memorySizeMb, tmpMb: plan.ephemeralStorageMb });

/** How long an invocation waits for a runtime that has just answered to ask for its next one. */
const HANDOFF_MS = 100;

/** How long an invocation may wait in line for an environment, by default. */
export const DEFAULT_QUEUE_WAIT_MS = 30_000;

/** The order in which idle sandboxes are reused: a running runtime first, a stopped one last. */
const PREFERENCE: Partial<Record<SandboxState['kind'], number>> = { Ready: 0, Pausing: 2, Paused: 3, Starting: 4, Stopping: 5, Stopped: 6 };

export interface RunHooks {
  /**
   * The invocation is over (its concurrency slot can go), which can be after its answer; `refusal` is why
   * it never got an environment, if it did not.
   */
  onEnded?: (refusal?: unknown) => void;
  /** The invocation has its environment (its wait in line is over). */
  onPlaced?: () => void;
  /** See Execution.waitForRoom (default true). */
  waitForRoom?: boolean;
}

/** An invocation in line for an environment of its key. */
interface Waiter {
  key: string;
  plan: (id: string) => SandboxPlan;
  invocation: SandboxInvocation;
  onEnded: () => void;
  /** Without room for another environment: wait for one of this key's to free up, or be refused as full. */
  waitForRoom: boolean;
  /** When it joined the line: the one waiting longest is served first. */
  since: number;
  /** Not before this does a new environment start for it (a runtime about to ask for more may serve it). */
  launchAt: number;
  settle: (outcome: { running: Promise<SandboxResult> } | { error: unknown }) => void;
}

/**
 * Every execution environment of this worker, grouped by environment key (a function and the settings
 * its environments were built with). Reuses the most recently used free environment first, so surplus
 * ones go idle, freeze, and are recycled.
 *
 * An invocation that finds no free environment joins its key's line. A new environment starts for the
 * one waiting longest, at most `maxConcurrentLaunches` at a time on the engine, and every environment
 * that becomes free serves the one waiting longest: a burst is served by the environments that are up
 * while more come up, instead of each caller waiting for a container of its own.
 */
export class SandboxPool {
  private readonly byKey = new Map<string, Set<Sandbox>>();
  private readonly keyOf = new Map<Sandbox, string>();
  private inFlight = 0;
  private draining = false;
  private readonly removed = new Set<() => void>();
  /** Per key, the invocations waiting for an environment, longest first. */
  private readonly lines = new Map<string, Waiter[]>();
  /** New environments whose container is not yet running (the engine's part of a cold start). */
  private readonly launching = new Set<Sandbox>();
  private pumpTimer: NodeJS.Timeout | undefined;
  /** The counts last told to options.onOccupancy, per key. */
  private readonly occupancy = new Map<string, { idle: number; all: number }>();

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

  /** Invocations waiting in line for an environment. */
  get queued(): number {
    let count = 0;
    for (const line of this.lines.values()) count += line.length;
    return count;
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
    hooks: RunHooks = {},
  ): Promise<SandboxResult> {
    const { onEnded = () => undefined, onPlaced = () => undefined, waitForRoom = true } = hooks;
    if (this.draining) {
      onEnded();
      throw new LambdaError('ServiceException', 'lambdock is shutting down.', { retryable: true });
    }
    // The slot is held until the invocation is over, which can be after its answer: work a runtime does
    // between posting its response and asking for the next event counts, as on AWS.
    this.inFlight += 1;
    let held = true;
    const release = (refusal?: unknown) => {
      if (!held) return;
      held = false;
      this.inFlight -= 1;
      onEnded(refusal);
    };
    try {
      const now = this.placeNow(key, invocation, release);
      if (now !== undefined) {
        onPlaced();
        return await now;
      }
      return await this.wait(key, plan, invocation, release, onPlaced, waitForRoom);
    } catch (error) {
      release(error);
      throw error;
    }
  }

  /** In a free environment, if there is one: a running runtime first, the most recently used first. */
  private placeNow(key: string, invocation: SandboxInvocation, onEnded: () => void): Promise<SandboxResult> | undefined {
    const nowMs = Date.now();
    const candidates = [...(this.byKey.get(key) ?? [])]
      .filter((s) => {
        // Past its age (its credentials about to expire), a free environment goes instead of serving.
        if (s.plan.retireAtMs === undefined || nowMs < s.plan.retireAtMs) return s.available;
        if (s.available) s.retire();
        return false;
      })
      .sort(
        (a, b) =>
          // Provisioned environments first (initialised for this), then by state, the most recent first.
          Number(b.plan.provisioned === true) - Number(a.plan.provisioned === true) ||
          (PREFERENCE[a.currentState.kind] ?? 9) - (PREFERENCE[b.currentState.kind] ?? 9) ||
          b.lastUsedAt - a.lastUsedAt,
      );
    for (const sandbox of candidates) {
      if (!this.roomToThaw(sandbox)) continue;
      const running = sandbox.invoke(invocation, onEnded);
      if (running !== undefined) return running;
    }
    return undefined;
  }

  /** Joins the key's line; settled by an environment that becomes free or one started for it. */
  private wait(
    key: string,
    plan: (id: string) => SandboxPlan,
    invocation: SandboxInvocation,
    onEnded: () => void,
    onPlaced: () => void,
    waitForRoom: boolean,
  ): Promise<SandboxResult> {
    return new Promise<{ running: Promise<SandboxResult> } | { error: unknown }>((resolve) => {
      const line = this.lines.get(key) ?? [];
      this.lines.set(key, line);
      const now = performance.now();
      // A runtime that has just answered asks for its next invocation within moments: give it the chance
      // to serve this one before a new environment starts (a client on this host can beat the runtime).
      const answered = [...(this.byKey.get(key) ?? [])].filter((s) => s.currentState.kind === 'AwaitingNext').length;
      const waiter: Waiter = {
        key,
        plan,
        invocation,
        onEnded,
        waitForRoom,
        since: now,
        launchAt: answered > line.length ? now + HANDOFF_MS : now,
        settle: (outcome) => {
          clearTimeout(timer);
          resolve(outcome);
        },
      };
      const maxWaitMs = this.options.maxQueueWaitMs ?? DEFAULT_QUEUE_WAIT_MS;
      const timer = setTimeout(() => {
        this.leave(waiter);
        waiter.settle({ error: new QueueTimeoutError(maxWaitMs) });
        this.pump();
      }, maxWaitMs);
      timer.unref();
      line.push(waiter);
      this.pump();
    }).then((outcome) => {
      if ('error' in outcome) throw outcome.error;
      onPlaced();
      return outcome.running;
    });
  }

  private leave(waiter: Waiter): void {
    const line = this.lines.get(waiter.key);
    if (line === undefined) return;
    const at = line.indexOf(waiter);
    if (at >= 0) line.splice(at, 1);
    if (line.length === 0) this.lines.delete(waiter.key);
  }

  /**
   * Starts environments for waiting invocations, the one waiting longest first across keys, while the
   * engine has launches to spare and the memory budget room. A key with nothing of its own that could
   * free up, and no room, is throttled at once.
   */
  private pump(): void {
    if (this.lines.size === 0) return;
    const limit = this.options.maxConcurrentLaunches ?? Number.POSITIVE_INFINITY;
    const now = performance.now();
    let nextLaunchAt = Number.POSITIVE_INFINITY;
    const blocked = new Set<string>();
    const due = () => {
      let oldest: Waiter | undefined;
      for (const [key, line] of this.lines) {
        if (blocked.has(key)) continue;
        for (const waiter of line) {
          if (waiter.launchAt > now) {
            nextLaunchAt = Math.min(nextLaunchAt, waiter.launchAt);
            continue;
          }
          if (oldest === undefined || waiter.since < oldest.since) oldest = waiter;
          break;
        }
      }
      return oldest;
    };
    while (this.launching.size < limit) {
      const waiter = due();
      if (waiter === undefined) break;
      // A frozen environment of its own that had no room to thaw when it came may have it now.
      const thawed = this.placeNow(waiter.key, waiter.invocation, waiter.onEnded);
      if (thawed !== undefined) {
        this.leave(waiter);
        waiter.settle({ running: thawed });
        continue;
      }
      let planned: SandboxPlan;
      try {
        planned = waiter.plan(randomBytes(16).toString('hex'));
      } catch (error) {
        // Its own failure (pump also runs from other sandboxes' state changes: nothing else may break).
        this.leave(waiter);
        waiter.settle({ error });
        continue;
      }
      try {
        this.makeRoom(planned);
      } catch (error) {
        // Busy environments of this key will serve the line as they free up; without any, nothing will.
        const busy = (this.byKey.get(waiter.key)?.size ?? 0) > 0;
        if (busy) blocked.add(waiter.key);
        for (const throttled of [...(this.lines.get(waiter.key) ?? [])]) {
          if (busy && throttled.waitForRoom) continue;
          this.leave(throttled);
          throttled.settle({ error });
        }
        continue;
      }
      this.leave(waiter);
      const sandbox = this.create(waiter.key, planned);
      this.launching.add(sandbox);
      const running = sandbox.invoke(waiter.invocation, waiter.onEnded);
      if (running === undefined) waiter.settle({ error: new Error('a new sandbox refused its first invocation') });
      else waiter.settle({ running });
    }
    clearTimeout(this.pumpTimer);
    this.pumpTimer = undefined;
    if (Number.isFinite(nextLaunchAt)) {
      this.pumpTimer = setTimeout(() => this.pump(), Math.max(1, nextLaunchAt - performance.now()));
      this.pumpTimer.unref();
    }
  }

  /**
   * Within the memory budget, a new environment takes the place of idle ones (least recently used first,
   * retired now); when every environment is busy there is no room, and the caller is throttled.
   */
  private makeRoom(plan: SandboxPlan): void {
    // One that will claim a parked stem cell brings its own memory: the stem cell's, counted already.
    const stems = this.deps.stemCells;
    const claims = plan.stemCell !== undefined && stems?.has(plan.stemCell.key) === true;
    const need = claims ? { memoryMb: 0, tmpMb: 0 } : footprintOf(plan);
    if (!this.evictFor(need)) throw new HostFullError(need, this.budget() ?? {});
  }

  /**
   * A frozen environment is charged what it took as it froze (see Sandbox.charge): before it is handed an
   * invocation its configured footprint must fit again, idle ones evicted for it if need be. False when
   * it does not fit even so (the invocation then goes the way of one that found no free environment).
   */
  private roomToThaw(sandbox: Sandbox): boolean {
    if (sandbox.currentState.kind !== 'Paused') return true;
    const charged = sandbox.charge;
    const need = footprintOf(sandbox.plan);
    if (charged.memoryMb >= need.memoryMb && charged.tmpMb >= need.tmpMb) return true;
    return this.evictFor(need, sandbox);
  }

  /** There is room for `need` within the budget without evicting anything (the stem cells ask before each is made). */
  hasRoomFor(need: { memoryMb: number; tmpMb: number }): boolean {
    const budget = this.budget();
    if (budget === undefined) return true;
    return planRoom(this.capacityEntries(this.liveSandboxes()), need, budget)?.length === 0;
  }

  private budget(): { memoryMb?: number; tmpMb?: number } | undefined {
    const budget = { memoryMb: this.options.memoryBudgetMb, tmpMb: this.options.tmpBudgetMb };
    return budget.memoryMb === undefined && budget.tmpMb === undefined ? undefined : budget;
  }

  private liveSandboxes(): Sandbox[] {
    return [...this.keyOf.keys()].filter((s) => s.currentState.kind !== 'Removing');
  }

  /**
   * Retires idle environments (least recently used first) until `need` fits beside the rest, parked stem
   * cells going first; `thawing` (one about to be charged `need` instead of what it is charged now) is
   * left out of the count and never evicted. False, and nothing retired, when it cannot fit.
   */
  private evictFor(need: { memoryMb: number; tmpMb: number }, thawing?: Sandbox): boolean {
    const budget = this.budget();
    if (budget === undefined) return true;
    const live = this.liveSandboxes().filter((s) => s !== thawing);
    let evict = planRoom(this.capacityEntries(live), need, budget);
    // Parked stem cells go before any idle environment does (those answer warm invokes; a stem cell is a spare).
    const stems = this.deps.stemCells;
    if (stems !== undefined && (evict === undefined || evict.length > 0) && stems.held.memoryMb + stems.held.tmpMb > 0) {
      stems.shrink(need);
      evict = planRoom(this.capacityEntries(live), need, budget);
    }
    if (evict === undefined) return false;
    for (const sandbox of live) if (evict.includes(sandbox.id)) sandbox.retire();
    return true;
  }

  /**
   * The environments as the capacity check sees them (each by its charge: a frozen one by what it takes),
   * with the stem cells' share (never evicted by it).
   */
  private capacityEntries(live: Sandbox[]) {
    // Provisioned environments are never evicted: only their configuration's removal retires them.
    const entries = live.map((s) => ({
      id: s.id,
      ...s.charge,
      idle: s.available && s.plan.provisioned !== true,
      lastUsedAt: s.lastUsedAt,
    }));
    const held = this.deps.stemCells?.held;
    if (held !== undefined && held.memoryMb + held.tmpMb > 0) entries.push({ id: '', ...held, idle: false, lastUsedAt: 0 });
    return entries;
  }

  private create(key: string, plan: SandboxPlan): Sandbox {
    const sandbox = new Sandbox(plan, {
      ...this.deps,
      onStateChange: (s, state) => this.track(s, state),
      onStarted: (s, phases) => {
        this.deps.onStarted?.(s, phases);
        if (this.launching.delete(s)) this.pump();
      },
    });
    let group = this.byKey.get(key);
    if (group === undefined) {
      group = new Set();
      this.byKey.set(key, group);
    }
    group.add(sandbox);
    this.keyOf.set(sandbox, key);
    this.noteOccupancy(key);
    return sandbox;
  }

  private track(sandbox: Sandbox, state: SandboxState): void {
    if (sandbox.available) {
      this.handOver(sandbox);
      // One that stayed free is room for others' lines (it can be evicted, e.g. for a frozen one's thaw).
      if (sandbox.available && this.lines.size > 0) this.pump();
    }
    // A launch is over once its container runs or it failed; memory is free once it is removed.
    if (state.kind !== 'Starting' && this.launching.delete(sandbox)) this.pump();
    const key = this.keyOf.get(sandbox);
    if (key === undefined) return;
    if (state.kind === 'Removed') {
      this.keyOf.delete(sandbox);
      const group = this.byKey.get(key);
      group?.delete(sandbox);
      if (group?.size === 0) this.byKey.delete(key);
      this.pump();
    }
    this.noteOccupancy(key);
    if (state.kind === 'Removed' && this.keyOf.size === 0) {
      for (const notify of this.removed) notify();
      this.removed.clear();
    }
  }

  /** Tells options.onOccupancy of a key whose counts changed. */
  private noteOccupancy(key: string): void {
    const report = this.options.onOccupancy;
    if (report === undefined) return;
    let idle = 0;
    let all = 0;
    for (const sandbox of this.byKey.get(key) ?? []) {
      if (sandbox.currentState.kind === 'Removing') continue;
      all += 1;
      // One whose runtime has answered is free within moments (an invocation sent here waits for it).
      if (sandbox.available || (sandbox.currentState.kind === 'AwaitingNext' && !sandbox.retiring)) idle += 1;
    }
    const last = this.occupancy.get(key);
    if (last !== undefined && last.idle === idle && last.all === all) return;
    if (all === 0) this.occupancy.delete(key);
    else this.occupancy.set(key, { idle, all });
    if (last === undefined && all === 0) return;
    report(key, { idle, all });
  }

  /** Memory (MB) the environments of this worker are charged now (see Sandbox.charge), for its capacity report. */
  get memoryUsedMb(): number {
    let used = 0;
    for (const sandbox of this.keyOf.keys()) if (sandbox.currentState.kind !== 'Removing') used += sandbox.charge.memoryMb;
    return used;
  }

  /** Gives an environment that just became free to the invocation of its key waiting longest. */
  private handOver(sandbox: Sandbox): void {
    const key = this.keyOf.get(sandbox);
    const waiter = key === undefined ? undefined : this.lines.get(key)?.[0];
    if (waiter === undefined || !this.roomToThaw(sandbox)) return;
    const running = sandbox.invoke(waiter.invocation, waiter.onEnded);
    if (running === undefined) return;
    this.leave(waiter);
    waiter.settle({ running });
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
        this.makeRoom(planned);
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
    for (const line of [...this.lines.values()]) {
      for (const waiter of [...line]) {
        this.leave(waiter);
        waiter.settle({ error: new LambdaError('ServiceException', 'lambdock is shutting down.', { retryable: true }) });
      }
    }
    await this.retireAll();
  }
}
