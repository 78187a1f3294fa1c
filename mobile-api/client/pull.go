package client

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
)

// PullReport tells what a pull did.
type PullReport struct {
	// Changes counts the puts and removals applied.
	Changes int
	// Added, Removed and Reset list the scopes the server started, ended or restarted.
	Added, Removed, Reset []Scope
	// Healed lists the scopes whose local checksum disagreed with the server's at the head:
	// they were downloaded again, and the local records the download did not send were dropped.
	Healed []Scope
}

// Pull brings the server's changes of every scope until no scope has more, applying each
// answer in one local transaction with the cursors it reached, so an interrupted pull resumes
// where it stopped.
//
// A record with unsettled local edits keeps them: the server's data becomes its new base, and
// the edits are replayed on top. A scope the user lost is purged, except for records with
// edits still to push. At the head of each scope the local checksum is compared with the
// server's; on a mismatch the scope is downloaded again from the start (once per Pull; a
// mismatch that survives that is returned as an error).
func (c *Client) Pull(ctx context.Context) (PullReport, error) {
	c.net.Lock()
	defer c.net.Unlock()
	run := &pullRun{healed: map[Scope]bool{}, reset: map[Scope]bool{}}
	if err := c.registered(ctx); err != nil {
		return run.rep, fmt.Errorf("pull: %w", err)
	}
	for {
		req := pullRequest{ClientID: c.id, LimitRows: c.pullRows()}
		var err error
		if req.Scopes, err = c.cursors(ctx); err != nil {
			return run.rep, fmt.Errorf("pull: %w", err)
		}
		var res pullResponse
		if err := c.post(ctx, "/api/sync/v1/pull", req, &res); err != nil {
			return run.rep, fmt.Errorf("pull: %w", err)
		}
		var more bool
		err = c.inTx(ctx, func(tx *sql.Tx) error {
			var err error
			more, err = run.apply(ctx, tx, req, res)
			return err
		})
		switch {
		case err != nil:
			return run.rep, err
		case len(run.drifted) > 0:
			return run.rep, fmt.Errorf("pull: scopes %v: %w", run.drifted, ErrDrift)
		case !more:
			return run.rep, nil
		}
	}
}

func (c *Client) pullRows() int {
	n := c.limits.MaxPullRows
	if c.cfg.PullRows > 0 && (n <= 0 || c.cfg.PullRows < n) {
		n = c.cfg.PullRows
	}
	return n
}

// Scopes returns the scopes this installation syncs, as of its last pull, in order.
func (c *Client) Scopes(ctx context.Context) ([]Scope, error) {
	cur, err := c.cursors(ctx)
	if err != nil {
		return nil, fmt.Errorf("scopes: %w", err)
	}
	return slices.Sorted(maps.Keys(cur)), nil
}

func (c *Client) cursors(ctx context.Context) (map[Scope]scopeRequest, error) {
	rows, err := c.db.QueryContext(ctx, "SELECT scope, cursor, floor FROM cursors")
	if err != nil {
		return nil, fmt.Errorf("read cursors: %w", err)
	}
	defer rows.Close()
	out := map[Scope]scopeRequest{}
	for rows.Next() {
		var sc Scope
		var cur scopeRequest
		if err := rows.Scan(&sc, &cur.Cursor, &cur.Floor); err != nil {
			return nil, fmt.Errorf("read cursors: %w", err)
		}
		out[sc] = cur
	}
	return out, rows.Err()
}

// pullRun is one Pull across its requests.
type pullRun struct {
	rep     PullReport
	healed  map[Scope]bool // scopes downloaded again in this run for their checksum
	reset   map[Scope]bool // scopes the server reset in this run
	drifted []Scope        // scopes that disagree even after a fresh download
}

// apply applies one pull answer, checks the checksums of the scopes at their head, and
// reports whether another request must follow.
func (run *pullRun) apply(ctx context.Context, tx *sql.Tx, req pullRequest, res pullResponse) (bool, error) {
	more, moved := false, false
	for _, sc := range slices.Sorted(maps.Keys(res.Scopes)) {
		sr := res.Scopes[sc]
		if err := run.applyScope(ctx, tx, sc, sr); err != nil {
			return false, err
		}
		more = more || sr.HasMore
		moved = moved || sr.Status != statusOK || len(sr.Changes) > 0 || sr.Cursor != req.Scopes[sc].Cursor
	}
	if more && !moved {
		return false, fmt.Errorf("pull: server has more but sends nothing")
	}
	restarted, err := run.check(ctx, tx, res)
	if err != nil {
		return false, err
	}
	return more || restarted, settle(ctx, tx)
}

// check compares the local checksum of each scope at its head with the server's. A scope
// that disagrees is downloaded again, once per run; check reports whether it restarted one.
func (run *pullRun) check(ctx context.Context, tx *sql.Tx, res pullResponse) (bool, error) {
	restarted := false
	for _, sc := range slices.Sorted(maps.Keys(res.Scopes)) {
		sr := res.Scopes[sc]
		if sr.Status == statusRemoved || sr.HasMore || sr.Checksum == "" {
			continue
		}
		sum, err := checksum(ctx, tx, sc)
		switch {
		case err != nil:
			return false, fmt.Errorf("pull: checksum %s: %w", sc, err)
		case sum == sr.Checksum:
			continue
		case run.healed[sc]:
			run.drifted = append(run.drifted, sc)
			continue
		}
		if err := restartScope(ctx, tx, sc); err != nil {
			return false, err
		}
		run.healed[sc] = true
		run.rep.Healed = append(run.rep.Healed, sc)
		restarted = true
	}
	return restarted, nil
}

// applyScope applies one scope's page of changes and stores its cursor. A scope the server
// resets twice in one run makes no progress: that is an error, not an endless download.
func (run *pullRun) applyScope(ctx context.Context, tx *sql.Tx, sc Scope, sr *scopeResponse) error {
	rep := &run.rep
	switch sr.Status {
	case statusRemoved:
		rep.Removed = append(rep.Removed, sc)
		return dropScope(ctx, tx, sc)
	case statusAdded:
		rep.Added = append(rep.Added, sc)
		if err := markStale(ctx, tx, sc); err != nil {
			return err
		}
	case statusReset:
		if run.reset[sc] {
			return fmt.Errorf("pull: scope %s: reset again before its download ended", sc)
		}
		run.reset[sc] = true
		rep.Reset = append(rep.Reset, sc)
		if err := markStale(ctx, tx, sc); err != nil {
			return err
		}
	}
	for _, ch := range sr.Changes {
		if err := applyChange(ctx, tx, sc, ch); err != nil {
			return fmt.Errorf("pull: %s %s/%s: %w", sc, ch.Coll, ch.ID, err)
		}
	}
	rep.Changes += len(sr.Changes)
	if !sr.HasMore {
		if err := sweepStale(ctx, tx, sc); err != nil {
			return err
		}
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO cursors (scope, cursor, floor) VALUES (?, ?, ?)
		ON CONFLICT (scope) DO UPDATE SET cursor = excluded.cursor, floor = excluded.floor`,
		string(sc), sr.Cursor, sr.Floor)
	if err != nil {
		return fmt.Errorf("pull: cursor %s: %w", sc, err)
	}
	return nil
}

// applyChange stores the server's put as the record's new base, or takes the record out of
// the scope, and rebuilds the local copy.
func applyChange(ctx context.Context, tx *sql.Tx, sc Scope, ch change) error {
	switch ch.Op {
	case "put":
		if ch.Data == nil {
			return fmt.Errorf("put without data")
		}
		raw, err := json.Marshal(ch.Data)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO records (coll, id, v, base, data, dirty) VALUES (?, ?, ?, ?, ?, 0)
			ON CONFLICT (coll, id) DO UPDATE SET v = excluded.v, base = excluded.base`, ch.Coll, ch.ID, ch.V, string(raw), string(raw))
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO record_scopes (scope, coll, id) VALUES (?, ?, ?)
			ON CONFLICT (scope, coll, id) DO UPDATE SET stale = 0`, string(sc), ch.Coll, ch.ID)
		if err != nil {
			return err
		}
	case "remove":
		_, err := tx.ExecContext(ctx, "DELETE FROM record_scopes WHERE scope = ? AND coll = ? AND id = ?", string(sc), ch.Coll, ch.ID)
		if err != nil {
			return err
		}
	default:
		return fmt.Errorf("unknown op %q", ch.Op)
	}
	return rebuild(ctx, tx, ch.Coll, ch.ID)
}

// markStale starts a fresh download of a scope: the rows it does not send again are dropped
// when it reaches the head. The marks are stored, so an interrupted download resumes.
func markStale(ctx context.Context, tx *sql.Tx, sc Scope) error {
	if _, err := tx.ExecContext(ctx, "UPDATE record_scopes SET stale = 1 WHERE scope = ?", string(sc)); err != nil {
		return fmt.Errorf("pull: restart %s: %w", sc, err)
	}
	return nil
}

// restartScope heals a scope whose checksum disagrees: download it again from the start.
func restartScope(ctx context.Context, tx *sql.Tx, sc Scope) error {
	if err := markStale(ctx, tx, sc); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, "UPDATE cursors SET cursor = 0, floor = 0 WHERE scope = ?", string(sc)); err != nil {
		return fmt.Errorf("pull: restart %s: %w", sc, err)
	}
	return nil
}

// sweepStale drops the records of a scope that its fresh download did not send again.
func sweepStale(ctx context.Context, tx *sql.Tx, sc Scope) error {
	return leaveScope(ctx, tx, sc, "SELECT coll, id FROM record_scopes WHERE scope = ? AND stale = 1",
		"DELETE FROM record_scopes WHERE scope = ? AND stale = 1")
}

// dropScope purges a scope the user lost. Records still in another scope, or with edits to
// push, stay.
func dropScope(ctx context.Context, tx *sql.Tx, sc Scope) error {
	if _, err := tx.ExecContext(ctx, "DELETE FROM cursors WHERE scope = ?", string(sc)); err != nil {
		return fmt.Errorf("pull: drop %s: %w", sc, err)
	}
	return leaveScope(ctx, tx, sc, "SELECT coll, id FROM record_scopes WHERE scope = ?",
		"DELETE FROM record_scopes WHERE scope = ?")
}

func leaveScope(ctx context.Context, tx *sql.Tx, sc Scope, selectQ, deleteQ string) error {
	keys, err := recordKeys(ctx, tx, selectQ, string(sc))
	if err == nil {
		_, err = tx.ExecContext(ctx, deleteQ, string(sc))
	}
	if err == nil {
		err = rebuildAll(ctx, tx, keys)
	}
	if err != nil {
		return fmt.Errorf("pull: leave %s: %w", sc, err)
	}
	return nil
}

// settle drops the acknowledged mutations whose change every scope's cursor has passed: the
// pulls since brought their effect into the bases (or took the record out of the user's
// scopes), so the local copies no longer replay them.
func settle(ctx context.Context, tx *sql.Tx) error {
	var low sql.NullInt64
	if err := tx.QueryRowContext(ctx, "SELECT MIN(cursor) FROM cursors").Scan(&low); err != nil || !low.Valid {
		return err
	}
	keys, err := recordKeys(ctx, tx, "SELECT DISTINCT coll, id FROM outbox WHERE acked = 1 AND seq <= ?", low.Int64)
	if err == nil {
		_, err = tx.ExecContext(ctx, "DELETE FROM outbox WHERE acked = 1 AND seq <= ?", low.Int64)
	}
	if err == nil {
		err = rebuildAll(ctx, tx, keys)
	}
	if err != nil {
		return fmt.Errorf("settle: %w", err)
	}
	return nil
}
