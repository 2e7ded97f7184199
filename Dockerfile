# regql: the GraphQL gateway, as a small image that runs as a non-root user.
#
#   docker build -t regql .        (or: buildah build -t regql .)
#   docker run --rm -p 4000:4000 -e REGISTRY_URL=https://registry.example.com regql
#   docker run --rm regql --help
#
# NODE_IMAGE is any image with Node.js 20 and npm, a /bin/sh, and a user `node` (uid 1000);
# CI builds this same file FROM a base it assembles locally (scripts/ci-image.sh).
ARG NODE_IMAGE=docker.io/library/node:20-bookworm-slim

# Build: every dependency, compile src/ to dist/, then drop the dev dependencies.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

# Run: the compiled gateway and its production dependencies, owned by root, run as `node`.
FROM ${NODE_IMAGE}
ENV NODE_ENV=production \
    NODE_OPTIONS=--max-semi-space-size=64 \
    HOST=0.0.0.0 \
    PORT=4000
WORKDIR /app
COPY package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
USER node
EXPOSE 4000
# Arguments go to regql: `docker run regql --help`, `... regql --config /etc/regql.json`.
# node is PID 1 and handles SIGTERM itself (a graceful shutdown, up to SHUTDOWN_GRACE_MS).
ENTRYPOINT ["node", "dist/main.js"]
