package agent

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/store"
)

// searchBatch is how many stored messages conversation_search reads at once.
const searchBatch = 200

// searchHit is one conversation_search result (Letta 0.15+ shape).
type searchHit struct {
	Timestamp string `json:"timestamp"`
	TimeAgo   string `json:"time_ago"`
	Role      string `json:"role"`
	Content   string `json:"content"`
}

// conversationSearch searches the agent's stored user and assistant
// messages (in context or not) for a case-insensitive substring, newest
// first. Arguments: query (optional), roles, limit (default 5), start_date
// and end_date (ISO dates or times; a date-only end_date covers its day).
// Tool returns, failed inputs, messages the loop wrote (heartbeats, alerts)
// and earlier searches are left out. A reply sent with send_message is
// searched and shown as its message text.
func conversationSearch(ctx context.Context, env toolEnv, args map[string]any) (toolResult, error) {
	query, _ := stringArg(args, "query")
	limit, ok := intArg(args, "limit", 5)
	if !ok || limit <= 0 {
		limit = 5
	}
	roles := []string{letta.RoleUser, letta.RoleAssistant}
	if rs, ok := args["roles"].([]any); ok && len(rs) > 0 {
		roles = nil
		for _, r := range rs {
			if s, ok := r.(string); ok && (s == letta.RoleUser || s == letta.RoleAssistant) {
				roles = append(roles, s)
			}
		}
		if len(roles) == 0 {
			return toolResult{ok: true, message: noResults()}, nil
		}
	}
	tz := letta.Deref(env.agent.Timezone)
	p := store.ListMessagesParams{AgentID: env.agent.ID, Roles: roles, Page: store.Page{Limit: searchBatch}}
	var err error
	if p.StartDate, err = dateArg(args, "start_date", tz, false); err != nil {
		return failed("%s", err.Error()), nil
	}
	if p.EndDate, err = dateArg(args, "end_date", tz, true); err != nil {
		return failed("%s", err.Error()), nil
	}
	loc := location(tz)
	needle := strings.ToLower(query)
	results := []searchHit{}
	for len(results) < limit {
		batch, err := env.tx.ListMessages(ctx, p)
		if err != nil {
			return toolResult{}, fmt.Errorf("search messages: %w", err)
		}
		for _, m := range batch {
			text, ok := searchableText(m)
			if !ok || !strings.Contains(strings.ToLower(text), needle) {
				continue
			}
			results = append(results, searchHit{
				Timestamp: m.CreatedAt.In(loc).Format(time.RFC3339),
				TimeAgo:   timeAgo(env.now.Sub(m.CreatedAt)),
				Role:      m.Role,
				Content:   text,
			})
			if len(results) == limit {
				break
			}
		}
		if len(batch) < searchBatch {
			break
		}
		p.Page.After = batch[len(batch)-1].ID
	}
	if len(results) == 0 {
		return toolResult{ok: true, message: noResults()}, nil
	}
	return toolResult{ok: true, message: struct {
		Message string      `json:"message"`
		Results []searchHit `json:"results"`
	}{fmt.Sprintf("Showing %d results:", len(results)), results}}, nil
}

func noResults() any {
	return struct {
		Message string `json:"message"`
		Results []any  `json:"results"`
	}{"No results found.", []any{}}
}

// searchableText is what a search matches and shows of m, and whether m
// takes part at all.
func searchableText(m *letta.Message) (string, bool) {
	if m.IsErr {
		return "", false
	}
	text := m.Text()
	switch m.Role {
	case letta.RoleUser:
		var packed struct {
			Type string `json:"type"`
		}
		if strings.HasPrefix(strings.TrimSpace(text), "{") && json.Unmarshal([]byte(text), &packed) == nil && packed.Type != "" && packed.Type != "user_message" {
			return "", false // heartbeat, system alert, login event
		}
	case letta.RoleAssistant:
		for _, tc := range m.ToolCalls {
			switch tc.Function.Name {
			case toolConversationSearch:
				return "", false
			case toolSendMessage:
				if r, ok := stringArg(parseArguments(tc.Function.Arguments), "message"); ok {
					text = r
				}
			}
		}
	}
	return text, text != ""
}

// dateArg parses an ISO date or date-time argument in the agent's
// timezone; a date-only end bound covers the whole day.
func dateArg(args map[string]any, name, tz string, end bool) (*time.Time, error) {
	s, ok := stringArg(args, name)
	if !ok || strings.TrimSpace(s) == "" {
		return nil, nil
	}
	s = strings.TrimSpace(s)
	loc := location(tz)
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02 15:04:05"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return &t, nil
		}
	}
	d, err := time.ParseInLocation("2006-01-02", s, loc)
	if err != nil {
		return nil, fmt.Errorf("Invalid %s format: %s. Use ISO format (YYYY-MM-DD or YYYY-MM-DDTHH:MM).", name, s) //nolint:staticcheck // the model reads this text
	}
	if end {
		d = d.Add(24*time.Hour - time.Nanosecond)
	}
	return &d, nil
}

// location is the agent's timezone, UTC when unknown.
func location(tz string) *time.Location {
	if loc, err := time.LoadLocation(tz); err == nil && tz != "" {
		return loc
	}
	return time.UTC
}

func timeAgo(d time.Duration) string {
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return fmt.Sprintf("%dm ago", int(d.Minutes()))
	case d < 24*time.Hour:
		return fmt.Sprintf("%dh ago", int(d.Hours()))
	}
	return fmt.Sprintf("%dd ago", int(d.Hours()/24))
}
