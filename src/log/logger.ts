import { pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger } from 'pino';

/**
 * Keys whose values are secrets wherever they appear in a log object (one level of nesting
 * and the top level). Config objects must still never be logged whole: log the fields you need.
 */
const SECRET_KEYS = ['secret', 'password', 'routingKey', 'webhookUrl', 'token', 'apiKey', 'authorization', 'cookie'];
export const REDACT_PATHS = [
  ...SECRET_KEYS,
  ...SECRET_KEYS.map((k) => `*.${k}`),
  ...SECRET_KEYS.map((k) => `*.*.${k}`),
  'headers["x-cordon-signature"]',
  '*.headers["x-cordon-signature"]',
];

export interface LogSettings {
  readonly level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';
  /** `auto`: pretty on a terminal, JSON otherwise. */
  readonly pretty: boolean | 'auto';
}

export function createLogger(settings: LogSettings, destination?: NodeJS.WritableStream): Logger {
  const options: LoggerOptions = {
    level: settings.level,
    base: { service: 'cordon' },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  // Logs go to stderr so that command output on stdout (`--json`) stays machine-readable.
  const out = destination ?? process.stderr;
  const pretty = settings.pretty === 'auto' ? Boolean((out as NodeJS.WriteStream).isTTY) : settings.pretty;
  if (pretty && destination === undefined) {
    return pino({ ...options, transport: { target: 'pino-pretty', options: { destination: 2, colorize: true } } });
  }
  return pino(options, out as pino.DestinationStream);
}

/** Removes the password from a connection URL before it is shown anywhere. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '[unparseable url]';
  }
}
