package agent

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/llm"
	"github.com/letta-server/letta-server/internal/store"
)

// toolEnv is what a built-in tool may touch: the step's transaction and
// the agent as loaded for the step.
type toolEnv struct {
	tx    store.Store
	agent *letta.Agent
	now   time.Time
	ran   map[string]toolResult // sandboxed calls already run, by tool_call_id
	// models embeds archival texts; vectors holds those embedded before
	// the transaction opened (embedArchival), by text.
	models  *llm.Registry
	vectors map[string][]float32
}

// toolResult is a tool's outcome before packaging. A nil message is "None".
// Sandboxed and client-side tools also report their output streams.
type toolResult struct {
	ok             bool
	message        any
	stdout, stderr []string
}

// orNone returns lines, or [] when nil.
func orNone(lines []string) []string {
	if lines == nil {
		return []string{}
	}
	return lines
}

func failed(format string, a ...any) toolResult {
	return toolResult{ok: false, message: fmt.Sprintf(format, a...)}
}

// builtinFunc runs one built-in tool. A returned error is a database
// failure that aborts the step; tool-level failures are results.
type builtinFunc func(ctx context.Context, env toolEnv, args map[string]any) (toolResult, error)

var builtins = map[string]builtinFunc{
	toolSendMessage: func(context.Context, toolEnv, map[string]any) (toolResult, error) {
		return toolResult{ok: true, message: "Sent message successfully."}, nil
	},
	toolConversationSearch:   conversationSearch,
	toolCoreMemoryAppend:     coreMemoryAppend,
	toolCoreMemoryReplace:    coreMemoryReplace,
	toolMemoryInsert:         memoryInsert,
	toolMemoryReplace:        memoryReplace,
	toolMemoryRethink:        memoryRethink,
	toolMemoryFinishEdits:    func(context.Context, toolEnv, map[string]any) (toolResult, error) { return toolResult{ok: true}, nil },
	toolArchivalMemoryInsert: archivalMemoryInsert,
	toolArchivalMemorySearch: archivalMemorySearch,
}

// runTool executes one call of an attached tool.
func runTool(ctx context.Context, env toolEnv, tool *letta.Tool, args map[string]any) (toolResult, error) {
	if fn, ok := builtins[tool.Name]; ok && tool.ToolType != letta.ToolTypeCustom {
		return fn(ctx, env, args)
	}
	if isSandboxed(tool) { // run by prerun, outside the transaction, or not at all
		return failed("Error executing function %s: SandboxError: the call was not run", tool.Name), nil
	}
	return failed("Error executing function %s: NotImplementedError: tools of type %s cannot be run by this server", tool.Name, tool.ToolType), nil
}

// parseArguments decodes the model's JSON arguments; bad JSON is {} (the
// tool then reports its missing arguments), as in Letta's newer loops.
func parseArguments(raw string) map[string]any {
	args := map[string]any{}
	if strings.TrimSpace(raw) == "" {
		return args
	}
	if err := json.Unmarshal([]byte(raw), &args); err != nil || args == nil {
		return map[string]any{}
	}
	return args
}

// popHeartbeat removes request_heartbeat from args and reports its value
// (a bool, or the string "true").
func popHeartbeat(args map[string]any) bool {
	v, ok := args["request_heartbeat"]
	if !ok {
		return false
	}
	delete(args, "request_heartbeat")
	switch x := v.(type) {
	case bool:
		return x
	case string:
		return strings.EqualFold(x, "true")
	}
	return false
}

// stringArg returns the first of the names present in args as a string.
func stringArg(args map[string]any, names ...string) (string, bool) {
	for _, n := range names {
		if v, ok := args[n]; ok && v != nil {
			if s, ok := v.(string); ok {
				return s, true
			}
			b, _ := json.Marshal(v)
			return string(b), true
		}
	}
	return "", false
}

func intArg(args map[string]any, name string, def int) (int, bool) {
	v, ok := args[name]
	if !ok || v == nil {
		return def, true
	}
	switch x := v.(type) {
	case float64:
		return int(x), x == float64(int(x))
	case string:
		var n int
		_, err := fmt.Sscanf(x, "%d", &n)
		return n, err == nil
	}
	return def, false
}

func missingArg(tool, name string) toolResult {
	return failed("%s() missing 1 required positional argument: '%s'", tool, name)
}

// findTool returns the attached tool with that name, or nil.
func findTool(a *letta.Agent, name string) *letta.Tool {
	for i := range a.Tools {
		if a.Tools[i].Name == name {
			return &a.Tools[i]
		}
	}
	return nil
}
