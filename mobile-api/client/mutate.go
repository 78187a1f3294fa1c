package client

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Create creates a record locally with a new client-generated id, queues its creation and
// returns the id. data holds the record's fields, without id or system fields.
func (c *Client) Create(ctx context.Context, coll string, data map[string]any) (string, error) {
	id := randomID(15)
	err := c.enqueue(ctx, mutation{Op: opCreate, Coll: coll, ID: id, Data: data})
	if err != nil {
		return "", fmt.Errorf("create %s: %w", coll, err)
	}
	return id, nil
}

// Patch sets fields of a local record and queues the change, based on the version of the
// server's data the local copy holds. Fields other writers changed meanwhile are merged by the
// server, or resolved by the field's policy; the inspector's value is never silently lost.
func (c *Client) Patch(ctx context.Context, coll, id string, set map[string]any) error {
	if len(set) == 0 {
		return fmt.Errorf("patch %s/%s: nothing to set", coll, id)
	}
	if err := c.enqueue(ctx, mutation{Op: opPatch, Coll: coll, ID: id, Set: set}); err != nil {
		return fmt.Errorf("patch %s/%s: %w", coll, id, err)
	}
	return nil
}

// Void marks a local record void and queues the change. Voided records are final.
func (c *Client) Void(ctx context.Context, coll, id string) error {
	if err := c.enqueue(ctx, mutation{Op: opVoid, Coll: coll, ID: id}); err != nil {
		return fmt.Errorf("void %s/%s: %w", coll, id, err)
	}
	return nil
}

// Command queues a named, versioned workflow step on a record, such as
// "inspection.review@1". Its effect shows locally after the push and the next pull, since only
// the server knows the step's rules.
func (c *Client) Command(ctx context.Context, name, coll, id string, args map[string]any) error {
	if err := c.enqueue(ctx, mutation{Op: opCmd, Name: name, Coll: coll, ID: id, Args: args}); err != nil {
		return fmt.Errorf("command %s on %s/%s: %w", name, coll, id, err)
	}
	return nil
}

// enqueue gives m the next mid and the base version of its record, queues it and applies it
// to the local copy, all in one transaction.
func (c *Client) enqueue(ctx context.Context, m mutation) error {
	m.DeviceTime = c.cfg.Now().UTC().Format(time.RFC3339)
	return c.inTx(ctx, func(tx *sql.Tx) error {
		if m.Op != opCreate {
			err := tx.QueryRowContext(ctx, "SELECT v FROM records WHERE coll = ? AND id = ?", m.Coll, m.ID).Scan(&m.BaseV)
			if errors.Is(err, sql.ErrNoRows) {
				return ErrNotFound
			}
			if err != nil {
				return err
			}
		}
		var mid int64
		if err := tx.QueryRowContext(ctx, "UPDATE meta SET next_mid = next_mid + 1 RETURNING next_mid - 1").Scan(&mid); err != nil {
			return fmt.Errorf("next mid: %w", err)
		}
		raw, err := json.Marshal(m)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, "INSERT INTO outbox (mid, coll, id, mutation) VALUES (?, ?, ?, ?)", mid, m.Coll, m.ID, string(raw))
		if err != nil {
			return fmt.Errorf("queue: %w", err)
		}
		return rebuild(ctx, tx, m.Coll, m.ID)
	})
}
