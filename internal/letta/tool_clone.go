package letta

// Clone returns a deep copy of t: no map, slice or pointer of the copy is
// shared with t, so a store may hand out copies of one decoded tool.
func (t *Tool) Clone() Tool {
	c := *t
	c.Description = clonePtr(t.Description)
	c.SourceType = clonePtr(t.SourceType)
	c.SourceCode = clonePtr(t.SourceCode)
	c.JSONSchema = cloneMap(t.JSONSchema)
	c.ArgsJSONSchema = cloneMap(t.ArgsJSONSchema)
	if t.Tags != nil {
		c.Tags = append([]string{}, t.Tags...)
	}
	c.PipRequirements = cloneSlice(t.PipRequirements)
	c.NpmRequirements = cloneSlice(t.NpmRequirements)
	c.DefaultRequiresApproval = clonePtr(t.DefaultRequiresApproval)
	c.EnableParallelExecution = clonePtr(t.EnableParallelExecution)
	c.Metadata = cloneMap(t.Metadata)
	c.ProjectID = clonePtr(t.ProjectID)
	c.CreatedByID = clonePtr(t.CreatedByID)
	c.LastUpdatedByID = clonePtr(t.LastUpdatedByID)
	return c
}

func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

// cloneMap deep-copies a decoded JSON object.
func cloneMap(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = cloneJSON(v)
	}
	return out
}

// cloneSlice deep-copies a decoded JSON array.
func cloneSlice(s []any) []any {
	if s == nil {
		return nil
	}
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = cloneJSON(v)
	}
	return out
}

// cloneJSON deep-copies a decoded JSON value (scalars are immutable).
func cloneJSON(v any) any {
	switch x := v.(type) {
	case map[string]any:
		return cloneMap(x)
	case []any:
		return cloneSlice(x)
	}
	return v
}
