package main

import (
	"io"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/letta-server/letta-server/internal/api"
)

func TestDeployConfig(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		env         map[string]string
		wantOrigins []string
		wantBase    string
		wantDrain   time.Duration
		wantErr     string // substring of the LoadConfig or Validate error
	}{
		{name: "defaults", wantOrigins: api.DefaultCORSOrigins, wantDrain: defaultShutdownTimeout},
		{
			name: "comma list and base path", env: map[string]string{"LETTA_CORS_ORIGINS": " https://a.example, http://localhost:5173/ ", "LETTA_BASE_PATH": "/letta", "LETTA_SHUTDOWN_TIMEOUT": "90s"},
			wantOrigins: []string{"https://a.example", "http://localhost:5173"}, wantBase: "/letta", wantDrain: 90 * time.Second,
		},
		{
			name: "JSON array as Letta reads it", env: map[string]string{"LETTA_CORS_ORIGINS": `["https://app.letta.com","*"]`},
			wantOrigins: []string{"https://app.letta.com", "*"}, wantDrain: defaultShutdownTimeout,
		},
		{name: "none", env: map[string]string{"LETTA_CORS_ORIGINS": "none"}, wantOrigins: []string{}, wantDrain: defaultShutdownTimeout},
		{name: "origin with a path", env: map[string]string{"LETTA_CORS_ORIGINS": "https://a.example/app"}, wantErr: "invalid LETTA_CORS_ORIGINS"},
		{name: "bad JSON", env: map[string]string{"LETTA_CORS_ORIGINS": `["x"`}, wantErr: "invalid LETTA_CORS_ORIGINS"},
		{name: "bad base path", env: map[string]string{"LETTA_BASE_PATH": "/a b"}, wantErr: "invalid LETTA_BASE_PATH"},
		{name: "base path with a query", env: map[string]string{"LETTA_BASE_PATH": "/a?x=1"}, wantErr: "invalid LETTA_BASE_PATH"},
		{name: "bad drain", env: map[string]string{"LETTA_SHUTDOWN_TIMEOUT": "soon"}, wantErr: "invalid LETTA_SHUTDOWN_TIMEOUT"},
		{name: "negative drain", env: map[string]string{"LETTA_SHUTDOWN_TIMEOUT": "-1s"}, wantErr: "invalid LETTA_SHUTDOWN_TIMEOUT"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			env := map[string]string{"HOME": "/home/u"}
			for k, v := range tt.env {
				env[k] = v
			}
			cfg, err := LoadConfig(nil, envOf(env), io.Discard)
			if err == nil {
				err = cfg.Validate()
			}
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.wantOrigins, cfg.CORSOrigins); diff != "" {
				t.Errorf("CORSOrigins (-want +got):\n%s", diff)
			}
			if cfg.BasePath != tt.wantBase || cfg.ShutdownTimeout != tt.wantDrain {
				t.Errorf("BasePath %q ShutdownTimeout %v, want %q %v", cfg.BasePath, cfg.ShutdownTimeout, tt.wantBase, tt.wantDrain)
			}
		})
	}
}
