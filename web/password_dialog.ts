/// <reference lib="dom" />
/**
 * The password prompt for a locked room: a modal dialog (focus kept inside, Escape cancels)
 * that asks once, and again with the reason when the server refuses the password.
 */
import { byId } from "./dom.ts";

export class PasswordDialog {
  readonly #dialog = byId("password-dialog", HTMLDialogElement);
  readonly #form = byId("password-form", HTMLFormElement);
  readonly #title = byId("password-title");
  readonly #text = byId("password-text");
  readonly #input = byId("join-password", HTMLInputElement);
  readonly #error = byId("join-password-error");
  #roomId: string | null = null;

  constructor(join: (roomId: string, password: string) => void) {
    this.#form.addEventListener("submit", (event) => {
      event.preventDefault();
      const password = this.#input.value;
      if (!password) {
        this.#showError("Enter the password.");
        return;
      }
      if (this.#roomId) join(this.#roomId, password);
    });
    byId("password-cancel", HTMLButtonElement).addEventListener("click", () => this.close());
    this.#dialog.addEventListener("close", () => {
      this.#roomId = null;
      this.#input.value = "";
    });
  }

  /** The room the dialog asks for, while it is open. */
  get roomId(): string | null {
    return this.#roomId;
  }

  /** Asks for `roomId`'s password; `problem` says why again (a wrong password, a bad invite). */
  ask(roomId: string, roomName: string | null, problem: string | null = null): void {
    this.#roomId = roomId;
    this.#title.textContent = roomName ? `“${roomName}” is locked` : "This room is locked";
    this.#text.textContent =
      "Enter the room’s password to join, or open an invite link from the host.";
    this.#showError(problem);
    if (!this.#dialog.open) this.#dialog.showModal();
    this.#input.select();
    this.#input.focus();
  }

  close(): void {
    if (this.#dialog.open) this.#dialog.close();
  }

  #showError(text: string | null): void {
    this.#error.hidden = text === null;
    this.#error.textContent = text ?? "";
    if (text === null) this.#input.removeAttribute("aria-invalid");
    else this.#input.setAttribute("aria-invalid", "true");
  }
}
