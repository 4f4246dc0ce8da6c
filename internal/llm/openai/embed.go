package openai

import (
	"context"
	"fmt"

	goopenai "github.com/sashabaranov/go-openai"

	"github.com/letta-server/letta-server/internal/llm"
)

// Embed returns one vector per text, calling /embeddings with batches of
// 32 texts and retrying retryable failures per batch.
func (c *Client) Embed(ctx context.Context, model string, texts []string) ([][]float32, error) {
	out := make([][]float32, 0, len(texts))
	for start := 0; start < len(texts); start += embeddingBatchSize {
		batch := texts[start:min(start+embeddingBatchSize, len(texts))]
		var vectors [][]float32
		err := c.retry(ctx, func(actx context.Context) error {
			resp, err := c.api.CreateEmbeddings(actx, goopenai.EmbeddingRequestStrings{
				Input: batch,
				Model: goopenai.EmbeddingModel(model),
			})
			if err != nil {
				return err
			}
			vectors, err = c.orderedVectors(resp, len(batch))
			return err
		}, nil)
		if err != nil {
			return nil, fmt.Errorf("embed %d texts with %s: %w", len(batch), model, err)
		}
		out = append(out, vectors...)
	}
	return out, nil
}

// orderedVectors puts the vectors in input order and checks that each
// input got exactly one.
func (c *Client) orderedVectors(resp goopenai.EmbeddingResponse, n int) ([][]float32, error) {
	vectors := make([][]float32, n)
	for _, d := range resp.Data {
		if d.Index < 0 || d.Index >= n || vectors[d.Index] != nil {
			return nil, c.invalid(fmt.Sprintf("embedding index %d out of place for %d inputs", d.Index, n))
		}
		vectors[d.Index] = d.Embedding
	}
	for i, v := range vectors {
		if len(v) == 0 {
			return nil, c.invalid(fmt.Sprintf("no embedding for input %d", i))
		}
	}
	return vectors, nil
}

func (c *Client) invalid(msg string) error {
	return &llm.APIError{Provider: c.cfg.Name, StatusCode: 200, Kind: llm.ErrKindInvalidResponse, Message: msg}
}
