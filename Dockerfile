# One image for every process: worker, scheduler, ui and the CLI.
# The build stage compiles the TypeScript (dev dependencies); the image
# carries only runtime dependencies and the compiled dist/.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json tsconfig.build.json tsconfig.browser.json ./
COPY src ./src
COPY workers ./workers
RUN npm run build

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
# Workers, `publish` and `preview` print each letter to PDF in Debian's headless Chromium (CHROMIUM_PATH),
# in the font shipped with the project (@fontsource/arimo); fonts-liberation only for characters outside it.
# `preview` draws the PDFs' pages with poppler's pdftoppm.
RUN apt-get update \
 && apt-get install -y --no-install-recommends chromium-headless-shell fonts-liberation poppler-utils \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts
COPY bin ./bin
COPY src ./src
COPY workers ./workers
COPY templates ./templates
COPY data ./data
COPY tsconfig.json ./
# After the sources, so the build stamp is newer than every source file.
COPY --from=build /app/dist ./dist
RUN touch dist/BUILT
# The kept messages' volume (EVIDENCE_DIR in docker-compose.yml) takes this folder's owner when it is first made.
RUN mkdir -p /var/lib/annual-review/evidence && chown -R node:node /var/lib/annual-review
USER node
ENTRYPOINT ["node", "bin/annual-review-mailer.js"]
CMD ["--help"]
