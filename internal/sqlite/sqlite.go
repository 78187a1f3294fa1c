// Package sqlite opens fieldsync's SQLite databases: PocketBase's driver (modernc.org/sqlite)
// with PocketBase's pragmas, the synchronous setting fieldsync chooses, and a cache of
// prepared statements on every connection.
//
// Why the cache: the driver prepares every query anew, and with SQLite compiled to Go,
// parsing and planning a statement costs as much as running a small one. In cmd/fsbench's
// delta-sync benchmark 30% of the server's CPU went to sqlite3_prepare. PocketBase and
// fieldsync run the same few hundred statements over and over, so each connection keeps the
// statements it prepared, keyed by their text, and the driver resets them between uses.
package sqlite

import (
	"database/sql"
	"fmt"

	"github.com/pocketbase/dbx"
	msqlite "modernc.org/sqlite"
)

// DefaultCacheSize is how many prepared statements each connection keeps. PocketBase opens
// up to 120 connections to the data database; a statement is a few kilobytes of SQLite's
// memory, so 64 of them keep the worst case near 30 MB while holding every statement of a
// sync request and of a record write.
const DefaultCacheSize = 64

// Open opens the database at dsn (a path with modernc.org/sqlite's query parameters) for
// PocketBase, with a statement cache of DefaultCacheSize on each connection.
func Open(dsn string) (*dbx.DB, error) {
	return open(dsn, "")
}

// open opens dsn as Open does and, when checkpointPath is set, holds that file's background
// checkpointer until the pool is closed.
func open(dsn, checkpointPath string) (*dbx.DB, error) {
	c, err := NewConnector(dsn, DefaultCacheSize)
	if err != nil {
		return nil, err
	}
	if checkpointPath != "" {
		c.startCheckpoints(checkpointPath)
	}
	// "sqlite" names dbx's SQLite query builder, as dbx.Open("sqlite", ...) would.
	return dbx.NewFromDB(sql.OpenDB(c), "sqlite"), nil
}

// NewConnector returns a connector to the database at dsn whose connections cache up to
// size prepared statements each.
func NewConnector(dsn string, size int) (*Connector, error) {
	if size < 1 {
		return nil, fmt.Errorf("sqlite: cache size %d < 1", size)
	}
	base, err := msqlite.NewConnector(dsn)
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	return &Connector{base: base, size: size}, nil
}
