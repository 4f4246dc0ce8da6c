package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
)

// writeJSON writes v as the JSON body with status. It encodes before writing
// anything, so an encoding failure can still become a 500.
func writeJSON(w http.ResponseWriter, status int, v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("encode response: %w", err)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, err := w.Write(buf.Bytes())
	return err
}

// decode reads the JSON body into dst, limited to the configured size.
// Unknown fields are accepted (Letta clients send extras); an empty body
// decodes as {}. Malformed JSON and wrongly typed fields are 422 field errors.
func (s *server) decode(w http.ResponseWriter, r *http.Request, dst any) error {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes))
	if err != nil {
		var maxErr *http.MaxBytesError
		if errors.As(err, &maxErr) {
			return maxErr
		}
		return fmt.Errorf("read request body: %w", err)
	}
	if len(bytes.TrimSpace(body)) == 0 {
		body = []byte("{}")
	}
	if hasEscapedNUL(body) {
		return fieldErrors{{Loc: []any{"body"}, Msg: nulMessage, Type: "value_error"}}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(dst); err != nil {
		return jsonError(err)
	}
	if dec.More() {
		return fieldErrors{{Loc: []any{"body"}, Msg: "JSON decode error: unexpected data after the JSON value", Type: "json_invalid"}}
	}
	return nil
}

// jsonError describes a decoding failure the way FastAPI does.
func jsonError(err error) error {
	var (
		syn *json.SyntaxError
		typ *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &syn):
		return fieldErrors{{Loc: []any{"body", syn.Offset}, Msg: "JSON decode error: " + syn.Error(), Type: "json_invalid"}}
	case errors.As(err, &typ):
		loc := []any{"body"}
		if typ.Field != "" {
			for _, part := range strings.Split(typ.Field, ".") {
				// Wire names are snake_case; a part with capitals is the
				// name of an embedded Go struct, not something the client sent.
				if strings.ToLower(part) == part {
					loc = append(loc, part)
				}
			}
		}
		return fieldErrors{{Loc: loc, Msg: fmt.Sprintf("Input should be %s, got %s", jsonTypeName(typ.Type), typ.Value), Type: "type_error"}}
	case errors.Is(err, io.ErrUnexpectedEOF):
		return fieldErrors{{Loc: []any{"body"}, Msg: "JSON decode error: unexpected end of input", Type: "json_invalid"}}
	}
	var fe fieldErrors
	if errors.As(err, &fe) {
		return fe
	}
	return fieldErrors{{Loc: []any{"body"}, Msg: "Invalid request body: " + err.Error(), Type: "value_error"}}
}

// nulMessage rejects text with NUL characters, which Postgres cannot store:
// refusing them keeps both stores answering the same.
const nulMessage = "Text must not contain NUL (\\u0000) characters"

// hasEscapedNUL reports whether a JSON document holds a \u0000 escape (the
// only way JSON can carry a NUL), not counting an escaped backslash
// followed by the text "u0000".
func hasEscapedNUL(body []byte) bool {
	for i := 0; ; {
		j := bytes.Index(body[i:], []byte(`\u0000`))
		if j < 0 {
			return false
		}
		at := i + j
		slashes := 0
		for k := at - 1; k >= 0 && body[k] == '\\'; k-- {
			slashes++
		}
		if slashes%2 == 0 {
			return true
		}
		i = at + 1
	}
}

// jsonTypeName names a Go type by the JSON type a client should send.
func jsonTypeName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Pointer:
		return jsonTypeName(t.Elem())
	}
	return "a valid value"
}
