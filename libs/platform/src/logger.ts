import pino, { type Logger } from 'pino';

/**
 * Structured JSON logs. Every line about a message carries its `correlationId` (contract v1 §2),
 * added with `logger.child({ correlationId })` where the message is handled.
 */
export function createLogger(name: string, level = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({ name, level, base: { service: name }, timestamp: pino.stdTimeFunctions.isoTime });
}

export type { Logger };
