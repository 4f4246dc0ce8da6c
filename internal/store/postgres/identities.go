package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/store"
)

// identityColumns are the columns scanIdentity reads, in its order.
const identityColumns = `identities.id, identities.identifier_key, identities.name, identities.identity_type,
	identities.project_id, identities.created_at, identities.updated_at, identities.data`

// scanIdentity reads identityColumns: the JSON data, overridden by the
// columns. Links are filled in by loadIdentityLinks.
func scanIdentity(row scanner) (*letta.Identity, error) {
	var (
		i                 letta.Identity
		id, key, name, it string
		projectID         *string
		created, updated  time.Time
		data              []byte
	)
	if err := row.Scan(&id, &key, &name, &it, &projectID, &created, &updated, &data); err != nil {
		return nil, interpretError(err)
	}
	if err := decodeData(data, &i); err != nil {
		return nil, err
	}
	i.ID, i.IdentifierKey, i.Name, i.IdentityType, i.ProjectID = id, key, name, letta.IdentityType(it), projectID
	i.CreatedAt, i.UpdatedAt = created.UTC(), updated.UTC()
	return &i, nil
}

// identityData is the JSON kept for i: everything but its links.
func identityData(i *letta.Identity) ([]byte, error) {
	cp := *i
	cp.AgentIDs, cp.BlockIDs = nil, nil
	return encodeData(&cp)
}

// CreateIdentity inserts i with its agent and block links. ErrNotFound for
// an unknown agent or block, ErrConflict for a taken id or (key, project).
func (s *Store) CreateIdentity(ctx context.Context, i *letta.Identity) (*letta.Identity, error) {
	const q = `INSERT INTO identities (id, identifier_key, name, identity_type, project_id, created_at, updated_at, data)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`
	data, err := identityData(i)
	if err != nil {
		return nil, fmt.Errorf("create identity %s: %w", i.ID, err)
	}
	var out *letta.Identity
	err = s.transact(ctx, func(tx *Store) error {
		if _, err := tx.q.Exec(ctx, q, i.ID, replaceNUL(i.IdentifierKey), replaceNUL(i.Name), string(i.IdentityType),
			i.ProjectID, i.CreatedAt, i.UpdatedAt, data); err != nil {
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

// insertIdentityLinks links i to i.AgentIDs and i.BlockIDs. ErrNotFound for
// an unknown agent or block (a foreign key).
func (s *Store) insertIdentityLinks(ctx context.Context, i *letta.Identity) error {
	const (
		agentsQ = `INSERT INTO identities_agents (identity_id, agent_id)
			SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING`
		blocksQ = `INSERT INTO identities_blocks (identity_id, block_id)
			SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING`
	)
	if len(i.AgentIDs) > 0 {
		if _, err := s.q.Exec(ctx, agentsQ, i.ID, distinct(i.AgentIDs)); err != nil {
			return fmt.Errorf("link agents: %w", interpretError(err))
		}
	}
	if len(i.BlockIDs) > 0 {
		if _, err := s.q.Exec(ctx, blocksQ, i.ID, distinct(i.BlockIDs)); err != nil {
			return fmt.Errorf("link blocks: %w", interpretError(err))
		}
	}
	return nil
}

// GetIdentity returns the identity with its links. ErrNotFound.
func (s *Store) GetIdentity(ctx context.Context, id string) (*letta.Identity, error) {
	const q = `SELECT ` + identityColumns + ` FROM identities WHERE id = $1`
	i, err := scanIdentity(s.q.QueryRow(ctx, q, id))
	if err != nil {
		return nil, fmt.Errorf("get identity %s: %w", id, err)
	}
	if err := s.loadIdentityLinks(ctx, []*letta.Identity{i}); err != nil {
		return nil, fmt.Errorf("get identity %s: %w", id, err)
	}
	return i, nil
}

// GetIdentityByKey returns the identity with this key in the project (nil:
// none). ErrNotFound.
func (s *Store) GetIdentityByKey(ctx context.Context, identifierKey string, projectID *string) (*letta.Identity, error) {
	const q = `SELECT ` + identityColumns + ` FROM identities
		WHERE identifier_key = $1 AND coalesce(project_id, '') = coalesce($2, '')`
	i, err := scanIdentity(s.q.QueryRow(ctx, q, replaceNUL(identifierKey), projectID))
	if err != nil {
		return nil, fmt.Errorf("get identity by key %q: %w", identifierKey, err)
	}
	if err := s.loadIdentityLinks(ctx, []*letta.Identity{i}); err != nil {
		return nil, fmt.Errorf("get identity by key %q: %w", identifierKey, err)
	}
	return i, nil
}

// ListIdentities returns the identities matching every given filter, in
// creation order, with their links. ErrNotFound for an unknown cursor.
func (s *Store) ListIdentities(ctx context.Context, p store.ListIdentitiesParams) ([]*letta.Identity, error) {
	var f filter
	if p.Name != "" {
		f.where("strpos(lower(name), lower(" + f.arg(replaceNUL(p.Name)) + ")) > 0")
	}
	if p.ProjectID != "" {
		f.where("project_id = " + f.arg(p.ProjectID))
	}
	if p.IdentifierKey != "" {
		f.where("identifier_key = " + f.arg(replaceNUL(p.IdentifierKey)))
	}
	if p.IdentityType != "" {
		f.where("identity_type = " + f.arg(string(p.IdentityType)))
	}
	list, err := listPage(ctx, s, &f, "identities", identityColumns, byCreation, p.Page, scanIdentity)
	if err != nil {
		return nil, fmt.Errorf("list identities: %w", err)
	}
	if err := s.loadIdentityLinks(ctx, list); err != nil {
		return nil, fmt.Errorf("list identities: %w", err)
	}
	return list, nil
}

// loadIdentityLinks fills in the agent and block ids of identities (two
// queries whatever their number) and normalizes them.
func (s *Store) loadIdentityLinks(ctx context.Context, identities []*letta.Identity) error {
	if len(identities) == 0 {
		return nil
	}
	byID := make(map[string]*letta.Identity, len(identities))
	ids := make([]string, len(identities))
	for n, i := range identities {
		byID[i.ID], ids[n] = i, i.ID
		i.AgentIDs, i.BlockIDs = []string{}, []string{}
	}
	links := []struct {
		q   string
		add func(i *letta.Identity, id string)
	}{
		{`SELECT identity_id, agent_id FROM identities_agents WHERE identity_id = ANY($1) ORDER BY identity_id, agent_id`,
			func(i *letta.Identity, id string) { i.AgentIDs = append(i.AgentIDs, id) }},
		{`SELECT identity_id, block_id FROM identities_blocks WHERE identity_id = ANY($1) ORDER BY identity_id, block_id`,
			func(i *letta.Identity, id string) { i.BlockIDs = append(i.BlockIDs, id) }},
	}
	for _, l := range links {
		rows, err := s.q.Query(ctx, l.q, ids)
		if err != nil {
			return fmt.Errorf("load identity links: %w", interpretError(err))
		}
		_, err = collect(rows, func(row scanner) (*struct{}, error) {
			var identityID, id string
			if err := row.Scan(&identityID, &id); err != nil {
				return nil, interpretError(err)
			}
			l.add(byID[identityID], id)
			return nil, nil
		})
		if err != nil {
			return fmt.Errorf("load identity links: %w", err)
		}
	}
	for _, i := range identities {
		i.Normalize()
	}
	return nil
}

// UpdateIdentity overwrites the identity and replaces its links.
// ErrNotFound, ErrConflict.
func (s *Store) UpdateIdentity(ctx context.Context, i *letta.Identity) (*letta.Identity, error) {
	const q = `UPDATE identities SET identifier_key = $2, name = $3, identity_type = $4, project_id = $5,
		updated_at = $6, data = $7 WHERE id = $1`
	updated := *i
	updated.UpdatedAt = letta.Now()
	data, err := identityData(&updated)
	if err != nil {
		return nil, fmt.Errorf("update identity %s: %w", i.ID, err)
	}
	var out *letta.Identity
	err = s.transact(ctx, func(tx *Store) error {
		tag, err := tx.q.Exec(ctx, q, i.ID, replaceNUL(i.IdentifierKey), replaceNUL(i.Name), string(i.IdentityType),
			i.ProjectID, updated.UpdatedAt, data)
		if err != nil {
			return interpretError(err)
		}
		if tag.RowsAffected() == 0 {
			return store.ErrNotFound
		}
		for _, del := range []string{
			`DELETE FROM identities_agents WHERE identity_id = $1`,
			`DELETE FROM identities_blocks WHERE identity_id = $1`,
		} {
			if _, err := tx.q.Exec(ctx, del, i.ID); err != nil {
				return interpretError(err)
			}
		}
		if err := tx.insertIdentityLinks(ctx, &updated); err != nil {
			return err
		}
		out, err = tx.GetIdentity(ctx, i.ID)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("update identity %s: %w", i.ID, err)
	}
	return out, nil
}

// DeleteIdentity removes the identity and (by cascade) its links; agents and
// blocks stay. ErrNotFound.
func (s *Store) DeleteIdentity(ctx context.Context, id string) error {
	return s.deleteByID(ctx, "identities", "identity", id)
}

// SetAgentIdentities replaces the identities the agent is linked to.
// ErrNotFound for an unknown agent or identity.
func (s *Store) SetAgentIdentities(ctx context.Context, agentID string, identityIDs []string) error {
	const ins = `INSERT INTO identities_agents (identity_id, agent_id)
		SELECT unnest($2::text[]), $1 ON CONFLICT DO NOTHING`
	err := s.transact(ctx, func(tx *Store) error {
		if err := tx.Lock(ctx, store.AgentRow, agentID); err != nil {
			return err
		}
		if _, err := tx.q.Exec(ctx, `DELETE FROM identities_agents WHERE agent_id = $1`, agentID); err != nil {
			return interpretError(err)
		}
		if len(identityIDs) == 0 {
			return nil
		}
		if _, err := tx.q.Exec(ctx, ins, agentID, distinct(identityIDs)); err != nil {
			return fmt.Errorf("link identities: %w", interpretError(err))
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("set identities of agent %s: %w", agentID, err)
	}
	return nil
}

// agentIdentitiesQ selects the identities linked to agents = ANY($1), for
// scanIdentityLink.
const agentIdentitiesQ = `SELECT l.agent_id, ` + identityColumns + `
		FROM identities_agents l JOIN identities ON identities.id = l.identity_id
		WHERE l.agent_id = ANY($1) ORDER BY l.agent_id, identities.created_at, identities.id`

// identityLink is an identity linked to an agent.
type identityLink struct {
	agentID  string
	identity *letta.Identity
}

func scanIdentityLink(row scanner) (*identityLink, error) {
	var l identityLink
	i, err := scanIdentity(prefixed{row, &l.agentID})
	if err != nil {
		return nil, err
	}
	l.identity = i
	return &l, nil
}

// attachIdentities loads the linked identities' own links and sets the
// agents' Identities and IdentityIDs.
func (s *Store) attachIdentities(ctx context.Context, byID map[string]*letta.Agent, pairs []*identityLink) error {
	list := make([]*letta.Identity, len(pairs))
	for n, p := range pairs {
		list[n] = p.identity
	}
	if err := s.loadIdentityLinks(ctx, list); err != nil {
		return err
	}
	for _, a := range byID {
		a.Identities, a.IdentityIDs = []letta.Identity{}, []string{}
	}
	for _, p := range pairs {
		a := byID[p.agentID]
		a.Identities = append(a.Identities, *p.identity)
		a.IdentityIDs = append(a.IdentityIDs, p.identity.ID)
	}
	return nil
}
