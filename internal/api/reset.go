package api

import (
	"net/http"
)

// resetRequest is the optional body of PATCH .../reset-messages.
type resetRequest struct {
	AddDefaultInitialMessages bool `json:"add_default_initial_messages"`
}

// resetMessages answers PATCH /v1/agents/{agent_id}/reset-messages: every
// stored message of the agent is deleted and its context starts over with
// a fresh system message, plus the default opening messages when
// add_default_initial_messages is set (in the query or the body). It
// returns the AgentState.
func (s *server) resetMessages(w http.ResponseWriter, r *http.Request) error {
	q := newQuery(r.URL.Query())
	addDefaults := q.boolean("add_default_initial_messages", false)
	if err := q.err(); err != nil {
		return err
	}
	var req resetRequest
	if err := s.decode(w, r, &req); err != nil {
		return err
	}
	eng, err := s.engine()
	if err != nil {
		return err
	}
	a, err := s.loadAgent(r)
	if err != nil {
		return err
	}
	reset, err := eng.ResetMessages(r.Context(), a.ID, addDefaults || req.AddDefaultInitialMessages)
	if err != nil {
		return notFound(err, "Agent", a.ID)
	}
	return writeAgent(w, reset)
}
