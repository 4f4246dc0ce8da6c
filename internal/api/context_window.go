package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/letta-server/letta-server/internal/letta"
)

// summaryMarker starts the text of a summary message in the context.
const summaryMarker = "The following is a summary of the previous "

// charsPerToken is the estimate the context overview uses everywhere:
// tokens ≈ characters / 4 (rounded up), the usual rule of thumb for
// English text with OpenAI-style tokenizers. No tokenizer runs here, so
// the numbers are estimates, but they are consistent with each other:
// context_window_size_current is the sum of the num_tokens_* fields.
const charsPerToken = 4

// estimateTokens is the token estimate of a text.
func estimateTokens(s string) int {
	return (len([]rune(s)) + charsPerToken - 1) / charsPerToken
}

// contextOverview is ContextWindowOverview.
type contextOverview struct {
	ContextWindowSizeMax           int              `json:"context_window_size_max"`
	ContextWindowSizeCurrent       int              `json:"context_window_size_current"`
	NumMessages                    int              `json:"num_messages"`
	NumArchivalMemory              int              `json:"num_archival_memory"`
	NumRecallMemory                int              `json:"num_recall_memory"`
	NumTokensExternalMemorySummary int              `json:"num_tokens_external_memory_summary"`
	ExternalMemorySummary          string           `json:"external_memory_summary"`
	NumTokensSystem                int              `json:"num_tokens_system"`
	SystemPrompt                   string           `json:"system_prompt"`
	NumTokensCoreMemory            int              `json:"num_tokens_core_memory"`
	CoreMemory                     string           `json:"core_memory"`
	NumTokensSummaryMemory         int              `json:"num_tokens_summary_memory"`
	SummaryMemory                  *string          `json:"summary_memory"`
	NumTokensFunctionsDefinitions  int              `json:"num_tokens_functions_definitions"`
	FunctionsDefinitions           []map[string]any `json:"functions_definitions"`
	NumTokensMessages              int              `json:"num_tokens_messages"`
	Messages                       []*letta.Message `json:"messages"`
}

// contextWindow answers GET /v1/agents/{agent_id}/context: what the agent's
// next model call would hold, section by section, with token estimates
// (see charsPerToken). The system message is cut into its instructions,
// core memory (<memory_blocks>…) and metadata (<memory_metadata>…); a
// summary message right after it counts as summary memory.
func (s *server) contextWindow(w http.ResponseWriter, r *http.Request) error {
	a, err := s.loadAgent(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	msgs, err := s.cfg.Store.GetMessages(ctx, a.MessageIDs)
	if err != nil {
		return fmt.Errorf("load context messages: %w", err)
	}
	total, err := s.cfg.Store.CountMessages(ctx, a.ID)
	if err != nil {
		return fmt.Errorf("count messages: %w", err)
	}
	archival, err := s.cfg.Store.CountPassages(ctx, a.ID)
	if err != nil {
		return fmt.Errorf("count passages: %w", err)
	}
	o := contextOverview{
		ContextWindowSizeMax: a.LLMConfig.ContextWindow,
		NumMessages:          len(msgs),
		NumArchivalMemory:    archival,
		NumRecallMemory:      total,
		FunctionsDefinitions: []map[string]any{},
		Messages:             []*letta.Message{},
	}
	rest := msgs
	if len(rest) > 0 && rest[0].Role == letta.RoleSystem {
		o.SystemPrompt, o.CoreMemory, o.ExternalMemorySummary = splitSystemPrompt(rest[0].Text())
		rest = rest[1:]
	}
	if len(rest) > 0 && strings.Contains(rest[0].Text(), summaryMarker) {
		o.SummaryMemory = letta.Ptr(rest[0].Text())
		o.NumTokensSummaryMemory = estimateTokens(*o.SummaryMemory)
		rest = rest[1:]
	}
	for _, m := range rest {
		b, err := json.Marshal(m)
		if err != nil {
			return fmt.Errorf("encode context message: %w", err)
		}
		o.NumTokensMessages += estimateTokens(string(b))
		o.Messages = append(o.Messages, m)
	}
	for _, t := range a.Tools {
		if t.JSONSchema == nil {
			continue
		}
		def := map[string]any{"type": "function", "function": t.JSONSchema}
		b, err := json.Marshal(def)
		if err != nil {
			return fmt.Errorf("encode tool schema: %w", err)
		}
		o.NumTokensFunctionsDefinitions += estimateTokens(string(b))
		o.FunctionsDefinitions = append(o.FunctionsDefinitions, def)
	}
	o.NumTokensSystem = estimateTokens(o.SystemPrompt)
	o.NumTokensCoreMemory = estimateTokens(o.CoreMemory)
	o.NumTokensExternalMemorySummary = estimateTokens(o.ExternalMemorySummary)
	o.ContextWindowSizeCurrent = o.NumTokensSystem + o.NumTokensCoreMemory + o.NumTokensExternalMemorySummary +
		o.NumTokensSummaryMemory + o.NumTokensFunctionsDefinitions + o.NumTokensMessages
	return writeJSON(w, http.StatusOK, o)
}

// splitSystemPrompt cuts the compiled system text into the instructions,
// the core memory section and the memory metadata section.
func splitSystemPrompt(text string) (instructions, core, metadata string) {
	instructions = text
	if i := strings.Index(instructions, "<memory_metadata>"); i >= 0 {
		instructions, metadata = instructions[:i], instructions[i:]
	}
	if i := strings.Index(instructions, "<memory_blocks>"); i >= 0 {
		end := strings.Index(instructions[i:], "</memory_blocks>")
		if end < 0 {
			end = len(instructions) - i
		} else {
			end += len("</memory_blocks>")
		}
		core = instructions[i : i+end]
		instructions = instructions[:i] + instructions[i+end:]
	}
	return strings.TrimSpace(instructions), strings.TrimSpace(core), strings.TrimSpace(metadata)
}
