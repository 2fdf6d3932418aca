/**
 * A member's instance's side of the cluster: its connections that are in rooms owned
 * elsewhere. It delivers what owners send them (each frame converted into this instance's clock
 * and encoded once, whoever of ours gets it), keeps track of which room each is in (the owner
 * says so, in order with the frames) and of the last room message each was given (what a
 * resync after a Redis outage starts from), and holds the leaves and aways that could not be
 * sent while Redis was away.
 */
import { build, encode, ERRORS, type RoomCloseCode, type ServerMessage } from "../protocol/mod.ts";
import { type MemberCommand, type RoomRegistry, senderOf } from "../rooms/mod.ts";
import { convertTimes, type PeerClocks } from "./peer_clocks.ts";
import type { OutItem } from "./peer_messages.ts";

/** A leave or away kept while Redis is away. */
export interface Deferred {
  readonly owner: string;
  readonly room: string;
  readonly cmd: Extract<MemberCommand, { kind: "leave" | "away" }>;
  /** When it was kept (entries older than the caller's limit are dropped). */
  readonly at?: number;
}

/** Leaves and aways kept while Redis is away; more than this and the oldest go. */
export const MAX_DEFERRED_COMMANDS = 10_000;

export interface Resync {
  readonly room: string;
  readonly cmd: Extract<MemberCommand, { kind: "resync" }>;
}

/**
 * A request that waits for its room owner's answer, sent and not answered yet: a resume or a
 * join (answered with the room's frames, or an error). It is sent again if the room moves.
 */
export interface PendingRequest {
  readonly room: string;
  readonly cmd: Extract<MemberCommand, { kind: "resume" | "join" }>;
  readonly at: number;
}

/** The connection of ours a kept or waiting command is about. */
const connectionOf = (cmd: MemberCommand) => senderOf(cmd)!.id;

export class MemberSide {
  readonly #registry: RoomRegistry;
  readonly #clocks: PeerClocks;
  readonly #now: () => number;
  /** Our connections in other instances' rooms: room id → member ids. */
  readonly #inRemote = new Map<string, Set<string>>();
  /** The last room seq each of those connections was given. */
  readonly #lastSeq = new Map<string, number>();
  /**
   * The leave or away of each of our connections that could not reach its room's owner. Kept
   * until the owner has surely heard it (it said it is back, or it answered about that member),
   * since after an outage either side may reconnect first; sent again each time one does.
   */
  readonly #deferred = new Map<string, Deferred>();
  /** Requests of our connections that their room's owner has not answered, by connection id. */
  readonly #pendingRequests = new Map<string, PendingRequest>();

  constructor(registry: RoomRegistry, clocks: PeerClocks, now: () => number) {
    this.#registry = registry;
    this.#clocks = clocks;
    this.#now = now;
  }

  defer(command: Deferred): void {
    const id = connectionOf(command.cmd);
    const kept = this.#deferred.get(id);
    // A leave stands over an away; an away never over a leave.
    if (kept?.cmd.kind === "leave" && command.cmd.kind === "away") return;
    this.#deferred.delete(id);
    this.#deferred.set(id, { ...command, at: command.at ?? this.#now() });
    if (this.#deferred.size > MAX_DEFERRED_COMMANDS) {
      this.#deferred.delete(this.#deferred.keys().next().value!);
    }
  }

  /**
   * The kept commands for rooms of `owner` (all owners: undefined). With `settled` the owner is
   * known to be back and subscribed: they are sent for the last time.
   */
  deferredFor(owner: string | undefined, settled: boolean): Deferred[] {
    const due = [...this.#deferred.values()].filter((d) =>
      owner === undefined || d.owner === owner
    );
    if (settled) { for (const d of due) this.#deferred.delete(connectionOf(d.cmd)); }
    return due;
  }

  /** Drops kept commands older than `maxAgeMs` (their members are long gone anyway). */
  expireDeferred(maxAgeMs: number): void {
    const now = this.#now();
    for (const [id, d] of this.#deferred) {
      if (now - (d.at ?? now) > maxAgeMs) this.#deferred.delete(id);
    }
  }

  /** A resume or join went to an owner: kept until it answers (an owner that died never will). */
  requestSent(pending: PendingRequest): void {
    this.#pendingRequests.set(connectionOf(pending.cmd), pending);
  }

  /** The unanswered requests into `roomId` (its owner died; the room has a new one). */
  pendingRequests(roomId: string): PendingRequest[] {
    return [...this.#pendingRequests.values()].filter((pending) => pending.room === roomId);
  }

  /**
   * Drops unanswered requests older than `maxAgeMs` (no instance took their room): each of
   * those connections is told its room could not be reached, rather than left waiting.
   */
  expireRequests(maxAgeMs: number): void {
    const now = this.#now();
    for (const [id, pending] of this.#pendingRequests) {
      if (now - pending.at <= maxAgeMs) continue;
      this.#pendingRequests.delete(id);
      this.#registry.listener(id)?.send(
        encode(build.error(ERRORS.roomUnreachable, now, pending.room)),
      );
    }
  }

  /** Our connections in `roomId` (owned elsewhere), with the last room message each was given. */
  membersIn(roomId: string): { id: string; lastSeq: number | null }[] {
    return [...this.#inRemote.get(roomId) ?? []].map((id) => ({
      id,
      lastSeq: this.#lastSeq.get(id) ?? null,
    }));
  }

  /**
   * `roomId` is ours now (adopted): our connections in it are members of a room here, no longer
   * of one elsewhere (the registry already counts them in it).
   */
  roomAdopted(roomId: string): void {
    for (const id of this.#inRemote.get(roomId) ?? []) {
      this.#lastSeq.delete(id);
      this.#deferred.delete(id);
    }
    this.#inRemote.delete(roomId);
    for (const [id, pending] of this.#pendingRequests) {
      if (pending.room === roomId) this.#pendingRequests.delete(id);
    }
  }

  /** What each of our connections in a remote room asks its owner for after an outage. */
  resyncs(ownerOf: (room: string) => string | undefined, owner?: string): Resync[] {
    const asks: Resync[] = [];
    for (const [room, members] of this.#inRemote) {
      if (owner !== undefined && ownerOf(room) !== owner) continue;
      for (const id of members) {
        if (this.#deferred.has(id)) continue; // it is leaving (or away): no catching up
        asks.push({
          room,
          cmd: {
            kind: "resync",
            from: { id, name: this.#registry.listener(id)?.name ?? "" },
            lastSeq: this.#lastSeq.get(id) ?? null,
          },
        });
      }
    }
    return asks;
  }

  /**
   * What an owner sent our connections, in order. `strays` hears of members the owner still
   * counts in a room we know they are not in (we told them it closed while the owner was out of
   * reach): the owner is told to let them go, and they get nothing from it meanwhile.
   */
  deliver(
    owner: string,
    items: OutItem[],
    strays: (room: string, memberId: string) => void = () => {},
  ): void {
    const toLocal = (t: number) => this.#clocks.toLocal(owner, t);
    for (const item of items) {
      if ("f" in item) {
        convertTimes(item.f, toLocal);
        // Encoded once here, whichever of our connections get it.
        const frame = { message: item.f as unknown as ServerMessage, text: JSON.stringify(item.f) };
        const room = typeof item.f.room === "string" ? item.f.room : null;
        const seq = room === null ? undefined : item.f.seq;
        // An error (a refused join, say) reaches anyone; room messages only the room's members.
        const members = room === null || item.f.type === "error" ? null : this.#inRemote.get(room);
        // An answer (a refusal, or the frames of an accepted resume or join) ends a wait; none is
        // waiting almost always, and then delivery pays nothing for it.
        const waiting = this.#pendingRequests.size > 0;
        for (const id of item.to) {
          if (waiting) this.#pendingRequests.delete(id);
          if (members !== null && !members?.has(id)) {
            strays(room!, id);
            continue;
          }
          // It moved on to another room (its leave is on the way to this one's owner): what this
          // room said meanwhile must not reach it after the new room's state.
          const current = members ? this.#registry.roomOf(id) : undefined;
          if (current !== undefined && current !== room) continue;
          this.#registry.listener(id)?.send(frame);
          if (seq !== undefined) this.#lastSeq.set(id, seq);
        }
      } else if (item.ev === "adopt") {
        // The session is back on a connection of ours: what its old one left undone is moot.
        this.#deferred.delete(item.as);
        this.#pendingRequests.delete(item.member);
        // Our connection `member` resumed session `as` on its owner: it is that session now.
        const connection = this.#registry.listener(item.member);
        if (connection) this.#registry.adoptSession(connection, item.as);
      } else if (item.ev === "joined") {
        this.#deferred.delete(item.member);
        let members = this.#inRemote.get(item.room);
        if (!members) this.#inRemote.set(item.room, members = new Set());
        members.add(item.member);
        this.#registry.noteJoined(item.room, item.member);
      } else {
        this.#left(item.room, item.member);
      }
    }
  }

  /** A remote room is gone without its owner telling our members (it died): we tell them. */
  roomGone(roomId: string, code: RoomCloseCode): void {
    const members = this.#inRemote.get(roomId);
    if (!members) return;
    const frame = encode(build.roomClosed(roomId, code, this.#now()));
    for (const id of [...members]) {
      this.#registry.listener(id)?.send(frame);
      this.#left(roomId, id);
    }
  }

  #left(roomId: string, memberId: string): void {
    this.#deferred.delete(memberId);
    const members = this.#inRemote.get(roomId);
    members?.delete(memberId);
    if (members?.size === 0) this.#inRemote.delete(roomId);
    this.#lastSeq.delete(memberId);
    this.#registry.noteLeft(roomId, memberId);
  }
}
