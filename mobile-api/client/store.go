package client

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"

	_ "modernc.org/sqlite" // the pure-Go SQLite driver, registered as "sqlite"
)

// storeVersion is the version of storeSchema, kept in SQLite's user_version. A later client
// that changes the schema migrates stores of older versions.
const storeVersion = 2

// storeSchema is the local store. Every local operation runs in one transaction, so a phone
// killed at any moment finds the store as it was before or after the operation, never between.
//
// A record keeps two copies of its data: base, the server's data at version v, and data, what
// the inspector sees: base with the record's unsettled mutations replayed on top. A mutation is
// unsettled from the moment it is queued until a pull has brought back its effect (or it came
// back rejected or quarantined, with no effect).
const storeSchema = `
CREATE TABLE IF NOT EXISTS meta (
	id INTEGER PRIMARY KEY CHECK (id = 1),
	client_id TEXT NOT NULL,
	next_mid INTEGER NOT NULL,  -- the mid the next local edit gets
	acked_mid INTEGER NOT NULL  -- the highest mid the server has acknowledged
);
CREATE TABLE IF NOT EXISTS records (
	coll TEXT NOT NULL, id TEXT NOT NULL,
	v INTEGER NOT NULL,       -- the server version of base; 0 before the server has it
	base TEXT,                -- the server's data at v (JSON); NULL before the server has it
	data TEXT NOT NULL,       -- base with the unsettled mutations on top (JSON)
	dirty INTEGER NOT NULL,   -- 1 while a mutation of the record waits to be pushed
	PRIMARY KEY (coll, id)
);
-- The scopes the server put each record in. stale marks the rows of a scope being downloaded
-- again: the rows the download does not send again are dropped when it reaches the head.
CREATE TABLE IF NOT EXISTS record_scopes (
	scope TEXT NOT NULL, coll TEXT NOT NULL, id TEXT NOT NULL, stale INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (scope, coll, id)
);
CREATE INDEX IF NOT EXISTS record_scopes_record ON record_scopes (coll, id);
-- floor is set while a download from the start spans pages; the server needs it back.
CREATE TABLE IF NOT EXISTS cursors (scope TEXT PRIMARY KEY, cursor INTEGER NOT NULL, floor INTEGER NOT NULL DEFAULT 0);
-- The queued mutations, in mid order. A row is pending (acked = 0) until the server answers;
-- an answer that changed the record keeps it (acked = 1, with the version and seq of the
-- change) until a pull has passed that seq in every scope. Meanwhile it is replayed on the
-- local copy while the copy's base is older than the version it made.
CREATE TABLE IF NOT EXISTS outbox (
	mid INTEGER PRIMARY KEY, coll TEXT NOT NULL, id TEXT NOT NULL, mutation TEXT NOT NULL,
	acked INTEGER NOT NULL DEFAULT 0, v INTEGER NOT NULL DEFAULT 0, seq INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS outbox_record ON outbox (coll, id);
-- Outcomes the inspector must see: conflicts, rejections, quarantines, with the mutation.
CREATE TABLE IF NOT EXISTS issues (
	n INTEGER PRIMARY KEY AUTOINCREMENT, mid INTEGER NOT NULL, coll TEXT NOT NULL,
	id TEXT NOT NULL, result TEXT NOT NULL, mutation TEXT NOT NULL
);
`

// openStore opens (creating if needed) the SQLite store at path. It has one connection: the
// store has one writer, and every query of a transaction must run on the transaction.
func openStore(ctx context.Context, path string) (*sql.DB, error) {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(FULL)")
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	db.SetMaxOpenConns(1)
	var version int
	err = db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version)
	if err == nil && version > storeVersion {
		err = fmt.Errorf("store version %d is newer than this client's %d", version, storeVersion)
	}
	if err == nil && version == 1 {
		// Version 2 adds the floor of paged downloads from the start.
		_, err = db.ExecContext(ctx, "ALTER TABLE cursors ADD COLUMN floor INTEGER NOT NULL DEFAULT 0")
	}
	if err == nil {
		_, err = db.ExecContext(ctx, storeSchema+fmt.Sprintf("PRAGMA user_version = %d;", storeVersion))
	}
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open store: %w", err)
	}
	return db, nil
}

// inTx runs f in one transaction of the store, committing if f returns nil.
func (c *Client) inTx(ctx context.Context, f func(tx *sql.Tx) error) error {
	tx, err := c.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := f(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// initMeta stores the client id on first open and returns the stored one.
func initMeta(ctx context.Context, db *sql.DB, clientID string) (string, error) {
	_, err := db.ExecContext(ctx, `INSERT INTO meta (id, client_id, next_mid, acked_mid)
		VALUES (1, ?, 1, 0) ON CONFLICT (id) DO NOTHING`, clientID)
	if err != nil {
		return "", fmt.Errorf("init meta: %w", err)
	}
	var stored string
	if err := db.QueryRowContext(ctx, "SELECT client_id FROM meta").Scan(&stored); err != nil {
		return "", fmt.Errorf("read meta: %w", err)
	}
	return stored, nil
}

// recordKey names a local record.
type recordKey struct{ coll, id string }

// recordKeys returns the (coll, id) pairs a query selects. It reads them all before returning,
// so the caller may write to the tables it read.
func recordKeys(ctx context.Context, tx *sql.Tx, query string, args ...any) ([]recordKey, error) {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []recordKey
	for rows.Next() {
		var k recordKey
		if err := rows.Scan(&k.coll, &k.id); err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// queryColumn reads the single column a query selects into dst.
func queryColumn[T any](ctx context.Context, tx *sql.Tx, dst *[]T, query string, args ...any) error {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var v T
		if err := rows.Scan(&v); err != nil {
			return err
		}
		*dst = append(*dst, v)
	}
	return rows.Err()
}

func rebuildAll(ctx context.Context, tx *sql.Tx, keys []recordKey) error {
	for _, k := range keys {
		if err := rebuild(ctx, tx, k.coll, k.id); err != nil {
			return err
		}
	}
	return nil
}
