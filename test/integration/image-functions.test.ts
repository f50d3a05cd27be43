import { cp } from 'node:fs/promises';
import path from 'node:path';
import {
  DeleteFunctionCommand,
  GetFunctionCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
  waitUntilFunctionActiveV2,
  waitUntilFunctionUpdatedV2,
  CreateFunctionCommand,
} from '@aws-sdk/client-lambda';
import Dockerode from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchAwsRicDir } from '../helpers/aws-ric.js';
import { awsError } from '../helpers/lambda-error-of.js';
import { buildTestImage, removeTestImages } from '../helpers/test-images.js';
import { ROLE, startTestLambdock, type TestLambdock } from '../helpers/test-lambdock.js';
import { LABELS } from '../../src/docker/container-driver.js';

const docker = new Dockerode();
let t: TestLambdock;
let ricDir: string;
const tag = `lambdock-test-image-fn:${process.pid}`;
const tag2 = `lambdock-test-image-fn:${process.pid}-v2`;
const tag3 = `lambdock-test-image-fn:${process.pid}-scratch`;
const tag4 = `lambdock-test-image-fn:${process.pid}-volume`;

const HANDLERS = `let calls = 0;
export const handler = async (event, context) => {
  calls += 1;
  if (event.fail) throw new RangeError('image says no');
  return { calls, event, requestId: context.awsRequestId, cwd: process.cwd(), uid: process.getuid(), from: process.env.FROM_IMAGE };
};
export const other = async () => ({ other: true, version: process.env.IMAGE_VERSION });
`;

/** The ids of every image this file built (a rebuilt tag leaves the previous one without a name). */
const built: string[] = [];
/** An image as AWS documents one on a non-AWS base: Node, AWS's aws-lambda-ric as ENTRYPOINT, the handler as CMD. */
const buildImage = async (imageTag: string, version: string): Promise<string> => {
  const id = await buildTestImage(
    docker,
    imageTag,
    [
      'FROM node:20-bookworm-slim',
      'COPY ric/ /ric/',
      'COPY app/ /function/',
      `ENV FROM_IMAGE=yes IMAGE_VERSION=${version}`,
      'WORKDIR /function',
      'ENTRYPOINT ["node", "/ric/bin/index.mjs"]',
      'CMD ["index.handler"]',
      '',
    ].join('\n'),
    { 'app/index.mjs': HANDLERS },
    async (context) => {
      for (const part of ['bin', 'dist', 'package.json']) await cp(path.join(ricDir, part), path.join(context, 'ric', part), { recursive: true });
    },
  );
  built.push(id);
  return id;
};

beforeAll(async () => {
  ricDir = await fetchAwsRicDir();
  t = await startTestLambdock();
}, 900_000);
afterAll(async () => {
  await t?.close();
  await removeTestImages(docker, [tag4, tag, tag2, tag3, ...built]);
});

describe('container-image functions (PackageType Image)', () => {
  it('runs an aws-lambda-ric image: answers, reports a handler error in AWS shape, shows the image as AWS does', async () => {
    const imageId = await buildImage(tag, '1');
    const created = await t.client.send(
      new CreateFunctionCommand({ FunctionName: 'img', Role: ROLE, PackageType: 'Image', Code: { ImageUri: tag }, Timeout: 10 }),
    );
    expect(created).toMatchObject({ PackageType: 'Image', State: 'Pending', CodeSize: 0, CodeSha256: imageId.replace('sha256:', '') });
    expect(created.Runtime).toBeUndefined();
    expect(created.Handler).toBeUndefined();
    await waitUntilFunctionActiveV2({ client: t.client, maxWaitTime: 120 }, { FunctionName: 'img' });

    const described = await t.client.send(new GetFunctionCommand({ FunctionName: 'img' }));
    expect(described.Code).toEqual({ ImageUri: tag, RepositoryType: 'ECR', ResolvedImageUri: `lambdock-test-image-fn@${imageId}` });

    const first = await t.invoke({ FunctionName: 'img', Payload: Buffer.from('{"n":1}'), LogType: 'Tail' });
    expect(first.FunctionError).toBeUndefined();
    expect(first.json()).toMatchObject({ calls: 1, event: { n: 1 }, requestId: first.$metadata.requestId, cwd: '/function', uid: 993, from: 'yes' });
    // AWS's client logs where it runs from: this went through the image's ENTRYPOINT and CMD.
    expect(first.logs).toContain("Executing 'index.handler' in function directory '/function'");
    expect(first.logs).toMatch(/REPORT RequestId: \S+\s+Duration:/);

    const failed = await t.invoke({ FunctionName: 'img', Payload: Buffer.from('{"fail":true}') });
    expect(failed.FunctionError).toBe('Unhandled');
    expect(failed.json()).toMatchObject({ errorType: 'RangeError', errorMessage: 'image says no' });
    expect(((await t.invoke({ FunctionName: 'img', Payload: Buffer.from('{}') })).json() as { calls: number }).calls).toBe(3);
    expect(await t.containersOf('img')).toHaveLength(1);
  });

  it('applies ImageConfig, pins the digest until UpdateFunctionCode, and refuses a missing image at create', async () => {
    // The tag moves on to a new image: the function keeps running the one it resolved.
    await buildImage(tag, '2');
    const before = (await t.invoke({ FunctionName: 'img', Payload: Buffer.from('{}') })).json() as { calls: number };
    expect(before.calls).toBe(4);

    await t.client.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'img', ImageConfig: { Command: ['index.other'], WorkingDirectory: '/function' } }));
    await waitUntilFunctionUpdatedV2({ client: t.client, maxWaitTime: 60 }, { FunctionName: 'img' });
    expect((await t.invoke({ FunctionName: 'img', Payload: Buffer.from('{}') })).json()).toEqual({ other: true, version: '1' });

    const v2 = await buildImage(tag2, '3');
    const updated = await t.client.send(new UpdateFunctionCodeCommand({ FunctionName: 'img', ImageUri: tag2 }));
    expect(updated.CodeSha256).toBe(v2.replace('sha256:', ''));
    await waitUntilFunctionUpdatedV2({ client: t.client, maxWaitTime: 60 }, { FunctionName: 'img' });
    expect((await t.invoke({ FunctionName: 'img', Payload: Buffer.from('{}') })).json()).toEqual({ other: true, version: '3' });

    const missing = await awsError(
      t.client.send(new CreateFunctionCommand({ FunctionName: 'nope', Role: ROLE, PackageType: 'Image', Code: { ImageUri: 'lambdock-no-such-image:1' } })),
    );
    expect(missing.name).toBe('InvalidParameterValueException');
    expect(missing.message).toBe('Source image lambdock-no-such-image:1 does not exist. Provide a valid source image.');

    // An image without /bin/sh (lambdock starts containers through it) is refused at create, saying so.
    await buildTestImage(docker, tag3, 'FROM scratch\nCOPY run.sh /run.sh\nENTRYPOINT ["/run.sh"]\n', { 'run.sh': '#!/bin/sh\n' });
    const shellless = await awsError(
      t.client.send(new CreateFunctionCommand({ FunctionName: 'nosh', Role: ROLE, PackageType: 'Image', Code: { ImageUri: tag3 } })),
    );
    expect(shellless.message).toMatch(/through the image's \/bin\/sh .* has none/);

    await t.client.send(new DeleteFunctionCommand({ FunctionName: 'img' }));
    // The image is the user's: deleting the function leaves it.
    expect((await docker.getImage(tag2).inspect()).Id).toBe(v2);
  });

  it("removes the anonymous volumes of an image's VOLUME with its sandboxes (and with the container that checks the image)", async () => {
    await buildImage(tag, 'v1');
    await buildTestImage(docker, tag4, `FROM ${tag}\nVOLUME /data\n`, {});
    const volumesBefore = new Set(((await docker.listVolumes()).Volumes ?? []).map((v) => v.Name));
    await t.client.send(new CreateFunctionCommand({ FunctionName: 'img-volume', Role: ROLE, PackageType: 'Image', Code: { ImageUri: tag4 } }));
    await waitUntilFunctionActiveV2({ client: t.client, maxWaitTime: 60 }, { FunctionName: 'img-volume' });
    expect((await t.invoke({ FunctionName: 'img-volume', Payload: Buffer.from('{}') })).FunctionError).toBeUndefined();
    const filters = { label: [`${LABELS.instance}=${t.instanceId}`, `${LABELS.function}=img-volume`] };
    const [sandbox] = await docker.listContainers({ all: true, filters });
    const anonymous = (await docker.getContainer(sandbox!.Id).inspect()).Mounts.filter((m) => m.Type === 'volume' && m.Destination === '/data');
    expect(anonymous).toHaveLength(1);

    await t.client.send(new DeleteFunctionCommand({ FunctionName: 'img-volume' }));
    const deadline = Date.now() + 20_000;
    while ((await docker.listContainers({ all: true, filters })).length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    const left = ((await docker.listVolumes()).Volumes ?? []).map((v) => v.Name).filter((name) => !volumesBefore.has(name));
    expect(left).toStrictEqual([]);
  }, 120_000);
});
