/**
 * A test double of the upstream OpenWatchParty browser client's playback arithmetic, as the
 * protocol document describes it, so tests can show where that client's players land on
 * this server without its code:
 *
 * - as host it acts at once: the video plays, pauses or seeks the instant the user asks, and
 *   the player_event it sends carries the position then (no `at_server_ts`, no `deferred`);
 * - as a member, a `play` computes its start position when it arrives, as
 *   `position + 0.3 s + max(0, serverNow − server_ts)`, seeks only when that is more than 1 s
 *   from where the video is, starts at `target_server_ts`, and takes (`server_ts`, `position`)
 *   as its drift baseline; `seek`, `pause` and `buffering` are applied on arrival;
 * - its drift loop compares the video with `baseline.position + (serverNow − baseline.ts)`.
 *
 * It drives any LegacyVideo on any LegacyClock: a simulated one in unit tests, a real <video>
 * on a page's clock in the browser tests (tests/browser/legacy_page.ts).
 */
import type { PlayerAction, PlayState, ServerMessage } from "../../protocol/mod.ts";

/** The upstream client's fixed lead added to a relayed play's position. */
export const UPSTREAM_PLAY_LEAD_S = 0.3;
/** The upstream client seeks only when it is further than this from where it should be. */
export const UPSTREAM_SEEK_THRESHOLD_S = 1;

/** The video as that client sees it. */
export interface LegacyVideo {
  currentTime(): number;
  readonly paused: boolean;
  play(): void;
  pause(): void;
  seek(position: number): void;
}

/** Its idea of the server's time, and its timers. */
export interface LegacyClock {
  serverNow(): number;
  setTimer(delayMs: number, fire: () => void): void;
}

export interface LegacyCommand {
  readonly action: PlayerAction;
  readonly position: number;
  readonly playState: PlayState;
}

export class LegacyClient {
  /** Drift baseline: the media was at `position` at server instant `ts`. */
  baseline: { ts: number; position: number } | null = null;
  syncPlayState: PlayState = "paused";
  /** Every command this client sent as host, for the harness to deliver. */
  readonly sent: LegacyCommand[] = [];

  constructor(
    readonly id: string,
    readonly isHost: boolean,
    readonly video: LegacyVideo,
    readonly clock: LegacyClock,
  ) {}

  /** Where the video is now. */
  position(): number {
    return this.video.currentTime();
  }

  /** Where the drift loop believes the host is now (null before any baseline). */
  expected(): number | null {
    if (!this.baseline) return null;
    if (this.syncPlayState !== "playing") return this.baseline.position;
    return this.baseline.position + Math.max(0, this.clock.serverNow() - this.baseline.ts) / 1000;
  }

  /** The drift the client's loop would correct: expected − actual, in seconds. */
  drift(): number | null {
    const expected = this.expected();
    return expected === null ? null : expected - this.position();
  }

  // --- as host: the user acts, the video follows at once, the command goes out ---

  pressPlay(): LegacyCommand {
    this.video.play();
    return this.#sendCommand("play", "playing");
  }

  pressPause(): LegacyCommand {
    this.video.pause();
    return this.#sendCommand("pause", "paused");
  }

  pressSeek(position: number): LegacyCommand {
    this.video.seek(position);
    return this.#sendCommand("seek", this.video.paused ? "paused" : "playing");
  }

  // --- as member ---

  receive(message: ServerMessage): void {
    if (this.isHost) return;
    if (message.type === "player_event") this.#onPlayerEvent(message);
    if (message.type === "state_update") {
      this.syncPlayState = message.payload.play_state;
      this.baseline = { ts: message.server_ts, position: message.payload.position };
    }
  }

  #onPlayerEvent(message: Extract<ServerMessage, { type: "player_event" }>): void {
    const now = this.clock.serverNow();
    const { action, position, target_server_ts: target } = message.payload;
    const serverTs = message.server_ts;
    // seek and buffering use the host's position as is; play and pause add the lead.
    const targetPos = action === "seek" || action === "buffering"
      ? position
      : position + UPSTREAM_PLAY_LEAD_S + Math.max(0, now - serverTs) / 1000;
    const gap = targetPos - this.position();
    if (Math.abs(gap) > UPSTREAM_SEEK_THRESHOLD_S) {
      this.video.pause();
      this.video.seek(targetPos);
      this.baseline = { ts: now, position: targetPos };
    } else {
      this.baseline = { ts: now, position: this.position() };
    }
    switch (action) {
      case "play": {
        this.syncPlayState = "playing";
        this.baseline = { ts: serverTs, position };
        const wait = target - now;
        if (wait > 0) this.clock.setTimer(wait, () => this.video.play());
        else this.video.play();
        return;
      }
      case "pause":
        this.syncPlayState = "paused";
        this.video.pause();
        return;
      case "seek": {
        const hostPlayState = message.payload.play_state ?? "paused";
        this.syncPlayState = hostPlayState;
        if (hostPlayState === "playing") this.video.play();
        return;
      }
      case "buffering":
        this.syncPlayState = "paused";
        this.video.pause();
        return;
    }
  }

  #sendCommand(action: PlayerAction, playState: PlayState): LegacyCommand {
    const command = { action, position: this.position(), playState };
    this.sent.push(command);
    return command;
  }
}
