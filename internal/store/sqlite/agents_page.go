package sqlite

import (
	"context"
	"fmt"

	"github.com/letta-server/letta-server/internal/letta"
)

// Relations of a page of agents, one query each whatever the page size.
const (
	pageBlocksSQL = `
SELECT ab.agent_id, b.id, b.value, b.created_at, b.updated_at, b.data
FROM agent_blocks ab JOIN blocks b ON b.id = ab.block_id
WHERE ab.agent_id IN (%s) ORDER BY ab.agent_id, ab.position`
	// The links first, then each linked tool once: a page's agents share
	// a few tools, whose rows (schemas) are large.
	pageToolLinksSQL  = `SELECT agent_id, tool_id FROM agent_tools WHERE agent_id IN (%s) ORDER BY agent_id, position`
	pageToolsSQL      = `SELECT ` + toolColumns + ` FROM tools WHERE id IN (%s)`
	pageTagsSQL       = `SELECT agent_id, tag FROM agent_tags WHERE agent_id IN (%s) ORDER BY agent_id, tag`
	pageIdentitiesSQL = `
SELECT l.agent_id, ` + identityColumnsQualified + `
FROM identities_agents l JOIN identities i ON i.id = l.identity_id
WHERE l.agent_id IN (%s) ORDER BY l.agent_id, i.created_at, i.id`
)

// pageChunk bounds the ids of one IN list, well under SQLite's limit on
// bound parameters.
const pageChunk = 500

// fillPageRelations does what fillRelations does for every agent of a
// page, with four queries instead of four per agent.
func (s *Store) fillPageRelations(ctx context.Context, agents []*letta.Agent) error {
	if len(agents) == 0 {
		return nil
	}
	byID := make(map[string]*letta.Agent, len(agents))
	ids := make([]string, 0, len(agents))
	for _, a := range agents {
		a.Blocks, a.Tools, a.Tags, a.Identities = []letta.Block{}, []letta.Tool{}, []string{}, []letta.Identity{}
		if _, dup := byID[a.ID]; !dup {
			ids = append(ids, a.ID)
		}
		byID[a.ID] = a
	}
	var linked []*letta.Identity // in the agents' order, one per link
	var owners []string
	var toolLinks [][2]string // agent id, tool id; in the agents' order
	for start := 0; start < len(ids); start += pageChunk {
		chunk := ids[start:min(start+pageChunk, len(ids))]
		in, args := placeholders(len(chunk)), anys(chunk)

		err := s.eachRow(ctx, fmt.Sprintf(pageBlocksSQL, in), args, func(row *prefixedRow) error {
			b, err := s.scanBlock(row)
			if err != nil {
				return err
			}
			a := byID[row.agentID]
			a.Blocks = append(a.Blocks, *b)
			return nil
		})
		if err != nil {
			return fmt.Errorf("load blocks: %w", err)
		}
		err = s.eachRow(ctx, fmt.Sprintf(pageToolLinksSQL, in), args, func(row *prefixedRow) error {
			var toolID string
			if err := row.Scan(&toolID); err != nil {
				return err
			}
			toolLinks = append(toolLinks, [2]string{row.agentID, toolID})
			return nil
		})
		if err != nil {
			return fmt.Errorf("load tools: %w", err)
		}
		err = s.eachRow(ctx, fmt.Sprintf(pageTagsSQL, in), args, func(row *prefixedRow) error {
			var tag string
			if err := row.Scan(&tag); err != nil {
				return err
			}
			a := byID[row.agentID]
			a.Tags = append(a.Tags, tag)
			return nil
		})
		if err != nil {
			return fmt.Errorf("load tags: %w", err)
		}
		err = s.eachRow(ctx, fmt.Sprintf(pageIdentitiesSQL, in), args, func(row *prefixedRow) error {
			i, err := scanIdentity(row)
			if err != nil {
				return err
			}
			linked, owners = append(linked, i), append(owners, row.agentID)
			return nil
		})
		if err != nil {
			return fmt.Errorf("load identities: %w", err)
		}
	}
	if err := s.attachTools(ctx, toolLinks, byID); err != nil {
		return fmt.Errorf("load tools: %w", err)
	}
	// Each identity's own links, once per distinct identity (rows closed:
	// inside a transaction there is one connection).
	filled := map[string]*letta.Identity{}
	for k, i := range linked {
		if f, ok := filled[i.ID]; ok {
			i = f
		} else {
			if err := s.fillIdentityLinks(ctx, i); err != nil {
				return fmt.Errorf("load identities: %w", err)
			}
			filled[i.ID] = i
		}
		a := byID[owners[k]]
		a.Identities = append(a.Identities, *i)
	}

	for _, a := range agents {
		a.IdentityIDs = make([]string, 0, len(a.Identities))
		for _, i := range a.Identities {
			a.IdentityIDs = append(a.IdentityIDs, i.ID)
		}
		a.Normalize()
	}
	return nil
}

// attachTools reads each linked tool once, through the store's cache, and
// appends it to its agents in link order; the agents share the value,
// which readers do not modify. A tool deleted since its link was read is
// left out, as if it had been detached first.
func (s *Store) attachTools(ctx context.Context, links [][2]string, byID map[string]*letta.Agent) error {
	tools := map[string]*letta.Tool{}
	var ids []string
	for _, l := range links {
		if _, ok := tools[l[1]]; !ok {
			tools[l[1]] = nil
			ids = append(ids, l[1])
		}
	}
	for start := 0; start < len(ids); start += pageChunk {
		chunk := ids[start:min(start+pageChunk, len(ids))]
		rows, err := s.r.QueryContext(ctx, fmt.Sprintf(pageToolsSQL, placeholders(len(chunk))), anys(chunk)...)
		if err != nil {
			return interpretError(err)
		}
		for rows.Next() {
			x, err := s.tools.scan(rows)
			if err != nil {
				rows.Close()
				return err
			}
			tools[x.ID] = x
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return interpretError(err)
		}
	}
	for _, l := range links {
		if x := tools[l[1]]; x != nil {
			a := byID[l[0]]
			a.Tools = append(a.Tools, *x)
		}
	}
	return nil
}

// prefixedRow scans a leading agent_id column, then hands the rest of the
// row to a record's scanner.
type prefixedRow struct {
	rows    interface{ Scan(...any) error }
	agentID string
}

func (r *prefixedRow) Scan(dest ...any) error {
	return r.rows.Scan(append([]any{&r.agentID}, dest...)...)
}

// eachRow runs query and calls fn for each row, closing the rows before it
// returns.
func (s *Store) eachRow(ctx context.Context, query string, args []any, fn func(*prefixedRow) error) error {
	rows, err := s.r.QueryContext(ctx, query, args...)
	if err != nil {
		return interpretError(err)
	}
	defer rows.Close()
	row := &prefixedRow{rows: rows}
	for rows.Next() {
		if err := fn(row); err != nil {
			return err
		}
	}
	return interpretError(rows.Err())
}
