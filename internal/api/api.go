// Package api serves the Letta REST API over HTTP: chi routes under /v1 and
// /latest, password auth, request decoding with limits, one error adapter,
// and the wire shapes both Letta SDK generations (Fern 0.1.x and Stainless
// 1.x) accept.
package api

import (
	"crypto/sha256"
	"log/slog"
	"net/http"
	"time"

	"github.com/letta-server/letta-server/internal/agent"
	"github.com/letta-server/letta-server/internal/llm"
	"github.com/letta-server/letta-server/internal/store"
)

// DefaultMaxBodyBytes caps a request body when Config.MaxBodyBytes is 0.
const DefaultMaxBodyBytes = 10 << 20

// Config wires the HTTP API.
type Config struct {
	Engine       *agent.Engine
	Store        store.Store
	Models       *llm.Registry // nil: no models listed
	Password     string        // "": no auth; every auth header is ignored
	Version      string        // reported by /v1/health
	Logger       *slog.Logger
	MaxBodyBytes int64 // 0: DefaultMaxBodyBytes
	// StreamPingInterval is the silence after which a message stream with
	// include_pings sends a keep-alive ping (0: DefaultStreamPingInterval).
	StreamPingInterval time.Duration
}

// server holds what the handlers share.
type server struct {
	cfg    Config
	log    *slog.Logger
	pwHash [sha256.Size]byte
	runs   *runRegistry // runs executing in this process
}

// New returns the API's http.Handler.
func New(cfg Config) http.Handler {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if cfg.Models == nil {
		cfg.Models = llm.NewRegistry()
	}
	s := &server{cfg: cfg, log: cfg.Logger.With("component", "api"), runs: newRunRegistry()}
	if cfg.Password != "" {
		s.pwHash = sha256.Sum256([]byte(cfg.Password))
	}
	return s.routes()
}
