/// <reference lib="deno.worker" />
/**
 * A generator worker: owns whole parties (so a host and its members share one clock), connects
 * them at its share of the ramp rate, then drives their traffic from one scheduler tick.
 */
import { BenchClient } from "./bench_client.ts";
import { MEASURED_TYPES, Party, type Recorder } from "./party.ts";
import { seededRandom } from "./random.ts";
import { LatencySamples, Tally } from "./stats.ts";
import type { FromWorker, ToWorker } from "./worker_protocol.ts";

const TICK_MS = 20;

let parties: Party[] = [];
let recorder: Recorder | null = null;
let seed = 1;

/** Posts by structured clone: a few MB of samples at the end of a run, copied once. */
function post(message: FromWorker): void {
  self.postMessage(message);
}

/** Hands out connection slots at a steady rate, in request order. */
function pacer(perSecond: number) {
  let next = performance.now();
  return async () => {
    const at = next;
    next += 1_000 / perSecond;
    const wait = at - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  };
}

async function setup(message: Extract<ToWorker, { kind: "setup" }>): Promise<void> {
  const { scenario } = message;
  seed = message.seed;
  recorder = {
    measuring: false,
    latency: Object.fromEntries(MEASURED_TYPES.map((t) => [t, new LatencySamples()])) as Recorder[
      "latency"
    ],
    expected: new Tally(),
    received: new Tally(),
    unexpected: new Tally(),
    errors: new Tally(),
    framesIn: 0,
    framesOut: 0,
  };
  const settings = {
    stateIntervalMs: scenario.stateIntervalMs,
    playerEventIntervalS: scenario.playerEventIntervalS,
    pingIntervalMs: scenario.pingIntervalMs,
    chatIntervalS: scenario.chatIntervalS,
    commandCooldownMs: scenario.commandCooldownMs,
  };
  const slot = pacer(message.rampPerS);
  const connectMs = new LatencySamples();
  const failures = new Tally();
  let opened = 0;
  parties = message.parties.map((index) => new Party(index, settings, recorder!));
  await Promise.all(parties.map(async (party) => {
    for (let m = 0; m < scenario.members; m++) {
      // Without a host there is no room to join.
      if (m > 0 && !party.host) return;
      await slot();
      try {
        const urls = message.urls ?? [message.url];
        const url = urls[(party.index + m) % urls.length]!;
        const { client, ms } = await BenchClient.connect(url);
        connectMs.add(ms);
        opened++;
        await party.enlist(client);
      } catch (error) {
        failures.add(error instanceof Error ? error.message : String(error));
      }
    }
  }));
  const samples = connectMs.toArray();
  post({
    kind: "ready",
    opened,
    failed: failures.total(),
    connectMs: samples,
    failures: failures.counts,
  });
}

async function measure(message: Extract<ToWorker, { kind: "measure" }>): Promise<void> {
  const rec = recorder!;
  const random = seededRandom(seed);
  rec.measuring = true;
  const started = performance.now();
  for (const party of parties) party.start(started, random);
  const timer = setInterval(() => {
    const now = performance.now();
    for (const party of parties) party.tick(now);
  }, TICK_MS);
  await new Promise((resolve) => setTimeout(resolve, message.durationMs));
  rec.measuring = false;
  clearInterval(timer);
  await new Promise((resolve) => setTimeout(resolve, message.drainMs));
  const clientsOpenAtEnd = parties.reduce(
    (n, party) => n + party.participants.filter((p) => p.client.open).length,
    0,
  );
  const latency = Object.fromEntries(
    MEASURED_TYPES.map((type) => [type, rec.latency[type].toArray()]),
  ) as Record<(typeof MEASURED_TYPES)[number], Float64Array>;
  await Promise.all(parties.map((party) => party.close()));
  post({
    kind: "result",
    latency,
    expected: rec.expected.counts,
    received: rec.received.counts,
    unexpected: rec.unexpected.counts,
    errors: rec.errors.counts,
    framesIn: rec.framesIn,
    framesOut: rec.framesOut,
    clientsOpenAtEnd,
  });
}

/**
 * Waits until the server's room_list broadcasts are over AND this worker has read everything
 * already sent. Over: the newest list shows each of our rooms with all its members (a server
 * may space big broadcasts out, so silence alone proves nothing), or no list reached a room
 * since its last member joined (lists for the lobby only), and none came for `quietMs`.
 * Read: a ping on every socket, whose pong (frames on a socket arrive in order) proves the
 * frames before it were handled. Repeats if a list came meanwhile.
 */
async function settle(message: Extract<ToWorker, { kind: "settle" }>): Promise<void> {
  const started = performance.now();
  const lastList = () => Math.max(...parties.map((party) => party.lastRoomListAt), started);
  while (performance.now() - started < message.maxMs) {
    const final = parties.every((party) => !party.host || party.listsSettled);
    if (!final || performance.now() - lastList() < message.quietMs) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      continue;
    }
    const before = lastList();
    const clients = parties.flatMap((party) => party.participants.map((p) => p.client));
    await Promise.all(
      clients.filter((client) => client.open).map((client) => {
        const pong = client.waitFor("pong", message.maxMs).catch(() => {});
        client.send("ping", { client_ts: Date.now(), settle: true });
        return pong;
      }),
    );
    if (lastList() === before) break;
  }
  post({ kind: "settled", waitedMs: performance.now() - started });
}

self.onmessage = (event: MessageEvent<ToWorker>) => {
  const message = event.data;
  const run = message.kind === "setup"
    ? setup(message)
    : message.kind === "settle"
    ? settle(message)
    : measure(message);
  run.catch((error) => post({ kind: "failed", error: String(error?.stack ?? error) }));
};
