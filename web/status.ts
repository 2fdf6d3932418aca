/// <reference lib="dom" />
/**
 * The status line: the connection (header), the clock and how well this player follows the
 * room. The visible text changes often (drift every quarter second); screen readers hear only
 * the changes that matter (lost and back, held, blocked, back in sync), at most once each.
 */
import type { SyncInfo } from "../client/mod.ts";
import { byId } from "./dom.ts";

type ConnectionState = SyncInfo["connection"];

/** Where the page remembers whether "Details" (clock, drift, rate) is open. */
export const DETAILS_KEY = "owp.syncDetails";

/** Drift under this is "in sync" (a frame or two at 25–60 fps). */
const IN_SYNC_MS = 60;

export class StatusLine {
  readonly #connection = byId("connection-status");
  readonly #connectionText = byId("connection-text");
  readonly #clock = byId("clock-status");
  readonly #sync = byId("sync-status");
  /** Drift and rate: developer readouts, behind "Details" with the clock. */
  readonly #drift = byId("drift-status");
  readonly #video: HTMLVideoElement;
  readonly #announce: (text: string) => void;
  #state: ConnectionState | null = null;
  #everOpen = false;
  #retryAt: number | null = null;
  #countdown: ReturnType<typeof setInterval> | undefined;
  #lastFollow: SyncInfo["follow"] = "idle";
  #lastInfo: SyncInfo | null = null;
  /** The room's media failed to load here: what is wrong (it outranks "in sync"). */
  #mediaProblem: string | null = null;

  constructor(video: HTMLVideoElement, announce: (text: string) => void) {
    this.#video = video;
    this.#announce = announce;
    // Closed unless this browser opened it before (storage may be off: then closed).
    const details = byId("sync-details", HTMLDetailsElement);
    try {
      details.open = localStorage.getItem(DETAILS_KEY) === "open";
    } catch { /* no storage */ }
    details.addEventListener("toggle", () => {
      try {
        localStorage.setItem(DETAILS_KEY, details.open ? "open" : "closed");
      } catch { /* no storage */ }
    });
    // The room's play state shows in the text ("paused with the host"), not only the drift.
    for (const type of ["play", "pause", "playing", "waiting"]) {
      video.addEventListener(type, () => this.#lastInfo && this.sync(this.#lastInfo));
    }
  }

  connection(state: ConnectionState, retryInMs?: number): void {
    const previous = this.#state;
    this.#state = state;
    clearInterval(this.#countdown);
    this.#retryAt = retryInMs === undefined ? null : Date.now() + retryInMs;
    this.#connection.dataset.state = state;
    this.#showConnection();
    if (this.#retryAt !== null) {
      this.#countdown = setInterval(() => this.#showConnection(), 1_000);
    }
    if (state === "open") {
      if (this.#everOpen && previous !== "open") this.#announce("Connected again.");
      this.#everOpen = true;
    } else if (state === "reconnecting" && previous === "open") {
      this.#announce("Connection lost. Reconnecting…");
    }
  }

  #showConnection(): void {
    let text: string;
    switch (this.#state) {
      case "open":
        text = "Connected";
        break;
      case "reconnecting": {
        if (this.#retryAt === null) {
          text = "Reconnecting…";
          break;
        }
        const seconds = Math.max(0, Math.ceil((this.#retryAt - Date.now()) / 1000));
        text = seconds > 0 ? `Reconnecting in ${seconds} s` : "Reconnecting…";
        if (seconds === 0) clearInterval(this.#countdown);
        break;
      }
      case "stopped":
        text = "Offline";
        break;
      default:
        text = "Connecting…";
    }
    setText(this.#connectionText, text);
  }

  sync(info: SyncInfo): void {
    this.#lastInfo = info;
    const clock = info.clock;
    setText(
      this.#clock,
      clock && Number.isFinite(clock.uncertaintyMs)
        ? `Clock ${signed(clock.offsetMs)} ms ± ${clock.uncertaintyMs.toFixed(1)} ms`
        : "Clock: measuring…",
    );
    const [text, tone] = this.#describe(info);
    setText(this.#drift, this.#readout(info));
    setText(this.#sync, text);
    this.#sync.dataset.tone = tone;
    this.#announceFollow(info);
  }

  /** The room's media failed to load on this page (null: it loads again, or another one). */
  mediaProblem(problem: string | null): void {
    if (problem === this.#mediaProblem) return;
    const before = this.#mediaProblem;
    this.#mediaProblem = problem;
    if (this.#lastInfo) this.sync(this.#lastInfo);
    if (problem !== null && before === null) this.#announce("The video can’t be loaded.");
  }

  #describe(info: SyncInfo): [string, string] {
    if (info.role === "none") return ["", "idle"];
    if (this.#mediaProblem !== null) {
      return [
        info.role === "host"
          ? "Can’t load the video here: the others may not be able to either"
          : "Can’t load the video: the room doesn’t wait for you",
        "warn",
      ];
    }
    if (info.role === "host") {
      // A play waits for its instant (and whoever still loads): this player starts with all.
      if (info.follow === "scheduled") return ["Starting for everyone at once…", "busy"];
      return ["You’re the host: everyone follows your player", "ok"];
    }
    const video = this.#video;
    switch (info.follow) {
      case "idle":
        return ["Loading the video…", "idle"];
      case "scheduled":
        return ["Syncing with the host…", "busy"];
      case "buffering":
        return ["Buffering…", "busy"];
      case "held":
        return ["You paused or moved your player: not following the host", "warn"];
      case "blocked":
        return ["The browser blocked playback: press Start watching", "warn"];
      case "following": {
        if (video.paused) return ["In sync: paused with the host", "ok"];
        const drift = info.driftMs;
        if (drift === null) return ["Following the host", "ok"];
        return Math.abs(drift) <= IN_SYNC_MS
          ? ["In sync", "ok"]
          : ["Catching up with the host…", "busy"];
      }
    }
  }

  /** The numbers behind "In sync" (Details): this player's drift from the host and its rate. */
  #readout(info: SyncInfo): string {
    if (info.role !== "member" || info.follow !== "following") return "";
    const rate = `rate ${info.rate.toFixed(2)}×`;
    return info.driftMs === null ? rate : `Drift ${signed(info.driftMs, 0)} ms · ${rate}`;
  }

  /** Only the transitions a person must act on or would want to know about. */
  #announceFollow(info: SyncInfo): void {
    const follow = info.role === "member" ? info.follow : "idle";
    const previous = this.#lastFollow;
    if (follow === previous) return;
    this.#lastFollow = follow;
    if (follow === "held") {
      this.#announce("You’re no longer following the host. Press Back in sync to catch up.");
    } else if (follow === "blocked") {
      this.#announce("The browser blocked playback. Press Start watching.");
    } else if (follow === "following" && (previous === "held" || previous === "blocked")) {
      this.#announce("Back in sync with the host.");
    }
  }
}

function signed(value: number, digits = 1): string {
  const text = Math.abs(value).toFixed(digits);
  if (Number(text) === 0) return text;
  return `${value < 0 ? "−" : "+"}${text}`;
}

/** Writes only on change: no needless layout, and no re-reading by assistive technology. */
function setText(element: HTMLElement, text: string): void {
  if (element.textContent !== text) element.textContent = text;
}
