/**
 * Who is in a room and how they are: the members in the order they joined, the host and the
 * co-hosts, each member's readiness, who is away (their connection dropped; they may resume),
 * and who is catching up (joined while the room played). Plain state, owned by one Room and
 * changed only from inside its queue; the rules about it stay in the room.
 */
import type { ParticipantInfo, Readiness } from "../protocol/mod.ts";
import type { MemberRef } from "./member.ts";

/** A member who is not ready, as `waiting_on` shows it. */
export interface Waiting {
  readonly id: string;
  readonly name: string;
  readonly readiness: Readiness;
}

/** One member as data: what a saved room keeps of it (the connection is not kept). */
export interface MemberData {
  readonly id: string;
  readonly name: string;
  readonly readiness: Readiness;
  readonly everReady: boolean;
  readonly away: boolean;
  readonly catchingUp: boolean;
  readonly cohost: boolean;
}

export class Membership {
  /**
   * The members' ids, insertion-ordered: broadcasts reach members in the order they joined.
   * Only ids: how to reach each one is the port table's (rooms/member_ports.ts), not the room's.
   */
  readonly #members = new Set<string>();
  readonly #readiness = new Map<string, Readiness>();
  /** Members that have been ready at least once: a stall is then a re-buffer, not a load. */
  readonly #everReady = new Set<string>();
  /** Members whose connection dropped, within their resume grace. */
  readonly #away = new Set<string>();
  /** Members that joined (or fell behind) while the room played: they hold no play back. */
  readonly #catchingUp = new Set<string>();
  readonly #cohosts = new Set<string>();
  /**
   * The name each member is shown by, as the room recorded it: a connection's own name may
   * change (a join refused elsewhere, a re-auth) without the room hearing of it; the room's
   * copy changes only through a room command, which tells everyone.
   */
  readonly #names = new Map<string, string>();
  #hostId: string;

  constructor(host: MemberRef) {
    this.#hostId = host.id;
    this.#members.add(host.id);
    this.#names.set(host.id, host.name);
    // The creator is host, a member, and already ready.
    this.#readiness.set(host.id, "ready");
    this.#everReady.add(host.id);
  }

  get hostId(): string {
    return this.#hostId;
  }

  /** Every member as data, in joining order (the host among them). */
  toData(): MemberData[] {
    return this.ids().map((id) => ({
      id,
      name: this.#names.get(id) ?? "",
      readiness: this.#readiness.get(id) ?? "loading",
      everReady: this.#everReady.has(id),
      away: this.#away.has(id),
      catchingUp: this.#catchingUp.has(id),
      cohost: this.#cohosts.has(id),
    }));
  }

  /** The members of a saved room. Null when the data has no host among its members. */
  static fromData(members: readonly MemberData[], hostId: string): Membership | null {
    const host = members.find((member) => member.id === hostId);
    if (!host) return null;
    const membership = new Membership(host);
    membership.#members.clear();
    membership.#names.clear();
    membership.#readiness.clear();
    membership.#everReady.clear();
    for (const data of members) {
      membership.#members.add(data.id);
      membership.#names.set(data.id, data.name);
      membership.#readiness.set(data.id, data.readiness);
      if (data.everReady) membership.#everReady.add(data.id);
      if (data.away) membership.#away.add(data.id);
      if (data.catchingUp) membership.#catchingUp.add(data.id);
      if (data.cohost && data.id !== hostId) membership.#cohosts.add(data.id);
    }
    return membership;
  }

  get size(): number {
    return this.#members.size;
  }

  has(id: string): boolean {
    return this.#members.has(id);
  }

  ids(): string[] {
    return [...this.#members];
  }

  readyIds(): string[] {
    return this.ids().filter((id) => this.isReady(id));
  }

  awayIds(): string[] {
    return [...this.#away];
  }

  cohostIds(): string[] {
    return [...this.#cohosts];
  }

  /** The members' ids in joining order, without a copy (for broadcasts). */
  values(): IterableIterator<string> {
    return this.#members.values();
  }

  /** The name the room shows `id` by. */
  nameOf(id: string): string | undefined {
    return this.#names.get(id);
  }

  /** Records a member's new name; true when it changed. */
  rename(id: string, name: string): boolean {
    if (!this.#members.has(id) || this.#names.get(id) === name) return false;
    this.#names.set(id, name);
    return true;
  }

  /** A new member: loading until it says otherwise. */
  add(member: MemberRef, catchingUp: boolean): void {
    this.#members.add(member.id);
    this.#names.set(member.id, member.name);
    this.#readiness.set(member.id, "loading");
    if (catchingUp) this.#catchingUp.add(member.id);
  }

  remove(id: string): void {
    this.#members.delete(id);
    this.#names.delete(id);
    this.#readiness.delete(id);
    this.#everReady.delete(id);
    this.#away.delete(id);
    this.#catchingUp.delete(id);
    this.#cohosts.delete(id);
  }

  clear(): void {
    for (const id of this.ids()) this.remove(id);
  }

  /** Ready to play: a player at the end of the media can play it again (a seek back). */
  isReady(id: string): boolean {
    const readiness = this.#readiness.get(id);
    return readiness === "ready" || readiness === "ended";
  }

  readinessOf(id: string): Readiness | undefined {
    return this.#readiness.get(id);
  }

  /** Sets a member's readiness; true when it changed. */
  setReadiness(id: string, readiness: Readiness): boolean {
    if (!this.#members.has(id) || this.#readiness.get(id) === readiness) return false;
    this.#readiness.set(id, readiness);
    if (readiness === "ready" || readiness === "ended") this.#everReady.add(id);
    return true;
  }

  /**
   * The room plays new media: every member but `keepId` (the host, whose own readiness the
   * upstream client never reports) loads it afresh, as on joining; the host counts as ready,
   * as it does at creation. Nobody is behind any more.
   */
  mediaChanged(keepId: string): void {
    for (const id of this.#members) {
      this.#catchingUp.delete(id);
      if (id === keepId) {
        // Its "ended" was about the media before.
        if (this.#readiness.get(id) === "ended") this.#readiness.set(id, "ready");
        continue;
      }
      this.#readiness.set(id, "loading");
      this.#everReady.delete(id);
    }
  }

  /**
   * Whether every member here whose player works is at the end of the media, `hostId` too
   * (a member away, or whose player failed, is not waited for).
   */
  allEnded(): boolean {
    for (const id of this.#members) {
      if (this.#away.has(id)) continue;
      const readiness = this.#readiness.get(id);
      if (readiness !== "ended" && readiness !== "media_error") return false;
    }
    return true;
  }

  isCatchingUp(id: string): boolean {
    return this.#catchingUp.has(id);
  }

  /** Caught up (or no longer behind): it counts again for the next play. */
  caughtUp(id: string): void {
    this.#catchingUp.delete(id);
  }

  isAway(id: string): boolean {
    return this.#away.has(id);
  }

  setAway(id: string): void {
    if (this.#members.has(id)) this.#away.add(id);
  }

  /** A member resumed on a new connection: same id, same place, name and readiness kept. */
  return(id: string): void {
    this.#away.delete(id);
  }

  setHost(id: string): void {
    this.#hostId = id;
    this.#cohosts.delete(id);
  }

  isCohost(id: string): boolean {
    return this.#cohosts.has(id);
  }

  setCohost(id: string, cohost: boolean): void {
    if (cohost && this.#members.has(id) && id !== this.#hostId) this.#cohosts.add(id);
    else this.#cohosts.delete(id);
  }

  /**
   * Who a play waits for: members here, not ready, not catching up, whose player did not fail
   * (an away member cannot say it is ready and catches up on its return; a late joiner catches
   * up on its own; a member in `media_error` cannot load the media, like an away one).
   */
  waitingOn(): Waiting[] {
    const waiting: Waiting[] = [];
    for (const id of this.#members) {
      if (this.isReady(id) || this.#away.has(id) || this.#catchingUp.has(id)) continue;
      if (this.#readiness.get(id) === "media_error") continue;
      waiting.push({
        id,
        name: this.#names.get(id) ?? "",
        readiness: this.#readiness.get(id) ?? "loading",
      });
    }
    return waiting;
  }

  allReady(): boolean {
    return this.waitingOn().length === 0;
  }

  /** Whether the members a play waits for are all re-buffering (none of them still loading). */
  onlyRebuffering(): boolean {
    return this.waitingOn().every((w) => this.#everReady.has(w.id) && w.readiness === "buffering");
  }

  /**
   * Who takes over from the host: a co-host who is here, then the earliest joiner who is here,
   * else the earliest joiner; null when the host is alone.
   */
  successor(): string | null {
    let fallback: string | null = null;
    for (const id of this.#members) {
      if (id === this.#hostId || this.#away.has(id) || !this.#cohosts.has(id)) continue;
      return id;
    }
    for (const id of this.#members) {
      if (id === this.#hostId) continue;
      if (!this.#away.has(id)) return id;
      fallback ??= id;
    }
    return fallback;
  }

  /** Every member as the protocol lists it; `rttOf`: its own last round trip, if reported. */
  participants(rttOf: (id: string) => number | null): ParticipantInfo[] {
    return [...this.#members].map((id) => ({
      id,
      name: this.#names.get(id) ?? "",
      is_host: id === this.#hostId,
      is_cohost: this.#cohosts.has(id),
      ready: this.isReady(id),
      readiness: this.#readiness.get(id) ?? "loading",
      away: this.#away.has(id),
      rtt_ms: rttOf(id),
      // The room's core knows the grace timers: it fills this in.
      away_until: null,
    }));
  }
}
