package sqlite

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/store"
)

const identityColumns = `id, project_id, created_at, updated_at, data`

// identityData encodes what the data column keeps: the identity without
// its links, which live in link tables.
func identityData(i *letta.Identity) (string, error) {
	cp := *i
	cp.AgentIDs, cp.BlockIDs = nil, nil
	data, err := json.Marshal(&cp)
	if err != nil {
		return "", fmt.Errorf("encode identity: %w", err)
	}
	return string(data), nil
}

// scanIdentity reads a row of identityColumns; links are loaded apart.
func scanIdentity(row interface{ Scan(...any) error }) (*letta.Identity, error) {
	var (
		id, data             string
		projectID            *string
		createdAt, updatedAt int64
	)
	if err := row.Scan(&id, &projectID, &createdAt, &updatedAt, &data); err != nil {
		return nil, err
	}
	var i letta.Identity
	if err := json.Unmarshal([]byte(data), &i); err != nil {
		return nil, fmt.Errorf("decode identity %s: %w", id, err)
	}
	i.ID, i.ProjectID = id, projectID
	i.CreatedAt, i.UpdatedAt = fromMicros(createdAt), fromMicros(updatedAt)
	return &i, nil
}

const (
	createIdentitySQL = `
INSERT INTO identities (id, identifier_key, name, identity_type, project_id, created_at, updated_at, data)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)`
	insertIdentityAgentSQL  = `INSERT OR IGNORE INTO identities_agents (identity_id, agent_id) VALUES (?, ?)`
	insertIdentityBlockSQL  = `INSERT OR IGNORE INTO identities_blocks (identity_id, block_id) VALUES (?, ?)`
	deleteIdentityAgentsSQL = `DELETE FROM identities_agents WHERE identity_id = ?`
	deleteIdentityBlocksSQL = `DELETE FROM identities_blocks WHERE identity_id = ?`
	identityAgentIDsSQL     = `SELECT agent_id FROM identities_agents WHERE identity_id = ? ORDER BY agent_id`
	identityBlockIDsSQL     = `SELECT block_id FROM identities_blocks WHERE identity_id = ? ORDER BY block_id`
	existsIdentitySQL       = `SELECT 1 FROM identities WHERE id = ?`
)

// CreateIdentity inserts i with its agent and block links, in one
// transaction. ErrNotFound for a missing agent or block, ErrConflict for a
// taken id or (identifier key, project).
func (s *Store) CreateIdentity(ctx context.Context, i *letta.Identity) (*letta.Identity, error) {
	data, err := identityData(i)
	if err != nil {
		return nil, err
	}
	var out *letta.Identity
	err = s.InTx(ctx, func(txs store.Store) error {
		tx := txs.(*Store)
		if _, err := tx.q.ExecContext(ctx, createIdentitySQL, i.ID, i.IdentifierKey, i.Name, string(i.IdentityType),
			nullString(i.ProjectID), micros(i.CreatedAt), micros(i.UpdatedAt), data); err != nil {
			return interpretError(err)
		}
		if err := tx.insertIdentityLinks(ctx, i); err != nil {
			return err
		}
		var err error
		out, err = tx.GetIdentity(ctx, i.ID)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("create identity %s: %w", i.ID, err)
	}
	return out, nil
}

// insertIdentityLinks links i to i.AgentIDs and i.BlockIDs; an unknown one
// is ErrNotFound (a foreign key).
func (s *Store) insertIdentityLinks(ctx context.Context, i *letta.Identity) error {
	for _, id := range uniq(i.AgentIDs) {
		if _, err := s.q.ExecContext(ctx, insertIdentityAgentSQL, i.ID, id); err != nil {
			return fmt.Errorf("link agent %s: %w", id, interpretError(err))
		}
	}
	for _, id := range uniq(i.BlockIDs) {
		if _, err := s.q.ExecContext(ctx, insertIdentityBlockSQL, i.ID, id); err != nil {
			return fmt.Errorf("link block %s: %w", id, interpretError(err))
		}
	}
	return nil
}

// fillIdentityLinks loads the agent and block ids of i.
func (s *Store) fillIdentityLinks(ctx context.Context, i *letta.Identity) error {
	var err error
	if i.AgentIDs, err = s.strings(ctx, identityAgentIDsSQL, i.ID); err != nil {
		return fmt.Errorf("load agents of identity %s: %w", i.ID, err)
	}
	if i.BlockIDs, err = s.strings(ctx, identityBlockIDsSQL, i.ID); err != nil {
		return fmt.Errorf("load blocks of identity %s: %w", i.ID, err)
	}
	i.Normalize()
	return nil
}

const getIdentitySQL = `SELECT ` + identityColumns + ` FROM identities WHERE id = ?`

// GetIdentity returns the identity with its links. ErrNotFound.
func (s *Store) GetIdentity(ctx context.Context, id string) (*letta.Identity, error) {
	i, err := scanIdentity(s.r.QueryRowContext(ctx, getIdentitySQL, id))
	if err != nil {
		return nil, fmt.Errorf("get identity %s: %w", id, interpretError(err))
	}
	if err := s.fillIdentityLinks(ctx, i); err != nil {
		return nil, fmt.Errorf("get identity %s: %w", id, err)
	}
	return i, nil
}

const getIdentityByKeySQL = `SELECT ` + identityColumns + ` FROM identities
WHERE identifier_key = ? AND coalesce(project_id, '') = coalesce(?, '')`

// GetIdentityByKey returns the identity with this key in the project (nil:
// none). ErrNotFound.
func (s *Store) GetIdentityByKey(ctx context.Context, identifierKey string, projectID *string) (*letta.Identity, error) {
	i, err := scanIdentity(s.r.QueryRowContext(ctx, getIdentityByKeySQL, identifierKey, nullString(projectID)))
	if err != nil {
		return nil, fmt.Errorf("get identity by key %q: %w", identifierKey, interpretError(err))
	}
	if err := s.fillIdentityLinks(ctx, i); err != nil {
		return nil, fmt.Errorf("get identity by key %q: %w", identifierKey, err)
	}
	return i, nil
}

const listIdentitiesSQL = `SELECT ` + identityColumns + ` FROM identities`

// ListIdentities returns identities matching every given filter, with
// their links. ErrNotFound for an unknown cursor.
func (s *Store) ListIdentities(ctx context.Context, p store.ListIdentitiesParams) ([]*letta.Identity, error) {
	var q query
	if p.Name != "" {
		q.add("instr(lower(name), lower(?)) > 0", p.Name)
	}
	if p.ProjectID != "" {
		q.add("project_id = ?", p.ProjectID)
	}
	if p.IdentifierKey != "" {
		q.add("identifier_key = ?", p.IdentifierKey)
	}
	if p.IdentityType != "" {
		q.add("identity_type = ?", string(p.IdentityType))
	}
	tail, err := s.pageByCreation(ctx, &q, "identities", p.Page)
	if err != nil {
		return nil, fmt.Errorf("list identities: %w", err)
	}
	out, err := s.queryIdentities(ctx, listIdentitiesSQL+q.whereSQL()+tail, q.args...)
	if err != nil {
		return nil, fmt.Errorf("list identities: %w", err)
	}
	return out, nil
}

// queryIdentities runs a query of identityColumns and loads each one's
// links once the rows are closed (the store has one connection).
func (s *Store) queryIdentities(ctx context.Context, query string, args ...any) ([]*letta.Identity, error) {
	rows, err := s.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, interpretError(err)
	}
	out := []*letta.Identity{}
	for rows.Next() {
		i, err := scanIdentity(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, i)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, interpretError(err)
	}
	for _, i := range out {
		if err := s.fillIdentityLinks(ctx, i); err != nil {
			return nil, err
		}
	}
	return out, nil
}

const updateIdentitySQL = `
UPDATE identities SET identifier_key = ?, name = ?, identity_type = ?, project_id = ?, updated_at = ?, data = ?
WHERE id = ?`

// UpdateIdentity overwrites the identity and replaces its links, in one
// transaction. ErrNotFound, ErrConflict.
func (s *Store) UpdateIdentity(ctx context.Context, i *letta.Identity) (*letta.Identity, error) {
	cp := *i
	cp.UpdatedAt = letta.Now()
	data, err := identityData(&cp)
	if err != nil {
		return nil, err
	}
	var out *letta.Identity
	err = s.InTx(ctx, func(txs store.Store) error {
		tx := txs.(*Store)
		res, err := tx.q.ExecContext(ctx, updateIdentitySQL, cp.IdentifierKey, cp.Name, string(cp.IdentityType),
			nullString(cp.ProjectID), micros(cp.UpdatedAt), data, cp.ID)
		if err == nil {
			err = affectedOne(res)
		}
		if err != nil {
			return interpretError(err)
		}
		for _, del := range []string{deleteIdentityAgentsSQL, deleteIdentityBlocksSQL} {
			if _, err := tx.q.ExecContext(ctx, del, cp.ID); err != nil {
				return interpretError(err)
			}
		}
		if err := tx.insertIdentityLinks(ctx, &cp); err != nil {
			return err
		}
		out, err = tx.GetIdentity(ctx, cp.ID)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("update identity %s: %w", i.ID, err)
	}
	return out, nil
}

const deleteIdentitySQL = `DELETE FROM identities WHERE id = ?`

// DeleteIdentity removes the identity; its links go by cascade, agents and
// blocks stay. ErrNotFound.
func (s *Store) DeleteIdentity(ctx context.Context, id string) error {
	res, err := s.q.ExecContext(ctx, deleteIdentitySQL, id)
	if err == nil {
		err = affectedOne(res)
	}
	if err != nil {
		return fmt.Errorf("delete identity %s: %w", id, interpretError(err))
	}
	return nil
}

const (
	deleteAgentIdentitiesSQL = `DELETE FROM identities_agents WHERE agent_id = ?`
	insertAgentIdentitySQL   = `INSERT OR IGNORE INTO identities_agents (identity_id, agent_id) VALUES (?, ?)`
)

// SetAgentIdentities replaces the identities the agent is linked to.
// ErrNotFound for an unknown agent or identity.
func (s *Store) SetAgentIdentities(ctx context.Context, agentID string, identityIDs []string) error {
	return s.replaceLinks(ctx, "identities", agentID, deleteAgentIdentitiesSQL, func(tx *Store) error {
		for _, id := range uniq(identityIDs) {
			if err := tx.mustExist(ctx, "identity", existsIdentitySQL, id); err != nil {
				return err
			}
			if _, err := tx.q.ExecContext(ctx, insertAgentIdentitySQL, id, agentID); err != nil {
				return fmt.Errorf("link identity %s: %w", id, interpretError(err))
			}
		}
		return nil
	})
}

const agentIdentitiesSQL = `
SELECT ` + identityColumnsQualified + `
FROM identities_agents l JOIN identities i ON i.id = l.identity_id
WHERE l.agent_id = ? ORDER BY i.created_at, i.id`

const identityColumnsQualified = `i.id, i.project_id, i.created_at, i.updated_at, i.data`

// agentIdentities returns the identities linked to the agent, oldest first,
// with their links.
func (s *Store) agentIdentities(ctx context.Context, agentID string) ([]letta.Identity, error) {
	list, err := s.queryIdentities(ctx, agentIdentitiesSQL, agentID)
	if err != nil {
		return nil, fmt.Errorf("load identities: %w", err)
	}
	out := make([]letta.Identity, 0, len(list))
	for _, i := range list {
		out = append(out, *i)
	}
	return out, nil
}
