package sync_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	stdsync "sync"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"github.com/haidian/fieldsync/internal/app"
	"github.com/haidian/fieldsync/internal/sync"
	"github.com/haidian/fieldsync/internal/testkit"
)

// metricsToken is the scraper's token of every test app here.
const metricsToken = "sync-test-scraper-token-0123456789"

// appWithPushMaxWait is a test app whose pushes are turned away beyond wait.
func appWithPushMaxWait(t *testing.T, wait time.Duration) *tests.TestApp {
	t.Helper()
	return testkit.NewAppWith(t, func(a core.App) {
		o := options()
		o.Settings.PushMaxWait = wait
		app.BindWith(a, o)
	})
}

// metric reads one sample of /metrics.
func metric(t *testing.T, srv *testkit.Server, sample string) float64 {
	t.Helper()
	return srv.Metric(t, "Bearer "+metricsToken, sample)
}

// waitQueue waits until n pushes hold or wait for the writer's turn, as the metrics show it.
func waitQueue(t *testing.T, srv *testkit.Server, n int) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for metric(t, srv, `fieldsync_sync_push_queue{what="pushes"}`) != float64(n) {
		if time.Now().After(deadline) {
			t.Fatalf("the push queue never reached %d pushes", n)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// placePush is a push of n new places, mids 1..n, of the phone numbered phone.
func placePush(phone, n int) sync.PushRequest {
	req := sync.PushRequest{ClientID: fmt.Sprintf("admit-phone-%02d", phone)}
	for i := range n {
		req.Mutations = append(req.Mutations, sync.Mutation{MID: int64(i + 1), Op: sync.OpCreate, Coll: "places",
			ID: placeID(phone, i), Data: map[string]any{"kind": "venue", "name": fmt.Sprintf("排队小店 %d-%d", phone, i),
				"subdistrict": testkit.SubdistrictA, "address": "先来路 1 号"}})
	}
	return req
}

func placeID(phone, i int) string { return fmt.Sprintf("admitplace%02d%03d", phone, i) }

// registerPhones registers n phones of inspector A and returns the token.
func registerPhones(t *testing.T, srv *testkit.Server, n int) string {
	t.Helper()
	token := srv.Token("users", testkit.InspectorA)
	for p := range n {
		res := srv.Do(http.MethodPost, "/api/sync/v1/clients", token, sync.ClientRequest{
			ClientID: placePush(p, 0).ClientID, AppVersion: "test", SchemaVersion: sync.SchemaVersion})
		if res.Status != http.StatusOK {
			t.Fatalf("register phone %d: %d %s", p, res.Status, res.Body)
		}
	}
	return token
}

// pushAsync sends req in the background; the answer arrives on the returned channel.
func pushAsync(srv *testkit.Server, token string, req sync.PushRequest) <-chan testkit.Response {
	out := make(chan testkit.Response, 1)
	go func() { out <- srv.Do(http.MethodPost, "/api/sync/v1/push", token, req) }()
	return out
}

// TestPush_AdmittedInArrivalOrder: pushes that queue for the writer commit in the order they
// arrived. The writer is held while they arrive one after another, so all of them wait; the
// database's own pool would hand the freed writer to any one of them.
func TestPush_AdmittedInArrivalOrder(t *testing.T) {
	const phones = 8
	app := appWithPushMaxWait(t, 0)
	srv := testkit.Serve(t, app)
	token := registerPhones(t, srv, phones)
	release := testkit.HoldWriter(t, app)
	var answers []<-chan testkit.Response
	for p := range phones {
		answers = append(answers, pushAsync(srv, token, placePush(p, 3)))
		waitQueue(t, srv, p+1)
	}
	if got := metric(t, srv, `fieldsync_sync_push_queue{what="mutations"}`); got != 3*phones {
		t.Errorf("%v mutations queued, want %d", got, 3*phones)
	}
	release()
	for p, ch := range answers {
		if res := <-ch; res.Status != http.StatusOK {
			t.Fatalf("phone %d: %d %s", p, res.Status, res.Body)
		}
	}
	var order []string
	// The change log numbers changes as they commit; placeID puts the phone at 11-12.
	err := app.DB().NewQuery(`SELECT substr(rid, 11, 2) AS phone FROM fs_sync_changes
		WHERE coll = 'places' AND rid LIKE 'admitplace%' GROUP BY phone ORDER BY MIN(seq)`).Column(&order)
	if err != nil {
		t.Fatal(err)
	}
	want := make([]string, phones)
	for p := range want {
		want[p] = fmt.Sprintf("%02d", p)
	}
	if strings.Join(order, " ") != strings.Join(want, " ") {
		t.Errorf("pushes committed in the order\n%v, not as they arrived:\n%v", order, want)
	}
	waitQueue(t, srv, 0)
	if n := metric(t, srv, "fieldsync_sync_push_wait_seconds_count"); n != phones {
		t.Errorf("%v push waits observed, want %d", n, phones)
	}
}

// TestPush_BusyRefusesBeforeStoring: with a small bound, pushes arriving behind a push that
// waits for the writer are answered at once 503 sync_busy with Retry-After, and nothing of
// them is stored (no record, outcome, last mid or journal row). Sent again once the queue has
// drained, each is applied exactly once; a further copy is answered from the store.
func TestPush_BusyRefusesBeforeStoring(t *testing.T) {
	const phones, n = 6, 4
	app := appWithPushMaxWait(t, time.Nanosecond)
	srv := testkit.Serve(t, app)
	token := registerPhones(t, srv, phones)
	release := testkit.HoldWriter(t, app)
	first := pushAsync(srv, token, placePush(0, n))
	waitQueue(t, srv, 1)

	var refused stdsync.WaitGroup
	for p := 1; p < phones; p++ {
		refused.Go(func() {
			res := srv.Do(http.MethodPost, "/api/sync/v1/push", token, placePush(p, n))
			checkBusy(t, p, res)
		})
	}
	refused.Wait()
	release()
	if res := <-first; res.Status != http.StatusOK {
		t.Fatalf("the admitted push: %d %s", res.Status, res.Body)
	}
	for p := 1; p < phones; p++ {
		if stored := storedOf(t, app, p, n); stored != "0 records, 0 outcomes, last mid 0, 0 journal rows" {
			t.Errorf("refused phone %d: %s", p, stored)
		}
	}
	if got := metric(t, srv, `fieldsync_sync_requests_total{op="push",outcome="busy"}`); got != phones-1 {
		t.Errorf("%v busy pushes counted, want %d", got, phones-1)
	}

	for p := 1; p < phones; p++ { // one after another: each finds the queue empty
		req := placePush(p, n)
		res := srv.Do(http.MethodPost, "/api/sync/v1/push", token, req)
		if res.Status != http.StatusOK {
			t.Fatalf("phone %d sent again: %d %s", p, res.Status, res.Body)
		}
		again := srv.Do(http.MethodPost, "/api/sync/v1/push", token, req)
		if again.Status != http.StatusOK || !bytes.Equal(again.Body, res.Body) {
			t.Errorf("phone %d's third copy answers %d %s, not as the second: %s", p, again.Status, again.Body, res.Body)
		}
		if stored := storedOf(t, app, p, n); stored != fmt.Sprintf("%d records, %d outcomes, last mid %d, 2 journal rows", n, n, n) {
			t.Errorf("phone %d after sending again: %s", p, stored)
		}
	}
}

// checkBusy checks that res is a busy answer a phone can act on.
func checkBusy(t *testing.T, phone int, res testkit.Response) {
	var body struct {
		Status  int    `json:"status"`
		Code    string `json:"code"`
		Message string `json:"message"`
		Data    struct {
			RetryAfter int `json:"retry_after"`
		} `json:"data"`
	}
	if err := json.Unmarshal(res.Body, &body); err != nil {
		t.Errorf("phone %d: %v %s", phone, err, res.Body)
		return
	}
	header, err := strconv.Atoi(res.Header.Get("Retry-After"))
	if res.Status != http.StatusServiceUnavailable || body.Status != res.Status || body.Code != "sync_busy" ||
		err != nil || header < 1 || body.Data.RetryAfter != header ||
		!strings.Contains(body.Message, "服务器繁忙") || !strings.Contains(body.Message, "the server is busy") {
		t.Errorf("phone %d: %d Retry-After %q %s", phone, res.Status, res.Header.Get("Retry-After"), res.Body)
	}
}

// storedOf says what the server holds of phone's push of n places.
func storedOf(t *testing.T, app core.App, phone, n int) string {
	t.Helper()
	client := placePush(phone, 0).ClientID
	ids := make([]any, n)
	for i := range ids {
		ids[i] = placeID(phone, i)
	}
	var records, outcomes, journal, last int
	q := []struct {
		err error
	}{
		{app.DB().Select("COUNT(*)").From("places").Where(dbx.In("id", ids...)).Row(&records)},
		{app.DB().Select("COUNT(*)").From("fs_sync_outcomes").Where(dbx.HashExp{"client": client}).Row(&outcomes)},
		{app.DB().Select("last_mid").From("sync_clients").Where(dbx.HashExp{"client_id": client}).Row(&last)},
		{app.DB().Select("COUNT(*)").From("sync_journal").Where(dbx.HashExp{"client_id": client}).Row(&journal)},
	}
	for _, r := range q {
		if r.err != nil {
			t.Fatal(r.err)
		}
	}
	return fmt.Sprintf("%d records, %d outcomes, last mid %d, %d journal rows", records, outcomes, last, journal)
}

// TestPush_PhoneGivingUpLeavesTheQueue: a push whose phone gives up while it waits for the
// writer (its timeout, a lost connection) leaves the queue at once, so its goroutine and
// connection are not kept, and stores nothing; the pushes before it go on.
func TestPush_PhoneGivingUpLeavesTheQueue(t *testing.T) {
	app := appWithPushMaxWait(t, 0)
	srv := testkit.Serve(t, app)
	token := registerPhones(t, srv, 2)
	release := testkit.HoldWriter(t, app)
	first := pushAsync(srv, token, placePush(0, 2))
	waitQueue(t, srv, 1)
	ctx, giveUp := context.WithCancel(t.Context())
	gaveUp := make(chan error, 1)
	go func() {
		raw, _ := json.Marshal(placePush(1, 2))
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL+"/api/sync/v1/push", bytes.NewReader(raw))
		req.Header.Set("Authorization", token)
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err == nil {
			res.Body.Close()
		}
		gaveUp <- err
	}()
	waitQueue(t, srv, 2)
	giveUp()
	if err := <-gaveUp; !errors.Is(err, context.Canceled) {
		t.Fatalf("the phone that gave up: %v", err)
	}
	waitQueue(t, srv, 1)
	release()
	if res := <-first; res.Status != http.StatusOK {
		t.Fatalf("the push before it: %d %s", res.Status, res.Body)
	}
	waitQueue(t, srv, 0)
	if stored := storedOf(t, app, 1, 2); stored != "0 records, 0 outcomes, last mid 0, 0 journal rows" {
		t.Errorf("the push given up: %s", stored)
	}
}

// TestPush_TurnedAwayKeepsItsPlace: a push turned away busy keeps its place: sent again, it
// is let in although the queue is still over the bound, while a push of another phone that
// arrives later is turned away; the booked places count in the waits told.
func TestPush_TurnedAwayKeepsItsPlace(t *testing.T) {
	app := appWithPushMaxWait(t, time.Nanosecond)
	srv := testkit.Serve(t, app)
	token := registerPhones(t, srv, 3)
	release := testkit.HoldWriter(t, app)
	first := pushAsync(srv, token, placePush(0, 2))
	waitQueue(t, srv, 1)
	checkBusy(t, 1, srv.Do(http.MethodPost, "/api/sync/v1/push", token, placePush(1, 2)))
	if n := metric(t, srv, `fieldsync_sync_push_queue{what="booked"}`); n != 1 {
		t.Errorf("%v places booked, want 1", n)
	}
	again := pushAsync(srv, token, placePush(1, 2))
	waitQueue(t, srv, 2)
	checkBusy(t, 2, srv.Do(http.MethodPost, "/api/sync/v1/push", token, placePush(2, 2)))
	release()
	for p, ch := range []<-chan testkit.Response{first, again} {
		if res := <-ch; res.Status != http.StatusOK {
			t.Fatalf("phone %d: %d %s", p, res.Status, res.Body)
		}
	}
	if stored := storedOf(t, app, 2, 2); stored != "0 records, 0 outcomes, last mid 0, 0 journal rows" {
		t.Errorf("the later phone, turned away: %s", stored)
	}
	if n := metric(t, srv, `fieldsync_sync_push_queue{what="booked"}`); n != 1 {
		t.Errorf("%v places booked, want the later phone's", n)
	}
}
