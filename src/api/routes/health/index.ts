import type { FastifyPluginAsync } from 'fastify';
import { UNAUTHENTICATED } from '../../authentication.js';

export type HealthCheck = () => Promise<Record<string, 'ok' | string>>;

/** `GET /health`: 200 once every dependency answers, 503 with what failed otherwise. */
export const healthRoutes: FastifyPluginAsync<{ check: HealthCheck }> = async (app, { check }) => {
  app.get('/health', { config: UNAUTHENTICATED }, async (_request, reply) => {
    const checks = await check();
    const ok = Object.values(checks).every((v) => v === 'ok');
    return reply.code(ok ? 200 : 503).send({ status: ok ? 'ok' : 'unavailable', checks });
  });
};
