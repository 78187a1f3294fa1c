package sync

import (
	"context"
	"database/sql"
	"fmt"
	"slices"

	"github.com/pocketbase/dbx"

	"github.com/haidian/fieldsync/internal/access"
	"github.com/haidian/fieldsync/internal/fault"
)

// PullRequest asks for the changes of each scope after the client's cursor.
type PullRequest struct {
	ClientID  string                 `json:"client_id"`
	Scopes    map[Scope]ScopeRequest `json:"scopes"`
	LimitRows int                    `json:"limit_rows"`
}

// ScopeRequest is the client's position in one scope. Floor is set while a download from the
// start is under way: the server returns it with every page but the last, and the client
// sends it back with the next page's cursor.
type ScopeRequest struct {
	Cursor int64 `json:"cursor"`
	Floor  int64 `json:"floor,omitzero"`
}

// Scope statuses in a pull response.
const (
	StatusOK      = "ok"      // changes after the client's cursor follow
	StatusAdded   = "added"   // the user gained this scope: download it from the start
	StatusRemoved = "removed" // the user lost this scope: purge it
	StatusReset   = "reset"   // the cursor is older than the removal horizon: download again
)

// PullResponse holds every scope's answer, all read from one snapshot of the database.
type PullResponse struct {
	Scopes map[Scope]*ScopeResponse `json:"scopes"`
}

// ScopeResponse is one scope's page of changes.
type ScopeResponse struct {
	Status   string   `json:"status"`
	Cursor   int64    `json:"cursor"`
	Floor    int64    `json:"floor,omitzero"`
	HasMore  bool     `json:"has_more"`
	Changes  []Change `json:"changes"`
	Checksum string   `json:"checksum,omitempty"`
}

// Change is the latest state of one record in a scope.
type Change struct {
	Seq  int64          `json:"seq"`
	Coll string         `json:"coll"`
	ID   string         `json:"id"`
	Op   string         `json:"op"`
	V    int64          `json:"v"`
	Data map[string]any `json:"data,omitempty"`
	// stored is the record's data as the server read it; it encodes as Data (export.go).
	stored *storedRecord
}

// changeRow is one row of fs_sync_changes as a pull reads it.
type changeRow struct {
	Coll, RID, Op string
	Seq, V        int64
}

// Pull answers req for actor. Every scope is read in one read transaction, so the response is
// one consistent snapshot even while writers commit.
func (s *Service) Pull(actor access.Actor, req PullRequest) (*PullResponse, error) {
	limit := req.LimitRows
	if limit <= 0 {
		limit = s.cfg.DefaultPullRows
	}
	limit = min(limit, s.cfg.MaxPullRows)
	for sc := range req.Scopes {
		if !sc.Valid() {
			return nil, fault.New(fault.Invalid, "bad_scope", "无效的同步范围："+string(sc), "invalid scope: "+string(sc))
		}
	}
	db, ok := s.app.ConcurrentDB().(*dbx.DB)
	if !ok {
		return nil, fmt.Errorf("pull: no database handle")
	}
	// Read-only, so that it takes a snapshot and no write lock (internal/sqlite begins other
	// transactions IMMEDIATE).
	tx, err := db.BeginTx(context.Background(), &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("pull: begin: %w", err)
	}
	defer tx.Rollback()

	var head, horizon int64
	if err := tx.NewQuery("SELECT (SELECT seq FROM fs_sync_head), (SELECT seq FROM fs_sync_horizon)").Row(&head, &horizon); err != nil {
		return nil, fmt.Errorf("pull: head: %w", err)
	}
	allowed := ScopesOf(actor)
	sums, err := checksums(tx, allowed)
	if err != nil {
		return nil, err
	}
	res := &PullResponse{Scopes: map[Scope]*ScopeResponse{}}
	for sc := range req.Scopes {
		if !slices.Contains(allowed, sc) {
			res.Scopes[sc] = &ScopeResponse{Status: StatusRemoved, Changes: []Change{}}
		}
	}
	for _, sc := range allowed {
		sr := &ScopeResponse{Status: StatusOK, Changes: []Change{}}
		cur, asked := req.Scopes[sc]
		switch {
		case !asked:
			sr.Status = StatusAdded
		case cur.Cursor > 0 && cur.since() < horizon:
			sr.Status = StatusReset
		case cur.Cursor > head || cur.Floor > head:
			// A cursor from the future belongs to another server's history (a restored
			// backup): start again rather than miss changes.
			sr.Status = StatusReset
		default:
			sr.Cursor, sr.Floor = cur.Cursor, cur.Floor
		}
		if err := s.page(db, tx, sc, sr, &limit, head, sums[sc]); err != nil {
			return nil, err
		}
		res.Scopes[sc] = sr
	}
	return res, nil
}

// downloads lists the scopes r sends from the start (added or reset): the moments the server
// gives an installation a scope, which fs_sync_handed records.
func (r *PullResponse) downloads() []Scope {
	var out []Scope
	for sc, sr := range r.Scopes {
		if sr.Status == StatusAdded || sr.Status == StatusReset {
			out = append(out, sc)
		}
	}
	return out
}

// since is the point of history the client has seen every removal after. For an incremental
// pull it is the cursor. During a download from the start it is the floor, the head when the
// download began: the pages' cursors are seqs of old records, but every record the client
// holds was current at the floor, so it can only have missed a removal committed after it.
// Judging a page's cursor against the horizon instead would restart a paged download forever
// once compaction has raised the horizon above its first page.
func (c ScopeRequest) since() int64 {
	if c.Floor > 0 {
		return c.Floor
	}
	return c.Cursor
}

// page fills sr with the changes of scope after sr.Cursor, within the remaining row budget.
// A page never ends inside a transaction: all changes sharing the last seq come along, even
// beyond the budget. sum is the scope's checksum in this snapshot.
func (s *Service) page(db *dbx.DB, tx *dbx.Tx, sc Scope, sr *ScopeResponse, budget *int, head, sum int64) error {
	var rows []changeRow
	fresh := sr.Cursor == 0
	more := *budget == 0 // with no budget left, look whether the scope has anything to send
	if *budget > 0 {
		// One row beyond the budget tells whether there is more without another query. A
		// fresh download needs no removals. The rows come in the index's order, so SQLite
		// reads no further than changeRows asks; a LIMIT would change the statement's text
		// with the budget, or, bound as a parameter, make SQLite prepare it again each time.
		q := "SELECT coll, rid, seq, op, v FROM fs_sync_changes WHERE scope = {:s} AND seq > {:c} ORDER BY seq, coll, rid"
		if fresh {
			q = "SELECT coll, rid, seq, op, v FROM fs_sync_changes WHERE scope = {:s} AND seq > {:c} AND op = 'put' ORDER BY seq, coll, rid"
		}
		var err error
		rows, err = changeRows(tx.NewQuery(q).Bind(dbx.Params{"s": string(sc), "c": sr.Cursor}), *budget+1)
		if err != nil {
			return fmt.Errorf("pull %s: %w", sc, err)
		}
		if len(rows) > *budget {
			more = true
			if rows, err = completeLastTx(tx, sc, rows[:*budget], fresh); err != nil {
				return err
			}
		}
	}
	*budget = max(*budget-len(rows), 0)
	if len(rows) > 0 {
		sr.Cursor = rows[len(rows)-1].Seq
	}
	if more {
		// The page is full (or there was no room for one): ask whether anything follows its
		// last transaction. From cursor 0 only puts are sent, so only puts count as more: a
		// scope holding nothing but removals is complete for a fresh download.
		moreQ := "SELECT EXISTS (SELECT 1 FROM fs_sync_changes WHERE scope = {:s} AND seq > {:c})"
		if fresh {
			moreQ = "SELECT EXISTS (SELECT 1 FROM fs_sync_changes WHERE scope = {:s} AND seq > {:c} AND op = 'put')"
		}
		var exists int
		err := tx.NewQuery(moreQ).Bind(dbx.Params{"s": string(sc), "c": sr.Cursor}).Row(&exists)
		if err != nil {
			return fmt.Errorf("pull %s: more: %w", sc, err)
		}
		more = exists == 1
	}
	sr.HasMore = more
	switch {
	case sr.HasMore && fresh:
		sr.Floor = head // a download from the start begins at this snapshot
	case !sr.HasMore:
		sr.Floor = 0
	}
	if !sr.HasMore {
		// Nothing newer in this scope: the client is at the head of history.
		sr.Cursor = max(sr.Cursor, head)
		sr.Checksum = FormatChecksum(sum)
	}
	changes, err := s.loadChanges(db, tx, head, rows)
	if err != nil {
		return err
	}
	sr.Changes = changes
	return nil
}

// checksums reads the checksums of scopes in one query; a scope never written has 0.
func checksums(tx *dbx.Tx, scopes []Scope) (map[Scope]int64, error) {
	names := make([]any, len(scopes))
	for i, sc := range scopes {
		names[i] = string(sc)
	}
	var rows []struct {
		Scope    string `db:"scope"`
		Checksum int64  `db:"checksum"`
	}
	if err := tx.Select("scope", "checksum").From("fs_sync_scopes").Where(dbx.In("scope", names...)).All(&rows); err != nil {
		return nil, fmt.Errorf("pull: checksums: %w", err)
	}
	out := make(map[Scope]int64, len(rows))
	for _, r := range rows {
		out[Scope(r.Scope)] = r.Checksum
	}
	return out, nil
}

// completeLastTx replaces the rows of the last seq in a full page with all rows of that seq.
func completeLastTx(tx *dbx.Tx, sc Scope, rows []changeRow, putsOnly bool) ([]changeRow, error) {
	last := rows[len(rows)-1].Seq
	i := len(rows)
	for i > 0 && rows[i-1].Seq == last {
		i--
	}
	q := "SELECT coll, rid, seq, op, v FROM fs_sync_changes WHERE scope = {:s} AND seq = {:c} ORDER BY coll, rid"
	if putsOnly {
		q = "SELECT coll, rid, seq, op, v FROM fs_sync_changes WHERE scope = {:s} AND seq = {:c} AND op = 'put' ORDER BY coll, rid"
	}
	tail, err := changeRows(tx.NewQuery(q).Bind(dbx.Params{"s": string(sc), "c": last}), -1)
	if err != nil {
		return nil, fmt.Errorf("pull %s: last tx: %w", sc, err)
	}
	return append(rows[:i], tail...), nil
}

// changeRows runs q, a SELECT coll, rid, seq, op, v, and scans at most limit of its rows (all
// if limit < 0) directly: a first download reads ten thousand of them, which dbx's
// reflective scan made cost as much as the query.
func changeRows(q *dbx.Query, limit int) ([]changeRow, error) {
	rows, err := q.Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []changeRow
	for (limit < 0 || len(out) < limit) && rows.Next() {
		var r changeRow
		if err := rows.Scan(&r.Coll, &r.RID, &r.Seq, &r.Op, &r.V); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// loadChanges reads the current data of the put rows in tx's snapshot, whose head is head.
func (s *Service) loadChanges(db *dbx.DB, tx *dbx.Tx, head int64, rows []changeRow) ([]Change, error) {
	data, err := s.readRecords(db, tx, head, rows)
	if err != nil {
		return nil, err
	}
	out := make([]Change, 0, len(rows))
	for _, r := range rows {
		c := Change{Seq: r.Seq, Coll: r.Coll, ID: r.RID, Op: r.Op, V: r.V}
		if r.Op == opPut {
			c.stored = data[r.Coll+"/"+r.RID]
		}
		out = append(out, c)
	}
	return out, nil
}

// FormatChecksum renders a scope checksum as 16 hex digits.
func FormatChecksum(sum int64) string { return fmt.Sprintf("%016x", uint64(sum)) }
