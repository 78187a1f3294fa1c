package client

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/url"
)

// Issue is a mutation the server did not apply as sent: a conflict the server resolved by the
// field's policy, a rejection by a rule, or a quarantine because the inspector lost access to
// the record while offline. It keeps the mutation, so nothing the inspector typed is lost even
// when the local copy no longer shows it. The server files the same issue as a sync_issues
// record, which supervisors review and the author pulls through the "me:" scope.
type Issue struct {
	MID      int64
	Coll, ID string
	Result   Result
	// Data is what the inspector sent: the fields of a create or patch, or a command's args.
	Data map[string]any
	// Op and Name are the mutation's operation and, for a command, its name.
	Op, Name string
}

func addIssue(ctx context.Context, tx *sql.Tx, coll, id string, r Result, rawMutation string) error {
	result, err := json.Marshal(r)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, "INSERT INTO issues (mid, coll, id, result, mutation) VALUES (?, ?, ?, ?, ?)",
		r.MID, coll, id, string(result), rawMutation)
	if err != nil {
		return fmt.Errorf("store issue of mid %d: %w", r.MID, err)
	}
	return nil
}

// Issues returns the issues not yet dismissed, oldest first.
func (c *Client) Issues(ctx context.Context) ([]Issue, error) {
	rows, err := c.db.QueryContext(ctx, "SELECT mid, coll, id, result, mutation FROM issues ORDER BY n")
	if err != nil {
		return nil, fmt.Errorf("issues: %w", err)
	}
	defer rows.Close()
	var out []Issue
	for rows.Next() {
		var is Issue
		var result, raw string
		if err := rows.Scan(&is.MID, &is.Coll, &is.ID, &result, &raw); err != nil {
			return nil, fmt.Errorf("issues: %w", err)
		}
		var m mutation
		if err := json.Unmarshal([]byte(result), &is.Result); err != nil {
			return nil, fmt.Errorf("issues: decode: %w", err)
		}
		if err := json.Unmarshal([]byte(raw), &m); err != nil {
			return nil, fmt.Errorf("issues: decode: %w", err)
		}
		is.Op, is.Name, is.Data = m.Op, m.Name, m.Data
		switch m.Op {
		case opPatch:
			is.Data = m.Set
		case opCmd:
			is.Data = m.Args
		}
		out = append(out, is)
	}
	return out, rows.Err()
}

// Decisions on a server sync issue, for ResolveIssue.
const (
	// Acknowledge is the author's "I have seen it" on their own issue.
	Acknowledge = "acknowledge"
	// Accept applies what the author sent; supervisors of the issue's subdistrict decide it.
	Accept = "accept"
	// Discard closes the issue and keeps the server's state; supervisors decide it.
	Discard = "discard"
)

// ResolveIssue records a decision on the server's sync issue issueID (an Issue's
// Result.Issue, or the id of a sync_issues record), and forgets the local issues that point
// to it. The issue's new status, and an accepted change, arrive with the next pull.
func (c *Client) ResolveIssue(ctx context.Context, issueID, decision string) error {
	c.net.Lock()
	defer c.net.Unlock()
	var issue map[string]any
	err := c.post(ctx, "/api/sync/v1/issues/"+url.PathEscape(issueID)+"/resolve", map[string]string{"decision": decision}, &issue)
	if err != nil {
		return fmt.Errorf("resolve issue %s: %w", issueID, err)
	}
	if _, err := c.db.ExecContext(ctx, "DELETE FROM issues WHERE json_extract(result, '$.issue') = ?", issueID); err != nil {
		return fmt.Errorf("resolve issue %s: %w", issueID, err)
	}
	return nil
}

// DismissIssue forgets the local issues of mid, once the inspector has seen them. The server's
// sync issue stays open; ResolveIssue closes it.
func (c *Client) DismissIssue(ctx context.Context, mid int64) error {
	if _, err := c.db.ExecContext(ctx, "DELETE FROM issues WHERE mid = ?", mid); err != nil {
		return fmt.Errorf("dismiss issue %d: %w", mid, err)
	}
	return nil
}
