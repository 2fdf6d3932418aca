/**
 * Gauges that show a leak as growth: live timers, the lobby, and the process's memory. The soak
 * (bench/soak.ts) reads them before and after a million room lives; an operator can graph them.
 */
import type { Clock } from "../rooms/mod.ts";
import { Gauge } from "./metrics.ts";

export interface GaugeSources {
  readonly clock: Clock;
  /** Connections in no room, which get the room list pushed. */
  readonly lobbySize: () => number;
}

export function processGauges({ clock, lobbySize }: GaugeSources): Gauge[] {
  return [
    new Gauge(
      "owp_timers",
      "Timers the server has set and not yet fired or cleared (rooms, connections, budgets).",
      () => clock.liveTimers ?? 0,
    ),
    new Gauge("owp_lobby_connections", "Connections in no room (room lists pushed).", lobbySize),
    new Gauge(
      "owp_resident_memory_bytes",
      "Resident set size of the process.",
      () => Deno.memoryUsage().rss,
    ),
    new Gauge(
      "owp_heap_used_bytes",
      "JavaScript heap in use (V8), garbage not yet collected included.",
      () => Deno.memoryUsage().heapUsed,
    ),
  ];
}
