package api

import (
	"cmp"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/store"
)

// POST /v1/agents/search is a Letta Cloud route (self-hosted Letta never
// had it): conditions joined by AND, a cursor and a sort, answered with
// {agents, nextCursor}.
//
// Templates do not exist here, so the template conditions have fixed
// meanings: every agent is its own "latest" version (a version condition
// matches all agents for "latest" and none otherwise) and no agent has a
// template name (templateName matches none).

// agentSearchRequest is the search body.
type agentSearchRequest struct {
	Search     []searchCondition `json:"search"`
	ProjectID  *string           `json:"project_id"`
	Combinator *string           `json:"combinator"`
	Limit      *float64          `json:"limit"`
	After      *string           `json:"after"`
	SortBy     *string           `json:"sortBy"`
	Ascending  *bool             `json:"ascending"`
}

// searchCondition is one {field, operator, value}; value is a string, or a
// list of strings for tags.
type searchCondition struct {
	Field    string          `json:"field"`
	Operator string          `json:"operator"`
	Value    json.RawMessage `json:"value"`

	text string   // value of a string condition
	list []string // value of the tags condition
}

// defaultSearchLimit is the page size when the body names none.
const defaultSearchLimit = 50

// operators lists each field's operators ("" means none is needed).
var operators = map[string][]string{
	"name":         {"eq", "contains"},
	"tags":         {"contains"},
	"identity":     {"eq"},
	"agentId":      {"eq"},
	"templateName": {"eq"},
	"version":      {"", "eq"},
}

// validate reports every bad condition and option at once (422) and decodes
// the condition values.
func (req *agentSearchRequest) validate() error {
	var fe fieldErrors
	for n := range req.Search {
		c := &req.Search[n]
		ops, known := operators[c.Field]
		switch {
		case !known:
			fe.add(fmt.Sprintf("Unknown search field %q: use name, tags, identity, agentId, templateName or version", c.Field), "body", "search", n, "field")
			continue
		case !slices.Contains(ops, c.Operator):
			fe.add(fmt.Sprintf("Operator %q is not allowed for field %q", c.Operator, c.Field), "body", "search", n, "operator")
		}
		var err error
		if c.Field == "tags" {
			err = json.Unmarshal(c.Value, &c.list)
		} else {
			err = json.Unmarshal(c.Value, &c.text)
		}
		if err != nil || len(c.Value) == 0 || string(c.Value) == "null" {
			want := "a string"
			if c.Field == "tags" {
				want = "a list of strings"
			}
			fe.add("Input should be "+want, "body", "search", n, "value")
		}
	}
	if req.Combinator != nil && *req.Combinator != "AND" {
		fe.add("Input should be 'AND'", "body", "combinator")
	}
	if l := req.Limit; l != nil && (*l < 1 || *l != math.Trunc(*l)) {
		fe.add("Input should be a whole number greater than or equal to 1", "body", "limit")
	}
	if req.SortBy != nil && !slices.Contains([]string{"created_at", "last_run_completion", "updated_at"}, *req.SortBy) {
		fe.add("Input should be 'created_at', 'last_run_completion' or 'updated_at'", "body", "sortBy")
	}
	return fe.err()
}

// storeFilters narrows the store query with the conditions it can express;
// matches then checks every condition exactly.
func (req *agentSearchRequest) storeFilters(headerProject string) store.ListAgentsParams {
	p := store.ListAgentsParams{ProjectID: cmp.Or(letta.Deref(req.ProjectID), headerProject)}
	for _, c := range req.Search {
		switch c.Field {
		case "tags":
			p.Tags, p.MatchAllTags = append(p.Tags, c.list...), true
		case "agentId":
			p.IDs = []string{c.text}
		}
	}
	return p
}

// matches reports whether the agent meets every condition.
func (req *agentSearchRequest) matches(a *letta.Agent) bool {
	for _, c := range req.Search {
		if !conditionHolds(c, a) {
			return false
		}
	}
	return true
}

func conditionHolds(c searchCondition, a *letta.Agent) bool {
	switch c.Field {
	case "name":
		if c.Operator == "contains" {
			return strings.Contains(strings.ToLower(a.Name), strings.ToLower(c.text))
		}
		return a.Name == c.text
	case "tags":
		for _, t := range c.list {
			if !slices.Contains(a.Tags, t) {
				return false
			}
		}
		return true
	case "identity":
		return slices.ContainsFunc(a.Identities, func(i letta.Identity) bool {
			return i.ID == c.text || i.IdentifierKey == c.text
		})
	case "agentId":
		return a.ID == c.text
	case "version":
		return c.text == "latest"
	}
	return false // templateName: no agent comes from a template
}

// searchSortKey returns the key agents are sorted by; ties go by id.
func searchSortKey(sortBy string) func(a *letta.Agent) time.Time {
	switch sortBy {
	case "updated_at":
		return func(a *letta.Agent) time.Time { return a.UpdatedAt }
	case "last_run_completion":
		return func(a *letta.Agent) time.Time { return letta.Deref(a.LastRunCompletion) }
	}
	return func(a *letta.Agent) time.Time { return a.CreatedAt }
}

// searchAgents answers POST /v1/agents/search with {agents, nextCursor}.
// nextCursor is the id to send as `after` for the next page, or null on the
// last page. Results are newest first unless ascending is true.
func (s *server) searchAgents(w http.ResponseWriter, r *http.Request) error {
	var req agentSearchRequest
	if err := s.decode(w, r, &req); err != nil {
		return err
	}
	if err := req.validate(); err != nil {
		return err
	}
	ctx := r.Context()
	candidates, err := s.cfg.Store.ListAgents(ctx, req.storeFilters(headerProject(r)))
	if err != nil {
		return err
	}
	found := slices.DeleteFunc(candidates, func(a *letta.Agent) bool { return !req.matches(a) })

	key := searchSortKey(letta.Deref(req.SortBy))
	ascending := letta.Deref(req.Ascending)
	order := func(a, b *letta.Agent) int {
		c := key(a).Compare(key(b))
		if c == 0 {
			c = strings.Compare(a.ID, b.ID)
		}
		if !ascending {
			c = -c
		}
		return c
	}
	slices.SortStableFunc(found, order)

	if after := letta.Deref(req.After); after != "" {
		cursor, err := s.cfg.Store.GetAgent(ctx, after)
		if err != nil {
			return notFound(err, "Agent", after)
		}
		found = slices.DeleteFunc(found, func(a *letta.Agent) bool { return order(a, cursor) <= 0 })
	}
	limit := defaultSearchLimit
	if req.Limit != nil {
		limit = int(*req.Limit)
	}
	var next *string
	if len(found) > limit {
		found = found[:limit]
		next = &found[limit-1].ID
	}
	for _, a := range found {
		a.Normalize()
	}
	return writeJSON(w, http.StatusOK, map[string]any{"agents": found, "nextCursor": next})
}
