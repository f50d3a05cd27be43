import Dockerode from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findImageFiles, loopDevicesUnder } from '../helpers/leak-checks.js';
import { nodeZip } from '../helpers/zip.js';
import { startTestLambdock, type TestLambdock } from '../helpers/test-lambdock.js';

// LAMBDOCK_TMP=tmpfs on a host that could attach loop devices: /tmp is a tmpfs of EphemeralStorage MB,
// and lambdock makes no loop disk at all (no spares either). Labels of LAMBDOCK_LABELS on everything.
const docker = new Dockerode();
let t: TestLambdock;

beforeAll(async () => {
  t = await startTestLambdock({ LAMBDOCK_TMP: 'tmpfs', LAMBDOCK_LABELS: 'org.example.run=tmp-modes' });
});
afterAll(async () => {
  await t?.close();
});

describe('LAMBDOCK_TMP=tmpfs', () => {
  it("gives /tmp the function's EphemeralStorage as a tmpfs the sandbox user owns, and no loop disk", async () => {
    const source = `const fs = require('fs');
exports.handler = async () => {
  fs.writeFileSync('/tmp/f', 'x'.repeat(4096));
  const { blocks, bsize } = fs.statfsSync('/tmp');
  const mount = fs.readFileSync('/proc/mounts', 'utf8').split('\\n').find((line) => line.split(' ')[1] === '/tmp');
  return { sizeMb: Math.round((blocks * bsize) / 1048576), type: mount.split(' ')[2], uid: fs.statSync('/tmp').uid };
};`;
    await t.createFunction({ FunctionName: 'tmpfs-user', EphemeralStorage: { Size: 700 }, Code: { ZipFile: await nodeZip(source) } });
    const out = await t.invoke({ FunctionName: 'tmpfs-user' });
    expect(out.FunctionError).toBeUndefined();
    expect(out.json()).toStrictEqual({ sizeMb: 700, type: 'tmpfs', uid: 993 });
    expect(await findImageFiles(t.dataDir)).toStrictEqual([]);
    expect(await loopDevicesUnder(t.dataDir)).toStrictEqual([]);
    const [sandbox] = await t.containersOf('tmpfs-user');
    const info = await docker.getContainer(sandbox?.id ?? '').inspect();
    expect(info.Config.Labels['org.example.run']).toBe('tmp-modes');
    expect(info.HostConfig.ReadonlyRootfs).toBe(true);
  });
});
