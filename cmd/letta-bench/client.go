package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

// client talks to the server under test.
type client struct {
	base string // http://127.0.0.1:port
	http *http.Client
}

func newClient(base string, conns int) *client {
	tr := &http.Transport{MaxIdleConns: conns + 16, MaxIdleConnsPerHost: conns + 16, IdleConnTimeout: time.Minute}
	return &client{base: base, http: &http.Client{Transport: tr, Timeout: 2 * time.Minute}}
}

// call sends a JSON request and decodes a 2xx JSON answer into out (when
// not nil). Any other status is an error carrying the body.
func (c *client) call(method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("encode request: %w", err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		return fmt.Errorf("build request: %w", err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("%s %s: read body: %w", method, path, err)
	}
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: status %d: %.300s", method, path, resp.StatusCode, b)
	}
	if out != nil && len(b) > 0 {
		if err := json.Unmarshal(b, out); err != nil {
			return fmt.Errorf("%s %s: decode answer: %w", method, path, err)
		}
	}
	return nil
}

// createAgent creates a letta_v1_agent on the fake model with a human
// block the bench tool call edits, tagged for the list benchmark.
func (c *client) createAgent(name string, tags []string) (string, error) {
	var a struct {
		ID string `json:"id"`
	}
	err := c.call("POST", "/v1/agents", map[string]any{
		"name": name, "model": "openai/gpt-4o-mini", "embedding": "openai/text-embedding-3-small",
		"tags": tags,
		"memory_blocks": []any{
			map[string]any{"label": "human", "value": "The user's name is Bench."},
			map[string]any{"label": "persona", "value": "I am a patient benchmark agent."},
		},
	}, &a)
	return a.ID, err
}

// turnResult is one answered message.
type turnResult struct {
	total time.Duration
	model time.Duration
	err   error
}

// sendResponse is the part of a LettaResponse the bench checks.
type sendResponse struct {
	Messages []struct {
		MessageType string `json:"message_type"`
	} `json:"messages"`
	StopReason struct {
		StopReason string `json:"stop_reason"`
	} `json:"stop_reason"`
}

// turn sends one tagged message and checks the turn ended normally (and,
// on a tool turn, that the tool ran).
func (c *client) turn(fake *fakeModel, agentID, key string, tool bool) turnResult {
	flag := "tool=0"
	if tool {
		flag = "tool=1"
	}
	body := map[string]any{"messages": []any{map[string]any{"role": "user", "content": tagPrefix + key + " " + flag + "] how are you today?"}}}
	var resp sendResponse
	start := time.Now()
	err := c.call("POST", "/v1/agents/"+agentID+"/messages", body, &resp)
	total := time.Since(start)
	model := fake.take(key)
	if err == nil && resp.StopReason.StopReason != "end_turn" {
		err = fmt.Errorf("turn %s: stop_reason %q", key, resp.StopReason.StopReason)
	}
	if err == nil && tool && !hasType(resp, "tool_return_message") {
		err = fmt.Errorf("turn %s: no tool return in the answer", key)
	}
	return turnResult{total: total, model: model, err: err}
}

func hasType(r sendResponse, typ string) bool {
	for _, m := range r.Messages {
		if m.MessageType == typ {
			return true
		}
	}
	return false
}
