/** The multi-instance knobs, named once (docs/deployment.md explains them). */

/**
 * An instance renews its lease this often in its lease period; missing it that long means the
 * instance is gone (its rooms close; its members leave their rooms elsewhere). Long enough to
 * ride out a GC pause or a slow Redis, short enough that a dead owner's members are told soon.
 */
export const INSTANCE_LEASE_MS = 10_000;

/** Heartbeats per lease period: two can be lost before the lease runs out. */
export const HEARTBEATS_PER_LEASE = 3;

/** Key prefix of everything this server keeps in Redis (several deployments can share one). */
export const REDIS_PREFIX = "owp:";
