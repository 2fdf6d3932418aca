/// <reference lib="dom" />
/**
 * The lobby: your name, a form to start a room on a video link, the open rooms, and the
 * prompt for a name when an invite link is opened by someone the page does not know yet.
 */
import type { ControlPolicy, RoomSummary } from "../client/mod.ts";
import { byId, el, initialOf, toneOf } from "./dom.ts";
import type { MediaProblem } from "./media_check.ts";
import { checkMediaUrl } from "./urls.ts";

export interface LobbyActions {
  /** The name as typed (trimmed), whenever it changes. */
  nameChanged(name: string): void;
  create(options: NewRoomChoices): void;
  /** `locked`: the list says the room needs a password or an invite. */
  join(roomId: string, locked: boolean): void;
  /** The invite prompt was answered with a name. */
  acceptInvite(): void;
  /** Checks a link before a room is started on it (null: it plays). Absent: no check. */
  checkMedia?(url: string): Promise<MediaProblem | null>;
}

/** What the create form asks for. */
export interface NewRoomChoices {
  readonly name: string;
  readonly mediaUrl: string;
  /** Empty: an open room. */
  readonly password: string;
  readonly control: ControlPolicy;
  readonly handoff: boolean;
  /** Out of the open rooms list: people join with the link. */
  readonly unlisted: boolean;
}

export class Lobby {
  readonly section = byId("lobby");
  readonly #title = byId("lobby-title");
  readonly #nameForm = byId("name-form", HTMLFormElement);
  readonly #name = byId("name", HTMLInputElement);
  readonly #nameError = byId("name-error");
  readonly #invitePrompt = byId("invite-prompt");
  readonly #inviteTitle = byId("invite-title");
  readonly #inviteJoin = byId("invite-join", HTMLButtonElement);
  readonly #createForm = byId("create-form", HTMLFormElement);
  readonly #roomName = byId("room-name", HTMLInputElement);
  readonly #mediaUrl = byId("media-url", HTMLInputElement);
  readonly #mediaUrlError = byId("media-url-error");
  readonly #checking = byId("media-url-checking");
  readonly #anyway = byId("media-url-anyway");
  readonly #createAnyway = byId("create-anyway", HTMLButtonElement);
  readonly #submit: HTMLButtonElement;
  /** Bumped by every check and every edit of the link: only the latest check answers. */
  #checkGeneration = 0;
  readonly #options = byId("room-options", HTMLDetailsElement);
  readonly #password = byId("room-password", HTMLInputElement);
  readonly #control = byId("room-control", HTMLSelectElement);
  readonly #handoff = byId("room-handoff", HTMLInputElement);
  readonly #unlisted = byId("room-unlisted", HTMLInputElement);
  readonly #list = byId("room-list", HTMLUListElement);
  readonly #empty = byId("rooms-empty");
  readonly #count = byId("room-count");
  readonly #actions: LobbyActions;
  #invite: string | null = null;

  constructor(initialName: string, actions: LobbyActions) {
    this.#actions = actions;
    this.#name.value = initialName;
    this.#name.addEventListener("input", () => {
      this.#showError(this.#name, this.#nameError, null);
      actions.nameChanged(this.name);
    });
    this.#nameForm.addEventListener("submit", (event) => {
      event.preventDefault();
      if (this.#invite === null) return; // Enter in the name field alone does nothing
      if (this.requireName()) actions.acceptInvite();
    });
    this.#submit = this.#createForm.querySelector<HTMLButtonElement>("[type=submit]")!;
    this.#mediaUrl.addEventListener("input", () => this.#clearLinkProblem());
    this.#createForm.addEventListener("submit", (event) => {
      event.preventDefault();
      void this.#submitCreate(false);
    });
    this.#createAnyway.addEventListener("click", () => void this.#submitCreate(true));
    this.#list.addEventListener("click", (event) => {
      const button = (event.target as Element).closest<HTMLButtonElement>("button[data-join]");
      if (!button) return;
      const item = button.closest<HTMLElement>("li[data-room-id]");
      const roomId = item?.dataset.roomId;
      if (roomId && this.requireName()) actions.join(roomId, item?.dataset.locked === "true");
    });
    this.renderRooms([]);
  }

  get name(): string {
    return this.#name.value.trim();
  }

  /**
   * Starts a room on the link, once the link is checked (`anyway`: without the check, for a
   * link only the members can reach). A broken link starts nothing: the form says what is wrong.
   */
  async #submitCreate(anyway: boolean): Promise<void> {
    const mediaUrl = this.#mediaUrl.value.trim();
    const invalid = checkMediaUrl(mediaUrl);
    if (invalid) {
      this.#clearLinkProblem();
      this.#showError(this.#mediaUrl, this.#mediaUrlError, invalid);
      this.#mediaUrl.focus();
      return;
    }
    if (!this.requireName()) return;
    const check = this.#actions.checkMedia;
    if (!anyway && check) {
      const generation = ++this.#checkGeneration;
      this.#clearLinkProblem(false);
      this.#checking.hidden = false;
      this.#submit.disabled = true;
      let problem: MediaProblem | null;
      try {
        problem = await check(mediaUrl);
      } catch {
        problem = null; // the check itself broke: the link gets the benefit of the doubt
      } finally {
        if (generation === this.#checkGeneration) {
          this.#checking.hidden = true;
          this.#submit.disabled = false;
        }
      }
      if (generation !== this.#checkGeneration) return; // the link changed meanwhile
      if (problem) {
        this.#showError(this.#mediaUrl, this.#mediaUrlError, problem.message);
        this.#mediaUrlError.dataset.kind = problem.kind;
        // A link too long can never make a room; any other may still work for the members.
        this.#anyway.hidden = problem.kind === "too_long";
        return;
      }
    }
    this.#clearLinkProblem();
    this.#actions.create({
      name: this.#roomName.value.trim(),
      mediaUrl,
      password: this.#password.value,
      control: this.#control.value as ControlPolicy,
      handoff: this.#handoff.checked,
      unlisted: this.#unlisted.checked,
    });
  }

  #clearLinkProblem(cancelCheck = true): void {
    if (cancelCheck) {
      this.#checkGeneration++;
      this.#checking.hidden = true;
      this.#submit.disabled = false;
    }
    this.#showError(this.#mediaUrl, this.#mediaUrlError, null);
    delete this.#mediaUrlError.dataset.kind;
    this.#anyway.hidden = true;
  }

  /** True with a name; otherwise says so at the field and puts the focus there. */
  requireName(): boolean {
    if (this.name) return true;
    this.#showError(this.#name, this.#nameError, "Enter your name first: the room shows it.");
    this.#name.focus();
    return false;
  }

  show(focus: boolean): void {
    this.section.hidden = false;
    if (!focus) return;
    if (this.#invite !== null || !this.name) this.#name.focus();
    else this.#title.focus();
  }

  hide(): void {
    this.section.hidden = true;
  }

  /** A room created from here: the form starts empty next time. */
  resetCreateForm(): void {
    this.#createForm.reset();
    this.#clearLinkProblem();
    this.#options.open = false;
  }

  /** Asks for a name before joining the room an invite link named (null: no invite). */
  /**
   * Fills the create form with a room that just closed (the server restarted, say), so its
   * host starts it again without retyping the link. Fields the person already typed in stay.
   */
  prefill(room: { readonly name: string; readonly mediaUrl: string | null }): void {
    if (!this.#mediaUrl.value && room.mediaUrl) this.#mediaUrl.value = room.mediaUrl;
    if (!this.#roomName.value) this.#roomName.value = room.name;
  }

  setInvite(roomId: string | null, rooms: readonly RoomSummary[] = []): void {
    this.#invite = roomId;
    this.#invitePrompt.hidden = roomId === null;
    this.#inviteJoin.hidden = roomId === null;
    this.#nameForm.classList.toggle("inviting", roomId !== null);
    if (roomId !== null) this.#showInviteTitle(rooms);
  }

  renderRooms(rooms: readonly RoomSummary[]): void {
    if (this.#invite !== null) this.#showInviteTitle(rooms);
    const existing = new Map<string, HTMLLIElement>();
    for (const item of this.#list.querySelectorAll<HTMLLIElement>("li[data-room-id]")) {
      existing.set(item.dataset.roomId!, item);
    }
    const focused = document.activeElement;
    let lostFocus = false;
    const wanted = rooms.map((room) => {
      const item = existing.get(room.id) ?? this.#roomItem(room.id);
      existing.delete(room.id);
      this.#fillRoomItem(item, room);
      return item;
    });
    for (const item of existing.values()) {
      if (item.contains(focused)) lostFocus = true;
      item.remove();
    }
    // Reorder only what moved, so a focused button keeps its focus.
    wanted.forEach((item, index) => {
      if (this.#list.children[index] !== item) {
        this.#list.insertBefore(item, this.#list.children[index] ?? null);
      }
    });
    this.#list.hidden = rooms.length === 0;
    this.#empty.hidden = rooms.length > 0;
    this.#count.hidden = rooms.length === 0;
    this.#count.textContent = `${rooms.length} open`;
    if (lostFocus) this.#title.focus();
  }

  #showInviteTitle(rooms: readonly RoomSummary[]): void {
    const room = rooms.find((entry) => entry.id === this.#invite);
    this.#inviteTitle.textContent = room
      ? `You’re invited to “${room.name}”`
      : "You’re invited to a watch party";
  }

  #roomItem(id: string): HTMLLIElement {
    const item = el(
      "li",
      { class: "room-item", "data-room-id": id },
      el("span", { class: "avatar", "aria-hidden": "true" }),
      el(
        "div",
        { class: "room-info" },
        el("span", { class: "room-name" }),
        el("span", { class: "room-meta" }),
      ),
      el(
        "button",
        { class: "btn", type: "button", "data-join": id },
        "Join",
        el("span", { class: "sr-only" }),
      ),
    );
    return item;
  }

  #fillRoomItem(item: HTMLLIElement, room: RoomSummary): void {
    const name = room.name || "Untitled room";
    const avatar = item.querySelector<HTMLElement>(".avatar")!;
    avatar.textContent = initialOf(name);
    avatar.dataset.tone = toneOf(room.id);
    setText(item.querySelector(".room-name")!, name);
    const people = room.count === 1 ? "1 person" : `${room.count} people`;
    setText(item.querySelector(".room-meta")!, room.locked ? `${people} · Locked` : people);
    item.dataset.locked = String(room.locked === true);
    setText(item.querySelector("button .sr-only")!, ` ${name}`);
  }

  #showError(input: HTMLInputElement, message: HTMLElement, text: string | null): void {
    message.hidden = text === null;
    message.textContent = text ?? "";
    if (text === null) input.removeAttribute("aria-invalid");
    else input.setAttribute("aria-invalid", "true");
  }
}

function setText(element: Element, text: string): void {
  if (element.textContent !== text) element.textContent = text;
}
