package sqlite

import (
	"context"
	"database/sql/driver"
	stdsync "sync"
	"time"
)

// SQLite's automatic checkpoint runs inside the commit that pushes the WAL past 1,000 pages:
// that commit, and the push or request waiting on it, also copies the WAL into the database
// file (with synchronous=FULL, and an fsync of it). The data database turns the automatic
// checkpoint off (wal_autocheckpoint(0), see DBConnect) and a goroutine runs a PASSIVE
// checkpoint on a connection of its own every CheckpointEvery instead, so commits append to
// the WAL and return. A PASSIVE checkpoint never waits for, nor blocks, readers and the writer.
//
// Durability does not change: a transaction is durable once its commit is in the WAL (and, with
// FULL, the WAL synced), which the checkpoint only copies later; after a crash SQLite replays
// the WAL on open. cmd/fieldsync's crash test kills the server during pushes with this on.

// CheckpointEvery is how often the data database's WAL is checkpointed.
const CheckpointEvery = 250 * time.Millisecond

// checkpointers runs one checkpointer per database file, however many connectors
// (PocketBase opens two pools) share it; the last connector closed stops it.
var checkpointers = struct {
	mu     stdsync.Mutex
	byPath map[string]*checkpointer
}{byPath: map[string]*checkpointer{}}

type checkpointer struct {
	refs int
	stop chan struct{}
	done chan struct{}
}

// startCheckpoints makes c hold the checkpointer of path, starting it on the first hold.
func (c *Connector) startCheckpoints(path string) {
	checkpointers.mu.Lock()
	defer checkpointers.mu.Unlock()
	c.checkpointPath = path
	if cp := checkpointers.byPath[path]; cp != nil {
		cp.refs++
		return
	}
	cp := &checkpointer{refs: 1, stop: make(chan struct{}), done: make(chan struct{})}
	checkpointers.byPath[path] = cp
	go cp.run(c.base)
}

// Close releases c's hold on its checkpointer; database/sql calls it when the pool closes.
// The last release stops the checkpointer and waits for it.
func (c *Connector) Close() error {
	if c.checkpointPath == "" {
		return nil
	}
	checkpointers.mu.Lock()
	path := c.checkpointPath
	cp := checkpointers.byPath[path]
	c.checkpointPath = ""
	if cp == nil {
		checkpointers.mu.Unlock()
		return nil
	}
	cp.refs--
	last := cp.refs == 0
	if last {
		delete(checkpointers.byPath, path)
	}
	checkpointers.mu.Unlock()
	if last {
		close(cp.stop)
		<-cp.done
	}
	return nil
}

func (cp *checkpointer) run(base driver.Connector) {
	defer close(cp.done)
	t := time.NewTicker(CheckpointEvery)
	defer t.Stop()
	var conn driver.Conn
	defer func() {
		if conn != nil {
			conn.Close()
		}
	}()
	for {
		select {
		case <-cp.stop:
			return
		case <-t.C:
		}
		if conn == nil {
			var err error
			if conn, err = base.Connect(context.Background()); err != nil {
				conn = nil
				continue // the file may not exist yet, or be briefly locked: try at the next tick
			}
		}
		// Busy (another checkpoint running) or an error: the next tick tries again.
		if _, err := conn.(driver.ExecerContext).ExecContext(context.Background(), "PRAGMA wal_checkpoint(PASSIVE)", nil); err != nil {
			conn.Close()
			conn = nil
		}
	}
}
