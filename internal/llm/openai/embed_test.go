package openai

import (
	"context"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/letta-server/letta-server/internal/llm/llmtest"
)

func TestEmbedBatchesInOrder(t *testing.T) {
	t.Parallel()
	srv, c := setup(t, Config{})
	texts := make([]string, 70)
	for i := range texts {
		texts[i] = fmt.Sprintf("passage number %d", i)
	}
	got, err := c.Embed(context.Background(), "text-embedding-ada-002", texts)
	if err != nil {
		t.Fatalf("Embed: %v", err)
	}
	if len(got) != len(texts) {
		t.Fatalf("%d vectors for %d texts", len(got), len(texts))
	}
	for i, text := range texts {
		if diff := cmp.Diff(llmtest.Embedding(text, llmtest.DefaultEmbeddingDim), got[i]); diff != "" {
			t.Fatalf("vector %d differs from the fake's embedding of its text", i)
		}
	}
	var sizes []int
	for _, r := range srv.EmbeddingRequests() {
		sizes = append(sizes, len(r.Input))
		if r.Model != "text-embedding-ada-002" {
			t.Errorf("model %q", r.Model)
		}
	}
	if diff := cmp.Diff([]int{32, 32, 6}, sizes); diff != "" {
		t.Errorf("batch sizes (-want +got):\n%s", diff)
	}
}
