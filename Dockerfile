# One image for every service of the platform (province deployments, national, gateway).
# docker-compose.yml picks the service with `command:`; by default the image runs the gateway.

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

FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force
COPY --from=build /app/dist dist
# The gateway reads the checked-in supergraph from schema/ (next to dist/).
COPY schema schema
USER node
EXPOSE 4000
CMD ["node", "dist/gateway/main.js"]
