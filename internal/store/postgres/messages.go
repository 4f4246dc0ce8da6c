package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/store"
)

// messageColumns are the columns scanMessage reads, in its order.
const messageColumns = `messages.seq, messages.id, messages.agent_id, messages.role, messages.run_id,
	messages.step_id, messages.created_at, messages.data`

// scanMessage reads messageColumns: the JSON data, overridden by the columns.
func (s *Store) scanMessage(row scanner) (*letta.Message, error) {
	var (
		seq           int64
		id, agentID   string
		role          string
		runID, stepID *string
		created       time.Time
		data          []byte
	)
	if err := row.Scan(&seq, &id, &agentID, &role, &runID, &stepID, &created, &data); err != nil {
		return nil, interpretError(err)
	}
	m, err := s.messages.Decode(id, data)
	if err != nil {
		return nil, fmt.Errorf("decode message %s: %w", id, err)
	}
	m.Seq, m.ID, m.AgentID, m.Role = seq, id, agentID, role
	m.RunID, m.StepID, m.CreatedAt = runID, stepID, created.UTC()
	return m, nil
}

// CreateMessages inserts the messages in order, in one transaction, and
// sets each one's Seq. ErrNotFound when an agent does not exist,
// ErrConflict when an id is taken.
func (s *Store) CreateMessages(ctx context.Context, msgs []*letta.Message) error {
	const q = `INSERT INTO messages (id, agent_id, role, run_id, step_id, created_at, text, data)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING seq`
	if len(msgs) == 0 {
		return nil
	}
	datas := make([][]byte, len(msgs))
	for i, m := range msgs {
		var err error
		if datas[i], err = encodeData(m); err != nil {
			return fmt.Errorf("create message %s: %w", m.ID, err)
		}
	}
	seqs := make([]int64, len(msgs))
	err := s.transact(ctx, func(tx *Store) error {
		batch := &pgx.Batch{}
		for i, m := range msgs {
			batch.Queue(q, m.ID, m.AgentID, m.Role, m.RunID, m.StepID, m.CreatedAt, replaceNUL(m.Text()), datas[i]).
				QueryRow(func(row pgx.Row) error { return row.Scan(&seqs[i]) })
		}
		if err := tx.q.SendBatch(ctx, batch).Close(); err != nil {
			return interpretError(err)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("create %d messages: %w", len(msgs), err)
	}
	for i, m := range msgs {
		m.Seq = seqs[i]
	}
	return nil
}

// GetMessage returns one message. ErrNotFound.
func (s *Store) GetMessage(ctx context.Context, id string) (*letta.Message, error) {
	const q = `SELECT ` + messageColumns + ` FROM messages WHERE id = $1`
	m, err := s.scanMessage(s.q.QueryRow(ctx, q, id))
	if err != nil {
		return nil, fmt.Errorf("get message %s: %w", id, err)
	}
	return m, nil
}

// GetMessages returns the messages with these ids in the order given,
// skipping ids that do not exist.
func (s *Store) GetMessages(ctx context.Context, ids []string) ([]*letta.Message, error) {
	const q = `SELECT ` + messageColumns + ` FROM messages WHERE id = ANY($1)`
	if len(ids) == 0 {
		return []*letta.Message{}, nil
	}
	rows, err := s.q.Query(ctx, q, ids)
	if err != nil {
		return nil, fmt.Errorf("get %d messages: %w", len(ids), interpretError(err))
	}
	found, err := collect(rows, s.scanMessage)
	if err != nil {
		return nil, fmt.Errorf("get %d messages: %w", len(ids), err)
	}
	byID := make(map[string]*letta.Message, len(found))
	for _, m := range found {
		byID[m.ID] = m
	}
	out := make([]*letta.Message, 0, len(ids))
	for _, id := range ids {
		if m, ok := byID[id]; ok {
			out = append(out, m)
		}
	}
	return out, nil
}

// ListMessages returns the messages matching every filter, ordered by Seq.
// Cursors are message ids. ErrNotFound for an unknown cursor.
func (s *Store) ListMessages(ctx context.Context, p store.ListMessagesParams) ([]*letta.Message, error) {
	var f filter
	if p.AgentID != "" {
		f.where("agent_id = " + f.arg(p.AgentID))
	}
	if p.RunID != "" {
		f.where("run_id = " + f.arg(p.RunID))
	}
	if p.StepID != "" {
		f.where("step_id = " + f.arg(p.StepID))
	}
	if len(p.Roles) > 0 {
		f.where("role = ANY(" + f.arg(p.Roles) + ")")
	}
	if p.Query != "" {
		f.where("strpos(lower(text), lower(" + f.arg(replaceNUL(p.Query)) + ")) > 0")
	}
	if p.StartDate != nil {
		f.where("created_at >= " + f.arg(*p.StartDate))
	}
	if p.EndDate != nil {
		f.where("created_at <= " + f.arg(*p.EndDate))
	}
	msgs, err := listPage(ctx, s, &f, "messages", messageColumns, bySeq, p.Page, s.scanMessage)
	if err != nil {
		return nil, fmt.Errorf("list messages: %w", err)
	}
	return msgs, nil
}

// UpdateMessage overwrites the message's content fields; its agent, Seq and
// creation time stay. ErrNotFound.
func (s *Store) UpdateMessage(ctx context.Context, m *letta.Message) error {
	const q = `UPDATE messages SET role = $2, run_id = $3, step_id = $4, text = $5, data = $6 WHERE id = $1`
	data, err := encodeData(m)
	if err != nil {
		return fmt.Errorf("update message %s: %w", m.ID, err)
	}
	tag, err := s.q.Exec(ctx, q, m.ID, m.Role, m.RunID, m.StepID, replaceNUL(m.Text()), data)
	if err != nil {
		return fmt.Errorf("update message %s: %w", m.ID, interpretError(err))
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("update message %s: %w", m.ID, store.ErrNotFound)
	}
	return nil
}

// DeleteAgentMessages removes every message of the agent.
func (s *Store) DeleteAgentMessages(ctx context.Context, agentID string) error {
	s.counts.Forget(agentID)
	if _, err := s.q.Exec(ctx, `DELETE FROM messages WHERE agent_id = $1`, agentID); err != nil {
		return fmt.Errorf("delete messages of agent %s: %w", agentID, interpretError(err))
	}
	return nil
}

// CountMessages counts the agent's stored messages. Outside a transaction
// it counts only the messages added since it last counted (store.MessageCounts).
func (s *Store) CountMessages(ctx context.Context, agentID string) (int, error) {
	var n int
	var err error
	if s.inTx {
		err = s.q.QueryRow(ctx, `SELECT count(*) FROM messages WHERE agent_id = $1`, agentID).Scan(&n)
	} else {
		n, err = countMessages(ctx, s.counts, s.q, agentID)
	}
	if err != nil {
		return 0, fmt.Errorf("count messages of agent %s: %w", agentID, interpretError(err))
	}
	return n, nil
}
