/**
 * A whole watch party in simulation, on one ManualClock: the server's real connection, room
 * and registry code (no sockets), our SyncClient in every participant, a FakePlayer each,
 * and network paths with seeded delays. Each client's local clock is the true time plus its
 * own offset (which a test may step), so the clients must find the server's clock by ping.
 * Everything is deterministic for a seed; `advance` moves the whole world.
 */
import { type SessionTicket, SyncClient } from "../../../client/sync_client.ts";
import type { PlaybackSyncOptions } from "../../../client/playback_sync.ts";
import type { ClientSocket, LocalClock, SocketHandlers } from "../../../client/ports.ts";
import { ManualClock } from "../../../rooms/clock.ts";
import { RoomRegistry } from "../../../rooms/registry.ts";
import { AddressBook } from "../../../server/addresses.ts";
import { defaultConfig } from "../../../server/config.ts";
import { Connection } from "../../../server/connection.ts";
import { silentLogger } from "../../../server/log.ts";
import { ServerMetrics } from "../../../server/metrics.ts";
import { InviteTokens } from "../../../server/invites.ts";
import { ResumeTokens } from "../../../server/resume_tokens.ts";
import { seededRandom } from "../random.ts";
import { FakePlayer, type FakePlayerOptions } from "./fake_player.ts";
import { Lane, LOOPBACK, type PathProfile } from "./network.ts";

export interface SimClientOptions {
  readonly name: string;
  /** The client's clock minus the server's, ms. */
  readonly offsetMs?: number;
  readonly path?: PathProfile;
  readonly player?: Partial<FakePlayerOptions>;
  readonly playback?: PlaybackSyncOptions;
  /** A session to take back (a reloaded page's ticket). */
  readonly session?: SessionTicket;
  /**
   * Each of the client's timers fires this much later than asked (ms), as a browser's do
   * when its main thread or the machine is busy (Chromium in the sync benchmark: 0–17 ms).
   */
  readonly timerLateMs?: number;
}

export interface SimClient {
  readonly name: string;
  readonly client: SyncClient;
  readonly player: FakePlayer;
  /** Errors the server sent this client. */
  readonly errors: string[];
  /** Every message type this client sent, in order. */
  readonly sent: string[];
  /** Moves this client's clock by `ms` at once (a clock step). */
  stepClock(ms: number): void;
  /** Drops the connection (the server sees it end; the client reconnects). */
  dropConnection(): void;
}

export class SimWorld {
  readonly clock = new ManualClock();
  readonly config = defaultConfig({ ROOM_CREATIONS_PER_MINUTE: "1000" });
  readonly metrics = new ServerMetrics();
  readonly registry: RoomRegistry;
  readonly #addresses: AddressBook;
  readonly #random: () => number;
  readonly #tokens = new ResumeTokens("a simulated server's resume secret");
  readonly #invites = new InviteTokens("a simulated server's resume secret");

  constructor(seed = 1) {
    this.#random = seededRandom(seed);
    this.registry = new RoomRegistry({
      clock: this.clock,
      timings: this.config.timings,
      maxMembersPerRoom: 20,
      maxRooms: 100,
    });
    this.#addresses = new AddressBook(this.clock, this.config.limits.roomCreationsPerMinute);
  }

  /** Moves the world forward by `ms` (in 1 ms steps of timers; exact). */
  advance(ms: number): void {
    this.clock.advance(ms);
  }

  addClient(options: SimClientOptions): SimClient {
    let offset = options.offsetMs ?? 0;
    const path = options.path ?? LOOPBACK;
    const localClock: LocalClock = {
      now: () => this.clock.now() + offset,
      setTimeout: (fire, delayMs) =>
        this.clock.setTimer(Math.max(0, delayMs) + (options.timerLateMs ?? 0), fire) as number,
      clearTimeout: (handle) => this.clock.clearTimer(handle),
    };
    const errors: string[] = [];
    const sent: string[] = [];
    let drop: () => void = () => {};
    const openSocket = (_url: string, handlers: SocketHandlers): ClientSocket => {
      const up = new Lane(this.clock, path.upMs, path.jitterMs, this.#random);
      const down = new Lane(this.clock, path.downMs, path.jitterMs, this.#random);
      let open = true;
      const connection = new Connection({
        clock: this.clock,
        directory: this.registry,
        config: this.config,
        log: silentLogger,
        authenticator: null,
        metrics: this.metrics,
        resumeTokens: this.#tokens,
        invites: this.#invites,
        onGone: () => {},
      }, this.#addresses.acquire(`sim-${options.name}`));
      down.send(() => open && handlers.onOpen());
      connection.open({
        bufferedAmount: 0,
        send: (text) =>
          down.send(() => {
            if (!open) return;
            const message = JSON.parse(text);
            if (message.type === "error") errors.push(message.payload.message);
            handlers.onMessage(text);
          }),
        close: () => {},
      });
      const close = (code: number) => {
        if (!open) return;
        open = false;
        connection.closed(code);
        handlers.onClose(code, "");
      };
      drop = () => close(1006);
      return {
        send: (text) => {
          sent.push(JSON.parse(text).type);
          up.send(() => open && connection.receive(text));
        },
        close: (code = 1000) => close(code),
      };
    };
    const client = new SyncClient({
      url: "sim://server/ws",
      userName: options.name,
      clock: localClock,
      openSocket,
      random: this.#random,
      playback: options.playback,
      session: options.session,
    });
    const player = new FakePlayer(this.clock, options.player);
    client.attachPlayer(player);
    // As the watch page does: new media in the room is a new source, the player re-attached.
    let mediaItemId: string | null = null;
    client.on("room", (room) => {
      if (room && mediaItemId !== null && room.mediaItemId !== mediaItemId) {
        client.detachPlayer();
        player.loadNew();
        client.attachPlayer(player);
      }
      mediaItemId = room?.mediaItemId ?? null;
    });
    client.start();
    return {
      name: options.name,
      client,
      player,
      errors,
      sent,
      stepClock: (ms) => offset += ms,
      dropConnection: () => drop(),
    };
  }
}
