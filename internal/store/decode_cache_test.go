package store

import (
	"maps"
	"testing"
)

type record struct {
	Name string         `json:"name"`
	Tags map[string]any `json:"tags"`
}

func cloneRecord(r *record) record { return record{Name: r.Name, Tags: maps.Clone(r.Tags)} }

func TestDecodeCache(t *testing.T) {
	c := NewDecodeCache(2, cloneRecord)
	first, err := c.Decode("a", []byte(`{"name":"one","tags":{"k":"v"}}`))
	if err != nil {
		t.Fatal(err)
	}
	first.Tags["k"] = "changed by the caller"
	again, err := c.Decode("a", []byte(`{"name":"one","tags":{"k":"v"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if again.Tags["k"] != "v" {
		t.Errorf("a caller's change leaked into the cache: tags %v", again.Tags)
	}
	rewritten, err := c.Decode("a", []byte(`{"name":"two","tags":{}}`))
	if err != nil {
		t.Fatal(err)
	}
	if rewritten.Name != "two" {
		t.Errorf("new bytes for a cached id decoded to %q, want two", rewritten.Name)
	}
	if _, err := c.Decode("b", []byte(`{`)); err == nil {
		t.Error("invalid JSON decoded without an error")
	}
	for _, id := range []string{"b", "c", "d"} {
		if _, err := c.Decode(id, []byte(`{"name":"`+id+`"}`)); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(c.byID); n > 2 {
		t.Errorf("cache holds %d records, bound is 2", n)
	}
}
