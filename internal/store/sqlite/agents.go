package sqlite

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/store"
)

const agentColumns = `id, message_ids, created_at, updated_at, data`

// agentData encodes what the data column keeps: the agent without its
// relations, which live in link tables, and without the message ids, which
// have their own column.
func agentData(a *letta.Agent) (string, string, error) {
	cp := *a
	cp.Blocks, cp.Tools, cp.Tags = nil, nil, nil
	cp.Memory = letta.Memory{}
	cp.Secrets, cp.Identities, cp.IdentityIDs = nil, nil, nil
	cp.MessageIDs = nil
	data, err := json.Marshal(&cp)
	if err != nil {
		return "", "", fmt.Errorf("encode agent: %w", err)
	}
	ids := a.MessageIDs
	if ids == nil {
		ids = []string{}
	}
	msgIDs, err := json.Marshal(ids)
	if err != nil {
		return "", "", fmt.Errorf("encode message ids: %w", err)
	}
	return string(data), string(msgIDs), nil
}

func (s *Store) scanAgent(row interface{ Scan(...any) error }) (*letta.Agent, error) {
	var (
		id, msgIDs, data     string
		createdAt, updatedAt int64
	)
	if err := row.Scan(&id, &msgIDs, &createdAt, &updatedAt, &data); err != nil {
		return nil, err
	}
	a, err := s.agents.Decode(id, []byte(data))
	if err != nil {
		return nil, fmt.Errorf("decode agent %s: %w", id, err)
	}
	if err := json.Unmarshal([]byte(msgIDs), &a.MessageIDs); err != nil {
		return nil, fmt.Errorf("decode agent %s message ids: %w", id, err)
	}
	a.ID = id
	a.CreatedAt, a.UpdatedAt = fromMicros(createdAt), fromMicros(updatedAt)
	return a, nil
}

const createAgentSQL = `
INSERT INTO agents (id, name, project_id, message_ids, created_at, updated_at, data)
VALUES (?, ?, ?, ?, ?, ?, ?)`

// CreateAgent inserts the agent with its links, in one transaction.
// ErrNotFound for a missing block or tool, ErrConflict for a taken id.
func (s *Store) CreateAgent(ctx context.Context, p store.CreateAgentParams) (*letta.Agent, error) {
	a := &p.Agent
	data, msgIDs, err := agentData(a)
	if err != nil {
		return nil, err
	}
	var out *letta.Agent
	err = s.InTx(ctx, func(txs store.Store) error {
		tx := txs.(*Store)
		if _, err := tx.q.ExecContext(ctx, createAgentSQL, a.ID, a.Name, nullString(a.ProjectID), msgIDs,
			micros(a.CreatedAt), micros(a.UpdatedAt), data); err != nil {
			return interpretError(err)
		}
		if err := tx.insertBlockLinks(ctx, a.ID, p.BlockIDs); err != nil {
			return err
		}
		if err := tx.insertToolLinks(ctx, a.ID, p.ToolIDs); err != nil {
			return err
		}
		if err := tx.insertTags(ctx, a.ID, p.Tags); err != nil {
			return err
		}
		if len(p.IdentityIDs) > 0 {
			if err := tx.SetAgentIdentities(ctx, a.ID, p.IdentityIDs); err != nil {
				return err
			}
		}
		var err error
		out, err = tx.GetAgent(ctx, a.ID)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("create agent %s: %w", a.ID, err)
	}
	return out, nil
}

const getAgentSQL = `SELECT ` + agentColumns + ` FROM agents WHERE id = ?`

// GetAgent returns the agent with its relations. ErrNotFound.
func (s *Store) GetAgent(ctx context.Context, id string) (*letta.Agent, error) {
	a, err := s.scanAgent(s.r.QueryRowContext(ctx, getAgentSQL, id))
	if err != nil {
		return nil, fmt.Errorf("get agent %s: %w", id, interpretError(err))
	}
	if err := s.fillRelations(ctx, a); err != nil {
		return nil, fmt.Errorf("get agent %s: %w", id, err)
	}
	return a, nil
}

const (
	agentBlocksSQL = `
SELECT b.id, b.value, b.created_at, b.updated_at, b.data
FROM agent_blocks ab JOIN blocks b ON b.id = ab.block_id
WHERE ab.agent_id = ? ORDER BY ab.position`
	agentToolsSQL = `
SELECT t.id, t.name, t.created_at, t.updated_at, t.data
FROM agent_tools l JOIN tools t ON t.id = l.tool_id
WHERE l.agent_id = ? ORDER BY l.position`
	agentTagsSQL = `SELECT tag FROM agent_tags WHERE agent_id = ? ORDER BY tag`
)

// fillRelations loads the agent's blocks, tools and tags and normalizes it.
func (s *Store) fillRelations(ctx context.Context, a *letta.Agent) error {
	a.Blocks = []letta.Block{}
	rows, err := s.r.QueryContext(ctx, agentBlocksSQL, a.ID)
	if err != nil {
		return fmt.Errorf("load blocks: %w", interpretError(err))
	}
	for rows.Next() {
		b, err := s.scanBlock(rows)
		if err != nil {
			rows.Close()
			return fmt.Errorf("load blocks: %w", err)
		}
		a.Blocks = append(a.Blocks, *b)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("load blocks: %w", interpretError(err))
	}

	a.Tools = []letta.Tool{}
	rows, err = s.r.QueryContext(ctx, agentToolsSQL, a.ID)
	if err != nil {
		return fmt.Errorf("load tools: %w", interpretError(err))
	}
	for rows.Next() {
		x, err := s.tools.scan(rows)
		if err != nil {
			rows.Close()
			return fmt.Errorf("load tools: %w", err)
		}
		a.Tools = append(a.Tools, *x)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("load tools: %w", interpretError(err))
	}

	if a.Tags, err = s.strings(ctx, agentTagsSQL, a.ID); err != nil {
		return fmt.Errorf("load tags: %w", err)
	}
	if a.Identities, err = s.agentIdentities(ctx, a.ID); err != nil {
		return err
	}
	a.IdentityIDs = make([]string, 0, len(a.Identities))
	for _, i := range a.Identities {
		a.IdentityIDs = append(a.IdentityIDs, i.ID)
	}
	a.Normalize()
	return nil
}

const listAgentsSQL = `SELECT ` + agentColumns + ` FROM agents`

// ListAgents returns agents matching every given filter, with relations.
// ErrNotFound for an unknown cursor.
func (s *Store) ListAgents(ctx context.Context, p store.ListAgentsParams) ([]*letta.Agent, error) {
	var q query
	if p.Name != "" {
		q.add("name = ?", p.Name)
	}
	if p.QueryText != "" {
		q.add("instr(lower(name), lower(?)) > 0", p.QueryText)
	}
	if p.ProjectID != "" {
		q.add("project_id = ?", p.ProjectID)
	}
	if p.IdentityID != "" {
		q.add("id IN (SELECT agent_id FROM identities_agents WHERE identity_id = ?)", p.IdentityID)
	}
	if keys := uniq(p.IdentifierKeys); len(keys) > 0 {
		q.add(`id IN (SELECT l.agent_id FROM identities_agents l JOIN identities i ON i.id = l.identity_id
			WHERE i.identifier_key IN (`+placeholders(len(keys))+`))`, anys(keys)...)
	}
	if ids := uniq(p.IDs); len(ids) > 0 {
		q.add("id IN ("+placeholders(len(ids))+")", anys(ids)...)
	}
	if tags := uniq(p.Tags); len(tags) > 0 {
		in := "SELECT agent_id FROM agent_tags WHERE tag IN (" + placeholders(len(tags)) + ")"
		args := anys(tags)
		if p.MatchAllTags {
			in += " GROUP BY agent_id HAVING count(*) = ?"
			args = append(args, len(tags))
		}
		// "+id": match the tagged ids while walking the creation-order
		// index, which stops at the page's limit, instead of reading every
		// tagged agent and sorting them (tags are usually broad groups).
		q.add("+id IN ("+in+")", args...)
	}
	tail, err := s.pageByCreation(ctx, &q, "agents", p.Page)
	if err != nil {
		return nil, fmt.Errorf("list agents: %w", err)
	}
	query := listAgentsSQL + q.whereSQL() + tail
	if order, limited := strings.CutSuffix(tail, " LIMIT ?"); limited {
		// Pick the page's ids first, then read only those rows: sorting
		// the filtered ids is cheap, sorting whole rows (their data) is not.
		query = listAgentsSQL + " WHERE id IN (SELECT id FROM agents" + q.whereSQL() + tail + ")" + order
	}
	rows, err := s.r.QueryContext(ctx, query, q.args...)
	if err != nil {
		return nil, fmt.Errorf("list agents: %w", interpretError(err))
	}
	out := []*letta.Agent{}
	for rows.Next() {
		a, err := s.scanAgent(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("list agents: %w", err)
		}
		out = append(out, a)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list agents: %w", interpretError(err))
	}
	// Relations are loaded after the rows are closed: inside a transaction
	// there is one connection.
	if err := s.fillPageRelations(ctx, out); err != nil {
		return nil, fmt.Errorf("list agents: %w", err)
	}
	return out, nil
}

const updateAgentSQL = `
UPDATE agents SET name = ?, project_id = ?, message_ids = ?, updated_at = ?, data = ? WHERE id = ?`

// UpdateAgent overwrites the agent's own fields (not its links), sets
// UpdatedAt and returns the agent as GetAgent would. ErrNotFound.
func (s *Store) UpdateAgent(ctx context.Context, a *letta.Agent) (*letta.Agent, error) {
	cp := *a
	cp.UpdatedAt = letta.Now()
	data, msgIDs, err := agentData(&cp)
	if err != nil {
		return nil, err
	}
	var out *letta.Agent
	err = s.InTx(ctx, func(txs store.Store) error {
		tx := txs.(*Store)
		res, err := tx.q.ExecContext(ctx, updateAgentSQL, cp.Name, nullString(cp.ProjectID), msgIDs,
			micros(cp.UpdatedAt), data, cp.ID)
		if err == nil {
			err = affectedOne(res)
		}
		if err != nil {
			return interpretError(err)
		}
		out, err = tx.GetAgent(ctx, cp.ID)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("update agent %s: %w", a.ID, err)
	}
	return out, nil
}

const setAgentMessageIDsSQL = `UPDATE agents SET message_ids = ?, updated_at = ? WHERE id = ?`

// SetAgentMessageIDs replaces the in-context message id list. ErrNotFound.
func (s *Store) SetAgentMessageIDs(ctx context.Context, agentID string, ids []string) error {
	if ids == nil {
		ids = []string{}
	}
	enc, err := json.Marshal(ids)
	if err != nil {
		return fmt.Errorf("encode message ids: %w", err)
	}
	res, err := s.q.ExecContext(ctx, setAgentMessageIDsSQL, string(enc), micros(letta.Now()), agentID)
	if err == nil {
		err = affectedOne(res)
	}
	if err != nil {
		return fmt.Errorf("set agent %s message ids: %w", agentID, interpretError(err))
	}
	return nil
}

const (
	deleteAgentTagsSQL   = `DELETE FROM agent_tags WHERE agent_id = ?`
	insertAgentTagSQL    = `INSERT OR IGNORE INTO agent_tags (agent_id, tag) VALUES (?, ?)`
	deleteAgentBlocksSQL = `DELETE FROM agent_blocks WHERE agent_id = ?`
	insertAgentBlockSQL  = `INSERT INTO agent_blocks (agent_id, block_id, position) VALUES (?, ?, ?)`
	deleteAgentToolsSQL  = `DELETE FROM agent_tools WHERE agent_id = ?`
	insertAgentToolSQL   = `INSERT INTO agent_tools (agent_id, tool_id, position) VALUES (?, ?, ?)`
)

func (s *Store) insertTags(ctx context.Context, agentID string, tags []string) error {
	for _, tag := range tags {
		if _, err := s.q.ExecContext(ctx, insertAgentTagSQL, agentID, tag); err != nil {
			return fmt.Errorf("add tag %q: %w", tag, interpretError(err))
		}
	}
	return nil
}

// insertBlockLinks links the blocks in order; a repeated id is linked once.
func (s *Store) insertBlockLinks(ctx context.Context, agentID string, blockIDs []string) error {
	for i, id := range uniq(blockIDs) {
		if _, err := s.q.ExecContext(ctx, insertAgentBlockSQL, agentID, id, i); err != nil {
			return fmt.Errorf("attach block %s: %w", id, interpretError(err))
		}
	}
	return nil
}

// insertToolLinks links the tools in order; a repeated id is linked once.
func (s *Store) insertToolLinks(ctx context.Context, agentID string, toolIDs []string) error {
	for i, id := range uniq(toolIDs) {
		if _, err := s.q.ExecContext(ctx, insertAgentToolSQL, agentID, id, i); err != nil {
			return fmt.Errorf("attach tool %s: %w", id, interpretError(err))
		}
	}
	return nil
}

// replaceLinks runs del then ins for an existing agent, in one transaction.
func (s *Store) replaceLinks(ctx context.Context, what, agentID, del string, ins func(tx *Store) error) error {
	err := s.InTx(ctx, func(txs store.Store) error {
		tx := txs.(*Store)
		if err := tx.mustExist(ctx, "agent", existsAgentSQL, agentID); err != nil {
			return err
		}
		if _, err := tx.q.ExecContext(ctx, del, agentID); err != nil {
			return interpretError(err)
		}
		return ins(tx)
	})
	if err != nil {
		return fmt.Errorf("set agent %s %s: %w", agentID, what, err)
	}
	return nil
}

// SetAgentTags replaces the agent's tags. ErrNotFound.
func (s *Store) SetAgentTags(ctx context.Context, agentID string, tags []string) error {
	return s.replaceLinks(ctx, "tags", agentID, deleteAgentTagsSQL, func(tx *Store) error {
		return tx.insertTags(ctx, agentID, tags)
	})
}

// SetAgentBlocks replaces the agent's blocks, in order. ErrNotFound for an
// unknown agent or block.
func (s *Store) SetAgentBlocks(ctx context.Context, agentID string, blockIDs []string) error {
	return s.replaceLinks(ctx, "blocks", agentID, deleteAgentBlocksSQL, func(tx *Store) error {
		return tx.insertBlockLinks(ctx, agentID, blockIDs)
	})
}

// SetAgentTools replaces the agent's tools, in order. ErrNotFound for an
// unknown agent or tool.
func (s *Store) SetAgentTools(ctx context.Context, agentID string, toolIDs []string) error {
	return s.replaceLinks(ctx, "tools", agentID, deleteAgentToolsSQL, func(tx *Store) error {
		return tx.insertToolLinks(ctx, agentID, toolIDs)
	})
}

const (
	blockLabelSQL  = `SELECT label FROM blocks WHERE id = ?`
	blockLinkedSQL = `SELECT 1 FROM agent_blocks WHERE agent_id = ? AND block_id = ?`
	labelTakenSQL  = `SELECT 1 FROM agent_blocks ab JOIN blocks b ON b.id = ab.block_id WHERE ab.agent_id = ? AND b.label = ?`
	appendBlockSQL = `
INSERT INTO agent_blocks (agent_id, block_id, position)
SELECT ?, ?, coalesce(max(position) + 1, 0) FROM agent_blocks WHERE agent_id = ?`
	detachBlockSQL = `DELETE FROM agent_blocks WHERE agent_id = ? AND block_id = ?`
	appendToolSQL  = `
INSERT OR IGNORE INTO agent_tools (agent_id, tool_id, position)
SELECT ?, ?, coalesce(max(position) + 1, 0) FROM agent_tools WHERE agent_id = ?`
	detachToolSQL = `DELETE FROM agent_tools WHERE agent_id = ? AND tool_id = ?`
)

// AttachBlock appends a block link (no-op when already attached).
// ErrNotFound for an unknown agent or block; ErrConflict when the agent
// already has another block with that label.
func (s *Store) AttachBlock(ctx context.Context, agentID, blockID string) error {
	err := s.InTx(ctx, func(txs store.Store) error {
		tx := txs.(*Store)
		if err := tx.mustExist(ctx, "agent", existsAgentSQL, agentID); err != nil {
			return err
		}
		var label string
		if err := tx.q.QueryRowContext(ctx, blockLabelSQL, blockID).Scan(&label); err != nil {
			return fmt.Errorf("block %s: %w", blockID, interpretError(err))
		}
		linked, err := tx.exists(ctx, blockLinkedSQL, agentID, blockID)
		if err != nil || linked {
			return err
		}
		taken, err := tx.exists(ctx, labelTakenSQL, agentID, label)
		if err != nil {
			return err
		}
		if taken {
			return fmt.Errorf("the agent already has a block labelled %q: %w", label, store.ErrConflict)
		}
		_, err = tx.q.ExecContext(ctx, appendBlockSQL, agentID, blockID, agentID)
		return interpretError(err)
	})
	if err != nil {
		return fmt.Errorf("attach block %s to agent %s: %w", blockID, agentID, err)
	}
	return nil
}

// DetachBlock removes a block link; the block stays. ErrNotFound for an
// unknown agent or block.
func (s *Store) DetachBlock(ctx context.Context, agentID, blockID string) error {
	err := s.InTx(ctx, func(txs store.Store) error {
		tx := txs.(*Store)
		if err := tx.mustExist(ctx, "agent", existsAgentSQL, agentID); err != nil {
			return err
		}
		if err := tx.mustExist(ctx, "block", existsBlockSQL, blockID); err != nil {
			return err
		}
		_, err := tx.q.ExecContext(ctx, detachBlockSQL, agentID, blockID)
		return interpretError(err)
	})
	if err != nil {
		return fmt.Errorf("detach block %s from agent %s: %w", blockID, agentID, err)
	}
	return nil
}

// AttachTool appends a tool link (no-op when already attached).
// ErrNotFound for an unknown agent or tool.
func (s *Store) AttachTool(ctx context.Context, agentID, toolID string) error {
	err := s.InTx(ctx, func(txs store.Store) error {
		tx := txs.(*Store)
		if err := tx.mustExist(ctx, "agent", existsAgentSQL, agentID); err != nil {
			return err
		}
		if err := tx.mustExist(ctx, "tool", existsToolSQL, toolID); err != nil {
			return err
		}
		_, err := tx.q.ExecContext(ctx, appendToolSQL, agentID, toolID, agentID)
		return interpretError(err)
	})
	if err != nil {
		return fmt.Errorf("attach tool %s to agent %s: %w", toolID, agentID, err)
	}
	return nil
}

// DetachTool removes a tool link (idempotent).
func (s *Store) DetachTool(ctx context.Context, agentID, toolID string) error {
	if _, err := s.q.ExecContext(ctx, detachToolSQL, agentID, toolID); err != nil {
		return fmt.Errorf("detach tool %s from agent %s: %w", toolID, agentID, interpretError(err))
	}
	return nil
}

const deleteAgentSQL = `DELETE FROM agents WHERE id = ?`

// DeleteAgent removes the agent; its links, messages and steps go with it
// by cascade, blocks and tools stay; a lease on it can no longer be renewed.
// ErrNotFound.
func (s *Store) DeleteAgent(ctx context.Context, id string) error {
	err := s.writeMessages(messageWrite{AgentID: id}, func() error {
		res, err := s.q.ExecContext(ctx, deleteAgentSQL, id)
		if err != nil {
			return err
		}
		return affectedOne(res)
	})
	if err != nil {
		return fmt.Errorf("delete agent %s: %w", id, interpretError(err))
	}
	return nil
}

const listTagsSQL = `SELECT DISTINCT tag FROM agent_tags ORDER BY tag`

// ListTags returns the distinct tags of all agents, sorted.
func (s *Store) ListTags(ctx context.Context) ([]string, error) {
	tags, err := s.strings(ctx, listTagsSQL)
	if err != nil {
		return nil, fmt.Errorf("list tags: %w", err)
	}
	return tags, nil
}

// uniq returns s without repeats, in first-seen order.
func uniq(s []string) []string {
	out := make([]string, 0, len(s))
	for _, v := range s {
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}
