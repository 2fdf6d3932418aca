/// <reference lib="dom" />
/**
 * Where the film is, for everyone: the elapsed and remaining time and a read-only position bar
 * in a member's player bar (whoever may control has the player's own controls), and the chat's
 * one-line account of each command ("Ann paused at 1:40", in web/timeline_text.ts).
 */
import { byId } from "./dom.ts";
import { formatClock } from "./timeline_text.ts";

export { commandNote, formatClock, type NotedCommand, rateNote } from "./timeline_text.ts";

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
