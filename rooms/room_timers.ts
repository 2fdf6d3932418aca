/**
 * Every timer of one room, by name, in one place: a timer fires by posting a command to the
 * room's queue (never by running code in the middle of another command), arming a name again
 * replaces its timer, and `clearAll` on close leaves nothing that could outlive the room.
 */
import type { Clock, TimerId } from "./clock.ts";

export class RoomTimers<Command> {
  readonly #clock: Clock;
  readonly #post: (command: Command) => void;
  readonly #timers = new Map<string, { readonly id: TimerId; readonly due: number }>();

  constructor(clock: Clock, post: (command: Command) => void) {
    this.#clock = clock;
    this.#post = post;
  }

  /** Posts `command` after `delayMs`, replacing any timer of the same name. */
  set(name: string, delayMs: number, command: Command): void {
    this.clear(name);
    const id = this.#clock.setTimer(delayMs, () => {
      this.#timers.delete(name);
      this.#post(command);
    });
    this.#timers.set(name, { id, due: this.#clock.now() + Math.max(0, delayMs) });
  }

  clear(name: string): void {
    const timer = this.#timers.get(name);
    if (timer === undefined) return;
    this.#clock.clearTimer(timer.id);
    this.#timers.delete(name);
  }

  /** When the timer of this name fires, or null when none is set. */
  dueAt(name: string): number | null {
    return this.#timers.get(name)?.due ?? null;
  }

  clearAll(): void {
    for (const timer of this.#timers.values()) this.#clock.clearTimer(timer.id);
    this.#timers.clear();
  }

  get size(): number {
    return this.#timers.size;
  }
}
