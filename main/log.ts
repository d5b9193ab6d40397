// Structured log lines (JSON) with personal data redacted before they are written.
//
// A record is { at, level, message, …fields }. Its own keys always win: a
// field named like one of them (`level`, `at`, `message`) never overwrites
// the record's; it is written as `field.<name>` instead (`{"level":"info",
// …,"field.level":4}`), so nothing a caller passes can change a line's
// level, time or message.
import { redactPersonalData } from '../common/mask.ts';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** The keys of a log record itself; fields cannot take them. */
const LOG_RECORD_KEYS = ['at', 'level', 'message'] as const;

/** The record written for one call: the record's keys first and untouchable, a clashing field renamed `field.<name>`. */
function logRecord(at: Date, level: LogLevel, message: string, fields?: Record<string, unknown>): Record<string, unknown> {
  const entries: [string, unknown][] = [
    ['at', at.toISOString()],
    ['level', level],
    ['message', message],
  ];
  const taken = new Set<string>(LOG_RECORD_KEYS);
  for (const [key, value] of Object.entries(fields ?? {})) {
    let name = key;
    while (taken.has(name)) name = `field.${name}`;
    taken.add(name);
    entries.push([name, value]);
  }
  // fromEntries defines own properties (a field named __proto__ stays a field).
  return Object.fromEntries(entries);
}

export function createLogger(
  write: (line: string) => void = (line) => process.stderr.write(line + '\n'),
  clock: () => Date = () => new Date(),
  minLevel: LogLevel = 'info',
): Logger {
  const order: LogLevel[] = ['debug', 'info', 'warn', 'error'];
  const emit = (level: LogLevel) => (message: string, fields?: Record<string, unknown>) => {
    if (order.indexOf(level) < order.indexOf(minLevel)) return;
    write(redactPersonalData(JSON.stringify(logRecord(clock(), level, message, fields))));
  };
  return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error') };
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
