/**
 * Structured logging: one JSON line per event on stdout (journald keeps it), the event named
 * `area.what` (`file.received`, `sftp.login_failed`) with its fields.
 */
import type { Writable } from 'node:stream';
import winston from 'winston';

export type LogFields = Record<string, unknown>;
export type LogLevel = 'error' | 'warn' | 'info' | 'debug';

export interface Log {
  error(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  info(event: string, fields?: LogFields): void;
  debug(event: string, fields?: LogFields): void;
  /** Changes the level from now on (a configuration reload). */
  setLevel(level: LogLevel): void;
  /** Flushes and closes the transports. */
  close(): Promise<void>;
}

export interface LogOptions {
  level?: LogLevel;
  /** Defaults to stdout. */
  stream?: Writable;
}

export function createLog(options: LogOptions = {}): Log {
  const logger = winston.createLogger({
    level: options.level ?? 'info',
    format: winston.format.combine(winston.format.timestamp(), winston.format.json()),
    transports: [new winston.transports.Stream({ stream: options.stream ?? process.stdout })],
  });
  const emit = (level: LogLevel) => (event: string, fields: LogFields = {}) => {
    logger.log(level, event, { event, ...fields });
  };
  return {
    error: emit('error'),
    warn: emit('warn'),
    info: emit('info'),
    debug: emit('debug'),
    setLevel: (level) => {
      logger.level = level;
    },
    close: () =>
      new Promise<void>((resolve) => {
        if (logger.writable === false) return resolve();
        logger.on('finish', () => resolve());
        logger.end();
        setTimeout(resolve, 500).unref();
      }),
  };
}
