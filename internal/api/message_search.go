package api

import (
	"cmp"
	"context"
	"net/http"
	"slices"
	"strings"

	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/store"
)

// rrfConstant is the k of reciprocal rank fusion: a result at rank r
// scores 1/(k+r).
const rrfConstant = 60

// searchAgentMessages answers POST /v1/agents/messages/search (0.1.211
// agents.messages.search) with an array of MessageSearchResult, best
// (newest) match first.
func (s *server) searchAgentMessages(w http.ResponseWriter, r *http.Request) error {
	var req messageSearchRequest
	if err := s.decode(w, r, &req); err != nil {
		return err
	}
	ms, err := req.validate(false)
	if err != nil {
		return err
	}
	found, err := s.findMessages(r.Context(), ms)
	if err != nil {
		return err
	}
	out := make([]messageSearchResult, 0, len(found))
	for i, m := range found {
		rank := i + 1
		out = append(out, messageSearchResult{
			EmbeddedText: embeddedText(m),
			Message:      rawMessage{Message: m, CreatedByID: letta.DefaultUserID, LastUpdatedByID: letta.DefaultUserID, UpdatedAt: m.CreatedAt},
			FTSRank:      &rank,
			RRFScore:     1 / float64(rrfConstant+rank),
		})
	}
	return writeJSON(w, http.StatusOK, out)
}

// searchAllMessages answers POST /v1/messages/search (1.x messages.search):
// the matches rendered as system, user, reasoning and assistant list
// results, newest first, at most limit of them.
func (s *server) searchAllMessages(w http.ResponseWriter, r *http.Request) error {
	var req messageSearchRequest
	if err := s.decode(w, r, &req); err != nil {
		return err
	}
	ms, err := req.validate(true)
	if err != nil {
		return err
	}
	found, err := s.findMessages(r.Context(), ms)
	if err != nil {
		return err
	}
	out := []messageListResult{}
	for _, m := range found {
		for _, item := range letta.ToLettaMessages([]*letta.Message{m}, letta.RenderOptions{UseAssistantMessage: true}) {
			res := messageListResult{MessageType: item.MessageType, MessageID: m.ID, AgentID: strPtr(m.AgentID), CreatedAt: m.CreatedAt}
			switch item.MessageType {
			case letta.MsgSystem, letta.MsgUser, letta.MsgAssistant:
				res.Content = item.Content
			case letta.MsgReasoning:
				res.Reasoning = &item.Reasoning
			default:
				continue
			}
			out = append(out, res)
		}
	}
	if len(out) > ms.limit {
		out = out[:ms.limit]
	}
	return writeJSON(w, http.StatusOK, out)
}

// findMessages returns up to ms.limit stored messages matching the search,
// newest first. Messages of failed turns are left out. No message belongs
// to a conversation here, so a conversation filter matches nothing.
func (s *server) findMessages(ctx context.Context, ms messageSearch) ([]*letta.Message, error) {
	if ms.conversationID != "" {
		return []*letta.Message{}, nil
	}
	agents, restricted, err := s.searchAgentScope(ctx, ms)
	if err != nil {
		return nil, err
	}
	p := store.ListMessagesParams{Roles: ms.roles, Query: ms.query, StartDate: ms.start, EndDate: ms.end}
	if !restricted {
		return s.collectMessages(ctx, p, keepUnlessErr, ms.limit)
	}
	found := []*letta.Message{}
	for _, id := range agents {
		p.AgentID = id
		msgs, err := s.collectMessages(ctx, p, keepUnlessErr, ms.limit)
		if err != nil {
			return nil, err
		}
		found = append(found, msgs...)
	}
	slices.SortFunc(found, func(a, b *letta.Message) int { return cmp.Compare(b.Seq, a.Seq) })
	if len(found) > ms.limit {
		found = found[:ms.limit]
	}
	return found, nil
}

// searchAgentScope returns the agents whose messages the search may see;
// restricted is false when every agent's messages may match.
func (s *server) searchAgentScope(ctx context.Context, ms messageSearch) (ids []string, restricted bool, err error) {
	if ms.projectID == "" && ms.templateID == "" {
		if ms.agentID == "" {
			return nil, false, nil
		}
		return []string{ms.agentID}, true, nil
	}
	p := store.ListAgentsParams{ProjectID: ms.projectID}
	if ms.agentID != "" {
		p.IDs = []string{ms.agentID}
	}
	agents, err := s.cfg.Store.ListAgents(ctx, p)
	if err != nil {
		return nil, false, err
	}
	ids = []string{}
	for _, a := range agents {
		if ms.templateID == "" || letta.Deref(a.TemplateID) == ms.templateID {
			ids = append(ids, a.ID)
		}
	}
	return ids, true, nil
}

// keepUnlessErr drops messages of failed turns (kept for debugging only).
func keepUnlessErr(m *letta.Message) bool { return !m.IsErr }

// collectMessages pages through the store in p's order (newest first unless
// p.Page.Ascending) within p.Page's cursors, keeping messages keep accepts,
// until it has limit of them or the store runs out. An unknown cursor is
// store.ErrNotFound.
func (s *server) collectMessages(ctx context.Context, p store.ListMessagesParams, keep func(*letta.Message) bool, limit int) ([]*letta.Message, error) {
	out := []*letta.Message{}
	p.Page.Limit = limit
	for {
		page, err := s.cfg.Store.ListMessages(ctx, p)
		if err != nil {
			return nil, err
		}
		for _, m := range page {
			if keep(m) && len(out) < limit {
				out = append(out, m)
			}
		}
		if len(out) >= limit || len(page) < p.Page.Limit {
			return out, nil
		}
		p.Page.After = page[len(page)-1].ID // Before stays as a bound
	}
}

// embeddedText is the message as text: what a search matched it on.
func embeddedText(m *letta.Message) string {
	var parts []string
	for _, item := range letta.ToLettaMessages([]*letta.Message{m}, letta.RenderOptions{UseAssistantMessage: true}) {
		switch {
		case item.MessageType == letta.MsgReasoning:
			parts = append(parts, item.Reasoning)
		case item.MessageType == letta.MsgToolReturn:
			parts = append(parts, item.ToolReturn)
		case item.ToolCall != nil:
			parts = append(parts, letta.Deref(item.ToolCall.Arguments))
		default:
			if text, ok := item.Content.(string); ok {
				parts = append(parts, text)
			}
		}
	}
	if len(parts) == 0 {
		return m.Text()
	}
	return strings.Join(parts, "\n")
}
