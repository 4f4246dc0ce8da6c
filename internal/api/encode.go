package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
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
				loc = append(loc, part)
			}
		}
		return fieldErrors{{Loc: loc, Msg: fmt.Sprintf("Input should be of type %s, got %s", typ.Type, typ.Value), Type: "type_error"}}
	case errors.Is(err, io.ErrUnexpectedEOF):
		return fieldErrors{{Loc: []any{"body"}, Msg: "JSON decode error: unexpected end of input", Type: "json_invalid"}}
	}
	var fe fieldErrors
	if errors.As(err, &fe) {
		return fe
	}
	return fieldErrors{{Loc: []any{"body"}, Msg: "Invalid request body: " + err.Error(), Type: "value_error"}}
}
