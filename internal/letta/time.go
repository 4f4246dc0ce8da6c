package letta

import (
	"strings"
	"time"
)

// MessageDate is the timestamp of a LettaMessage. Letta writes it with seconds
// precision and an explicit "+00:00" offset.
type MessageDate time.Time

// MarshalJSON writes e.g. "2025-03-28T17:04:11+00:00".
func (d MessageDate) MarshalJSON() ([]byte, error) {
	return []byte(`"` + time.Time(d).UTC().Format("2006-01-02T15:04:05") + `+00:00"`), nil
}

// UnmarshalJSON accepts any RFC 3339 time.
func (d *MessageDate) UnmarshalJSON(b []byte) error {
	t, err := time.Parse(time.RFC3339Nano, strings.Trim(string(b), `"`))
	if err != nil {
		return err
	}
	*d = MessageDate(t)
	return nil
}

// Now returns the current time in UTC truncated to microseconds, the precision
// both stores keep, so that a value read back equals the value written.
func Now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }
