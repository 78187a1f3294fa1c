package client

import (
	"context"
	"database/sql"
	"fmt"
	"hash/fnv"
)

// Checksum returns the local checksum of scope, computed exactly as the server computes its
// own: the XOR, over the records the server put in the scope, of the FNV-1a 64 hash of
// "coll/id/v" at the server version the local copy is based on, rendered as 16 hex digits.
// Local edits do not change it. Pull compares it with the server's at the head of each scope.
func (c *Client) Checksum(ctx context.Context, scope Scope) (string, error) {
	sum, err := checksum(ctx, c.db, scope)
	if err != nil {
		return "", fmt.Errorf("checksum %s: %w", scope, err)
	}
	return sum, nil
}

// querier is a *sql.DB or a *sql.Tx.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func checksum(ctx context.Context, q querier, scope Scope) (string, error) {
	rows, err := q.QueryContext(ctx, `SELECT r.coll, r.id, r.v FROM record_scopes s
		JOIN records r ON r.coll = s.coll AND r.id = s.id WHERE s.scope = ?`, string(scope))
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var sum uint64
	for rows.Next() {
		var coll, id string
		var v int64
		if err := rows.Scan(&coll, &id, &v); err != nil {
			return "", err
		}
		sum ^= recordHash(coll, id, v)
	}
	return formatChecksum(sum), rows.Err()
}

// recordHash is FNV-1a 64 of "coll/id/v". The server stores it as a signed integer; the bits
// are the same.
func recordHash(coll, id string, v int64) uint64 {
	f := fnv.New64a()
	fmt.Fprintf(f, "%s/%s/%d", coll, id, v)
	return f.Sum64()
}

func formatChecksum(sum uint64) string { return fmt.Sprintf("%016x", sum) }
