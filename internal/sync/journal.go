package sync

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"github.com/haidian/fieldsync/internal/schema"
)

// journalEntry is one push attempt as the journal keeps it.
type journalEntry struct {
	ClientID string
	User     string
	SentAt   string
	Payload  json.RawMessage
	Response json.RawMessage
}

// appendJournal adds e to the journal of push attempts: each row's hash covers the previous
// row's hash and this row's content, so editing or deleting a row before the newest breaks
// every later hash (VerifyJournal, run by a test). It is a diagnostic record, not a guarantee:
// it is written after the push's own transaction (a failure is logged), nothing refuses edits
// of its rows, the chain has no anchor and it is not pruned. The outcomes themselves are kept
// in the push's transaction (fs_sync_outcomes).
// The device's clock skew is measured from sent_at and flagged when large; it is recorded,
// never used to order anything.
func (s *Service) appendJournal(e journalEntry) error {
	now := s.now().UTC()
	skew, flagged, sentAt := math.NaN(), false, ""
	if t, err := time.Parse(time.RFC3339, e.SentAt); err == nil {
		skew = now.Sub(t).Seconds()
		flagged = math.Abs(skew) > s.cfg.SkewTolerance.Seconds()
		dt, _ := types.ParseDateTime(t)
		sentAt = dt.String()
	}
	return s.app.RunInTransaction(func(tx core.App) error {
		var prev string
		err := tx.DB().Select("hash").From(schema.SyncJournal).OrderBy("rowid DESC").Limit(1).Row(&prev)
		if err != nil && !isNoRows(err) {
			return fmt.Errorf("journal head: %w", err)
		}
		created, _ := types.ParseDateTime(now)
		sum := sha256.New()
		fmt.Fprintf(sum, "%s\n%s\n%s\n%s\n%s\n", prev, e.ClientID, e.User, created.String(), sentAt)
		sum.Write(e.Payload)
		sum.Write([]byte{'\n'})
		sum.Write(e.Response)
		params := dbx.Params{
			"id": core.GenerateDefaultRandomId(), "client_id": e.ClientID, "user": e.User,
			"sent_at": sentAt, "skew_flagged": flagged, "payload": string(e.Payload),
			"response": string(e.Response), "prev_hash": prev, "hash": hex.EncodeToString(sum.Sum(nil)),
			"created": created.String(), "updated": created.String(),
		}
		if !math.IsNaN(skew) {
			params["skew_seconds"] = math.Round(skew)
		}
		if _, err := tx.DB().Insert(schema.SyncJournal, params).Execute(); err != nil {
			return fmt.Errorf("journal append: %w", err)
		}
		return nil
	})
}

// VerifyJournal walks the journal and returns the id of the first row whose hash does not
// match its content and predecessor, or "" when the chain is intact.
func VerifyJournal(app core.App) (string, error) {
	var rows []struct {
		ID       string `db:"id"`
		ClientID string `db:"client_id"`
		User     string `db:"user"`
		SentAt   string `db:"sent_at"`
		Payload  string `db:"payload"`
		Response string `db:"response"`
		Prev     string `db:"prev_hash"`
		Hash     string `db:"hash"`
		Created  string `db:"created"`
	}
	err := app.DB().Select("id", "client_id", "user", "sent_at", "payload", "response", "prev_hash", "hash", "created").
		From(schema.SyncJournal).OrderBy("rowid").All(&rows)
	if err != nil {
		return "", fmt.Errorf("journal read: %w", err)
	}
	prev := ""
	for _, r := range rows {
		sum := sha256.New()
		fmt.Fprintf(sum, "%s\n%s\n%s\n%s\n%s\n", prev, r.ClientID, r.User, r.Created, r.SentAt)
		sum.Write([]byte(r.Payload))
		sum.Write([]byte{'\n'})
		sum.Write([]byte(r.Response))
		if r.Prev != prev || hex.EncodeToString(sum.Sum(nil)) != r.Hash {
			return r.ID, nil
		}
		prev = r.Hash
	}
	return "", nil
}
