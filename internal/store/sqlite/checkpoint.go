package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// walBackstopPages is where SQLite's own automatic checkpoint still runs,
// inside the commit that crosses it: four times its default of 1,000
// pages, as a backstop should the checkpointer fall behind.
const walBackstopPages = 4000

// checkpointInterval spaces the checkpointer's runs, so that a burst of
// commits is copied back in one checkpoint (each syncs the database file).
const checkpointInterval = 50 * time.Millisecond

// checkpointer copies the WAL back into the database file on a connection
// of its own, beside the writer instead of inside one of its commits. With
// SQLite's automatic checkpoint, the commit that crossed 1,000 WAL pages
// did the copying itself, and one turn in about sixty took 15 ms longer
// (docs/benchmarks.md). A PASSIVE checkpoint waits for no reader or
// writer, so the writer commits while it runs.
type checkpointer struct {
	db     *sql.DB
	kick   chan struct{}
	stop   chan struct{}
	done   chan struct{}
	logger *slog.Logger
	closed sync.Once
	// The last run's result, for tests: runs, and frames in the WAL and
	// copied back by the last one.
	runs, walFrames, copied atomic.Int64
}

// startCheckpointer opens the checkpointer's connection to the file at
// path and starts it.
func startCheckpointer(path string, logger *slog.Logger) (*checkpointer, error) {
	db, err := sql.Open("sqlite", dataSourceName(path))
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s for checkpoints: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	c := &checkpointer{
		db: db, kick: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{}),
		logger: logger,
	}
	go c.run()
	return c, nil
}

// committed tells the checkpointer that the WAL grew. It never blocks.
func (c *checkpointer) committed() {
	select {
	case c.kick <- struct{}{}:
	default:
	}
}

// run checkpoints after each kick, then pauses; commits during the pause
// leave one kick for the next round. It sleeps while nothing is written.
func (c *checkpointer) run() {
	defer close(c.done)
	pause := time.NewTimer(0)
	<-pause.C
	for {
		select {
		case <-c.stop:
			return
		case <-c.kick:
		}
		c.checkpoint()
		pause.Reset(checkpointInterval)
		select {
		case <-c.stop:
			return
		case <-pause.C:
		}
	}
}

func (c *checkpointer) checkpoint() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var busy, walFrames, copied int64
	if err := c.db.QueryRowContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &walFrames, &copied); err != nil {
		c.logger.Warn("WAL checkpoint failed", "error", err)
		return
	}
	c.walFrames.Store(walFrames)
	c.copied.Store(copied)
	c.runs.Add(1)
}

// close stops the checkpointer and closes its connection. Closing again
// does nothing, as for the store.
func (c *checkpointer) close() error {
	c.closed.Do(func() { close(c.stop) })
	<-c.done
	return c.db.Close()
}
