package agentfile

import (
	"context"
	"errors"
	"fmt"

	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/store"
)

// tool maps the file tool fid to a store tool, by name: an existing tool is
// reused (a custom one updated from the file when OverrideExistingTools is
// set); a missing one is created from the file. A built-in this server does
// not run is created too, keeping its schema: the agent sees it, and a call
// to it returns a "not implemented" tool error.
func (w *writer) tool(ctx context.Context, fid string) (string, error) {
	if id, ok := w.tools[fid]; ok {
		return id, nil
	}
	ft := w.findTool(fid)
	existing, err := w.tx.GetToolByName(ctx, ft.Name)
	switch {
	case err == nil:
		if isCustom(ft) && existing.ToolType == letta.ToolTypeCustom && w.opts.OverrideExistingTools {
			applyFileTool(existing, ft)
			existing.LastUpdatedByID = w.actor()
			if err := w.tx.UpdateTool(ctx, existing); err != nil {
				return "", fmt.Errorf("update tool %s: %w", ft.Name, err)
			}
		}
		w.tools[fid] = existing.ID
		return existing.ID, nil
	case !errors.Is(err, store.ErrNotFound):
		return "", fmt.Errorf("look up tool %s: %w", ft.Name, err)
	}
	t := &letta.Tool{
		ID:              letta.NewID(letta.PrefixTool),
		Name:            ft.Name,
		CreatedByID:     w.actor(),
		LastUpdatedByID: w.actor(),
		CreatedAt:       w.now,
		UpdatedAt:       w.now,
	}
	applyFileTool(t, ft)
	if err := w.tx.CreateTool(ctx, t); err != nil {
		return "", fmt.Errorf("create tool %s: %w", ft.Name, err)
	}
	w.tools[fid] = t.ID
	return t.ID, nil
}

// applyFileTool copies the file tool's definition onto t (not its id, name
// or timestamps).
func applyFileTool(t *letta.Tool, ft *Tool) {
	t.ToolType = ft.ToolType
	if t.ToolType == "" {
		t.ToolType = letta.ToolTypeCustom
	}
	t.Description = ft.Description
	t.SourceType = ft.SourceType
	t.SourceCode = ft.SourceCode
	t.JSONSchema = ft.JSONSchema
	t.ArgsJSONSchema = ft.ArgsJSONSchema
	t.Tags = ft.Tags
	if t.Tags == nil {
		t.Tags = []string{}
	}
	t.ReturnCharLimit = letta.DefaultReturnCharLimit
	if ft.ReturnCharLimit != nil {
		t.ReturnCharLimit = *ft.ReturnCharLimit
	}
	t.PipRequirements = orEmpty(ft.PipRequirements)
	t.NpmRequirements = orEmpty(ft.NpmRequirements)
	t.DefaultRequiresApproval = ft.DefaultRequiresApproval
	t.EnableParallelExecution = ft.EnableParallelExecution
	t.Metadata = ft.Metadata
	if t.Metadata == nil {
		t.Metadata = map[string]any{}
	}
}

func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
