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
ENTRYPOINT ["node", "dist/cli.js"]
CMD ["run"]
