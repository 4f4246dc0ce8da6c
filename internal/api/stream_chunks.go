package api

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/store"
)

// Timings of stored stream chunks.
const (
	// chunkFlushDelay is how long new chunks wait to be stored together:
	// token streams make many small items, which one write then carries.
	chunkFlushDelay = 20 * time.Millisecond
	// chunkFlushAttempts bounds the tries to store the last chunks of a
	// finished stream when the store fails.
	chunkFlushAttempts = 3
)

// errChunkLogClosed is returned by add after the stream ended.
var errChunkLogClosed = errors.New("run stream already ended")

// runChunkLog is the stream of one background run as this process produces
// it: every item gets the next seq_id, is kept in memory for followers in
// this process, and is written to the store in batches for the others.
type runChunkLog struct {
	runID string
	store store.RunChunkStore
	log   *slog.Logger

	mu      sync.Mutex
	chunks  []store.RunChunk // chunks[i].SeqID == i+1
	stored  int              // chunks[:stored] are in the store
	closed  bool             // no more chunks come
	settled bool             // closed, and every chunk stored (or storing gave up)
	changed chan struct{}    // closed and replaced on every append and when settled

	wake   chan struct{} // the flusher has work (capacity 1)
	exited chan struct{} // the flusher is done
}

// newRunChunkLog starts the log of run runID and its flusher.
func newRunChunkLog(runID string, st store.RunChunkStore, log *slog.Logger) *runChunkLog {
	l := &runChunkLog{
		runID:   runID,
		store:   st,
		log:     log,
		changed: make(chan struct{}),
		wake:    make(chan struct{}, 1),
		exited:  make(chan struct{}),
	}
	go l.flushLoop()
	return l
}

// add appends one item: build gets its seq_id and returns the value to
// encode.
func (l *runChunkLog) add(build func(seq int64) any) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return errChunkLogClosed
	}
	seq := int64(len(l.chunks)) + 1
	data, err := encodeEvent(build(seq))
	if err != nil {
		return err
	}
	l.chunks = append(l.chunks, store.RunChunk{SeqID: seq, Data: data, CreatedAt: letta.Now()})
	l.notifyLocked()
	select {
	case l.wake <- struct{}{}:
	default:
	}
	return nil
}

func (l *runChunkLog) notifyLocked() {
	close(l.changed)
	l.changed = make(chan struct{})
}

// after returns up to limit chunks (limit <= 0: all) with seq_id above seq,
// whether they are the last of a finished stream, and a channel closed at
// the next change. A stream is finished once its chunks are stored, so a
// client that saw its end finds all of it on any replica.
func (l *runChunkLog) after(seq int64, limit int) (chunks []store.RunChunk, end bool, changed <-chan struct{}) {
	l.mu.Lock()
	defer l.mu.Unlock()
	start := min(max(int(seq), 0), len(l.chunks))
	stop := len(l.chunks)
	if limit > 0 && stop-start > limit {
		stop = start + limit
	}
	// Chunks are only ever appended, so the shared backing array is safe.
	return l.chunks[start:stop], l.settled && stop == len(l.chunks), l.changed
}

// close ends the stream and waits until its chunks are stored (or storing
// them failed chunkFlushAttempts times).
func (l *runChunkLog) close() {
	l.mu.Lock()
	l.closed = true
	l.mu.Unlock()
	select {
	case l.wake <- struct{}{}:
	default:
	}
	<-l.exited
}

// flushLoop stores new chunks whenever there are some, gathering those that
// come within chunkFlushDelay into one write, until the log is closed and
// everything is stored.
func (l *runChunkLog) flushLoop() {
	defer close(l.exited)
	defer func() {
		l.mu.Lock()
		l.settled = true
		l.notifyLocked()
		l.mu.Unlock()
	}()
	ctx := context.Background() // the stream outlives every request
	failures := 0
	for range l.wake {
		l.mu.Lock()
		closed := l.closed
		l.mu.Unlock()
		if !closed {
			time.Sleep(chunkFlushDelay)
		}
		l.mu.Lock()
		batch, closed := l.chunks[l.stored:], l.closed
		l.mu.Unlock()
		if len(batch) > 0 {
			err := l.store.AppendRunChunks(ctx, l.runID, batch)
			if errors.Is(err, store.ErrNotFound) {
				err = nil // the run was deleted, and its chunks with it: nothing to keep
			}
			if err != nil {
				failures++
				l.log.WarnContext(ctx, "store run stream chunks", "run_id", l.runID, "chunks", len(batch), "error", err)
				time.Sleep(time.Duration(failures) * 100 * time.Millisecond) // back off while the store fails
			} else {
				failures = 0
				l.mu.Lock()
				l.stored += len(batch)
				batch = l.chunks[l.stored:]
				l.mu.Unlock()
			}
		}
		switch {
		case closed && (len(batch) == 0 || failures >= chunkFlushAttempts):
			return
		case len(batch) > 0: // more came, or the write failed: go again
			select {
			case l.wake <- struct{}{}:
			default:
			}
		}
	}
}

// runChunkLogs holds the logs of the background streams this process is
// producing, keyed by run id.
type runChunkLogs struct {
	mu   sync.Mutex
	logs map[string]*runChunkLog
}

func newRunChunkLogs() *runChunkLogs {
	return &runChunkLogs{logs: map[string]*runChunkLog{}}
}

func (g *runChunkLogs) add(l *runChunkLog) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.logs[l.runID] = l
}

func (g *runChunkLogs) remove(runID string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	delete(g.logs, runID)
}

// get returns the log of a run this process is streaming, or nil.
func (g *runChunkLogs) get(runID string) *runChunkLog {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.logs[runID]
}
