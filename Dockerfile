# syntax=docker/dockerfile:1
#
# wifi-scan-queue-consumer image: a build stage that compiles TypeScript and
# bundles the service (scripts/build-bundle.ts: esbuild, one file per thread
# kind, and the V8 code cache a warm-up run leaves), and a small runtime stage
# that holds only that bundle, the configuration and package.json (no
# node_modules: the bundle needs none) and runs as `node`.
#
#   docker build -t wifi-scan-queue-consumer .
#   docker run --init -p 8080:8080 -v "$PWD/certs:/app/certs:ro" \
#     -e KAFKA_BROKERS=... -e KAFKA_KEYSTORE_PASSWORD_FILE=/run/secrets/... wifi-scan-queue-consumer
#
# PID 1: the service installs its own SIGTERM/SIGINT handlers (drain, commit,
# leave the group; DESIGN invariant 7), so signals reach it as PID 1 without a
# wrapper, and it starts no child processes (workers are threads) that would need
# reaping. `docker run --init` / compose `init: true` adds tini anyway for
# belt-and-braces; Kubernetes needs nothing (set terminationGracePeriodSeconds
# above SHUTDOWN_DRAIN_TIMEOUT_MS). No HEALTHCHECK: Kubernetes probes
# /healthz/live and /healthz/ready on port 8080.
#
# Certificates and passwords are never baked in: mount the key/trust stores
# (default paths /app/certs/kafka.keystore.p12 and kafka.truststore.p12) and pass
# passwords as environment variables or *_FILE secrets.

ARG NODE_IMAGE=node:24-bookworm-slim

# ---- build ------------------------------------------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app

# Dependencies first, so source edits do not invalidate the npm ci layer.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

COPY tsconfig.json ./
COPY src ./src
COPY workers ./workers
COPY config ./config
COPY scripts/build-bundle.ts ./scripts/build-bundle.ts
# tsc, then the bundle; the bundle's code cache is made here by this image's
# node, which is the runtime stage's node too (V8 rejects another version's).
RUN npm run build

# ---- runtime ----------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app

# Owned by root and read-only for the `node` user: the process cannot rewrite
# its own code or configuration.
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/dist/bundle ./dist/bundle
COPY --from=build /app/config ./config

USER node
EXPOSE 8080
# kafkajs 2.2.4 sets a -1 ms timer on every connection; Node 24 warns about it
# (TimeoutNegativeWarning, kafkajs issue #1751). Harmless, so silenced by name only.
# dist/bundle/main.js is the bundled service (README "Start-up"); for stack
# traces mapped to the TypeScript sources add --enable-source-maps (the code
# cache is then skipped).
CMD ["node", "--disable-warning=TimeoutNegativeWarning", "dist/bundle/main.js"]
