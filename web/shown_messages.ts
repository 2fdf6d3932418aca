/**
 * The chat messages a page has shown in its room, so that a history sent again (a resume after
 * a restart, a room that moved to another instance) adds only what the page has not shown: a
 * message is the same one when its sender and text match and its time is within a couple of
 * seconds (a room that moved carries its times into its new server's clock, a few ms off).
 */
import { CHAT_HISTORY_MESSAGES } from "../protocol/limits.ts";

export interface ShownMessage {
  readonly from: string;
  readonly text: string;
  readonly serverTs: number;
}

/** Two instants this close, same sender, same text: the same message. */
export const SAME_MESSAGE_WINDOW_MS = 2_000;
/** A history holds at most CHAT_HISTORY_MESSAGES: older ones can never come again. */
const REMEMBERED = 2 * CHAT_HISTORY_MESSAGES;

export class ShownMessages {
  #shown: ShownMessage[] = [];

  get count(): number {
    return this.#shown.length;
  }

  add(message: ShownMessage): void {
    this.#shown.push(message);
    if (this.#shown.length > REMEMBERED) this.#shown.splice(0, this.#shown.length - REMEMBERED);
  }

  /** The messages of `history` not shown yet, in order; each is remembered as shown. */
  unseen<T extends ShownMessage>(history: readonly T[]): T[] {
    const fresh = history.filter((message) =>
      !this.#shown.some((shown) =>
        shown.from === message.from && shown.text === message.text &&
        Math.abs(shown.serverTs - message.serverTs) <= SAME_MESSAGE_WINDOW_MS
      )
    );
    for (const message of fresh) this.add(message);
    return fresh;
  }

  clear(): void {
    this.#shown = [];
  }
}
