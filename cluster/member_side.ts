/**
 * A member's instance's side of the cluster: its connections that are in rooms owned
 * elsewhere. It delivers what owners send them (each frame converted into this instance's clock
 * and encoded once, whoever of ours gets it), keeps track of which room each is in (the owner
 * says so, in order with the frames) and of the last room message each was given (what a
 * resync after a Redis outage starts from), and holds the leaves and aways that could not be
 * sent while Redis was away.
 */
import { build, encode, type ServerMessage } from "../protocol/mod.ts";
import type { RoomRegistry } from "../rooms/registry.ts";
import { convertTimes, type PeerClocks } from "./peer_clocks.ts";
import type { MemberRef, OutItem, WireCommand } from "./peer_messages.ts";

/** A leave or away kept while Redis is away. */
export interface Deferred {
  readonly owner: string;
  readonly room: string;
  readonly member: MemberRef;
  readonly cmd: WireCommand;
}

/** Leaves and aways kept while Redis is away; more than this and the oldest go. */
export const MAX_DEFERRED_COMMANDS = 10_000;

export interface Resync {
  readonly room: string;
  readonly member: MemberRef;
  readonly lastSeq: number | null;
}

export class MemberSide {
  readonly #registry: RoomRegistry;
  readonly #clocks: PeerClocks;
  readonly #now: () => number;
  /** Our connections in other instances' rooms: room id → member ids. */
  readonly #inRemote = new Map<string, Set<string>>();
  /** The last room seq each of those connections was given. */
  readonly #lastSeq = new Map<string, number>();
  readonly #pendingAdopts = new Map<string, () => void>();
  readonly #deferred: Deferred[] = [];

  constructor(registry: RoomRegistry, clocks: PeerClocks, now: () => number) {
    this.#registry = registry;
    this.#clocks = clocks;
    this.#now = now;
  }

  /** A resume sent to an owner: `adopt` runs when the owner accepts it. */
  awaitAdopt(connectionId: string, adopt: () => void): void {
    this.#pendingAdopts.set(connectionId, adopt);
  }

  defer(command: Deferred): void {
    this.#deferred.push(command);
    if (this.#deferred.length > MAX_DEFERRED_COMMANDS) this.#deferred.shift();
  }

  takeDeferred(): Deferred[] {
    return this.#deferred.splice(0);
  }

  /** What each of our connections in a remote room asks its owner for after an outage. */
  resyncs(): Resync[] {
    const asks: Resync[] = [];
    for (const [room, members] of this.#inRemote) {
      for (const id of members) {
        const connection = this.#registry.listener(id);
        asks.push({
          room,
          member: { id, name: connection?.name ?? "", rtt: connection?.rttMs ?? null },
          lastSeq: this.#lastSeq.get(id) ?? null,
        });
      }
    }
    return asks;
  }

  /** What an owner sent our connections, in order. */
  deliver(owner: string, items: OutItem[]): void {
    const toLocal = (t: number) => this.#clocks.toLocal(owner, t);
    for (const item of items) {
      if ("f" in item) {
        convertTimes(item.f, toLocal);
        // Encoded once here, whichever of our connections get it.
        const frame = { message: item.f as unknown as ServerMessage, text: JSON.stringify(item.f) };
        const seq = typeof item.f.room === "string" ? item.f.seq : undefined;
        for (const id of item.to) {
          this.#registry.listener(id)?.send(frame);
          if (seq !== undefined) this.#lastSeq.set(id, seq);
        }
      } else if (item.ev === "adopt") {
        const adopt = this.#pendingAdopts.get(item.member);
        this.#pendingAdopts.delete(item.member);
        adopt?.();
      } else if (item.ev === "joined") {
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
  roomGone(roomId: string, reason: string): void {
    const members = this.#inRemote.get(roomId);
    if (!members) return;
    const frame = encode(build.roomClosed(roomId, reason, this.#now()));
    for (const id of [...members]) {
      this.#registry.listener(id)?.send(frame);
      this.#left(roomId, id);
    }
  }

  #left(roomId: string, memberId: string): void {
    const members = this.#inRemote.get(roomId);
    members?.delete(memberId);
    if (members?.size === 0) this.#inRemote.delete(roomId);
    this.#lastSeq.delete(memberId);
    this.#registry.noteLeft(roomId, memberId);
  }
}
