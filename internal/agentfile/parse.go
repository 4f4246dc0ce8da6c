package agentfile

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// FormatError says what is wrong with an agent file: Path locates the
// problem ("agents[0].block_ids[2]"), Message says what it is. Every error
// Parse returns is one; Import returns one for a file that parses but
// cannot be imported as it stands.
type FormatError struct {
	Path    string
	Message string
}

func (e *FormatError) Error() string {
	if e.Path == "" {
		return "invalid agent file: " + e.Message
	}
	return "invalid agent file: " + e.Path + ": " + e.Message
}

func formatErr(path, format string, args ...any) *FormatError {
	return &FormatError{Path: path, Message: fmt.Sprintf(format, args...)}
}

// maxStringDepth bounds how many times a document may be wrapped in JSON
// strings; published files are wrapped at most once.
const maxStringDepth = 3

// Parse reads an agent file in either schema. A document that is a JSON
// string holding the JSON document (as some published files are) is
// unwrapped. The file is checked as a whole: every id a list refers to
// exists, ids are unique, tool rules are well formed, the context window
// names the agent's own messages. A problem is a *FormatError.
func Parse(raw []byte) (*File, error) {
	doc, err := unwrap(raw)
	if err != nil {
		return nil, err
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(doc, &top); err != nil {
		return nil, formatErr("", "the document must be a JSON object")
	}
	var f *File
	switch {
	case top["agents"] != nil:
		f = new(File)
		if err := decode(doc, f); err != nil {
			return nil, err
		}
	case top["core_memory"] != nil || top["in_context_message_indices"] != nil:
		var l LegacyAgent
		if err := decode(doc, &l); err != nil {
			return nil, err
		}
		if f, err = l.toFile(); err != nil {
			return nil, err
		}
	default:
		return nil, formatErr("", `not an agent file: expected an "agents" list (agent file schema) or "core_memory" (legacy agent schema)`)
	}
	if err := validate(f); err != nil {
		return nil, err
	}
	return f, nil
}

// unwrap strips JSON-string wrapping and rejects text Postgres cannot store.
func unwrap(raw []byte) ([]byte, error) {
	doc := bytes.TrimSpace(raw)
	for depth := 0; len(doc) > 0 && doc[0] == '"'; depth++ {
		if depth == maxStringDepth {
			return nil, formatErr("", "the document is wrapped in JSON strings too many times")
		}
		var s string
		if err := json.Unmarshal(doc, &s); err != nil {
			return nil, formatErr("", "the document is not valid JSON: %s", jsonMessage(err))
		}
		doc = bytes.TrimSpace([]byte(s))
	}
	if len(doc) == 0 {
		return nil, formatErr("", "the file is empty")
	}
	var v any
	if err := json.Unmarshal(doc, &v); err != nil {
		return nil, formatErr("", "the document is not valid JSON: %s", jsonMessage(err))
	}
	if path, ok := findNUL(v, ""); ok {
		return nil, formatErr(path, "text contains a NUL character, which cannot be stored")
	}
	return doc, nil
}

// findNUL returns the path of the first string (or key) holding a NUL.
func findNUL(v any, path string) (string, bool) {
	switch x := v.(type) {
	case string:
		return path, strings.ContainsRune(x, 0)
	case []any:
		for i, e := range x {
			if p, ok := findNUL(e, fmt.Sprintf("%s[%d]", path, i)); ok {
				return p, true
			}
		}
	case map[string]any:
		for k, e := range x {
			p := joinPath(path, k)
			if strings.ContainsRune(k, 0) {
				return p, true
			}
			if p, ok := findNUL(e, p); ok {
				return p, true
			}
		}
	}
	return "", false
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// decode unmarshals doc into dst, turning type errors into FormatErrors
// that name the field.
func decode(doc []byte, dst any) error {
	err := json.Unmarshal(doc, dst)
	if err == nil {
		return nil
	}
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		return formatErr(typeErr.Field, "expected %s, got JSON %s", typeName(typeErr.Type.String()), typeErr.Value)
	}
	return formatErr("", "%s", jsonMessage(err))
}

// typeName turns a Go type into the JSON word for it.
func typeName(goType string) string {
	switch {
	case strings.HasPrefix(goType, "[]"), strings.HasSuffix(goType, "Content"):
		return "a list"
	case strings.HasPrefix(goType, "map["), strings.Contains(goType, "."):
		return "an object"
	case goType == "string", goType == "*string":
		return "a string"
	case goType == "bool", goType == "*bool":
		return "true or false"
	case strings.Contains(goType, "int"), strings.Contains(goType, "float"):
		return "a number"
	}
	return goType
}

// jsonMessage is err's text without the package prefix.
func jsonMessage(err error) string {
	return strings.TrimPrefix(err.Error(), "json: ")
}
