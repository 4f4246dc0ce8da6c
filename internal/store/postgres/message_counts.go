package postgres

import (
	"context"
	"sync"
)

// maxCountedAgents bounds the message-count cache; it starts over when full.
const maxCountedAgents = 100_000

// messageCounts remembers each agent's message count with the lowest and
// highest seq it covered, so counting again reads only the messages added
// since (an index range) instead of the whole history: the prompt shows
// the count every turn, and count(*) over 100,000 messages took ~35 ms.
//
// It relies on two facts. Messages are deleted only all at once per agent
// (DeleteAgentMessages, or the agent's deletion), which changes the lowest
// seq and sends the count back to a full one; a method that deletes some
// of an agent's messages must call forget. And an agent's messages are
// written by one writer at a time (its turn lease, or a new agent nobody
// else knows yet), so they commit in seq order: no message can appear
// later below a highest seq already counted. Other replicas' writes are
// seen, since every count reads the database.
type messageCounts struct {
	mu      sync.Mutex
	byAgent map[string]messageCount
}

type messageCount struct {
	minSeq, maxSeq int64
	n              int
}

func newMessageCounts() *messageCounts {
	return &messageCounts{byAgent: map[string]messageCount{}}
}

const (
	// One statement each, so each reads one snapshot.
	countSinceSQL = `SELECT
	(SELECT min(seq) FROM messages WHERE agent_id = $1),
	(SELECT max(seq) FROM messages WHERE agent_id = $1),
	(SELECT count(*) FROM messages WHERE agent_id = $1 AND seq > $2)`
	countAllSQL = `SELECT min(seq), max(seq), count(*) FROM messages WHERE agent_id = $1`
)

// count returns the agent's message count, reading through q.
func (c *messageCounts) count(ctx context.Context, q querier, agentID string) (int, error) {
	c.mu.Lock()
	e, ok := c.byAgent[agentID]
	c.mu.Unlock()
	var minSeq, maxSeq *int64
	if ok {
		var added int
		if err := q.QueryRow(ctx, countSinceSQL, agentID, e.maxSeq).Scan(&minSeq, &maxSeq, &added); err != nil {
			return 0, err
		}
		if minSeq != nil && maxSeq != nil && *minSeq == e.minSeq {
			c.remember(agentID, messageCount{minSeq: e.minSeq, maxSeq: *maxSeq, n: e.n + added})
			return e.n + added, nil
		}
	}
	var n int
	if err := q.QueryRow(ctx, countAllSQL, agentID).Scan(&minSeq, &maxSeq, &n); err != nil {
		return 0, err
	}
	if n == 0 || minSeq == nil || maxSeq == nil {
		c.forget(agentID)
		return n, nil
	}
	c.remember(agentID, messageCount{minSeq: *minSeq, maxSeq: *maxSeq, n: n})
	return n, nil
}

func (c *messageCounts) remember(agentID string, e messageCount) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.byAgent) >= maxCountedAgents {
		clear(c.byAgent)
	}
	c.byAgent[agentID] = e
}

// forget drops what is known of the agent's count.
func (c *messageCounts) forget(agentID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.byAgent, agentID)
}
