# Updraft operator image: the operator, the external metrics API and the admission webhook in one process.
# Sources run through tsx (as bin/updraft.js does), so the image needs no build step.
# docker build -t updraft:dev .
FROM node:22-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM node:22-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY bin ./bin
COPY src ./src
# The node image's unprivileged user (uid/gid 1000); the chart runs it with a read-only root filesystem and a
# writable emptyDir at /tmp.
USER 1000:1000
EXPOSE 8080 8081 6443 9443
ENTRYPOINT ["node", "bin/updraft.js"]
CMD ["operator"]
