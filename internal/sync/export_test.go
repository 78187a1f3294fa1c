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

// ReadPagesWithHelper makes every page of at least minRows records read on two connections,
// chunk records to a query, with one helper slot whatever the cores. With helperFirst the
// page's own connection waits until the helper is done (so the helper reads every chunk it
// may), and begun, if not nil, runs in the helper once its transaction began. It returns what
// puts the settings back. Only tests that do not run in parallel may call it.
func ReadPagesWithHelper(minRows, chunk int, helperFirst bool, begun func()) (restore func()) {
	wasMin, wasChunk, wasSlots, wasFirst, wasHook := helperMinRows, chunkRows, helperSlots, testHelperFirst, testHookHelperBegun
	helperMinRows, chunkRows, helperSlots = minRows, chunk, make(chan struct{}, 1)
	testHelperFirst, testHookHelperBegun = helperFirst, begun
	return func() {
		helperMinRows, chunkRows, helperSlots, testHelperFirst, testHookHelperBegun = wasMin, wasChunk, wasSlots, wasFirst, wasHook
	}
}

// HelperCounts returns how many page helpers read chunks (used), found that the head had
// moved since the page's snapshot and read nothing (moved), and were called off before they
// began (calledOff).
func HelperCounts() (used, moved, calledOff int64) {
	return helperCounts.used.Load(), helperCounts.moved.Load(), helperCounts.calledOff.Load()
}
