import { pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger } from 'pino';

/** Field names whose values are secrets, at any depth of a log object (compared case-insensitively). */
const SECRET_FIELDS = ['secret', 'password', 'routingKey', 'webhookUrl', 'token', 'apiKey', 'authorization', 'cookie'];
const SECRET_KEYS = new Set([...SECRET_FIELDS, 'x-cordon-signature'].map((k) => k.toLowerCase()));
const CENSOR = '[redacted]';
const MAX_DEPTH = 8;

/** A copy of `value` with every secret-named field replaced; shared structure is not mutated. */
export function redactSecrets(value: unknown, depth = 0): unknown {
  if (depth > MAX_DEPTH || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) return value; // pino's error serializer handles these
  if (Array.isArray(value)) return value.map((v) => redactSecrets(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = SECRET_KEYS.has(k.toLowerCase()) ? CENSOR : redactSecrets(v, depth + 1);
  }
  return out;
}

export interface LogSettings {
  readonly level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';
  /** `auto`: pretty on a terminal, JSON otherwise. */
  readonly pretty: boolean | 'auto';
}

export function createLogger(settings: LogSettings, destination?: NodeJS.WritableStream): Logger {
  const options: LoggerOptions = {
    level: settings.level,
    base: { service: 'cordon' },
    // Child-logger bindings bypass the log formatter; pino's path redaction covers them.
    redact: { paths: [...SECRET_FIELDS, ...SECRET_FIELDS.map((k) => `*.${k}`)], censor: CENSOR },
    formatters: {
      log: (obj) => redactSecrets(obj) as Record<string, unknown>,
    },
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
