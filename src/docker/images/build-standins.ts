import type Dockerode from 'dockerode';
import { ensureBaseImage, type EnsureBaseImageOptions, type EnsuredBaseImage } from './base-images.js';
import { COMPOSE_BASE_IMAGES } from './standin-catalog.js';

/**
 * Makes sure the base images docker-compose builds or runs directly exist (the lambdock service image's
 * node:20-bookworm-slim and redis:7-bookworm): local, pulled, or assembled offline.
 */
export async function ensureComposeBaseImages(
  docker: Dockerode,
  options: EnsureBaseImageOptions,
): Promise<EnsuredBaseImage[]> {
  const results: EnsuredBaseImage[] = [];
  for (const tag of COMPOSE_BASE_IMAGES) results.push(await ensureBaseImage(docker, tag, options));
  return results;
}
