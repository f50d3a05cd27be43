import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeZip, nodeZip } from '../helpers/zip.js';
import { startTestLambdock, type TestLambdock } from '../helpers/test-lambdock.js';

let t: TestLambdock;

beforeAll(async () => {
  t = await startTestLambdock();
});
afterAll(async () => {
  await t?.close();
});

const FILL_TMP = `
const fs = require('fs');
exports.handler = async (event) => {
  const chunk = Buffer.alloc(8 * 1024 * 1024, 7);
  const fd = fs.openSync('/tmp/' + event.name, 'w');
  let written = 0;
  try {
    while (written < event.mb * 1024 * 1024) written += fs.writeSync(fd, chunk);
    fs.fsyncSync(fd);
    return { ok: true, writtenMb: Math.round(written / 1048576) };
  } catch (error) {
    return { ok: false, code: error.code, writtenMb: Math.round(written / 1048576) };
  } finally {
    fs.closeSync(fd);
  }
};`;

describe('execution environment limits', () => {
  it('gives /tmp its EphemeralStorage size, not charged to the memory cap', async () => {
    await t.createFunction({ FunctionName: 'filler', Code: { ZipFile: await nodeZip(FILL_TMP) }, MemorySize: 128, Timeout: 60 });
    // 300 MB is far past the 128 MB memory cap: a tmpfs /tmp would get the function OOM-killed.
    const past = await t.invoke({ FunctionName: 'filler', Payload: Buffer.from(JSON.stringify({ name: 'a', mb: 300 })) });
    expect(past.FunctionError).toBeUndefined();
    expect(past.json()).toEqual({ ok: true, writtenMb: 304 });
    // The 512 MB disk is full well before another 300 MB.
    const over = await t.invoke({ FunctionName: 'filler', Payload: Buffer.from(JSON.stringify({ name: 'b', mb: 300 })) });
    expect(over.FunctionError).toBeUndefined();
    const result = over.json() as { ok: boolean; code: string; writtenMb: number };
    expect(result.ok).toBe(false);
    expect(result.code).toBe('ENOSPC');
    expect(result.writtenMb).toBeLessThan(220);
  });

  it('runs containers without extra privileges: read-only root, no capabilities, no-new-privileges, limits', async () => {
    await t.createFunction({
      FunctionName: 'locked',
      MemorySize: 256,
      Code: {
        ZipFile: await nodeZip(`
const fs = require('fs');
exports.handler = async () => {
  let rootWrite = 'allowed';
  try { fs.writeFileSync('/etc/owned', 'x'); } catch (e) { rootWrite = e.code; }
  let taskWrite = 'allowed';
  try { fs.writeFileSync('/var/task/owned', 'x'); } catch (e) { taskWrite = e.code; }
  const status = fs.readFileSync('/proc/self/status', 'utf8');
  return { uid: process.getuid(), rootWrite, taskWrite, capEff: /CapEff:\\s*(\\w+)/.exec(status)[1], noNewPrivs: /NoNewPrivs:\\s*(\\d)/.exec(status)[1] };
};`),
      },
    });
    const out = (await t.invoke({ FunctionName: 'locked' })).json() as Record<string, unknown>;
    expect(out).toEqual({ uid: 993, rootWrite: 'EROFS', taskWrite: 'EROFS', capEff: '0000000000000000', noNewPrivs: '1' });

    const [container] = await t.containersOf('locked');
    const info = await t.lambdock.docker.getContainer(container?.id ?? '').inspect();
    expect(info.HostConfig.ReadonlyRootfs).toBe(true);
    expect(info.HostConfig.CapDrop).toEqual(['ALL']);
    expect(info.HostConfig.SecurityOpt).toContain('no-new-privileges');
    expect(info.HostConfig.PidsLimit).toBe(1024);
    expect(info.HostConfig.Memory).toBe(256 * 1024 * 1024);
    expect(info.HostConfig.MemorySwap).toBe(256 * 1024 * 1024);
    expect(info.HostConfig.CpuShares).toBe(Math.round((1024 * 256) / 1769));
    expect(info.HostConfig.Privileged).toBe(false);
    expect(info.Config.Labels).toMatchObject({ 'lambdock.managed': 'true', 'lambdock.instance': t.instanceId, 'lambdock.function': 'locked' });
  });

  it("does not let one sandbox take another sandbox's invocations", async () => {
    // The victim waits on its Runtime API; the thief learns its address and tries to fetch its next event.
    await t.createFunction({ FunctionName: 'victim', Code: { ZipFile: await nodeZip('exports.handler = async () => "victim";') } });
    expect((await t.invoke({ FunctionName: 'victim' })).body).toBe('"victim"');
    const [victim] = await t.containersOf('victim');
    const info = await t.lambdock.docker.getContainer(victim?.id ?? '').inspect();
    const victimApi = info.Config.Env.find((e) => e.startsWith('AWS_LAMBDA_RUNTIME_API='))?.split('=')[1] ?? '';
    expect(victimApi).toMatch(/:\d+$/);

    await t.createFunction({
      FunctionName: 'thief',
      Code: {
        ZipFile: await makeZip({
          'index.js': `
const http = require('http');
exports.handler = async (event) => new Promise((resolve) => {
  const req = http.get('http://' + event.target + '/2018-06-01/runtime/invocation/next', (res) => {
    let body = ''; res.on('data', (c) => (body += c)); res.on('end', () => resolve({ stolen: true, status: res.statusCode, body }));
  });
  req.on('error', (e) => resolve({ stolen: false, error: e.code }));
  setTimeout(() => { req.destroy(); resolve({ stolen: false, error: 'timeout' }); }, 1500);
});`,
        }),
      },
    });
    const theft = t.invoke({ FunctionName: 'thief', Payload: Buffer.from(JSON.stringify({ target: victimApi })) });
    // Meanwhile the victim still gets its own invocation.
    expect((await t.invoke({ FunctionName: 'victim' })).body).toBe('"victim"');
    expect((await theft).json()).toMatchObject({ stolen: false });
  });
});
