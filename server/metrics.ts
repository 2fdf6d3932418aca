/**
 * Counters and one histogram, rendered in the Prometheus text exposition format (0.0.4).
 * A small module of our own rather than prom-client: that library is built on Node's
 * process/cluster APIs and a global registry, while we need a few label maps that a test can
 * create per server and read back; here one increment is one Map lookup.
 */
type Labels = Readonly<Record<string, string>>;

const escapeLabel = (value: string) =>
  value.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');

function labelText(labels: Labels): string {
  const entries = Object.entries(labels);
  if (entries.length === 0) return "";
  return `{${entries.map(([key, value]) => `${key}="${escapeLabel(value)}"`).join(",")}}`;
}

export class Counter {
  readonly #values = new Map<string, { labels: Labels; value: number }>();

  constructor(readonly name: string, readonly help: string, readonly labelName?: string) {}

  inc(label?: string, by = 1): void {
    const key = label ?? "";
    const entry = this.#values.get(key);
    if (entry) entry.value += by;
    else {
      const labels: Labels = this.labelName && label !== undefined
        ? { [this.labelName]: label }
        : {};
      this.#values.set(key, { labels, value: by });
    }
  }

  get(label?: string): number {
    return this.#values.get(label ?? "")?.value ?? 0;
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    if (this.#values.size === 0 && !this.labelName) lines.push(`${this.name} 0`);
    for (const { labels, value } of this.#values.values()) {
      lines.push(`${this.name}${labelText(labels)} ${value}`);
    }
    return lines.join("\n");
  }
}

export class Gauge {
  constructor(readonly name: string, readonly help: string, readonly read: () => number) {}

  render(): string {
    return [
      `# HELP ${this.name} ${this.help}`,
      `# TYPE ${this.name} gauge`,
      `${this.name} ${this.read()}`,
    ]
      .join("\n");
  }
}

export class Histogram {
  readonly #counts: number[];
  #sum = 0;
  #count = 0;

  constructor(readonly name: string, readonly help: string, readonly buckets: readonly number[]) {
    this.#counts = buckets.map(() => 0);
  }

  observe(value: number): void {
    this.#sum += value;
    this.#count++;
    // Buckets are few and sorted; only the first one that fits is counted (cumulated on render).
    for (let i = 0; i < this.buckets.length; i++) {
      if (value <= this.buckets[i]!) {
        this.#counts[i]!++;
        return;
      }
    }
  }

  get count(): number {
    return this.#count;
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    let cumulative = 0;
    this.buckets.forEach((bound, i) => {
      cumulative += this.#counts[i]!;
      lines.push(`${this.name}_bucket{le="${bound}"} ${cumulative}`);
    });
    lines.push(`${this.name}_bucket{le="+Inf"} ${this.#count}`);
    lines.push(`${this.name}_sum ${this.#sum}`);
    lines.push(`${this.name}_count ${this.#count}`);
    return lines.join("\n");
  }
}

/** Every metric the server exports; one instance per server. */
export class ServerMetrics {
  readonly connectionsOpened = new Counter(
    "owp_connections_opened_total",
    "WebSocket connections opened.",
  );
  readonly connectionsClosed = new Counter(
    "owp_connections_closed_total",
    "WebSocket connections closed, by close code.",
    "code",
  );
  readonly roomsCreated = new Counter("owp_rooms_created_total", "Rooms created.");
  readonly roomsClosed = new Counter(
    "owp_rooms_closed_total",
    "Rooms closed, by reason.",
    "reason",
  );
  readonly messagesReceived = new Counter(
    "owp_messages_received_total",
    "Valid client messages received, by type.",
    "type",
  );
  readonly messagesSent = new Counter(
    "owp_messages_sent_total",
    "Messages written to sockets, by type (a broadcast counts once per recipient).",
    "type",
  );
  readonly errorsSent = new Counter(
    "owp_errors_sent_total",
    "Error messages sent, by code.",
    "code",
  );
  readonly upgradesRejected = new Counter(
    "owp_upgrades_rejected_total",
    "WebSocket upgrades refused, by reason.",
    "reason",
  );
  readonly rateLimited = new Counter(
    "owp_rate_limited_frames_total",
    "Frames dropped by the per-connection rate limit.",
  );
  readonly stateUpdates = new Counter(
    "owp_state_updates_total",
    "Host state updates, by what the room did with them (accept, or the reason it dropped one).",
    "result",
  );
  readonly syncDrift = new Histogram(
    "owp_sync_drift_seconds",
    "How far members' players are from their room's timeline, as their sync_report says.",
    [0.005, 0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 5],
  );
  readonly clockUncertainty = new Histogram(
    "owp_clock_uncertainty_seconds",
    "How uncertain members' estimates of the server clock are, as their sync_report says.",
    [0.001, 0.0025, 0.005, 0.01, 0.02, 0.04, 0.08, 0.16],
  );
  readonly handlingSeconds = new Histogram(
    "owp_message_handling_seconds",
    "Time to handle one client frame, from arrival to the last write it caused.",
    [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1],
  );

  render(gauges: readonly Gauge[]): string {
    const parts = [
      ...gauges.map((gauge) => gauge.render()),
      this.connectionsOpened.render(),
      this.connectionsClosed.render(),
      this.roomsCreated.render(),
      this.roomsClosed.render(),
      this.messagesReceived.render(),
      this.messagesSent.render(),
      this.errorsSent.render(),
      this.upgradesRejected.render(),
      this.rateLimited.render(),
      this.stateUpdates.render(),
      this.syncDrift.render(),
      this.clockUncertainty.render(),
      this.handlingSeconds.render(),
    ];
    return parts.join("\n") + "\n";
  }
}
