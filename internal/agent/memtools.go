package agent

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/memory"
	"github.com/letta-server/letta-server/internal/store"
)

// editOp computes a block's new value from its current state.
type editOp func(b *letta.Block) (string, error)

// editBlock applies op to the agent's block with that label, atomically: a
// compare-and-set against the value read; if another writer got there
// first, the block is read again and op applied once more. The tool's
// result is the new value; edit errors (read-only, limit, not found) are
// failed results and change nothing.
func editBlock(ctx context.Context, env toolEnv, label string, op editOp) (toolResult, error) {
	var blockID string
	var labels []string
	for _, b := range env.agent.Blocks {
		labels = append(labels, b.Label)
		if b.Label == label {
			blockID = b.ID
		}
	}
	if blockID == "" {
		return failed("'Block field %s does not exist (available sections = %s)'", label, strings.Join(labels, ", ")), nil
	}
	for attempt := 0; ; attempt++ {
		b, err := env.tx.GetBlock(ctx, blockID)
		if err != nil {
			return toolResult{}, fmt.Errorf("read block %s: %w", label, err)
		}
		value, err := op(b)
		if err != nil {
			return toolResult{ok: false, message: err.Error()}, nil
		}
		err = env.tx.CompareAndSetBlockValue(ctx, blockID, b.Value, value)
		if errors.Is(err, store.ErrConflict) && attempt == 0 {
			continue
		}
		if err != nil {
			return toolResult{}, fmt.Errorf("write block %s: %w", label, err)
		}
		for i := range env.agent.Blocks {
			if env.agent.Blocks[i].ID == blockID {
				env.agent.Blocks[i].Value = value
			}
		}
		return toolResult{ok: true, message: value}, nil
	}
}

func coreMemoryAppend(ctx context.Context, env toolEnv, args map[string]any) (toolResult, error) {
	label, ok := stringArg(args, "label")
	if !ok {
		return missingArg(toolCoreMemoryAppend, "label"), nil
	}
	content, ok := stringArg(args, "content")
	if !ok {
		return missingArg(toolCoreMemoryAppend, "content"), nil
	}
	return editBlock(ctx, env, label, func(b *letta.Block) (string, error) { return memory.Append(b, content) })
}

func coreMemoryReplace(ctx context.Context, env toolEnv, args map[string]any) (toolResult, error) {
	label, ok := stringArg(args, "label")
	if !ok {
		return missingArg(toolCoreMemoryReplace, "label"), nil
	}
	old, ok := stringArg(args, "old_content")
	if !ok {
		return missingArg(toolCoreMemoryReplace, "old_content"), nil
	}
	repl, ok := stringArg(args, "new_content")
	if !ok {
		return missingArg(toolCoreMemoryReplace, "new_content"), nil
	}
	return editBlock(ctx, env, label, func(b *letta.Block) (string, error) { return memory.Replace(b, old, repl) })
}

func memoryInsert(ctx context.Context, env toolEnv, args map[string]any) (toolResult, error) {
	label, ok := stringArg(args, "label")
	if !ok {
		return missingArg(toolMemoryInsert, "label"), nil
	}
	text, ok := stringArg(args, "new_str", "new_string")
	if !ok {
		return missingArg(toolMemoryInsert, "new_str"), nil
	}
	line, ok := intArg(args, "insert_line", -1)
	if !ok {
		return failed("insert_line must be an integer"), nil
	}
	return editBlock(ctx, env, label, func(b *letta.Block) (string, error) { return memory.Insert(b, text, line) })
}

func memoryReplace(ctx context.Context, env toolEnv, args map[string]any) (toolResult, error) {
	label, ok := stringArg(args, "label")
	if !ok {
		return missingArg(toolMemoryReplace, "label"), nil
	}
	old, ok := stringArg(args, "old_str", "old_string")
	if !ok {
		return missingArg(toolMemoryReplace, "old_str"), nil
	}
	repl, ok := stringArg(args, "new_str", "new_string")
	if !ok {
		return missingArg(toolMemoryReplace, "new_str"), nil
	}
	return editBlock(ctx, env, label, func(b *letta.Block) (string, error) { return memory.ReplaceOnce(b, old, repl) })
}

func memoryRethink(ctx context.Context, env toolEnv, args map[string]any) (toolResult, error) {
	label, ok := stringArg(args, "label")
	if !ok {
		return missingArg(toolMemoryRethink, "label"), nil
	}
	value, ok := stringArg(args, "new_memory")
	if !ok {
		return missingArg(toolMemoryRethink, "new_memory"), nil
	}
	return editBlock(ctx, env, label, func(b *letta.Block) (string, error) { return memory.Rethink(b, value) })
}
