# syntax=docker/dockerfile:1
# credgate: the built service on Node 20, production dependencies only, as an unprivileged user.
# Build:  docker build -t credgate .
# Run:    docker run -p 3000:3000 -v ./config:/etc/credgate:ro -v credgate-data:/var/lib/credgate credgate

# --- build: every dependency, the TypeScript compiled to dist/ -------------------------------------
FROM node:20-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 compiles when no prebuilt binary fits.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
COPY bin ./bin
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY connectors ./connectors
RUN npm run build

# --- production dependencies only -----------------------------------------------------------------
FROM node:20-bookworm-slim AS deps
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
COPY bin ./bin
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# --- runtime --------------------------------------------------------------------------------------
FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    PORT=3000 \
    CREDGATE_CONFIG=/etc/credgate/credgate.yaml \
    CREDGATE_POLICY=/etc/credgate/policy.yaml \
    CREDGATE_STORE=sqlite:///var/lib/credgate/credgate.sqlite
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
COPY templates ./templates
# Files the RT tools read next to their module.
COPY connectors/rt/webhook-scrip.initialdata connectors/rt/credgate-lifecycle.pm ./dist/connectors/rt/
# The shipped examples, for a first start without a mounted configuration.
COPY config /etc/credgate
RUN mkdir -p /var/lib/credgate && chown node:node /var/lib/credgate
# The image's own "node" user (uid 1000); nothing under /app is writable by it.
USER node
VOLUME ["/etc/credgate", "/var/lib/credgate"]
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# Exec form: node itself is PID 1 (no shell in between), so the SIGTERM of `docker stop` and the
# SIGINT of Ctrl-C reach credgate's handlers; it stops accepting, lets in-flight work finish or stay
# queued, and exits within 15 s (docker stop waits 10 s by default: compose sets 20 s).
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "dist/src/main.js"]
