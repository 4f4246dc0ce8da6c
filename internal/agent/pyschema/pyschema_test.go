package pyschema_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/letta-server/letta-server/internal/agent/pyschema"
)

func python(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("python3")
	if err != nil {
		if os.Getenv("LETTA_REQUIRE_PYTHON") != "" {
			t.Fatal("python3 is required (LETTA_REQUIRE_PYTHON is set)")
		}
		t.Skip("python3 not installed")
	}
	return p
}

func TestDerive(t *testing.T) {
	t.Parallel()
	py := python(t)
	tests := []struct {
		name   string
		source string
		want   map[string]any
	}{
		{
			name: "scalars, defaults and Optional",
			source: `from typing import Optional

def roll_dice(sides: int, times: int = 1, label: Optional[str] = None, fair: bool = True, bias: float = 0.0) -> str:
    """Roll a die.

    Args:
        sides (int): Number of sides.
        times (int): How many rolls.
        label: A label for the roll.
        fair: Whether the die is fair.
        bias: How biased it is.

    Returns:
        str: The outcome.
    """
    return "4"
`,
			want: map[string]any{
				"name": "roll_dice", "description": "Roll a die.",
				"parameters": map[string]any{"type": "object", "required": []any{"sides"}, "properties": map[string]any{
					"sides": map[string]any{"type": "integer", "description": "Number of sides."},
					"times": map[string]any{"type": "integer", "description": "How many rolls."},
					"label": map[string]any{"type": "string", "description": "A label for the roll."},
					"fair":  map[string]any{"type": "boolean", "description": "Whether the die is fair."},
					"bias":  map[string]any{"type": "number", "description": "How biased it is."},
				}},
			},
		},
		{
			name: "lists, dicts, Literal enums, multi-line signature with tricky defaults",
			source: `import typing
from typing import List, Literal

def helper(x: int) -> int:
    """Not the tool: only the last function is.

    Args:
        x: A number.
    """
    return x

@some.decorator(")")
async def search(
    queries: List[str],
    limits: list[int],
    loose: list,
    filters: dict,
    mode: Literal["fast", "slow"] = "fast",
    level: typing.Literal[1, 2, 3] = 1,
    sep: str = "),(",
    agent_state: "AgentState" = None,
) -> typing.Dict[str, int]:
    """Search things.

    Searches every source, slowly
    if asked.

    Args:
        queries: What to look for,
            one query per item.
        limits: Limits per query.
        loose: Untyped list.
        filters: Filters to apply.
        mode: How fast.
        level: How deep.
        sep: A separator.
    """
`,
			want: map[string]any{
				"name": "search", "description": "Search things.\n\nSearches every source, slowly\nif asked.",
				"parameters": map[string]any{"type": "object", "required": []any{"queries", "limits", "loose", "filters"}, "properties": map[string]any{
					"queries": map[string]any{"type": "array", "items": map[string]any{"type": "string"}, "description": "What to look for, one query per item."},
					"limits":  map[string]any{"type": "array", "items": map[string]any{"type": "integer"}, "description": "Limits per query."},
					"loose":   map[string]any{"type": "array", "items": map[string]any{"type": "string"}, "description": "Untyped list."},
					"filters": map[string]any{"type": "object", "description": "Filters to apply."},
					"mode":    map[string]any{"type": "string", "enum": []any{"fast", "slow"}, "description": "How fast."},
					"level":   map[string]any{"type": "integer", "enum": []any{float64(1), float64(2), float64(3)}, "description": "How deep."},
					"sep":     map[string]any{"type": "string", "description": "A separator."},
				}},
			},
		},
		{
			name: "no parameters, PEP 604 optional",
			source: `def ping(note: str | None) -> str:
    """Answer pong.

    Args:
        note: Ignored.
    """
    return "pong"
`,
			want: map[string]any{
				"name": "ping", "description": "Answer pong.",
				"parameters": map[string]any{"type": "object", "required": []any{}, "properties": map[string]any{
					"note": map[string]any{"type": "string", "description": "Ignored."},
				}},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := pyschema.Derive(context.Background(), py, tt.source)
			if err != nil {
				t.Fatalf("Derive: %v", err)
			}
			if diff := cmp.Diff(tt.want, got.JSONSchema); diff != "" {
				t.Errorf("schema (-want +got):\n%s", diff)
			}
			if got.Name != tt.want["name"] || got.Description != tt.want["description"] {
				t.Errorf("name, description = %q, %q", got.Name, got.Description)
			}
		})
	}
}

func TestDeriveErrors(t *testing.T) {
	t.Parallel()
	py := python(t)
	tests := []struct {
		name, source, want string
	}{
		{"no docstring", "def f(x: int):\n    return x\n", "function f has no docstring"},
		{"bad syntax", "def f(x: int\n    return x\n", "source_code is not valid Python: SyntaxError"},
		{"no function", "x = 1\n", "source_code defines no function"},
		{"undocumented parameter", "def f(x: int, y: int):\n    \"\"\"Do.\n\n    Args:\n        x: An x.\n    \"\"\"\n", "Parameter 'y' in function 'f' lacks a description in the docstring"},
		{"missing annotation", "def f(x):\n    \"\"\"Do.\n\n    Args:\n        x: An x.\n    \"\"\"\n", "Parameter 'x' in function 'f' lacks a type annotation"},
		{"general union", "from typing import Union\ndef f(x: Union[int, str]):\n    \"\"\"Do.\n\n    Args:\n        x: An x.\n    \"\"\"\n", "union type"},
		{"typed dict", "def f(x: dict[str, int]):\n    \"\"\"Do.\n\n    Args:\n        x: An x.\n    \"\"\"\n", "typed dict"},
		{"unknown type", "def f(x: Widget):\n    \"\"\"Do.\n\n    Args:\n        x: An x.\n    \"\"\"\n", "type Widget has no JSON schema equivalent"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := pyschema.Derive(context.Background(), py, tt.source)
			var se *pyschema.SourceError
			if !errors.As(err, &se) {
				t.Fatalf("error = %v, want a *SourceError", err)
			}
			if !strings.Contains(se.Message, tt.want) {
				t.Errorf("message = %q, want it to contain %q", se.Message, tt.want)
			}
		})
	}
}

func TestDeriveWithoutPython(t *testing.T) {
	t.Parallel()
	if _, err := pyschema.Derive(context.Background(), "", "def f(): pass"); !errors.Is(err, pyschema.ErrNoPython) {
		t.Fatalf("error = %v, want ErrNoPython", err)
	}
}
