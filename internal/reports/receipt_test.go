package reports_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/pocketbase/dbx"

	"github.com/haidian/fieldsync/internal/access"
	"github.com/haidian/fieldsync/internal/schema"
	"github.com/haidian/fieldsync/internal/testkit"
)

func lookup(t *testing.T, srv *testkit.Server, tracking, receipt string) testkit.Response {
	t.Helper()
	return do(t, srv, http.MethodGet, "/api/fs/reports/"+tracking, nil, "X-Report-Receipt", receipt)
}

func view(t *testing.T, srv *testkit.Server, tracking, receipt string) map[string]any {
	t.Helper()
	res := lookup(t, srv, tracking, receipt)
	if res.Status != http.StatusOK {
		t.Fatalf("view %s: %d %s", tracking, res.Status, res.Body)
	}
	return res.JSON(t)
}

// TestReceipt_LookupAndAddInfo: with the receipt alone the reporter reads the report's status
// and history, and adds information, which the handling staff are told of.
func TestReceipt_LookupAndAddInfo(t *testing.T) {
	srv := newServer(t)
	s := submit(t, srv, report("key-receipt-00000001"), device(), http.StatusCreated)
	v := view(t, srv, s.Tracking, s.Receipt)
	if v["tracking_no"] != s.Tracking || v["status"].(map[string]any)["value"] != "received" ||
		len(v["history"].([]any)) != 1 || len(v["privacy"].([]any)) == 0 {
		t.Fatalf("view: %v", v)
	}
	res := do(t, srv, http.MethodPost, "/api/fs/reports/"+s.Tracking+"/info", map[string]any{"text": "补充：每周六上午 9 点上课，三楼 301 教室"},
		"X-Report-Receipt", s.Receipt)
	if res.Status != http.StatusCreated {
		t.Fatalf("info: %d %s", res.Status, res.Body)
	}
	ups := res.JSON(t)["updates"].([]any)
	if len(ups) != 1 || ups[0].(map[string]any)["kind"].(map[string]any)["value"] != "info" {
		t.Errorf("updates: %v", ups)
	}
	r := reportByTracking(t, srv.App, s.Tracking)
	if n, _ := srv.App.CountRecords(schema.ReportUpdates, dbx.HashExp{"report": r.Id, "subdistrict": testkit.SubdistrictA}); n != 1 {
		t.Errorf("%d updates stored", n)
	}
	if n, _ := srv.App.CountRecords(schema.Notifications, dbx.HashExp{"report": r.Id, "kind": "report_info"}); n != 1 {
		t.Errorf("%d info notifications", n)
	}
	// Empty text, or a dispute before any fix, is refused and stores nothing.
	for path, body := range map[string]map[string]any{
		"/info": {"text": "  "}, "/dispute": {"text": "没有整改"},
	} {
		res := do(t, srv, http.MethodPost, "/api/fs/reports/"+s.Tracking+path, body, "X-Report-Receipt", s.Receipt)
		if res.Status == http.StatusCreated {
			t.Errorf("%s %v accepted", path, body)
		}
	}
	if n, _ := srv.App.CountRecords(schema.ReportUpdates, dbx.HashExp{"report": r.Id}); n != 1 {
		t.Errorf("%d updates after refusals", n)
	}
}

// receiptKey is the install's signing key, as an attacker who stole it would have it.
func receiptKey(t *testing.T, srv *testkit.Server) []byte {
	t.Helper()
	var secret []byte
	if err := srv.App.DB().NewQuery("SELECT secret FROM fs_receipt_keys WHERE kid = 'k1'").Row(&secret); err != nil {
		t.Fatal(err)
	}
	return secret
}

// claimsOf decodes a receipt's claims without checking it.
func claimsOf(t *testing.T, receipt string) jwt.MapClaims {
	t.Helper()
	parts := strings.Split(receipt, ".")
	data, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var c jwt.MapClaims
	if err := json.Unmarshal(data, &c); err != nil {
		t.Fatal(err)
	}
	return c
}

func sign(t *testing.T, method jwt.SigningMethod, claims jwt.MapClaims, key any) string {
	t.Helper()
	tok := jwt.NewWithClaims(method, claims)
	tok.Header["kid"] = "k1"
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func with(c jwt.MapClaims, k string, v any) jwt.MapClaims {
	out := jwt.MapClaims{}
	for key, val := range c {
		out[key] = val
	}
	if v == nil {
		delete(out, k)
	} else {
		out[k] = v
	}
	return out
}

// TestReceipt_Negative: every receipt that is not the report's own valid one is refused the
// same way, at every route, and says nothing of why.
func TestReceipt_Negative(t *testing.T) {
	srv := newServer(t)
	a := submit(t, srv, report("key-negative-0000001"), device(), http.StatusCreated)
	other := report("key-negative-0000002")
	other["category"] = "tutoring.fees"
	b := submit(t, srv, other, device(), http.StatusCreated)
	key := receiptKey(t, srv)
	c := claimsOf(t, a.Receipt)
	none := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT","kid":"k1"}`)) + "." +
		strings.Split(a.Receipt, ".")[1] + "."
	cases := map[string]string{
		"no receipt":                 "",
		"garbage":                    "not-a-receipt",
		"three garbage parts":        "a.b.c",
		"signed with a wrong key":    sign(t, jwt.SigningMethodHS256, c, []byte("an attacker's guess of the secret key.")),
		"alg none":                   none,
		"HS512 with the real key":    sign(t, jwt.SigningMethodHS512, c, key),
		"another report's receipt":   b.Receipt,
		"wrong audience":             sign(t, jwt.SigningMethodHS256, with(c, "aud", "fieldsync/other"), key),
		"wrong issuer":               sign(t, jwt.SigningMethodHS256, with(c, "iss", "someone"), key),
		"no expiry":                  sign(t, jwt.SigningMethodHS256, with(c, "exp", nil), key),
		"an id never issued":         sign(t, jwt.SigningMethodHS256, with(c, "jti", "00112233445566778899aabbccddeeff"), key),
		"another report as subject":  sign(t, jwt.SigningMethodHS256, with(c, "sub", reportByTracking(t, srv.App, b.Tracking).Id), key),
		"receipt with a tampered id": a.Receipt[:len(a.Receipt)-2] + "xx",
	}
	for name, receipt := range cases {
		testClock.advance(3 * time.Minute) // these are not the guesses TestReceipt_Guessing holds back
		t.Run(name, func(t *testing.T) {
			for _, req := range []struct{ method, path string }{
				{http.MethodGet, ""}, {http.MethodPost, "/info"}, {http.MethodPost, "/dispute"},
			} {
				res := do(t, srv, req.method, "/api/fs/reports/"+a.Tracking+req.path, map[string]any{"text": "补充信息"},
					"X-Report-Receipt", receipt)
				if res.Status != http.StatusForbidden || !strings.Contains(string(res.Body), `"receipt_invalid"`) {
					t.Errorf("%s %s: %d %s", req.method, req.path, res.Status, res.Body)
				}
			}
		})
	}
	if n, _ := srv.App.CountRecords(schema.ReportUpdates, dbx.HashExp{"report": reportByTracking(t, srv.App, a.Tracking).Id}); n != 0 {
		t.Errorf("refused receipts stored %d updates", n)
	}
	// The genuine receipt still works; revoked, it does not; expired, it does not.
	if res := lookup(t, srv, a.Tracking, a.Receipt); res.Status != http.StatusOK {
		t.Fatalf("genuine receipt: %d %s", res.Status, res.Body)
	}
	row, err := srv.App.FindFirstRecordByFilter(schema.ReportReceipts, "report = {:r}", dbx.Params{"r": reportByTracking(t, srv.App, b.Tracking).Id})
	if err != nil {
		t.Fatal(err)
	}
	row.Set("revoked", true)
	access.AsSystem(row)
	if err := srv.App.Save(row); err != nil {
		t.Fatal(err)
	}
	if res := lookup(t, srv, b.Tracking, b.Receipt); res.Status != http.StatusForbidden {
		t.Errorf("revoked receipt: %d %s", res.Status, res.Body)
	}
	testClock.advance(2*365*24*time.Hour + time.Hour)
	if res := lookup(t, srv, a.Tracking, a.Receipt); res.Status != http.StatusForbidden {
		t.Errorf("expired receipt: %d %s", res.Status, res.Body)
	}
}

// TestReceipt_Guessing: an address that keeps failing is held back, even with a good receipt.
func TestReceipt_Guessing(t *testing.T) {
	srv := newServer(t)
	a := submit(t, srv, report("key-guessing-0000001"), device(), http.StatusCreated)
	for i := 0; i < 20; i++ {
		lookup(t, srv, a.Tracking, "guess")
	}
	if res := lookup(t, srv, a.Tracking, a.Receipt); res.Status != http.StatusTooManyRequests {
		t.Errorf("after 20 failures: %d %s", res.Status, res.Body)
	}
	testClock.advance(2 * time.Minute)
	if res := lookup(t, srv, a.Tracking, a.Receipt); res.Status != http.StatusOK {
		t.Errorf("after waiting: %d %s", res.Status, res.Body)
	}
}

// TestReceipt_OperatorKey: the operator's receipt key (FIELDSYNC_RECEIPT_KEY, handed to the
// module through app.Options) signs new receipts; changing it voids the receipts it signed,
// while those signed by the key generated in the database stay valid.
func TestReceipt_OperatorKey(t *testing.T) {
	t.Cleanup(func() { operatorReceiptKey = "" })
	srv := newServer(t)
	generated := submit(t, srv, report("key-opkey-000000001"), device(), http.StatusCreated)

	operatorReceiptKey = strings.Repeat("a", 40)
	srv.Restart()
	signed := submit(t, srv, report("key-opkey-000000002"), device(), http.StatusCreated)
	tok, _, err := jwt.NewParser().ParseUnverified(signed.Receipt, jwt.MapClaims{})
	if err != nil || tok.Header["kid"] != "env" {
		t.Fatalf("receipt not signed by the operator's key: kid %v, %v", tok.Header["kid"], err)
	}
	if _, err := jwt.Parse(signed.Receipt, func(*jwt.Token) (any, error) { return []byte(operatorReceiptKey), nil }); err != nil {
		t.Fatalf("receipt does not verify with the operator's key: %v", err)
	}
	view(t, srv, signed.Tracking, signed.Receipt)
	view(t, srv, generated.Tracking, generated.Receipt)

	for _, key := range []string{strings.Repeat("b", 40), ""} {
		operatorReceiptKey = key
		srv.Restart()
		if res := lookup(t, srv, signed.Tracking, signed.Receipt); res.Status == http.StatusOK {
			t.Errorf("with operator key %q, a receipt of the old key still reads the report", key)
		}
		view(t, srv, generated.Tracking, generated.Receipt)
	}
}
