package api

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/store"
)

// listAttached answers a list of what the {agent_id} agent has attached
// (its blocks or tools): attached(a) in attachment order (order=desc
// reverses it), every one unless a limit is given; before/after page
// through them by id. Each is answered as normalize makes it.
func listAttached[T any](s *server, w http.ResponseWriter, r *http.Request, attached func(*letta.Agent) []T, id func(T) string, normalize func(*T) *T) error {
	q := newQuery(r.URL.Query())
	p := q.page(0, true)
	if err := q.err(); err != nil {
		return err
	}
	a, err := s.loadAgent(r)
	if err != nil {
		return err
	}
	items, err := pageOf(attached(a), id, p)
	if err != nil {
		return err
	}
	out := make([]T, 0, len(items))
	for _, item := range items {
		out = append(out, *normalize(&item))
	}
	return writeJSON(w, http.StatusOK, out)
}

// relinkAgent runs link in one transaction on the {agent_id} agent, which
// must exist (else 404), and answers with the agent as link left it. link
// attaches or detaches something and returns its own errors (an unknown
// block or tool, a clash) ready to answer.
func (s *server) relinkAgent(w http.ResponseWriter, r *http.Request, link func(tx store.Store, agentID string) error) error {
	ctx := r.Context()
	agentID := chi.URLParam(r, "agent_id")
	var a *letta.Agent
	err := s.cfg.Store.InTx(ctx, func(tx store.Store) error {
		if _, err := tx.GetAgent(ctx, agentID); err != nil {
			return notFound(err, "Agent", agentID)
		}
		if err := link(tx, agentID); err != nil {
			return err
		}
		var err error
		a, err = tx.GetAgent(ctx, agentID)
		return err
	})
	if err != nil {
		return err
	}
	return writeAgent(w, a)
}
