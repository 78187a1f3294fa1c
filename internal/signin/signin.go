// Package signin slows down password guessing: every sign-in door that takes a secret
// (auth-with-password and auth-with-otp, of staff and of district administrators) counts the
// attempts on each account, and after a few failures in a row the account answers 429
// signin_throttled with Retry-After for a while, to the right password too, the wait doubling
// with each further failure up to a cap. A successful sign-in clears the count.
//
// The count follows the account, not the caller's address: a guesser with many addresses
// (a carrier's NAT pool, a botnet) gains nothing, and staff who share an office's address do
// not slow each other down. The price is that anyone who knows an address can slow that
// account's owner down too, to one attempt per MaxWait at worst; each new wait is logged with
// the caller's address, so an administrator can see who does it and block them.
//
// The counts live in the database (fs_signin_failures), not in memory: a restart must not
// forgive an attacker's failures. Addresses are PocketBase's own rate limits' business
// (settings written by pb_migrations/1764205200_signin.go).
package signin

import (
	"time"

	"github.com/pocketbase/pocketbase/core"
)

// Config says how much failure an account is allowed and how long it then waits.
type Config struct {
	// Free is how many attempts in a row may fail before the account must wait.
	Free int
	// FirstWait is the wait that the Free-th failure starts; each later failure doubles it,
	// up to MaxWait.
	FirstWait, MaxWait time.Duration
	// Forget is how long an account must stay quiet, after its last attempt or wait, for its
	// count to start afresh.
	Forget time.Duration
	// Now is the clock; tests inject their own.
	Now func() time.Time
}

// DefaultConfig returns the production settings: five free attempts, then waits of 30 s,
// 1, 2, 4, 8 and at most 15 minutes; a quiet quarter of an hour forgets.
func DefaultConfig() Config {
	return Config{Free: 5, FirstWait: 30 * time.Second, MaxWait: 15 * time.Minute, Forget: 15 * time.Minute, Now: time.Now}
}

// Register binds the sign-in doors' throttle and the hourly job that drops the counts of
// accounts that have been quiet long enough to be forgotten.
func Register(app core.App, cfg Config) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	g := &guard{cfg: cfg}
	app.OnRecordAuthWithPasswordRequest().BindFunc(g.passwordDoor)
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		se.Router.BindFunc(g.otpDoor)
		return se.Next()
	})
	app.Cron().MustAdd("fieldsync_signin_forget", "41 * * * *", func() {
		// A panic in a job must never take the server down.
		defer func() {
			if r := recover(); r != nil {
				app.Logger().Error("sign-in forget job panicked", "panic", r)
			}
		}()
		if err := forgetQuiet(app, cfg.Now().Add(-cfg.Forget)); err != nil {
			app.Logger().Error("sign-in forget job failed", "error", err)
		}
	})
}
