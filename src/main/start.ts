#!/usr/bin/env node
import { ConfigError, loadConfig } from '../config/config.js';
import { createLogger } from '../observability/logger.js';
import { startLambdock, startLambdockApi } from './lambdock.js';

/**
 * `npm start` (or `lambdock`): the control plane and a worker in one process; `lambdock api` the Lambda
 * API alone, `lambdock worker` a worker alone (LAMBDOCK_ROLE says the same). Configured from the environment.
 */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env, process.argv[2]);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`lambdock: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const logger = createLogger(config.logLevel);
  const lambdock = config.role === 'api' ? await startLambdockApi(config, { logger }) : await startLambdock(config, { logger });
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      logger.warn({ signal }, 'Second signal: exiting without waiting (leftovers are swept at the next start)');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'Stopping lambdock');
    lambdock.close().then(
      () => {
        logger.info('Stopped lambdock');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'Could not stop cleanly');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error: unknown) => {
  process.stderr.write(`lambdock failed to start: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exit(1);
});
