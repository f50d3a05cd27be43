import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { MAX_UNZIPPED_BYTES, MAX_ZIPPED_BYTES } from '../../../control-plane/code/code-store.js';
import type { ReservedConcurrencyService } from '../../../control-plane/concurrency/reserved-concurrency-service.js';
import type { FunctionService } from '../../../control-plane/function-service.js';
import type { LayerService } from '../../../control-plane/layers/layer-service.js';

const TOTAL_CODE_SIZE = 80_530_636_800;

/** GetAccountSettings: `GET /2016-08-19/account-settings`. */
export const accountRoutes: FastifyPluginAsyncTypebox<{ functions: FunctionService; layers: LayerService; concurrency: ReservedConcurrencyService }> = async (
  app,
  { functions, layers, concurrency },
) => {
  app.get('/2016-08-19/account-settings', async () => {
    const [usage, layerCodeSize, unreserved] = await Promise.all([functions.usage(), layers.fetchTotalCodeSize(), concurrency.fetchUnreserved()]);
    return {
      AccountLimit: {
        TotalCodeSize: TOTAL_CODE_SIZE,
        CodeSizeUnzipped: MAX_UNZIPPED_BYTES,
        CodeSizeZipped: MAX_ZIPPED_BYTES,
        ConcurrentExecutions: concurrency.limits.account,
        UnreservedConcurrentExecutions: unreserved,
      },
      // AWS counts the code of functions and of layers.
      AccountUsage: { TotalCodeSize: usage.totalCodeSize + layerCodeSize, FunctionCount: usage.functionCount },
    };
  });
};
