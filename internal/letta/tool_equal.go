package letta

import (
	"math"
	"reflect"
	"time"
)

// Equal reports whether t and u hold the same content: the same values,
// the same nil-or-empty lists and maps, times at the same instant and
// location. Equal tools encode to the same JSON, so a tool's encoding can
// be kept and reused while the tool stays equal to the copy it came from.
// Comparing is several times cheaper than encoding a tool's schemas.
func (t *Tool) Equal(u *Tool) bool {
	return t.ID == u.ID && t.ToolType == u.ToolType && t.Name == u.Name &&
		equalPtr(t.Description, u.Description) && equalPtr(t.SourceType, u.SourceType) &&
		equalPtr(t.SourceCode, u.SourceCode) &&
		equalJSONObject(t.JSONSchema, u.JSONSchema) && equalJSONObject(t.ArgsJSONSchema, u.ArgsJSONSchema) &&
		equalStrings(t.Tags, u.Tags) && t.ReturnCharLimit == u.ReturnCharLimit &&
		equalJSONArray(t.PipRequirements, u.PipRequirements) && equalJSONArray(t.NpmRequirements, u.NpmRequirements) &&
		equalPtr(t.DefaultRequiresApproval, u.DefaultRequiresApproval) &&
		equalPtr(t.EnableParallelExecution, u.EnableParallelExecution) &&
		equalJSONObject(t.Metadata, u.Metadata) && equalPtr(t.ProjectID, u.ProjectID) &&
		equalPtr(t.CreatedByID, u.CreatedByID) && equalPtr(t.LastUpdatedByID, u.LastUpdatedByID) &&
		sameTime(t.CreatedAt, u.CreatedAt) && sameTime(t.UpdatedAt, u.UpdatedAt)
}

func equalPtr[T comparable](a, b *T) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

// equalStrings tells nil from empty: one encodes as null, the other as [].
func equalStrings(a, b []string) bool {
	if (a == nil) != (b == nil) || len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// sameTime: the instant and the location, which together give the text.
func sameTime(a, b time.Time) bool {
	return a.Equal(b) && a.Location() == b.Location()
}

func equalJSONObject(a, b map[string]any) bool {
	if (a == nil) != (b == nil) || len(a) != len(b) {
		return false
	}
	for k, v := range a {
		w, ok := b[k]
		if !ok || !EqualJSON(v, w) {
			return false
		}
	}
	return true
}

func equalJSONArray(a, b []any) bool {
	if (a == nil) != (b == nil) || len(a) != len(b) {
		return false
	}
	for i := range a {
		if !EqualJSON(a[i], b[i]) {
			return false
		}
	}
	return true
}

// EqualJSON reports whether two decoded JSON values are equal, so encode
// alike; values of other types (a schema
// built in Go) must be deeply equal and of the same type. Numbers compare
// by their bits, since 0 and -0 encode differently.
func EqualJSON(a, b any) bool {
	switch x := a.(type) {
	case nil:
		return b == nil
	case string:
		y, ok := b.(string)
		return ok && x == y
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case float64:
		y, ok := b.(float64)
		return ok && math.Float64bits(x) == math.Float64bits(y)
	case map[string]any:
		y, ok := b.(map[string]any)
		return ok && equalJSONObject(x, y)
	case []any:
		y, ok := b.([]any)
		return ok && equalJSONArray(x, y)
	}
	return reflect.DeepEqual(a, b)
}
