import { randomBytes } from 'node:crypto';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SQSClient } from '@aws-sdk/client-sqs';
import {
  AbstractStartedContainer,
  GenericContainer,
  getContainerRuntimeClient,
  getReaper,
  LABEL_TESTCONTAINERS_SESSION_ID,
  PullPolicy,
  Wait,
  type StartedTestContainer,
  type StopOptions,
  type StoppedTestContainer,
} from 'testcontainers';

/** The image `npm run images` (and `docker compose build`) tags from docker/Dockerfile. */
export const LAMBDOCK_IMAGE = 'lambdock:local';

const LAMBDA_PORT = 9000;

/**
 * How long stop() lets lambdock shut down before the engine kills it: it removes its sandboxes, their
 * network and volumes on SIGTERM (a few seconds). testcontainers' own default is 0 (an immediate kill),
 * which would leave them behind for the next start of the same instance id (or the reaper) to sweep.
 */
const STOP_TIMEOUT_MS = 30_000;

/** The credentials and region lambdock accepts by default (LAMBDOCK_AUTH=off: any key signs). */
const CLIENT_SETTINGS = { region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } } as const;

/**
 * lambdock (the all-in-one image: Lambda API, SQS and a worker) as a testcontainers-node module. It drives
 * the same engine through the mounted Docker socket: sandboxes are the engine's containers beside it,
 * labelled with this test session's id (LAMBDOCK_LABELS) so that testcontainers' reaper removes them
 * too if the test process dies. Without loop devices (no privileged mode) /tmp is a tmpfs.
 */
export class LambdockContainer extends GenericContainer {
  private readonly instanceId = `tc-${randomBytes(6).toString('hex')}`;
  private socketPath: string | undefined;

  constructor(image = LAMBDOCK_IMAGE) {
    super(image);
    this.withExposedPorts(LAMBDA_PORT)
      // Built locally (`npm run images`), never on a registry: pulled only when missing.
      .withPullPolicy(PullPolicy.defaultPolicy())
      .withEnvironment({ LAMBDOCK_INSTANCE_ID: this.instanceId })
      .withWaitStrategy(Wait.forHttp('/health', LAMBDA_PORT).forStatusCode(200))
      .withStartupTimeout(120_000);
  }

  /** Where the engine's socket is (default: the one testcontainers itself talks to, as the engine sees it). */
  withDockerSocket(path: string): this {
    this.socketPath = path;
    return this;
  }

  override async start(): Promise<StartedLambdockContainer> {
    const client = await getContainerRuntimeClient();
    const socket = this.socketPath ?? client.info.containerRuntime.remoteSocketPath;
    this.withBindMounts([{ source: socket, target: '/var/run/docker.sock', mode: 'rw' }]);
    if (this.autoCleanup) {
      // The reaper removes what carries this session's label: the sandboxes, their network and volumes too.
      const { sessionId } = await getReaper(client);
      const labels = [this.environment.LAMBDOCK_LABELS, `${LABEL_TESTCONTAINERS_SESSION_ID}=${sessionId}`].filter(Boolean);
      this.withEnvironment({ LAMBDOCK_LABELS: labels.join(',') });
    }
    const instanceId = this.environment.LAMBDOCK_INSTANCE_ID ?? this.instanceId;
    return new StartedLambdockContainer(await super.start(), instanceId);
  }
}

export class StartedLambdockContainer extends AbstractStartedContainer {
  constructor(
    started: StartedTestContainer,
    /** The label value (`lambdock.instance`) of everything this lambdock creates on the engine. */
    readonly instanceId: string,
  ) {
    super(started);
  }

  /** The Lambda (and SQS) endpoint, for `--endpoint-url` or an SDK client's `endpoint`. */
  getEndpoint(): string {
    return `http://${this.getHost()}:${this.getMappedPort(LAMBDA_PORT)}`;
  }

  /** A Lambda client for this lambdock (its endpoint, a region and credentials it accepts). */
  lambdaClient(): LambdaClient {
    return new LambdaClient({ ...CLIENT_SETTINGS, endpoint: this.getEndpoint() });
  }

  /** An SQS client for this lambdock. */
  sqsClient(): SQSClient {
    return new SQSClient({ ...CLIENT_SETTINGS, endpoint: this.getEndpoint() });
  }

  /** Stops lambdock with time to remove its sandboxes (see STOP_TIMEOUT_MS), then the container. */
  override stop(options: Partial<StopOptions> = {}): Promise<StoppedTestContainer> {
    return super.stop({ timeout: STOP_TIMEOUT_MS, ...options });
  }
}
