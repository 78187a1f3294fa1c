package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// Password guessing (internal/signin): the per-account count of failed sign-ins, and
// PocketBase's rate limits turned on with rules that fit fieldsync's users. The limits are
// settings written once here: an administrator tunes them in the admin UI (Settings, Rate
// limits) and what they change stays.

// signinFailures is a plain table: no REST door reaches it. It is in the database so that a
// restart does not forgive an attacker's failures.
const signinFailures = `CREATE TABLE fs_signin_failures (
	account  TEXT PRIMARY KEY,  -- sha256 of the auth collection and the account (or the identity typed)
	failures INTEGER NOT NULL,  -- attempts since the last success or quiet spell
	last_at  INTEGER NOT NULL,  -- unix ms of the latest attempt
	until_at INTEGER NOT NULL   -- unix ms before which no attempt is admitted
) WITHOUT ROWID`

// rateLimitRules count requests per client address (PocketBase keys them by e.RealIP(): set
// the trusted proxy headers behind a reverse proxy). PocketBase applies the first rule that
// matches a request's labels, and takes prefix rules in this order.
var rateLimitRules = []core.RateLimitRule{
	// The sign-in doors (password, OTP, OAuth2) of each auth collection. An office's staff
	// share one address and sign in within the same few minutes of a morning; guessing at one
	// account is slowed per account (internal/signin), this only bounds one address's guesses
	// across accounts and the hashing work it costs the server.
	{Label: "*:auth", MaxRequests: 60, Duration: 60},
	// The doors that send an e-mail to an address the caller names.
	{Label: "*:requestOTP", MaxRequests: 10, Duration: 60},
	{Label: "*:requestPasswordReset", MaxRequests: 10, Duration: 60},
	{Label: "*:requestVerification", MaxRequests: 10, Duration: 60},
	// The public reports and photo uploads keep their own limits (internal/reports), made for
	// parents who share a carrier's NAT address; these ceilings only keep the anonymous rule
	// below from applying to them, so they must come before it.
	{Label: "/api/fs/reports/", Audience: core.RateLimitRuleAudienceGuest, MaxRequests: 6000, Duration: 60},
	{Label: "/api/fs/blobs/", Audience: core.RateLimitRuleAudienceGuest, MaxRequests: 6000, Duration: 60},
	// Anonymous batches (the batch API is off unless an administrator turns it on) and every
	// other anonymous request, as PocketBase ships them.
	{Label: "/api/batch", Audience: core.RateLimitRuleAudienceGuest, MaxRequests: 3, Duration: 1},
	{Label: "/api/", Audience: core.RateLimitRuleAudienceGuest, MaxRequests: 300, Duration: 10},
	// No rule holds back signed-in users by address beyond the sign-in doors: the phones of
	// many inspectors share a carrier's address and sync, and retry, at will; a user is
	// accountable by account.
}

// pocketbaseRateLimitRules are PocketBase's own defaults, which the down step restores.
var pocketbaseRateLimitRules = []core.RateLimitRule{
	{Label: "*:auth", MaxRequests: 2, Duration: 3},
	{Label: "*:create", MaxRequests: 20, Duration: 5},
	{Label: "/api/batch", MaxRequests: 3, Duration: 1},
	{Label: "/api/", MaxRequests: 300, Duration: 10},
}

func init() {
	m.Register(func(app core.App) error {
		if _, err := app.DB().NewQuery(signinFailures).Execute(); err != nil {
			return err
		}
		return setRateLimits(app, true, rateLimitRules)
	}, func(app core.App) error {
		if _, err := app.DB().NewQuery(`DROP TABLE fs_signin_failures`).Execute(); err != nil {
			return err
		}
		return setRateLimits(app, false, pocketbaseRateLimitRules)
	})
}

func setRateLimits(app core.App, enabled bool, rules []core.RateLimitRule) error {
	s := app.Settings()
	s.RateLimits.Enabled = enabled
	s.RateLimits.Rules = rules
	return app.Save(s)
}
