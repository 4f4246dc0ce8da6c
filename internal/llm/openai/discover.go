package openai

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// DefaultLocalContextWindow is assumed for a discovered model whose server
// does not say (Ollama's /v1/models does not; vLLM sends max_model_len).
const DefaultLocalContextWindow = 8192

// Discover asks the server which models it serves (GET /models) and lists
// them from then on, with vLLM's max_model_len as the context window. It is
// meant for local servers (Ollama, vLLM) whose models only the operator
// knows; a failure leaves the list as it was.
func (p *Provider) Discover(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.cfg.BaseURL+"/models", nil)
	if err != nil {
		return fmt.Errorf("list %s models: %w", p.cfg.Name, err)
	}
	if p.cfg.APIKey != "" {
		req.Header.Set("Authorization", "Bearer "+p.cfg.APIKey)
	}
	resp, err := p.cfg.HTTPClient.Do(req)
	if err != nil {
		return fmt.Errorf("list %s models: %w", p.cfg.Name, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return fmt.Errorf("list %s models: read body: %w", p.cfg.Name, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("list %s models: status %d: %s", p.cfg.Name, resp.StatusCode, bodyMessage(body, resp.Status))
	}
	var list struct {
		Data []struct {
			ID          string `json:"id"`
			MaxModelLen int    `json:"max_model_len"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &list); err != nil {
		return fmt.Errorf("list %s models: decode: %w", p.cfg.Name, err)
	}
	models := make([]chatModel, 0, len(list.Data))
	for _, m := range list.Data {
		if m.ID == "" || strings.Contains(m.ID, "embed") { // embedding models are not chat models
			continue
		}
		models = append(models, chatModel{name: m.ID, contextWindow: cmpOr(m.MaxModelLen, DefaultLocalContextWindow)})
	}
	p.mu.Lock()
	p.discovered = models
	p.mu.Unlock()
	return nil
}

func (p *Provider) discoveredModels() []chatModel {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.discovered
}

func cmpOr(v, def int) int {
	if v > 0 {
		return v
	}
	return def
}
