package memory

import (
	"errors"
	"testing"

	"github.com/letta-server/letta-server/internal/letta"
)

func TestEdits(t *testing.T) {
	t.Parallel()
	block := func(value string, limit int, ro bool) *letta.Block {
		return &letta.Block{Label: "human", Value: value, Limit: limit, ReadOnly: ro}
	}
	tests := []struct {
		name    string
		edit    func() (string, error)
		want    string
		wantErr string
	}{
		{"append", func() (string, error) { return Append(block("a", 100, false), "b") }, "a\nb", ""},
		{"append over limit", func() (string, error) { return Append(block("abc", 5, false), "def") }, "", "Edit failed: Exceeds 5 character limit (requested 7)"},
		{"append read-only", func() (string, error) { return Append(block("a", 100, true), "b") }, "", "Error This block is read-only and cannot be edited."},
		{"replace all", func() (string, error) { return Replace(block("x y x", 100, false), "x", "z") }, "z y z", ""},
		{"replace missing", func() (string, error) { return Replace(block("x", 100, false), "q", "z") }, "", "Old content 'q' not found in memory block 'human'"},
		{"replace read-only", func() (string, error) { return Replace(block("x", 100, true), "x", "z") }, "", "Error This block is read-only and cannot be edited."},
		{"replace over limit", func() (string, error) { return Replace(block("x", 3, false), "x", "long") }, "", "Edit failed: Exceeds 3 character limit (requested 4)"},
		{"replace once", func() (string, error) { return ReplaceOnce(block("Alice\nBob", 100, false), "Bob", "Carol") }, "Alice\nCarol", ""},
		{"replace once twice", func() (string, error) { return ReplaceOnce(block("a\nb a", 100, false), "a", "c") }, "", "No replacement was performed. Multiple occurrences of old_str `a` in lines 1, 2. Please ensure it is unique."},
		{"replace once missing", func() (string, error) { return ReplaceOnce(block("a", 100, false), "q", "c") }, "", "No replacement was performed, old_str `q` did not appear verbatim in memory block with label `human`."},
		{"replace once read-only", func() (string, error) { return ReplaceOnce(block("a", 100, true), "a", "c") }, "", "Error This block is read-only and cannot be edited."},
		{"insert end", func() (string, error) { return Insert(block("l1\nl2", 100, false), "new", -1) }, "l1\nl2\nnew", ""},
		{"insert top", func() (string, error) { return Insert(block("l1\nl2", 100, false), "new", 0) }, "new\nl1\nl2", ""},
		{"insert middle", func() (string, error) { return Insert(block("l1\nl2", 100, false), "new", 1) }, "l1\nnew\nl2", ""},
		{"insert empty block", func() (string, error) { return Insert(block("", 100, false), "new", -1) }, "new", ""},
		{"insert bad line", func() (string, error) { return Insert(block("l1", 100, false), "new", 5) }, "", "Invalid `insert_line` parameter: 5. It should be within the range of lines of the memory block: [0, 1], or -1 to append to the end of the memory block."},
		{"insert over limit", func() (string, error) { return Insert(block("l1", 4, false), "new", -1) }, "", "Edit failed: Exceeds 4 character limit (requested 6)"},
		{"insert read-only", func() (string, error) { return Insert(block("l1", 100, true), "new", -1) }, "", "Error This block is read-only and cannot be edited."},
		{"rethink", func() (string, error) { return Rethink(block("old", 100, false), "new value") }, "new value", ""},
		{"rethink over limit", func() (string, error) { return Rethink(block("old", 3, false), "four") }, "", "Edit failed: Exceeds 3 character limit (requested 4)"},
		{"rethink read-only", func() (string, error) { return Rethink(block("old", 100, true), "x") }, "", "Error This block is read-only and cannot be edited."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := tt.edit()
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
	var le *letta.LimitError
	if _, err := Append(block("abc", 3, false), "d"); !errors.As(err, &le) {
		t.Errorf("limit error is %T, want *letta.LimitError", err)
	}
	if _, err := Rethink(block("a", 3, true), "b"); !errors.Is(err, ErrReadOnly) {
		t.Errorf("read-only error is %v, want ErrReadOnly", err)
	}
}
