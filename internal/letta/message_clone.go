package letta

import "slices"

// Clone returns a deep copy of m: no map, slice or pointer of the copy is
// shared with m, so a store may hand out copies of one decoded message
// (callers edit what they get). Nil slices stay nil and empty ones empty,
// since the wire tells [] from null.
func (m *Message) Clone() Message {
	c := *m
	c.Content = cloneContents(m.Content)
	c.Name = clonePtr(m.Name)
	c.ToolCalls = slices.Clone(m.ToolCalls) // strings only
	c.ToolCallID = clonePtr(m.ToolCallID)
	c.ToolReturns = cloneToolReturns(m.ToolReturns)
	c.StepID = clonePtr(m.StepID)
	c.RunID = clonePtr(m.RunID)
	c.Otid = clonePtr(m.Otid)
	c.SenderID = clonePtr(m.SenderID)
	c.GroupID = clonePtr(m.GroupID)
	c.Model = clonePtr(m.Model)
	c.Approvals = cloneApprovals(m.Approvals)
	c.Approve = clonePtr(m.Approve)
	c.ApprovalRequestID = clonePtr(m.ApprovalRequestID)
	c.DenialReason = clonePtr(m.DenialReason)
	return c
}

func cloneContents(cs []Content) []Content {
	out := slices.Clone(cs)
	for i := range out {
		out[i].Source = cloneMap(cs[i].Source)
		out[i].Signature = clonePtr(cs[i].Signature)
	}
	return out
}

func cloneToolReturns(rs []ToolReturn) []ToolReturn {
	out := slices.Clone(rs)
	for i := range out {
		out[i].Stdout = slices.Clone(rs[i].Stdout)
		out[i].Stderr = slices.Clone(rs[i].Stderr)
	}
	return out
}

func cloneApprovals(as []Approval) []Approval {
	out := slices.Clone(as)
	for i := range out {
		out[i].Reason = clonePtr(as[i].Reason)
		out[i].ToolReturn = cloneJSON(as[i].ToolReturn)
		out[i].Stdout = slices.Clone(as[i].Stdout)
		out[i].Stderr = slices.Clone(as[i].Stderr)
	}
	return out
}
