package memory

import (
	"errors"
	"fmt"
	"strings"

	"github.com/letta-server/letta-server/internal/letta"
)

// ErrReadOnly is the error of an edit to a read-only block; its text is
// Letta's, since the model reads it in the tool return.
var ErrReadOnly = errors.New("Error This block is read-only and cannot be edited.") //nolint:staticcheck // Letta's exact text

// EditError is an edit the block's content does not allow (text not found,
// ambiguous match, bad line number). The text is what the model sees.
type EditError struct{ Message string }

func (e *EditError) Error() string { return e.Message }

// Each edit returns the block's new value, or an error and no change:
// ErrReadOnly, *EditError, or a *letta.LimitError when the result would be
// longer than the block's limit.

// Append adds content on a new line (core_memory_append).
func Append(b *letta.Block, content string) (string, error) {
	return finish(b, b.Value+"\n"+content)
}

// Replace replaces every occurrence of old with new (core_memory_replace).
func Replace(b *letta.Block, old, new string) (string, error) {
	if b.ReadOnly {
		return "", ErrReadOnly
	}
	if !strings.Contains(b.Value, old) {
		return "", &EditError{fmt.Sprintf("Old content '%s' not found in memory block '%s'", old, b.Label)}
	}
	return finish(b, strings.ReplaceAll(b.Value, old, new))
}

// ReplaceOnce replaces old with new where old occurs exactly once (memory_replace).
func ReplaceOnce(b *letta.Block, old, new string) (string, error) {
	if b.ReadOnly {
		return "", ErrReadOnly
	}
	value := expandTabs(b.Value)
	old, new = expandTabs(old), expandTabs(new)
	switch n := strings.Count(value, old); {
	case n == 0:
		return "", &EditError{fmt.Sprintf("No replacement was performed, old_str `%s` did not appear verbatim in memory block with label `%s`.", old, b.Label)}
	case n > 1:
		var lines []string
		for i, line := range strings.Split(value, "\n") {
			if strings.Contains(line, old) {
				lines = append(lines, fmt.Sprint(i+1))
			}
		}
		return "", &EditError{fmt.Sprintf("No replacement was performed. Multiple occurrences of old_str `%s` in lines %s. Please ensure it is unique.", old, strings.Join(lines, ", "))}
	}
	return finish(b, strings.Replace(value, old, new, 1))
}

// Insert puts text after line n (0 = at the top, -1 = at the end) (memory_insert).
func Insert(b *letta.Block, text string, line int) (string, error) {
	if b.ReadOnly {
		return "", ErrReadOnly
	}
	value := expandTabs(b.Value)
	lines := strings.Split(value, "\n")
	if value == "" {
		lines = nil
	}
	if line == -1 {
		line = len(lines)
	}
	if line < 0 || line > len(lines) {
		return "", &EditError{fmt.Sprintf("Invalid `insert_line` parameter: %d. It should be within the range of lines of the memory block: [0, %d], or -1 to append to the end of the memory block.", line, len(lines))}
	}
	added := strings.Split(expandTabs(text), "\n")
	out := make([]string, 0, len(lines)+len(added))
	out = append(out, lines[:line]...)
	out = append(out, added...)
	out = append(out, lines[line:]...)
	return finish(b, strings.Join(out, "\n"))
}

// Rethink replaces the whole value (memory_rethink).
func Rethink(b *letta.Block, value string) (string, error) {
	return finish(b, value)
}

func finish(b *letta.Block, value string) (string, error) {
	if b.ReadOnly {
		return "", ErrReadOnly
	}
	if err := letta.CheckLimit(value, b.Limit); err != nil {
		return "", err
	}
	return value, nil
}

func expandTabs(s string) string { return strings.ReplaceAll(s, "\t", "        ") }
