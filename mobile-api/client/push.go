package client

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"
)

// PushReport tells what a push did.
type PushReport struct {
	// Results are the server's outcomes of the pushed mutations, in mid order.
	Results []Result
}

// Push sends the outbox in mid order, in batches within the server's limit, and records each
// outcome. A mutation stays queued until the server has answered it, so a push cut off by the
// network loses nothing: a later push sends the same mids, and the server answers the ones it
// already applied with their stored outcome instead of applying them twice.
//
// Conflicts, rejections and quarantines are kept with their mutation and listed by Issues.
// A rejected or quarantined edit disappears from the local copy, which shows the server's data
// again; an applied one stays visible until the next pull brings the server's new version.
func (c *Client) Push(ctx context.Context) (PushReport, error) {
	c.net.Lock()
	defer c.net.Unlock()
	var rep PushReport
	if err := c.registered(ctx); err != nil {
		return rep, fmt.Errorf("push: %w", err)
	}
	lastGap := int64(-1)
	for {
		batch, err := c.pending(ctx, c.pushSize(), c.limits.MaxBodyBytes*3/4)
		if err != nil || len(batch) == 0 {
			return rep, err
		}
		req := pushRequest{ClientID: c.id, SentAt: c.cfg.Now().UTC().Format(time.RFC3339), Mutations: batch}
		var res pushResponse
		err = c.sendPush(ctx, req, &res)
		var gap *gapError
		switch {
		case errors.As(err, &gap):
			if gap.Expected == lastGap {
				return rep, fmt.Errorf("push: %w", errNoProgress)
			}
			lastGap = gap.Expected
			res.Results = gap.Results
		case err != nil:
			return rep, fmt.Errorf("push: %w", err)
		case len(res.Results) == 0:
			return rep, fmt.Errorf("push: server answered no outcome")
		}
		rep.Results = append(rep.Results, res.Results...)
		if err := c.recordOutcomes(ctx, res.Results, gap); err != nil {
			return rep, fmt.Errorf("push: %w", err)
		}
		if gap == nil && res.Results[0].MID != batch[0].MID {
			return rep, fmt.Errorf("push: server answered mid %d to mid %d", res.Results[0].MID, batch[0].MID)
		}
	}
}

// busyRetries is how many times one push is sent again after 503 sync_busy before the error
// reaches the app.
const busyRetries = 5

// sendPush sends req. While the server answers 503 sync_busy (the pushes queued for its
// writer would keep this one waiting too long; nothing of it was stored), it waits the
// server's RetryAfter plus up to half of it again at random, so that phones turned away
// together do not come back together, and sends the same mids again, at most busyRetries
// times; then the *ServerError (code sync_busy) reaches the app, the edits still queued.
func (c *Client) sendPush(ctx context.Context, req pushRequest, res *pushResponse) error {
	for tries := 0; ; tries++ {
		err := c.post(ctx, "/api/sync/v1/push", req, res)
		var se *ServerError
		if !errors.As(err, &se) || se.Code != "sync_busy" || tries >= busyRetries {
			return err
		}
		wait := max(se.RetryAfter, time.Second)
		t := time.NewTimer(wait + time.Duration(rand.Int64N(int64(wait/2)+1)))
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return err
		}
	}
}

func (c *Client) pushSize() int {
	n := c.limits.MaxMutations
	if c.cfg.MaxPush > 0 && (n <= 0 || c.cfg.MaxPush < n) {
		n = c.cfg.MaxPush
	}
	return max(n, 1)
}

// pending returns up to n queued mutations that await an answer, in mid order, within about
// maxBytes of JSON (0 means no limit) but at least one.
func (c *Client) pending(ctx context.Context, n int, maxBytes int64) ([]mutation, error) {
	rows, err := c.db.QueryContext(ctx, "SELECT mid, mutation FROM outbox WHERE acked = 0 ORDER BY mid LIMIT ?", n)
	if err != nil {
		return nil, fmt.Errorf("push: read outbox: %w", err)
	}
	defer rows.Close()
	var out []mutation
	var size int64
	for rows.Next() {
		var mid int64
		var raw string
		if err := rows.Scan(&mid, &raw); err != nil {
			return nil, fmt.Errorf("push: read outbox: %w", err)
		}
		if size += int64(len(raw)); maxBytes > 0 && size > maxBytes && len(out) > 0 {
			break
		}
		var m mutation
		if err := json.Unmarshal([]byte(raw), &m); err != nil {
			return nil, fmt.Errorf("push: decode mid %d: %w", mid, err)
		}
		m.MID = mid
		out = append(out, m)
	}
	return out, rows.Err()
}

// recordOutcomes stores the outcomes of one push answer in one transaction, and after a mid
// gap realigns the outbox with the server.
func (c *Client) recordOutcomes(ctx context.Context, results []Result, gap *gapError) error {
	return c.inTx(ctx, func(tx *sql.Tx) error {
		for _, r := range results {
			if err := recordOutcome(ctx, tx, r); err != nil {
				return err
			}
		}
		if gap != nil {
			if err := realign(ctx, tx, gap.Expected-1); err != nil {
				return err
			}
		}
		return settle(ctx, tx)
	})
}

// recordOutcome stores the outcome of one queued mutation. One that changed the record stays
// in the outbox, acknowledged, until a pull brings its effect; one that did not leaves it.
func recordOutcome(ctx context.Context, tx *sql.Tx, r Result) error {
	var coll, id, raw string
	var acked bool
	err := tx.QueryRowContext(ctx, "SELECT coll, id, mutation, acked FROM outbox WHERE mid = ?", r.MID).
		Scan(&coll, &id, &raw, &acked)
	if errors.Is(err, sql.ErrNoRows) || acked {
		return nil // answered before
	}
	if err != nil {
		return fmt.Errorf("outcome of mid %d: %w", r.MID, err)
	}
	if r.changed() {
		_, err = tx.ExecContext(ctx, "UPDATE outbox SET acked = 1, v = ?, seq = ? WHERE mid = ?", r.V, r.Seq, r.MID)
	} else {
		_, err = tx.ExecContext(ctx, "DELETE FROM outbox WHERE mid = ?", r.MID)
	}
	if err != nil {
		return fmt.Errorf("outcome of mid %d: %w", r.MID, err)
	}
	if r.noteworthy() {
		if err := addIssue(ctx, tx, coll, id, r, raw); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, "UPDATE meta SET acked_mid = MAX(acked_mid, ?)", r.MID); err != nil {
		return fmt.Errorf("outcome of mid %d: %w", r.MID, err)
	}
	return rebuild(ctx, tx, coll, id)
}

// errNoProgress stops a push whose mid gap does not move.
var errNoProgress = errors.New("mid gap does not move")

// realign brings the outbox in line with last, the last mid the server has applied for this
// client:
//   - queued mids up to last were applied though their answer was lost: they leave the outbox
//     (the next pull brings their effect, and the server filed a sync issue for any that did
//     not apply);
//   - acknowledged mids after last were lost by the server, restored from a backup: they are
//     queued again;
//   - the queued mids are renumbered to follow last without a gap, and the next local edit
//     follows them.
func realign(ctx context.Context, tx *sql.Tx, last int64) error {
	touched, err := recordKeys(ctx, tx, "SELECT DISTINCT coll, id FROM outbox WHERE (acked = 0 AND mid <= ?) OR (acked = 1 AND mid > ?)", last, last)
	if err != nil {
		return fmt.Errorf("realign: %w", err)
	}
	if _, err := tx.ExecContext(ctx, "DELETE FROM outbox WHERE acked = 0 AND mid <= ?", last); err != nil {
		return fmt.Errorf("realign: %w", err)
	}
	if _, err := tx.ExecContext(ctx, "UPDATE outbox SET acked = 0, v = 0, seq = 0 WHERE mid > ?", last); err != nil {
		return fmt.Errorf("realign: %w", err)
	}
	var mids []int64
	if err := queryColumn(ctx, tx, &mids, "SELECT mid FROM outbox WHERE mid > ? ORDER BY mid", last); err != nil {
		return fmt.Errorf("realign: %w", err)
	}
	for i, mid := range mids {
		// Ascending, each row moves down to a number no other row holds.
		if _, err := tx.ExecContext(ctx, "UPDATE outbox SET mid = ? WHERE mid = ?", last+1+int64(i), mid); err != nil {
			return fmt.Errorf("realign: renumber %d: %w", mid, err)
		}
	}
	_, err = tx.ExecContext(ctx, "UPDATE meta SET next_mid = ?, acked_mid = ?", last+1+int64(len(mids)), last)
	if err != nil {
		return fmt.Errorf("realign: %w", err)
	}
	return rebuildAll(ctx, tx, touched)
}

// Pending returns how many local edits wait to be pushed or answered: what an app shows as
// "n changes not yet synced".
func (c *Client) Pending(ctx context.Context) (int, error) {
	var n int
	if err := c.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM outbox WHERE acked = 0").Scan(&n); err != nil {
		return 0, fmt.Errorf("pending: %w", err)
	}
	return n, nil
}
