/// <reference lib="dom" />
/**
 * The room's options while the party goes on: the host's "Room options" (lock with a password,
 * change it while locked, or unlock, keep the room open when the host leaves, unlisted), and the "Locked" / "Unlisted"
 * badges everyone sees under the room's name. Keep-open and unlisted apply as they are ticked;
 * a lock waits for its password.
 */
import type { RoomOptionsChange, RoomView } from "../client/mod.ts";
import { byId } from "./dom.ts";
import { MAX_PASSWORD_CHARS } from "../protocol/limits.ts";

export const ROOM_OPTION_TEXTS = {
  passwordNeeded: "Enter a password to lock the room.",
  passwordTooLong: `A password has at most ${MAX_PASSWORD_CHARS} characters.`,
  lockedHint: "Locked: people need the password, or your invite link.",
  unlistedHint: "Unlisted: not in anyone’s list of open rooms; people join with the link.",
} as const;

export class RoomOptionsPanel {
  readonly #details = byId("live-options", HTMLDetailsElement);
  readonly #form = byId("live-options-form", HTMLFormElement);
  readonly #lock = byId("live-lock", HTMLInputElement);
  readonly #change = byId("live-change-password", HTMLButtonElement);
  readonly #submit = byId("live-lock-submit", HTMLButtonElement);
  /** A locked room's host is typing a new password (the room stays locked meanwhile). */
  #changing = false;
  readonly #passwordField = byId("live-password-field");
  readonly #password = byId("live-password", HTMLInputElement);
  readonly #passwordError = byId("live-password-error");
  readonly #handoff = byId("live-handoff", HTMLInputElement);
  readonly #unlisted = byId("live-unlisted", HTMLInputElement);
  readonly #badges = byId("room-badges");
  readonly #lockedBadge = byId("badge-locked");
  readonly #unlistedBadge = byId("badge-unlisted");
  #room: RoomView | null = null;

  constructor(apply: (change: RoomOptionsChange) => void) {
    this.#lock.addEventListener("change", () => {
      const room = this.#room;
      if (!room) return;
      if (this.#lock.checked && !room.locked) {
        // Locking waits for a password; the field comes first.
        this.#showPassword(true);
        this.#password.focus();
      } else if (!this.#lock.checked && room.locked) {
        this.#changing = false;
        apply({ locked: false });
      } else {
        this.#showPassword(false);
      }
    });
    this.#change.addEventListener("click", () => {
      this.#changing = true;
      this.#change.hidden = true;
      this.#showPassword(true);
      this.#password.focus();
    });
    this.#form.addEventListener("submit", (event) => {
      event.preventDefault();
      const password = this.#password.value;
      const problem = password.length === 0
        ? ROOM_OPTION_TEXTS.passwordNeeded
        : [...password].length > MAX_PASSWORD_CHARS
        ? ROOM_OPTION_TEXTS.passwordTooLong
        : null;
      this.#showError(problem);
      if (problem) return this.#password.focus();
      apply({ password });
      this.#password.value = "";
      this.#changing = false;
      this.#showPassword(false);
    });
    this.#password.addEventListener("input", () => this.#showError(null));
    this.#handoff.addEventListener("change", () => apply({ handoff: this.#handoff.checked }));
    this.#unlisted.addEventListener("change", () => apply({ unlisted: this.#unlisted.checked }));
  }

  /** The room as the server says it is now: the controls follow (the host's), badges for all. */
  render(room: RoomView): void {
    const fresh = this.#room?.id !== room.id;
    this.#room = room;
    if (fresh) {
      this.#details.open = false;
      this.#password.value = "";
      this.#changing = false;
      this.#showError(null);
    }
    if (!room.locked) this.#changing = false;
    // A lock still being typed stays ticked until it is sent or abandoned.
    const typing = !this.#passwordField.hidden && !room.locked;
    this.#lock.checked = room.locked || typing;
    if (room.locked && !this.#changing) this.#showPassword(false);
    this.#change.hidden = !room.locked || this.#changing;
    this.#submit.textContent = room.locked ? "Change" : "Lock";
    this.#handoff.checked = room.handoff;
    this.#unlisted.checked = room.unlisted;
    this.#lockedBadge.hidden = !room.locked;
    this.#lockedBadge.title = ROOM_OPTION_TEXTS.lockedHint;
    this.#unlistedBadge.hidden = !room.unlisted;
    this.#unlistedBadge.title = ROOM_OPTION_TEXTS.unlistedHint;
    this.#badges.hidden = !room.locked && !room.unlisted;
  }

  #showPassword(shown: boolean): void {
    this.#passwordField.hidden = !shown;
    if (!shown) this.#showError(null);
  }

  #showError(text: string | null): void {
    this.#passwordError.hidden = text === null;
    this.#passwordError.textContent = text ?? "";
    if (text) this.#password.setAttribute("aria-invalid", "true");
    else this.#password.removeAttribute("aria-invalid");
  }
}
