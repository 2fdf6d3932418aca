/**
 * What the server keeps per client address (see client_address.ts): how many connections it
 * has open, for MAX_CONNECTIONS_PER_IP. A connection holds a lease on its address's record and
 * gives it back exactly once, when it is gone, whatever closed it.
 */

export interface AddressLease {
  readonly address: string;
  /** Gives the connection's place back; later calls do nothing. */
  release(): void;
}

interface AddressRecord {
  connections: number;
}

export class AddressBook {
  readonly #records = new Map<string, AddressRecord>();

  /** Connections open from `address` now. */
  openConnections(address: string): number {
    return this.#records.get(address)?.connections ?? 0;
  }

  /** Addresses with a record: what the book costs in memory. */
  get size(): number {
    return this.#records.size;
  }

  acquire(address: string): AddressLease {
    let record = this.#records.get(address);
    if (!record) {
      record = { connections: 0 };
      this.#records.set(address, record);
    }
    record.connections++;
    let released = false;
    return {
      address,
      release: () => {
        if (released) return;
        released = true;
        this.#release(address, record);
      },
    };
  }

  /** Forgets every address (the server is draining). */
  clear(): void {
    this.#records.clear();
  }

  #release(address: string, record: AddressRecord): void {
    record.connections--;
    // A record from before clear() is no longer the book's.
    if (record.connections === 0 && this.#records.get(address) === record) {
      this.#records.delete(address);
    }
  }
}
