import { describe, expect, it } from 'vitest';
import { LambdaError } from '../../shared/errors.js';
import type { ImageCodeRef } from '../function-model.js';
import { getImageCommand, getRepository, resolveImageConfig, toImageConfigResponse } from './image-code.js';

const code = (entrypoint: string[], cmd: string[], workingDir = '/var/task'): ImageCodeRef => ({
  sha256Hex: 'a',
  codeSha256: 'a',
  size: 0,
  image: { uri: 'x:1', resolvedUri: 'x@sha256:a', id: 'sha256:a', entrypoint, cmd, workingDir },
});

describe('image code', () => {
  it('names the repository of a reference (a registry port is not a tag)', () => {
    expect(getRepository('my-fn:latest')).toBe('my-fn');
    expect(getRepository('my-fn')).toBe('my-fn');
    expect(getRepository('localhost:5000/team/fn:v2')).toBe('localhost:5000/team/fn');
    expect(getRepository('123456789012.dkr.ecr.us-east-1.amazonaws.com/fn@sha256:abc')).toBe('123456789012.dkr.ecr.us-east-1.amazonaws.com/fn');
  });

  it('runs ImageConfig over the image: Command replaces CMD, EntryPoint replaces both (as Docker does)', () => {
    const image = code(['/lambda-entrypoint.sh'], ['index.handler']);
    expect(getImageCommand(image, undefined)).toEqual({ command: ['/lambda-entrypoint.sh', 'index.handler'], workingDir: '/var/task' });
    expect(getImageCommand(image, { command: ['app.other'] }).command).toEqual(['/lambda-entrypoint.sh', 'app.other']);
    expect(getImageCommand(image, { entryPoint: ['/bin/bootstrap'] }).command).toEqual(['/bin/bootstrap']);
    expect(getImageCommand(image, { entryPoint: ['sh'], command: ['-c', 'x'], workingDirectory: '/app' })).toEqual({
      command: ['sh', '-c', 'x'],
      workingDir: '/app',
    });
    expect(getImageCommand(code(['/x'], [], ''), undefined)).toEqual({ command: ['/x'] });
  });

  it('checks ImageConfig and shows it in AWS member order', () => {
    expect(resolveImageConfig({})).toBeUndefined();
    const config = resolveImageConfig({ WorkingDirectory: '/app1', EntryPoint: ['sh'], Command: ['-c', 'echo test'] });
    expect(JSON.stringify(toImageConfigResponse(config ?? {}))).toBe('{"ImageConfig":{"Command":["-c","echo test"],"EntryPoint":["sh"],"WorkingDirectory":"/app1"}}');
    for (const bad of [{ Command: 'echo' }, { EntryPoint: [1] }, { WorkingDirectory: 3 }, { Shell: ['sh'] }, { WorkingDirectory: 'x'.repeat(1001) }]) {
      expect(() => resolveImageConfig(bad)).toThrow(LambdaError);
    }
  });
});
