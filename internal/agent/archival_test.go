package agent

import (
	"context"
	"strings"
	"testing"

	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/llm/llmtest"
	"github.com/letta-server/letta-server/internal/store"
)

// withArchival gives the agent the archival tools and, unless embedding is
// "", that embedding model.
func withArchival(embedding string) func(*CreateAgentParams) {
	return func(p *CreateAgentParams) {
		p.Tools = append(p.Tools, "archival_memory_insert", "archival_memory_search")
		if embedding != "" {
			p.Embedding = letta.Ptr(embedding)
		}
	}
}

// toolReturn returns the packaged text of the turn's last tool return.
func lastToolReturn(t *testing.T, resp *letta.LettaResponse) string {
	t.Helper()
	for i := len(resp.Messages) - 1; i >= 0; i-- {
		if m := resp.Messages[i]; m.MessageType == "tool_return_message" {
			return m.ToolReturn
		}
	}
	t.Fatalf("no tool return in %v", messageTypes(resp.Messages))
	return ""
}

func TestArchivalInsertThenSearchInALaterTurn(t *testing.T) {
	t.Parallel()
	f := setup(t)
	a := f.createAgent(t, letta.AgentTypeLettaV1, withArchival("openai/text-embedding-3-small"))
	ctx := context.Background()

	f.llm.Enqueue(
		llmtest.Call("archival_memory_insert", `{"content":"Ann's gym locker code is 4471.","tags":["gym","codes"]}`),
		llmtest.Text("Noted."),
	)
	resp := f.send(t, a.ID, "Remember that my gym locker code is 4471.")
	if ret := lastToolReturn(t, resp); !strings.Contains(ret, `"status": "OK"`) || !strings.Contains(ret, `"message": "None"`) {
		t.Fatalf("insert tool return = %s", ret)
	}
	ps, err := f.store.ListPassages(ctx, store.ListPassagesParams{AgentID: a.ID})
	if err != nil || len(ps) != 1 {
		t.Fatalf("passages = %v, %v; want one", ps, err)
	}
	p := ps[0]
	if p.Text != "Ann's gym locker code is 4471." || strings.Join(p.Tags, ",") != "gym,codes" || len(p.Embedding) != 1536 {
		t.Errorf("stored passage: text %q tags %v dims %d", p.Text, p.Tags, len(p.Embedding))
	}
	if want := llmtest.Embedding(p.Text, 1536); p.Embedding[0] != want[0] || p.Embedding[1535] != want[1535] {
		t.Error("stored embedding is not the model's vector for the text")
	}

	f.llm.Enqueue(
		llmtest.Call("archival_memory_search", `{"query":"what is the locker code","tags":["gym"],"top_k":3}`),
		llmtest.Text("It is 4471."),
	)
	resp = f.send(t, a.ID, "What was my locker code?")
	ret := lastToolReturn(t, resp)
	for _, want := range []string{`{'id': '` + p.ID + `'`, `'content': \"Ann's gym locker code is 4471.\"`, `'tags': ['gym', 'codes']`, `'timestamp': '`} {
		if !strings.Contains(ret, want) {
			t.Errorf("search tool return lacks %s:\n%s", want, ret)
		}
	}
	// The model saw the count in its system prompt on the second turn.
	reqs := f.llm.Requests()
	sys := reqs[len(reqs)-1].Chat.Messages[0].Content
	if !strings.Contains(string(sys), "- 1 total memories you created are stored in archival memory") {
		t.Errorf("system prompt lacks the archival count:\n%s", sys)
	}
	// Embeddings were computed for the insert and the query, once each.
	var embedded []string
	for _, r := range f.llm.EmbeddingRequests() {
		embedded = append(embedded, r.Input...)
	}
	if got := strings.Join(embedded, "|"); got != "Ann's gym locker code is 4471.|what is the locker code" {
		t.Errorf("embedded texts = %q", got)
	}
}

func TestArchivalWithoutEmbeddingModelUsesText(t *testing.T) {
	t.Parallel()
	f := setup(t)
	a := f.createAgent(t, letta.AgentTypeLettaV1, withArchival(""))
	if a.EmbeddingConfig != nil {
		t.Skip("the engine gave the agent a default embedding model")
	}
	f.llm.Enqueue(
		llmtest.Call("archival_memory_insert", `{"content":"The wifi password is hunter2."}`),
		llmtest.Call("archival_memory_search", `{"query":"wifi password"}`),
		llmtest.Text("done"),
	)
	resp := f.send(t, a.ID, "store and find")
	if ret := lastToolReturn(t, resp); !strings.Contains(ret, "The wifi password is hunter2.") {
		t.Errorf("text-only search return:\n%s", ret)
	}
	if n := len(f.llm.EmbeddingRequests()); n != 0 {
		t.Errorf("%d embedding requests for an agent without a model", n)
	}
}

func TestArchivalMisSizedEmbeddingIsAToolError(t *testing.T) {
	t.Parallel()
	f := setup(t)
	a := f.createAgent(t, letta.AgentTypeLettaV1, withArchival(""), func(p *CreateAgentParams) {
		p.EmbeddingConfig = &letta.EmbeddingConfig{
			EmbeddingEndpointType: "openai", EmbeddingModel: "text-embedding-3-small", EmbeddingDim: 768,
			Handle: letta.Ptr("openai/text-embedding-3-small"),
		}
	})
	f.llm.Enqueue(
		llmtest.Call("archival_memory_insert", `{"content":"a fact"}`),
		llmtest.Text("failed"),
	)
	ret := lastToolReturn(t, f.send(t, a.ID, "store it"))
	for _, want := range []string{`"status": "Failed"`, "openai/text-embedding-3-small", "1536 dimensions", "embedding_dim 768"} {
		if !strings.Contains(ret, want) {
			t.Errorf("tool return lacks %q:\n%s", want, ret)
		}
	}
	if n, _ := f.store.CountPassages(context.Background(), a.ID); n != 0 {
		t.Errorf("%d passages stored after a failed embedding", n)
	}
}

func TestPyRepr(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"plain":         `'plain'`,
		"it's":          `"it's"`,
		`both ' and "`:  `'both \' and "'`,
		"line\nbreak\\": `'line\nbreak\\'`,
	} {
		if got := pyRepr(in); got != want {
			t.Errorf("pyRepr(%q) = %s, want %s", in, got, want)
		}
	}
}
