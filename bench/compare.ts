/**
 * Two servers' figures in one table (`--floor`, `--compare`): same generator, same scenario,
 * run one after the other, so the rows differ by the server and the machine's noise only.
 * With `--rounds N` each server has N rows, alternating, and the spread is the noise.
 */
import type { BenchReport } from "./report.ts";

export interface IdleFigures {
  readonly mode: "idle";
  readonly connections: number;
  readonly failed: number;
  readonly rssBeforeMB: number | null;
  readonly rssAfterMB: number | null;
  readonly rssPerIdleConnectionKB: number | null;
  /** RSS growth over the second half of the connections, per connection. */
  readonly rssMarginalKB: number | null;
  /**
   * With --settle: per connection, from the samples in the second half of the settle window
   * (median, lowest, highest); null without it.
   */
  readonly settledKB:
    | { readonly median: number; readonly min: number; readonly max: number }
    | null;
}

export interface Row<T> {
  /** "ours", "floor" or the compared URL. */
  readonly server: string;
  readonly round: number;
  readonly figures: T;
}

const fixed = (value: number | null | undefined, digits: number, unit = "") =>
  value === null || value === undefined ? "?" : `${value.toFixed(digits)}${unit}`;

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) =>
    cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)))
      .join("  ");
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

/** Median of the rounds, per server: what the ratio line compares. */
function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function medianOf<T>(rows: readonly Row<T>[], server: string, pick: (f: T) => number | null) {
  return median(
    rows.filter((r) => r.server === server).map((r) => pick(r.figures)).filter((v) =>
      v !== null
    ) as number[],
  );
}

/** "1.23×" of the first server over the second, by the medians of their rounds. */
function ratio<T>(rows: readonly Row<T>[], pick: (f: T) => number | null): string {
  const [a, b] = [...new Set(rows.map((r) => r.server))];
  if (a === undefined || b === undefined) return "?";
  const x = medianOf(rows, a, pick);
  const y = medianOf(rows, b, pick);
  return x !== null && y !== null && y > 0 ? `${(x / y).toFixed(2)}×` : "?";
}

const p99 = (report: BenchReport, kind: "player_event" | "state_update" | "chat_message") =>
  report.fanOut[kind].latencyMs.p99;

export function renderComparison(rows: readonly Row<BenchReport>[]): string {
  const header = [
    "server",
    "p99 player_event",
    "state_update",
    "chat",
    "pong",
    "lost",
    "msgs/s out",
    "CPU % one core",
    "CPU µs/delivered",
    "RSS after connect",
  ];
  const body = rows.map(({ server, round, figures: r }) => [
    rows.some((x) => x.round > 1) ? `${server} #${round}` : server,
    fixed(p99(r, "player_event"), 1, " ms"),
    fixed(p99(r, "state_update"), 1, " ms"),
    fixed(p99(r, "chat_message"), 1, " ms"),
    fixed(r.pongRttMs.latencyMs.p99, 1, " ms"),
    String(
      r.fanOut.player_event.lost + r.fanOut.state_update.lost + r.fanOut.chat_message.lost +
        r.pongRttMs.lost,
    ),
    r.messagesPerSecond.out.toFixed(0),
    fixed(r.server?.cpuPercentOfOneCore, 1, "%"),
    fixed(r.server?.cpuMicrosPerDelivered, 1),
    fixed(r.server?.rssAfterConnectMB, 0, " MB"),
  ]);
  const servers = [...new Set(rows.map((r) => r.server))];
  const lines = [table(header, body)];
  if (servers.length === 2) {
    lines.push(
      "",
      `${servers[0]} / ${servers[1]} (medians): CPU per delivered frame ${
        ratio(rows, (r) => r.server?.cpuMicrosPerDelivered ?? null)
      }, CPU share ${ratio(rows, (r) => r.server?.cpuPercentOfOneCore ?? null)}, ` +
        `p99 player_event ${ratio(rows, (r) => p99(r, "player_event"))}, RSS after connect ${
          ratio(rows, (r) => r.server?.rssAfterConnectMB ?? null)
        }`,
    );
  }
  return lines.join("\n");
}

export function renderIdleComparison(rows: readonly Row<IdleFigures>[]): string {
  const header = [
    "server",
    "connections",
    "failed",
    "RSS before",
    "RSS after",
    "KB/connection",
    "second half KB/conn",
    "settled KB/conn (range)",
  ];
  const body = rows.map(({ server, round, figures: f }) => [
    rows.some((x) => x.round > 1) ? `${server} #${round}` : server,
    String(f.connections),
    String(f.failed),
    fixed(f.rssBeforeMB, 1, " MB"),
    fixed(f.rssAfterMB, 1, " MB"),
    fixed(f.rssPerIdleConnectionKB, 1),
    fixed(f.rssMarginalKB, 1),
    f.settledKB
      ? `${f.settledKB.median.toFixed(1)} (${f.settledKB.min.toFixed(1)}–${
        f.settledKB.max.toFixed(1)
      })`
      : "—",
  ]);
  const servers = [...new Set(rows.map((r) => r.server))];
  const lines = [table(header, body)];
  if (servers.length === 2) {
    lines.push(
      "",
      `${servers[0]} / ${servers[1]} (medians): KB per idle connection ${
        ratio(rows, (f) => f.rssPerIdleConnectionKB)
      }, second half ${ratio(rows, (f) => f.rssMarginalKB)}, settled ${
        ratio(rows, (f) => f.settledKB?.median ?? null)
      }`,
    );
  }
  return lines.join("\n");
}

/** The medians a guard compares (bench:check). */
export function medianCpuPerDelivered(rows: readonly Row<BenchReport>[], server: string) {
  return medianOf(rows, server, (r) => r.server?.cpuMicrosPerDelivered ?? null);
}
