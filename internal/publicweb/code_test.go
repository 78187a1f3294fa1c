package publicweb_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/pocketbase/dbx"

	"github.com/haidian/fieldsync/internal/publicurl"
	"github.com/haidian/fieldsync/internal/schema"
	"github.com/haidian/fieldsync/internal/testkit"
)

// sendReport submits a valid report through the form and returns its tracking number and code.
func sendReport(t *testing.T, srv *testkit.Server, description string) (string, string) {
	t.Helper()
	values := reportForm(t, get(t, srv, "/r").body)
	values.Set("description", description)
	values.Set("category", "tutoring.fees") // not a duplicate of another test's report
	done := post(t, srv, "/r", values)
	tm, cm := trackingRE.FindStringSubmatch(done.body), codeRE.FindStringSubmatch(done.body)
	if tm == nil || cm == nil {
		t.Fatalf("submit: %d %s", done.status, done.body)
	}
	return tm[1], cm[1]
}

// TestCode_GuessingStopped: after ten wrong codes for one tracking number even the right code
// is refused, while another report still opens; the stored row holds neither the code nor the
// receipt in clear, and no API door shows it.
func TestCode_GuessingStopped(t *testing.T) {
	srv := newServer(t)
	tracking, code := sendReport(t, srv, "周末收取一年学费")
	other, otherCode := sendReport(t, srv, "要求一次交清两年费用")
	for i := 0; i < 10; i++ {
		wrong := []byte(strings.ReplaceAll(code, "-", ""))
		wrong[i] = map[bool]byte{true: '3', false: '2'}[wrong[i] == '2']
		if p := get(t, srv, "/t/"+tracking+"/"+string(wrong)); p.status != http.StatusForbidden {
			t.Fatalf("wrong code %d: %d", i, p.status)
		}
	}
	if p := get(t, srv, "/t/"+tracking+"/"+code); p.status != http.StatusForbidden || strings.Contains(p.body, `id="status"`) {
		t.Errorf("the right code after ten wrong ones: %d", p.status)
	}
	if p := get(t, srv, "/t/"+other+"/"+otherCode); p.status != http.StatusOK {
		t.Errorf("another report: %d", p.status)
	}

	rows, err := srv.App.FindAllRecords(schema.TrackingCodes, dbx.HashExp{"tracking_no": tracking})
	if err != nil || len(rows) != 1 {
		t.Fatalf("rows: %d %v", len(rows), err)
	}
	sealed := rows[0].GetString("sealed")
	if strings.Contains(sealed, strings.ReplaceAll(code, "-", "")) || strings.Contains(sealed, "eyJ") {
		t.Errorf("the row holds the code or the receipt in clear")
	}
	for _, token := range []string{"", srv.Token("users", testkit.SupervisorA)} {
		res := srv.Do(http.MethodGet, "/api/collections/"+schema.TrackingCodes+"/records", token, nil)
		if res.Status == http.StatusOK {
			t.Errorf("the codes are listed: %s", res.Body)
		}
	}
	if p := post(t, srv, "/t", url.Values{"tracking": {tracking}, "code": {"0000-0000-0000"}}); p.status != http.StatusBadRequest {
		t.Errorf("a code with look-alikes: %d", p.status)
	}
	// Revoking the receipt revokes the code that holds it.
	r, _ := srv.App.FindFirstRecordByFilter(schema.Reports, "tracking_no = {:t}", dbx.Params{"t": other})
	receipts, _ := srv.App.FindAllRecords(schema.ReportReceipts, dbx.HashExp{"report": r.Id})
	for _, rc := range receipts {
		rc.Set("revoked", true)
		mustSave(t, srv.App, rc)
	}
	if p := get(t, srv, "/t/"+other+"/"+otherCode); p.status != http.StatusForbidden || len(receipts) == 0 {
		t.Errorf("a revoked receipt's code: %d", p.status)
	}
}

// TestPublicURL_Local: every address of this machine is refused as the public address, and a
// trailing slash is dropped. (PocketBase refuses to save some of these, so they are set in
// memory.)
func TestPublicURL_Local(t *testing.T) {
	app := testkit.NewApp(t)
	for u, want := range map[string]string{"": "", "http://localhost:8090": "", "http://127.0.0.1": "", "http://[::1]:8090": "",
		"http://0.0.0.0:8090": "", "http://app.localhost": "", "ftp://jiandu.haidian.example": "",
		"https://jiandu.haidian.example/": "https://jiandu.haidian.example", "http://10.1.2.3:8090": "http://10.1.2.3:8090"} {
		app.Settings().Meta.AppURL = u
		got, err := publicurl.Base(app)
		if got != want || (want == "") != (err != nil) {
			t.Errorf("%q: %q %v", u, got, err)
		}
	}
}
