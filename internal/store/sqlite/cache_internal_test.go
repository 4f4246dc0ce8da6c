package sqlite

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/store"
)

func cacheTestMessage(id, agentID string) *letta.Message {
	return &letta.Message{ID: id, AgentID: agentID, Role: letta.RoleUser, Content: []letta.Content{{Type: letta.ContentText, Text: "t"}}}
}

func cached(c *messageCache, id string) bool {
	_, ok := c.get(id)
	return ok
}

// TestMessageCachePutRefusesWhatAWriteOverlapped: rows read before a write
// began or ended, or while it is under way, are not kept.
func TestMessageCachePutRefusesWhatAWriteOverlapped(t *testing.T) {
	t.Parallel()
	for _, w := range []messageWrite{{ID: "m1"}, {AgentID: "a1"}} {
		c := newMessageCache()
		m := cacheTestMessage("m1", "a1")

		epoch := c.currentEpoch()
		c.beginWrite(w)
		c.endWrite(w)
		c.put(epoch, m, 10)
		if cached(c, "m1") {
			t.Errorf("%+v: kept a row read before a whole write", w)
		}

		c.beginWrite(w)
		c.put(c.currentEpoch(), m, 10)
		if cached(c, "m1") {
			t.Errorf("%+v: kept a row read during a write", w)
		}
		epoch = c.currentEpoch()
		c.endWrite(w)
		c.put(epoch, m, 10)
		if cached(c, "m1") {
			t.Errorf("%+v: kept a row read before a write ended", w)
		}

		c.put(c.currentEpoch(), m, 10)
		if !cached(c, "m1") {
			t.Errorf("%+v: did not keep a row read after the write", w)
		}
		c.beginWrite(w)
		if cached(c, "m1") {
			t.Errorf("%+v: a write did not drop the message", w)
		}
		c.endWrite(w)
	}
}

// TestMessageCacheBounded: the cache stays within its count bound.
func TestMessageCacheBounded(t *testing.T) {
	t.Parallel()
	c := newMessageCache()
	for i := range maxCachedMessages + 100 {
		c.put(c.currentEpoch(), cacheTestMessage(fmt.Sprint("m", i), "a"), 10)
	}
	if n := len(c.byID); n > maxCachedMessages || n < maxCachedMessages/2 {
		t.Errorf("%d cached messages, want at most %d and not emptied", n, maxCachedMessages)
	}
	c.put(c.currentEpoch(), cacheTestMessage("big", "a"), maxCachedMessageBytes)
	if c.bytes > maxCachedMessageBytes {
		t.Errorf("%d cached bytes, want at most %d", c.bytes, maxCachedMessageBytes)
	}
}

// TestMessageCacheAfterTransaction: a transaction's writes stop being dirty
// when it ends, so its messages are cached again.
func TestMessageCacheAfterTransaction(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "letta.db"), Options{Migrate: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	now := letta.Now()
	a, err := s.CreateAgent(ctx, store.CreateAgentParams{Agent: letta.Agent{
		ID: letta.NewID(letta.PrefixAgent), Name: "a", AgentType: letta.AgentTypeLettaV1,
		LLMConfig: letta.LLMConfig{Model: "m", ModelEndpointType: "openai", ContextWindow: 1000}, CreatedAt: now, UpdatedAt: now,
	}})
	if err != nil {
		t.Fatal(err)
	}
	m := cacheTestMessage(letta.NewID(letta.PrefixMessage), a.ID)
	m.CreatedAt = now
	if err := s.CreateMessages(ctx, []*letta.Message{m}); err != nil {
		t.Fatal(err)
	}
	for _, fail := range []bool{false, true} {
		_ = s.InTx(ctx, func(tx store.Store) error {
			if err := tx.UpdateMessage(ctx, m); err != nil {
				return err
			}
			if err := tx.DeleteAgentMessages(ctx, "agent-none"); err != nil {
				return err
			}
			if fail {
				return fmt.Errorf("roll back")
			}
			return nil
		})
		if _, err := s.GetMessage(ctx, m.ID); err != nil {
			t.Fatal(err)
		}
		if !cached(s.msgCache, m.ID) {
			t.Errorf("rolled back %v: message not cached after the transaction", fail)
		}
		if len(s.msgCache.dirtyIDs)+len(s.msgCache.dirtyAgents) != 0 {
			t.Errorf("rolled back %v: dirty marks left: %v %v", fail, s.msgCache.dirtyIDs, s.msgCache.dirtyAgents)
		}
	}
}

// TestLeaseTableSweepsExpired: leases never released are dropped once
// expired, as the table grows.
func TestLeaseTableSweepsExpired(t *testing.T) {
	t.Parallel()
	lt := newLeaseTable()
	now := time.Now()
	for i := range 10 * minLeaseSweep {
		lt.acquire(fmt.Sprint("agent-", i), "h", now.Add(time.Duration(i)*time.Second), time.Second)
	}
	if n := len(lt.byAgent); n > 2*minLeaseSweep {
		t.Errorf("%d leases kept, want at most %d: expired ones pile up", n, 2*minLeaseSweep)
	}
	if !lt.renew(fmt.Sprint("agent-", 10*minLeaseSweep-1), "h", now.Add(time.Duration(10*minLeaseSweep-1)*time.Second), time.Second) {
		t.Errorf("the live lease was swept")
	}
}

// TestServeClaimsTheFile: while one Store serves a file, a second serving
// Open fails with a message naming the rule, and a one-off Open (import,
// export) still works; after Close another server may start.
func TestServeClaimsTheFile(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "letta.db")
	first, err := Open(ctx, path, Options{Migrate: true, Serve: true})
	if err != nil {
		t.Fatalf("first server: %v", err)
	}
	if second, err := Open(ctx, path, Options{Migrate: true, Serve: true}); err == nil {
		second.Close()
		t.Fatal("a second server opened the file that the first serves")
	} else if !strings.Contains(err.Error(), "another letta-server process is serving") {
		t.Errorf("second server: %v", err)
	}
	oneOff, err := Open(ctx, path, Options{Migrate: true})
	if err != nil {
		t.Fatalf("one-off open beside the server: %v", err)
	}
	oneOff.Close()
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	next, err := Open(ctx, path, Options{Migrate: true, Serve: true})
	if err != nil {
		t.Fatalf("server after the first closed: %v", err)
	}
	next.Close()
}
