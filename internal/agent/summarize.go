package agent

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/llm"
	"github.com/letta-server/letta-server/internal/memory"
	"github.com/letta-server/letta-server/internal/store"
)

// Context window management. When the last model call used more than
// compactTrigger of the window (or the provider said the prompt was too
// long), the oldest in-context messages are summarised by the agent's own
// model and replaced by one summary message:
//
//	message_ids = [system, summary, kept tail]
//
// The tail starts at a user or assistant message, so a tool call is never
// separated from its return. Evicted messages stay stored and searchable.
const (
	compactTrigger   = 0.9 // of the window, measured on the last call
	compactTarget    = 0.5 // of the window, estimated for what is kept
	compactMinEvict  = 0.3 // of the in-context messages, at least
	summarizeTimeout = 2 * time.Minute
	// transcriptShare is the part of the window the summariser's input may
	// fill (estimated at four characters per token).
	transcriptShare = 0.6
	messageClip     = 2000 // characters kept of one message in the transcript
)

// summaryPrompt instructs the summariser; the transcript follows as the
// user message.
const summaryPrompt = `You compress the early part of a conversation between an AI agent and a user so the agent can keep working after these messages leave its context window.

Write a concise summary (at most 200 words) in the first person, from the agent's point of view. Keep what the agent will need later: facts the user shared, preferences, decisions and commitments, open questions and tasks, and the outcome of any tool calls. Leave out greetings and small talk. Do not invent anything that is not in the transcript. Answer with the summary text only.`

// summaryNote is the system alert that replaces the evicted messages.
const (
	summaryNote       = "Note: %d messages from the beginning of the conversation have been hidden from view due to memory constraints."
	summaryNoteSuffix = "\nThe following is a summary of the previous messages:\n %s"
)

// overWindow reports whether the last call's tokens call for compaction.
func (t *turn) overWindow(u llm.Usage) bool {
	window := t.agent.LLMConfig.ContextWindow
	total := u.TotalTokens
	if total == 0 {
		total = u.PromptTokens + u.CompletionTokens
	}
	return window > 0 && float64(total) > compactTrigger*float64(window)
}

// isContextOverflow reports whether the provider refused the prompt as too long.
func isContextOverflow(err error) bool {
	var apiErr *llm.APIError
	return errors.As(err, &apiErr) && apiErr.Kind == llm.ErrKindContextWindow
}

// compact summarises and evicts the oldest in-context messages. It returns
// false when there was nothing to evict. A failing summariser does not stop
// it: the messages are evicted with a note that has no summary.
func (t *turn) compact(ctx context.Context) (bool, error) {
	t.counts.known = false // it stores a summary and recompiles: count again
	msgs := t.context
	cut := t.cutIndex()
	if cut <= 1 {
		return false, nil
	}
	evicted := msgs[1:cut]
	summary, err := t.summarize(ctx, evicted)
	if err != nil {
		t.e.cfg.Logger.WarnContext(ctx, "summarize evicted messages", "agent_id", t.agent.ID, "messages", len(evicted), "error", err)
		summary = ""
	}
	now := letta.Now()
	note := fmt.Sprintf(summaryNote, len(evicted))
	if summary != "" {
		note += fmt.Sprintf(summaryNoteSuffix, summary)
	}
	sm := &letta.Message{
		ID: letta.NewID(letta.PrefixMessage), AgentID: t.agent.ID, Role: letta.RoleUser,
		Content:   []letta.Content{{Type: letta.ContentText, Text: systemAlert(note, now, letta.Deref(t.agent.Timezone))}},
		Model:     letta.Ptr(t.agent.LLMConfig.Model),
		CreatedAt: now,
	}
	kept := append([]*letta.Message{msgs[0], sm}, msgs[cut:]...)
	err = t.e.cfg.Store.InTx(ctx, func(tx store.Store) error {
		if err := tx.CreateMessages(ctx, []*letta.Message{sm}); err != nil {
			return fmt.Errorf("save summary: %w", err)
		}
		if t.agent.MessageBufferAutoclear && !kept[len(kept)-1].IsApprovalRequest() {
			return nil // message_ids stays [system]
		}
		ids := make([]string, len(kept))
		for i, m := range kept {
			ids[i] = m.ID
		}
		if err := tx.SetAgentMessageIDs(ctx, t.agent.ID, ids); err != nil {
			return fmt.Errorf("save compacted context: %w", err)
		}
		t.agent.MessageIDs = ids
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("compact context of agent %s: %w", t.agent.ID, err)
	}
	t.context = kept
	if err := t.recompile(ctx); err != nil {
		return true, err
	}
	return true, nil
}

// cutIndex picks where the kept tail starts: the first user or assistant
// message after at least compactMinEvict of the conversation whose tail
// (with the pending input) fits compactTarget of the window; failing that,
// the last such message. len(context) evicts everything but the system
// message; 1 or less means nothing can be evicted.
func (t *turn) cutIndex() int {
	msgs := t.context
	n := len(msgs)
	if n <= 2 {
		return 0
	}
	window := t.agent.LLMConfig.ContextWindow
	budget := int(compactTarget * float64(window))
	fixed := estimateTokens(msgs[:1]) + estimateTokens(t.pending)
	tail := make([]int, n+1) // tail[i] = estimated tokens of msgs[i:]
	for i := n - 1; i >= 1; i-- {
		tail[i] = tail[i+1] + estimateTokens(msgs[i:i+1])
	}
	minCut := 1 + max(1, int(compactMinEvict*float64(n-1)+0.5))
	last := 0
	for i := minCut; i < n; i++ {
		if !startsTail(msgs[i]) {
			continue
		}
		last = i
		if window <= 0 || fixed+tail[i] <= budget {
			return i
		}
	}
	if last > 0 {
		return last
	}
	if msgs[n-1].IsApprovalRequest() {
		return n - 1 // never evict a call awaiting approval
	}
	return n
}

// startsTail reports whether the kept tail may begin at m: a user message
// or an assistant message, never a tool return or an approval answer.
func startsTail(m *letta.Message) bool {
	return m.Role == letta.RoleUser || m.Role == letta.RoleAssistant || m.IsApprovalRequest()
}

// estimateTokens guesses the tokens of messages at four characters each.
func estimateTokens(msgs []*letta.Message) int {
	chars := 0
	for _, m := range msgs {
		chars += utf8.RuneCountInString(m.Text()) + 8
		for _, tc := range m.ToolCalls {
			chars += len(tc.Function.Name) + utf8.RuneCountInString(tc.Function.Arguments)
		}
	}
	return chars / 4
}

// summarize asks the agent's model for a summary of msgs.
func (t *turn) summarize(ctx context.Context, msgs []*letta.Message) (string, error) {
	limit := int(transcriptShare * float64(t.agent.LLMConfig.ContextWindow) * 4)
	if limit <= 0 {
		limit = 200000
	}
	req := llm.ChatRequest{
		Model: t.agent.LLMConfig.Model,
		Messages: []llm.Message{
			{Role: llm.RoleSystem, Content: summaryPrompt},
			{Role: llm.RoleUser, Content: transcript(msgs, limit)},
		},
	}
	callCtx, cancel := context.WithTimeout(ctx, summarizeTimeout)
	defer cancel()
	resp, err := t.client.Chat(callCtx, req)
	if err != nil {
		return "", fmt.Errorf("summarizer call: %w", err)
	}
	s := strings.TrimSpace(resp.Content)
	if s == "" {
		return "", errors.New("summarizer returned no text")
	}
	return s, nil
}

// transcript writes msgs as "role: text" lines, each clipped, keeping the
// most recent lines within limit characters.
func transcript(msgs []*letta.Message, limit int) string {
	var lines []string
	for _, m := range msgs {
		text := m.Text()
		for _, tc := range m.ToolCalls {
			text += fmt.Sprintf("\n[called %s(%s)]", tc.Function.Name, tc.Function.Arguments)
		}
		if r := []rune(text); len(r) > messageClip {
			text = string(r[:messageClip]) + "…"
		}
		role := m.Role
		if m.Role == letta.RoleTool {
			role = "tool " + letta.Deref(m.Name)
		}
		lines = append(lines, role+": "+text)
	}
	size := 0
	start := len(lines)
	for start > 0 && size+len(lines[start-1])+1 <= limit {
		start--
		size += len(lines[start]) + 1
	}
	return strings.Join(lines[start:], "\n")
}

// systemAlert packages a note from the system as Letta does (indent 2).
func systemAlert(text string, now time.Time, tz string) string {
	return pythonJSON(struct {
		Type    string `json:"type"`
		Message string `json:"message"`
		Time    string `json:"time"`
	}{"system_alert", text, memory.FormatTime(now, tz)})
}

// recompile rewrites the system message from the current state (the
// previous-messages count changed).
func (t *turn) recompile(ctx context.Context) error {
	total, err := t.e.cfg.Store.CountMessages(ctx, t.agent.ID)
	if err != nil {
		return fmt.Errorf("count messages: %w", err)
	}
	archival, err := archivalCount(ctx, t.e.cfg.Store, t.agent.ID)
	if err != nil {
		return err
	}
	sys := t.context[0]
	sys.Content = []letta.Content{{Type: letta.ContentText, Text: compileFor(t.agent, max(total-len(t.context), 0), archival, letta.Now())}}
	if err := t.e.cfg.Store.UpdateMessage(ctx, sys); err != nil {
		return fmt.Errorf("update system message: %w", err)
	}
	return nil
}
