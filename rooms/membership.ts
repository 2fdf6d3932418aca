/**
 * Who is in a room and how they are: the members in the order they joined, the host, the ready
 * set, and who is away (their connection dropped; they may resume). Plain state, owned by one
 * Room and changed only from inside its queue; the rules about it (who may do what) stay in
 * the room.
 */
import type { ParticipantInfo } from "../protocol/mod.ts";
import type { Member } from "./member.ts";

export class Membership {
  /** Insertion-ordered: broadcasts reach members in the order they joined. */
  readonly #members = new Map<string, Member>();
  /** Always a subset of the members. */
  readonly #ready = new Set<string>();
  /** Members whose connection dropped, within their resume grace. A subset of the members. */
  readonly #away = new Set<string>();
  #hostId: string;

  constructor(host: Member) {
    this.#hostId = host.id;
    this.#members.set(host.id, host);
    // The creator is host, a member, and already ready.
    this.#ready.add(host.id);
  }

  get hostId(): string {
    return this.#hostId;
  }

  get size(): number {
    return this.#members.size;
  }

  has(id: string): boolean {
    return this.#members.has(id);
  }

  get(id: string): Member | undefined {
    return this.#members.get(id);
  }

  ids(): string[] {
    return [...this.#members.keys()];
  }

  readyIds(): string[] {
    return [...this.#ready];
  }

  awayIds(): string[] {
    return [...this.#away];
  }

  values(): IterableIterator<Member> {
    return this.#members.values();
  }

  add(member: Member): void {
    this.#members.set(member.id, member);
  }

  remove(id: string): void {
    this.#members.delete(id);
    this.#ready.delete(id);
    this.#away.delete(id);
  }

  clear(): void {
    this.#members.clear();
    this.#ready.clear();
    this.#away.clear();
  }

  markReady(id: string): boolean {
    if (!this.#members.has(id) || this.#ready.has(id)) return false;
    this.#ready.add(id);
    return true;
  }

  isAway(id: string): boolean {
    return this.#away.has(id);
  }

  setAway(id: string): void {
    if (this.#members.has(id)) this.#away.add(id);
  }

  /** A member resumed on a new connection: same id, same place, readiness kept. */
  return(member: Member): void {
    this.#away.delete(member.id);
    this.#members.set(member.id, member);
  }

  setHost(id: string): void {
    this.#hostId = id;
  }

  /**
   * Every member who is here is ready: an away member cannot say so, and must not hold a play
   * back (it catches up on its return).
   */
  allReady(): boolean {
    for (const id of this.#members.keys()) {
      if (!this.#ready.has(id) && !this.#away.has(id)) return false;
    }
    return true;
  }

  /**
   * Who takes over from the host: the earliest joiner who is here, else the earliest joiner;
   * null when the host is alone. (Co-hosts come first once rooms have them.)
   */
  successor(): string | null {
    let fallback: string | null = null;
    for (const id of this.#members.keys()) {
      if (id === this.#hostId) continue;
      if (!this.#away.has(id)) return id;
      fallback ??= id;
    }
    return fallback;
  }

  participants(): ParticipantInfo[] {
    return [...this.#members.values()].map((member) => ({
      id: member.id,
      name: member.name,
      is_host: member.id === this.#hostId,
      ready: this.#ready.has(member.id),
      away: this.#away.has(member.id),
      rtt_ms: member.rttMs ?? null,
    }));
  }
}
