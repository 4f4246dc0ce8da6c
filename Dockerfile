# syntax=docker/dockerfile:1
# letta-server: a static Go binary on a small Python image (python3 runs
# custom tools). Data lives in /data (SQLite) unless LETTA_PG_URI is set.

ARG GO_VERSION=1.26
ARG PYTHON_VERSION=3.13

FROM golang:${GO_VERSION}-alpine AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
ARG VERSION=dev
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" \
      -o /out/letta-server ./cmd/letta-server

FROM python:${PYTHON_VERSION}-alpine
RUN addgroup -S -g 10001 letta && adduser -S -D -H -u 10001 -G letta letta \
 && mkdir -p /data && chown letta:letta /data
COPY --from=build /out/letta-server /usr/local/bin/letta-server
ENV LETTA_HOST=0.0.0.0 \
    LETTA_DATA_DIR=/data
VOLUME /data
EXPOSE 8283
USER letta:letta
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD wget -q -O /dev/null "http://127.0.0.1:${PORT:-${LETTA_PORT:-8283}}/v1/health/" || exit 1
ENTRYPOINT ["/usr/local/bin/letta-server"]
