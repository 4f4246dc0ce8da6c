package storetest

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/store"
)

// chunkSeqs returns the seq_ids of chunks, in order.
func chunkSeqs(chunks []store.RunChunk) []int64 {
	out := []int64{}
	for _, c := range chunks {
		out = append(out, c.SeqID)
	}
	return out
}

// newChunks returns chunks with seq_ids from..to, whose data names the seq.
func newChunks(c *clock, from, to int64) []store.RunChunk {
	var out []store.RunChunk
	for seq := from; seq <= to; seq++ {
		data := fmt.Sprintf(`{"message_type":"assistant_message","seq_id":%d,"content":"line \"%d\" [DONE\u005d"}`, seq, seq)
		out = append(out, store.RunChunk{SeqID: seq, Data: json.RawMessage(data), CreatedAt: c.now()})
	}
	return out
}

func testRunChunks(t *testing.T, newStore newStoreFunc) {
	t.Run("AppendList", func(t *testing.T) {
		t.Parallel()
		ctx, s := setup(t, newStore)
		c := newClock()
		a := plainAgent(ctx, t, s, c, "a")
		r := newRun(c, a.ID, letta.RunRunning)
		must(t, "CreateRun", s.CreateRun(ctx, r))
		other := newRun(c, a.ID, letta.RunRunning)
		must(t, "CreateRun other", s.CreateRun(ctx, other))

		got, err := s.ListRunChunks(ctx, r.ID, 0, 0)
		must(t, "ListRunChunks of a run without chunks", err)
		if got == nil || len(got) != 0 {
			t.Errorf("ListRunChunks of a run without chunks = %#v, want []", got)
		}
		must(t, "AppendRunChunks of nothing", s.AppendRunChunks(ctx, r.ID, nil))

		first, second := newChunks(c, 1, 3), newChunks(c, 4, 7)
		must(t, "AppendRunChunks 1..3", s.AppendRunChunks(ctx, r.ID, first))
		must(t, "AppendRunChunks 4..7", s.AppendRunChunks(ctx, r.ID, second))
		must(t, "AppendRunChunks other", s.AppendRunChunks(ctx, other.ID, newChunks(c, 1, 2)))

		got, err = s.ListRunChunks(ctx, r.ID, 0, 0)
		must(t, "ListRunChunks", err)
		want := append(append([]store.RunChunk{}, first...), second...)
		if diff := cmp.Diff(want, got, cmpOpts); diff != "" {
			t.Errorf("ListRunChunks mismatch (-want +got):\n%s", diff)
		}
		// The data comes back byte for byte (no reformatting of the JSON).
		for i := range got {
			if string(got[i].Data) != string(want[i].Data) {
				t.Errorf("chunk %d data = %s, want %s", got[i].SeqID, got[i].Data, want[i].Data)
			}
		}

		for _, tc := range []struct {
			name  string
			after int64
			limit int
			want  []int64
		}{
			{"after 3", 3, 0, []int64{4, 5, 6, 7}},
			{"after 2 limit 2", 2, 2, []int64{3, 4}},
			{"after the last", 7, 10, []int64{}},
			{"limit 1", 0, 1, []int64{1}},
		} {
			got, err := s.ListRunChunks(ctx, r.ID, tc.after, tc.limit)
			must(t, "ListRunChunks "+tc.name, err)
			if diff := cmp.Diff(tc.want, chunkSeqs(got)); diff != "" {
				t.Errorf("ListRunChunks %s seqs (-want +got):\n%s", tc.name, diff)
			}
		}
		got, err = s.ListRunChunks(ctx, "run-nope", 0, 0)
		must(t, "ListRunChunks of an unknown run", err)
		if len(got) != 0 {
			t.Errorf("ListRunChunks of an unknown run = %d chunks, want none", len(got))
		}
	})

	t.Run("Errors", func(t *testing.T) {
		t.Parallel()
		ctx, s := setup(t, newStore)
		c := newClock()
		a := plainAgent(ctx, t, s, c, "a")
		r := newRun(c, a.ID, letta.RunRunning)
		must(t, "CreateRun", s.CreateRun(ctx, r))
		must(t, "AppendRunChunks", s.AppendRunChunks(ctx, r.ID, newChunks(c, 1, 2)))

		wantErr(t, "AppendRunChunks for an unknown run",
			s.AppendRunChunks(ctx, "run-nope", newChunks(c, 1, 1)), store.ErrNotFound)
		// A batch with one stored seq_id is refused as a whole.
		wantErr(t, "AppendRunChunks with a stored seq_id",
			s.AppendRunChunks(ctx, r.ID, newChunks(c, 2, 4)), store.ErrConflict)
		got, err := s.ListRunChunks(ctx, r.ID, 0, 0)
		must(t, "ListRunChunks", err)
		if diff := cmp.Diff([]int64{1, 2}, chunkSeqs(got)); diff != "" {
			t.Errorf("seqs after a refused batch (-want +got):\n%s", diff)
		}

		// Deleting the run deletes its chunks.
		must(t, "DeleteRun", s.DeleteRun(ctx, r.ID))
		got, err = s.ListRunChunks(ctx, r.ID, 0, 0)
		must(t, "ListRunChunks after DeleteRun", err)
		if len(got) != 0 {
			t.Errorf("chunks after DeleteRun = %v, want none", chunkSeqs(got))
		}
	})
}
