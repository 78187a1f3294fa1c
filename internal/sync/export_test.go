package sync

import (
	"time"

	"github.com/pocketbase/pocketbase/core"
)

// HoldGroupsFor lets a push group run for up to d before it commits, and returns what puts
// the bound back. Only tests that do not run in parallel may call it.
func HoldGroupsFor(d time.Duration) (restore func()) {
	was := maxGroupTime
	maxGroupTime = d
	return func() { maxGroupTime = was }
}

// PushVerdicts returns the rule evaluation a push uses, bound to app as Register binds it, so
// tests can compare its verdicts with PocketBase's own.
func PushVerdicts(app core.App) func(tx core.App, r, auth *core.Record, body map[string]any, rule *string) (bool, error) {
	v := newRuleVerdicts()
	v.register(app)
	return func(tx core.App, r, auth *core.Record, body map[string]any, rule *string) (bool, error) {
		return v.allowed(tx, r, &core.RequestInfo{Auth: auth, Body: body, Method: "POST", Context: "sync"}, rule)
	}
}

// KeepsVerdict reports whether a push keeps rule's verdicts for a user of authColl.
func KeepsVerdict(app core.App, authColl *core.Collection, rule string) bool {
	return analyseRule(app, authColl, rule) != nil
}

// CanonicalDate is canonicalDate, for its test against PocketBase's own parse and format.
var CanonicalDate = canonicalDate

// StoredAsShown is storedAsShown, for its test against the fields' PrepareValue.
var StoredAsShown = storedAsShown

// AcceptedCoding is acceptedCoding, the coding a pull answer is compressed with.
var AcceptedCoding = acceptedCoding
