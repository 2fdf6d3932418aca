/**
 * The lobby (docs/protocol.md 6): the authenticated connections that are in no room, and the only
 * ones the room list is pushed to. A member's view of its own room comes from the room; the
 * list is for choosing one. Entering the lobby brings the current list at once; changes reach
 * the lobby coalesced (at most one push per window, always the latest list) and within a byte
 * budget, and nobody is sent a version of the list it already has.
 */
import type { OutboundFrame } from "../protocol/mod.ts";
import type { Clock, TimerId } from "./clock.ts";
import type { Member } from "./member.ts";

export interface LobbyOptions {
  readonly clock: Clock;
  /** At most one push per this many milliseconds. */
  readonly coalesceMs: number;
  /** Bytes per second all pushes together may write; a big push stretches the window. */
  readonly maxBytesPerSecond: number;
  /** The room list as it is now, ready to send. */
  readonly listFrame: (now: number) => OutboundFrame;
}

export class Lobby {
  readonly #options: LobbyOptions;
  /** Who is in the lobby, and the list version each was last sent (0: none yet). */
  readonly #members = new Map<Member, number>();
  /** Bumped on every change of the list. */
  #version = 1;
  /** No push before this instant (the window, stretched by the budget). */
  #nextPushTs = Number.NEGATIVE_INFINITY;
  #timer: TimerId | null = null;
  #stopped = false;

  constructor(options: LobbyOptions) {
    this.#options = options;
  }

  get size(): number {
    return this.#members.size;
  }

  has(member: Member): boolean {
    return this.#members.has(member);
  }

  /** `member` is now in the lobby; with `sendList` it gets the current list at once. */
  enter(member: Member, sendList: boolean): void {
    if (this.#stopped) return;
    const known = this.#members.get(member) ?? 0;
    this.#members.set(member, known);
    if (sendList && known !== this.#version) this.#send(member, this.#frameNow());
  }

  leave(member: Member): void {
    this.#members.delete(member);
  }

  /**
   * The list changed. The first change after a quiet window goes out at once; later ones ride
   * on one push at the window's end.
   */
  changed(): void {
    this.#version++;
    if (this.#timer !== null || this.#stopped) return;
    const { clock } = this.#options;
    const wait = this.#nextPushTs - clock.now();
    if (wait <= 0) {
      this.#push();
      return;
    }
    this.#timer = clock.setTimer(wait, () => {
      this.#timer = null;
      this.#push();
    });
  }

  /** Nothing is pushed after this, and no timer is left. */
  stop(): void {
    this.#stopped = true;
    if (this.#timer !== null) this.#options.clock.clearTimer(this.#timer);
    this.#timer = null;
    this.#members.clear();
  }

  #push(): void {
    const now = this.#options.clock.now();
    const window = this.#options.coalesceMs;
    this.#nextPushTs = now + window;
    let frame: OutboundFrame | null = null;
    let recipients = 0;
    for (const [member, version] of this.#members) {
      if (version === this.#version) continue;
      frame ??= this.#frameNow();
      this.#send(member, frame);
      recipients++;
    }
    if (frame === null) return;
    // UTF-16 length: a close, cheap stand-in for the UTF-8 size of mostly-ASCII JSON.
    const written = frame.text.length * recipients;
    const spacing = (written / this.#options.maxBytesPerSecond) * 1_000;
    this.#nextPushTs = now + Math.max(window, spacing);
  }

  #frameNow(): OutboundFrame {
    return this.#options.listFrame(this.#options.clock.now());
  }

  #send(member: Member, frame: OutboundFrame): void {
    this.#members.set(member, this.#version);
    member.send(frame);
  }
}
