package agent

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/letta-server/letta-server/internal/memory"
)

// pythonJSON writes v the way Letta's json_dumps does (indent 2, no ASCII
// escaping, no HTML escaping). Struct field order is the key order.
func pythonJSON(v any) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fmt.Sprintf("%q", fmt.Sprint(v))
	}
	return strings.TrimSuffix(buf.String(), "\n")
}

// Tool return statuses as the model sees them, and as stored.
const (
	packagedOK     = "OK"
	packagedFailed = "Failed"
	returnSuccess  = "success"
	returnError    = "error"
)

// packageToolReturn is the text the model reads for a tool result:
// {"status", "message", "time"} with indent 2. A nil message is "None".
func packageToolReturn(ok bool, message any, now time.Time, timezone string) string {
	status := packagedOK
	if !ok {
		status = packagedFailed
	}
	if message == nil {
		message = "None"
	}
	return pythonJSON(struct {
		Status  string `json:"status"`
		Message any    `json:"message"`
		Time    string `json:"time"`
	}{status, message, memory.FormatTime(now, timezone)})
}

// truncateReturn cuts a result longer than limit characters, with Letta's note.
func truncateReturn(s string, limit int) string {
	n := utf8.RuneCountInString(s)
	if limit <= 0 || n <= limit {
		return s
	}
	return string([]rune(s)[:limit]) + fmt.Sprintf("... [NOTE: function output was truncated since it exceeded the character limit (%d > %d)]", n, limit)
}

const automatedPrefix = "[This is an automated system message hidden from the user] "

// Heartbeat reasons.
const (
	reasonHeartbeat      = "Function called using request_heartbeat=true, returning control"
	reasonFailed         = "Function call failed, returning control"
	reasonRuleViolation  = "Continuing: tool rule violation."
	reasonChildRule      = "Continuing: child tool rule."
	reasonContinueRule   = "Continuing: continue tool rule."
	reasonRequiredBefore = "Continuing, user expects these tools: [%s] to be called still."
)

// heartbeatText is the user-role message that continues a memgpt turn.
func heartbeatText(reason string, now time.Time, timezone string) string {
	return pythonJSON(struct {
		Type   string `json:"type"`
		Reason string `json:"reason"`
		Time   string `json:"time"`
	}{"heartbeat", automatedPrefix + reason, memory.FormatTime(now, timezone)})
}

// pyList writes names as a Python list repr: ['a', 'b'].
func pyList(names []string) string {
	quoted := make([]string, len(names))
	for i, n := range names {
		quoted[i] = "'" + n + "'"
	}
	return "[" + strings.Join(quoted, ", ") + "]"
}

// setArgument returns the JSON object args with key set to value, keeping
// the order of the other keys (a new key goes last). Bad JSON is replaced.
func setArgument(args, key string, value any) string {
	keys, vals := orderedObject(args)
	raw, _ := json.Marshal(value)
	found := false
	for i, k := range keys {
		if k == key {
			vals[i], found = raw, true
		}
	}
	if !found {
		keys, vals = append(keys, key), append(vals, raw)
	}
	var b strings.Builder
	b.WriteString("{")
	for i, k := range keys {
		if i > 0 {
			b.WriteString(", ")
		}
		kb, _ := json.Marshal(k)
		b.Write(kb)
		b.WriteString(": ")
		b.Write(vals[i])
	}
	b.WriteString("}")
	return b.String()
}

// orderedObject splits a JSON object into its keys and raw values in order.
func orderedObject(s string) ([]string, []json.RawMessage) {
	dec := json.NewDecoder(strings.NewReader(s))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, nil
	}
	var keys []string
	var vals []json.RawMessage
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, nil
		}
		k, _ := tok.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, nil
		}
		keys, vals = append(keys, k), append(vals, v)
	}
	return keys, vals
}
