package sqlite

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/store"
)

const messageColumns = `seq, id, agent_id, created_at, data`

// scanMessage reads a message row (messageColumns) and returns the message
// with the length of its stored JSON.
func scanMessage(row interface{ Scan(...any) error }) (*letta.Message, int, error) {
	var (
		seq, createdAt int64
		id, agentID    string
		data           string
	)
	if err := row.Scan(&seq, &id, &agentID, &createdAt, &data); err != nil {
		return nil, 0, err
	}
	var m letta.Message
	if err := json.Unmarshal([]byte(data), &m); err != nil {
		return nil, 0, fmt.Errorf("decode message %s: %w", id, err)
	}
	m.Seq, m.ID, m.AgentID = seq, id, agentID
	m.CreatedAt = fromMicros(createdAt)
	return &m, len(data), nil
}

// cacheMessage keeps m, read after the cache's epoch was epoch, unless it
// was read inside a transaction (which may not commit).
func (s *Store) cacheMessage(epoch uint64, m *letta.Message, size int) {
	if !s.inTx {
		s.msgCache.put(epoch, m, size)
	}
}

const createMessageSQL = `
INSERT INTO messages (id, agent_id, role, run_id, step_id, created_at, text, data)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)
RETURNING seq`

// CreateMessages inserts the messages in order, all or none, and sets each
// one's Seq. ErrConflict for a taken id, ErrNotFound for an unknown agent.
func (s *Store) CreateMessages(ctx context.Context, msgs []*letta.Message) error {
	if len(msgs) == 0 {
		return nil
	}
	seqs := make([]int64, len(msgs))
	err := s.InTx(ctx, func(txs store.Store) error {
		tx := txs.(*Store)
		for i, m := range msgs {
			data, err := json.Marshal(m)
			if err != nil {
				return fmt.Errorf("encode message %s: %w", m.ID, err)
			}
			err = tx.q.QueryRowContext(ctx, createMessageSQL, m.ID, m.AgentID, m.Role, nullString(m.RunID),
				nullString(m.StepID), micros(m.CreatedAt), m.Text(), string(data)).Scan(&seqs[i])
			if err != nil {
				return fmt.Errorf("message %s: %w", m.ID, interpretError(err))
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("create messages: %w", err)
	}
	for i, m := range msgs {
		m.Seq = seqs[i]
	}
	return nil
}

const getMessageSQL = `SELECT ` + messageColumns + ` FROM messages WHERE id = ?`

// GetMessage returns one message. ErrNotFound.
func (s *Store) GetMessage(ctx context.Context, id string) (*letta.Message, error) {
	if m, ok := s.msgCache.get(id); ok {
		return m, nil
	}
	epoch := s.msgCache.currentEpoch()
	m, size, err := scanMessage(s.r.QueryRowContext(ctx, getMessageSQL, id))
	if err != nil {
		return nil, fmt.Errorf("get message %s: %w", id, interpretError(err))
	}
	s.cacheMessage(epoch, m, size)
	return m, nil
}

const getMessagesSQL = `SELECT ` + messageColumns + ` FROM messages WHERE id IN `

// getMessagesChunk bounds the number of ids bound in one query.
const getMessagesChunk = 500

// GetMessages returns the messages with these ids in the order given,
// skipping ids that do not exist.
func (s *Store) GetMessages(ctx context.Context, ids []string) ([]*letta.Message, error) {
	byID := make(map[string]*letta.Message, len(ids))
	var missing []string
	for _, id := range ids {
		if _, seen := byID[id]; seen {
			continue
		}
		if m, ok := s.msgCache.get(id); ok {
			byID[id] = m
		} else {
			missing = append(missing, id)
		}
	}
	epoch := s.msgCache.currentEpoch()
	for start := 0; start < len(missing); start += getMessagesChunk {
		chunk := missing[start:min(start+getMessagesChunk, len(missing))]
		if err := s.collectMessages(ctx, byID, epoch, getMessagesSQL+"("+placeholders(len(chunk))+")", anys(chunk)...); err != nil {
			return nil, fmt.Errorf("get messages: %w", err)
		}
	}
	out := make([]*letta.Message, 0, len(ids))
	for _, id := range ids {
		if m, ok := byID[id]; ok {
			out = append(out, m)
		}
	}
	return out, nil
}

// collectMessages adds the messages query reads to into and to the cache,
// whose epoch was epoch before the query.
func (s *Store) collectMessages(ctx context.Context, into map[string]*letta.Message, epoch uint64, query string, args ...any) error {
	rows, err := s.r.QueryContext(ctx, query, args...)
	if err != nil {
		return interpretError(err)
	}
	defer rows.Close()
	for rows.Next() {
		m, size, err := scanMessage(rows)
		if err != nil {
			return err
		}
		into[m.ID] = m
		s.cacheMessage(epoch, m, size)
	}
	return interpretError(rows.Err())
}

const listMessagesSQL = `SELECT ` + messageColumns + ` FROM messages`

// ListMessages returns messages matching every filter, ordered by Seq.
// ErrNotFound for an unknown cursor.
func (s *Store) ListMessages(ctx context.Context, p store.ListMessagesParams) ([]*letta.Message, error) {
	var q query
	if p.AgentID != "" {
		q.add("agent_id = ?", p.AgentID)
	}
	if p.RunID != "" {
		q.add("run_id = ?", p.RunID)
	}
	if p.StepID != "" {
		q.add("step_id = ?", p.StepID)
	}
	if len(p.Roles) > 0 {
		q.add("role IN ("+placeholders(len(p.Roles))+")", anys(p.Roles)...)
	}
	if p.Query != "" {
		q.add("instr(lower(text), lower(?)) > 0", p.Query)
	}
	if p.StartDate != nil {
		q.add("created_at >= ?", micros(*p.StartDate))
	}
	if p.EndDate != nil {
		q.add("created_at <= ?", micros(*p.EndDate))
	}
	tail, err := s.pageBySeq(ctx, &q, p.Page)
	if err != nil {
		return nil, fmt.Errorf("list messages: %w", err)
	}
	rows, err := s.r.QueryContext(ctx, listMessagesSQL+q.whereSQL()+tail, q.args...)
	if err != nil {
		return nil, fmt.Errorf("list messages: %w", interpretError(err))
	}
	defer rows.Close()
	out := []*letta.Message{}
	for rows.Next() {
		m, _, err := scanMessage(rows)
		if err != nil {
			return nil, fmt.Errorf("list messages: %w", err)
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list messages: %w", interpretError(err))
	}
	return out, nil
}

const updateMessageSQL = `UPDATE messages SET role = ?, run_id = ?, step_id = ?, text = ?, data = ? WHERE id = ?`

// UpdateMessage overwrites the message's content fields; its id, agent,
// Seq and CreatedAt stay. ErrNotFound.
func (s *Store) UpdateMessage(ctx context.Context, m *letta.Message) error {
	data, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("encode message %s: %w", m.ID, err)
	}
	err = s.writeMessages(messageWrite{ID: m.ID}, func() error {
		res, err := s.q.ExecContext(ctx, updateMessageSQL, m.Role, nullString(m.RunID), nullString(m.StepID),
			m.Text(), string(data), m.ID)
		if err != nil {
			return err
		}
		return affectedOne(res)
	})
	if err != nil {
		return fmt.Errorf("update message %s: %w", m.ID, interpretError(err))
	}
	return nil
}

const deleteAgentMessagesSQL = `DELETE FROM messages WHERE agent_id = ?`

// DeleteAgentMessages removes every message of the agent.
func (s *Store) DeleteAgentMessages(ctx context.Context, agentID string) error {
	s.counts.Forget(agentID)
	err := s.writeMessages(messageWrite{AgentID: agentID}, func() error {
		_, err := s.q.ExecContext(ctx, deleteAgentMessagesSQL, agentID)
		return err
	})
	if err != nil {
		return fmt.Errorf("delete agent %s messages: %w", agentID, interpretError(err))
	}
	return nil
}

const countMessagesSQL = `SELECT count(*) FROM messages WHERE agent_id = ?`

// CountMessages counts the agent's stored messages. Outside a transaction
// it counts only the messages added since it last counted (store.MessageCounts).
func (s *Store) CountMessages(ctx context.Context, agentID string) (int, error) {
	var n int
	var err error
	if s.inTx {
		err = s.r.QueryRowContext(ctx, countMessagesSQL, agentID).Scan(&n)
	} else {
		n, err = countMessages(ctx, s.counts, s.r, agentID)
	}
	if err != nil {
		return 0, fmt.Errorf("count agent %s messages: %w", agentID, interpretError(err))
	}
	return n, nil
}
