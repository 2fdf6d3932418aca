/**
 * "Ann lost connection" and "Ann is back", said only for a drop that lasts: a member away for
 * less than PRESENCE_NOTE_DELAY_MS (a server restart, a room moving to another instance, a
 * phone switching networks) comes back without a word. "Is back" follows only a "lost
 * connection" that was said.
 */
export const PRESENCE_NOTE_DELAY_MS = 3_000;

/** The page's timers (a manual clock's in tests); a timer is whatever its setTimeout returns. */
export interface PresenceTimers<Timer = unknown> {
  setTimeout(fire: () => void, ms: number): Timer;
  clearTimeout(timer: Timer): void;
}

export class PresenceNotes<Timer = unknown> {
  readonly #say: (text: string) => void;
  readonly #timers: PresenceTimers<Timer>;
  /** Away, not said yet: the timer that will say it. */
  readonly #pending = new Map<string, Timer>();
  /** Away, and said. */
  readonly #said = new Set<string>();

  constructor(say: (text: string) => void, timers: PresenceTimers<Timer>) {
    this.#say = say;
    this.#timers = timers;
  }

  away(id: string, name: string): void {
    if (this.#pending.has(id) || this.#said.has(id)) return;
    this.#pending.set(
      id,
      this.#timers.setTimeout(() => {
        this.#pending.delete(id);
        this.#said.add(id);
        this.#say(`${name} lost connection`);
      }, PRESENCE_NOTE_DELAY_MS),
    );
  }

  back(id: string, name: string): void {
    if (this.#said.delete(id)) this.#say(`${name} is back`);
    this.#forget(id);
  }

  /** Gone for good (left), or a new room: nothing more is said of it. */
  forget(id: string): void {
    this.#said.delete(id);
    this.#forget(id);
  }

  clear(): void {
    for (const id of [...this.#pending.keys()]) this.#forget(id);
    this.#said.clear();
  }

  #forget(id: string): void {
    const timer = this.#pending.get(id);
    if (timer !== undefined) this.#timers.clearTimeout(timer);
    this.#pending.delete(id);
  }
}
