/**
 * Structured logs: one JSON object a line with `ts`, `level`, `msg` and ids, for log collectors
 * (Docker, Deploy, journald); or, on a terminal, the same entries as readable text. Never log
 * a token, and never a chat text at info level or above.
 */
export const LOG_LEVELS = ["error", "warn", "info", "debug"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** `auto` picks `text` when standard output is a terminal, `json` otherwise. */
export const LOG_FORMATS = ["auto", "json", "text"] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

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

/** How one entry becomes a line. */
type Formatter = (at: LogLevel, msg: string, fields: LogFields) => string;

const asJson: Formatter = (at, msg, fields) => {
  const entry: LogFields = { ts: new Date().toISOString(), level: at, msg };
  for (const [key, value] of Object.entries(fields)) entry[key] = describe(value);
  return JSON.stringify(entry);
};

/** ANSI colours of the level word, used only on a terminal without NO_COLOR. */
const LEVEL_COLOURS: Record<LogLevel, string> = {
  error: "\x1b[31m",
  warn: "\x1b[33m",
  info: "\x1b[36m",
  debug: "\x1b[2m",
};

function asText(colour: boolean): Formatter {
  return (at, msg, fields) => {
    const time = new Date().toISOString().slice(11, 19);
    const level = at.padEnd(5);
    const parts = [time, colour ? `${LEVEL_COLOURS[at]}${level}\x1b[0m` : level, msg];
    for (const [key, value] of Object.entries(fields)) {
      const shown = describe(value);
      parts.push(`${key}=${typeof shown === "string" ? shown : JSON.stringify(shown)}`);
    }
    return parts.join(" ");
  };
}

/** Whether this process writes to a terminal: text logs and colour are for people only. */
export function stdoutIsTerminal(): boolean {
  try {
    return Deno.stdout.isTerminal();
  } catch {
    return false;
  }
}

/** The format `auto` stands for here, and whether colour may be used with it. */
export function resolveLogFormat(format: LogFormat): { format: "json" | "text"; colour: boolean } {
  const terminal = stdoutIsTerminal();
  const resolved = format === "auto" ? (terminal ? "text" : "json") : format;
  const noColor = (() => {
    try {
      return Deno.env.get("NO_COLOR") !== undefined;
    } catch {
      return true;
    }
  })();
  return { format: resolved, colour: resolved === "text" && terminal && !noColor };
}

export function createLogger(
  level: LogLevel,
  sink: LogSink = consoleSink,
  format: { format: "json" | "text"; colour: boolean } = { format: "json", colour: false },
): Logger {
  const threshold = LOG_LEVELS.indexOf(level);
  const enabled = (candidate: LogLevel) => LOG_LEVELS.indexOf(candidate) <= threshold;
  const line = format.format === "text" ? asText(format.colour) : asJson;
  const write = (at: LogLevel) => (msg: string, fields: LogFields = {}) => {
    if (!enabled(at)) return;
    sink(line(at, msg, fields), at);
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
