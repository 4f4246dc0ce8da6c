package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// envOf turns a map into a getenv function.
func envOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestLoadConfigDefaults(t *testing.T) {
	t.Parallel()
	cfg, err := LoadConfig(nil, envOf(map[string]string{"HOME": "/home/u"}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	got := map[string]any{
		"backend":    cfg.Backend(),
		"sqlite":     cfg.SQLitePath(),
		"addr":       cfg.Addr(),
		"agent_type": string(cfg.DefaultAgentType),
		"password":   cfg.Password,
		"secure":     cfg.Secure,
		"migrate":    !cfg.NoMigrate,
		"log_level":  cfg.LogLevel.String(),
		"log_format": cfg.LogFormat,
	}
	want := map[string]any{
		"backend":    "sqlite",
		"sqlite":     "/home/u/.letta-server/letta.db",
		"addr":       "127.0.0.1:8283",
		"agent_type": "letta_v1_agent",
		"password":   "",
		"secure":     false,
		"migrate":    true,
		"log_level":  "INFO",
		"log_format": "text",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("defaults (-want +got):\n%s", diff)
	}
}

func TestLoadConfigEnv(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	pwFile := filepath.Join(dir, "pw")
	if err := os.WriteFile(pwFile, []byte("from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name  string
		env   map[string]string
		args  []string
		check func(t *testing.T, c Config)
	}{
		{
			name: "LETTA_PG_URI selects postgres",
			env:  map[string]string{"LETTA_PG_URI": "postgres://u:p@db:5432/letta"},
			check: func(t *testing.T, c Config) {
				if c.Backend() != "postgres" || c.DatabaseURLVar != "LETTA_PG_URI" {
					t.Errorf("backend %q from %q", c.Backend(), c.DatabaseURLVar)
				}
			},
		},
		{
			name: "DATABASE_URL selects postgres",
			env:  map[string]string{"DATABASE_URL": "postgresql://db/letta"},
			check: func(t *testing.T, c Config) {
				if c.DatabaseURL != "postgresql://db/letta" || c.DatabaseURLVar != "DATABASE_URL" {
					t.Errorf("DatabaseURL %q from %q", c.DatabaseURL, c.DatabaseURLVar)
				}
			},
		},
		{
			name: "LETTA_PG_URI wins over DATABASE_URL",
			env:  map[string]string{"LETTA_PG_URI": "postgres://a/x", "DATABASE_URL": "postgres://b/y"},
			check: func(t *testing.T, c Config) {
				if c.DatabaseURL != "postgres://a/x" {
					t.Errorf("DatabaseURL = %q", c.DatabaseURL)
				}
			},
		},
		{
			name: "data dir",
			env:  map[string]string{"LETTA_DATA_DIR": "/srv/letta"},
			check: func(t *testing.T, c Config) {
				if got := c.SQLitePath(); got != "/srv/letta/letta.db" {
					t.Errorf("SQLitePath = %q", got)
				}
			},
		},
		{
			name: "host and PORT",
			env:  map[string]string{"LETTA_HOST": "0.0.0.0", "PORT": "9000", "LETTA_PORT": "9001"},
			check: func(t *testing.T, c Config) {
				if got := c.Addr(); got != "0.0.0.0:9000" {
					t.Errorf("Addr = %q", got)
				}
			},
		},
		{
			name: "LETTA_PORT",
			env:  map[string]string{"LETTA_PORT": "9001"},
			check: func(t *testing.T, c Config) {
				if c.Port != 9001 {
					t.Errorf("Port = %d", c.Port)
				}
			},
		},
		{
			name: "flags override env",
			env:  map[string]string{"PORT": "9000"},
			args: []string{"--port", "9100", "--host", "::1", "--no-migrate", "--secure"},
			check: func(t *testing.T, c Config) {
				if c.Addr() != "[::1]:9100" || !c.NoMigrate || !c.Secure {
					t.Errorf("Addr %q NoMigrate %v Secure %v", c.Addr(), c.NoMigrate, c.Secure)
				}
			},
		},
		{
			name: "password and secure",
			env:  map[string]string{"LETTA_SERVER_PASSWORD": "banana", "LETTA_SERVER_SECURE": "true"},
			check: func(t *testing.T, c Config) {
				if c.Password != "banana" || !c.Secure {
					t.Errorf("Password %q Secure %v", c.Password, c.Secure)
				}
			},
		},
		{
			name: "password file",
			env:  map[string]string{"LETTA_SERVER_PASSWORD_FILE": pwFile},
			check: func(t *testing.T, c Config) {
				if c.Password != "from-file" {
					t.Errorf("Password = %q", c.Password)
				}
			},
		},
		{
			name: "openai key file and base alias",
			env:  map[string]string{"OPENAI_API_KEY_FILE": pwFile, "OPENAI_API_BASE": "http://127.0.0.1:1/v1"},
			check: func(t *testing.T, c Config) {
				if c.OpenAIAPIKey != "from-file" || c.OpenAIBaseURL != "http://127.0.0.1:1/v1" {
					t.Errorf("key %q base %q", c.OpenAIAPIKey, c.OpenAIBaseURL)
				}
			},
		},
		{
			name: "OPENAI_BASE_URL wins over OPENAI_API_BASE",
			env:  map[string]string{"OPENAI_BASE_URL": "http://a/v1", "OPENAI_API_BASE": "http://b/v1"},
			check: func(t *testing.T, c Config) {
				if c.OpenAIBaseURL != "http://a/v1" {
					t.Errorf("base %q", c.OpenAIBaseURL)
				}
			},
		},
		{
			name: "defaults for agents",
			env: map[string]string{
				"LETTA_DEFAULT_LLM_HANDLE":       "openai/gpt-4o-mini",
				"LETTA_DEFAULT_EMBEDDING_HANDLE": "openai/text-embedding-3-small",
				"LETTA_DEFAULT_AGENT_TYPE":       "memgpt_v2_agent",
			},
			check: func(t *testing.T, c Config) {
				got := []string{c.DefaultLLM, c.DefaultEmbedding, string(c.DefaultAgentType)}
				want := []string{"openai/gpt-4o-mini", "openai/text-embedding-3-small", "memgpt_v2_agent"}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("(-want +got):\n%s", diff)
				}
			},
		},
		{
			name: "log level and format",
			env:  map[string]string{"LOG_LEVEL": "debug", "LETTA_LOG_FORMAT": "JSON"},
			check: func(t *testing.T, c Config) {
				if c.LogLevel != slog.LevelDebug || c.LogFormat != "json" {
					t.Errorf("level %v format %q", c.LogLevel, c.LogFormat)
				}
			},
		},
		{
			name: "LETTA_LOG_LEVEL wins",
			env:  map[string]string{"LOG_LEVEL": "debug", "LETTA_LOG_LEVEL": "warn"},
			check: func(t *testing.T, c Config) {
				if c.LogLevel != slog.LevelWarn {
					t.Errorf("level %v", c.LogLevel)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			env := map[string]string{"HOME": "/home/u"}
			for k, v := range tt.env {
				env[k] = v
			}
			c, err := LoadConfig(tt.args, envOf(env), io.Discard)
			if err != nil {
				t.Fatalf("LoadConfig: %v", err)
			}
			if err := c.Validate(); err != nil {
				t.Fatalf("Validate: %v", err)
			}
			tt.check(t, c)
		})
	}
}

func TestConfigErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		env     map[string]string
		args    []string
		wantErr string // substring of the one error line
	}{
		{"port not a number", map[string]string{"PORT": "eighty"}, nil, `invalid port in PORT: "eighty" is not a number`},
		{"port out of range", map[string]string{"LETTA_PORT": "70000"}, nil, "invalid port in LETTA_PORT: 70000 is out of range"},
		{"flag port out of range", nil, []string{"--port", "-1"}, "invalid port in --port"},
		{"database URL scheme", map[string]string{"LETTA_PG_URI": "mysql://u:secret@db/letta"}, nil, `invalid database URL in LETTA_PG_URI: scheme "mysql"`},
		{"database URL garbage", map[string]string{"DATABASE_URL": "postgres://u:secret@db:notaport/x"}, nil, "invalid database URL in DATABASE_URL"},
		{"database URL no host", map[string]string{"LETTA_PG_URI": "postgres:letta"}, nil, "invalid database URL in LETTA_PG_URI"},
		{"agent type", map[string]string{"LETTA_DEFAULT_AGENT_TYPE": "chat_agent"}, nil, `invalid LETTA_DEFAULT_AGENT_TYPE "chat_agent"`},
		{"secure not bool", map[string]string{"LETTA_SERVER_SECURE": "maybe"}, nil, "invalid LETTA_SERVER_SECURE"},
		{"log level", map[string]string{"LOG_LEVEL": "loud"}, nil, `invalid LOG_LEVEL: "loud"`},
		{"log format", map[string]string{"LETTA_LOG_FORMAT": "xml"}, nil, `invalid LETTA_LOG_FORMAT "xml"`},
		{"base URL", map[string]string{"OPENAI_BASE_URL": "localhost:8080"}, nil, "invalid OPENAI_BASE_URL"},
		{"bare default model", map[string]string{"LETTA_DEFAULT_LLM_HANDLE": "gpt-4o-mini"}, nil, "invalid LETTA_DEFAULT_LLM_HANDLE"},
		{"password and file", map[string]string{"LETTA_SERVER_PASSWORD": "a", "LETTA_SERVER_PASSWORD_FILE": "/x"}, nil, "set LETTA_SERVER_PASSWORD or LETTA_SERVER_PASSWORD_FILE, not both"},
		{"missing key file", map[string]string{"OPENAI_API_KEY_FILE": "/nonexistent/key"}, nil, "read OPENAI_API_KEY_FILE"},
		{"stray argument", nil, []string{"serve"}, `unexpected argument "serve"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			env := map[string]string{"HOME": "/home/u"}
			for k, v := range tt.env {
				env[k] = v
			}
			c, err := LoadConfig(tt.args, envOf(env), io.Discard)
			if err == nil {
				err = c.Validate()
			}
			if err == nil {
				t.Fatalf("no error, want one containing %q", tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error %q does not contain %q", err, tt.wantErr)
			}
			if strings.Contains(err.Error(), "secret") {
				t.Errorf("error leaks the database password: %q", err)
			}
		})
	}
}

func TestConfigRedactsSecrets(t *testing.T) {
	t.Parallel()
	c, err := LoadConfig(nil, envOf(map[string]string{
		"HOME":                  "/home/u",
		"LETTA_PG_URI":          "postgres://letta:pg-secret@db:5432/letta",
		"LETTA_SERVER_PASSWORD": "pw-secret",
		"OPENAI_API_KEY":        "sk-secret",
		"OPENAI_BASE_URL":       "https://user:url-secret@proxy.example/v1",
	}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}

	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("config", slog.Any("config", c))
	var sprinted bytes.Buffer
	_, _ = sprinted.WriteString(c.String())

	for name, out := range map[string]string{"String": sprinted.String(), "LogValue": logged.String()} {
		for _, s := range []string{"pg-secret", "pw-secret", "sk-secret", "url-secret"} {
			if strings.Contains(out, s) {
				t.Errorf("%s leaks %q: %s", name, s, out)
			}
		}
		if !strings.Contains(out, "[redacted]") || !strings.Contains(out, "db:5432") {
			t.Errorf("%s lost the non-secret parts: %s", name, out)
		}
	}

	var rec map[string]any
	if err := json.Unmarshal(logged.Bytes(), &rec); err != nil {
		t.Fatal(err)
	}
	got := rec["config"].(map[string]any)["openai_api_key"]
	if got != "[redacted]" {
		t.Errorf("openai_api_key logged as %v", got)
	}
}

func TestRunRejectsBadConfig(t *testing.T) {
	t.Parallel()
	err := run(t.Context(), nil, envOf(map[string]string{
		"HOME":         t.TempDir(),
		"LETTA_PG_URI": "mysql://db/letta",
	}), io.Discard, io.Discard)
	if err == nil || !strings.HasPrefix(err.Error(), "invalid database URL in LETTA_PG_URI:") {
		t.Fatalf("run = %v, want the database URL error", err)
	}
}

func TestRunHelpAndVersion(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	if err := run(t.Context(), []string{"version"}, envOf(nil), &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(out.String()); got != buildVersion() || got == "" {
		t.Errorf("version printed %q, want %q", got, buildVersion())
	}

	var usage bytes.Buffer
	if err := run(t.Context(), []string{"-h"}, envOf(nil), io.Discard, &usage); err != nil {
		t.Fatalf("-h: %v", err)
	}
	if !strings.Contains(usage.String(), "-no-migrate") {
		t.Errorf("usage does not list flags: %s", usage.String())
	}
	_, err := LoadConfig([]string{"--bogus"}, envOf(nil), io.Discard)
	if err == nil || errors.Is(err, flag.ErrHelp) {
		t.Errorf("unknown flag: err = %v", err)
	}
}

// TestRunUnreachableDatabaseKeepsSecrets: the start-up error is one line and
// names neither the user-part password nor a password= query parameter.
func TestRunUnreachableDatabaseKeepsSecrets(t *testing.T) {
	t.Parallel()
	err := run(t.Context(), nil, envOf(map[string]string{
		"HOME":         t.TempDir(),
		"LETTA_PG_URI": "postgres://x:user-secret@127.0.0.1:1/db?password=query-secret&sslmode=disable",
	}), io.Discard, io.Discard)
	if err == nil {
		t.Fatal("run succeeded against an unreachable database")
	}
	msg := err.Error()
	for _, secret := range []string{"user-secret", "query-secret"} {
		if strings.Contains(msg, secret) {
			t.Errorf("error leaks %q: %s", secret, msg)
		}
	}
	if strings.Contains(msg, "\n") || !strings.Contains(msg, "127.0.0.1:1") || !strings.Contains(msg, "is it running?") {
		t.Errorf("error = %q, want one line naming the address with the hint", msg)
	}
}

// TestToolSandboxConfig: the tool timeout takes Letta's TOOL_SANDBOX_TIMEOUT
// (seconds) or ours (a duration), and bad values stop the server.
func TestToolSandboxConfig(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		env     map[string]string
		timeout time.Duration
		iso     string
		bad     bool
	}{
		{env: map[string]string{}, iso: "auto"},
		{env: map[string]string{"TOOL_SANDBOX_TIMEOUT": "180"}, timeout: 180 * time.Second, iso: "auto"},
		{env: map[string]string{"LETTA_TOOL_TIMEOUT": "90s", "LETTA_TOOL_ISOLATION": "NONE"}, timeout: 90 * time.Second, iso: "none"},
		{env: map[string]string{"LETTA_TOOL_TIMEOUT": "soon"}, bad: true},
		{env: map[string]string{"LETTA_TOOL_TIMEOUT": "-3"}, bad: true},
		{env: map[string]string{"LETTA_TOOL_ISOLATION": "docker"}, bad: true},
	} {
		tc.env["HOME"] = "/home/u"
		c, err := LoadConfig(nil, envOf(tc.env), io.Discard)
		if tc.bad {
			if err == nil {
				t.Errorf("%v: accepted", tc.env)
			}
			continue
		}
		if err != nil {
			t.Errorf("%v: %v", tc.env, err)
			continue
		}
		if c.ToolTimeout != tc.timeout || c.ToolIsolation != tc.iso {
			t.Errorf("%v: timeout %v isolation %q, want %v %q", tc.env, c.ToolTimeout, c.ToolIsolation, tc.timeout, tc.iso)
		}
	}
}
