# OpenWatchParty session server for Deno.
# Build:  docker build -t owp-session-deno .
# Run:    docker run -p 3000:3000 -e ALLOWED_ORIGINS=https://jellyfin.example.com owp-session-deno
#
# CI has no Docker engine: .ci/run rehearses this file instead (tools/image/rehearse.ts), with
# exactly the files its COPY lines name, its RUN lines, and its CMD. Keep every RUN line
# relative to WORKDIR so the rehearsal runs it as written.

# ---- Stage 1: bundle the watch page (needs hls.js and the browser code; nothing of it ships
# but the bundles).
FROM denoland/deno:debian-2.9.6 AS page
WORKDIR /build
COPY deno.json deno.lock ./
COPY client ./client
COPY web ./web
RUN deno install --frozen --entrypoint web/client.ts web/app.ts && deno task build

# ---- Stage 2: the server. Only what main.ts imports is installed (hono, zod, jose; ioredis
# for REDIS_URL), never the test, bench or page-build packages.
FROM denoland/deno:debian-2.9.6
WORKDIR /app
# The image's unprivileged "deno" user owns DENO_DIR and, from here, the app folder.
RUN chown deno:deno /app
USER deno

# Dependencies in their own layer, rebuilt only when deno.json or deno.lock change; the lock
# is frozen (deno.json), so an install that would change it fails.
COPY --chown=deno:deno deno.json deno.lock ./
COPY --chown=deno:deno main.ts ./
COPY --chown=deno:deno protocol ./protocol
COPY --chown=deno:deno rooms ./rooms
COPY --chown=deno:deno server ./server
COPY --chown=deno:deno cluster ./cluster
RUN deno install --frozen --entrypoint main.ts && deno check main.ts

# The page: index.html and app.css as written, the bundles from stage 1. Served from memory.
COPY --chown=deno:deno web/index.html web/app.css ./web/
COPY --chown=deno:deno --from=page /build/web/dist ./web/dist
COPY --chown=deno:deno docker/healthcheck.sh ./docker/

ENV PORT=3000 \
    HOST=0.0.0.0 \
    LOG_LEVEL=info
EXPOSE 3000

HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
  CMD ["bash", "docker/healthcheck.sh"]

# The image's entrypoint (tini + deno) forwards SIGTERM; shutdown takes at most 3 s (main.ts),
# well inside `docker stop`'s 10 s: clients get close code 1001 and reconnect.
# --cached-only: nothing is fetched at run time; no --allow-write: nothing is written.
CMD ["run", "--cached-only", "--no-prompt", "--allow-net", "--allow-env", "--allow-read=.", "main.ts"]
