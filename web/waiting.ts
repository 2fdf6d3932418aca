/// <reference lib="dom" />
/**
 * The bar over the top of the video (in view, also in full screen, and nothing moves) while a play waits for members whose players are not ready yet:
 * who, why, when it starts anyway (a countdown on the server's clock), and "Start anyway" for
 * whoever may control playback.
 */
import type { Readiness, WaitingOn } from "../client/mod.ts";
import { byId } from "./dom.ts";

const WHY: Record<Readiness, string> = {
  loading: "loading",
  ready: "ready",
  buffering: "buffering",
  autoplay_blocked: "needs a click",
  media_error: "can’t load the video",
  ended: "at the end",
};

export class WaitingBar {
  readonly #bar = byId("waiting");
  readonly #text = byId("waiting-text");
  readonly #countdown = byId("waiting-countdown");
  readonly #startAnyway = byId("start-anyway", HTMLButtonElement);
  readonly #serverNow: () => number | null;
  #deadline: number | null = null;
  #ticker: ReturnType<typeof setInterval> | undefined;

  constructor(options: { serverNow(): number | null; startAnyway(): void }) {
    this.#serverNow = options.serverNow;
    this.#startAnyway.addEventListener("click", () => options.startAnyway());
  }

  show(waiting: WaitingOn, canControl: boolean): void {
    if (waiting.waiting.length === 0) return this.hide();
    const names = waiting.waiting.map((member) => {
      const why = member.readiness ? ` (${WHY[member.readiness]})` : "";
      return `${member.name || "Anonymous"}${why}`;
    });
    const text = `Waiting for ${listOf(names)} to be ready`;
    if (this.#text.textContent !== text) this.#text.textContent = text;
    this.#startAnyway.hidden = !canControl;
    this.#bar.hidden = false;
    this.#deadline = waiting.deadlineTs;
    this.#tick();
    clearInterval(this.#ticker);
    this.#ticker = setInterval(() => this.#tick(), 250);
  }

  /** Who may control changed while it waits. */
  setCanControl(canControl: boolean): void {
    this.#startAnyway.hidden = !canControl;
  }

  hide(): void {
    // Whoever pressed Start anyway (or was about to) keeps the keyboard on the player.
    const hadFocus = !this.#bar.hidden && this.#bar.contains(document.activeElement);
    this.#bar.hidden = true;
    if (hadFocus) byId("video").focus();
    this.#deadline = null;
    clearInterval(this.#ticker);
    this.#ticker = undefined;
  }

  #tick(): void {
    const now = this.#serverNow();
    const text = this.#deadline === null || now === null
      ? ""
      : ` · starts anyway in ${Math.max(0, Math.ceil((this.#deadline - now) / 1000))} s`;
    if (this.#countdown.textContent !== text) this.#countdown.textContent = text;
  }
}

/** "Ann", "Ann and Bob", "Ann, Bob and Cy". */
function listOf(names: readonly string[]): string {
  if (names.length <= 1) return names[0] ?? "";
  return `${names.slice(0, -1).join(", ")} and ${names.at(-1)}`;
}
