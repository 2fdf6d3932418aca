/**
 * Structured logs: one JSON object a line with `ts`, `level`, `msg` and ids. Never log a token,
 * and never a chat text at info level or above.
 */
export const LOG_LEVELS = ["error", "warn", "info", "debug"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export type LogFields = Record<string, unknown>;

export interface Logger {
  error(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  debug(msg: string, fields?: LogFields): void;
  enabled(level: LogLevel): boolean;
}

export type LogSink = (line: string, level: LogLevel) => void;

const consoleSink: LogSink = (line, level) => {
  if (level === "error" || level === "warn") console.error(line);
  else console.log(line);
};

function describe(value: unknown): unknown {
  if (value instanceof Error) {
    return { name: value.name, message: value.message, stack: value.stack };
  }
  return value;
}

export function createLogger(level: LogLevel, sink: LogSink = consoleSink): Logger {
  const threshold = LOG_LEVELS.indexOf(level);
  const enabled = (candidate: LogLevel) => LOG_LEVELS.indexOf(candidate) <= threshold;
  const write = (at: LogLevel) => (msg: string, fields: LogFields = {}) => {
    if (!enabled(at)) return;
    const entry: LogFields = { ts: new Date().toISOString(), level: at, msg };
    for (const [key, value] of Object.entries(fields)) entry[key] = describe(value);
    sink(JSON.stringify(entry), at);
  };
  return {
    error: write("error"),
    warn: write("warn"),
    info: write("info"),
    debug: write("debug"),
    enabled,
  };
}

/** For tests and embedding: drops everything. */
export const silentLogger: Logger = createLogger("error", () => {});
