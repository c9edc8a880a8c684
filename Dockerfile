# pipelinejobs production image: the `pjm` command and its runtime dependencies, run as the
# unprivileged `node` user. See docs/deployment.md.
#
#   docker build -t pipelinejobs:latest .
#   docker run --rm pipelinejobs:latest fsm                  # any pjm command
#   docker compose up -d                                     # RabbitMQ, MongoDB, managers, bridge
#
# Written for the classic builder as well as BuildKit (docker-compose 1.x builds with the former):
# no RUN --mount, no COPY --link.

# Any supported Node line: 22 (22.14 or later), 24 or 26, e.g. --build-arg NODE_IMAGE=node:26-bookworm-slim.
ARG NODE_IMAGE=node:24-bookworm-slim

# ---- build: compile TypeScript, then drop the dev dependencies ----
FROM ${NODE_IMAGE} AS build

# No compiler: better-sqlite3 ships a prebuilt Node-API binary for every supported Node.
ENV npm_config_update_notifier=false

WORKDIR /app

# Dependencies first, so that this layer is reused while only sources change. --ignore-scripts
# because the root `prepare` script (the install check and the TypeScript build) needs the
# sources, which are not here yet; no dependency needs its install script at run time.
COPY package.json package-lock.json .npmrc ./
RUN npm ci --ignore-scripts

COPY . .
# dist/ holds the compiled code and the JSON schemas it imports (`with { type: 'json' }` imports
# are emitted next to the modules), so schemas/ itself is not needed at run time. The install
# check loads better-sqlite3 under the image's Node, as `npm install` does on a workstation.
RUN npm run build \
 && npm prune --omit=dev \
 && node scripts/check-install.js \
 && node bin/pjm.js fsm --json > /dev/null

# ---- runtime: only what runs ----
FROM ${NODE_IMAGE} AS runtime

LABEL org.opencontainers.image.title="pipelinejobs" \
      org.opencontainers.image.description="Job tracker for scientific pipelines (pjm)" \
      org.opencontainers.image.licenses="BSD-3-Clause"

# The SQLite store, embedded bus and generated secret of `pjm serve` (embedded mode) live here.
# With PJM_AMQP_URL and PJM_MONGO_URL both set (docker-compose.yml), nothing is written to it.
ENV PJM_DATA_DIR=/data

WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/bin ./bin

# Application files stay root-owned (read-only to the process); only the data directory belongs
# to `node` (uid 1000 in the official image). A new named volume copies this ownership.
RUN mkdir -p /data \
 && chown node:node /data
VOLUME ["/data"]

USER node

EXPOSE 8080

# Liveness of the HTTP roles (`serve`, `bridge`) without curl. `pjm manager` has no HTTP API:
# docker-compose.yml gives it its own check on PJM_METRICS_PORT. The script's second line starts in
# column 0: a continuation line keeps its leading whitespace, inside the string too.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PJM_HTTP_PORT||process.env.API_PORT||8080)+'/healthz',\
{signal:AbortSignal.timeout(4000)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]

# Node is PID 1 here; pjm handles SIGTERM/SIGINT itself (graceful stop within ~9 s).
ENTRYPOINT ["node", "bin/pjm.js"]
CMD ["serve"]
