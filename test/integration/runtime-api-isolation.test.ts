import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeZip } from '../helpers/zip.js';
import { startTestLambdock, type TestLambdock } from '../helpers/test-lambdock.js';

/** Tells its Runtime API address, or crashes when asked to. */
const VICTIM = `
exports.handler = async (event) => {
  if (event.crash) process.exit(1);
  return process.env.AWS_LAMBDA_RUNTIME_API;
};
`;

/**
 * For event.ms, keeps up to 20 connections open to event.target (another sandbox's Runtime API) and
 * reconnects each as soon as it closes; reports how many it made and how many stayed open 300 ms or more.
 */
const SQUATTER = `
const net = require('net');
exports.handler = async ({ target, ms }) => {
  const [host, port] = target.split(':');
  const until = Date.now() + ms;
  let connected = 0;
  let held = 0;
  const loop = () => new Promise((resolve) => {
    const again = () => (Date.now() < until ? setTimeout(() => loop().then(resolve), 5) : resolve());
    const socket = net.connect({ host, port: Number(port) });
    let openedAt;
    socket.on('connect', () => { connected += 1; openedAt = Date.now(); });
    socket.on('error', () => undefined);
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      if (openedAt !== undefined && Date.now() - openedAt >= 300) held += 1;
    };
    socket.on('close', () => { end(); again(); });
    // At the end, a connection still open counts if it has been open a while.
    setTimeout(() => { end(); socket.destroy(); }, Math.max(until - Date.now(), 0)).unref();
  });
  await Promise.all(Array.from({ length: 20 }, loop));
  return { connected, held };
};
`;

let t: TestLambdock;

beforeAll(async () => {
  t = await startTestLambdock();
  await t.createFunction({ FunctionName: 'victim', Code: { ZipFile: await nodeZip(VICTIM) } });
  await t.createFunction({ FunctionName: 'squatter', Timeout: 15, Code: { ZipFile: await nodeZip(SQUATTER) } });
});
afterAll(async () => {
  await t?.close();
});

describe('a sandbox\'s Runtime API, seen from another sandbox', () => {
  it('cuts off connections from another sandbox, so its runtime restarts however many that one keeps opening', async () => {
    const target = (await t.invoke({ FunctionName: 'victim', Payload: Buffer.from('{}') })).json() as string;
    expect(target).toMatch(/^[\d.]+:\d+$/);
    const crashed = await t.invoke({ FunctionName: 'victim', Payload: Buffer.from('{"crash":true}') });
    expect(crashed.FunctionError).toBe('Unhandled');

    // While another sandbox keeps connecting to the victim's Runtime API port, the victim restarts.
    const squatting = t.invoke({ FunctionName: 'squatter', Payload: Buffer.from(JSON.stringify({ target, ms: 4000 })) });
    squatting.catch(() => undefined); // awaited below; a failure above must not leave it unhandled
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const restarted = await t.invoke({ FunctionName: 'victim', Payload: Buffer.from('{}') });
    expect(restarted.FunctionError, restarted.body).toBeUndefined();
    expect(restarted.json()).toBe(target);

    // It did reach the port, again and again (how long each connection lasted depends on load: not asserted).
    const squatter = (await squatting).json() as { connected: number; held: number };
    expect(squatter.connected).toBeGreaterThan(0);
  });
});
