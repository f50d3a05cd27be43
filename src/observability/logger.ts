import pino, { type Logger } from 'pino';

export type { Logger };

/** lambdock's service log: JSON lines on stdout (pino). */
export function createLogger(level: string): Logger {
  return pino({ level, base: { service: 'lambdock' } });
}
