# syntax=docker/dockerfile:1
# letta-server: a static Go binary on a small Python image (python3 runs
# custom tools). Data lives in /data (SQLite) unless LETTA_PG_URI or
# DATABASE_URL names a Postgres database. cmd/letta-server/deploy_test.go
# runs this file's `go build` line natively and checks its other
# instructions, since CI has no Docker engine.

# The exact toolchain go.mod names (official images set GOTOOLCHAIN=local).
ARG GO_VERSION=1.26.8
ARG PYTHON_VERSION=3.13

FROM golang:${GO_VERSION}-alpine AS build
WORKDIR /src
COPY go.mod go.sum ./
# No cache mounts: Railway's builder requires its own id prefix on them.
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/letta-server ./cmd/letta-server

FROM python:${PYTHON_VERSION}-alpine
# A fixed non-root user; /data belongs to it so the SQLite file can be made.
# bubblewrap isolates custom tools (no network) where the container may
# create user namespaces; elsewhere the sandbox falls back to a plain
# subprocess with resource limits (LETTA_TOOL_ISOLATION=auto).
RUN apk add --no-cache bubblewrap
RUN addgroup -S -g 10001 letta && adduser -S -D -H -h /data -u 10001 -G letta letta \
 && mkdir -p /data && chown letta:letta /data
COPY --from=build /out/letta-server /usr/local/bin/letta-server
# PORT (Railway, Render, Cloud Run) wins over LETTA_PORT; both default to 8283.
ENV LETTA_HOST=0.0.0.0 \
    LETTA_DATA_DIR=/data \
    LETTA_LOG_FORMAT=json \
    PYTHONDONTWRITEBYTECODE=1
VOLUME /data
EXPOSE 8283
USER letta:letta
# Liveness of the process (busybox wget); /v1/ready also checks the database.
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD wget -q -O /dev/null "http://127.0.0.1:${PORT:-${LETTA_PORT:-8283}}/v1/health/" || exit 1
# SIGTERM drains in-flight turns for LETTA_SHUTDOWN_TIMEOUT (30s), then
# cancels what is left; give the container that long to stop.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/letta-server"]
