import { describe, expect, it } from 'vitest';
import { LambdaError } from '../shared/errors.js';
import type { CodeStore } from './code/code-store.js';
import { FunctionService } from './function-service.js';
import type { AliasStore } from './aliases/alias-store.js';
import type { FunctionStore } from './function-store.js';
import type { VersionStore } from './versions/version-store.js';

const ROLE = 'arn:aws:iam::123456789012:role/r';
const scope = { region: 'us-east-1', accountId: '123456789012' };
const untouched = new Proxy({}, { get: () => () => Promise.reject(new Error('not reached')) });

function service(runnable: Array<'x86_64' | 'arm64'> | (() => Array<'x86_64' | 'arm64'> | undefined), place?: string) {
  return new FunctionService(
    { functions: untouched as FunctionStore, versions: untouched as VersionStore, aliases: untouched as AliasStore },
    untouched as CodeStore,
    scope,
    async () => undefined,
    () => undefined,
    { runnableArchitectures: runnable, ...(place === undefined ? {} : { runnablePlace: place }) },
  );
}

const input = { FunctionName: 'f', Runtime: 'nodejs20.x', Handler: 'index.handler', Role: ROLE, Code: { ZipFile: 'UEsFBg==' } };

describe('FunctionService and the host architectures it is given', () => {
  it('refuses arm64 before storing anything when the host runs x86_64 only', async () => {
    const error = await service(['x86_64']).create({ ...input, Architectures: ['arm64'] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LambdaError);
    expect((error as LambdaError).code).toBe('InvalidParameterValueException');
    expect((error as LambdaError).message).toMatch(/^lambdock on this host runs x86_64 only/);
  });

  it('passes arm64 on to storage when the host can run it', async () => {
    const error = await service(['x86_64', 'arm64']).create({ ...input, Architectures: ['arm64'] }).catch((e: unknown) => e);
    expect((error as Error).message).toBe('not reached');
  });

  it('asks a getter each time (an api asks what its live workers run), refusing nothing while it is not known', async () => {
    let known: Array<'x86_64' | 'arm64'> | undefined;
    const workers = service(() => known, 'on its workers');
    expect(((await workers.create({ ...input, Architectures: ['arm64'] }).catch((e: unknown) => e)) as Error).message).toBe('not reached');
    known = ['x86_64'];
    const error = await workers.create({ ...input, Architectures: ['arm64'] }).catch((e: unknown) => e);
    expect((error as LambdaError).message).toMatch(/^lambdock on its workers runs x86_64 only/);
  });
});
