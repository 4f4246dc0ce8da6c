package ollama

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/letta-server/letta-server/internal/llm"
)

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestEmbedNative(t *testing.T) {
	t.Parallel()
	var got map[string]any
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/embed" {
			http.NotFound(w, r)
			return
		}
		_ = json.NewDecoder(r.Body).Decode(&got)
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		_, _ = w.Write(fixture(t, "api-embed.response.json"))
	}))
	t.Cleanup(srv.Close)
	p := New(Config{BaseURL: srv.URL + "/v1"})
	vecs, err := p.Embedder().Embed(context.Background(), "nomic-embed-text", []string{"hello"})
	if err != nil {
		t.Fatalf("Embed: %v", err)
	}
	if len(vecs) != 1 || len(vecs[0]) != 768 {
		t.Errorf("got %d vectors, want 1 of 768", len(vecs))
	}
	if got["model"] != "nomic-embed-text" {
		t.Errorf("request %v", got)
	}
	if h := *p.EmbeddingModels()[0].Handle; h != "ollama/nomic-embed-text" {
		t.Errorf("first embedding handle %q", h)
	}
	if p.Name() != "ollama" || p.LLMs() == nil {
		t.Errorf("name %q", p.Name())
	}
}

func TestEmbedNativeError(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write(fixture(t, "api-error.doc-example.json"))
	}))
	t.Cleanup(srv.Close)
	p := New(Config{BaseURL: srv.URL, Retry: llm.RetryPolicy{BaseDelay: time.Millisecond}})
	_, err := p.Embedder().Embed(context.Background(), "nomic-embed-text", []string{"hello"})
	var apiErr *llm.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 404 || apiErr.Message == "" || apiErr.Kind != llm.ErrKindBadRequest {
		t.Errorf("error = %v", err)
	}
}
