/// <reference lib="dom" />
/**
 * Where the film is, for everyone: the elapsed and remaining time and a read-only position bar
 * in a member's player bar (whoever may control has the player's own controls), and the chat's
 * one-line account of each command ("Ann paused at 1:40"). The texts are pure functions, so a
 * unit test reads them without a browser.
 */
import { byId } from "./dom.ts";

/** Seconds as a clock: 0:05, 1:40, 1:02:03 (negative or unknown: 0:00). */
export function formatClock(seconds: number): string {
  const whole = Number.isFinite(seconds) && seconds > 0 ? Math.floor(seconds) : 0;
  const h = Math.floor(whole / 3600);
  const m = Math.floor((whole % 3600) / 60);
  const s = whole % 60;
  const ss = String(s).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}

/** The commands a chat line is written for (a host's stall, `buffering`, is not one). */
export type NotedCommand = "play" | "pause" | "seek";

/** "Ann paused at 1:40", "You played from 0:00", "Bob jumped to 2:10". */
export function commandNote(who: string, action: NotedCommand, position: number): string {
  const at = formatClock(position);
  switch (action) {
    case "play":
      return `${who} played from ${at}`;
    case "pause":
      return `${who} paused at ${at}`;
    case "seek":
      return `${who} jumped to ${at}`;
  }
}

/** "Ann set the speed to 1.5×". */
export function rateNote(who: string, rate: number): string {
  return `${who} set the speed to ${Number(rate.toFixed(2))}×`;
}

/** A member's view of the film's position: elapsed, a bar, remaining. */
export class MemberTimeline {
  readonly #elapsed = byId("member-elapsed");
  readonly #remaining = byId("member-remaining");
  readonly #bar = byId("member-progress", HTMLProgressElement);
  readonly #video: HTMLVideoElement;

  constructor(video: HTMLVideoElement) {
    this.#video = video;
    for (const type of ["timeupdate", "durationchange", "loadedmetadata", "emptied", "seeked"]) {
      video.addEventListener(type, () => this.render());
    }
    this.render();
  }

  render(): void {
    const video = this.#video;
    const position = video.currentTime;
    const duration = video.duration;
    // A live stream (or nothing loaded) has no end to count down to.
    const bounded = Number.isFinite(duration) && duration > 0;
    this.#elapsed.textContent = formatClock(position);
    this.#remaining.hidden = !bounded;
    this.#bar.hidden = !bounded;
    if (!bounded) return;
    const left = Math.max(0, duration - position);
    this.#remaining.textContent = `−${formatClock(left)}`;
    this.#bar.max = duration;
    this.#bar.value = Math.min(position, duration);
    this.#bar.setAttribute(
      "aria-valuetext",
      `${formatClock(position)} of ${formatClock(duration)}`,
    );
  }
}
