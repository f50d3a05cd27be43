import { request } from 'undici';
import type { ImageInspector, InspectedImage } from '../control-plane/code/image-code.js';
import { LambdaError, invalidParameter, serviceError } from '../shared/errors.js';
import { IMAGES_PATH, TOKEN_HEADER } from './execution-wire.js';
import type { WorkerInfo, WorkerRegistry } from './worker-registry.js';

const ASK_TIMEOUT_MS = 5_000;

/**
 * Finds images for an api process, which has no engine of its own: it asks every live worker. An image
 * function runs wherever it is placed, so its image must be on every worker's engine under the same id
 * (`docker save | docker load` keeps it); an image some workers lack, or have as different images, is
 * refused saying which. No live worker: nothing can be checked, and the create fails (it can be retried).
 */
export class WorkerImageInspector implements ImageInspector {
  constructor(
    private readonly registry: WorkerRegistry,
    private readonly token: string,
  ) {}

  async inspect(reference: string): Promise<InspectedImage | undefined> {
    const workers = await this.registry.listLive();
    if (workers.length === 0) throw serviceError(new Error('no lambdock worker is running to look the image up on'));
    const found = await Promise.all(workers.map((worker) => this.ask(worker, reference)));
    const present = found.filter((image): image is InspectedImage => image !== undefined);
    if (present.length === 0) return undefined;
    const lacking = workers.filter((_worker, index) => found[index] === undefined).map((worker) => worker.id);
    if (lacking.length > 0) {
      throw invalidParameter(
        `Source image ${reference} is not on every lambdock worker's engine (missing on ${lacking.join(', ')}): ` +
          'load it on each of them (docker save | docker load keeps its id).',
      );
    }
    if (new Set(present.map((image) => image.id)).size > 1) {
      throw invalidParameter(
        `Source image ${reference} names different images on lambdock's workers: load the same image on each of them (docker save | docker load keeps its id).`,
      );
    }
    return present[0];
  }

  private async ask(worker: WorkerInfo, reference: string): Promise<InspectedImage | undefined> {
    try {
      const res = await request(`${worker.url}${IMAGES_PATH}?reference=${encodeURIComponent(reference)}`, {
        headers: { [TOKEN_HEADER]: this.token },
        headersTimeout: ASK_TIMEOUT_MS,
        bodyTimeout: ASK_TIMEOUT_MS,
      });
      if (res.statusCode === 404) {
        await res.body.dump();
        return undefined;
      }
      if (res.statusCode !== 200) {
        await res.body.dump();
        throw new Error(`worker ${worker.id} answered ${res.statusCode}`);
      }
      return (await res.body.json()) as InspectedImage;
    } catch (error) {
      throw error instanceof LambdaError ? error : serviceError(error);
    }
  }
}
