# Waybill: the API and the processor in one process (dist/apps/start.js).
# Build: docker build -t waybill .   Run the whole stack: docker compose up --build

FROM node:20-bookworm-slim AS build
WORKDIR /app
# Install scripts are skipped: none of ours needs one, and the optional native helpers that
# some dev dependencies try to compile (cpu-features, ssh2) need a toolchain this image lacks.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY apps ./apps
COPY libs ./libs
RUN npm run build && npm prune --omit=dev --ignore-scripts

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
CMD ["node", "dist/apps/start.js"]
