/// <reference lib="dom" />
/**
 * The room around the video: its name, your role, the invite link, the people in it, and the
 * way out.
 */
import type { Participant, RoomView } from "../client/mod.ts";
import { byId, el, initialOf, toneOf } from "./dom.ts";
import { inviteUrl } from "./urls.ts";

export class RoomPanel {
  readonly section = byId("room");
  readonly #title = byId("room-title");
  readonly #role = byId("room-role");
  readonly #invite = byId("invite", HTMLInputElement);
  readonly #copy = byId("copy-invite", HTMLButtonElement);
  readonly #participants = byId("participants", HTMLUListElement);
  readonly #peopleCount = byId("people-count");
  readonly #leave = byId("leave", HTMLButtonElement);
  #copyReset: ReturnType<typeof setTimeout> | undefined;

  constructor(actions: { leave(): void }) {
    this.#leave.addEventListener("click", () => actions.leave());
    this.#invite.addEventListener("focus", () => this.#invite.select());
    this.#copy.addEventListener("click", () => this.#copyInvite());
  }

  show(focus: boolean): void {
    this.section.hidden = false;
    if (focus) this.#title.focus();
  }

  hide(): void {
    this.section.hidden = true;
  }

  /**
   * `selfReady`: whether this page's own player can play. The server's `ready` flags are only
   * sent with joins and leaves (a `ready` has no answer), so our own is known better here.
   */
  render(room: RoomView, selfId: string | null, selfReady: boolean): void {
    setText(this.#title, room.name || "Watch party");
    const host = room.participants?.find((person) => person.isHost);
    setText(
      this.#role,
      room.isHost
        ? "You’re hosting · your play, pause and seek are everyone’s"
        : `Hosted by ${host?.name ?? "someone"} · the host controls playback`,
    );
    // The host's departure closes the room for everyone: the button says so.
    setText(this.#leave, room.isHost ? "Close room" : "Leave room");
    const link = inviteUrl(room.id, location.href);
    if (this.#invite.value !== link) this.#invite.value = link;
    setText(this.#peopleCount, String(room.participantCount));
    this.#renderPeople(room.participants ?? [], selfId, selfReady);
  }

  #renderPeople(people: readonly Participant[], selfId: string | null, selfReady: boolean): void {
    const items = people.map((person) => {
      const you = person.id === selfId;
      const ready = person.isHost || person.ready || (you && selfReady);
      return el(
        "li",
        { class: "person", "data-participant-id": person.id, "data-ready": String(ready) },
        el(
          "span",
          { class: "avatar", "data-tone": toneOf(person.id), "aria-hidden": "true" },
          initialOf(person.name),
        ),
        el(
          "span",
          { class: "person-name" },
          el("span", { class: "person-label" }, person.name || "Anonymous"),
          you && el("span", { class: "tag tag-you" }, "you"),
          person.isHost && el("span", { class: "tag tag-host" }, "Host"),
        ),
        el(
          "span",
          { class: "ready" },
          el("span", { class: "ready-dot", "aria-hidden": "true" }),
          person.isHost || ready ? "Ready" : "Loading…",
        ),
      );
    });
    this.#participants.replaceChildren(...items);
  }

  async #copyInvite(): Promise<void> {
    const link = this.#invite.value;
    let copied = false;
    try {
      await navigator.clipboard.writeText(link);
      copied = true;
    } catch {
      // No clipboard API here (plain http on another host): select it for a manual copy.
      this.#invite.focus();
      this.#invite.select();
      copied = document.execCommand?.("copy") ?? false;
    }
    this.#copy.textContent = copied ? "Copied" : "Press Ctrl+C";
    clearTimeout(this.#copyReset);
    this.#copyReset = setTimeout(() => this.#copy.textContent = "Copy", 2_500);
  }
}

function setText(element: HTMLElement, text: string): void {
  if (element.textContent !== text) element.textContent = text;
}
