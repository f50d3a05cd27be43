import type {
  ContainerDriver,
  ContainerSpec,
  NetworkSlot,
  NetworkSlotProvider,
  ScratchDisk,
  ScratchDiskProvider,
} from '../docker/container-driver.js';
import type { RuntimeApi, RuntimeApiFactory, RuntimeInvocation } from '../runtime-api/runtime-api-server.js';
import { LogCollector, type LogSink } from './log-collector.js';
import {
  createSandbox,
  isAvailable,
  transition,
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
  /** Host folder of the function's code, mounted at /var/task (the code store keeps it while this sandbox lives). */
  codeDir?: string;
  /** The container to run, given the Runtime API address, the /tmp volume and the network to join. */
  containerSpec(runtimeApi: string, scratchVolume: string, networkMode: string): ContainerSpec;
}

export interface SandboxDeps {
  driver: ContainerDriver;
  scratch: ScratchDiskProvider;
  network: NetworkSlotProvider;
  createRuntimeApi: RuntimeApiFactory;
  logSink: LogSink;
  /** Told of every state change (the pool keeps its indexes with it). */
  onStateChange: (sandbox: Sandbox, state: SandboxState) => void;
  onOperationError: (error: unknown, sandbox: Sandbox, operation: string) => void;
  /** Phases of a (re)start in ms, for the service log. */
  onStarted?: (sandbox: Sandbox, phases: Record<string, number>) => void;
}

interface Running {
  invocation: SandboxInvocation;
  acceptedAt: number;
  deliveredAt?: number;
  resolve: (result: SandboxResult) => void;
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
  private unwatch: (() => void) | undefined;
  private startBeganAt = 0;
  private initDurationMs: number | undefined;
  private peakMemoryMb: number | undefined;
  /** Container stops lambdock caused itself (kills), whose engine events must not count as crashes. */
  private expectedExits = 0;
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

  get available(): boolean {
    return isAvailable(this.state);
  }

  /** Runs an invocation here, or answers undefined when this sandbox can't take it now. */
  invoke(invocation: SandboxInvocation): Promise<SandboxResult> | undefined {
    if (!isAvailable(this.state)) return undefined;
    return new Promise((resolve) => {
      this.invocations.set(invocation.requestId, { invocation, acceptedAt: performance.now(), resolve });
      this.dispatch({ type: 'Invoke', invocation: { requestId: invocation.requestId } });
    });
  }

  retire(): void {
    this.dispatch({ type: 'Retire' });
  }

  dispatch(event: SandboxEvent): void {
    if (event.type === 'RuntimeWaiting' && this.state.kind === 'Starting') {
      this.initDurationMs = performance.now() - this.startBeganAt;
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
          this.complete(effect.invocation.requestId, effect.outcome);
          break;
        default:
          this.enqueue(effect);
      }
    }
  }

  private arm(timer: TimerName): void {
    const ms = {
      init: this.plan.initTimeoutMs,
      deadline: this.plan.timeoutMs,
      grace: this.plan.pauseGraceMs,
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

  private complete(requestId: string, outcome: SandboxOutcome): void {
    const running = this.invocations.get(requestId);
    if (running === undefined) return;
    this.invocations.delete(requestId);
    const end = performance.now();
    this.lastUsedAt = end;
    const durationMs = Math.min(end - (running.deliveredAt ?? running.acceptedAt), this.plan.timeoutMs);
    const initDurationMs = this.initDurationMs;
    this.initDurationMs = undefined;
    if (running.deliveredAt === undefined) this.logs.begin(requestId, this.plan.version, running.invocation.tail);
    if (outcome.kind === 'timeout') {
      this.logs.note(
        `${new Date().toISOString()} ${requestId} Task timed out after ${(this.plan.timeoutMs / 1000).toFixed(2)} seconds`,
      );
    }
    const ended = this.logs.end(
      requestId,
      () => ({ durationMs, memorySizeMb: this.plan.memorySizeMb, maxMemoryUsedMb: this.peakMemoryMb, initDurationMs }),
      this.refreshPeakMemory(),
    );
    if (!running.invocation.tail) {
      // Answer at once; END and REPORT follow in the log when the output has settled.
      running.resolve({ outcome, durationMs });
      return;
    }
    void ended.then((logTail) =>
      running.resolve(logTail === undefined ? { outcome, durationMs } : { outcome, durationMs, logTail }),
    );
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
        case 'Pause':
          await driver.pauseContainer(this.requireContainer());
          return this.dispatch({ type: 'Paused' });
        case 'Unpause':
          await driver.unpauseContainer(this.requireContainer());
          return this.dispatch({ type: 'Unpaused' });
        case 'Kill': {
          this.runtimeApi.reset();
          const id = this.requireContainer();
          // The engine will also report this stop as a 'die' event; that one is not news.
          this.expectedExits += 1;
          await driver.killContainer(id);
          // Stopping ends on this, not on the engine's event stream, which can miss an event.
          return this.dispatch({ type: 'Killed', exit: await driver.waitForExit(id) });
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

  /** Cold start (create the container) or restart after a reset (same container, same /tmp). */
  private async start(): Promise<void> {
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
      const [port, disk, slot] = await Promise.allSettled([
        this.runtimeApi.listen(),
        this.deps.scratch.createScratchDisk(this.plan.ephemeralStorageMb, this.plan.labels),
        this.deps.network.acquireNetworkSlot(),
      ]);
      // Keep whatever was acquired, so that removing the sandbox releases it even when another part failed.
      if (disk.status === 'fulfilled') this.scratchDisk = disk.value;
      if (slot.status === 'fulfilled') this.networkSlot = slot.value;
      for (const result of [port, disk, slot]) if (result.status === 'rejected') throw result.reason;
      if (port.status !== 'fulfilled' || disk.status !== 'fulfilled' || slot.status !== 'fulfilled') return;
      // The holder's address is the sandbox's: from now on only it may reach this Runtime API.
      this.runtimeApi.allow(slot.value.address);
      at = mark('resources', at);
      const spec = this.plan.containerSpec(
        `${this.plan.runtimeApiAdvertiseHost}:${port.value}`,
        disk.value.volume,
        `container:${slot.value.holderId}`,
      );
      const id = await driver.createContainer(spec);
      this.containerId = id;
      this.unwatch = driver.watchExits((exited) => {
        if (exited === id) this.onContainerExit(id);
      });
      at = mark('create', at);
    }
    const id = this.containerId;
    await driver.attachOutput(id, (stream, chunk) => this.logs.write(stream, chunk));
    at = mark('attach', at);
    await driver.startContainer(id);
    mark('start', at);
    this.deps.onStarted?.(this, phases);
  }

  private onContainerExit(id: string): void {
    if (this.expectedExits > 0) {
      this.expectedExits -= 1;
      return;
    }
    this.deps.driver.fetchExit(id).then(
      (exit) => this.dispatch({ type: 'Exited', exit }),
      () => this.dispatch({ type: 'Exited', exit: { exitCode: -1, oomKilled: false } }),
    );
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
    await attempt(() => this.runtimeApi.close());
    const id = this.containerId;
    if (id !== undefined) await attempt(() => this.deps.driver.removeContainer(id));
    await Promise.all([attempt(() => this.scratchDisk?.release()), attempt(() => this.networkSlot?.release())]);
    for (const [requestId] of this.invocations) {
      this.complete(requestId, { kind: 'platform-error', message: 'The execution environment was removed.' });
    }
    if (failures.length > 0) throw failures[0];
    this.dispatch({ type: 'Removed' });
  }
}
