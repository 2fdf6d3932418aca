/**
 * One simulated watch party: a host and its members, the traffic of a real party, and the
 * bookkeeping that turns every expected delivery into a latency sample or a loss.
 *
 * Traffic (while running): the host plays and sends state_update every stateIntervalMs, and
 * alternates pause / play every playerEventIntervalS; every member pings every pingIntervalMs
 * and chats every chatIntervalS. The host follows the protocol's state_update rules (protocol 5.7) so
 * that every update it sends is one the server must relay: none during the command cooldown,
 * none while paused, and the playhead always moves forward by more than the jitter threshold.
 */
import { BenchClient, type ServerFrame } from "./bench_client.ts";
import { type LatencySamples, Tally } from "./stats.ts";

export const MEASURED_TYPES = ["player_event", "state_update", "chat_message", "pong"] as const;
export type MeasuredType = (typeof MEASURED_TYPES)[number];

/** Shared by all parties of one worker: one clock, one set of recorders. */
export interface Recorder {
  measuring: boolean;
  readonly latency: Record<MeasuredType, LatencySamples>;
  readonly expected: Tally;
  readonly received: Tally;
  /** Deliveries that matched nothing sent (a duplicate, or a relay nobody asked for). */
  readonly unexpected: Tally;
  readonly errors: Tally;
  framesIn: number;
  framesOut: number;
}

export interface PartySettings {
  readonly stateIntervalMs: number;
  readonly playerEventIntervalS: number;
  readonly pingIntervalMs: number;
  readonly chatIntervalS: number;
  readonly commandCooldownMs: number;
}

/** Margin over the server's cooldown, so network jitter never makes an update look early. */
const COOLDOWN_MARGIN_MS = 500;
/**
 * The server relays state updates at least MIN_STATE_UPDATE_INTERVAL_MS (500) apart; a host
 * catching up after a stall of its own must not send two closer than that (plus a margin).
 */
const MIN_STATE_GAP_MS = 600;

interface Outstanding {
  readonly sentAt: number;
  remaining: number;
  readonly measured: boolean;
}

interface Participant {
  readonly client: BenchClient;
  nextPingAt: number;
  nextChatAt: number;
  chatSeq: number;
}

export class Party {
  roomId = "";
  readonly participants: Participant[] = [];
  readonly #outstanding = new Map<string, Outstanding>();
  #playing = true;
  /** Playhead position (s) at #playheadAt, advancing while playing. */
  #playhead = 0;
  #playheadAt = 0;
  #nextStateAt = 0;
  #nextEventAt = 0;
  #lastCommandAt = Number.NEGATIVE_INFINITY;
  #lastStateAt = Number.NEGATIVE_INFINITY;
  /** When this party last received a room_list (they flow until the server settles). */
  lastRoomListAt = Number.NEGATIVE_INFINITY;
  #lastEnlistedAt = Number.NEGATIVE_INFINITY;
  /** This room's member count in the newest room_list read (by server_ts). */
  #listedCount = 0;
  #newestList: ServerFrame | null = null;
  #listedAt = Number.NEGATIVE_INFINITY;

  constructor(
    readonly index: number,
    readonly settings: PartySettings,
    readonly recorder: Recorder,
  ) {}

  get host(): BenchClient | undefined {
    return this.participants[0]?.client;
  }

  /** Adds a connected client; the first one becomes the host by creating the room. */
  async enlist(client: BenchClient): Promise<void> {
    client.onFrame = (frame, at) => this.#onFrame(frame, at);
    if (this.participants.length === 0) {
      const state = client.waitFor("room_state");
      client.send("create_room", { name: `bench-${this.index}`, user_name: `host-${this.index}` });
      this.roomId = (await state).room ?? "";
    } else {
      const state = client.waitFor("room_state");
      client.send("join_room", { user_name: `member-${this.index}` }, this.roomId);
      await state;
      // Ready at once: a play must not wait for this member (protocol 5.2).
      client.send("ready", {}, this.roomId);
    }
    this.participants.push({ client, nextPingAt: 0, nextChatAt: 0, chatSeq: 0 });
    this.#lastEnlistedAt = performance.now();
  }

  /**
   * Spreads every periodic action over its period so the load is smooth. The room starts
   * paused; each host's first player_event (a play) comes at a random instant of the event
   * period, so hosts' commands stay spread out rather than clustered every period.
   */
  start(now: number, random: () => number): void {
    this.#playing = false;
    this.#playhead = 0;
    this.#playheadAt = now;
    this.#nextEventAt = now + random() * this.settings.playerEventIntervalS * 1_000;
    this.#nextStateAt = this.#nextEventAt + random() * this.settings.stateIntervalMs;
    for (const p of this.participants) {
      p.nextPingAt = now + random() * this.settings.pingIntervalMs;
      p.nextChatAt = now + random() * this.settings.chatIntervalS * 1_000;
    }
  }

  /** Sends whatever is due at `now`. Called by the worker's one scheduler tick. */
  tick(now: number): void {
    const host = this.host;
    if (!host || !host.open) return;
    const s = this.settings;
    if (now >= this.#nextEventAt) {
      this.#playerEvent(this.#playing ? "pause" : "play", now);
      this.#nextEventAt += s.playerEventIntervalS * 1_000;
    }
    if (now >= this.#nextStateAt) {
      this.#nextStateAt += s.stateIntervalMs;
      const coolingDown = now - this.#lastCommandAt < s.commandCooldownMs + COOLDOWN_MARGIN_MS;
      const tooSoon = now - this.#lastStateAt < MIN_STATE_GAP_MS;
      if (this.#playing && !coolingDown && !tooSoon) {
        this.#lastStateAt = now;
        const position = this.#position(now);
        this.#expect(`s:${position}`, now, this.participants.length - 1, "state_update");
        host.send("state_update", { position, play_state: "playing" }, this.roomId);
        this.recorder.framesIn += this.recorder.measuring ? 1 : 0;
      }
    }
    for (const p of this.participants) {
      if (!p.client.open) continue;
      if (now >= p.nextPingAt) {
        p.nextPingAt += s.pingIntervalMs;
        if (this.recorder.measuring) this.recorder.expected.add("pong");
        p.client.send(
          "ping",
          { client_ts: Date.now(), t: now, m: this.recorder.measuring ? 1 : 0 },
          this.roomId,
        );
        this.recorder.framesIn += this.recorder.measuring ? 1 : 0;
      }
      if (s.chatIntervalS > 0 && now >= p.nextChatAt) {
        p.nextChatAt += s.chatIntervalS * 1_000;
        const text = `${p.client.id.slice(0, 8)}-${p.chatSeq++}`;
        this.#expect(`c:${text}`, now, this.participants.length, "chat_message");
        p.client.send("chat_message", { text }, this.roomId);
        this.recorder.framesIn += this.recorder.measuring ? 1 : 0;
      }
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.participants.map((p) => p.client.close()));
  }

  #position(now: number): number {
    const position = this.#playing
      ? this.#playhead + (now - this.#playheadAt) / 1_000
      : this.#playhead;
    return Math.round(position * 1_000) / 1_000;
  }

  #playerEvent(action: "play" | "pause", now: number): void {
    const position = this.#position(now);
    this.#playhead = position;
    this.#playheadAt = now;
    this.#playing = action === "play";
    this.#lastCommandAt = now;
    // A play goes to everyone, host included; a pause to the others (protocol 3.6).
    const recipients = action === "play" ? this.participants.length : this.participants.length - 1;
    this.#expect(`p:${action}:${position}`, now, recipients, "player_event");
    // deferred: the host starts at the target like everyone, so the relay's
    // position_at_target is the position sent (a server without it relays `position` as is).
    this.host!.send("player_event", { action, position, deferred: true }, this.roomId);
    this.recorder.framesIn += this.recorder.measuring ? 1 : 0;
  }

  #expect(key: string, now: number, recipients: number, type: MeasuredType): void {
    if (recipients <= 0) return;
    const measured = this.recorder.measuring;
    if (measured) this.recorder.expected.add(type, recipients);
    this.#outstanding.set(key, { sentAt: now, remaining: recipients, measured });
  }

  #onFrame(frame: ServerFrame, at: number): void {
    const recorder = this.recorder;
    if (recorder.measuring) recorder.framesOut++;
    switch (frame.type) {
      case "player_event":
        return this.#delivered(
          `p:${frame.payload?.action}:${
            frame.payload?.position_at_target ?? frame.payload?.position
          }`,
          at,
          "player_event",
        );
      case "state_update":
        return this.#delivered(`s:${frame.payload?.position}`, at, "state_update");
      case "chat_message":
        return this.#delivered(`c:${frame.payload?.text}`, at, "chat_message");
      case "pong":
        if (frame.payload?.m === 1 && typeof frame.payload.t === "number") {
          recorder.latency.pong.add(at - frame.payload.t);
          recorder.received.add("pong");
        }
        return;
      case "error":
        recorder.errors.add(String(frame.payload?.message ?? "unknown error"));
        return;
      case "room_list":
        return this.#onRoomList(frame, at);
    }
  }

  /**
   * The server's lists have settled for this room once the newest shows every member we
   * enlisted, or when no list reached the room since its last member joined: a server that
   * pushes lists to the lobby only (ours) sends room members none.
   */
  get listsSettled(): boolean {
    if (this.participants.length === 0) return false;
    return this.lastRoomListAt < this.#lastEnlistedAt ||
      this.listedCount === this.participants.length;
  }

  #onRoomList(frame: ServerFrame, at: number): void {
    this.lastRoomListAt = at;
    this.#newestList = frame;
  }

  /** The newest list's count for this room; parsed only when asked (lists are big). */
  get listedCount(): number {
    const frame = this.#newestList;
    if (frame !== null) {
      this.#newestList = null;
      const parsed: ServerFrame = frame.text ? JSON.parse(frame.text) : frame;
      const serverTs = typeof parsed.server_ts === "number" ? parsed.server_ts : 0;
      if (serverTs >= this.#listedAt && Array.isArray(parsed.payload)) {
        this.#listedAt = serverTs;
        const entry = parsed.payload.find((room: { id?: unknown }) => room?.id === this.roomId);
        this.#listedCount = typeof entry?.count === "number" ? entry.count : 0;
      }
    }
    return this.#listedCount;
  }

  #delivered(key: string, at: number, type: MeasuredType): void {
    const outstanding = this.#outstanding.get(key);
    if (!outstanding) {
      if (this.recorder.measuring) this.recorder.unexpected.add(type);
      return;
    }
    if (outstanding.measured) {
      this.recorder.latency[type].add(at - outstanding.sentAt);
      this.recorder.received.add(type);
    }
    if (--outstanding.remaining === 0) this.#outstanding.delete(key);
  }
}
