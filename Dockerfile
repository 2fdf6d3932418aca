# OpenWatchParty session server for Deno.
# Build:  docker build -t owp-session-deno .
# Run:    docker run -p 3000:3000 -e ALLOWED_ORIGINS=https://jellyfin.example.com owp-session-deno
#
# CI has no Docker engine: .ci/run rehearses this file instead (tools/image/rehearse.ts), with
# exactly the files its COPY lines name, its RUN lines, and its CMD. Keep every RUN line
# relative to WORKDIR so the rehearsal runs it as written.

# ---- Stage 1: bundle the watch page (hls.js and the browser code; nothing of it ships but the
# bundles), and write the server's own lock: deno.lock restricted to what main.ts imports,
# because Deno installs every package a lock holds, whatever the entrypoint.
FROM denoland/deno:debian-2.9.6 AS build
WORKDIR /build
COPY deno.json deno.lock main.ts ./
COPY protocol ./protocol
COPY rooms ./rooms
COPY server ./server
COPY cluster ./cluster
COPY store ./store
COPY client ./client
COPY web ./web
COPY tools/image/server_lock.ts ./tools/image/
RUN deno install --frozen && deno task build \
 && deno run --allow-read --allow-run --allow-write=runtime tools/image/server_lock.ts runtime/deno.lock

# ---- Stage 2: the server, with only hono, zod, jose (and ioredis for REDIS_URL) installed.
FROM denoland/deno:debian-2.9.6
WORKDIR /app
# The code belongs to root and is read-only for the server, which runs as the image's
# unprivileged "deno" user (DENO_DIR, the package cache, is deno's own). The one folder it may
# write is data/, its kept rooms (DATA_DIR): a volume there lets a party outlive the container.
RUN mkdir -p data && chown deno:deno data
USER deno

# Installed from main.ts's module graph and the server's lock, frozen (deno.json): an install
# that would change the lock fails; deno check proves the file set is whole.
COPY deno.json ./
COPY --from=build /build/runtime/deno.lock ./
COPY main.ts ./
COPY protocol ./protocol
COPY rooms ./rooms
COPY server ./server
COPY cluster ./cluster
COPY store ./store
RUN deno install --frozen --entrypoint main.ts && deno check main.ts

# The page: index.html and app.css as written, the bundles from stage 1. Served from memory.
COPY web/index.html web/app.css ./web/
COPY --from=build /build/web/dist ./web/dist
COPY docker/healthcheck.sh ./docker/

ENV PORT=3000 \
    HOST=0.0.0.0 \
    LOG_LEVEL=info \
    DATA_DIR=./data
EXPOSE 3000
VOLUME ["/app/data"]

HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
  CMD ["bash", "docker/healthcheck.sh"]

# The image's entrypoint (tini + deno) forwards SIGTERM; shutdown takes at most 3 s (main.ts),
# well inside `docker stop`'s 10 s: the rooms are saved, clients get close code 1012, and they
# resume in the next container. --cached-only: nothing is fetched at run time; --allow-write
# only for data/ (the kept rooms).
CMD ["run", "--cached-only", "--no-prompt", "--allow-net", "--allow-env", "--allow-read=.", "--allow-write=data", "main.ts"]
