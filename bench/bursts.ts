/**
 * Bursts of simultaneous cold invocations of a 500 ms function: 200 at once, then (every environment
 * retired first) 1,000 at once, the account limit. Wall time from the first request to the last answer,
 * and how the answers split: 200 OK, 429 throttles, anything else. Part of `npm run bench`.
 */
import { Pool } from 'undici';

export interface BurstRow {
  size: number;
  wallMs: number;
  ok: number;
  throttled: number;
  /** Answers neither 200 nor 429, with a sample of what they were. */
  failed: number;
  sample?: string;
}

export const BURST_HANDLER = 'exports.handler = async () => { await new Promise((r) => setTimeout(r, 500)); return { ok: true }; };';

export async function measureBurst(url: string, functionName: string, size: number): Promise<BurstRow> {
  const pool = new Pool(url, { connections: size, pipelining: 1, headersTimeout: 120_000, bodyTimeout: 120_000 });
  const row: BurstRow = { size, wallMs: 0, ok: 0, throttled: 0, failed: 0 };
  const began = performance.now();
  try {
    await Promise.all(
      Array.from({ length: size }, async () => {
        try {
          const res = await pool.request({ method: 'POST', path: `/2015-03-31/functions/${functionName}/invocations`, body: '{}' });
          const body = await res.body.text();
          if (res.statusCode === 200 && res.headers['x-amz-function-error'] === undefined) row.ok += 1;
          else if (res.statusCode === 429) row.throttled += 1;
          else {
            row.failed += 1;
            row.sample ??= `${res.statusCode} ${body.slice(0, 160)}`;
          }
        } catch (error) {
          row.failed += 1;
          row.sample ??= String(error);
        }
      }),
    );
  } finally {
    row.wallMs = performance.now() - began;
    await pool.close();
  }
  return row;
}
