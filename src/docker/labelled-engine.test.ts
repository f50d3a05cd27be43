import type Dockerode from 'dockerode';
import { describe, expect, it } from 'vitest';
import { withExtraLabels } from './labelled-engine.js';

describe('withExtraLabels', () => {
  it('adds the labels to every container, network and volume created, the creator winning a clash', async () => {
    const created: Array<[string, unknown]> = [];
    const record = (kind: string) => async (options: unknown) => {
      created.push([kind, options]);
      return {};
    };
    const engine = { createContainer: record('container'), createNetwork: record('network'), createVolume: record('volume'), ping: async () => 'OK' };
    const docker = withExtraLabels(engine as unknown as Dockerode, { 'org.testcontainers.session-id': 's1', team: 'a' });
    await docker.createContainer({ Image: 'x', Labels: { team: 'b' } });
    await docker.createNetwork({ Name: 'n' });
    await docker.createVolume({ Name: 'v', Labels: { 'lambdock.instance': 'i' } });
    expect(created).toStrictEqual([
      ['container', { Image: 'x', Labels: { 'org.testcontainers.session-id': 's1', team: 'b' } }],
      ['network', { Name: 'n', Labels: { 'org.testcontainers.session-id': 's1', team: 'a' } }],
      ['volume', { Name: 'v', Labels: { 'org.testcontainers.session-id': 's1', team: 'a', 'lambdock.instance': 'i' } }],
    ]);
    await expect(docker.ping()).resolves.toBe('OK');
  });

  it('is the engine itself without labels', () => {
    const engine = {} as Dockerode;
    expect(withExtraLabels(engine, {})).toBe(engine);
  });
});
