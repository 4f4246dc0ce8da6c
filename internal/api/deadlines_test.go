package api_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/letta-server/letta-server/internal/api"
	"github.com/letta-server/letta-server/internal/letta"
)

// rawRequest writes head and the start of a body to the server on a bare
// connection and returns the connection, so the test can stall, cut or
// refuse to read as a bad client would.
func rawRequest(t *testing.T, e *env, head, body string) *net.TCPConn {
	t.Helper()
	c, err := net.Dial("tcp", strings.TrimPrefix(e.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	if _, err := io.WriteString(c, head+"\r\n"+body); err != nil {
		t.Fatal(err)
	}
	return c.(*net.TCPConn)
}

// readAnswer reads the response on c and checks its status and JSON body.
func readAnswer(t *testing.T, c net.Conn, status int) {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(30 * time.Second)) // a hang fails the test instead of stalling it
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("no answer: %v", err)
	}
	defer resp.Body.Close()
	var body struct {
		Detail string `json:"detail"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || body.Detail == "" {
		t.Errorf("answer %d is not a JSON error (%v)", resp.StatusCode, err)
	}
	if resp.StatusCode != status {
		t.Errorf("status %d (%s), want %d", resp.StatusCode, body.Detail, status)
	}
}

func TestBadBodiesGetAClientError(t *testing.T) {
	t.Parallel()
	e := setup(t, func(c *api.Config) { c.BodyReadTimeout = time.Second })
	jsonHead := "POST /v1/agents/ HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n"
	formHead := "POST /v1/agents/import HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=XX\r\nContent-Length: 1000\r\n"
	formStart := "--XX\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.af\"\r\n\r\n{\"agents\":"
	for _, tc := range []struct {
		name, head, body string
		cut              bool
		status           int
	}{
		{"JSON body stalls", jsonHead, `{"na`, false, http.StatusRequestTimeout},
		{"JSON body ends early", jsonHead, `{"na`, true, http.StatusBadRequest},
		{"agent file stalls", formHead, formStart, false, http.StatusRequestTimeout},
		{"agent file ends early", formHead, formStart, true, http.StatusBadRequest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := rawRequest(t, e, tc.head, tc.body)
			if tc.cut {
				_ = c.CloseWrite()
			}
			readAnswer(t, c, tc.status)
		})
	}
	var agents []letta.Agent
	e.ok("GET", "/v1/agents/", nil, &agents)
	if len(agents) != 0 {
		t.Errorf("%d agents created by broken requests", len(agents))
	}
	// A body that arrives in time, after a pause shorter than the limit,
	// and a long request after it on the same connection still work.
	first, rest := `{"label":"human",`, `"value":"v"}`
	c := rawRequest(t, e, fmt.Sprintf("POST /v1/blocks/ HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n", len(first+rest)), first)
	time.Sleep(100 * time.Millisecond)
	if _, err := io.WriteString(c, rest); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(c)
	resp, err := http.ReadResponse(r, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Errorf("block in time: status %d", resp.StatusCode)
	}
}

// bigHistory stores n messages of 1 MiB each on a new agent.
func bigHistory(t *testing.T, e *env, n int) *letta.Agent {
	t.Helper()
	a := e.newAgent("big", nil)
	big := strings.Repeat("x", 1<<20)
	var msgs []*letta.Message
	for range n {
		msgs = append(msgs, &letta.Message{
			ID: letta.NewID(letta.PrefixMessage), AgentID: a.ID, Role: letta.RoleUser,
			Content: []letta.Content{{Type: letta.ContentText, Text: big}}, CreatedAt: letta.Now(),
		})
	}
	if err := e.store.CreateMessages(t.Context(), msgs); err != nil {
		t.Fatal(err)
	}
	return a
}

// A client that stops reading its response is cut off once a write of it
// waits past WriteTimeout, instead of holding the handler forever.
func TestClientThatStopsReadingIsCutOff(t *testing.T) {
	t.Parallel()
	e := setup(t, func(c *api.Config) { c.WriteTimeout = 200 * time.Millisecond })
	a := bigHistory(t, e, 48)
	c := rawRequest(t, e, "GET /v1/agents/"+a.ID+"/messages?limit=100 HTTP/1.1\r\nHost: x\r\n", "")
	_ = c.SetReadDeadline(time.Now().Add(60 * time.Second))
	br := bufio.NewReader(c)
	if _, err := br.Peek(1); err != nil { // the server has started writing
		t.Fatalf("no answer: %v", err)
	}
	time.Sleep(time.Second) // with ~48 MB still to send, far past the write timeout
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		return // cut before the headers
	}
	defer resp.Body.Close()
	n, err := io.Copy(io.Discard, resp.Body)
	if err == nil {
		t.Errorf("read the whole %d-byte answer: the server waited for a client that did not read", n)
	}
}

// A client that keeps reading, with pauses, gets the whole answer even when
// it takes several times WriteTimeout.
func TestSlowReaderGetsTheWholeAnswer(t *testing.T) {
	t.Parallel()
	// Each pause is far shorter than the timeout and followed by reading at
	// full speed, so a blocked write never waits near the timeout even on
	// a loaded machine; the whole transfer takes about three times it.
	e := setup(t, func(c *api.Config) { c.WriteTimeout = 1500 * time.Millisecond })
	a := bigHistory(t, e, 16)
	c := rawRequest(t, e, "GET /v1/agents/"+a.ID+"/messages?limit=100 HTTP/1.1\r\nHost: x\r\n", "")
	_ = c.SetReadDeadline(time.Now().Add(60 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	start := time.Now()
	var total int64
	for {
		n, err := io.CopyN(io.Discard, resp.Body, 1<<20)
		total += n
		if err == io.EOF { // the body ended, whole
			break
		}
		if err != nil {
			t.Fatalf("cut off after %d bytes in %s: %v", total, time.Since(start), err)
		}
		time.Sleep(300 * time.Millisecond) // after each MiB: the 16 MiB take about 5 s
	}
	if elapsed := time.Since(start); elapsed < 3*time.Second || total < 16<<20 {
		t.Errorf("read %d bytes in %s: want over 16 MiB taking longer than the write timeout", total, elapsed)
	}
}
