import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { TestProject } from 'vitest/node';
import Dockerode from 'dockerode';
import { Redis } from 'ioredis';
import { ensureRuntimeImages } from '../../src/docker/images/index.js';
import { LABELS } from '../../src/docker/container-driver.js';
import { hostIptables, IptablesSandboxFirewall, splitRule } from '../../src/docker/sandbox-firewall.js';
import { detachTestLoopDevices, removeTestImageFiles } from './leak-checks.js';

const root = path.resolve(import.meta.dirname, '..', '..');

declare module 'vitest' {
  export interface ProvidedContext {
    /** Label, Redis-prefix and data-dir prefix of this test run: teardown sweeps only what carries it. */
    testRunPrefix: string;
  }
}

/** This run's prefix: runs in parallel (other checkouts, other helpers) never sweep each other's leftovers. */
const runPrefix = `test-${randomBytes(3).toString('hex')}`;

/** Integration tests need a real engine and a real Redis: fail early and clearly when either is missing. */
export async function setup(project: TestProject): Promise<void> {
  project.provide('testRunPrefix', runPrefix);
  const docker = new Dockerode();
  await docker.ping().catch((error: Error) => {
    throw new Error(`Integration tests need a Docker engine (${error.message}). Run: bash scripts/ensure-services.sh`);
  });
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect().catch((error: Error) => {
    throw new Error(`Integration tests need Redis (${error.message}). Run: bash scripts/ensure-services.sh`);
  });
  await redis.quit();
  await ensureRuntimeImages(docker, { runtimesDir: path.join(root, 'runtimes'), dockerBaseDir: path.join(root, 'docker', 'base') });
}

/**
 * Every test's lambdock removes what it made when it closes: anything of this run still on the engine, a
 * loop device behind one of its data dirs, or a /tmp image file in one (the harness keeps a data dir that
 * still holds one) now is a leak. Sweep it, and fail the run saying what leaked.
 */
export async function teardown(): Promise<void> {
  const docker = new Dockerode();
  const leaked: string[] = [];
  const containers = await docker.listContainers({ all: true, filters: { label: [`${LABELS.managed}=true`] } });
  for (const c of containers) {
    if (!c.Labels[LABELS.instance]?.startsWith(`${runPrefix}-`)) continue;
    leaked.push(`container ${c.Names[0] ?? c.Id} (${c.State})`);
    await docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined);
  }
  const volumes = await docker.listVolumes({ filters: { label: [`${LABELS.managed}=true`] } });
  for (const v of volumes.Volumes ?? []) {
    if (!v.Labels?.[LABELS.instance]?.startsWith(`${runPrefix}-`)) continue;
    leaked.push(`volume ${v.Name}`);
    await docker.getVolume(v.Name).remove().catch(() => undefined);
  }
  // Networks after containers: a network goes only once nothing is attached to it.
  const networks = await docker.listNetworks({ filters: { label: [`${LABELS.managed}=true`] } });
  for (const n of networks) {
    if (!n.Labels?.[LABELS.instance]?.startsWith(`${runPrefix}-`)) continue;
    leaked.push(`network ${n.Name}`);
    await docker.getNetwork(n.Id).remove().catch(() => undefined);
  }
  leaked.push(...(await removeTestFirewallRules(runPrefix)).map((id) => `firewall rules of ${id}`));
  leaked.push(...(await detachTestLoopDevices(runPrefix)).map((d) => `loop device ${d}`));
  leaked.push(...(await removeTestImageFiles(runPrefix)).map((f) => `image file ${f}`));
  if (leaked.length > 0) throw new Error(`The tests left ${leaked.length} things on the engine: ${leaked.join(', ')}`);
}

/** Removes the host firewall rules (and chains) of this run's instances, and answers whose they were. */
export async function removeTestFirewallRules(prefix: string): Promise<string[]> {
  const instances = new Set<string>();
  for (const chain of ['INPUT', 'DOCKER-USER']) {
    const listing = await hostIptables(['-S', chain]).catch(() => '');
    for (const line of listing.split('\n')) {
      const comment = splitRule(line).find((arg) => arg.startsWith(`lambdock:${prefix}-`));
      if (comment !== undefined) instances.add(comment.slice('lambdock:'.length));
    }
  }
  const firewall = new IptablesSandboxFirewall();
  for (const id of instances) await firewall.remove(id).catch(() => undefined);
  return [...instances];
}
