// Package pyschema derives a Letta tool's JSON schema from its Python
// source, as Letta does: the last top-level function definition is the
// tool, its name is the tool's name, its Google-style docstring gives the
// description and one description per parameter, and the annotations give
// the parameter types. The source is parsed by python3's own ast module in
// a subprocess (never executed), so every signature Python accepts parses
// here exactly as it would in Letta.
package pyschema

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"time"
)

//go:embed derive.py
var deriveScript string

// deriveTimeout bounds one parse.
const deriveTimeout = 20 * time.Second

// maxSourceBytes caps the source handed to the parser.
const maxSourceBytes = 1 << 20

// SourceError is source code a schema cannot be derived from (no
// function, no docstring, a parameter without a description or with an
// unsupported type, a syntax error). Its message says which and why.
type SourceError struct {
	Message string
}

func (e *SourceError) Error() string { return e.Message }

// ErrNoPython: no python3 interpreter is configured, so Python tools
// cannot be parsed (nor run).
var ErrNoPython = errors.New("python3 is not available on this server: install python3 to create Python tools")

// Schema is a derived tool schema in OpenAI function form.
type Schema struct {
	Name        string
	Description string
	// JSONSchema is {name, description, parameters: {type: object,
	// properties, required}}.
	JSONSchema map[string]any
}

// Derive parses source with the python3 at python (an absolute path; ""
// is ErrNoPython) and returns the schema of its last function. Bad source
// is a *SourceError; a failure to run python3 is another error.
func Derive(ctx context.Context, python, source string) (*Schema, error) {
	if python == "" {
		return nil, ErrNoPython
	}
	if len(source) > maxSourceBytes {
		return nil, &SourceError{Message: fmt.Sprintf("source_code is %d bytes; the limit is %d", len(source), maxSourceBytes)}
	}
	ctx, cancel := context.WithTimeout(ctx, deriveTimeout)
	defer cancel()
	// -I: ignore PYTHON* variables and the user's site directory; -c runs
	// the embedded parser, which reads the source from stdin.
	cmd := exec.CommandContext(ctx, python, "-I", "-c", deriveScript)
	cmd.Stdin = bytes.NewReader([]byte(source))
	cmd.Env = []string{"LANG=C.UTF-8", "PYTHONIOENCODING=utf-8"}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("run python3 schema parser: %w (stderr: %s)", err, lastLine(stderr.String()))
	}
	var out struct {
		Schema map[string]any `json:"schema"`
		Error  string         `json:"error"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		return nil, fmt.Errorf("read python3 schema parser output: %w", err)
	}
	if out.Error != "" {
		return nil, &SourceError{Message: out.Error}
	}
	name, _ := out.Schema["name"].(string)
	desc, _ := out.Schema["description"].(string)
	if name == "" {
		return nil, fmt.Errorf("python3 schema parser returned no name")
	}
	return &Schema{Name: name, Description: desc, JSONSchema: out.Schema}, nil
}

func lastLine(s string) string {
	s = string(bytes.TrimSpace([]byte(s)))
	if i := bytes.LastIndexByte([]byte(s), '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}

// compileScript compiles stdin without running it and prints the syntax
// error, if any, as "line N: message".
const compileScript = `import sys
src = sys.stdin.read()
try:
    compile(src, "<tool>", "exec")
except SyntaxError as e:
    print("line %s: %s" % (e.lineno, e.msg))
`

// CheckSyntax reports a *SourceError when source is not valid Python. It
// compiles, never runs, the code. Unlike Derive it asks nothing of the
// docstring, for tools that come with their own json_schema (agent files).
func CheckSyntax(ctx context.Context, python, source string) error {
	if python == "" {
		return ErrNoPython
	}
	ctx, cancel := context.WithTimeout(ctx, deriveTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, python, "-I", "-c", compileScript)
	cmd.Stdin = bytes.NewReader([]byte(source))
	cmd.Env = []string{"LANG=C.UTF-8", "PYTHONIOENCODING=utf-8"}
	out, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("run python3 syntax check: %w", err)
	}
	if msg := strings.TrimSpace(string(out)); msg != "" {
		return &SourceError{Message: "syntax error at " + msg}
	}
	return nil
}
