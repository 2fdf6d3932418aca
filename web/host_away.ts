/// <reference lib="dom" />
/**
 * When the host's connection drops, the room does not close: it waits out the host's resume
 * grace (the page may come back, same role), then hands the room to the next host. This line
 * says so to everyone, with the time left, instead of a silent "Reconnecting…" and a host that
 * changes without a word. Like the chat's presence lines, it shows only for a drop that lasts
 * (PRESENCE_NOTE_DELAY_MS): a server restart or a room moving to another instance has its host
 * away for a moment, and that is not news.
 */
import type { Participant, RoomView } from "../client/mod.ts";
import { byId } from "./dom.ts";
import { PRESENCE_NOTE_DELAY_MS } from "./presence_notes.ts";

/**
 * Who takes over from an away host, by the server's rule (docs/protocol.md, host hand-over):
 * a co-host who is here, then the earliest joiner who is here, else the earliest joiner.
 */
export function nextHost(participants: readonly Participant[]): Participant | null {
  const others = participants.filter((person) => !person.isHost);
  return others.find((person) => person.isCohost && !person.away) ??
    others.find((person) => !person.away) ?? others[0] ?? null;
}

export function hostAwayText(
  room: RoomView,
  selfId: string | null,
  serverNow: number | null,
): string | null {
  const people = room.participants ?? [];
  const host = people.find((person) => person.isHost);
  if (!host?.away || host.id === selfId) return null;
  const next = nextHost(people);
  const then = !next ? "" : next.id === selfId ? ", then you host" : `, then ${nameOf(next)} hosts`;
  const left = host.awayUntil !== null && serverNow !== null
    ? Math.max(0, Math.ceil((host.awayUntil - serverNow) / 1000))
    : null;
  const wait = left === null ? "waits for them" : `waits ${left} s for them`;
  return `${nameOf(host)} lost connection. The room ${wait}${then}.`;
}

function nameOf(person: Participant): string {
  return person.name || "Anonymous";
}

export class HostAwayLine {
  readonly #line = byId("host-away");
  readonly #serverNow: () => number | null;
  #room: RoomView | null = null;
  #selfId: string | null = null;
  #ticker: ReturnType<typeof setInterval> | undefined;
  /** The away host this page has seen, and since when (page clock). */
  #awaySeen: { id: string; sinceMs: number } | null = null;

  constructor(serverNow: () => number | null) {
    this.#serverNow = serverNow;
  }

  render(room: RoomView | null, selfId: string | null): void {
    this.#room = room;
    this.#selfId = selfId;
    const away = room ? hostAwayText(room, selfId, this.#serverNow()) !== null : false;
    const hostId = room?.participants?.find((person) => person.isHost)?.id ?? null;
    if (!away || hostId === null) this.#awaySeen = null;
    else if (this.#awaySeen?.id !== hostId) this.#awaySeen = { id: hostId, sinceMs: Date.now() };
    clearInterval(this.#ticker);
    this.#ticker = away ? setInterval(() => this.#show(), 1000) : undefined;
    this.#show();
  }

  #show(): void {
    const lasting = this.#awaySeen !== null &&
      Date.now() - this.#awaySeen.sinceMs >= PRESENCE_NOTE_DELAY_MS;
    const text = this.#room && lasting
      ? hostAwayText(this.#room, this.#selfId, this.#serverNow())
      : null;
    this.#line.hidden = text === null;
    if (this.#line.textContent !== (text ?? "")) this.#line.textContent = text ?? "";
  }
}
