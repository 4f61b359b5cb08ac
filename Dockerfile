# Cordon service image. Not built on the development machines (no Docker engine there); kept
# correct by reading. Build: docker build -t cordon .   Run: see docker-compose.yml.

# --- build: compile TypeScript with the dev dependencies ---
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
# --ignore-scripts: `prepare` would compile before the sources are copied.
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY src ./src
RUN npm run build

# --- runtime: production dependencies and compiled code only, as a non-root user ---
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY config ./config
COPY lists ./lists
# PGlite's data (the embedded default store) lives under /app/data: a volume in compose.
RUN mkdir -p /app/data && chown -R node:node /app/data
USER node
EXPOSE 8080
STOPSIGNAL SIGTERM
# A young generation of 64 MB a half-space (V8's default is 16): a replay parses and queues
# hundreds of MB of short-lived JSON, and collects them in half as many pauses (bench:replay:
# end to end ~13% more blocks/s, both stages alike). Costs up to ~150 MB of memory.
ENTRYPOINT ["node", "--max-semi-space-size=64", "dist/cli.js"]
CMD ["run"]
