/**
 * The resume tokens' key for instances that share a Redis and no RESUME_SECRET: the first
 * instance to start makes one and keeps it in Redis (HSETNX: whoever is first, every instance
 * reads the same), so a token or invite made by one is accepted by all, and after a restart.
 * Read once at start over a connection of its own; ioredis loads only with REDIS_URL.
 */
import { REDIS_PREFIX } from "../cluster/constants.ts";

/** How long start-up waits for Redis before going on with a key of its own. */
export const SECRET_FETCH_TIMEOUT_MS = 5_000;

const SECRETS_KEY = `${REDIS_PREFIX}secrets`;

/** The shared key, or null when Redis could not be reached in time. */
export async function sharedSecret(
  redisUrl: string,
  name: string,
  make: () => string,
): Promise<string | null> {
  const { Redis } = await import("ioredis");
  const redis = new Redis(redisUrl, {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    retryStrategy: () => null,
    connectionName: "owp-start",
  });
  redis.on("error", () => {}); // the outcome is the answer below
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), SECRET_FETCH_TIMEOUT_MS);
  });
  const fetch = (async () => {
    await redis.connect();
    await redis.hsetnx(SECRETS_KEY, name, make());
    return await redis.hget(SECRETS_KEY, name);
  })().catch(() => null);
  try {
    return await Promise.race([fetch, timeout]);
  } finally {
    clearTimeout(timer);
    redis.disconnect();
  }
}
