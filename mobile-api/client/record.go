package client

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
)

// Record is the local copy of a synced record, as the inspector sees it.
type Record struct {
	Coll string
	ID   string
	// V is the server version the local copy is based on; 0 until the server has sent it.
	V int64
	// Data is the server's data at V with the inspector's unsettled edits on top.
	Data map[string]any
	// Dirty is true while an edit of the record waits to be pushed.
	Dirty bool
}

// Get returns the local copy of a record, or an error matching ErrNotFound.
func (c *Client) Get(ctx context.Context, coll, id string) (Record, error) {
	r := Record{Coll: coll, ID: id}
	var data string
	err := c.db.QueryRowContext(ctx, "SELECT v, data, dirty FROM records WHERE coll = ? AND id = ?", coll, id).
		Scan(&r.V, &data, &r.Dirty)
	if errors.Is(err, sql.ErrNoRows) {
		return r, fmt.Errorf("get %s/%s: %w", coll, id, ErrNotFound)
	}
	if err != nil {
		return r, fmt.Errorf("get %s/%s: %w", coll, id, err)
	}
	if err := json.Unmarshal([]byte(data), &r.Data); err != nil {
		return r, fmt.Errorf("get %s/%s: decode: %w", coll, id, err)
	}
	return r, nil
}

// List returns the local copies of a collection's records, ordered by id.
func (c *Client) List(ctx context.Context, coll string) ([]Record, error) {
	rows, err := c.db.QueryContext(ctx, "SELECT id, v, data, dirty FROM records WHERE coll = ? ORDER BY id", coll)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", coll, err)
	}
	defer rows.Close()
	var out []Record
	for rows.Next() {
		r := Record{Coll: coll}
		var data string
		if err := rows.Scan(&r.ID, &r.V, &data, &r.Dirty); err != nil {
			return nil, fmt.Errorf("list %s: %w", coll, err)
		}
		if err := json.Unmarshal([]byte(data), &r.Data); err != nil {
			return nil, fmt.Errorf("list %s: decode %s: %w", coll, r.ID, err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// rebuild recomputes the local copy of a record from its base and its unsettled mutations,
// and deletes the copy when nothing holds it any more: no scope the server put it in, and no
// unsettled mutation. Every change of base, scopes or outbox ends with a rebuild.
func rebuild(ctx context.Context, tx *sql.Tx, coll, id string) error {
	var base sql.NullString
	var v int64
	err := tx.QueryRowContext(ctx, "SELECT base, v FROM records WHERE coll = ? AND id = ?", coll, id).Scan(&base, &v)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("rebuild %s/%s: %w", coll, id, err)
	}
	var data map[string]any
	if base.Valid {
		if err := json.Unmarshal([]byte(base.String), &data); err != nil {
			return fmt.Errorf("rebuild %s/%s: decode base: %w", coll, id, err)
		}
	}
	muts, dirty, err := unsettled(ctx, tx, coll, id, v)
	if err != nil {
		return err
	}
	for _, m := range muts {
		data = m.applyTo(data)
	}
	var scoped bool
	err = tx.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM record_scopes WHERE coll = ? AND id = ?)", coll, id).Scan(&scoped)
	if err != nil {
		return fmt.Errorf("rebuild %s/%s: %w", coll, id, err)
	}
	if data == nil || (!scoped && len(muts) == 0) {
		_, err = tx.ExecContext(ctx, "DELETE FROM records WHERE coll = ? AND id = ?", coll, id)
		return err
	}
	raw, err := json.Marshal(data)
	if err != nil {
		return fmt.Errorf("rebuild %s/%s: %w", coll, id, err)
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO records (coll, id, v, base, data, dirty) VALUES (?, ?, 0, NULL, ?, ?)
		ON CONFLICT (coll, id) DO UPDATE SET data = excluded.data, dirty = excluded.dirty`, coll, id, string(raw), dirty)
	return err
}

// unsettled returns the record's mutations whose effect is not in the base at version baseV,
// in mid order, and whether any of them still waits to be pushed.
func unsettled(ctx context.Context, tx *sql.Tx, coll, id string, baseV int64) ([]mutation, bool, error) {
	rows, err := tx.QueryContext(ctx, `SELECT mutation, acked FROM outbox
		WHERE coll = ? AND id = ? AND (acked = 0 OR v > ?) ORDER BY mid`, coll, id, baseV)
	if err != nil {
		return nil, false, fmt.Errorf("outbox of %s/%s: %w", coll, id, err)
	}
	defer rows.Close()
	var out []mutation
	dirty := false
	for rows.Next() {
		var raw string
		var acked bool
		if err := rows.Scan(&raw, &acked); err != nil {
			return nil, false, err
		}
		var m mutation
		if err := json.Unmarshal([]byte(raw), &m); err != nil {
			return nil, false, fmt.Errorf("outbox of %s/%s: decode: %w", coll, id, err)
		}
		out = append(out, m)
		dirty = dirty || !acked
	}
	return out, dirty, rows.Err()
}

// applyTo returns data with m's expected effect. Commands have none locally: the server runs
// their rules, and the next pull brings the result.
func (m mutation) applyTo(data map[string]any) map[string]any {
	switch m.Op {
	case opCreate:
		if data == nil {
			data = map[string]any{"id": m.ID}
		}
		maps.Copy(data, m.Data)
	case opPatch:
		if data != nil {
			maps.Copy(data, m.Set)
		}
	case opVoid:
		if data != nil {
			data["voided"] = true
		}
	}
	return data
}
