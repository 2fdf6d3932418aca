/// <reference lib="dom" />
/**
 * "Close room" asks first when others are watching: closing ends everyone's party, and the
 * button sits where a leave button would. A modal dialog (focus kept inside, Escape cancels).
 */
import { byId } from "./dom.ts";

export class CloseDialog {
  readonly #dialog = byId("close-dialog", HTMLDialogElement);
  readonly #text = byId("close-text");
  #confirmed: (() => void) | null = null;

  constructor() {
    byId("close-form", HTMLFormElement).addEventListener("submit", () => {
      const confirmed = this.#confirmed;
      this.#confirmed = null;
      confirmed?.();
    });
    byId("close-cancel", HTMLButtonElement).addEventListener("click", () => this.#dialog.close());
    this.#dialog.addEventListener("close", () => (this.#confirmed = null));
  }

  /** Asks, naming how many others watch; `close` runs only on "Close room". */
  ask(othersWatching: number, close: () => void): void {
    this.#confirmed = close;
    this.#text.textContent = othersWatching === 1
      ? "The other person watching goes back to the lobby."
      : `The ${othersWatching} others watching go back to the lobby.`;
    if (!this.#dialog.open) this.#dialog.showModal();
    byId("close-cancel", HTMLButtonElement).focus();
  }
}
