package signin

import (
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// account names what the attempts are counted against: a record of an auth collection, or,
// when no record answers to the identity typed, that identity in lower case, so that an
// unknown account is throttled like a known one and the answers reveal nothing.
type account struct {
	collection string // the auth collection's id
	record     string // the record's id, if one answers
	identity   string // what was typed, when none does
	label      string // how the log names it: the record, never what was typed
}

// key is the account's row key: a hash, so the table holds no typed identity (people type
// passwords into the identity field).
func (a account) key() string {
	sum := sha256.Sum256([]byte(a.collection + "\x00" + a.record + "\x00" + a.identity))
	return hex.EncodeToString(sum[:])
}

// count is an account's row: its attempts since the last success or quiet spell.
type count struct {
	Failures int
	Last     time.Time // the latest attempt
	Until    time.Time // no attempt is admitted before this
}

// waitLeft is how long the account must still wait at now.
func (c count) waitLeft(now time.Time) time.Duration {
	return max(0, c.Until.Sub(now))
}

// attempt returns c with one more attempt counted at now: a failure until the attempt proves
// otherwise. From the Free-th on, each one makes the account wait.
func (cfg Config) attempt(c count, now time.Time) count {
	if now.Sub(later(c.Last, c.Until)) > cfg.Forget {
		c = count{}
	}
	c.Failures++
	c.Last = now
	if c.Failures >= cfg.Free {
		c.Until = now.Add(cfg.waitAfter(c.Failures))
	}
	return c
}

// waitAfter is the wait that failure number n starts: FirstWait at Free, doubled for each
// failure beyond, at most MaxWait.
func (cfg Config) waitAfter(n int) time.Duration {
	wait := cfg.FirstWait
	for i := cfg.Free; i < n && wait < cfg.MaxWait; i++ {
		wait *= 2
	}
	return min(wait, cfg.MaxWait)
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

const table = "fs_signin_failures"

// admit counts an attempt on a, or refuses it with the wait left. It reads and writes the
// count in one transaction: concurrent attempts are counted one after the other, so a burst
// of guesses sent at once cannot all pass before the first failure is stored.
func (cfg Config) admit(app core.App, a account) (count, time.Duration, error) {
	var c count
	var wait time.Duration
	err := app.RunInTransaction(func(tx core.App) error {
		var err error
		if c, err = load(tx, a); err != nil {
			return err
		}
		now := cfg.Now()
		if wait = c.waitLeft(now); wait > 0 {
			return nil
		}
		c = cfg.attempt(c, now)
		return store(tx, a, c)
	})
	return c, wait, err
}

func load(app core.App, a account) (count, error) {
	var row struct {
		Failures int   `db:"failures"`
		Last     int64 `db:"last_at"`
		Until    int64 `db:"until_at"`
	}
	err := app.DB().Select("failures", "last_at", "until_at").From(table).
		Where(dbx.HashExp{"account": a.key()}).One(&row)
	if errors.Is(err, sql.ErrNoRows) {
		return count{}, nil
	}
	if err != nil {
		return count{}, fmt.Errorf("load sign-in count: %w", err)
	}
	return count{Failures: row.Failures, Last: time.UnixMilli(row.Last), Until: time.UnixMilli(row.Until)}, nil
}

func store(app core.App, a account, c count) error {
	_, err := app.DB().NewQuery(`INSERT INTO ` + table + ` (account, failures, last_at, until_at)
		VALUES ({:account}, {:failures}, {:last}, {:until})
		ON CONFLICT (account) DO UPDATE SET failures = excluded.failures, last_at = excluded.last_at, until_at = excluded.until_at`).
		Bind(dbx.Params{"account": a.key(), "failures": c.Failures, "last": c.Last.UnixMilli(), "until": c.Until.UnixMilli()}).
		Execute()
	if err != nil {
		return fmt.Errorf("store sign-in count: %w", err)
	}
	return nil
}

// forgive drops a's count after a successful sign-in.
func forgive(app core.App, a account) error {
	if _, err := app.DB().Delete(table, dbx.HashExp{"account": a.key()}).Execute(); err != nil {
		return fmt.Errorf("forgive sign-in count: %w", err)
	}
	return nil
}

// forgetQuiet drops the counts whose last attempt and wait both ended before quietSince:
// their next attempt would start afresh anyway. It keeps the table from growing with every
// identity a guesser ever typed.
func forgetQuiet(app core.App, quietSince time.Time) error {
	_, err := app.DB().NewQuery(`DELETE FROM ` + table + ` WHERE max(last_at, until_at) < {:since}`).
		Bind(dbx.Params{"since": quietSince.UnixMilli()}).Execute()
	if err != nil {
		return fmt.Errorf("forget quiet sign-in counts: %w", err)
	}
	return nil
}
