package api

import (
	"cmp"
	"net/http"
	"slices"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/store"
)

// listAllMessages answers GET /v1/messages/ (1.x messages.list): every
// agent's history as the LettaMessage union, in the requested order (newest
// first by default). after/before are relative to that order, so the 1.x
// SDK's walk with after=<last id> moves on and ends with [].
// include_return_message_types filters the rendered items; a page is never
// left empty by that filter while older stored messages remain, so the walk
// does not stop early. No message belongs to a conversation here, so a
// conversation_id filter matches nothing.
func (s *server) listAllMessages(w http.ResponseWriter, r *http.Request) error {
	q := newQuery(r.URL.Query())
	after, before := q.str("after"), q.str("before")
	limit := q.integer("limit", defaultMessageListLimit, 1)
	asc := q.ascending(false)
	types := returnTypesParam(q)
	conversationID := q.str("conversation_id")
	if err := q.err(); err != nil {
		return err
	}
	if conversationID != "" {
		return writeJSON(w, http.StatusOK, []letta.LettaMessage{})
	}
	// Walking backwards (before only): take the messages just before the
	// cursor, nearest first, then put them back in the requested order.
	backwards := before != "" && after == ""
	page := store.Page{Ascending: asc, After: after, Before: before}
	if backwards {
		page = store.Page{Ascending: !asc, After: before}
	}
	opts := letta.RenderOptions{UseAssistantMessage: true}
	out := []letta.LettaMessage{}
	for len(out) == 0 {
		msgs, err := s.collectMessages(r.Context(), store.ListMessagesParams{Page: page}, keepUnlessErr, limit)
		if err != nil {
			return notFound(err, "Message", cmp.Or(after, before))
		}
		if len(msgs) == 0 {
			break
		}
		if backwards {
			slices.Reverse(msgs)
		}
		out = filterTypes(letta.ToLettaMessages(msgs, opts), types)
		if backwards {
			page.After = msgs[0].ID
		} else {
			page.After = msgs[len(msgs)-1].ID
		}
	}
	return writeJSON(w, http.StatusOK, out)
}

// retrieveMessage answers GET /v1/messages/{message_id} (1.x
// messages.retrieve) with the message rendered as an array of the union: one
// stored message can give several items.
func (s *server) retrieveMessage(w http.ResponseWriter, r *http.Request) error {
	id := chi.URLParam(r, "message_id")
	if !letta.ValidID(letta.PrefixMessage, id) {
		var fe fieldErrors
		fe.add("String should match pattern 'message-<uuid4>'", "path", "message_id")
		return fe
	}
	m, err := s.cfg.Store.GetMessage(r.Context(), id)
	if err != nil {
		return notFound(err, "Message", id)
	}
	out := letta.ToLettaMessages([]*letta.Message{m}, letta.RenderOptions{UseAssistantMessage: true})
	return writeJSON(w, http.StatusOK, out)
}

// returnTypesParam reads include_return_message_types (repeated or
// comma-separated), reporting unknown types.
func returnTypesParam(q *query) []string {
	types := q.strs("include_return_message_types", true)
	for i, t := range types {
		if !slices.Contains(returnableTypes, t) {
			q.errs.add("Input should be one of "+strings.Join(returnableTypes, ", "), "query", "include_return_message_types", i)
		}
	}
	return types
}

// filterTypes keeps the items of the given types; no types keeps all.
func filterTypes(items []letta.LettaMessage, types []string) []letta.LettaMessage {
	if len(types) == 0 {
		return items
	}
	return slices.DeleteFunc(items, func(m letta.LettaMessage) bool { return !slices.Contains(types, m.MessageType) })
}
