package agent

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/store"
)

// Base tool names.
const (
	toolSendMessage          = "send_message"
	toolConversationSearch   = "conversation_search"
	toolCoreMemoryAppend     = "core_memory_append"
	toolCoreMemoryReplace    = "core_memory_replace"
	toolMemoryInsert         = "memory_insert"
	toolMemoryReplace        = "memory_replace"
	toolMemoryRethink        = "memory_rethink"
	toolMemoryFinishEdits    = "memory_finish_edits"
	toolArchivalMemoryInsert = "archival_memory_insert"
	toolArchivalMemorySearch = "archival_memory_search"
)

// baseToolsJSON holds the schemas of the base tools exactly as Letta
// publishes them (name, description and parameters are what clients and
// models see), with their tool_type and tags.
//
//go:embed basetools.json
var baseToolsJSON []byte

type baseToolSpec struct {
	Name                    string         `json:"name"`
	ToolType                string         `json:"tool_type"`
	Description             string         `json:"description"`
	JSONSchema              map[string]any `json:"json_schema"`
	Tags                    []string       `json:"tags"`
	EnableParallelExecution bool           `json:"enable_parallel_execution"`
}

var baseToolSpecs = func() []baseToolSpec {
	var specs []baseToolSpec
	if err := json.Unmarshal(baseToolsJSON, &specs); err != nil {
		panic(fmt.Sprintf("agent: bad embedded basetools.json: %v", err))
	}
	return specs
}()

// isBaseTool reports whether name is one of the built-in tools run in Go.
func isBaseTool(name string) bool {
	for _, s := range baseToolSpecs {
		if s.Name == name {
			return true
		}
	}
	return false
}

// baseToolNames is the default tool set of an agent type (Letta 0.8.7–0.16).
func baseToolNames(t letta.AgentType) []string {
	switch t {
	case letta.AgentTypeMemGPT:
		return []string{toolSendMessage, toolConversationSearch, toolCoreMemoryAppend, toolCoreMemoryReplace}
	case letta.AgentTypeMemGPTV2:
		return []string{toolSendMessage, toolConversationSearch, toolMemoryReplace, toolMemoryInsert}
	case letta.AgentTypeLettaV1:
		return []string{toolConversationSearch, toolMemoryReplace, toolMemoryInsert}
	case letta.AgentTypeSleeptime:
		return []string{toolMemoryReplace, toolMemoryInsert, toolMemoryRethink, toolMemoryFinishEdits}
	}
	return nil // react_agent, workflow_agent
}

func (s baseToolSpec) tool() *letta.Tool {
	now := letta.Now()
	return &letta.Tool{
		ID:                      letta.NewID(letta.PrefixTool),
		ToolType:                s.ToolType,
		Name:                    s.Name,
		Description:             letta.Ptr(s.Description),
		SourceType:              letta.Ptr("python"),
		JSONSchema:              s.JSONSchema,
		Tags:                    s.Tags,
		ReturnCharLimit:         letta.DefaultReturnCharLimit,
		PipRequirements:         []any{},
		NpmRequirements:         []any{},
		DefaultRequiresApproval: letta.Ptr(false),
		EnableParallelExecution: letta.Ptr(s.EnableParallelExecution),
		Metadata:                map[string]any{},
		CreatedAt:               now,
		UpdatedAt:               now,
	}
}

// EnsureBaseTools creates the built-in tools that do not exist yet, by name.
// It is idempotent and safe when several servers start at once (a name
// taken meanwhile is fine).
func (e *Engine) EnsureBaseTools(ctx context.Context) error {
	e.baseToolsMu.Lock()
	defer e.baseToolsMu.Unlock()
	if e.baseToolsReady {
		return nil
	}
	for _, spec := range baseToolSpecs {
		if _, err := e.cfg.Store.GetToolByName(ctx, spec.Name); err == nil {
			continue
		} else if !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("look up base tool %s: %w", spec.Name, err)
		}
		if err := e.cfg.Store.CreateTool(ctx, spec.tool()); err != nil && !errors.Is(err, store.ErrConflict) {
			return fmt.Errorf("create base tool %s: %w", spec.Name, err)
		}
	}
	e.baseToolsReady = true
	return nil
}
