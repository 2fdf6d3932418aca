# OpenWatchParty session server for Deno.
# Build:  docker build -t owp-session-deno .
# Run:    docker run -p 3000:3000 -e ALLOWED_ORIGINS=https://jellyfin.example.com owp-session-deno
FROM denoland/deno:2.9.6

WORKDIR /app
# Everything from here on runs as the image's unprivileged "deno" user, which owns DENO_DIR
# and, from here, the app folder (WORKDIR made it as root).
RUN chown deno:deno /app
USER deno

# Dependencies in their own layer, rebuilt only when deno.json or deno.lock change.
# `deno ci` refuses a lock file that does not match (a reproducible install).
COPY --chown=deno:deno deno.json deno.lock ./
RUN deno ci

# The source; type-check and cache the compiled entry point so start-up does no work.
COPY --chown=deno:deno main.ts ./
COPY --chown=deno:deno protocol ./protocol
COPY --chown=deno:deno rooms ./rooms
COPY --chown=deno:deno server ./server
RUN deno check main.ts && deno cache main.ts

# The watch page and the browser client: bundled once here, served from memory.
COPY --chown=deno:deno client ./client
COPY --chown=deno:deno web ./web
RUN deno task build

ENV PORT=3000 \
    HOST=0.0.0.0 \
    LOG_LEVEL=info
EXPOSE 3000

# /ready is 200 while serving and 503 while draining; Deno's fetch needs no extra tools.
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
  CMD ["deno", "eval", "const r = await fetch(`http://127.0.0.1:${Deno.env.get('PORT') ?? 3000}/ready`); Deno.exit(r.ok ? 0 : 1);"]

# The image's entrypoint (tini + deno) forwards SIGTERM, so `docker stop` drains cleanly:
# clients get close code 1001 and reconnect.
CMD ["run", "--allow-net", "--allow-env", "--allow-read=/app", "main.ts"]
