package api

import (
	"strings"
	"time"
)

// createPassageRequest is CreateArchivalMemory: {text, tags?, created_at?}.
type createPassageRequest struct {
	Text         *string    `json:"text"`
	Tags         []string   `json:"tags"`
	CreatedAtRaw *string    `json:"created_at"`
	CreatedAt    *time.Time `json:"-"`
}

// Validate checks the body and parses created_at.
func (req *createPassageRequest) Validate() error {
	var fe fieldErrors
	switch {
	case req.Text == nil:
		fe.add("Field required", "body", "text")
	case strings.TrimSpace(*req.Text) == "":
		fe.add("Text must not be empty", "body", "text")
	}
	req.CreatedAt = parseISOTime(&fe, req.CreatedAtRaw, "created_at")
	return fe.err()
}

// updatePassageRequest is PassageUpdate (Feb–Aug 2025). Letta's schema names
// the metadata field metadata_; plain metadata is accepted too.
type updatePassageRequest struct {
	ID        *string        `json:"id"`
	Text      *string        `json:"text"`
	Tags      *[]string      `json:"tags"`
	Metadata  map[string]any `json:"metadata"`
	Metadata_ map[string]any `json:"metadata_"` //nolint:revive // Letta's wire name
}

// Validate checks the body.
func (req *updatePassageRequest) Validate() error {
	var fe fieldErrors
	if req.Text != nil && strings.TrimSpace(*req.Text) == "" {
		fe.add("Text must not be empty", "body", "text")
	}
	return fe.err()
}

func (req *updatePassageRequest) metadata() map[string]any {
	if req.Metadata_ != nil {
		return req.Metadata_
	}
	return req.Metadata
}

// passageSearchRequest is PassageSearchRequest (POST /v1/passages/search).
type passageSearchRequest struct {
	Query        *string    `json:"query"`
	AgentID      *string    `json:"agent_id"`
	ArchiveID    *string    `json:"archive_id"`
	Tags         []string   `json:"tags"`
	TagMatchMode string     `json:"tag_match_mode"`
	Limit        *int       `json:"limit"`
	StartDateRaw *string    `json:"start_date"`
	EndDateRaw   *string    `json:"end_date"`
	StartDate    *time.Time `json:"-"`
	EndDate      *time.Time `json:"-"`
}

// Validate checks the body and parses the dates.
func (req *passageSearchRequest) Validate() error {
	var fe fieldErrors
	switch req.TagMatchMode {
	case "", "any", "all":
	default:
		fe.add("Input should be 'any' or 'all'", "body", "tag_match_mode")
	}
	if req.Limit != nil && (*req.Limit < 1 || *req.Limit > 100) {
		fe.add("Input should be between 1 and 100", "body", "limit")
	}
	req.StartDate = parseISOTime(&fe, req.StartDateRaw, "start_date")
	req.EndDate = parseISOTime(&fe, req.EndDateRaw, "end_date")
	return fe.err()
}

// parseISOTime parses an optional ISO 8601 date or date-time body field
// (UTC when it has no offset), recording a field error when it is bad.
func parseISOTime(fe *fieldErrors, raw *string, field string) *time.Time {
	if raw == nil || strings.TrimSpace(*raw) == "" {
		return nil
	}
	s := strings.TrimSpace(*raw)
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			t = t.UTC()
			return &t
		}
	}
	fe.add("Input should be a valid datetime", "body", field)
	return nil
}
