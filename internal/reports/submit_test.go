package reports_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"

	"github.com/haidian/fieldsync/internal/schema"
	"github.com/haidian/fieldsync/internal/testkit"
)

// TestSubmit_Anonymous: a resident without an account reports a centre picked from its QR
// code; the report is stored with its contact apart, the supervisors of the subdistrict are
// told, and the answer carries a tracking number and a receipt, never the contact.
func TestSubmit_Anonymous(t *testing.T) {
	srv := newServer(t)
	form := do(t, srv, http.MethodGet, "/api/fs/reports/form", nil)
	if form.Status != http.StatusOK || !strings.Contains(string(form.Body), "督办主管") || !strings.Contains(string(form.Body), "tutoring.exam_cramming") {
		t.Fatalf("form: %d %s", form.Status, form.Body)
	}
	res := do(t, srv, http.MethodPost, "/api/fs/reports", report("key-anonymous-000001"), "X-Fieldsync-Device", device())
	if res.Status != http.StatusCreated {
		t.Fatalf("submit: %d %s", res.Status, res.Body)
	}
	for _, p := range contactParts {
		if strings.Contains(string(res.Body), p) {
			t.Errorf("the answer shows the contact %q: %s", p, res.Body)
		}
	}
	var out submitted
	if err := json.Unmarshal(res.Body, &out); err != nil || !strings.HasPrefix(out.Tracking, "HD-") || out.Receipt == "" || out.Status.Value != "received" {
		t.Fatalf("answer: %s %v", res.Body, err)
	}
	r := reportByTracking(t, srv.App, out.Tracking)
	if r.GetString("subdistrict") != testkit.SubdistrictA || r.GetString("source") != "web" || r.GetString("submission_key") == "key-anonymous-000001" {
		t.Errorf("stored: %v", r.FieldsData())
	}
	c, err := srv.App.FindFirstRecordByFilter(schema.ReportContacts, "report = {:r}", dbx.Params{"r": r.Id})
	if err != nil || c.GetString("phone") != "13911112222" {
		t.Errorf("contact: %v %v", c, err)
	}
	if n, _ := srv.App.CountRecords(schema.Notifications, dbx.HashExp{"report": r.Id, "user": testkit.SupervisorA, "kind": "report_received"}); n != 1 {
		t.Errorf("supervisor A notified %d times", n)
	}
	if n, _ := srv.App.CountRecords(schema.Notifications, dbx.HashExp{"report": r.Id, "user": testkit.SupervisorB}); n != 0 {
		t.Errorf("supervisor B notified of A's report")
	}
	// The id on the centre's QR code (public_centres) names its place.
	qr := report("key-anonymous-000002")
	delete(qr, "place")
	qr["centre"], qr["category"] = testkit.Side("centre", "a"), "tutoring.fees"
	if r := reportByTracking(t, srv.App, submit(t, srv, qr, device(), http.StatusCreated).Tracking); r.GetString("place") != testkit.Side("centreplace", "a") {
		t.Errorf("QR code: %v", r.FieldsData())
	}
	qr["centre"], qr["idempotency_key"] = testkit.Side("household", "a"), "key-anonymous-000003"
	submit(t, srv, qr, device(), http.StatusBadRequest)
	// An address and a map point instead of a registered place; the subdistrict is found from
	// the registered places nearby.
	at := map[string]any{"category": "dust", "address": "测试路 1 号东侧空地", "location": map[string]any{"lon": 116.3001, "lat": 39.9001},
		"description": "工地土堆没有苫盖，刮风满天土"}
	free := submit(t, srv, at, device(), http.StatusCreated)
	if r := reportByTracking(t, srv.App, free.Tracking); r.GetString("place") != "" || r.GetString("subdistrict") == "" {
		t.Errorf("free address: %v", r.FieldsData())
	}
}

// TestSubmit_RetrySameKey: a retried submission counts once and gets a receipt again; the same
// key with another report is refused.
func TestSubmit_RetrySameKey(t *testing.T) {
	srv := newServer(t)
	dev := device()
	first := submit(t, srv, report("key-retry-0000000001"), dev, http.StatusCreated)
	again := submit(t, srv, report("key-retry-0000000001"), dev, http.StatusOK)
	if again.Tracking != first.Tracking || again.Receipt == "" {
		t.Fatalf("retry: %+v vs %+v", again, first)
	}
	if n, _ := srv.App.CountRecords(schema.Reports, dbx.HashExp{"tracking_no": first.Tracking}); n != 1 {
		t.Fatalf("%d reports", n)
	}
	if n, _ := srv.App.CountRecords(schema.ReportContacts); n != 3 { // the fixture's two and this one
		t.Errorf("%d contacts", n)
	}
	// Both receipts open the report.
	for _, rc := range []string{first.Receipt, again.Receipt} {
		if res := lookup(t, srv, first.Tracking, rc); res.Status != http.StatusOK {
			t.Errorf("receipt: %d %s", res.Status, res.Body)
		}
	}
	other := report("key-retry-0000000001")
	other["description"] = "另一件事：机构虚假宣传"
	res := do(t, srv, http.MethodPost, "/api/fs/reports", other, "X-Fieldsync-Device", dev)
	if res.Status != http.StatusConflict || !strings.Contains(string(res.Body), "idempotency_key_reused") {
		t.Errorf("reused key: %d %s", res.Status, res.Body)
	}
	// The header works as well as the field.
	body := report("")
	delete(body, "idempotency_key")
	h1 := do(t, srv, http.MethodPost, "/api/fs/reports", body, "Idempotency-Key", "key-header-000000001", "X-Fieldsync-Device", dev)
	h2 := do(t, srv, http.MethodPost, "/api/fs/reports", body, "Idempotency-Key", "key-header-000000001", "X-Fieldsync-Device", dev)
	if h1.Status != http.StatusCreated || h2.Status != http.StatusOK {
		t.Errorf("header key: %d %d", h1.Status, h2.Status)
	}
}

// TestSubmit_Invalid: bad input is refused with field codes and stores nothing.
func TestSubmit_Invalid(t *testing.T) {
	srv := newServer(t)
	with := func(k string, v any) map[string]any {
		b := report("")
		delete(b, "idempotency_key")
		if v == nil {
			delete(b, k)
		} else {
			b[k] = v
		}
		return b
	}
	cases := []struct {
		name  string
		body  any
		field string
	}{
		{"unknown category", with("category", "noise"), "category"},
		{"no description", with("description", nil), "description"},
		{"short description", with("description", "不好"), "description"},
		{"no place at all", map[string]any{"category": "fire", "description": "楼道堆满杂物，堵住了安全出口"}, "place"},
		{"unknown place", with("place", "nosuchplace0000"), "place"},
		{"point outside Beijing", map[string]any{"category": "dust", "address": "x", "location": map[string]any{"lon": 39.9, "lat": 116.3},
			"description": "工地扬尘很大很大"}, "location"},
		{"address without subdistrict far from any place", map[string]any{"category": "dust", "address": "远郊某处",
			"description": "工地扬尘很大很大"}, "subdistrict"},
		{"bad phone", with("contact", map[string]any{"phone": "call me maybe"}), "contact.phone"},
		{"bad e-mail", with("contact", map[string]any{"email": "not-an-address"}), "contact.email"},
		{"short key", with("idempotency_key", "abc"), "idempotency_key"},
		{"too many photos", with("photos", []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k"}), "photos"},
		{"staff photo", with("photos", []string{testkit.Side("photo", "a")}), "photos"},
		{"unknown field", with("status", "fixed"), ""},
		{"not JSON", "{", ""},
	}
	before, _ := srv.App.CountRecords(schema.Reports)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := do(t, srv, http.MethodPost, "/api/fs/reports", tc.body, "X-Fieldsync-Device", device())
			if res.Status != http.StatusBadRequest {
				t.Fatalf("want 400, got %d %s", res.Status, res.Body)
			}
			var body struct {
				Code string
				Data struct{ Fields map[string]string }
			}
			if err := json.Unmarshal(res.Body, &body); err != nil || body.Code == "" {
				t.Fatalf("error body %s: %v", res.Body, err)
			}
			if tc.field != "" && body.Data.Fields[tc.field] == "" {
				t.Errorf("no code for %s: %s", tc.field, res.Body)
			}
		})
	}
	if after, _ := srv.App.CountRecords(schema.Reports); after != before {
		t.Errorf("refused submissions stored %d reports", after-before)
	}
	if n, _ := srv.App.CountRecords(schema.ReportContacts); n != 2 {
		t.Errorf("refused submissions stored contacts: %d", n)
	}
}

// TestSubmit_RateLimit: one device is held back after its burst, with Retry-After, while
// other devices behind the same address (a school's parents behind one carrier NAT) still
// report; the device may report again once its bucket refills. The address's own bucket
// stops a flood of invented device ids.
func TestSubmit_RateLimit(t *testing.T) {
	srv := newServer(t)
	body := func(i int) map[string]any {
		return map[string]any{"category": "fire", "address": "测试小区 2 号楼楼道", "subdistrict": testkit.SubdistrictA,
			"description": "楼道里电动车充电，电线从窗户拉出来 #" + string(rune('A'+i%26))}
	}
	dev := device()
	for i := 0; i < 6; i++ {
		submit(t, srv, body(i), dev, http.StatusCreated)
	}
	res := do(t, srv, http.MethodPost, "/api/fs/reports", body(7), "X-Fieldsync-Device", dev)
	if res.Status != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" || !strings.Contains(string(res.Body), "rate_limited") {
		t.Fatalf("7th from one device: %d %s", res.Status, res.Body)
	}
	// Thirty other parents behind the same address are not held back.
	for i := 0; i < 30; i++ {
		submit(t, srv, body(i), device(), http.StatusCreated)
	}
	testClock.advance(10 * time.Minute)
	submit(t, srv, body(8), dev, http.StatusCreated)
	// A flood of invented device ids meets the address's bucket (120 at once).
	var last int
	for i := 0; i < 130 && last != http.StatusTooManyRequests; i++ {
		last = do(t, srv, http.MethodPost, "/api/fs/reports", body(i), "X-Fieldsync-Device", device()).Status
	}
	if last != http.StatusTooManyRequests {
		t.Errorf("the address was never held back")
	}
}

// TestSubmit_Duplicate: a second report of the same place and category joins the open case;
// another category, or the same after the window, opens a new one.
func TestSubmit_Duplicate(t *testing.T) {
	srv := newServer(t)
	first := submit(t, srv, report("key-dup-000000000001"), device(), http.StatusCreated)
	second := submit(t, srv, report("key-dup-000000000002"), device(), http.StatusCreated)
	if second.Status.Value != "duplicate" || second.DuplicateOf != first.Tracking {
		t.Fatalf("second: %+v", second)
	}
	if r := reportByTracking(t, srv.App, second.Tracking); r.GetString("duplicate_of") != reportByTracking(t, srv.App, first.Tracking).Id {
		t.Errorf("not linked: %v", r.FieldsData())
	}
	// Only the open case was announced to the supervisors.
	if n, _ := srv.App.CountRecords(schema.Notifications, dbx.HashExp{"kind": "report_received"}); n != 1 {
		t.Errorf("%d announcements", n)
	}
	// The duplicate's reporter follows the open case.
	v := view(t, srv, second.Tracking, second.Receipt)
	if v["duplicate_of"] != first.Tracking {
		t.Errorf("view of the duplicate: %v", v)
	}
	other := report("key-dup-000000000003")
	other["category"] = "tutoring.fees"
	if o := submit(t, srv, other, device(), http.StatusCreated); o.Status.Value != "received" {
		t.Errorf("another category: %+v", o)
	}
	// Free addresses: within 50 m is the same case, farther is not.
	near := func(key string, lon float64) submitted {
		return submit(t, srv, map[string]any{"idempotency_key": key, "category": "dust", "address": "空地",
			"subdistrict": testkit.SubdistrictA, "location": map[string]any{"lon": lon, "lat": 39.95},
			"description": "工地土堆没有苫盖"}, device(), http.StatusCreated)
	}
	a := near("key-near-00000000001", 116.3000)
	if b := near("key-near-00000000002", 116.3003); b.DuplicateOf != a.Tracking { // about 26 m
		t.Errorf("26 m away: %+v", b)
	}
	if c := near("key-near-00000000003", 116.3020); c.DuplicateOf != "" { // about 170 m
		t.Errorf("170 m away: %+v", c)
	}
	testClock.advance(31 * 24 * time.Hour)
	if late := submit(t, srv, report("key-dup-000000000004"), device(), http.StatusCreated); late.DuplicateOf != "" {
		t.Errorf("after the window: %+v", late)
	}
}
