/**
 * `npm run images`: builds every function runtime image, makes sure the base images docker-compose
 * uses exist, and builds the lambdock image (lambdock:local, docker/Dockerfile), with no manual step. Official base images when a registry is reachable, stand-ins
 * assembled from this host's binaries when not. A second run with nothing changed only inspects.
 *
 *   node dist/main/build-images.js [--force] [--no-pull]
 */
import Dockerode from 'dockerode';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  ensureComposeBaseImages,
  ensureRuntimeImages,
  ensureServiceImage,
  ImageError,
  type EnsuredBaseImage,
  type EnsuredRuntimeImage,
  type ImageLogger,
} from '../docker/images/index.js';

// dist/main/build-images.js (or src/main/build-images.ts) → repository root.
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

const consoleLogger: ImageLogger = {
  info(obj, msg) {
    const fields = Object.entries(obj)
      .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
      .join(' ');
    console.log(`[images] ${msg ?? ''} ${fields}`.trimEnd());
  },
};

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { force: { type: 'boolean', default: false }, 'no-pull': { type: 'boolean', default: false } },
  });
  const docker = new Dockerode();
  await docker.ping().catch((error: unknown) => {
    throw new Error(`Cannot reach the Docker engine (is dockerd running? DOCKER_HOST is honoured): ${getMessage(error)}`);
  });

  const started = performance.now();
  const dockerBaseDir = resolve(repoRoot, 'docker/base');
  const runtimeImages = await ensureRuntimeImages(docker, {
    runtimesDir: resolve(repoRoot, 'runtimes'),
    dockerBaseDir,
    logger: consoleLogger,
    force: values.force,
    pull: !values['no-pull'],
  });
  const composeImages = await ensureComposeBaseImages(docker, {
    dockerBaseDir,
    logger: consoleLogger,
    pull: !values['no-pull'],
  });
  const serviceImage = await ensureServiceImage(docker, {
    repoRoot,
    dockerBaseDir,
    logger: consoleLogger,
    force: values.force,
    pull: !values['no-pull'],
  });
  await printSummary(docker, runtimeImages, composeImages);
  console.log(`  ${(await getRow(docker, serviceImage.tag, serviceImage.imageId, serviceImage.action, serviceImage.durationMs)).join('  ')}`);
  console.log(`[images] done in ${Math.round(performance.now() - started)} ms`);
}

async function printSummary(
  docker: Dockerode,
  runtimeImages: readonly EnsuredRuntimeImage[],
  composeImages: readonly EnsuredBaseImage[],
): Promise<void> {
  const rows: string[][] = [];
  for (const image of runtimeImages) {
    for (const base of image.bases) {
      rows.push(await getRow(docker, base.tag, base.id, `base: ${base.source}`, base.durationMs));
    }
    rows.push(await getRow(docker, image.tag, image.imageId, image.action, image.durationMs));
  }
  for (const base of composeImages) {
    rows.push(await getRow(docker, base.tag, base.id, `compose: ${base.source}`, base.durationMs));
  }
  const unique = rows.filter((row, index) => rows.findIndex((other) => other[0] === row[0]) === index);
  const widths = [0, 1, 2, 3, 4].map((column) => Math.max(...unique.map((row) => (row[column] ?? '').length)));
  for (const row of unique) console.log(`  ${row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ')}`);
}

async function getRow(docker: Dockerode, tag: string, id: string, action: string, durationMs: number): Promise<string[]> {
  const size = await docker
    .getImage(id)
    .inspect()
    .then((info) => `${(info.Size / 1e6).toFixed(0)} MB`)
    .catch(() => '?');
  return [tag, action, id.replace('sha256:', '').slice(0, 12), size, `${durationMs} ms`];
}

function getMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

main().catch((error: unknown) => {
  console.error(`build-images: ${getMessage(error)}`);
  if (error instanceof ImageError && error.logTail.length > 0) {
    console.error(`--- last output of the ${error.tag} build ---\n${error.logTail.join('\n')}`);
  }
  process.exitCode = 1;
});
