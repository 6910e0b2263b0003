# One image for every service of the platform (province deployments, national, gateway) and their
# `migrate` entry points. docker-compose.yml and the Kubernetes manifests (deploy/kubernetes/, image
# medical-wallet-federation:<version>) pick the program with the command; by default the gateway.
#   docker build -t medical-wallet-federation:0.1.0 .

# ---- build: every dependency, the TypeScript compiled into dist/ ----
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts
COPY tsconfig.json ./
COPY dashboard dashboard
COPY ide ide
COPY gateway gateway
COPY subgraphs subgraphs
COPY cluster cluster
COPY scripts scripts
# tsc, then the dashboard page and the GraphQL IDE bundled from npm packages (scripts/build-pages.ts)
# into dist/dashboard and dist/ide
RUN npm run build

# ---- run: production dependencies only, the compiled code, a user that is not root ----
FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force
COPY --from=build /app/dist dist
# The gateway reads the checked-in supergraph from schema/ (next to dist/).
COPY schema schema
# The image's `node` user, by number, so that Kubernetes' runAsNonRoot can check it.
USER 1000:1000
EXPOSE 4000
CMD ["node", "dist/gateway/main.js"]
