package postgres

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/store"
)

// agentColumns are the columns scanAgent reads, in its order.
const agentColumns = `agents.id, agents.name, agents.project_id, agents.message_ids,
	agents.created_at, agents.updated_at, agents.data`

// scanAgent reads agentColumns: the JSON data (through the cache),
// overridden by the columns. Links are filled in by loadLinks.
func (s *Store) scanAgent(row scanner) (*letta.Agent, error) {
	var (
		id, name   string
		projectID  *string
		messageIDs []string
		created    time.Time
		updated    time.Time
		data       []byte
	)
	if err := row.Scan(&id, &name, &projectID, &messageIDs, &created, &updated, &data); err != nil {
		return nil, interpretError(err)
	}
	a, err := s.agents.Decode(id, data)
	if err != nil {
		return nil, fmt.Errorf("decode agent %s: %w", id, err)
	}
	a.ID, a.Name, a.ProjectID, a.MessageIDs = id, name, projectID, orEmpty(messageIDs)
	a.CreatedAt, a.UpdatedAt = created.UTC(), updated.UTC()
	return a, nil
}

// agentData is the JSON kept for a: its own fields, without the links, the
// message ids (a column) and the fields derived from others (Normalize
// fills those on read).
func agentData(a *letta.Agent) ([]byte, error) {
	cp := *a
	cp.Tags, cp.Tools, cp.Blocks, cp.Secrets, cp.MessageIDs = nil, nil, nil, nil, nil
	cp.Identities, cp.IdentityIDs = nil, nil
	cp.Memory = letta.Memory{}
	return encodeData(&cp)
}

// CreateAgent inserts the agent with its links in the given order. The
// blocks and tools must exist (ErrNotFound). ErrConflict when the id is taken.
func (s *Store) CreateAgent(ctx context.Context, p store.CreateAgentParams) (*letta.Agent, error) {
	const q = `INSERT INTO agents (id, name, project_id, message_ids, created_at, updated_at, data)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`
	a := p.Agent
	if a.CreatedAt.IsZero() {
		a.CreatedAt = letta.Now()
	}
	if a.UpdatedAt.IsZero() {
		a.UpdatedAt = a.CreatedAt
	}
	data, err := agentData(&a)
	if err != nil {
		return nil, fmt.Errorf("create agent %s: %w", a.ID, err)
	}
	var created *letta.Agent
	err = s.transact(ctx, func(tx *Store) error {
		if _, err := tx.q.Exec(ctx, q, a.ID, replaceNUL(a.Name), a.ProjectID, orEmpty(a.MessageIDs), a.CreatedAt, a.UpdatedAt, data); err != nil {
			return interpretError(err)
		}
		if err := tx.insertTags(ctx, a.ID, p.Tags); err != nil {
			return err
		}
		if err := tx.insertBlockLinks(ctx, a.ID, p.BlockIDs); err != nil {
			return err
		}
		if err := tx.insertToolLinks(ctx, a.ID, p.ToolIDs); err != nil {
			return err
		}
		if len(p.IdentityIDs) > 0 {
			if err := tx.SetAgentIdentities(ctx, a.ID, p.IdentityIDs); err != nil {
				return err
			}
		}
		var err error
		created, err = tx.GetAgent(ctx, a.ID)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("create agent %s: %w", a.ID, err)
	}
	return created, nil
}

// GetAgent returns the agent with its blocks (attachment order), tools
// (attachment order) and tags (sorted). ErrNotFound.
func (s *Store) GetAgent(ctx context.Context, id string) (*letta.Agent, error) {
	const q = `SELECT ` + agentColumns + ` FROM agents WHERE id = $1`
	a, err := s.scanAgent(s.q.QueryRow(ctx, q, id))
	if err != nil {
		return nil, fmt.Errorf("get agent %s: %w", id, err)
	}
	if err := s.loadLinks(ctx, []*letta.Agent{a}); err != nil {
		return nil, fmt.Errorf("get agent %s: %w", id, err)
	}
	return a, nil
}

// ListAgents returns the agents matching every given filter, in creation
// order, with their links. ErrNotFound for an unknown cursor.
func (s *Store) ListAgents(ctx context.Context, p store.ListAgentsParams) ([]*letta.Agent, error) {
	var f filter
	if p.Name != "" {
		f.where("name = " + f.arg(replaceNUL(p.Name)))
	}
	if p.QueryText != "" {
		f.where("strpos(lower(name), lower(" + f.arg(replaceNUL(p.QueryText)) + ")) > 0")
	}
	if p.ProjectID != "" {
		f.where("project_id = " + f.arg(p.ProjectID))
	}
	if p.IdentityID != "" {
		f.where(`EXISTS (SELECT 1 FROM identities_agents l
			WHERE l.agent_id = agents.id AND l.identity_id = ` + f.arg(p.IdentityID) + `)`)
	}
	if len(p.IdentifierKeys) > 0 {
		f.where(`EXISTS (SELECT 1 FROM identities_agents l JOIN identities i ON i.id = l.identity_id
			WHERE l.agent_id = agents.id AND i.identifier_key = ANY(` + f.arg(distinct(p.IdentifierKeys)) + `))`)
	}
	if len(p.IDs) > 0 {
		f.where("id = ANY(" + f.arg(distinct(p.IDs)) + ")")
	}
	if len(p.Tags) > 0 {
		tags := distinct(p.Tags)
		if p.MatchAllTags {
			f.where(fmt.Sprintf(`(SELECT count(*) FROM agent_tags t
				WHERE t.agent_id = agents.id AND t.tag = ANY(%s)) = %s`, f.arg(tags), f.arg(len(tags))))
		} else {
			f.where(`EXISTS (SELECT 1 FROM agent_tags t
				WHERE t.agent_id = agents.id AND t.tag = ANY(` + f.arg(tags) + `))`)
		}
	}
	agents, err := listPage(ctx, s, &f, "agents", agentColumns, byCreation, p.Page, s.scanAgent)
	if err != nil {
		return nil, fmt.Errorf("list agents: %w", err)
	}
	if err := s.loadLinks(ctx, agents); err != nil {
		return nil, fmt.Errorf("list agents: %w", err)
	}
	return agents, nil
}

// loadLinks fills in the tags, blocks, tools and identities of agents and
// normalizes them: five queries whatever their number, sent in one batch
// (one round trip), then the identities' own links if there are any.
func (s *Store) loadLinks(ctx context.Context, agents []*letta.Agent) error {
	if len(agents) == 0 {
		return nil
	}
	byID := make(map[string]*letta.Agent, len(agents))
	ids := make([]string, len(agents))
	for i, a := range agents {
		byID[a.ID], ids[i] = a, a.ID
		a.Tags, a.Blocks, a.Tools = []string{}, []letta.Block{}, []letta.Tool{}
	}

	const (
		tagsQ   = `SELECT agent_id, tag FROM agent_tags WHERE agent_id = ANY($1) ORDER BY agent_id, tag`
		blocksQ = `SELECT l.agent_id, ` + blockColumns + `
		FROM agent_blocks l JOIN blocks ON blocks.id = l.block_id
		WHERE l.agent_id = ANY($1) ORDER BY l.agent_id, l.position`
		// The links, then each linked tool once: a page's agents share a
		// few tools, whose rows (schemas) are large. The ids come first as
		// an array, so that the tools are found by primary key however
		// many there are.
		toolLinksQ = `SELECT agent_id, tool_id FROM agent_tools WHERE agent_id = ANY($1) ORDER BY agent_id, position`
		toolsQ     = `SELECT ` + toolColumns + ` FROM tools
		WHERE id = ANY(ARRAY(SELECT tool_id FROM agent_tools WHERE agent_id = ANY($1)))`
	)
	batch := &pgx.Batch{}
	batch.Queue(tagsQ, ids)
	batch.Queue(blocksQ, ids)
	batch.Queue(toolLinksQ, ids)
	batch.Queue(toolsQ, ids)
	batch.Queue(agentIdentitiesQ, ids)
	br := s.q.SendBatch(ctx, batch)
	pairs, err := s.readLinks(br, byID)
	if cerr := br.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("load links: %w", interpretError(cerr))
	}
	if err != nil {
		return err
	}
	if err := s.attachIdentities(ctx, byID, pairs); err != nil {
		return err
	}
	for _, a := range agents {
		a.Normalize()
	}
	return nil
}

// readLinks reads the results of loadLinks' batch, in its order, and
// returns the identity links for attachIdentities.
func (s *Store) readLinks(br pgx.BatchResults, byID map[string]*letta.Agent) ([]*identityLink, error) {
	rows, err := br.Query()
	if err != nil {
		return nil, fmt.Errorf("load tags: %w", interpretError(err))
	}
	_, err = collect(rows, func(row scanner) (*struct{}, error) {
		var agentID, tag string
		if err := row.Scan(&agentID, &tag); err != nil {
			return nil, interpretError(err)
		}
		byID[agentID].Tags = append(byID[agentID].Tags, tag)
		return nil, nil
	})
	if err != nil {
		return nil, fmt.Errorf("load tags: %w", err)
	}

	if rows, err = br.Query(); err != nil {
		return nil, fmt.Errorf("load blocks: %w", interpretError(err))
	}
	_, err = collect(rows, func(row scanner) (*struct{}, error) {
		var agentID string
		b, err := s.scanBlock(prefixed{row, &agentID})
		if err != nil {
			return nil, err
		}
		byID[agentID].Blocks = append(byID[agentID].Blocks, *b)
		return nil, nil
	})
	if err != nil {
		return nil, fmt.Errorf("load blocks: %w", err)
	}

	if err := s.readTools(br, byID); err != nil {
		return nil, fmt.Errorf("load tools: %w", err)
	}

	if rows, err = br.Query(); err != nil {
		return nil, fmt.Errorf("load identities: %w", interpretError(err))
	}
	pairs, err := collect(rows, scanIdentityLink)
	if err != nil {
		return nil, fmt.Errorf("load identities: %w", err)
	}
	return pairs, nil
}

// readTools reads loadLinks' tool links and linked tools and appends each
// tool to its agents in link order; the agents share the value, which
// readers do not modify. A tool deleted between the two reads is left
// out, as if it had been detached first.
func (s *Store) readTools(br pgx.BatchResults, byID map[string]*letta.Agent) error {
	rows, err := br.Query()
	if err != nil {
		return interpretError(err)
	}
	links, err := collect(rows, func(row scanner) (*[2]string, error) {
		var l [2]string // agent id, tool id
		if err := row.Scan(&l[0], &l[1]); err != nil {
			return nil, interpretError(err)
		}
		return &l, nil
	})
	if err != nil {
		return err
	}
	if rows, err = br.Query(); err != nil {
		return interpretError(err)
	}
	decoded := map[string]*letta.Tool{}
	if _, err := collect(rows, func(row scanner) (*letta.Tool, error) { return s.tools.scanTool(row, decoded) }); err != nil {
		return err
	}
	for _, l := range links {
		if t := decoded[l[1]]; t != nil {
			a := byID[l[0]]
			a.Tools = append(a.Tools, *t)
		}
	}
	return nil
}

// prefixed scans a leading column into first, then the rest with the
// scanner of a record.
type prefixed struct {
	row   scanner
	first any
}

func (p prefixed) Scan(dest ...any) error {
	return p.row.Scan(append([]any{p.first}, dest...)...)
}

// UpdateAgent overwrites the agent's own fields (not its links or creation
// time), sets UpdatedAt to now and returns the agent as GetAgent would.
// ErrNotFound.
func (s *Store) UpdateAgent(ctx context.Context, a *letta.Agent) (*letta.Agent, error) {
	const q = `UPDATE agents SET name = $2, project_id = $3, message_ids = $4, updated_at = $5, data = $6
		WHERE id = $1`
	updated := *a
	updated.UpdatedAt = letta.Now()
	data, err := agentData(&updated)
	if err != nil {
		return nil, fmt.Errorf("update agent %s: %w", a.ID, err)
	}
	var got *letta.Agent
	err = s.transact(ctx, func(tx *Store) error {
		tag, err := tx.q.Exec(ctx, q, a.ID, replaceNUL(a.Name), a.ProjectID, orEmpty(a.MessageIDs), updated.UpdatedAt, data)
		if err != nil {
			return interpretError(err)
		}
		if tag.RowsAffected() == 0 {
			return store.ErrNotFound
		}
		got, err = tx.GetAgent(ctx, a.ID)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("update agent %s: %w", a.ID, err)
	}
	return got, nil
}

// SetAgentMessageIDs replaces the in-context message id list. ErrNotFound.
func (s *Store) SetAgentMessageIDs(ctx context.Context, agentID string, ids []string) error {
	const q = `UPDATE agents SET message_ids = $2 WHERE id = $1`
	tag, err := s.q.Exec(ctx, q, agentID, orEmpty(ids))
	if err != nil {
		return fmt.Errorf("set message ids of agent %s: %w", agentID, interpretError(err))
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("set message ids of agent %s: %w", agentID, store.ErrNotFound)
	}
	return nil
}

// SetAgentTags replaces the agent's tags. ErrNotFound.
func (s *Store) SetAgentTags(ctx context.Context, agentID string, tags []string) error {
	err := s.transact(ctx, func(tx *Store) error {
		if err := tx.Lock(ctx, store.AgentRow, agentID); err != nil {
			return err
		}
		if _, err := tx.q.Exec(ctx, `DELETE FROM agent_tags WHERE agent_id = $1`, agentID); err != nil {
			return interpretError(err)
		}
		return tx.insertTags(ctx, agentID, tags)
	})
	if err != nil {
		return fmt.Errorf("set tags of agent %s: %w", agentID, err)
	}
	return nil
}

// SetAgentBlocks replaces the agent's blocks, keeping the given order.
// ErrNotFound for an unknown agent or block.
func (s *Store) SetAgentBlocks(ctx context.Context, agentID string, blockIDs []string) error {
	err := s.transact(ctx, func(tx *Store) error {
		if err := tx.Lock(ctx, store.AgentRow, agentID); err != nil {
			return err
		}
		if _, err := tx.q.Exec(ctx, `DELETE FROM agent_blocks WHERE agent_id = $1`, agentID); err != nil {
			return interpretError(err)
		}
		return tx.insertBlockLinks(ctx, agentID, blockIDs)
	})
	if err != nil {
		return fmt.Errorf("set blocks of agent %s: %w", agentID, err)
	}
	return nil
}

// SetAgentTools replaces the agent's tools, keeping the given order.
// ErrNotFound for an unknown agent or tool.
func (s *Store) SetAgentTools(ctx context.Context, agentID string, toolIDs []string) error {
	err := s.transact(ctx, func(tx *Store) error {
		if err := tx.Lock(ctx, store.AgentRow, agentID); err != nil {
			return err
		}
		if _, err := tx.q.Exec(ctx, `DELETE FROM agent_tools WHERE agent_id = $1`, agentID); err != nil {
			return interpretError(err)
		}
		return tx.insertToolLinks(ctx, agentID, toolIDs)
	})
	if err != nil {
		return fmt.Errorf("set tools of agent %s: %w", agentID, err)
	}
	return nil
}

// AttachBlock appends a block link (no-op when already attached);
// ErrConflict when the agent has another block with that label, ErrNotFound
// for an unknown agent or block.
func (s *Store) AttachBlock(ctx context.Context, agentID, blockID string) error {
	const q = `SELECT b.label,
			EXISTS (SELECT 1 FROM agent_blocks WHERE agent_id = $1 AND block_id = b.id),
			EXISTS (SELECT 1 FROM agent_blocks l JOIN blocks o ON o.id = l.block_id
				WHERE l.agent_id = $1 AND o.id <> b.id AND o.label = b.label)
		FROM blocks b WHERE b.id = $2`
	const insertQ = `INSERT INTO agent_blocks (agent_id, block_id, position)
		SELECT $1, $2, COALESCE(max(position), 0) + 1 FROM agent_blocks WHERE agent_id = $1`
	err := s.transact(ctx, func(tx *Store) error {
		if err := tx.Lock(ctx, store.AgentRow, agentID); err != nil {
			return err
		}
		var label string
		var attached, clash bool
		if err := tx.q.QueryRow(ctx, q, agentID, blockID).Scan(&label, &attached, &clash); err != nil {
			return interpretError(err)
		}
		switch {
		case attached:
			return nil
		case clash:
			return fmt.Errorf("the agent already has a %q block: %w", label, store.ErrConflict)
		}
		_, err := tx.q.Exec(ctx, insertQ, agentID, blockID)
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
	if err := s.detachBlock(ctx, agentID, blockID); err != nil {
		return fmt.Errorf("detach block %s from agent %s: %w", blockID, agentID, err)
	}
	return nil
}

// AttachTool appends a tool link (no-op when already attached). ErrNotFound
// for an unknown agent or tool.
func (s *Store) AttachTool(ctx context.Context, agentID, toolID string) error {
	const q = `INSERT INTO agent_tools (agent_id, tool_id, position)
		SELECT $1, $2, COALESCE(max(position), 0) + 1 FROM agent_tools WHERE agent_id = $1
		ON CONFLICT (agent_id, tool_id) DO NOTHING`
	err := s.transact(ctx, func(tx *Store) error {
		if err := tx.Lock(ctx, store.AgentRow, agentID); err != nil {
			return err
		}
		_, err := tx.q.Exec(ctx, q, agentID, toolID)
		return interpretError(err)
	})
	if err != nil {
		return fmt.Errorf("attach tool %s to agent %s: %w", toolID, agentID, err)
	}
	return nil
}

// DetachTool removes a tool link; idempotent, so an unknown agent or tool
// is no error.
func (s *Store) DetachTool(ctx context.Context, agentID, toolID string) error {
	const q = `DELETE FROM agent_tools WHERE agent_id = $1 AND tool_id = $2`
	if _, err := s.q.Exec(ctx, q, agentID, toolID); err != nil {
		return fmt.Errorf("detach tool %s from agent %s: %w", toolID, agentID, interpretError(err))
	}
	return nil
}

// detachBlock deletes one block link; when there was none it tells a
// missing agent or block (ErrNotFound) from a link that was not there.
func (s *Store) detachBlock(ctx context.Context, agentID, blockID string) error {
	const q = `DELETE FROM agent_blocks WHERE agent_id = $1 AND block_id = $2`
	tag, err := s.q.Exec(ctx, q, agentID, blockID)
	if err != nil {
		return interpretError(err)
	}
	if tag.RowsAffected() > 0 {
		return nil
	}
	for _, c := range []struct{ table, id string }{{"agents", agentID}, {"blocks", blockID}} {
		ok, err := s.exists(ctx, c.table, c.id)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("%s: %w", c.id, store.ErrNotFound)
		}
	}
	return nil
}

// DeleteAgent removes the agent with its links, messages, steps and lease
// (the schema cascades); blocks and tools stay. ErrNotFound.
func (s *Store) DeleteAgent(ctx context.Context, id string) error {
	return s.deleteByID(ctx, "agents", "agent", id)
}

// ListTags returns the distinct tags of all agents, sorted.
func (s *Store) ListTags(ctx context.Context) ([]string, error) {
	tags, err := s.strings(ctx, `SELECT DISTINCT tag FROM agent_tags ORDER BY tag`)
	if err != nil {
		return nil, fmt.Errorf("list tags: %w", err)
	}
	return tags, nil
}

// Lock takes the row lock of SELECT ... FOR UPDATE until the transaction
// ends (at once, outside one); on an agent row it also makes link changes
// of one agent run one at a time. kind is one of the store's constants,
// never client input.
func (s *Store) Lock(ctx context.Context, kind store.RowKind, id string) error {
	var one int
	err := s.q.QueryRow(ctx, `SELECT 1 FROM `+string(kind)+` WHERE id = $1 FOR UPDATE`, id).Scan(&one)
	if err != nil {
		return fmt.Errorf("lock %s %s: %w", kind, id, interpretError(err))
	}
	return nil
}

// insertTags adds tags (duplicates ignored).
func (s *Store) insertTags(ctx context.Context, agentID string, tags []string) error {
	if len(tags) == 0 {
		return nil
	}
	const q = `INSERT INTO agent_tags (agent_id, tag) SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING`
	if _, err := s.q.Exec(ctx, q, agentID, tags); err != nil {
		return fmt.Errorf("insert tags: %w", interpretError(err))
	}
	return nil
}

// insertBlockLinks links blocks at positions 1..n in the given order (a
// repeated id keeps its first place). ErrNotFound for an unknown block.
func (s *Store) insertBlockLinks(ctx context.Context, agentID string, blockIDs []string) error {
	if len(blockIDs) == 0 {
		return nil
	}
	const q = `INSERT INTO agent_blocks (agent_id, block_id, position)
		SELECT $1, id, ord FROM unnest($2::text[]) WITH ORDINALITY AS t(id, ord) ORDER BY ord
		ON CONFLICT DO NOTHING`
	if _, err := s.q.Exec(ctx, q, agentID, blockIDs); err != nil {
		return fmt.Errorf("link blocks: %w", interpretError(err))
	}
	return nil
}

// insertToolLinks links tools at positions 1..n in the given order (a
// repeated id keeps its first place). ErrNotFound for an unknown tool.
func (s *Store) insertToolLinks(ctx context.Context, agentID string, toolIDs []string) error {
	if len(toolIDs) == 0 {
		return nil
	}
	const q = `INSERT INTO agent_tools (agent_id, tool_id, position)
		SELECT $1, id, ord FROM unnest($2::text[]) WITH ORDINALITY AS t(id, ord) ORDER BY ord
		ON CONFLICT DO NOTHING`
	if _, err := s.q.Exec(ctx, q, agentID, toolIDs); err != nil {
		return fmt.Errorf("link tools: %w", interpretError(err))
	}
	return nil
}

// distinct returns s without repeats, in first-seen order.
func distinct(s []string) []string {
	out := make([]string, 0, len(s))
	for _, v := range s {
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}
