package ops_test

import (
	"encoding/json"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/haidian/fieldsync/internal/ops"
	"github.com/haidian/fieldsync/internal/schema"
	"github.com/haidian/fieldsync/internal/sync"
	"github.com/haidian/fieldsync/internal/testkit"
)

const (
	pushRoute = `route="/api/sync/v1/push"`
	pullRoute = `route="/api/sync/v1/pull"`
)

// TestMetrics_CountExactlyWhatPhonesDid drives a real server as a phone and a resident would,
// and requires every counter to move by exactly what was done: pulls and pushes with their
// rows, bytes and outcomes, mutations per outcome, photos through the pipeline and refused
// by it, a throttled sign-in, the change log's head and horizon, pending photos.
func TestMetrics_CountExactlyWhatPhonesDid(t *testing.T) {
	srv := testkit.Serve(t, testkit.NewApp(t))
	before, _ := scrape(t, srv)
	token := srv.Token(schema.Users, testkit.InspectorA)
	const client = "phone-metrics-01"
	var bytesIn, bytesOut [2]float64 // pull, push
	post := func(path string, body any, op int) testkit.Response {
		data, _ := json.Marshal(body)
		res := srv.DoRaw(http.MethodPost, path, token, map[string]string{"Content-Type": "application/json"}, data)
		if op >= 0 {
			bytesIn[op] += float64(len(data))
			bytesOut[op] += float64(len(res.Body))
		}
		return res
	}

	if res := post("/api/sync/v1/clients", sync.ClientRequest{ClientID: client, AppVersion: "test",
		SchemaVersion: sync.SchemaVersion}, -1); res.Status != http.StatusOK {
		t.Fatalf("register: %d %s", res.Status, res.Body)
	}
	pull := post("/api/sync/v1/pull", sync.PullRequest{ClientID: client, Scopes: map[sync.Scope]sync.ScopeRequest{}}, 0)
	var pulled sync.PullResponse
	if err := json.Unmarshal(pull.Body, &pulled); err != nil || pull.Status != http.StatusOK {
		t.Fatalf("pull: %d %s", pull.Status, pull.Body)
	}
	rows := 0
	for _, sr := range pulled.Scopes {
		rows += len(sr.Changes)
	}
	if rows == 0 {
		t.Fatal("the pull sent no changes: nothing to count")
	}

	finding := func(mid int64, id, subdistrict string) sync.Mutation {
		return sync.Mutation{MID: mid, Op: sync.OpCreate, Coll: "findings", ID: id, Data: map[string]any{
			"programme": "fire", "place": testkit.Side("venue", "a"), "subdistrict": subdistrict,
			"category": "fire.wiring", "severity": "general", "description": "楼道私拉电线"}}
	}
	batch := sync.PushRequest{ClientID: client, Mutations: []sync.Mutation{
		finding(1, "metricsfinding1", testkit.SubdistrictA),
		finding(2, "metricsfinding2", testkit.SubdistrictA),
		finding(3, "metricsfinding3", testkit.SubdistrictB), // not the inspector's: rejected
	}}
	first := post("/api/sync/v1/push", batch, 1)
	outcomes := map[string]int{}
	var pushed struct {
		Results []sync.Result `json:"results"`
	}
	if err := json.Unmarshal(first.Body, &pushed); err != nil || first.Status != http.StatusOK {
		t.Fatalf("push: %d %s", first.Status, first.Body)
	}
	for _, r := range pushed.Results {
		outcomes[r.Outcome]++
	}
	if outcomes[sync.Applied] != 2 || outcomes[sync.Rejected] != 1 {
		t.Fatalf("outcomes %v, want 2 applied and 1 rejected", outcomes)
	}
	if res := post("/api/sync/v1/push", batch, 1); res.Status != http.StatusOK { // a lost answer: sent again
		t.Fatalf("push again: %d %s", res.Status, res.Body)
	}
	void := sync.Mutation{MID: 4, Op: sync.OpVoid, Coll: "findings", ID: "metricsfinding2", BaseV: 1}
	voided := post("/api/sync/v1/push", sync.PushRequest{ClientID: client, Mutations: []sync.Mutation{void}}, 1)
	if err := json.Unmarshal(voided.Body, &pushed); err != nil || voided.Status != http.StatusOK ||
		len(pushed.Results) != 1 || pushed.Results[0].Outcome != sync.Applied {
		t.Fatalf("void: %d %s", voided.Status, voided.Body)
	}
	outcomes[sync.Applied]++
	gap := sync.Mutation{MID: 9, Op: sync.OpVoid, Coll: "findings", ID: "metricsfinding1", BaseV: 1}
	if res := post("/api/sync/v1/push", sync.PushRequest{ClientID: client, Mutations: []sync.Mutation{gap}}, 1); res.Status != http.StatusConflict {
		t.Fatalf("gap: %d %s", res.Status, res.Body)
	}

	// A district administrator deletes a finding, which leaves a removal marker; compacting
	// everything raises the horizon to it.
	admin := srv.Token("_superusers", testkit.Superuser)
	if res := srv.Do(http.MethodDelete, "/api/collections/findings/records/metricsfinding2", admin, nil); res.Status != http.StatusNoContent {
		t.Fatalf("delete: %d %s", res.Status, res.Body)
	}
	var marker int64
	if err := srv.App.DB().NewQuery("SELECT MAX(seq) FROM fs_sync_changes WHERE op = 'remove'").Row(&marker); err != nil {
		t.Fatal(err)
	}
	if n, err := sync.Compact(srv.App, time.Now().Add(time.Hour)); err != nil || n == 0 {
		t.Fatalf("compact: %d markers, %v", n, err)
	}

	// A photo record waits for its bytes; the inspector uploads them; a file that is no image
	// is refused.
	photo := photoJPEG(t, 64, 48, 7, false)
	testkit.Save(t, srv.App, schema.Photos, "metricsphoto001", map[string]any{
		"sha256": sha(photo), "subdistrict": testkit.SubdistrictA, "status": "pending"})
	waiting, _ := scrape(t, srv)
	if status, body := upload(t, srv, token, photo); status != http.StatusOK {
		t.Fatalf("upload: %d %s", status, body)
	}
	status, body := upload(t, srv, token, []byte(strings.Repeat("not a photo ", 100)))
	var refusal struct {
		Code string `json:"code"`
	}
	if json.Unmarshal(body, &refusal); status != http.StatusBadRequest || refusal.Code == "" {
		t.Fatalf("a file that is no image: %d %s", status, body)
	}

	// Six wrong passwords: the sixth is throttled.
	throttled := 0
	for range 6 {
		res := post("/api/collections/users/auth-with-password", map[string]string{
			"identity": "inspectora@fieldsync.test", "password": "wrong-password"}, -1)
		if res.Status == http.StatusTooManyRequests {
			throttled++
		}
	}
	if throttled == 0 {
		t.Fatal("no sign-in was throttled: nothing to count")
	}

	after, _ := scrape(t, srv)
	var head int64
	if err := srv.App.DB().NewQuery("SELECT seq FROM fs_sync_head").Row(&head); err != nil {
		t.Fatal(err)
	}
	want := []struct {
		series string
		moved  float64
	}{
		{`fieldsync_sync_requests_total{op="pull",outcome="ok"}`, 1},
		{`fieldsync_sync_requests_total{op="push",outcome="ok"}`, 3},
		{`fieldsync_sync_requests_total{op="push",outcome="gap"}`, 1},
		{`fieldsync_sync_rows_total{op="pull"}`, float64(rows)},
		{`fieldsync_sync_rows_total{op="push"}`, 3 + 3 + 1 + 1},
		{`fieldsync_sync_bytes_total{direction="in",op="pull"}`, bytesIn[0]},
		{`fieldsync_sync_bytes_total{direction="out",op="pull"}`, bytesOut[0]},
		{`fieldsync_sync_bytes_total{direction="in",op="push"}`, bytesIn[1]},
		{`fieldsync_sync_bytes_total{direction="out",op="push"}`, bytesOut[1]},
		{`fieldsync_sync_mutations_total{outcome="applied"}`, float64(outcomes[sync.Applied])},
		{`fieldsync_sync_mutations_total{outcome="rejected"}`, float64(outcomes[sync.Rejected])},
		{`fieldsync_sync_mutations_total{outcome="replayed"}`, 3},
		{`fieldsync_http_requests_total{method="POST",` + pushRoute + `,status="200"}`, 3},
		{`fieldsync_http_requests_total{method="POST",` + pushRoute + `,status="409"}`, 1},
		{`fieldsync_http_requests_total{method="POST",` + pullRoute + `,status="200"}`, 1},
		{`fieldsync_http_request_duration_seconds_count{method="POST",` + pushRoute + `}`, 4},
		{`fieldsync_photo_pipeline_seconds_count{outcome="stored"}`, 1},
		{`fieldsync_photo_pipeline_seconds_count{outcome="refused"}`, 1},
		{`fieldsync_photo_refusals_total{code="` + refusal.Code + `"}`, 1},
		{`fieldsync_rate_limited_total{route="/api/collections/{collection}/auth-with-password"}`, float64(throttled)},
		{`fieldsync_photos_pending`, 0}, // one more, then its bytes came
	}
	for _, w := range want {
		if got := delta(before, after, w.series); got != w.moved {
			t.Errorf("%s moved by %v, want %v", w.series, got, w.moved)
		}
	}
	documented(t, srv)
	if got := delta(before, waiting, "fieldsync_photos_pending"); got != 1 {
		t.Errorf("pending photos rose by %v while one waited, want 1", got)
	}
	if got := after["fieldsync_changelog_head_seq"]; got != float64(head) {
		t.Errorf("change-log head %v, want %d", got, head)
	}
	if got := after["fieldsync_changelog_horizon_seq"]; got != float64(marker) || marker == 0 {
		t.Errorf("compaction horizon %v, want the void's marker %d", got, marker)
	}
}

// TestMetrics_NoIdsInLabels: requests naming records, users, subdistricts and devices in
// their paths and bodies leave none of those names in the metrics; a route is its pattern.
func TestMetrics_NoIdsInLabels(t *testing.T) {
	srv := testkit.Serve(t, testkit.NewApp(t))
	token := srv.Token(schema.Users, testkit.InspectorA)
	const client = "phone-secret-device-77"
	srv.Do(http.MethodPost, "/api/sync/v1/clients", token, sync.ClientRequest{ClientID: client,
		AppVersion: "test", SchemaVersion: sync.SchemaVersion})
	srv.Do(http.MethodPost, "/api/sync/v1/pull", token, sync.PullRequest{ClientID: client})
	paths := []string{
		"/api/collections/findings/records/" + testkit.Side("finding", "a"),
		"/api/collections/users/records/" + testkit.InspectorB,
		"/api/collections/subdistricts/records/" + testkit.SubdistrictB,
		"/api/fs/photos/" + testkit.Side("photo", "a") + "/thumb",
		"/api/no/such/route/" + testkit.Side("venue", "b"),
		"/console/" + testkit.SupervisorA,
	}
	for _, p := range paths {
		srv.Do(http.MethodGet, p, token, nil)
	}
	// A method nobody registered: not a label value of its own.
	srv.DoRaw("BREW", "/api/fs/ready", "", nil, nil)

	got, text := scrape(t, srv)
	for _, secret := range []string{testkit.InspectorA, testkit.InspectorB, testkit.SupervisorA,
		testkit.SubdistrictA, testkit.SubdistrictB, testkit.Side("finding", "a"), testkit.Side("photo", "a"),
		testkit.Side("venue", "b"), client, "BREW"} {
		if strings.Contains(text, secret) {
			t.Errorf("the metrics name %q", secret)
		}
	}
	for _, series := range []string{
		`fieldsync_http_requests_total{method="GET",route="/api/collections/{collection}/records/{id}",status="404"}`,
		`fieldsync_http_requests_total{method="GET",route="/api/fs/photos/{id}/{variant}",status="404"}`,
		`fieldsync_http_requests_total{method="GET",route="/",status="404"}`,
		`fieldsync_http_requests_total{method="other",route="/",status="404"}`,
	} {
		if got[series] == 0 {
			t.Errorf("no %s", series)
		}
	}
	if t.Failed() {
		t.Logf("metrics:\n%s", text)
	}
}

// TestMetrics_ReadableOnlyWithTokenOrAdmin: the metrics are refused to anonymous callers, to
// a wrong or unprefixed token, and to staff; a district administrator and the scraper's token
// read them.
func TestMetrics_ReadableOnlyWithTokenOrAdmin(t *testing.T) {
	srv := testkit.Serve(t, testkit.NewApp(t))
	for _, c := range []struct {
		name, auth string
		status     int
	}{
		{"nobody", "", http.StatusUnauthorized},
		{"a wrong token", "Bearer " + metricsToken + "x", http.StatusUnauthorized},
		{"the token without Bearer", metricsToken, http.StatusUnauthorized},
		{"a prefix of the token", "Bearer " + metricsToken[:len(metricsToken)-1], http.StatusUnauthorized},
		{"a supervisor", srv.Token(schema.Users, testkit.SupervisorA), http.StatusForbidden},
		{"the scraper's token", "Bearer " + metricsToken, http.StatusOK},
		{"a district administrator", srv.Token("_superusers", testkit.Superuser), http.StatusOK},
	} {
		res := get(t, srv, "/metrics", c.auth)
		if res.Status != c.status {
			t.Errorf("%s: %d, want %d", c.name, res.Status, c.status)
		}
		refused := strings.Contains(string(res.Body), `"code":"metrics_unauthorized"`)
		if (c.status != http.StatusOK) != refused || (c.status == http.StatusOK) != strings.Contains(string(res.Body), "fieldsync_http_requests_total") {
			t.Errorf("%s: body %.200s", c.name, res.Body)
		}
	}
}

// upload announces data as a staff upload and sends it in one PATCH; it returns the last
// answer.
func upload(t *testing.T, srv *testkit.Server, token string, data []byte) (int, []byte) {
	t.Helper()
	res := srv.Do(http.MethodPost, "/api/fs/blobs/uploads", token,
		map[string]any{"sha256": sha(data), "size": len(data), "mime": "image/jpeg"})
	if res.Status != http.StatusCreated {
		return res.Status, res.Body
	}
	id, _ := res.JSON(t)["id"].(string)
	res = srv.DoRaw(http.MethodPatch, "/api/fs/blobs/uploads/"+id, token, map[string]string{
		"Upload-Offset": "0", "Content-Type": "application/offset+octet-stream", "Tus-Resumable": "1.0.0",
		"Content-Length": strconv.Itoa(len(data))}, data)
	return res.Status, res.Body
}

// documented checks that every metric the sample alert rules and the dashboard use exists:
// called after traffic that gives every labelled series a value, with a replicator
// registered as the replication module would.
func documented(t *testing.T, srv *testkit.Server) {
	t.Helper()
	opsOf(srv.App).ReportReplication(func() ops.Replication { return ops.Replication{Lag: 1} })
	_, text := scrape(t, srv)
	rules, err := os.ReadFile("../../docs/ops/alerts.yml")
	if err != nil {
		t.Fatal(err)
	}
	var parsed struct {
		Groups []struct {
			Rules []struct {
				Alert string `yaml:"alert"`
				Expr  string `yaml:"expr"`
			} `yaml:"rules"`
		} `yaml:"groups"`
	}
	if err := yaml.Unmarshal(rules, &parsed); err != nil {
		t.Fatalf("docs/ops/alerts.yml: %v", err)
	}
	if len(parsed.Groups) == 0 || len(parsed.Groups[0].Rules) == 0 {
		t.Fatal("docs/ops/alerts.yml holds no rules")
	}
	for _, r := range parsed.Groups[0].Rules {
		if r.Alert == "" || r.Expr == "" {
			t.Errorf("docs/ops/alerts.yml: a rule without alert or expr: %+v", r)
		}
	}
	dashboard, err := os.ReadFile("../../docs/ops/dashboard.md")
	if err != nil {
		t.Fatal(err)
	}
	names := metricName.FindAllString(string(rules)+string(dashboard), -1)
	if len(names) < 10 {
		t.Fatalf("the docs name %d metrics: nothing to check", len(names))
	}
	for _, name := range names {
		if !strings.Contains(text, "\n"+name+"{") && !strings.Contains(text, "\n"+name+" ") {
			t.Errorf("the docs use %s, which the server does not publish", name)
		}
	}
}

var metricName = regexp.MustCompile(`fieldsync_[a-z0-9_]+`)
