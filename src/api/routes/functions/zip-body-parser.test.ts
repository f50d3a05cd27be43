import { randomBytes } from 'node:crypto';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import type { FunctionService } from '../../../control-plane/function-service.js';
import { functionRoutes } from './index.js';
import { UPLOADS_AT_ONCE } from './zip-body-parser.js';

/** A functions service whose create waits for the test, counting how many uploads it holds at once. */
function blockingFunctions() {
  let inside = 0;
  let most = 0;
  const zips: Buffer[] = [];
  const gates: Array<() => void> = [];
  const fake = {
    scope: { region: 'us-east-1', accountId: '000000000000' },
    async create(input: { Code: { ZipFile?: string | Buffer } }) {
      inside += 1;
      most = Math.max(most, inside);
      const zip = input.Code.ZipFile;
      zips.push(Buffer.isBuffer(zip) ? zip : Buffer.from(zip ?? '', 'base64'));
      await new Promise<void>((resolve) => gates.push(resolve));
      inside -= 1;
      throw new Error('stop here');
    },
  };
  return { functions: fake as unknown as FunctionService, zips, gates, most: () => most, inside: () => inside };
}

describe('CreateFunction body parsing', () => {
  it(`decodes the zip while reading and lets at most ${UPLOADS_AT_ONCE} large uploads in at once`, async () => {
    const fake = blockingFunctions();
    const app = Fastify();
    await app.register(functionRoutes, { functions: fake.functions, fetchTags: async () => ({}), fetchReservedConcurrency: async () => undefined, codeLocation: () => '' });
    const uploads = Array.from({ length: 4 }, () => randomBytes(2 * 1024 * 1024));
    const answers = uploads.map((zip, i) =>
      app.inject({
        method: 'POST',
        url: '/2015-03-31/functions',
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify({ FunctionName: `f${i}`, Role: 'arn:aws:iam::000000000000:role/r', Code: { ZipFile: zip.toString('base64') } }),
      }),
    );
    const settle = () => new Promise((resolve) => setTimeout(resolve, 100));
    await settle();
    expect(fake.inside()).toBe(UPLOADS_AT_ONCE);
    while (fake.gates.length > 0 || fake.zips.length < uploads.length) {
      fake.gates.shift()?.();
      await settle();
    }
    await Promise.all(answers);
    expect(fake.most()).toBe(UPLOADS_AT_ONCE);
    expect(fake.zips.map((z) => z.toString('hex')).sort()).toEqual(uploads.map((z) => z.toString('hex')).sort());
    await app.close();
  });
});
