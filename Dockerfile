# Updraft operator image: the operator, the external metrics API and the admission webhook in one process.
# Compiled JavaScript only (docs/adr/0003): the build stage runs `npm run build` (tsc → lib/, the dashboard →
# dist/dashboard/); the runtime stage gets lib/, dist/dashboard/ and the production node_modules, and no
# TypeScript, tsx, esbuild, tests, benches or docs. scripts/check-image.mjs computes this image's file list
# from this file and .dockerignore and checks that (src/cli/image.test.ts runs it).
#   docker build --build-arg GIT_COMMIT=$(git rev-parse HEAD) --build-arg CREATED=$(date -u +%FT%TZ) -t updraft:dev .
# Base: the official node:22-bookworm-slim (Node 22.23.2) multi-arch index, pinned by digest (docker-library
# repo-info, repos/node/remote/22-bookworm-slim.md); bump tag and digest together.

# 1. Build: every dependency (TypeScript, esbuild for the dashboard), then the compiled output.
FROM node:22-bookworm-slim@sha256:48e4b67d85f87bd551df43704e24d252f56cc5f8e9718841aace50f19948f0f9 AS build
WORKDIR /src
COPY package.json package-lock.json ./
# No install scripts: `prepare` would build the dashboard before its sources are here (npm run build does it).
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/build.mjs scripts/build-dashboard.mjs ./scripts/
COPY src ./src
ARG GIT_COMMIT=unknown
RUN npm run build

# 2. Production dependencies only (no devDependencies: no typescript, tsx or esbuild).
FROM node:22-bookworm-slim@sha256:48e4b67d85f87bd551df43704e24d252f56cc5f8e9718841aace50f19948f0f9 AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

# 3. Runtime.
FROM node:22-bookworm-slim@sha256:48e4b67d85f87bd551df43704e24d252f56cc5f8e9718841aace50f19948f0f9
ARG VERSION=0.1.0
ARG GIT_COMMIT=unknown
ARG CREATED=unknown
LABEL org.opencontainers.image.title="updraft" \
      org.opencontainers.image.description="Event-driven autoscaling for Kubernetes, a drop-in for KEDA, written in TypeScript" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${GIT_COMMIT}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.documentation="docs/operator.md" \
      org.opencontainers.image.base.name="docker.io/library/node:22-bookworm-slim" \
      org.opencontainers.image.base.digest="sha256:48e4b67d85f87bd551df43704e24d252f56cc5f8e9718841aace50f19948f0f9"
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY --from=build /src/lib ./lib
COPY --from=build /src/dist/dashboard ./dist/dashboard
# The node image's unprivileged user (uid/gid 1000); the chart runs it with a read-only root filesystem and a
# writable emptyDir at /tmp.
USER 1000:1000
EXPOSE 8080 8081 6443 9443
ENTRYPOINT ["node", "lib/cli/main.js"]
CMD ["operator"]
