import { describe, expect, it } from 'vitest';
import type { CodeStore } from '../control-plane/code/code-store.js';
import type { FunctionService } from '../control-plane/function-service.js';
import type { TagService } from '../control-plane/tag-service.js';
import type { InvokeService } from '../invocation/invoke-service.js';
import { buildApi } from './app.js';

const never = (): Promise<never> => new Promise(() => undefined);

function apiWithHangingBackend(requestTimeoutMs: number) {
  const functions = { get: never, list: never, scope: { region: 'us-east-1', accountId: '000000000000' } };
  return buildApi({
    functions: functions as unknown as FunctionService,
    invoker: { invoke: never } as unknown as InvokeService,
    code: {} as CodeStore,
    tags: {} as TagService,
    health: async () => ({}),
    concurrency: 10,
    logger: false,
    requestTimeoutMs,
  });
}

describe('request deadlines', () => {
  it('answers a request whose backend never answers with a 500 ServiceException at the deadline', async () => {
    const app = apiWithHangingBackend(1_000);
    const response = await app.inject({ method: 'GET', url: '/2015-03-31/functions/stuck' });
    expect(response.statusCode).toBe(500);
    expect(response.headers['x-amzn-errortype']).toBe('ServiceException');
    expect(response.json()).toStrictEqual({ Type: 'Service', Message: 'The Lambda service encountered an internal error.' });
    await app.close();
  });
});
