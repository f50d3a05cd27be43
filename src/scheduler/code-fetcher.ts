import { createHash } from 'node:crypto';
import { request } from 'undici';
import type { CodeStore } from '../control-plane/code/code-store.js';
import type { CodeRef, FunctionVersionRecord } from '../control-plane/function-model.js';
import { serviceError } from '../shared/errors.js';

/**
 * Brings code a worker does not have from the api that sent the execution (its code download route), by
 * content hash: the bytes must hash to what the record says, so a worker never runs other code. Fetches
 * of one SHA at once share one download.
 */
export class CodeFetcher {
  private readonly running = new Map<string, Promise<void>>();

  constructor(private readonly code: CodeStore) {}

  /** The code a record runs: its own and its layers' (the api serves both by SHA). */
  async ensureRecord(record: Pick<FunctionVersionRecord, 'code' | 'layers'>, codeUrl: string | undefined): Promise<void> {
    await Promise.all([record.code, ...(record.layers ?? []).map((layer) => layer.code)].map((ref) => this.ensure(ref, codeUrl)));
  }

  async ensure(ref: CodeRef, codeUrl: string | undefined): Promise<void> {
    // A hot-reload folder is the host's own, an image is on the engine: nothing to fetch.
    if (ref.hostFolder !== undefined || ref.image !== undefined || (await this.code.hasCode(ref.sha256Hex))) return;
    if (codeUrl === undefined) throw serviceError(new Error(`code ${ref.sha256Hex} is not on this worker and no code URL came with it`));
    let fetching = this.running.get(ref.sha256Hex);
    if (fetching === undefined) {
      fetching = this.fetch(ref, codeUrl).finally(() => this.running.delete(ref.sha256Hex));
      this.running.set(ref.sha256Hex, fetching);
    }
    await fetching;
  }

  private async fetch(ref: CodeRef, codeUrl: string): Promise<void> {
    const res = await request(`${codeUrl}/${ref.sha256Hex}.zip`, { headersTimeout: 30_000, bodyTimeout: 60_000 }).catch((error: unknown) => {
      throw serviceError(error);
    });
    const zip = Buffer.from(await res.body.arrayBuffer());
    if (res.statusCode !== 200) throw serviceError(new Error(`the api answered ${res.statusCode} for code ${ref.sha256Hex}`));
    const digest = createHash('sha256').update(zip).digest('hex');
    if (digest !== ref.sha256Hex) throw serviceError(new Error(`code fetched for ${ref.sha256Hex} hashes to ${digest}`));
    // Staged, then let go: the function's records in Redis keep it (a worker's store shares their counts).
    const staged = await this.code.stage(zip);
    await staged.release();
  }
}
