# One image for every process: worker, scheduler, ui and the CLI.
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY bin ./bin
COPY src ./src
COPY workers ./workers
COPY templates ./templates
COPY data ./data
COPY tsconfig.json ./
USER node
ENTRYPOINT ["node", "bin/annual-review-mailer.js"]
CMD ["--help"]
