package sync_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	stdsync "sync"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"github.com/haidian/fieldsync/internal/sync"
	"github.com/haidian/fieldsync/internal/testkit"
)

// gatePushes holds every push to app at the door until n have arrived, then lets them all in
// at once: the copies of a push that a phone sent again while the first was still being
// applied. Bind it before Serve.
func gatePushes(app core.App, n int) {
	var arrived stdsync.WaitGroup
	arrived.Add(n)
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		se.Router.BindFunc(func(e *core.RequestEvent) error {
			if e.Request.URL.Path == "/api/sync/v1/push" {
				arrived.Done()
				arrived.Wait()
			}
			return e.Next()
		})
		return se.Next()
	})
}

// answer is one push's HTTP answer, as the phone receives it.
type answer struct {
	status int
	body   []byte
	err    error
}

// pushTogether sends each request at once, from its own goroutine, and returns the answers in
// the order of reqs.
func pushTogether(srv *testkit.Server, token string, reqs []sync.PushRequest) []answer {
	out := make([]answer, len(reqs))
	var wg stdsync.WaitGroup
	for i, req := range reqs {
		wg.Go(func() {
			raw, _ := json.Marshal(req)
			hr, err := http.NewRequest(http.MethodPost, srv.URL+"/api/sync/v1/push", bytes.NewReader(raw))
			if err != nil {
				out[i].err = err
				return
			}
			hr.Header.Set("Authorization", token)
			hr.Header.Set("Content-Type", "application/json")
			res, err := http.DefaultClient.Do(hr)
			if err != nil {
				out[i].err = err
				return
			}
			defer res.Body.Close()
			out[i].status = res.StatusCode
			out[i].body, out[i].err = io.ReadAll(res.Body)
		})
	}
	wg.Wait()
	return out
}

// raceQueue is a day's queue of inspector A: creates, patches, a command, and at mid 3 a
// patch the rules refuse, which rolls back its group and is stored alone as rejected.
func raceQueue(n int) []sync.Mutation {
	place, finding := "raceplace000001", "racefinding0001"
	ms := []sync.Mutation{
		{Op: sync.OpCreate, Coll: "places", ID: place, Data: map[string]any{
			"kind": "venue", "name": "竞态小店", "subdistrict": testkit.SubdistrictA, "address": "重发路 1 号"}},
		{Op: sync.OpCreate, Coll: "findings", ID: finding, Data: map[string]any{
			"programme": "fire", "place": place, "subdistrict": testkit.SubdistrictA,
			"category": "fire.wiring", "severity": "general", "description": "楼道私拉电线"}},
		{Op: sync.OpPatch, Coll: "findings", ID: testkit.Side("finding", "a"), BaseV: 1,
			Set: map[string]any{"status": "closed"}},
		{Op: sync.OpPatch, Coll: "places", ID: place, BaseV: 1, Set: map[string]any{"name": "竞态小店（改名）"}},
		{Op: sync.OpCmd, Coll: "findings", ID: finding, Name: "finding.order@1",
			Args: map[string]any{"deadline": "2018-06-01 00:00:00.000Z", "responsible_party": "店主"}},
	}
	for i := len(ms); i < n; i++ {
		ms = append(ms, sync.Mutation{Op: sync.OpPatch, Coll: "places", ID: place, BaseV: int64(i - 3),
			Set: map[string]any{"address": fmt.Sprintf("重发路 %d 号", i)}})
	}
	for i := range ms[:n] {
		ms[i].MID = int64(i + 1)
	}
	return ms[:n]
}

// storedOnce checks that the server holds one outcome for each of mids 1..n of client and
// applied each change once: the place and finding created once, the place patched once per
// applied patch.
func storedOnce(t *testing.T, app core.App, client string, n int) {
	t.Helper()
	var mids []int64
	if err := app.DB().Select("mid").From("fs_sync_outcomes").Where(dbx.HashExp{"client": client}).
		OrderBy("mid").Column(&mids); err != nil {
		t.Fatal(err)
	}
	if len(mids) != n || mids[0] != 1 || mids[n-1] != int64(n) {
		t.Errorf("stored outcomes for mids %v, want 1..%d", mids, n)
	}
	for _, id := range []string{"raceplace000001", "racefinding0001"} {
		var creates int
		app.DB().NewQuery("SELECT COUNT(*) FROM audit_log WHERE action = 'create' AND record_id = {:id}").
			Bind(dbx.Params{"id": id}).Row(&creates)
		if creates != 1 {
			t.Errorf("%s created %d times", id, creates)
		}
	}
	// The place is created (v1), renamed (mid 4) and moved by every patch after mid 5.
	var v int64
	app.DB().NewQuery("SELECT v FROM fs_sync_records WHERE coll = 'places' AND rid = 'raceplace000001'").Row(&v)
	if want := int64(2 + max(n-5, 0)); v != want {
		t.Errorf("place at v%d, want v%d: a patch was applied twice or not at all", v, want)
	}
	var client0 struct {
		LastMID int64 `db:"last_mid"`
	}
	app.DB().Select("last_mid").From("sync_clients").Where(dbx.HashExp{"client_id": client}).One(&client0)
	if client0.LastMID != int64(n) {
		t.Errorf("client's last mid %d, want %d", client0.LastMID, n)
	}
}

// A phone whose push timed out sends it again while the first is still being applied: every
// copy answers 200 with the same bytes, and each mutation is applied once.
func TestPush_ConcurrentCopiesAnswerAlike(t *testing.T) {
	const copies = 8
	app := testkit.NewApp(t)
	gatePushes(app, copies)
	srv := testkit.Serve(t, app)
	d := newDevice(t, srv, testkit.InspectorA, "device-retry-a")
	req := sync.PushRequest{ClientID: d.id, Mutations: raceQueue(6)}
	reqs := make([]sync.PushRequest, copies)
	for i := range reqs {
		reqs[i] = req
	}
	answers := pushTogether(srv, d.token, reqs)
	for i, a := range answers {
		if a.err != nil || a.status != http.StatusOK {
			t.Fatalf("copy %d: %d %s %v", i, a.status, a.body, a.err)
		}
		if !bytes.Equal(a.body, answers[0].body) {
			t.Errorf("copy %d answers differently:\n%s\n%s", i, a.body, answers[0].body)
		}
	}
	want := []string{sync.Applied, sync.Applied, sync.Rejected, sync.Applied, sync.Applied, sync.Applied}
	for i, r := range results(t, testkit.Response{Body: answers[0].body}) {
		if r.Outcome != want[i] {
			t.Errorf("mid %d: %+v, want %s", r.MID, r, want[i])
		}
	}
	storedOnce(t, app, d.id, 6)
}

// Copies that overlap only in part (a retry of mids 1..5 while mids 1..10 are sent) agree on
// every mid they share, byte for byte.
func TestPush_OverlappingCopiesAgreeOnSharedMids(t *testing.T) {
	const copies = 8
	app := testkit.NewApp(t)
	gatePushes(app, copies)
	srv := testkit.Serve(t, app)
	d := newDevice(t, srv, testkit.InspectorA, "device-overlap-a")
	reqs := make([]sync.PushRequest, copies)
	for i := range reqs {
		reqs[i] = sync.PushRequest{ClientID: d.id, Mutations: raceQueue(5 + 5*(i%2))}
	}
	answers := pushTogether(srv, d.token, reqs)
	byMID := map[int64]json.RawMessage{}
	for i, a := range answers {
		if a.err != nil || a.status != http.StatusOK {
			t.Fatalf("copy %d (%d mids): %d %s %v", i, len(reqs[i].Mutations), a.status, a.body, a.err)
		}
		var body struct {
			Results []json.RawMessage `json:"results"`
		}
		if err := json.Unmarshal(a.body, &body); err != nil || len(body.Results) != len(reqs[i].Mutations) {
			t.Fatalf("copy %d: %s %v", i, a.body, err)
		}
		for j, raw := range body.Results {
			mid := int64(j + 1)
			if seen, ok := byMID[mid]; ok && !bytes.Equal(seen, raw) {
				t.Errorf("mid %d answered differently:\n%s\n%s", mid, seen, raw)
			}
			byMID[mid] = raw
		}
	}
	storedOnce(t, app, d.id, 10)
}

// A create whose id is taken is refused by the primary key, inside a group: it alone is
// rejected as id_taken, the record holding the id keeps its values, and the creates around it
// are applied.
func TestPush_TakenIDIsRefusedByThePrimaryKey(t *testing.T) {
	srv := testkit.Serve(t, testkit.NewApp(t))
	d := newDevice(t, srv, testkit.InspectorA, "device-taken-id")
	finding := func(id, text string) sync.Mutation {
		return sync.Mutation{Op: sync.OpCreate, Coll: "findings", ID: id, Data: map[string]any{
			"programme": "fire", "place": testkit.Side("venue", "a"), "subdistrict": testkit.SubdistrictA,
			"category": "fire.wiring", "severity": "general", "description": text}}
	}
	res := d.push(finding("takenid00000001", "原记录"), finding("takenid00000002", "第二条"),
		finding("takenid00000001", "重复编号"), finding("takenid00000003", "第三条"))
	if res.Status != http.StatusOK {
		t.Fatalf("push: %d %s", res.Status, res.Body)
	}
	var got []string
	for _, r := range results(t, res) {
		got = append(got, r.Outcome+":"+r.Code)
	}
	if want := "[applied: applied: rejected:id_taken applied:]"; fmt.Sprint(got) != want {
		t.Fatalf("outcomes %v, want %s", got, want)
	}
	kept, err := srv.App.FindRecordById("findings", "takenid00000001")
	if err != nil || kept.GetString("description") != "原记录" {
		t.Fatalf("the first record is not kept as it was: %v %v", kept, err)
	}
	if _, err := srv.App.FindRecordById("findings", "takenid00000003"); err != nil {
		t.Fatalf("the create after the refused one: %v", err)
	}
}
