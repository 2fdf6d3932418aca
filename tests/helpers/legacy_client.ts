/**
 * A test double of the upstream OpenWatchParty browser client's playback arithmetic, as the
 * protocol document (§3.5a) describes it, so tests can show where that client's players land
 * on this server without a browser:
 *
 * - as host it acts at once: the video plays, pauses or seeks the instant the user asks, and
 *   the player_event it sends carries the position then (no `at_server_ts`, no `deferred`);
 * - as a member, a `play` computes its start position when it arrives, as
 *   `position + 0.3 s + max(0, serverNow − server_ts)`, seeks only when that is more than 1 s
 *   from where the video is, starts at `target_server_ts`, and takes (`server_ts`, `position`)
 *   as its drift baseline; `seek`, `pause` and `buffering` are applied on arrival;
 * - its drift loop compares the video with `baseline.position + (serverNow − baseline.ts)`.
 *
 * Time is the test's clock (the server's ManualClock): the double's clock is in sync.
 */
import type { PlayerAction, PlayState, ServerMessage } from "../../protocol/mod.ts";
import type { Clock } from "../../rooms/clock.ts";
import { SimulatedVideo } from "./simulated_video.ts";

/** The upstream client's fixed lead added to a relayed play's position. */
export const UPSTREAM_PLAY_LEAD_S = 0.3;
/** The upstream client seeks only when it is further than this from where it should be. */
export const UPSTREAM_SEEK_THRESHOLD_S = 1;

export interface LegacyCommand {
  readonly action: PlayerAction;
  readonly position: number;
  readonly playState: PlayState;
}

export class LegacyClient {
  readonly video: SimulatedVideo;
  /** Drift baseline: the media was at `position` at server instant `ts`. */
  baseline: { ts: number; position: number } | null = null;
  syncPlayState: PlayState = "paused";
  /** Every command this client sent as host, for the harness to deliver. */
  readonly sent: LegacyCommand[] = [];
  readonly #clock: Clock;

  constructor(readonly id: string, readonly isHost: boolean, clock: Clock, startPosition = 0) {
    this.#clock = clock;
    this.video = new SimulatedVideo(startPosition, clock.now());
  }

  /** Where the video is now. */
  position(): number {
    return this.video.currentTime(this.#clock.now());
  }

  /** Where the drift loop believes the host is now (null before any baseline). */
  expected(): number | null {
    if (!this.baseline) return null;
    if (this.syncPlayState !== "playing") return this.baseline.position;
    return this.baseline.position + Math.max(0, this.#clock.now() - this.baseline.ts) / 1000;
  }

  /** The drift the client's loop would correct: expected − actual, in seconds. */
  drift(): number | null {
    const expected = this.expected();
    return expected === null ? null : expected - this.position();
  }

  // --- as host: the user acts, the video follows at once, the command goes out ---

  pressPlay(): LegacyCommand {
    this.video.play(this.#clock.now());
    return this.#sendCommand("play", "playing");
  }

  pressPause(): LegacyCommand {
    this.video.pause(this.#clock.now());
    return this.#sendCommand("pause", "paused");
  }

  pressSeek(position: number): LegacyCommand {
    this.video.seek(this.#clock.now(), position);
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
    const now = this.#clock.now();
    const { action, position, target_server_ts: target } = message.payload;
    const serverTs = message.server_ts;
    // seek and buffering use the host's position as is; play and pause add the lead.
    const targetPos = action === "seek" || action === "buffering"
      ? position
      : position + UPSTREAM_PLAY_LEAD_S + Math.max(0, now - serverTs) / 1000;
    const gap = targetPos - this.position();
    if (Math.abs(gap) > UPSTREAM_SEEK_THRESHOLD_S) {
      this.video.pause(now);
      this.video.seek(now, targetPos);
      this.baseline = { ts: now, position: targetPos };
    } else {
      this.baseline = { ts: now, position: this.position() };
    }
    switch (action) {
      case "play": {
        this.syncPlayState = "playing";
        this.baseline = { ts: serverTs, position };
        const wait = target - now;
        if (wait > 0) this.#clock.setTimer(wait, () => this.video.play(this.#clock.now()));
        else this.video.play(now);
        return;
      }
      case "pause":
        this.syncPlayState = "paused";
        this.video.pause(now);
        return;
      case "seek": {
        const hostPlayState = message.payload.play_state ?? "paused";
        this.syncPlayState = hostPlayState;
        if (hostPlayState === "playing") this.video.play(now);
        return;
      }
      case "buffering":
        this.syncPlayState = "paused";
        this.video.pause(now);
        return;
    }
  }

  #sendCommand(action: PlayerAction, playState: PlayState): LegacyCommand {
    const command = { action, position: this.position(), playState };
    this.sent.push(command);
    return command;
  }
}
