package apidoc_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/haidian/fieldsync/internal/testkit"
)

// A mutation whose shape is wrong gets a stored rejected outcome, as the document says ("a
// rejection never stops the mutations after it"). An empty coll or an id longer than the sync
// issue's fields once made filing the rejection fail with a 500 that was never stored: the
// phone resent the same mid forever and every mutation queued after it was stuck.
func TestPush_MalformedMutationIsRejectedNotAServerError(t *testing.T) {
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
