package apidoc_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/haidian/fieldsync/internal/testkit"
)

// These tests show where the live server disagrees with what the document promises a phone.
// They are skipped until internal/sync is fixed; remove the skip to check a fix.

// A mutation whose shape is wrong must get a stored rejected outcome, as the document says
// ("a rejection never stops the mutations after it"). With an empty coll, or an id longer
// than 100 characters, the server cannot file the sync issue of the rejection and answers
// 500 instead, storing nothing: the phone resends the same mid and gets 500 again, forever,
// and every mutation queued after it is stuck.
func TestPush_MalformedMutationIsRejectedNotAServerError(t *testing.T) {
	t.Skip("server bug: internal/sync push.go applyOnce() raises a sync issue for every refusal; " +
		"sync_issues requires coll and limits record_id to 100 characters, so the issue's save fails " +
		"and the refusal becomes a 500 that is never stored")
	k := theContract(t)
	srv := testkit.Serve(t, testkit.NewApp(t))
	p := newPhone(t, k, srv, testkit.InspectorA, "phone-bug-a")
	p.register()
	for _, m := range []string{
		`{"mid": 1, "op": "create", "coll": "", "id": "abcabcabcabcabc", "data": {}}`,
		`{"mid": 2, "op": "patch", "coll": "findings", "id": "` + strings.Repeat("a", 120) + `", "set": {"notes": "x"}}`,
	} {
		a := p.post("/api/sync/v1/push", `{"client_id": "phone-bug-a", "mutations": [`+m+`]}`)
		if a.Status != http.StatusOK || !strings.Contains(string(a.Body), `"outcome":"rejected"`) {
			t.Errorf("%s: %d %s, want a rejected outcome", m, a.Status, a.Body)
		}
	}
}
