package sync

import (
	"context"
	"database/sql"
	"runtime"
	"sync/atomic"

	"github.com/pocketbase/dbx"
)

// A download's page holds thousands of records, and reading them is most of its cost: SQLite
// finding each by its id on pages its cache rarely holds, and preparing its values. A page big
// enough to pay for it has its records read on two connections at once, the page's own and a
// helper, which take chunks of ids from one queue until none is left.
//
// A page is one snapshot of the database, and a helper connection's read transaction is
// another, taken later. It serves the page only if no synced record changed in between: every
// write to a synced collection takes the next sequence number from fs_sync_head inside its
// transaction (changeLog.seq), so a helper that reads the page's head saw the same synced
// records as the page. If the head moved, the helper reads nothing and the page's own
// connection reads every chunk, as a smaller page does.
//
// The helper never makes a page wait for a connection, nor takes one from another request:
// it starts only while the read pool has a connection free (idle, or room to open one) and
// a helper slot is free (one per core beyond the first, so that helpers never outnumber the
// cores), and if it has not begun by the time the page's connection has read every chunk,
// it is called off.

// helperMinRows is the fewest records of a page that are read on two connections: a download's
// page (up to MaxPullRows), never a delta's few.
var helperMinRows = 1000

// chunkRows is how many records one query of a page reads, and the helper takes at a time.
var chunkRows = 500

// helperSlots bounds the helpers of all pages at once.
var helperSlots = make(chan struct{}, max(runtime.GOMAXPROCS(0)-1, 0))

// Test hooks. testHookHelperBegun, if set, runs in the helper after its read transaction began
// and before it takes the page's head: a test commits a write there to prove the helper then
// reads nothing. testHelperFirst makes the page's connection wait until its helper is done, so
// that a test knows which connection read the chunks.
var (
	testHookHelperBegun func()
	testHelperFirst     bool
)

// helperCounts counts what became of the helpers pages started, for tests.
var helperCounts struct {
	used, moved, calledOff atomic.Int64
}

// recordChunk is some records of one collection, read by one query.
type recordChunk struct {
	coll string
	ids  []string
}

// chunksOf groups the ids of the put rows by collection, at most size to a chunk.
func chunksOf(rows []changeRow, size int) []recordChunk {
	byColl := map[string][]string{}
	var order []string
	for _, r := range rows {
		if r.Op != opPut {
			continue
		}
		if _, ok := byColl[r.Coll]; !ok {
			order = append(order, r.Coll)
		}
		byColl[r.Coll] = append(byColl[r.Coll], r.RID)
	}
	var out []recordChunk
	for _, coll := range order {
		ids := byColl[coll]
		for len(ids) > size {
			out = append(out, recordChunk{coll, ids[:size]})
			ids = ids[size:]
		}
		out = append(out, recordChunk{coll, ids})
	}
	return out
}

// chunkQueue hands out chunks, each once, to the page's connection and its helper.
type chunkQueue struct {
	chunks []recordChunk
	next   atomic.Int64
}

func (q *chunkQueue) take() (recordChunk, bool) {
	i := q.next.Add(1) - 1
	if i >= int64(len(q.chunks)) {
		return recordChunk{}, false
	}
	return q.chunks[i], true
}

// readRecords reads the records of the put rows in tx's snapshot, whose head is head, keyed
// "coll/id"; with a helper when the page is big enough.
func (s *Service) readRecords(db *dbx.DB, tx *dbx.Tx, head int64, rows []changeRow) (map[string]*storedRecord, error) {
	q := &chunkQueue{chunks: chunksOf(rows, chunkRows)}
	puts := 0
	for _, c := range q.chunks {
		puts += len(c.ids)
	}
	data := make(map[string]*storedRecord, puts)
	var h *helper
	if puts >= helperMinRows && len(q.chunks) > 1 {
		h = s.startHelper(db, head, q)
		if h != nil && testHelperFirst {
			<-h.done
		}
	}
	var err error
	for c, ok := q.take(); ok && err == nil; c, ok = q.take() {
		err = s.loadRecords(tx, c.coll, c.ids, data)
	}
	if h == nil {
		return data, err
	}
	read, unread := h.finish()
	if err != nil {
		return nil, err
	}
	for k, r := range read {
		data[k] = r
	}
	// A chunk the helper took and could not read (an error of its connection) is read here.
	for _, c := range unread {
		if err := s.loadRecords(tx, c.coll, c.ids, data); err != nil {
			return nil, err
		}
	}
	return data, nil
}

// helper reads chunks of a page's queue on a connection of its own.
type helper struct {
	cancel context.CancelFunc
	// state is helperWaiting until the helper has begun its transaction (helperBegun) or the
	// page called it off (helperCalledOff), whichever comes first.
	state  atomic.Int32
	done   chan struct{}
	read   map[string]*storedRecord
	unread []recordChunk
}

const (
	helperWaiting int32 = iota
	helperBegun
	helperCalledOff
)

// startHelper starts a helper on q if the read pool has a connection to spare and a helper
// slot is free; otherwise it returns nil.
func (s *Service) startHelper(db *dbx.DB, head int64, q *chunkQueue) *helper {
	if st := db.DB().Stats(); st.MaxOpenConnections > 0 && st.InUse >= st.MaxOpenConnections {
		return nil // every connection is busy: requests wait for one, and the helper must not compete
	}
	select {
	case helperSlots <- struct{}{}:
	default:
		return nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	h := &helper{cancel: cancel, done: make(chan struct{}), read: map[string]*storedRecord{}}
	go func() {
		defer func() { <-helperSlots }()
		defer close(h.done)
		h.run(ctx, s, db, head, q)
	}()
	return h
}

// run begins a read transaction, and if it sees the page's head, reads chunks from q until
// none is left. A panic or an error leaves the chunk it was reading in h.unread.
func (h *helper) run(ctx context.Context, s *Service, db *dbx.DB, head int64, q *chunkQueue) {
	var c recordChunk
	defer func() {
		if r := recover(); r != nil && c.ids != nil {
			h.unread = append(h.unread, c)
		}
	}()
	tx, err := db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return // called off while waiting for a connection
	}
	defer tx.Rollback()
	if !h.state.CompareAndSwap(helperWaiting, helperBegun) {
		return
	}
	if testHookHelperBegun != nil {
		testHookHelperBegun()
	}
	var seen int64
	if err := tx.NewQuery("SELECT seq FROM fs_sync_head").Row(&seen); err != nil {
		return
	}
	if seen != head {
		helperCounts.moved.Add(1)
		return
	}
	helperCounts.used.Add(1)
	for {
		var ok bool
		if c, ok = q.take(); !ok {
			return
		}
		if err := s.loadRecords(tx, c.coll, c.ids, h.read); err != nil {
			h.unread = append(h.unread, c)
			return
		}
	}
}

// finish calls the helper off if it has not begun, else waits for it, and returns what it
// read and the chunks it took but could not read.
func (h *helper) finish() (map[string]*storedRecord, []recordChunk) {
	if h.state.CompareAndSwap(helperWaiting, helperCalledOff) {
		helperCounts.calledOff.Add(1)
		h.cancel()
	}
	<-h.done
	h.cancel()
	return h.read, h.unread
}
