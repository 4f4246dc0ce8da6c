package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/letta-server/letta-server/internal/letta"
)

// An AgentState is mostly its tools: their JSON schemas are two thirds of
// the bytes, the same few tools are shared by many agents, and encoding
// their maps by reflection was most of the time of listing agents. So
// agents are written field by field (the bytes encoding/json writes, which
// agent_json_test.go checks), each tool from toolJSON, and the blocks once
// for both "blocks" and "memory.blocks".

// maxCachedToolJSON bounds toolJSON; it starts over when full.
const maxCachedToolJSON = 4096

// toolJSON is shared by every server of the process: an entry is used only
// for a tool Equal to the one it was encoded from, whatever store it came from.
var toolJSON = &toolJSONCache{byID: map[string]*encodedTool{}}

// toolJSONCache keeps tools' JSON by tool id.
type toolJSONCache struct {
	mu   sync.Mutex
	byID map[string]*encodedTool
}

// encodedTool is immutable once cached.
type encodedTool struct {
	tool letta.Tool // a deep copy: callers may change theirs
	json []byte
}

// get returns t's JSON when the cache holds it for a tool equal to t.
func (c *toolJSONCache) get(t *letta.Tool) []byte {
	c.mu.Lock()
	e := c.byID[t.ID]
	c.mu.Unlock()
	if e == nil || !e.tool.Equal(t) {
		return nil
	}
	return e.json
}

// put keeps encoded, t's JSON, for copies of t.
func (c *toolJSONCache) put(t *letta.Tool, encoded []byte) {
	e := &encodedTool{tool: t.Clone(), json: bytes.Clone(encoded)}
	c.mu.Lock()
	if len(c.byID) >= maxCachedToolJSON {
		clear(c.byID)
	}
	c.byID[t.ID] = e
	c.mu.Unlock()
}

// agentWriter appends AgentStates as JSON to buf. The first error stops
// it; later calls do nothing.
type agentWriter struct {
	buf bytes.Buffer
	enc *json.Encoder // into buf, as writeJSON encodes
	err error
}

// agentWriters keeps writers with their grown buffers: a page of agents
// is most of a megabyte, and growing a buffer to that size each time was a
// third of the writing.
var agentWriters = sync.Pool{New: func() any {
	w := &agentWriter{}
	w.enc = json.NewEncoder(&w.buf)
	w.enc.SetEscapeHTML(false)
	return w
}}

// maxPooledAgentBuffer: larger buffers (a huge page) are left to the GC.
const maxPooledAgentBuffer = 4 << 20

// writeAgentsJSON writes agents (normalized) as the response body: one
// AgentState, or a bare array of them.
func writeAgentsJSON(rw http.ResponseWriter, agents []*letta.Agent, array bool) error {
	w := agentWriters.Get().(*agentWriter)
	defer func() {
		if w.buf.Cap() <= maxPooledAgentBuffer {
			w.buf.Reset()
			w.err = nil
			agentWriters.Put(w)
		}
	}()
	if array {
		w.raw("[")
	}
	for i, a := range agents {
		if i > 0 {
			w.raw(",")
		}
		w.agent(a)
	}
	if array {
		w.raw("]")
	}
	w.raw("\n") // as json.Encoder ends a value
	if w.err != nil {
		return fmt.Errorf("encode response: %w", w.err)
	}
	rw.Header().Set("Content-Type", "application/json")
	rw.WriteHeader(http.StatusOK)
	_, err := rw.Write(w.buf.Bytes())
	return err
}

// agent appends a as encoding/json would, field by field in the order of
// letta.Agent.
func (w *agentWriter) agent(a *letta.Agent) {
	w.raw(`{"id":`)
	w.str(a.ID)
	w.raw(`,"name":`)
	w.str(a.Name)
	w.raw(`,"agent_type":`)
	w.str(string(a.AgentType))
	w.raw(`,"system":`)
	w.str(a.System)
	w.raw(`,"description":`)
	w.strPtr(a.Description)
	w.raw(`,"metadata":`)
	w.value(a.Metadata)
	w.raw(`,"llm_config":`)
	w.value(&a.LLMConfig)
	w.raw(`,"embedding_config":`)
	optional(w, a.EmbeddingConfig)
	w.raw(`,"model":`)
	w.strPtr(a.Model)
	w.raw(`,"embedding":`)
	w.strPtr(a.Embedding)
	w.raw(`,"tool_rules":`)
	w.value(a.ToolRules)
	w.raw(`,"message_ids":`)
	w.strs(a.MessageIDs)
	w.raw(`,"tags":`)
	w.strs(a.Tags)
	w.raw(`,"tools":`)
	w.tools(a.Tools)
	w.raw(`,"blocks":`)
	start := w.buf.Len()
	w.value(a.Blocks)
	blocks := w.buf.Bytes()[start:]
	w.raw(`,"memory":`)
	w.memory(&a.Memory, a.Blocks, blocks)
	w.raw(`,"sources":`)
	w.value(a.Sources)
	w.raw(`,"identity_ids":`)
	w.strs(a.IdentityIDs)
	w.raw(`,"identities":`)
	w.value(a.Identities)
	w.raw(`,"tool_exec_environment_variables":`)
	w.value(a.ToolExecEnvVars)
	w.raw(`,"secrets":`)
	w.value(a.Secrets)
	w.raw(`,"message_buffer_autoclear":`)
	w.boolean(a.MessageBufferAutoclear)
	w.raw(`,"enable_sleeptime":`)
	optional(w, a.EnableSleeptime)
	w.raw(`,"project_id":`)
	w.strPtr(a.ProjectID)
	w.raw(`,"template_id":`)
	w.strPtr(a.TemplateID)
	w.raw(`,"base_template_id":`)
	w.strPtr(a.BaseTemplateID)
	w.raw(`,"deployment_id":`)
	w.strPtr(a.DeploymentID)
	w.raw(`,"entity_id":`)
	w.strPtr(a.EntityID)
	w.raw(`,"response_format":`)
	w.value(a.ResponseFormat)
	w.raw(`,"timezone":`)
	w.strPtr(a.Timezone)
	w.raw(`,"max_files_open":`)
	optional(w, a.MaxFilesOpen)
	w.raw(`,"per_file_view_window_char_limit":`)
	optional(w, a.PerFileViewWindowCharLimit)
	w.raw(`,"hidden":`)
	optional(w, a.Hidden)
	w.raw(`,"multi_agent_group":`)
	w.value(a.MultiAgentGroup)
	w.raw(`,"managed_group":`)
	w.value(a.ManagedGroup)
	w.raw(`,"pending_approval":`)
	w.value(a.PendingApproval)
	w.raw(`,"last_run_completion":`)
	if a.LastRunCompletion == nil {
		w.raw("null")
	} else {
		w.time(*a.LastRunCompletion)
	}
	w.raw(`,"last_run_duration_ms":`)
	optional(w, a.LastRunDurationMs)
	w.raw(`,"last_stop_reason":`)
	w.strPtr(a.LastStopReason)
	w.raw(`,"model_settings":`)
	w.value(a.ModelSettings)
	w.raw(`,"compaction_settings":`)
	w.value(a.CompactionSettings)
	w.raw(`,"created_by_id":`)
	w.strPtr(a.CreatedByID)
	w.raw(`,"last_updated_by_id":`)
	w.strPtr(a.LastUpdatedByID)
	w.raw(`,"created_at":`)
	w.time(a.CreatedAt)
	w.raw(`,"updated_at":`)
	w.time(a.UpdatedAt)
	w.raw("}")
}

// memory appends m; blocksJSON is the encoding of blocks, reused when m
// holds the same blocks (Normalize makes it so).
func (w *agentWriter) memory(m *letta.Memory, blocks []letta.Block, blocksJSON []byte) {
	w.raw(`{"blocks":`)
	if sameBlocks(m.Blocks, blocks) {
		w.buf.Write(blocksJSON)
	} else {
		w.value(m.Blocks)
	}
	w.raw(`,"prompt_template":`)
	w.str(m.PromptTemplate)
	w.raw(`,"agent_type":`)
	w.strPtr(m.AgentType)
	w.raw(`,"file_blocks":`)
	w.value(m.FileBlocks)
	w.raw(`,"git_enabled":`)
	w.boolean(m.GitEnabled)
	w.raw("}")
}

// sameBlocks reports whether a and b are one slice (not merely equal).
func sameBlocks(a, b []letta.Block) bool {
	if len(a) != len(b) || (a == nil) != (b == nil) {
		return false
	}
	return len(a) == 0 || &a[0] == &b[0]
}

// tools appends the tools, each from toolJSON when it holds it.
func (w *agentWriter) tools(tools []letta.Tool) {
	if tools == nil {
		w.raw("null")
		return
	}
	w.raw("[")
	for i := range tools {
		if i > 0 {
			w.raw(",")
		}
		t := &tools[i]
		if cached := toolJSON.get(t); cached != nil {
			w.buf.Write(cached)
			continue
		}
		start := w.buf.Len()
		w.value(t)
		if w.err == nil {
			toolJSON.put(t, w.buf.Bytes()[start:])
		}
	}
	w.raw("]")
}

func (w *agentWriter) raw(s string) { w.buf.WriteString(s) }

// value appends v as encoding/json does.
func (w *agentWriter) value(v any) {
	if w.err != nil {
		return
	}
	if err := w.enc.Encode(v); err != nil {
		w.err = err
		return
	}
	w.buf.Truncate(w.buf.Len() - 1) // Encode ends a value with a newline
}

// optional appends a nil pointer as null, else what it points to.
func optional[T any](w *agentWriter, p *T) {
	if p == nil {
		w.raw("null")
		return
	}
	w.value(*p)
}

// str appends s as a JSON string; text with nothing to escape (ids, names,
// types) is copied as it is.
func (w *agentWriter) str(s string) {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' || c >= 0x80 {
			w.value(s)
			return
		}
	}
	w.buf.WriteByte('"')
	w.buf.WriteString(s)
	w.buf.WriteByte('"')
}

func (w *agentWriter) strPtr(p *string) {
	if p == nil {
		w.raw("null")
		return
	}
	w.str(*p)
}

func (w *agentWriter) strs(s []string) {
	if s == nil {
		w.raw("null")
		return
	}
	w.raw("[")
	for i, x := range s {
		if i > 0 {
			w.raw(",")
		}
		w.str(x)
	}
	w.raw("]")
}

func (w *agentWriter) boolean(b bool) {
	if b {
		w.raw("true")
	} else {
		w.raw("false")
	}
}

// time appends t as time.Time's MarshalJSON does.
func (w *agentWriter) time(t time.Time) {
	if w.err != nil {
		return
	}
	b, err := t.MarshalJSON()
	if err != nil {
		w.err = err
		return
	}
	w.buf.Write(b)
}
