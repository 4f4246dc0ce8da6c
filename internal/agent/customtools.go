package agent

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"strings"

	"github.com/letta-server/letta-server/internal/agent/pyschema"
	"github.com/letta-server/letta-server/internal/agent/sandbox"
	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/store"
)

// Custom tools are Python source: the schema is derived from the source
// (pyschema) unless the client sends one, and calls run in the sandbox.

// MaxReturnCharLimit is the largest return_char_limit a tool may have.
const MaxReturnCharLimit = 1_000_000

// ErrToolNameTaken: a tool with the derived name exists (409 on create).
var ErrToolNameTaken = errors.New("Tool with this name already exists.")

// ToolParams is ToolCreate (all of SourceCode required) or ToolUpdate
// (nil means "leave as is"), decoded.
type ToolParams struct {
	Description             *string
	Tags                    *[]string
	SourceCode              *string
	SourceType              *string
	JSONSchema              map[string]any
	ArgsJSONSchema          map[string]any
	ReturnCharLimit         *int
	PipRequirements         *[]any
	NpmRequirements         *[]any
	DefaultRequiresApproval *bool
	EnableParallelExecution *bool
	Metadata                map[string]any
	ActorID                 string
}

// runner returns the sandbox, building the default one on first use.
func (e *Engine) runner(ctx context.Context) *sandbox.Runner {
	e.sandboxOnce.Do(func() {
		if e.cfg.Sandbox != nil {
			e.sandbox = e.cfg.Sandbox
			return
		}
		cfg := e.cfg.SandboxConfig
		if cfg.Logger == nil {
			cfg.Logger = e.cfg.Logger
		}
		r, err := sandbox.New(ctx, cfg)
		if err != nil { // only a bad explicit isolation setting fails
			e.cfg.Logger.ErrorContext(ctx, "tool sandbox", "error", err)
			cfg.Isolation = "none"
			r, _ = sandbox.New(ctx, cfg)
		}
		e.sandbox = r
	})
	return e.sandbox
}

// CreateTool creates a custom tool from p (SourceCode required). Errors:
// *ValidationError for bad input or source, ErrToolNameTaken.
func (e *Engine) CreateTool(ctx context.Context, p ToolParams) (*letta.Tool, error) {
	t, err := e.newTool(ctx, p)
	if err != nil {
		return nil, err
	}
	if err := e.cfg.Store.CreateTool(ctx, t); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return nil, ErrToolNameTaken
		}
		return nil, fmt.Errorf("create tool %s: %w", t.Name, err)
	}
	return t, nil
}

// UpsertTool creates the tool, or updates the tool that has the name
// derived from p's source.
func (e *Engine) UpsertTool(ctx context.Context, p ToolParams) (*letta.Tool, error) {
	t, err := e.newTool(ctx, p)
	if err != nil {
		return nil, err
	}
	var out *letta.Tool
	upsert := func(tx store.Store) error {
		old, err := tx.GetToolByName(ctx, t.Name)
		if errors.Is(err, store.ErrNotFound) {
			out = t
			return tx.CreateTool(ctx, t)
		}
		if err != nil {
			return err
		}
		if old.ToolType != letta.ToolTypeCustom {
			return &ValidationError{Field: "source_code", Message: fmt.Sprintf("%s is a built-in tool and cannot be replaced", t.Name)}
		}
		applyToolParams(old, p)
		old.SourceCode, old.SourceType, old.JSONSchema, old.Description = t.SourceCode, t.SourceType, t.JSONSchema, t.Description
		old.LastUpdatedByID = t.LastUpdatedByID
		out = old
		return tx.UpdateTool(ctx, old)
	}
	err = e.cfg.Store.InTx(ctx, upsert)
	if errors.Is(err, store.ErrConflict) {
		// Another upsert of the name created it first (Postgres runs
		// transactions concurrently): it exists now, so update it.
		err = e.cfg.Store.InTx(ctx, upsert)
	}
	if err != nil {
		return nil, fmt.Errorf("upsert tool %s: %w", t.Name, err)
	}
	return out, nil
}

// UpdateTool applies p to the tool; a new source (or schema) derives the
// name, description and schema again. The derivation (which may run Python)
// happens before the write; the write locks and rereads the tool, so a
// concurrent update of other fields is kept, and starts over when the
// source or schema it derived from changed meanwhile. Errors:
// store.ErrNotFound, *ValidationError, ErrToolNameTaken.
func (e *Engine) UpdateTool(ctx context.Context, id string, p ToolParams) (*letta.Tool, error) {
	if err := validateToolParams(p); err != nil {
		return nil, err
	}
	const attempts = 5
	for range attempts {
		t, err := e.cfg.Store.GetTool(ctx, id)
		if err != nil {
			return nil, fmt.Errorf("load tool %s: %w", id, err)
		}
		rederive, err := e.toolDerivation(ctx, t, p)
		if err != nil {
			return nil, err
		}
		err = e.cfg.Store.InTx(ctx, func(tx store.Store) error {
			locked, err := store.Locked(ctx, tx, store.ToolRow, id, tx.GetTool)
			if err != nil {
				return err
			}
			if rederive != nil {
				if !sameDefinition(locked, t) {
					return errToolRedefined
				}
				rederive(locked)
			}
			applyToolParams(locked, p)
			if p.ActorID != "" {
				locked.LastUpdatedByID = letta.Ptr(p.ActorID)
			}
			return tx.UpdateTool(ctx, locked)
		})
		switch {
		case errors.Is(err, errToolRedefined):
			continue
		case errors.Is(err, store.ErrConflict):
			return nil, ErrToolNameTaken
		case err != nil:
			return nil, fmt.Errorf("update tool %s: %w", id, err)
		}
		return e.cfg.Store.GetTool(ctx, id)
	}
	return nil, fmt.Errorf("update tool %s: its source changed during each of %d attempts", id, attempts)
}

// errToolRedefined: the tool's source or schema changed between the
// derivation and the write.
var errToolRedefined = errors.New("tool redefined concurrently")

// toolDerivation derives what p's new source or schema makes of tool t (its
// name, schema and, unless p sets one, description) and returns the change
// to apply; nil when p changes neither.
func (e *Engine) toolDerivation(ctx context.Context, t *letta.Tool, p ToolParams) (func(*letta.Tool), error) {
	if p.SourceCode == nil && p.JSONSchema == nil {
		return nil, nil
	}
	if t.ToolType != letta.ToolTypeCustom {
		return nil, &ValidationError{Field: "source_code", Message: fmt.Sprintf("%s is a built-in tool: its source and schema cannot be changed", t.Name)}
	}
	src := *cmp.Or(p.SourceCode, t.SourceCode, new(string))
	srcType := *cmp.Or(p.SourceType, t.SourceType, new(string))
	schema := p.JSONSchema
	if schema == nil && p.SourceCode == nil {
		schema = t.JSONSchema
	}
	derived, err := e.deriveSchema(ctx, src, srcType, schema)
	if err != nil {
		return nil, err
	}
	return func(t *letta.Tool) {
		t.Name, t.JSONSchema, t.SourceCode, t.SourceType = derived.Name, derived.JSONSchema, letta.Ptr(src), letta.Ptr(srcType)
		if p.Description == nil {
			t.Description = letta.Ptr(derived.Description)
		}
	}, nil
}

// sameDefinition reports whether a and b have the same source, source type
// and schema: what a derivation starts from.
func sameDefinition(a, b *letta.Tool) bool {
	return letta.Deref(a.SourceCode) == letta.Deref(b.SourceCode) &&
		letta.Deref(a.SourceType) == letta.Deref(b.SourceType) &&
		reflect.DeepEqual(a.JSONSchema, b.JSONSchema)
}

// newTool validates p and builds the tool it describes (not stored).
func (e *Engine) newTool(ctx context.Context, p ToolParams) (*letta.Tool, error) {
	if err := validateToolParams(p); err != nil {
		return nil, err
	}
	if p.SourceCode == nil || strings.TrimSpace(*p.SourceCode) == "" {
		return nil, &ValidationError{Field: "source_code", Message: "Field required"}
	}
	srcType := "python"
	if p.SourceType != nil && *p.SourceType != "" {
		srcType = *p.SourceType
	}
	derived, err := e.deriveSchema(ctx, *p.SourceCode, srcType, p.JSONSchema)
	if err != nil {
		return nil, err
	}
	now := letta.Now()
	t := &letta.Tool{
		ID:                      letta.NewID(letta.PrefixTool),
		ToolType:                letta.ToolTypeCustom,
		Name:                    derived.Name,
		Description:             letta.Ptr(derived.Description),
		SourceType:              letta.Ptr(srcType),
		SourceCode:              p.SourceCode,
		JSONSchema:              derived.JSONSchema,
		Tags:                    []string{},
		ReturnCharLimit:         letta.DefaultReturnCharLimit,
		PipRequirements:         []any{},
		NpmRequirements:         []any{},
		DefaultRequiresApproval: letta.Ptr(false),
		EnableParallelExecution: letta.Ptr(false),
		Metadata:                map[string]any{},
		CreatedAt:               now,
		UpdatedAt:               now,
	}
	if p.Description != nil {
		t.Description = p.Description
	}
	applyToolParams(t, p)
	if p.ActorID != "" {
		t.CreatedByID, t.LastUpdatedByID = letta.Ptr(p.ActorID), letta.Ptr(p.ActorID)
	}
	return t, nil
}

func validateToolParams(p ToolParams) error {
	if p.ReturnCharLimit != nil && (*p.ReturnCharLimit < 1 || *p.ReturnCharLimit > MaxReturnCharLimit) {
		return &ValidationError{Field: "return_char_limit", Message: fmt.Sprintf("must be between 1 and %d", MaxReturnCharLimit)}
	}
	if p.SourceType != nil && *p.SourceType != "" && *p.SourceType != "python" && p.JSONSchema == nil && p.SourceCode != nil {
		return &ValidationError{Field: "json_schema", Message: fmt.Sprintf("source_type %q needs an explicit json_schema: schemas are derived from Python source only", *p.SourceType)}
	}
	return nil
}

// applyToolParams copies the plain fields of p onto t.
func applyToolParams(t *letta.Tool, p ToolParams) {
	if p.Description != nil {
		t.Description = p.Description
	}
	if p.Tags != nil {
		t.Tags = append([]string{}, *p.Tags...)
	}
	if p.ArgsJSONSchema != nil {
		t.ArgsJSONSchema = p.ArgsJSONSchema
	}
	if p.ReturnCharLimit != nil {
		t.ReturnCharLimit = *p.ReturnCharLimit
	}
	if p.PipRequirements != nil {
		t.PipRequirements = append([]any{}, *p.PipRequirements...)
	}
	if p.NpmRequirements != nil {
		t.NpmRequirements = append([]any{}, *p.NpmRequirements...)
	}
	if p.DefaultRequiresApproval != nil {
		t.DefaultRequiresApproval = p.DefaultRequiresApproval
	}
	if p.EnableParallelExecution != nil {
		t.EnableParallelExecution = p.EnableParallelExecution
	}
	if p.Metadata != nil {
		t.Metadata = maps.Clone(p.Metadata)
	}
	if p.Description != nil && t.JSONSchema != nil {
		t.JSONSchema = maps.Clone(t.JSONSchema)
		t.JSONSchema["description"] = *p.Description
	}
}

// deriveSchema returns the tool's schema: the client's json_schema when
// given (it must name the tool), else the one derived from Python source.
func (e *Engine) deriveSchema(ctx context.Context, source, sourceType string, given map[string]any) (*pyschema.Schema, error) {
	if given != nil {
		name, _ := given["name"].(string)
		if name == "" {
			return nil, &ValidationError{Field: "json_schema", Message: "json_schema must have a name"}
		}
		desc, _ := given["description"].(string)
		schema := maps.Clone(given)
		if _, ok := schema["parameters"]; !ok {
			schema["parameters"] = map[string]any{"type": "object", "properties": map[string]any{}, "required": []any{}}
		}
		return &pyschema.Schema{Name: name, Description: desc, JSONSchema: schema}, nil
	}
	if sourceType != "python" {
		return nil, &ValidationError{Field: "json_schema", Message: fmt.Sprintf("source_type %q needs an explicit json_schema", sourceType)}
	}
	s, err := pyschema.Derive(ctx, e.runner(ctx).Python(), source)
	var se *pyschema.SourceError
	switch {
	case errors.As(err, &se):
		return nil, &ValidationError{Field: "source_code", Message: se.Message}
	case errors.Is(err, pyschema.ErrNoPython):
		return nil, &ValidationError{Field: "source_code", Message: err.Error()}
	case err != nil:
		return nil, fmt.Errorf("derive tool schema: %w", err)
	}
	return s, nil
}

// runCustom runs one call of a custom tool in the sandbox. Only the
// arguments the schema declares are passed; the agent's
// tool_exec_environment_variables are the tool's environment.
func (e *Engine) runCustom(ctx context.Context, a *letta.Agent, tool *letta.Tool, args map[string]any) toolResult {
	env := map[string]string{"LETTA_TOOL_ID": tool.ID}
	if a != nil {
		for _, v := range a.ToolExecEnvVars {
			env[v.Key] = v.Value
		}
		env["LETTA_AGENT_ID"] = a.ID
		if a.ProjectID != nil {
			env["LETTA_PROJECT_ID"] = *a.ProjectID
		}
	}
	return e.runSource(ctx, letta.Deref(tool.SourceCode), tool.Name, declaredArgs(tool.JSONSchema, args), env)
}

// runSource runs source's function name with args in the sandbox.
func (e *Engine) runSource(ctx context.Context, source, name string, args map[string]any, env map[string]string) toolResult {
	if strings.TrimSpace(source) == "" {
		return failed("Error executing function %s: ValueError: the tool has no source code", name)
	}
	res, err := e.runner(ctx).Run(ctx, sandbox.Request{Source: source, Function: name, Args: args, Env: env})
	if err != nil {
		return failed("Error executing function %s: SandboxError: %v", name, err)
	}
	return toolResult{ok: res.OK, message: res.Value, stdout: res.Stdout, stderr: res.Stderr}
}

// declaredArgs keeps the arguments the schema declares (all of them when
// the schema lists no properties).
func declaredArgs(schema map[string]any, args map[string]any) map[string]any {
	params, _ := schema["parameters"].(map[string]any)
	props, _ := params["properties"].(map[string]any)
	if len(props) == 0 {
		return args
	}
	out := make(map[string]any, len(args))
	for k, v := range args {
		if _, ok := props[k]; ok {
			out[k] = v
		}
	}
	return out
}

// isSandboxed reports whether calls of tool run in the sandbox (outside
// the step's transaction).
func isSandboxed(tool *letta.Tool) bool {
	return tool != nil && tool.ToolType == letta.ToolTypeCustom
}

// prerun runs the sandboxed calls among calls before the step's
// transaction opens (a tool may run for a long time; SQLite has one
// writer). It skips calls that will not run: unknown or forbidden tools,
// denied calls, calls answered by the client. Results are by tool_call_id.
func (t *turn) prerun(ctx context.Context, calls []letta.ToolCall, allowed []string) map[string]toolResult {
	out := map[string]toolResult{}
	for _, c := range calls {
		tool := findTool(t.agent, c.Function.Name)
		if !isSandboxed(tool) || !containsName(allowed, tool.Name) {
			continue
		}
		if _, denied := t.denied[c.ID]; denied {
			continue
		}
		if _, answered := t.clientReturns[c.ID]; answered {
			continue
		}
		args := parseArguments(c.Function.Arguments)
		popHeartbeat(args)
		callCtx, cancel := context.WithTimeout(ctx, toolCallTimeout)
		out[c.ID] = t.e.runCustom(callCtx, t.agent, tool, args)
		cancel()
	}
	return out
}

func containsName(names []string, name string) bool {
	for _, n := range names {
		if n == name {
			return true
		}
	}
	return false
}

// WarmSandbox builds the tool sandbox now (it starts python3 to find its
// installation, which takes a moment) so the first tool call need not.
func (e *Engine) WarmSandbox(ctx context.Context) { e.runner(ctx) }

// CheckToolSource reports a *pyschema.SourceError when source is not valid
// Python (compiled, not run, by the sandbox's interpreter). Without python3
// there is nothing to check against and it returns nil: such a tool fails
// cleanly when called.
func (e *Engine) CheckToolSource(ctx context.Context, source string) error {
	err := pyschema.CheckSyntax(ctx, e.runner(ctx).Python(), source)
	if errors.Is(err, pyschema.ErrNoPython) {
		return nil
	}
	return err
}
