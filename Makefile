# Developer entry points. `make test` is scripts/test.sh, the same command
# CI runs (.ci/run); the other targets run parts of it.

SHELL := /usr/bin/env bash
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
PGVECTOR := ../shared/scripts/pgvector.sh

.DEFAULT_GOAL := help

.PHONY: help
help: ## list the targets
	@grep -hE '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

.PHONY: build
build: ## build bin/letta-server (static) and bin/fakellm
	@mkdir -p bin
	CGO_ENABLED=0 go build -trimpath -ldflags "-X main.version=$(VERSION)" -o bin/letta-server ./cmd/letta-server
	go build -o bin/fakellm ./cmd/fakellm

.PHONY: run
run: ## run the server on the embedded SQLite store
	go run ./cmd/letta-server

.PHONY: test
test: ## everything: vet, go test -race, build, e2e with both SDKs (scripts/test.sh)
	scripts/test.sh

.PHONY: test-go
test-go: ## go test -race ./... only
	go test -race ./...

.PHONY: test-pg
test-pg: ## go tests against Postgres (TEST_DATABASE_URL, or start one with pgvector.sh), failing without it
	@url="$${TEST_DATABASE_URL:-$$(bash $(PGVECTOR) url)}"; \
	  echo "TEST_DATABASE_URL=$$url"; \
	  TEST_DATABASE_URL="$$url" LETTA_REQUIRE_PG=1 go test -race -count=1 ./internal/store/... ./cmd/...

.PHONY: e2e
e2e: build ## the e2e suite only (needs e2e/node_modules: cd e2e && npm ci)
	cd e2e && npm test

.PHONY: lint
lint: ## gofmt and go vet
	@out="$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './e2e/*'))"; \
	  if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	go vet ./...

.PHONY: verify
verify: lint ## lint, go mod tidy check, migration pairs, static build
	go mod tidy -diff
	@for d in migrations/postgres migrations/sqlite; do \
	  for up in $$d/*.up.sql; do [ -f "$${up%.up.sql}.down.sql" ] || { echo "$$up has no down migration"; exit 1; }; done; \
	  for down in $$d/*.down.sql; do [ -f "$${down%.down.sql}.up.sql" ] || { echo "$$down has no up migration"; exit 1; }; done; \
	done
	@diff <(cd migrations/postgres && ls *.sql) <(cd migrations/sqlite && ls *.sql) || { echo "migrations differ between engines"; exit 1; }
	CGO_ENABLED=0 go build -o /dev/null ./cmd/letta-server

.PHONY: db-reset
db-reset: ## restart the local Postgres+pgvector with an empty database (root)
	bash $(PGVECTOR) start

.PHONY: clean
clean: ## remove built binaries
	rm -rf bin
