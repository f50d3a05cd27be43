import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Dockerode from 'dockerode';
import { pack } from 'tar-fs';

/** The label of every image a test builds (the run's teardown is not what removes them: each test does). */
export const TEST_IMAGE_LABEL = 'lambdock.test-image';

/**
 * Builds an image for a test from a Dockerfile and files written into a fresh context (plus any folder
 * already there: `prepare` may copy into it), tagged `tag`; answers its id.
 */
export async function buildTestImage(
  docker: Dockerode,
  tag: string,
  dockerfile: string,
  files: Record<string, string>,
  prepare?: (contextDir: string) => Promise<void>,
): Promise<string> {
  const context = await mkdtemp(path.join(os.tmpdir(), 'lambdock-test-image-'));
  try {
    await prepare?.(context);
    for (const [name, content] of Object.entries({ ...files, Dockerfile: dockerfile })) {
      await mkdir(path.dirname(path.join(context, name)), { recursive: true });
      await writeFile(path.join(context, name), content, { mode: 0o755 });
    }
    const stream: NodeJS.ReadableStream = await docker.buildImage(pack(context) as unknown as NodeJS.ReadableStream, {
      t: tag,
      labels: { [TEST_IMAGE_LABEL]: 'true' },
    });
    const output = await new Promise<unknown[]>((resolve, reject) =>
      docker.modem.followProgress(stream, (error, result) => (error ? reject(error) : resolve(result))),
    );
    const failed = output.find((entry) => typeof entry === 'object' && entry !== null && 'error' in entry);
    if (failed !== undefined) throw new Error(`the test image ${tag} did not build: ${JSON.stringify(failed)}`);
    return (await docker.getImage(tag).inspect()).Id;
  } finally {
    await rm(context, { recursive: true, force: true });
  }
}

/**
 * Removes a test's images: by tag, and by id those whose tag a later build moved on (they would stay
 * dangling). Pass everything buildTestImage answered.
 */
export async function removeTestImages(docker: Dockerode, tagsOrIds: readonly string[]): Promise<void> {
  for (const image of tagsOrIds) await docker.getImage(image).remove({ force: true }).catch(() => undefined);
}

/**
 * A minimal Runtime API client in bash + curl (for images FROM lambdock-runtime:provided): answers each
 * event with `{"echo": <event>, "tag": $IMAGE_TAG}`.
 */
export const BASH_RUNTIME = `#!/bin/bash
set -euo pipefail
api="http://\${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime/invocation"
while true; do
  headers="$(mktemp)"
  event="$(curl -sS -LD "$headers" "$api/next")"
  id="$(grep -Fi Lambda-Runtime-Aws-Request-Id "$headers" | tr -d '[:space:]' | cut -d: -f2)"
  curl -sS -o /dev/null "$api/$id/response" -d "{\\"echo\\":$event,\\"tag\\":\\"\${IMAGE_TAG}\\"}"
done
`;
