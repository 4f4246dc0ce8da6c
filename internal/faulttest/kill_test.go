package faulttest

import (
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/letta-server/letta-server/internal/llm/llmtest"
)

// TestKill9MidTurn kills the server with SIGKILL while every agent is in
// the middle of a turn (its first step, a tool call and its return,
// committed; its second model call in flight), restarts it on the same
// SQLite file and checks that no committed message was lost, no tool call
// is left without its return, and every agent answers its next message.
func TestKill9MidTurn(t *testing.T) {
	t.Parallel()
	fake := llmtest.NewServer(t)
	dataDir := t.TempDir()
	env := []string{"LETTA_DATA_DIR=" + dataDir, "OPENAI_API_KEY=test", "OPENAI_BASE_URL=" + fake.URL()}
	srv := startServer(t, env...)

	const agents = 4
	ids := make([]string, agents)
	for i := range ids {
		ids[i] = createAgent(t, srv.base, "crash-"+string(rune('a'+i)))
		if r := send(t, srv.base, ids[i], "hello"); r.status != http.StatusOK {
			t.Fatalf("warm-up turn: %d %s", r.status, r.body)
		}
	}
	committed := map[string][]string{}
	for _, id := range ids {
		for _, m := range messages(t, srv.base, id) {
			committed[id] = append(committed[id], m.ID)
		}
	}

	// Every first call gets a tool call at once; every second call hangs.
	fake.Reset()
	for range agents {
		fake.Enqueue(llmtest.Reply{ToolCalls: []llmtest.ToolCall{{Name: "memory_insert",
			Arguments: `{"label":"human","new_str":"Likes tea.","insert_line":-1}`}}})
	}
	for range agents {
		fake.Enqueue(llmtest.Reply{Content: "never delivered", Delay: time.Minute})
	}
	var wg sync.WaitGroup
	for _, id := range ids {
		wg.Go(func() { send(t, srv.base, id, "remember that I like tea") })
	}
	deadline := time.Now().Add(20 * time.Second)
	for len(fake.Requests()) < 2*agents && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if n := len(fake.Requests()); n < 2*agents {
		t.Fatalf("only %d model calls before the kill, want %d", n, 2*agents)
	}
	srv.kill9()
	wg.Wait()
	fake.Reset() // the restarted server gets echo answers

	restarted := time.Now()
	srv = startServer(t, env...)
	t.Logf("restart to healthy: %v", time.Since(restarted))
	for _, id := range ids {
		after := messages(t, srv.base, id)
		var got []string
		for _, m := range after {
			got = append(got, m.ID)
		}
		for _, want := range committed[id] {
			if !slices.Contains(got, want) {
				t.Errorf("agent %s lost committed message %s", id, want)
			}
		}
		checkPaired(t, id, after)
	}
	for _, id := range ids {
		start := time.Now()
		r := send(t, srv.base, id, "are you back?")
		// A turn the killed process held keeps its lease until it expires;
		// the client sees 409 "busy" until then, and retries.
		for r.status == http.StatusConflict && time.Since(start) < 45*time.Second {
			time.Sleep(250 * time.Millisecond)
			r = send(t, srv.base, id, "are you back?")
		}
		if r.status != http.StatusOK {
			t.Fatalf("agent %s after restart: %d %s", id, r.status, r.body)
		}
		if got := stopReason(t, r); got != "end_turn" {
			t.Errorf("agent %s after restart: stop_reason %q", id, got)
		}
		if wait := time.Since(start); wait > time.Second {
			t.Logf("agent %s answered %v after restart (lease of the killed turn)", id, wait.Round(time.Millisecond))
		}
		checkPaired(t, id, messages(t, srv.base, id))
	}
}
