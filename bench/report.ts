/** The run's figures as one JSON-ready object, and as the table a person reads. */
import type { Scenario } from "./scenario.ts";
import { type LatencySummary, summarize } from "./stats.ts";

export interface DeliveryFigures {
  readonly latencyMs: LatencySummary;
  readonly expected: number;
  readonly received: number;
  readonly lost: number;
  readonly unexpected: number;
}

export interface BenchReport {
  readonly label: string;
  readonly date: string;
  readonly machine: { readonly cpus: number; readonly os: string; readonly deno: string };
  readonly target: string;
  readonly scenario: Omit<
    Scenario,
    "serverEnv" | "json" | "label" | "cpuProf" | "compare" | "comparePid" | "floor" | "rounds"
  >;
  readonly connections: {
    readonly attempted: number;
    readonly opened: number;
    readonly failed: number;
    readonly failures: Record<string, number>;
    readonly connectMs: LatencySummary;
    readonly openAtEnd: number;
  };
  readonly fanOut: Record<"player_event" | "state_update" | "chat_message", DeliveryFigures>;
  readonly pongRttMs: DeliveryFigures;
  readonly messagesPerSecond: { readonly in: number; readonly out: number };
  readonly errors: Record<string, number>;
  readonly server: {
    readonly rssStartMB: number | null;
    readonly rssAfterConnectMB: number | null;
    readonly rssPeakMB: number | null;
    readonly rssPerConnectionKB: number | null;
    readonly cpuPercentOfOneCore: number | null;
    /** User + system CPU seconds the server spent in the measured window. */
    readonly cpuSeconds: number | null;
    /** That CPU time over the frames the clients received in the window, in µs. */
    readonly cpuMicrosPerDelivered: number | null;
  } | null;
}

export function delivery(
  samples: Float64Array,
  expected: number,
  received: number,
  unexpected: number,
): DeliveryFigures {
  return {
    latencyMs: summarize(samples),
    expected,
    received,
    lost: Math.max(0, expected - received),
    unexpected,
  };
}

const ms = (value: number) => value.toFixed(value < 10 ? 2 : 1);
const pad = (text: string | number, width: number) => String(text).padStart(width);

export function renderTable(report: BenchReport): string {
  const s = report.scenario;
  const c = report.connections;
  const lines = [
    `OpenWatchParty session benchmark${report.label ? ` — ${report.label}` : ""}`,
    `target ${report.target}; ${s.rooms} rooms × ${s.members} members = ${
      s.rooms * s.members
    } clients; ` +
    `${s.durationS} s measured; ${report.machine.cpus} CPUs`,
    "",
    `connections  opened ${c.opened}/${c.attempted}  failed ${c.failed}  open at end ${c.openAtEnd}  ` +
    `connect p50 ${ms(c.connectMs.p50)} ms  p99 ${ms(c.connectMs.p99)} ms  max ${
      ms(c.connectMs.max)
    } ms`,
    "",
    `latency (ms)       count      p50      p95      p99      max   expected   received   lost  unexpected`,
  ];
  const row = (name: string, d: DeliveryFigures) =>
    `${name.padEnd(14)}${pad(d.latencyMs.count, 9)}${pad(ms(d.latencyMs.p50), 9)}${
      pad(ms(d.latencyMs.p95), 9)
    }` +
    `${pad(ms(d.latencyMs.p99), 9)}${pad(ms(d.latencyMs.max), 9)}${pad(d.expected, 11)}${
      pad(d.received, 11)
    }` +
    `${pad(d.lost, 7)}${pad(d.unexpected, 12)}`;
  lines.push(row("player_event", report.fanOut.player_event));
  lines.push(row("state_update", report.fanOut.state_update));
  lines.push(row("chat_message", report.fanOut.chat_message));
  lines.push(row("pong (RTT)", report.pongRttMs));
  lines.push("");
  lines.push(
    `messages/s   in ${report.messagesPerSecond.in.toFixed(0)}   out ${
      report.messagesPerSecond.out.toFixed(0)
    }`,
  );
  const errors = Object.entries(report.errors);
  lines.push(
    `errors       ${
      errors.length === 0 ? "none" : errors.map(([m, n]) => `${m} ×${n}`).join(", ")
    }`,
  );
  const server = report.server;
  if (server) {
    const mb = (v: number | null) => (v === null ? "?" : `${v.toFixed(1)} MB`);
    lines.push(
      `server       RSS start ${mb(server.rssStartMB)}, after connect ${
        mb(server.rssAfterConnectMB)
      }, ` +
        `peak ${mb(server.rssPeakMB)}; ` +
        `${
          server.rssPerConnectionKB === null
            ? ""
            : `${server.rssPerConnectionKB.toFixed(1)} KB per connection; `
        }` +
        `CPU ${
          server.cpuPercentOfOneCore === null ? "?" : server.cpuPercentOfOneCore.toFixed(0)
        }% of one core, ${
          server.cpuMicrosPerDelivered === null ? "?" : server.cpuMicrosPerDelivered.toFixed(1)
        } µs per delivered frame`,
    );
  }
  return lines.join("\n");
}
