package api

import (
	"math"
	"slices"
	"strings"
	"time"

	"github.com/letta-server/letta-server/internal/letta"
)

// Message search (Letta Cloud's recall search across the organization) is
// answered here by the store's case-insensitive text match, newest first:
// there is no full-text or vector index of messages, so every search_mode
// gives the same ranking, reported as fts_rank (vector_rank stays null).

// Limits of a message search body.
const (
	defaultMessageSearchLimit = 50
	maxMessageSearchLimit     = 100
)

// searchModes are the values search_mode may take.
var searchModes = []string{"vector", "fts", "hybrid"}

// messageRoles is the MessageRole enum a roles filter may name.
var messageRoles = []string{letta.RoleAssistant, letta.RoleUser, letta.RoleTool, "function", letta.RoleSystem, letta.RoleApproval}

// messageSearchRequest is MessageSearchRequest (0.1.211, POST
// /v1/agents/messages/search) and SearchAllMessagesRequest (1.x, POST
// /v1/messages/search): the union of their fields.
type messageSearchRequest struct {
	Query          *string  `json:"query"`
	SearchMode     *string  `json:"search_mode"`
	Roles          []string `json:"roles"`
	AgentID        *string  `json:"agent_id"`
	ProjectID      *string  `json:"project_id"`
	TemplateID     *string  `json:"template_id"`
	ConversationID *string  `json:"conversation_id"`
	Limit          *float64 `json:"limit"`
	StartDate      *string  `json:"start_date"`
	EndDate        *string  `json:"end_date"`
}

// messageSearch is a validated search.
type messageSearch struct {
	query          string
	roles          []string
	agentID        string
	projectID      string
	templateID     string
	conversationID string
	limit          int
	start, end     *time.Time
}

// validate reports every bad field at once (422); queryRequired is the 1.x
// form, where query is a required string.
func (req *messageSearchRequest) validate(queryRequired bool) (messageSearch, error) {
	var fe fieldErrors
	if queryRequired && req.Query == nil {
		fe.add("Field required", "body", "query")
	}
	if req.SearchMode != nil && !slices.Contains(searchModes, *req.SearchMode) {
		fe.add("Input should be 'vector', 'fts' or 'hybrid'", "body", "search_mode")
	}
	for i, role := range req.Roles {
		if !slices.Contains(messageRoles, role) {
			fe.add("Input should be 'assistant', 'user', 'tool', 'function', 'system' or 'approval'", "body", "roles", i)
		}
	}
	limit := defaultMessageSearchLimit
	if l := req.Limit; l != nil {
		switch {
		case *l != math.Trunc(*l):
			fe.add("Input should be a valid integer, got a number with a fractional part", "body", "limit")
		case *l < 1:
			fe.add("Input should be greater than or equal to 1", "body", "limit")
		case *l > maxMessageSearchLimit:
			fe.add("Input should be less than or equal to 100", "body", "limit")
		default:
			limit = int(*l)
		}
	}
	start := bodyDate(&fe, req.StartDate, "start_date")
	end := bodyDate(&fe, req.EndDate, "end_date")
	if err := fe.err(); err != nil {
		return messageSearch{}, err
	}
	return messageSearch{
		query:          strings.TrimSpace(letta.Deref(req.Query)),
		roles:          req.Roles,
		agentID:        letta.Deref(req.AgentID),
		projectID:      letta.Deref(req.ProjectID),
		templateID:     letta.Deref(req.TemplateID),
		conversationID: letta.Deref(req.ConversationID),
		limit:          limit,
		start:          start,
		end:            end,
	}, nil
}

// bodyDate parses an optional ISO 8601 date-time field of a body.
func bodyDate(fe *fieldErrors, s *string, field string) *time.Time {
	if s == nil {
		return nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02"} {
		if t, err := time.Parse(layout, strings.TrimSpace(*s)); err == nil {
			t = t.UTC()
			return &t
		}
	}
	fe.add("Input should be a valid datetime", "body", field)
	return nil
}

// rawMessage is Letta's Message schema: the stored message's fields with
// the audit fields the wire form adds.
type rawMessage struct {
	*letta.Message
	CreatedByID     string    `json:"created_by_id"`
	LastUpdatedByID string    `json:"last_updated_by_id"`
	UpdatedAt       time.Time `json:"updated_at"`
	BatchItemID     *string   `json:"batch_item_id"`
}

// messageSearchResult is MessageSearchResult.
type messageSearchResult struct {
	EmbeddedText string     `json:"embedded_text"`
	Message      rawMessage `json:"message"`
	FTSRank      *int       `json:"fts_rank"`
	VectorRank   *int       `json:"vector_rank"`
	RRFScore     float64    `json:"rrf_score"`
}

// messageListResult is one item of the 1.x search answer
// (System/User/Reasoning/AssistantMessageListResult).
type messageListResult struct {
	MessageType    string    `json:"message_type"`
	Content        any       `json:"content,omitempty"`
	Reasoning      *string   `json:"reasoning,omitempty"`
	MessageID      string    `json:"message_id"`
	AgentID        *string   `json:"agent_id"`
	ConversationID *string   `json:"conversation_id"`
	CreatedAt      time.Time `json:"created_at"`
}
