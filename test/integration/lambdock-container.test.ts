import { CreateFunctionCommand, GetFunctionConfigurationCommand, InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { CreateQueueCommand, ListQueuesCommand } from '@aws-sdk/client-sqs';
import path from 'node:path';
import Dockerode from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAMBDOCK_IMAGE, LambdockContainer, type StartedLambdockContainer } from '../../src/testcontainers/index.js';
import { LABELS } from '../../src/docker/container-driver.js';
import { ensureServiceImage } from '../../src/docker/images/index.js';
import { nodeZip } from '../helpers/zip.js';

// The lambdock image as a testcontainers user starts it: only the Docker socket mounted (no privileges,
// no loop devices, no host folder, no Redis). Ryuk (testcontainers' reaper) needs its image from a
// registry, which this machine has not: the run goes without it; lambdock's labels still carry the session id.
process.env.TESTCONTAINERS_RYUK_DISABLED = 'true';

const root = path.resolve(import.meta.dirname, '..', '..');
const docker = new Dockerode();
let lambdock: StartedLambdockContainer;
let lambda: LambdaClient;

const GREETER = 'exports.handler = async (event) => `hello ${event.name}`;';
const TMP_WRITER = `const fs = require('fs');
exports.handler = async () => {
  fs.writeFileSync('/tmp/note', 'kept in /tmp');
  const { blocks, bsize } = fs.statfsSync('/tmp');
  return { note: fs.readFileSync('/tmp/note', 'utf8'), sizeMb: Math.round((blocks * bsize) / 1048576), uid: fs.statSync('/tmp').uid };
};`;
const CALLER = `const { LambdaClient, InvokeCommand } = require('@aws-sdk/client-lambda');
const lambda = new LambdaClient({});
exports.handler = async (event) => {
  const out = await lambda.send(new InvokeCommand({ FunctionName: 'greeter', Payload: JSON.stringify(event) }));
  return { endpoint: process.env.AWS_ENDPOINT_URL, answer: JSON.parse(Buffer.from(out.Payload).toString()) };
};`;

async function deploy(name: string, source: string, extra: { EphemeralStorage?: { Size: number } } = {}): Promise<void> {
  await lambda.send(
    new CreateFunctionCommand({
      FunctionName: name,
      Runtime: 'nodejs20.x',
      Handler: 'index.handler',
      Role: 'arn:aws:iam::000000000000:role/lambda-role',
      Code: { ZipFile: await nodeZip(source) },
      ...extra,
    }),
  );
  for (let attempt = 0; attempt < 120; attempt += 1) {
    const { State } = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
    if (State === 'Active') return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${name} did not become Active`);
}

async function invoke(name: string, payload: unknown): Promise<{ status?: number; error?: string; body: unknown }> {
  const out = await lambda.send(new InvokeCommand({ FunctionName: name, Payload: JSON.stringify(payload) }));
  return { status: out.StatusCode, error: out.FunctionError, body: JSON.parse(Buffer.from(out.Payload ?? []).toString()) };
}

async function onEngine(label: string) {
  return {
    containers: (await docker.listContainers({ all: true, filters: { label: [label] } })).map((c) => c.Names[0]),
    networks: (await docker.listNetworks({ filters: { label: [label] } })).map((n) => n.Name),
    volumes: ((await docker.listVolumes({ filters: { label: [label] } })).Volumes ?? []).map((v) => v.Name),
  };
}

/** The engine's volumes before this file started anything: none may be left beside them. */
let volumesBefore: Set<string>;

beforeAll(async () => {
  volumesBefore = new Set(((await docker.listVolumes()).Volumes ?? []).map((v) => v.Name));
  // The image of this checkout: `npm run images` made it current (then this only inspects), or it is built now.
  const image = await ensureServiceImage(docker, { repoRoot: root, dockerBaseDir: path.join(root, 'docker', 'base') });
  expect(image.tag).toBe(LAMBDOCK_IMAGE);
  // Runtime images are the test run's (global setup made them current): never rebuilt from in the container.
  lambdock = await new LambdockContainer().withEnvironment({ LAMBDOCK_BUILD_IMAGES: 'false' }).start();
  lambda = lambdock.lambdaClient();
}, 300_000);

afterAll(async () => {
  lambda?.destroy();
  // The tests stop it themselves; this is for a test that failed before its stop.
  await lambdock?.stop().catch(() => undefined);
});

describe('LambdockContainer: the lambdock image started with testcontainers', () => {
  it('answers /health at its endpoint, and serves Lambda and SQS there', async () => {
    const health = await fetch(`${lambdock.getEndpoint()}/health`);
    expect(health.status).toBe(200);
    const sqs = lambdock.sqsClient();
    try {
      await sqs.send(new CreateQueueCommand({ QueueName: 'orders' }));
      expect((await sqs.send(new ListQueuesCommand({}))).QueueUrls?.some((url) => url.endsWith('/orders'))).toBe(true);
    } finally {
      sqs.destroy();
    }
  });

  it('creates and invokes a Node function: its code reaches the sandbox from the data dir volume', async () => {
    await deploy('greeter', GREETER);
    expect(await invoke('greeter', { name: 'ada' })).toStrictEqual({ status: 200, error: undefined, body: 'hello ada' });
  });

  it("gives the sandbox a /tmp of the function's EphemeralStorage without loop devices (a tmpfs)", async () => {
    await deploy('tmp-writer', TMP_WRITER, { EphemeralStorage: { Size: 640 } });
    const out = await invoke('tmp-writer', {});
    expect(out).toStrictEqual({ status: 200, error: undefined, body: { note: 'kept in /tmp', sizeMb: 640, uid: 993 } });
  });

  it("lets a function call another through the SDK at its injected AWS_ENDPOINT_URL", async () => {
    await deploy('caller', CALLER);
    const out = await invoke('caller', { name: 'grace' });
    expect(out.error).toBeUndefined();
    expect(out.body).toMatchObject({ answer: 'hello grace', endpoint: expect.stringMatching(/^http:\/\/[\d.]+:\d+$/) });
  });

  it("labels its sandboxes with the test session's id, and leaves nothing on the engine once stopped", async () => {
    const label = `${LABELS.instance}=${lambdock.instanceId}`;
    const session = lambdock.getLabels()['org.testcontainers.session-id'];
    expect(session).toMatch(/\S/);
    const sandboxes = await docker.listContainers({ filters: { label: [label, `${LABELS.function}=greeter`] } });
    expect(sandboxes.length).toBeGreaterThan(0);
    for (const sandbox of sandboxes) expect(sandbox.Labels['org.testcontainers.session-id']).toBe(session);
    const networks = await docker.listNetworks({ filters: { label: [label] } });
    expect(networks.map((n) => n.Labels?.['org.testcontainers.session-id'])).toStrictEqual(networks.map(() => session));

    const containerId = lambdock.getId();
    const volumes = (await docker.getContainer(containerId).inspect()).Mounts.filter((m) => m.Type === 'volume').map((m) => m.Name);
    await lambdock.stop();
    expect(await onEngine(label)).toStrictEqual({ containers: [], networks: [], volumes: [] });
    // Its own data dir volume goes with it.
    const remaining = ((await docker.listVolumes()).Volumes ?? []).filter((v) => volumes.includes(v.Name));
    expect(remaining).toStrictEqual([]);
    // Nor an anonymous volume of any container it started (its firewall helpers are of its own image).
    expect(((await docker.listVolumes()).Volumes ?? []).map((v) => v.Name).filter((name) => !volumesBefore.has(name))).toStrictEqual([]);
  }, 90_000);
});
