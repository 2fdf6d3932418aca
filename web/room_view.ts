/// <reference lib="dom" />
/**
 * The room around the video: its name, your role, the invite link, the people in it (their
 * readiness, connection and role; the host's co-host and hand-over buttons), who controls
 * playback, and the way out.
 */
import type { ControlPolicy, Participant, Readiness, RoomView } from "../client/mod.ts";
import { byId, el, initialOf, toneOf } from "./dom.ts";
import { inviteUrl } from "./urls.ts";

export interface RoomPanelActions {
  leave(): void;
  setControl(control: ControlPolicy): void;
  setCohost(clientId: string, cohost: boolean): void;
  transferHost(clientId: string, name: string): void;
}

const CONTROL_SUMMARY: Record<ControlPolicy, string> = {
  host: "Only the host controls playback.",
  cohosts: "The host and co-hosts control playback.",
  everyone: "Everyone here controls playback.",
};

export class RoomPanel {
  readonly section = byId("room");
  readonly #title = byId("room-title");
  readonly #role = byId("room-role");
  readonly #invite = byId("invite", HTMLInputElement);
  readonly #inviteHint = byId("invite-hint");
  readonly #copy = byId("copy-invite", HTMLButtonElement);
  readonly #participants = byId("participants", HTMLUListElement);
  readonly #peopleCount = byId("people-count");
  readonly #settings = byId("room-settings");
  readonly #control = byId("control", HTMLSelectElement);
  readonly #controlSummary = byId("control-summary");
  readonly #leave = byId("leave", HTMLButtonElement);
  readonly #video = byId("video", HTMLVideoElement);
  #copyReset: ReturnType<typeof setTimeout> | undefined;
  /** An invite token for the locked room this page hosts, once the server sent one. */
  #inviteToken: { roomId: string; token: string } | null = null;
  #room: RoomView | null = null;

  constructor(actions: RoomPanelActions) {
    this.#leave.addEventListener("click", () => actions.leave());
    this.#invite.addEventListener("focus", () => this.#invite.select());
    this.#copy.addEventListener("click", () => this.#copyInvite());
    this.#control.addEventListener("change", () => {
      actions.setControl(this.#control.value as ControlPolicy);
    });
    this.#participants.addEventListener("click", (event) => {
      const button = (event.target as Element).closest<HTMLButtonElement>("button[data-action]");
      const item = button?.closest<HTMLElement>("li[data-participant-id]");
      const id = item?.dataset.participantId;
      if (!button || !id) return;
      if (button.dataset.action === "cohost") {
        actions.setCohost(id, button.getAttribute("aria-pressed") !== "true");
      } else if (button.dataset.action === "host") {
        actions.transferHost(id, item.querySelector(".person-label")?.textContent ?? "");
      }
    });
  }

  show(focus: boolean): void {
    this.section.hidden = false;
    if (focus) this.#title.focus();
  }

  hide(): void {
    this.section.hidden = true;
    this.#room = null;
  }

  /** The invite for a locked room: links made from here let their holder in. */
  setInviteToken(roomId: string, token: string): void {
    this.#inviteToken = { roomId, token };
    if (this.#room) this.#showInvite(this.#room);
  }

  /**
   * `selfReady`: whether this page's own player can play, for servers that do not say each
   * member's readiness (the upstream server sends `ready` flags with joins and leaves only).
   */
  render(room: RoomView, selfId: string | null, selfReady: boolean): void {
    this.#room = room;
    const name = room.name || "Watch party";
    setText(this.#title, name);
    // A long name is cut to two lines (CSS): the whole of it shows on hover.
    if (this.#title.title !== name) this.#title.title = name;
    const videoLabel = room.name ? `Video: ${room.name}` : "Video";
    if (this.#video.getAttribute("aria-label") !== videoLabel) {
      this.#video.setAttribute("aria-label", videoLabel);
    }
    setText(this.#role, roleText(room));
    // The host's departure closes the room for everyone, unless it hands over: say so.
    setText(this.#leave, leaveText(room));
    this.#showInvite(room);
    setText(this.#peopleCount, String(room.participantCount));
    this.#settings.hidden = !room.isHost;
    if (this.#control.value !== room.control) this.#control.value = room.control;
    setText(this.#controlSummary, room.isHost ? "" : CONTROL_SUMMARY[room.control]);
    this.#renderPeople(room, selfId, selfReady);
  }

  #showInvite(room: RoomView): void {
    const token = this.#inviteToken?.roomId === room.id ? this.#inviteToken.token : null;
    const link = inviteUrl(room.id, location.href, room.locked ? token : null);
    if (this.#invite.value !== link) this.#invite.value = link;
    let hint: string | null = null;
    if (room.locked && room.isHost) {
      hint = token
        ? "This link lets people in without the password for 24 hours."
        : "Making a link that skips the password…";
    } else if (room.locked) {
      hint = "The room is locked: people need its password, or an invite link from the host.";
    }
    this.#inviteHint.hidden = hint === null;
    setText(this.#inviteHint, hint ?? "");
  }

  #renderPeople(room: RoomView, selfId: string | null, selfReady: boolean): void {
    const people = room.participants ?? [];
    const ordinals = sameNameOrdinals(people);
    const items = people.map((person, index) => {
      const you = person.id === selfId;
      const ordinal = ordinals[index]!;
      const name = person.name || "Anonymous";
      const readiness = readinessOf(person, you && selfReady);
      const ready = readiness === "ready";
      return el(
        "li",
        {
          class: "person",
          "data-participant-id": person.id,
          "data-ready": String(ready),
          "data-readiness": readiness,
          "data-away": String(person.away),
        },
        el(
          "span",
          { class: "avatar", "data-tone": toneOf(person.id), "aria-hidden": "true" },
          initialOf(person.name),
        ),
        el(
          "span",
          { class: "person-main" },
          el(
            "span",
            { class: "person-name" },
            el("span", { class: "person-label", title: name }, name),
            // Two tabs (or two people) of one name: "Ann" and "Ann (2)", in joining order.
            ordinal > 1 && el("span", { class: "person-ordinal" }, `(${ordinal})`),
            you && el("span", { class: "tag tag-you" }, ordinal > 0 ? "you · this tab" : "you"),
            person.isHost && el("span", { class: "tag tag-host" }, "Host"),
            person.isCohost && !person.isHost &&
              el("span", { class: "tag tag-cohost" }, "Co-host"),
          ),
          el(
            "span",
            { class: "ready" },
            el("span", { class: "ready-dot", "aria-hidden": "true" }),
            person.away ? "Reconnecting…" : READINESS_TEXT[readiness],
            person.rttMs !== null && !person.away &&
              el(
                "span",
                { class: "person-rtt", title: "Round trip to the server" },
                ` · ${person.rttMs} ms`,
              ),
          ),
        ),
        room.isHost && !you && !person.away &&
          this.#hostActions(room, person, ordinal > 1 ? `${name} (${ordinal})` : name),
      );
    });
    this.#participants.replaceChildren(...items);
  }

  #hostActions(room: RoomView, person: Participant, name: string): HTMLElement {
    return el(
      "span",
      { class: "person-actions" },
      room.control === "cohosts" && el(
        "button",
        {
          class: "btn",
          type: "button",
          "data-action": "cohost",
          "aria-pressed": String(person.isCohost),
          "aria-label": `Co-host: ${name}`,
        },
        "Co-host",
      ),
      el(
        "button",
        { class: "btn", type: "button", "data-action": "host", "aria-label": `Make host: ${name}` },
        "Make host",
      ),
    );
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

/**
 * For each person, 0 when nobody else has the same name, else their place (1, 2…) among
 * those who have it, in the list's (joining) order: the first one shows as plain "Ann".
 */
function sameNameOrdinals(people: readonly Participant[]): number[] {
  const key = (person: Participant) => (person.name || "Anonymous").normalize().toLowerCase();
  const total = new Map<string, number>();
  for (const person of people) total.set(key(person), (total.get(key(person)) ?? 0) + 1);
  const seen = new Map<string, number>();
  return people.map((person) => {
    const k = key(person);
    if (total.get(k)! < 2) return 0;
    const place = (seen.get(k) ?? 0) + 1;
    seen.set(k, place);
    return place;
  });
}

const READINESS_TEXT: Record<Readiness, string> = {
  loading: "Loading…",
  ready: "Ready",
  buffering: "Buffering…",
  autoplay_blocked: "Needs a click",
  media_error: "Can’t load the video",
  ended: "At the end",
};

/** The server's word; from a server that does not say, ready when known to be. */
function readinessOf(person: Participant, selfReady: boolean): Readiness {
  if (person.readiness) return person.readiness;
  return person.isHost || person.ready || selfReady ? "ready" : "loading";
}

function roleText(room: RoomView): string {
  const host = room.participants?.find((person) => person.isHost);
  if (room.isHost) return "You’re hosting · your play, pause and seek are everyone’s";
  const hostedBy = `Hosted by ${host?.name || "someone"}`;
  if (room.canControl) return `${hostedBy} · you can play, pause and seek for everyone`;
  return room.control === "cohosts"
    ? `${hostedBy} · the host and co-hosts control playback`
    : `${hostedBy} · the host controls playback`;
}

function setText(element: HTMLElement, text: string): void {
  if (element.textContent !== text) element.textContent = text;
}

/** What the leave button does: a host alone, or whose room does not hand over, closes it. */
export function leaveClosesRoom(room: RoomView): boolean {
  return room.isHost && (!room.handoff || room.participantCount <= 1);
}

function leaveText(room: RoomView): string {
  return leaveClosesRoom(room) ? "Close room" : "Leave room";
}
