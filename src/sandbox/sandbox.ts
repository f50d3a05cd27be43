import type {
  ContainerDriver,
  ContainerSpec,
  NetworkSlot,
  NetworkSlotProvider,
  OutputPipe,
  OutputPipeProvider,
  ScratchDisk,
  ScratchDiskProvider,
  ScratchMount,
} from '../docker/container-driver.js';
import type { ShutdownReason } from '../runtime-api/extension-state.js';
import type { RuntimeApi, RuntimeApiFactory, RuntimeInvocation } from '../runtime-api/runtime-api-server.js';
import { LogCollector, formatInitReport, type LogSink, type ReportStatus } from './log-collector.js';
import { nextTypicalGap, pauseGraceFor } from './pause-grace.js';
import { chargeOf, type Footprint } from './capacity.js';
import type { StemCell, StemCellFit, StemCellSource, StemClaim } from './stem-cell.js';
import {
  createSandbox,
  isAvailable,
  transition,
  type InvocationEnding,
  type SandboxEffect,
  type SandboxEvent,
  type SandboxOutcome,
  type SandboxState,
  type TimerName,
} from './sandbox-state.js';

/** One invocation as the sandbox runs it. */
export interface SandboxInvocation {
  requestId: string;
  payload: Buffer;
  invokedFunctionArn: string;
  clientContext?: string;
  traceId?: string;
  /** Keep the log lines for `X-Amz-Log-Type: Tail`. */
  tail: boolean;
}

export interface SandboxResult {
  outcome: SandboxOutcome;
  /** Base64 of the last 4 KB of the invocation's log, when a tail was asked for. */
  logTail?: string;
  durationMs: number;
}

export interface SandboxPlan {
  id: string;
  functionName: string;
  version: string;
  memorySizeMb: number;
  timeoutMs: number;
  initTimeoutMs: number;
  pauseGraceMs: number;
  idleKeepAliveMs: number;
  ephemeralStorageMb: number;
  runtimeApiBindHost: string;
  runtimeApiAdvertiseHost: string;
  maxPayloadBytes: number;
  labels: Record<string, string>;
  /** Provisioned concurrency: initialised ahead of invocations and never removed for idleness. */
  provisioned?: boolean;
  /**
   * When (epoch ms) the environment is no longer handed invocations and is retired once free: before its
   * execution-role credentials expire (they cannot change inside a running process). None: no limit.
   */
  retireAtMs?: number;
  /** Host folder of the function's code, mounted at /var/task (the code store keeps it while this sandbox lives). */
  codeDir?: string;
  /** Host folder of the function's layers merged, mounted at /opt (kept while this sandbox lives); none without layers. */
  optDir?: string;
  /** The function's handler and account, as `extension/register` tells extensions. */
  handler?: string;
  accountId?: string;
  /**
   * File names in /opt/extensions (the external extensions the container starts), when known: init then
   * waits for each to register, and other registrations are internal (no SHUTDOWN). Unknown: every
   * extension counts as external.
   */
  externalExtensions?: readonly string[];
  /**
   * The stem cells this environment can start from (its settings are those of a generic container of
   * their key); none: it always cold-starts with a container of its own.
   */
  stemCell?: StemCellFit;
  /**
   * The container to run, given the Runtime API address, the /tmp volume, the network to join and the
   * host folder of the output pipe its stdout and stderr must go to.
   */
  containerSpec(runtimeApi: string, scratch: ScratchMount, networkMode: string, outputDir: string): ContainerSpec;
}

export interface SandboxDeps {
  driver: ContainerDriver;
  scratch: ScratchDiskProvider;
  network: NetworkSlotProvider;
  outputs: OutputPipeProvider;
  createRuntimeApi: RuntimeApiFactory;
  logSink: LogSink;
  /** Told of every state change (the pool keeps its indexes with it). */
  onStateChange: (sandbox: Sandbox, state: SandboxState) => void;
  onOperationError: (error: unknown, sandbox: Sandbox, operation: string) => void;
  /** Phases of a (re)start in ms, for the service log. */
  onStarted?: (sandbox: Sandbox, phases: Record<string, number>) => void;
  /**
   * Bounds the container starts (cold starts and restarts) in flight on the engine: a burst of cold
   * starts queues here instead of piling onto the engine until each of them runs out of time.
   */
  starts?: { run<T>(work: () => Promise<T>): Promise<T> };
  /** Parked generic containers a cold start can claim instead of creating one (see SandboxPlan.stemCell). */
  stemCells?: StemCellSource;
}

interface Running {
  invocation: SandboxInvocation;
  acceptedAt: number;
  deliveredAt?: number;
  /** Set once the caller has been answered (tail callers get their answer when the log ends). */
  result?: SandboxResult;
  /** The REPORT's memory figure, read while the runtime gets round to asking for more (tail callers). */
  peakRead?: Promise<void>;
  resolve: (result: SandboxResult) => void;
  /** The invocation is over (the runtime asked for more, or was cut short): its slot is free. */
  onEnded: () => void;
}

/** The REPORT status of an invocation that ended with `outcome`, when it was cut short. */
function statusOf(outcome: SandboxOutcome): ReportStatus | undefined {
  switch (outcome.kind) {
    case 'timeout':
      return { status: 'timeout' };
    case 'exit':
      return { status: 'error', errorType: outcome.exit.oomKilled ? 'Runtime.OutOfMemory' : 'Runtime.ExitError' };
    case 'init-error':
      return { status: 'error', errorType: outcome.errorType };
    default:
      return undefined;
  }
}

function statusOfEnding(ending: InvocationEnding): ReportStatus | undefined {
  if (ending.kind === 'next') return undefined;
  return ending.kind === 'timeout' ? statusOf({ kind: 'timeout' }) : statusOf({ kind: 'exit', exit: ending.exit });
}

const describeError = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * Runs one execution environment: feeds events to the pure state machine and performs its effects,
 * the Docker operations one at a time, in order.
 */
export class Sandbox {
  private state: SandboxState;
  private readonly timers = new Map<TimerName, NodeJS.Timeout>();
  private readonly invocations = new Map<string, Running>();
  private operations: Promise<void> = Promise.resolve();
  private readonly runtimeApi: RuntimeApi;
  private readonly logs: LogCollector;
  private containerId: string | undefined;
  private scratchDisk: ScratchDisk | undefined;
  private networkSlot: NetworkSlot | undefined;
  private output: OutputPipe | undefined;
  private unwatch: (() => void) | undefined;
  /** The stem cell this sandbox started from, and what it was handed (again after each restart). */
  private stem: { cell: StemCell; claim: StemClaim } | undefined;
  private startBeganAt = 0;
  /** The container is paused (by this runner). */
  private frozen = false;
  /** What it was measured to take when it was last frozen (see charge). */
  private frozenUse: Partial<Footprint> | undefined;
  /** Init is running (from a start until the runtime first asks for work). */
  private initializing = false;
  private initDurationMs: number | undefined;
  private peakMemoryMb: number | undefined;
  /**
   * The runtime process generation: one per start of the container, with the time it was started at
   * (the engine runs on this host, so its event times are on the same clock). An engine 'die' event from
   * before it belongs to an earlier run (e.g. the one a kill ended) and is not news; one whose lookup
   * finishes after a newer start is dropped too. Kills need no bookkeeping: the state machine waits for
   * the kill itself in Stopping and ignores the engine's report of it there.
   */
  private run = 0;
  private runStartedAt = Number.POSITIVE_INFINITY;
  /** When the last invocation was handed to the runtime, and the typical gap between them (see pause-grace). */
  private lastDeliveredAt: number | undefined;
  private typicalGapMs: number | undefined;
  /** Last time an invocation finished here: the pool reuses the most recent first. */
  lastUsedAt = 0;

  constructor(
    readonly plan: SandboxPlan,
    private readonly deps: SandboxDeps,
  ) {
    this.logs = new LogCollector(deps.logSink);
    this.runtimeApi = deps.createRuntimeApi({
      bindHost: plan.runtimeApiBindHost,
      maxPayloadBytes: plan.maxPayloadBytes,
      extensions: {
        metadata: {
          functionName: plan.functionName,
          functionVersion: plan.version,
          handler: plan.handler ?? '',
          ...(plan.accountId === undefined ? {} : { accountId: plan.accountId }),
        },
        ...(plan.externalExtensions === undefined ? {} : { externalNames: plan.externalExtensions }),
      },
      listener: {
        waiting: () => this.dispatch({ type: 'RuntimeWaiting' }),
        responded: (requestId, payload) => this.dispatch({ type: 'Responded', requestId, payload }),
        errored: (requestId, errorType, payload) => this.dispatch({ type: 'Errored', requestId, errorType, payload }),
        responseTooLarge: (requestId, size) => this.dispatch({ type: 'ResponseTooLarge', requestId, size }),
        initFailed: (errorType, payload) => this.dispatch({ type: 'InitFailed', errorType, payload }),
      },
    });
    const t = createSandbox();
    this.state = t.next;
    this.perform(t.effects);
  }

  get id(): string {
    return this.plan.id;
  }

  get currentState(): SandboxState {
    return this.state;
  }

  get container(): string | undefined {
    return this.containerId;
  }

  /** The stem cell this sandbox started from, if it did. */
  get stemCellId(): string | undefined {
    return this.stem?.cell.id;
  }

  /** Retired while busy: it goes once its invocation ends. */
  get retiring(): boolean {
    return 'retiring' in this.state && this.state.retiring === true;
  }

  get available(): boolean {
    return isAvailable(this.state);
  }

  /**
   * Runs an invocation here, or answers undefined when this sandbox can't take it now. The result comes
   * as soon as the runtime answers; `onEnded` is called once the invocation is over (the runtime asked
   * for the next one, or was cut short), which can be later.
   */
  invoke(invocation: SandboxInvocation, onEnded: () => void = () => undefined): Promise<SandboxResult> | undefined {
    if (!isAvailable(this.state)) return undefined;
    return new Promise((resolve) => {
      this.invocations.set(invocation.requestId, { invocation, acceptedAt: performance.now(), resolve, onEnded });
      this.dispatch({ type: 'Invoke', invocation: { requestId: invocation.requestId } });
    });
  }

  retire(): void {
    this.dispatch({ type: 'Retire' });
  }

  dispatch(event: SandboxEvent): void {
    if (event.type === 'RuntimeWaiting' && this.state.kind === 'Starting') {
      // An init ahead of any invocation (provisioned concurrency) is not part of the next one's REPORT.
      this.initDurationMs = this.state.pending === undefined ? undefined : performance.now() - this.startBeganAt;
      // Everything init printed is in before the first START.
      this.output?.drain();
      this.initializing = false;
    }
    const t = transition(this.state, event);
    const changed = t.next !== this.state;
    this.state = t.next;
    this.perform(t.effects);
    if (changed) this.deps.onStateChange(this, this.state);
  }

  private perform(effects: SandboxEffect[]): void {
    for (const effect of effects) {
      switch (effect.type) {
        case 'Arm':
          this.arm(effect.timer);
          break;
        case 'Cancel':
          clearTimeout(this.timers.get(effect.timer));
          this.timers.delete(effect.timer);
          break;
        case 'Deliver':
          this.deliver(effect.invocation.requestId);
          break;
        case 'Complete':
          this.respond(effect.invocation.requestId, effect.outcome);
          this.end(effect.invocation.requestId, statusOf(effect.outcome));
          break;
        case 'Respond':
          this.respond(effect.invocation.requestId, effect.outcome);
          break;
        case 'End':
          this.end(effect.invocation.requestId, statusOfEnding(effect.ending));
          break;
        default:
          this.enqueue(effect);
      }
    }
  }

  private arm(timer: TimerName): void {
    // A provisioned environment stays until its configuration goes.
    if (timer === 'idle' && this.plan.provisioned === true) return;
    const ms = {
      init: this.plan.initTimeoutMs,
      deadline: this.plan.timeoutMs,
      grace: pauseGraceFor(this.plan.pauseGraceMs, this.typicalGapMs),
      idle: this.plan.idleKeepAliveMs,
    }[timer];
    clearTimeout(this.timers.get(timer));
    const handle = setTimeout(() => {
      this.timers.delete(timer);
      this.dispatch({ type: 'TimerFired', timer });
    }, ms);
    handle.unref();
    this.timers.set(timer, handle);
  }

  private deliver(requestId: string): void {
    const running = this.invocations.get(requestId);
    if (running === undefined) return;
    running.deliveredAt = performance.now();
    if (this.lastDeliveredAt !== undefined) this.typicalGapMs = nextTypicalGap(this.typicalGapMs, running.deliveredAt - this.lastDeliveredAt);
    this.lastDeliveredAt = running.deliveredAt;
    const inv = running.invocation;
    this.logs.begin(requestId, this.plan.version, inv.tail);
    const delivered: RuntimeInvocation = {
      requestId,
      payload: inv.payload,
      deadlineMs: Date.now() + this.plan.timeoutMs,
      invokedFunctionArn: inv.invokedFunctionArn,
    };
    if (inv.clientContext !== undefined) delivered.clientContext = inv.clientContext;
    if (inv.traceId !== undefined) delivered.traceId = inv.traceId;
    this.runtimeApi.deliver(delivered);
  }

  /** Answers the caller (a tail caller waits for the end of the log). */
  private respond(requestId: string, outcome: SandboxOutcome): void {
    const running = this.invocations.get(requestId);
    if (running === undefined || running.result !== undefined) return;
    const durationMs = Math.min(performance.now() - (running.deliveredAt ?? running.acceptedAt), this.plan.timeoutMs);
    running.result = { outcome, durationMs };
    if (!running.invocation.tail) running.resolve(running.result);
    else running.peakRead = this.refreshPeakMemory();
  }

  /**
   * Ends an invocation: everything its runtime wrote so far is read from the output pipe first, so its
   * log holds exactly its own lines; then END, REPORT, and its concurrency slot is freed.
   */
  private end(requestId: string, status: ReportStatus | undefined): void {
    const running = this.invocations.get(requestId);
    if (running === undefined) return;
    this.invocations.delete(requestId);
    const now = performance.now();
    this.lastUsedAt = now;
    this.output?.drain();
    const tail = running.invocation.tail;
    if (running.deliveredAt === undefined) {
      // Failed before it was handed over: init failed, or the thaw or start did.
      if (this.initializing && status !== undefined) {
        this.logs.note(formatInitReport(Math.min(now - this.startBeganAt, this.plan.initTimeoutMs), status));
      }
      this.logs.begin(requestId, this.plan.version, tail);
    }
    if (status?.status === 'timeout' && running.deliveredAt !== undefined) {
      this.logs.note(
        `${new Date().toISOString()} ${requestId} Task timed out after ${(this.plan.timeoutMs / 1000).toFixed(2)} seconds`,
      );
    }
    // A timed-out invocation lasted its timeout (its timer may fire a fraction of a ms early).
    const durationMs =
      status?.status === 'timeout' && running.deliveredAt !== undefined
        ? this.plan.timeoutMs
        : Math.min(now - (running.deliveredAt ?? running.acceptedAt), this.plan.timeoutMs);
    const initDurationMs = this.initDurationMs;
    this.initDurationMs = undefined;
    const report = () => ({
      durationMs,
      memorySizeMb: this.plan.memorySizeMb,
      maxMemoryUsedMb: this.peakMemoryMb,
      initDurationMs,
      ...(status === undefined ? {} : { status }),
    });
    const ended = this.logs.end(requestId, report, running.peakRead ?? this.refreshPeakMemory());
    running.onEnded();
    const result = running.result ?? { outcome: { kind: 'platform-error', message: 'The invocation ended unanswered.' }, durationMs };
    if (!tail) return;
    void ended.then((logTail) => running.resolve(logTail === undefined ? result : { ...result, logTail }));
  }

  /**
   * What this environment takes of its worker's budget now: while frozen, the memory its cgroup is charged
   * and the disk its /tmp image holds, as measured when it froze; otherwise its MemorySize and
   * EphemeralStorage (a thaw charges them again as the invocation is accepted, before it runs).
   */
  get charge(): Footprint {
    const configured = { memoryMb: this.plan.memorySizeMb, tmpMb: this.plan.ephemeralStorageMb };
    return chargeOf(configured, this.state.kind === 'Paused' ? this.frozenUse : undefined);
  }

  /** Reads what the frozen container takes (sync counters and a stat: microseconds). */
  private async measureFrozen(id: string): Promise<void> {
    const memory = await this.deps.driver.fetchMemoryUsage(id).catch(() => undefined);
    const tmp = this.scratchDisk?.allocatedBytes?.();
    this.frozenUse = {
      ...(memory === undefined ? {} : { memoryMb: memory / 2 ** 20 }),
      ...(tmp === undefined ? {} : { tmpMb: tmp / 2 ** 20 }),
    };
  }

  /** Peak memory of the environment so far (the cgroup's high-water mark), for REPORT lines. */
  private async refreshPeakMemory(): Promise<void> {
    if (this.containerId === undefined) return;
    const peak = await this.deps.driver.fetchPeakMemory(this.containerId).catch(() => undefined);
    if (peak !== undefined) this.peakMemoryMb = Math.ceil(peak / 1048576);
  }

  private enqueue(effect: SandboxEffect): void {
    this.operations = this.operations.then(() => this.operate(effect));
  }

  private async operate(effect: SandboxEffect): Promise<void> {
    const driver = this.deps.driver;
    try {
      switch (effect.type) {
        case 'Start':
          return await this.start();
        case 'Pause': {
          const id = this.requireContainer();
          await driver.pauseContainer(id);
          this.frozen = true;
          await this.measureFrozen(id);
          return this.dispatch({ type: 'Paused' });
        }
        case 'Unpause':
          await driver.unpauseContainer(this.requireContainer());
          this.frozen = false;
          return this.dispatch({ type: 'Unpaused' });
        case 'Kill': {
          const id = this.requireContainer();
          // AWS's reset: extensions get SHUTDOWN (timeout or failure) and the runtime SIGTERM first.
          await this.shutDown(effect.reason);
          this.runtimeApi.reset();
          // The engine also reports this stop as a 'die' event: the state machine, Stopping, ignores it.
          await driver.killContainer(id);
          // Stopping ends on this, not on the engine's event stream, which can miss an event.
          const exit = await driver.waitForExit(id);
          // The killed process's last output is not the next run's init output.
          this.output?.drain();
          return this.dispatch({ type: 'Killed', exit });
        }
        case 'Remove':
          return await this.remove();
        default:
          return;
      }
    } catch (error) {
      this.deps.onOperationError(error, this, effect.type);
      if (effect.type === 'Remove') return this.dispatch({ type: 'Removed' });
      const operations = { Start: 'start', Pause: 'pause', Unpause: 'unpause', Kill: 'kill' } as const;
      const operation = operations[effect.type as keyof typeof operations];
      this.dispatch({ type: 'OperationFailed', operation, message: describeError(error), cause: error });
    }
  }

  private requireContainer(): string {
    if (this.containerId === undefined) throw new Error('the sandbox has no container');
    return this.containerId;
  }

  /** Cold start (create the container) or restart after a reset (same container, same /tmp), in turn with the others. */
  private async start(): Promise<void> {
    // A claim is no engine call: it does not wait in line with the container starts.
    const fit = this.containerId === undefined ? this.plan.stemCell : undefined;
    const stem = fit === undefined ? undefined : this.deps.stemCells?.take(fit);
    if (stem !== undefined) return this.startFromStemCell(stem);
    await (this.deps.starts === undefined ? this.startNow() : this.deps.starts.run(() => this.startNow()));
  }

  /**
   * Cold start from a stem cell: its container, /tmp, network slot and output pipe become this sandbox's,
   * and its parked runtime gets the function's code and environment (this sandbox's Runtime API among
   * them). No container is created or started; init runs from the claim.
   */
  private async startFromStemCell(cell: StemCell): Promise<void> {
    const began = (this.startBeganAt = performance.now());
    this.runtimeApi.reset();
    cell.adopt();
    // Taken over at once, so that removing the sandbox releases them whatever fails below.
    this.stem = { cell, claim: { env: {} } };
    this.containerId = cell.containerId;
    this.scratchDisk = cell.scratchDisk;
    this.networkSlot = cell.networkSlot;
    this.output = cell.output;
    const port = await this.runtimeApi.listen();
    this.runtimeApi.allow(cell.networkSlot.address);
    // What the stem cell printed before its claim is not the function's (its own reader drops it).
    cell.output.drain();
    cell.output.read((chunk) => this.logs.write('stdout', chunk));
    const spec = this.plan.containerSpec(
      `${this.plan.runtimeApiAdvertiseHost}:${port}`,
      cell.scratchDisk,
      `container:${cell.networkSlot.holderId}`,
      cell.output.hostDir,
    );
    const claim: StemClaim = {
      env: spec.env,
      ...(this.plan.codeDir === undefined ? {} : { codeDir: this.plan.codeDir }),
      ...(this.plan.optDir === undefined ? {} : { optDir: this.plan.optDir }),
    };
    this.stem = { cell, claim };
    const id = cell.containerId;
    this.unwatch = this.deps.driver.watchExits((exited, atMs) => {
      if (exited === id) this.onContainerExit(id, atMs);
    });
    this.logs.startInit();
    this.initializing = true;
    this.run += 1;
    this.runStartedAt = Date.now() + 1;
    await cell.deliver(claim);
    this.dispatch({ type: 'ContainerStarted' });
    this.deps.onStarted?.(this, { claim: Math.round((performance.now() - began) * 10) / 10 });
  }

  private async startNow(): Promise<void> {
    const driver = this.deps.driver;
    const began = (this.startBeganAt = performance.now());
    const phases: Record<string, number> = {};
    const mark = (phase: string, since: number) => {
      const now = performance.now();
      phases[phase] = Math.round((now - since) * 10) / 10;
      return now;
    };
    this.runtimeApi.reset();
    let at = began;
    if (this.containerId === undefined) {
      const timed = <T>(name: string, work: Promise<T>): Promise<T> =>
        work.finally(() => {
          phases[name] = Math.round((performance.now() - at) * 10) / 10;
        });
      const [port, disk, slot, output] = await Promise.allSettled([
        this.runtimeApi.listen(),
        timed('disk', this.deps.scratch.createScratchDisk(this.plan.ephemeralStorageMb, this.plan.labels)),
        timed('network', this.deps.network.acquireNetworkSlot()),
        this.deps.outputs.createOutputPipe(this.plan.id),
      ]);
      // Keep whatever was acquired, so that removing the sandbox releases it even when another part failed.
      if (disk.status === 'fulfilled') this.scratchDisk = disk.value;
      if (slot.status === 'fulfilled') this.networkSlot = slot.value;
      if (output.status === 'fulfilled') this.output = output.value;
      for (const result of [port, disk, slot, output]) if (result.status === 'rejected') throw result.reason;
      if (port.status !== 'fulfilled' || disk.status !== 'fulfilled' || slot.status !== 'fulfilled') return;
      if (output.status !== 'fulfilled') return;
      // The holder's address is the sandbox's: from now on only it may reach this Runtime API.
      this.runtimeApi.allow(slot.value.address);
      output.value.read((chunk) => this.logs.write('stdout', chunk));
      at = mark('resources', at);
      const spec = this.plan.containerSpec(
        `${this.plan.runtimeApiAdvertiseHost}:${port.value}`,
        disk.value,
        `container:${slot.value.holderId}`,
        output.value.hostDir,
      );
      const id = await driver.createContainer(spec);
      this.containerId = id;
      this.unwatch = driver.watchExits((exited, atMs) => {
        if (exited === id) this.onContainerExit(id, atMs);
      });
      at = mark('create', at);
    }
    const id = this.containerId;
    this.output?.drain();
    this.logs.startInit();
    this.initializing = true;
    this.run += 1;
    // Date.now() is in whole ms: +1 so that the previous run's 'die' in this same ms is still before it
    // (no run dies within a millisecond of its start request: the engine's start alone takes longer).
    this.runStartedAt = Date.now() + 1;
    await driver.startContainer(id);
    // A stem cell's container parks again on every start: it needs its claim once more.
    if (this.stem !== undefined) await this.stem.cell.deliver(this.stem.claim);
    mark('start', at);
    this.dispatch({ type: 'ContainerStarted' });
    this.deps.onStarted?.(this, phases);
  }

  /** A stop of the current run is news for the state machine (which ignores the ones it caused itself). */
  private onContainerExit(id: string, atMs: number): void {
    if (atMs < this.runStartedAt) return;
    const run = this.run;
    const report = (exit: { exitCode: number; oomKilled: boolean }) => {
      if (run !== this.run) return;
      this.output?.drain();
      this.dispatch({ type: 'Exited', exit });
    };
    this.deps.driver.fetchExit(id).then(report, () => report({ exitCode: -1, oomKilled: false }));
  }

  /**
   * AWS's Shutdown phase (also on a reset after a timeout or a failed init), when any extension is
   * registered: SHUTDOWN to the extensions registered for it,
   * SIGTERM to the runtime, then up to AWS's grace (500 ms with internal extensions only, 2,000 ms with
   * external ones) for the container to stop by itself before it is removed (SIGKILL). Without extensions
   * there is nobody to tell: the container goes at once.
   */
  private async shutDown(reason: ShutdownReason): Promise<void> {
    const id = this.containerId;
    if (id === undefined) return;
    const { graceMs } = this.runtimeApi.shutdown(reason);
    if (graceMs === 0) return;
    const driver = this.deps.driver;
    const deadline = new Promise<void>((resolve) => setTimeout(resolve, graceMs).unref());
    if (this.frozen) await driver.unpauseContainer(id);
    this.frozen = false;
    await driver.killContainer(id, 'SIGTERM');
    await Promise.race([driver.waitForExit(id).catch(() => undefined), deadline]);
  }

  /** Releases everything, each step whatever became of the others; reports the first failure. */
  private async remove(): Promise<void> {
    for (const handle of this.timers.values()) clearTimeout(handle);
    this.timers.clear();
    this.unwatch?.();
    const failures: unknown[] = [];
    const attempt = async (step: () => Promise<unknown> | undefined) => {
      try {
        await step();
      } catch (error) {
        failures.push(error);
      }
    };
    await attempt(() => this.shutDown('spindown'));
    await attempt(() => this.runtimeApi.close());
    const id = this.containerId;
    if (id !== undefined) await attempt(() => this.deps.driver.removeContainer(id));
    // Its slots were bind-mounted in the container: they go after it.
    await attempt(() => this.stem?.cell.releaseSlots());
    for (const [requestId] of this.invocations) {
      this.respond(requestId, { kind: 'platform-error', message: 'The execution environment was removed.' });
      this.end(requestId, undefined);
    }
    await Promise.all([
      attempt(() => this.scratchDisk?.release()),
      attempt(() => this.networkSlot?.release()),
      attempt(() => this.output?.close()),
    ]);
    if (failures.length > 0) throw failures[0];
    this.dispatch({ type: 'Removed' });
  }
}
