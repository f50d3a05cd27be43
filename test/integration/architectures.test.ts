import { CreateFunctionCommand, UpdateFunctionCodeCommand } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getRunnableArchitectures } from '../../src/control-plane/architecture-support.js';
import { fetchHostFacts } from '../../src/docker/host-architectures.js';
import { nodeZip } from '../helpers/zip.js';
import { ROLE, deleteQuietly, startTestLambdock, type TestLambdock } from '../helpers/test-lambdock.js';
import { awsError } from '../helpers/lambda-error-of.js';

let t: TestLambdock;
let zip: Buffer;

beforeAll(async () => {
  t = await startTestLambdock();
  zip = await nodeZip('exports.handler = async () => process.arch;');
});
afterAll(async () => {
  await t?.close();
});

const create = (name: string, architectures: string[]) =>
  t.client.send(
    new CreateFunctionCommand({
      FunctionName: name,
      Runtime: 'nodejs20.x',
      Handler: 'index.handler',
      Role: ROLE,
      Code: { ZipFile: zip },
      Architectures: architectures as never,
    }),
  );

describe('Architectures', () => {
  it('runs arm64 functions only where the engine can, and refuses them at create and code update elsewhere', async () => {
    const runnable = getRunnableArchitectures(await fetchHostFacts(t.lambdock.docker));
    if (runnable.includes('arm64')) {
      await t.createFunction({ FunctionName: 'arm-fn', Code: { ZipFile: zip }, Architectures: ['arm64'] });
      expect((await t.invoke({ FunctionName: 'arm-fn' })).FunctionError).toBeUndefined();
      await deleteQuietly(t, 'arm-fn');
      return;
    }
    const onCreate = await awsError(create('arm-fn', ['arm64']));
    expect(onCreate.name).toBe('InvalidParameterValueException');
    expect(onCreate.message).toMatch(/^lambdock on this host runs x86_64 only/);

    await t.createFunction({ FunctionName: 'x86-fn', Code: { ZipFile: zip } });
    expect((await t.invoke({ FunctionName: 'x86-fn' })).json()).toBe('x64');
    const onUpdate = await awsError(
      t.client.send(new UpdateFunctionCodeCommand({ FunctionName: 'x86-fn', ZipFile: zip, Architectures: ['arm64'] })),
    );
    expect(onUpdate.name).toBe('InvalidParameterValueException');
    expect(onUpdate.message).toMatch(/^lambdock on this host runs x86_64 only/);
    await deleteQuietly(t, 'x86-fn');
  });

  it('validates the list as AWS does: one item, x86_64 or arm64', async () => {
    const two = await awsError(create('arch-invalid', ['x86_64', 'arm64']));
    expect(two.name).toBe('ValidationException');
    expect(two.message).toBe(
      "1 validation error detected: Value '[x86_64, arm64]' at 'architectures' failed to satisfy constraint: Member must have length less than or equal to 1",
    );
    const unknown = await awsError(create('arch-invalid', ['X86_64']));
    expect(unknown.name).toBe('ValidationException');
    expect(unknown.message).toBe(
      "1 validation error detected: Value '[X86_64]' at 'architectures' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [x86_64, arm64], Member must not be null]",
    );
  });
});
