/**
 * The server's connections: who is connected now, which sockets have still to report their
 * close, and the waits on them (a test's "until this one is gone", drain's "until every socket
 * has closed or the grace is over", on the server's own clock). Admission asks it first whether
 * one more socket may open (the server's and each address's connection limits).
 */
import type { Clock } from "../rooms/mod.ts";
import type { AddressBook } from "./addresses.ts";
import type { CloseReason } from "./close_codes.ts";
import type { Connection } from "./connection.ts";

export interface HubLimits {
  readonly maxConnections: number;
  readonly maxConnectionsPerAddress: number;
}

/** Why a new socket is refused before it exists. */
export type Refusal = "server_limit" | "address_limit";

export class ConnectionHub {
  readonly connections = new Set<Connection>();
  readonly #clock: Clock;
  readonly #limits: HubLimits;
  readonly #addresses: AddressBook;
  /** Sockets whose close event has not come yet (a closed Connection may still have one). */
  #openSockets = 0;
  #onAllSocketsClosed: (() => void) | null = null;
  readonly #noConnectionWaiters: (() => void)[] = [];
  readonly #goneWaiters = new Map<string, (() => void)[]>();

  constructor(clock: Clock, limits: HubLimits, addresses: AddressBook) {
    this.#clock = clock;
    this.#limits = limits;
    this.#addresses = addresses;
  }

  get size(): number {
    return this.connections.size;
  }

  /** Whether a socket from `address` may open now (null), or why not. */
  refusal(address: string): Refusal | null {
    if (this.connections.size >= this.#limits.maxConnections) return "server_limit";
    if (this.#addresses.openConnections(address) >= this.#limits.maxConnectionsPerAddress) {
      return "address_limit";
    }
    return null;
  }

  /**
   * `connection` is on `socket` from now on. The connection writes to Deno's socket itself (a
   * wrapper call per frame is measurable on broadcasts, bench/README.md); a socket that never
   * opened never counts for drain.
   */
  attach(socket: WebSocket, connection: Connection): void {
    this.connections.add(connection);
    let opened = false;
    socket.onopen = () => {
      opened = true;
      this.#openSockets++;
      connection.open(socket);
    };
    socket.onmessage = (event) => connection.receive(event.data);
    socket.onclose = (event) => {
      connection.closed(event.code);
      if (opened) this.#socketClosed();
    };
    socket.onerror = () => connection.closed(1006);
  }

  /** The connection ended (its `onGone`): waiters for it, or for nobody, are told. */
  gone(connection: Connection): void {
    this.connections.delete(connection);
    for (const resolve of this.#goneWaiters.get(connection.id) ?? []) resolve();
    this.#goneWaiters.delete(connection.id);
    if (this.connections.size > 0) return;
    for (const resolve of this.#noConnectionWaiters.splice(0)) resolve();
  }

  /** Resolves once no connection is left (at once when none is). */
  whenNoConnections(): Promise<void> {
    if (this.connections.size === 0) return Promise.resolve();
    return new Promise<void>((resolve) => this.#noConnectionWaiters.push(resolve));
  }

  /** Resolves once the connection with this id is gone (at once when there is none). */
  whenGone(connectionId: string): Promise<void> {
    if (![...this.connections].some((connection) => connection.id === connectionId)) {
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      this.#goneWaiters.set(connectionId, [
        ...(this.#goneWaiters.get(connectionId) ?? []),
        resolve,
      ]);
    });
  }

  /** Closes every connection's socket with one of the documented codes. */
  closeAll(reason: CloseReason): void {
    for (const connection of [...this.connections]) connection.close(reason);
  }

  /**
   * Resolves once every socket that opened has closed, or `graceMs` later on the server's
   * clock, whichever comes first (a client that never answers the close does not hold a
   * shutdown up).
   */
  socketsClosed(graceMs: number): Promise<void> {
    if (this.#openSockets === 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = this.#clock.setTimer(graceMs, () => {
        this.#onAllSocketsClosed = null;
        resolve();
      });
      this.#onAllSocketsClosed = () => {
        this.#clock.clearTimer(timer);
        resolve();
      };
    });
  }

  #socketClosed(): void {
    this.#openSockets--;
    if (this.#openSockets > 0) return;
    const done = this.#onAllSocketsClosed;
    this.#onAllSocketsClosed = null;
    done?.();
  }
}
