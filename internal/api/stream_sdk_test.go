package api_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
)

// The two stream parsers below read a body the way the two SDK generations
// do (letta-api/ENDPOINTS.md §7.2); a stream must give the same items to
// both.

// fernParse reads like Fern 0.1.x: split on "\n", skip lines without
// "data:", stop at the first data line that contains "[DONE]" anywhere,
// JSON-parse every other data line on its own. An `event: error` frame is
// not special: its data is yielded as an ordinary item.
func fernParse(t *testing.T, body string) []map[string]any {
	t.Helper()
	var items []map[string]any
	for _, line := range strings.Split(body, "\n") {
		i := strings.Index(line, "data:")
		if i < 0 {
			continue
		}
		data := strings.TrimSpace(line[i+len("data:"):])
		if strings.Contains(data, "[DONE]") {
			return items
		}
		var item map[string]any
		if err := json.Unmarshal([]byte(data), &item); err != nil {
			t.Fatalf("fern: data line is not one JSON value: %q: %v", line, err)
		}
		items = append(items, item)
	}
	t.Fatalf("fern: the stream has no [DONE]:\n%s", body)
	return nil
}

// sdkError is what the Stainless 1.x parser raises for an `event: error`.
type sdkError struct{ data map[string]any }

func (e *sdkError) Error() string { return fmt.Sprintf("stream error event: %v", e.data) }

// stainlessParse reads like Stainless 1.x: events end at a blank line;
// "event:" names the event, "data:" lines are joined with "\n", ":" lines
// are comments. It stops at data starting with "[DONE]", raises on an event
// named error, drops events with any other name, and JSON-parses the rest
// (a parse failure raises).
func stainlessParse(body string) ([]map[string]any, error) {
	var items []map[string]any
	sc := bufio.NewScanner(strings.NewReader(body))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	var event string
	var data []string
	flush := func() (stop bool, err error) {
		defer func() { event, data = "", nil }()
		if event == "" && data == nil {
			return false, nil
		}
		joined := strings.Join(data, "\n")
		if strings.HasPrefix(joined, "[DONE]") {
			return true, nil
		}
		var item map[string]any
		if event == "error" {
			if err := json.Unmarshal([]byte(joined), &item); err != nil {
				return true, fmt.Errorf("error event with bad data %q: %w", joined, err)
			}
			return true, &sdkError{data: item}
		}
		if event != "" {
			return false, nil
		}
		if err := json.Unmarshal([]byte(joined), &item); err != nil {
			return true, fmt.Errorf("could not parse event data %q: %w", joined, err)
		}
		items = append(items, item)
		return false, nil
	}
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			if stop, err := flush(); stop || err != nil {
				return items, err
			}
			continue
		}
		field, value, _ := strings.Cut(line, ":")
		value = strings.TrimPrefix(value, " ")
		switch field {
		case "":
			// a comment
		case "event":
			event = value
		case "data":
			data = append(data, value)
		}
	}
	if _, err := flush(); err != nil {
		return items, err
	}
	return items, fmt.Errorf("stream ended without [DONE]")
}

// checkFraming asserts the server's own framing rules: every event is one
// `data:` line (plus `event: error` on the terminal error only), events end
// with a blank line, and the last one is `data: [DONE]`.
func checkFraming(t *testing.T, body string) {
	t.Helper()
	if !strings.HasSuffix(body, "data: [DONE]\n\n") {
		t.Fatalf("stream does not end with data: [DONE]:\n%s", body)
	}
	events := strings.Split(strings.TrimSuffix(body, "\n\n"), "\n\n")
	for i, ev := range events {
		lines := strings.Split(ev, "\n")
		if lines[0] == "event: error" && i == len(events)-2 {
			lines = lines[1:]
		}
		if len(lines) != 1 || !strings.HasPrefix(lines[0], "data: ") {
			t.Errorf("event %d is not a single data line: %q", i, ev)
		}
	}
}

// streamResult is one streamed answer read to its end.
type streamResult struct {
	status int
	header http.Header
	body   string
}

// stream posts body to path and reads the whole answer.
func (e *env) stream(path string, body any) streamResult {
	e.t.Helper()
	raw, err := json.Marshal(body)
	if err != nil {
		e.t.Fatal(err)
	}
	req, err := http.NewRequestWithContext(e.t.Context(), "POST", e.url+path, bytes.NewReader(raw))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json") // as Stainless sends it on streams
	resp, err := e.client.Do(req)
	if err != nil {
		e.t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatalf("read stream: %v", err)
	}
	return streamResult{status: resp.StatusCode, header: resp.Header, body: string(got)}
}

// items checks the answer is a well-framed SSE stream and returns what both
// SDK parsers read from it (they must agree) and the error the 1.x parser
// raised, if any.
func (s streamResult) items(t *testing.T) ([]map[string]any, *sdkError) {
	t.Helper()
	if s.status != http.StatusOK {
		t.Fatalf("status %d: %s", s.status, s.body)
	}
	for h, want := range map[string]string{"Content-Type": "text/event-stream", "Cache-Control": "no-cache", "X-Accel-Buffering": "no"} {
		if got := s.header.Get(h); got != want {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}
	checkFraming(t, s.body)
	fern := fernParse(t, s.body)
	stainless, err := stainlessParse(s.body)
	var raised *sdkError
	if err != nil {
		var ok bool
		if raised, ok = err.(*sdkError); !ok {
			t.Fatalf("stainless parser: %v\n%s", err, s.body)
		}
		last, _ := json.Marshal(fern[len(fern)-1])
		if want, _ := json.Marshal(raised.data); !bytes.Equal(last, want) {
			t.Errorf("fern's last item %s, want the error event %s", last, want)
		}
		fern = fern[:len(fern)-1] // 0.1.x yields the error as an item
	}
	if len(fern) != len(stainless) {
		t.Fatalf("parsers disagree: fern read %d items, stainless %d\n%s", len(fern), len(stainless), s.body)
	}
	for i := range fern {
		a, _ := json.Marshal(fern[i])
		b, _ := json.Marshal(stainless[i])
		if !bytes.Equal(a, b) {
			t.Errorf("item %d: fern %s, stainless %s", i, a, b)
		}
	}
	return stainless, raised
}

// types lists the message_type of each item.
func types(items []map[string]any) []string {
	out := []string{}
	for _, it := range items {
		out = append(out, fmt.Sprint(it["message_type"]))
	}
	return out
}

// withoutPings drops keep-alive pings.
func withoutPings(items []map[string]any) []map[string]any {
	var out []map[string]any
	for _, it := range items {
		if it["message_type"] != "ping" {
			out = append(out, it)
		}
	}
	return out
}
