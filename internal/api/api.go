// Package api serves the Letta REST API over HTTP: chi routes under /v1 and
// /latest, password auth, request decoding with limits, one error adapter,
// and the wire shapes both Letta SDK generations (Fern 0.1.x and Stainless
// 1.x) accept.
package api

import (
	"cmp"
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
	// BodyReadTimeout is how long a request body may take to arrive after
	// the headers, WriteTimeout how long the client may take to accept each
	// 64 KiB of the response (0: the defaults). See clientDeadlines.
	BodyReadTimeout, WriteTimeout time.Duration
	// StreamPingInterval is the silence after which a message stream with
	// include_pings sends a keep-alive ping (0: DefaultStreamPingInterval).
	StreamPingInterval time.Duration
	// Requests, when set, is told about every request (metrics).
	Requests RequestObserver
	// Metrics, when set, is served at /metrics, behind the password.
	Metrics http.Handler
	// CORSOrigins are the browser origins allowed to call the API; "*"
	// allows any. Empty: no CORS headers (use DefaultCORSOrigins for Letta's).
	CORSOrigins []string
	// BasePath is a path prefix ("/letta") that a reverse proxy forwards
	// without stripping: "/letta/v1/agents" is served as "/v1/agents".
	BasePath string
}

// server holds what the handlers share.
type server struct {
	cfg       Config
	log       *slog.Logger
	pwHash    [sha256.Size]byte
	runs      *runRegistry  // runs executing in this process
	chunkLogs *runChunkLogs // background streams this process produces

	corsPolicy corsPolicy
	openapi    openAPIDoc
}

// New returns the API's http.Handler.
func New(cfg Config) http.Handler {
	return newServer(cfg).routes()
}

// newServer applies the defaults and returns the shared handler state.
func newServer(cfg Config) *server {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	cfg.BodyReadTimeout = cmp.Or(cfg.BodyReadTimeout, DefaultBodyReadTimeout)
	cfg.WriteTimeout = cmp.Or(cfg.WriteTimeout, DefaultWriteTimeout)
	if cfg.Models == nil {
		cfg.Models = llm.NewRegistry()
	}
	s := &server{cfg: cfg, log: cfg.Logger.With("component", "api"), runs: newRunRegistry(), chunkLogs: newRunChunkLogs()}
	if cfg.Password != "" {
		s.pwHash = sha256.Sum256([]byte(cfg.Password))
	}
	s.cfg.BasePath = cleanBasePath(cfg.BasePath)
	s.corsPolicy = newCORSPolicy(cfg.CORSOrigins)
	return s
}
