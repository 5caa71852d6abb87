# loadgen container image: Node 20 (Alpine), runs as the unprivileged `node` user, `loadgen` is
# the entrypoint, the example session files are in /home/node/sessions.
#
#   docker build -t loadgen:0.1.0 .
#   docker run --rm loadgen:0.1.0 --version
#   docker run --rm --network host loadgen:0.1.0 --server 127.0.0.1 --port 8080 --wsesslog=10,0,sessions/bookofxen.txt --rate 2
#
# Used by `loadgen kube --image ...` (docs/kubernetes.md). Untested here: no Docker daemon was
# available where this file was written; it was checked by reading it against the repository.

# --- build: compile TypeScript, then keep only the runtime dependencies (from the lockfile) ---
FROM node:20-alpine AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev --ignore-scripts --no-audit --no-fund

# --- runtime ---
FROM node:20-alpine
ENV NODE_ENV=production
WORKDIR /opt/loadgen
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY bin ./bin
COPY sessions ./sessions
COPY README.md LICENSE ./
RUN ln -s /opt/loadgen/bin/loadgen.js /usr/local/bin/loadgen \
 && ln -s /opt/loadgen/sessions /home/node/sessions
# The `node` user (uid 1000) comes with the official image.
USER node
WORKDIR /home/node
ENTRYPOINT ["loadgen"]
CMD ["--help"]
