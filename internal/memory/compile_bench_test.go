package memory_test

import (
	"strings"
	"testing"
	"time"

	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/memory"
)

// BenchmarkCompile renders a system prompt with three full-size blocks,
// as every turn does before its first step.
func BenchmarkCompile(b *testing.B) {
	block := func(label string) letta.Block {
		return letta.Block{Label: label, Value: strings.Repeat("The user likes gardening and tomatoes. ", 120),
			Limit: 5000, Description: letta.Ptr("The " + label + " block.")}
	}
	p := memory.CompileParams{
		System:           strings.Repeat("You are a helpful assistant with memory. ", 50),
		AgentType:        letta.AgentTypeLettaV1,
		AgentID:          "agent-00000000-0000-0000-0000-000000000000",
		Blocks:           []letta.Block{block("persona"), block("human"), block("notes")},
		RecompiledAt:     time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		Timezone:         "Europe/Paris",
		PreviousMessages: 100000,
		ArchivalMemories: 10000,
	}
	b.ReportAllocs()
	for b.Loop() {
		if s := memory.Compile(p); len(s) < 10000 {
			b.Fatalf("prompt of %d bytes", len(s))
		}
	}
}
