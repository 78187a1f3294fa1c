package sync_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"image"
	"image/png"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"

	"github.com/haidian/fieldsync/internal/access"
	"github.com/haidian/fieldsync/internal/schema"
	"github.com/haidian/fieldsync/internal/sync"
	"github.com/haidian/fieldsync/internal/testkit"
)

// A lost phone is revoked by its user's supervisor. Its bearer token must then be refused
// at every door the API offers, with or without the phone's X-Fieldsync-Client header: each
// door answers the stolen token exactly as it answers a request without any token.
func TestRevoke_StolenTokenIsVoidEverywhere(t *testing.T) {
	app := testkit.NewApp(t)
	srv := testkit.Serve(t, app)
	enableBatch(t, app)
	lost := newDevice(t, srv, testkit.InspectorA, "phone-lost-a")
	tablet := newDevice(t, srv, testkit.InspectorA, "tablet-a") // the same user's other device
	stolen := lost.token
	photo := storePhotoA(t, srv, stolen)
	fileToken := fileTokenOf(t, srv, stolen)
	if res := srv.Do(http.MethodGet, photo+"?token="+fileToken, "", nil); res.Status != http.StatusOK {
		t.Fatalf("the photo with its file token before the revocation: %d %s", res.Status, res.Body)
	}
	finding := testkit.Side("finding", "a")
	doors := stolenTokenDoors(finding, tablet.id)
	for _, d := range doors {
		if withToken, anon := d.send(srv, stolen), d.send(srv, ""); sameAnswer(withToken, anon) {
			t.Fatalf("%s: before the revocation the token already answers as no token (%d %s): this door proves nothing",
				d.name, anon.Status, anon.Body)
		}
	}
	// Opened after the writes above, so that the first event it hears is the one below.
	rt := openRealtime(t, srv)
	rt.subscribe(t, stolen, "findings/*", "subdistricts/*")
	touch(t, app, schema.Findings, finding, "description", "楼道堆物")
	if ev := rt.next(t); ev.name != "findings/*" {
		t.Fatalf("before the revocation the subscription heard %q, not the finding", ev.name)
	}

	setRevoked(t, srv, srv.Token("users", testkit.SupervisorA), lost.id, true)
	var signedOutBy string
	if err := app.DB().Select("actor_id").From(schema.AuditLog).
		Where(dbx.HashExp{"coll": schema.Users, "record_id": testkit.InspectorA}).
		AndWhere(dbx.Like("changes", `"tokenKey":"changed"`)).Row(&signedOutBy); err != nil || signedOutBy != testkit.SupervisorA {
		t.Errorf("the audit trail names %q as who signed the user out (%v)", signedOutBy, err)
	}

	for _, d := range doors {
		got, anon := d.send(srv, stolen), d.send(srv, "")
		if !sameAnswer(got, anon) {
			t.Errorf("%s with the stolen token: %d %s; without a token: %d %s", d.name, got.Status, got.Body, anon.Status, anon.Body)
		}
		if d.status != 0 && got.Status != d.status {
			t.Errorf("%s with the stolen token: %d, want %d", d.name, got.Status, d.status)
		}
	}
	// A file token taken before the revocation opens nothing either.
	if got, anon := srv.Do(http.MethodGet, photo+"?token="+fileToken, "", nil), srv.Do(http.MethodGet, photo, "", nil); !sameAnswer(got, anon) {
		t.Errorf("the photo with the file token taken before: %d %s; without it: %d %s", got.Status, got.Body, anon.Status, anon.Body)
	}
	if res := sendAs(t, srv, http.MethodGet, "/api/collections/findings/records", stolen, lost.id, nil); res.Status != http.StatusForbidden ||
		res.JSON(t)["code"] != "client_revoked" {
		t.Errorf("the phone's own header: %d %s", res.Status, res.Body)
	}

	// The open realtime connection lost its user: the finding's next change is not sent to
	// it, the public change after it is.
	touch(t, app, schema.Findings, finding, "description", "楼道堆物已清")
	touch(t, app, schema.Subdistricts, testkit.SubdistrictA, "sort", 99)
	if ev := rt.next(t); ev.name != "subdistricts/*" {
		t.Errorf("after the revocation the connection heard %q: %s", ev.name, ev.data)
	}
	if c, err := app.SubscriptionsBroker().ClientById(rt.id); err != nil || c.Get(apis.RealtimeClientAuthKey) != nil {
		t.Errorf("the realtime connection still holds a user (%v)", err)
	}

	// The owner signs in again with the password on a new phone and works.
	fresh := signIn(t, srv, "inspectora@fieldsync.test")
	phone := &device{t: t, srv: srv, token: fresh, id: "phone-new-a", cursors: map[sync.Scope]sync.ScopeRequest{}}
	if res := srv.Do(http.MethodPost, "/api/sync/v1/clients", fresh,
		sync.ClientRequest{ClientID: phone.id, AppVersion: "test", SchemaVersion: sync.SchemaVersion}); res.Status != http.StatusOK {
		t.Fatalf("register the new phone: %d %s", res.Status, res.Body)
	}
	if got := phone.pull(0).Scopes[sync.SubdistrictScope(testkit.SubdistrictA)]; got == nil || len(got.Changes) == 0 {
		t.Errorf("the new phone pulled nothing of its subdistrict: %+v", got)
	}
	if res := srv.Do(http.MethodGet, photo+"?token="+fileTokenOf(t, srv, fresh), "", nil); res.Status != http.StatusOK {
		t.Errorf("the photo with a new file token: %d %s", res.Status, res.Body)
	}
}

// door is one request a thief could make with the stolen token; status, when set, is the
// answer it must get.
type door struct {
	name, method, path string
	body               any
	status             int
}

func (d door) send(srv *testkit.Server, token string) testkit.Response {
	return srv.Do(d.method, d.path, token, d.body)
}

// stolenTokenDoors are the requests of TestRevoke_StolenTokenIsVoidEverywhere: reads and
// writes through REST, batch, sync, blobs, files and the console's routes.
func stolenTokenDoors(finding, otherDevice string) []door {
	newFinding := map[string]any{"programme": "fire", "place": testkit.Side("venue", "a"), "subdistrict": testkit.SubdistrictA,
		"inspection": testkit.Side("inspection", "a"), "category": "fire.wiring", "severity": "general", "description": "私拉电线"}
	img := pngBytes()
	sum := sha256.Sum256(append(img, 'x'))
	return []door{
		{name: "REST list", method: http.MethodGet, path: "/api/collections/findings/records"},
		{name: "REST view", method: http.MethodGet, path: "/api/collections/findings/records/" + finding, status: http.StatusNotFound},
		{name: "auth refresh", method: http.MethodPost, path: "/api/collections/users/auth-refresh", status: http.StatusUnauthorized},
		{name: "register a new client", method: http.MethodPost, path: "/api/sync/v1/clients", status: http.StatusUnauthorized,
			body: sync.ClientRequest{ClientID: "phone-thief-1", AppVersion: "test", SchemaVersion: sync.SchemaVersion}},
		{name: "pull as the other device", method: http.MethodPost, path: "/api/sync/v1/pull", status: http.StatusUnauthorized,
			body: sync.PullRequest{ClientID: otherDevice, Scopes: map[sync.Scope]sync.ScopeRequest{}}},
		{name: "push as the other device", method: http.MethodPost, path: "/api/sync/v1/push", status: http.StatusUnauthorized,
			body: sync.PushRequest{ClientID: otherDevice, Mutations: []sync.Mutation{}}},
		{name: "photo upload", method: http.MethodPost, path: "/api/fs/blobs/uploads", status: http.StatusUnauthorized,
			body: map[string]any{"sha256": hex.EncodeToString(sum[:]), "size": len(img) + 1, "mime": "image/png"}},
		{name: "file token", method: http.MethodPost, path: "/api/files/token", status: http.StatusUnauthorized},
		{name: "batch", method: http.MethodPost, path: "/api/batch", body: map[string]any{"requests": []map[string]any{
			{"method": http.MethodPost, "url": "/api/collections/findings/records", "body": newFinding}}}},
		{name: "command", method: http.MethodPost, path: "/api/fs/commands", status: http.StatusUnauthorized,
			body: map[string]any{"name": "finding.acknowledge@1", "coll": "findings", "id": finding, "args": map[string]any{"name": "王"}}},
		{name: "timeline", method: http.MethodGet, path: "/api/fs/findings/" + finding + "/timeline", status: http.StatusNotFound},
		{name: "figures", method: http.MethodGet, path: "/api/fs/rectify/figures", status: http.StatusUnauthorized},
		{name: "notice", method: http.MethodGet, path: "/api/fs/findings/" + finding + "/notice.pdf"},
	}
}

// TestRevoke_WhoMayRevoke: the device's user and the supervisors of the user's subdistricts
// revoke through REST and batch, administrators through the admin UI, server code by saving;
// each way ends the user's sessions. Others are answered as for a device that does not exist.
func TestRevoke_WhoMayRevoke(t *testing.T) {
	for _, c := range []struct {
		name   string
		revoke func(t *testing.T, srv *testkit.Server, client string) testkit.Response
		status int
	}{
		{"the user", asUser(testkit.InspectorA), http.StatusOK},
		{"a supervisor of the subdistrict", asUser(testkit.SupervisorA), http.StatusOK},
		{"a supervisor of the subdistrict, by batch", func(t *testing.T, srv *testkit.Server, client string) testkit.Response {
			enableBatch(t, srv.App)
			return srv.Do(http.MethodPost, "/api/batch", srv.Token("users", testkit.SupervisorA), map[string]any{
				"requests": []map[string]any{{"method": http.MethodPatch, "url": clientPath(t, srv, client), "body": map[string]any{"revoked": true}}}})
		}, http.StatusOK},
		{"an administrator in the admin UI", func(t *testing.T, srv *testkit.Server, client string) testkit.Response {
			return srv.Do(http.MethodPatch, clientPath(t, srv, client), srv.Token(core.CollectionNameSuperusers, testkit.Superuser),
				map[string]any{"revoked": true})
		}, http.StatusOK},
		{"server code", func(t *testing.T, srv *testkit.Server, client string) testkit.Response {
			c, err := srv.App.FindFirstRecordByData(schema.SyncClients, "client_id", client)
			if err != nil {
				t.Fatal(err)
			}
			c.Set("revoked", true)
			access.AsSystem(c)
			if err := srv.App.Save(c); err != nil {
				t.Fatal(err)
			}
			return testkit.Response{Status: http.StatusOK}
		}, http.StatusOK},
		{"another inspector", asUser(testkit.InspectorB), http.StatusNotFound},
		{"a supervisor of another subdistrict", asUser(testkit.SupervisorB), http.StatusNotFound},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv := testkit.Serve(t, testkit.NewApp(t))
			d := newDevice(t, srv, testkit.InspectorA, "phone-a-1")
			if res := c.revoke(t, srv, d.id); res.Status != c.status {
				t.Fatalf("revoke: %d %s, want %d", res.Status, res.Body, c.status)
			}
			revoked := c.status == http.StatusOK
			if got := clientRevoked(t, srv, d.id); got != revoked {
				t.Errorf("revoked = %v, want %v", got, revoked)
			}
			if res := srv.Do(http.MethodPost, "/api/collections/users/auth-refresh", d.token, nil); (res.Status == http.StatusOK) == revoked {
				t.Errorf("the user's token after the attempt: %d %s", res.Status, res.Body)
			}
		})
	}
}

// TestRevoke_StaffChangeNothingButRevoked: staff may not rewrite an installation, and a
// revocation is lifted by a supervisor, never by the user whose device it stopped.
func TestRevoke_StaffChangeNothingButRevoked(t *testing.T) {
	srv := testkit.Serve(t, testkit.NewApp(t))
	d := newDevice(t, srv, testkit.InspectorA, "phone-a-1")
	sup := srv.Token("users", testkit.SupervisorA)
	for field, v := range map[string]any{"user": testkit.InspectorB, "client_id": "phone-a-2", "last_mid": 7, "app_version": "9"} {
		res := srv.Do(http.MethodPatch, clientPath(t, srv, d.id), sup, map[string]any{field: v})
		if res.Status != http.StatusBadRequest || fieldCode(t, res, field) != "client_field_locked" {
			t.Errorf("supervisor sets %s: %d %s", field, res.Status, res.Body)
		}
	}
	setRevoked(t, srv, d.token, d.id, true)
	again := signIn(t, srv, "inspectora@fieldsync.test")
	res := srv.Do(http.MethodPatch, clientPath(t, srv, d.id), again, map[string]any{"revoked": false})
	if res.Status != http.StatusBadRequest || fieldCode(t, res, "revoked") != "client_restore_forbidden" {
		t.Errorf("the user lifts the revocation: %d %s", res.Status, res.Body)
	}
	if !clientRevoked(t, srv, d.id) {
		t.Error("the refused restore changed the device")
	}
}

// TestRevoke_RestoringDoesNotRevive: lifting a revocation lets the device sync again with a
// new sign-in; the tokens the revocation voided stay void, and restoring signs nobody out.
func TestRevoke_RestoringDoesNotRevive(t *testing.T) {
	srv := testkit.Serve(t, testkit.NewApp(t))
	d := newDevice(t, srv, testkit.InspectorA, "phone-a-1")
	sup := srv.Token("users", testkit.SupervisorA)
	setRevoked(t, srv, sup, d.id, true)
	fresh := signIn(t, srv, "inspectora@fieldsync.test")
	setRevoked(t, srv, sup, d.id, false)
	if res := srv.Do(http.MethodPost, "/api/collections/users/auth-refresh", d.token, nil); res.Status != http.StatusUnauthorized {
		t.Errorf("the voided token after the restore: %d %s", res.Status, res.Body)
	}
	res := sendAs(t, srv, http.MethodPost, "/api/sync/v1/pull", fresh, d.id, sync.PullRequest{ClientID: d.id, Scopes: map[sync.Scope]sync.ScopeRequest{}})
	if res.Status != http.StatusOK {
		t.Errorf("the restored device with a new sign-in: %d %s", res.Status, res.Body)
	}
}

// TestRevoke_FailedRevocationKeepsSessions: the token key changes in the revocation's own
// transaction, so a revocation that fails signs nobody out.
func TestRevoke_FailedRevocationKeepsSessions(t *testing.T) {
	app := testkit.NewApp(t)
	srv := testkit.Serve(t, app)
	d := newDevice(t, srv, testkit.InspectorA, "phone-a-1")
	boom := errors.New("disk full")
	app.OnRecordUpdateExecute(schema.SyncClients).BindFunc(func(e *core.RecordEvent) error {
		if err := e.Next(); err != nil {
			return err
		}
		return boom // after the row and every other handler of the write
	})
	c, err := app.FindFirstRecordByData(schema.SyncClients, "client_id", d.id)
	if err != nil {
		t.Fatal(err)
	}
	c.Set("revoked", true)
	access.AsSystem(c)
	if err := app.Save(c); !errors.Is(err, boom) {
		t.Fatalf("save: %v", err)
	}
	if clientRevoked(t, srv, d.id) {
		t.Error("the failed revocation was stored")
	}
	if res := srv.Do(http.MethodPost, "/api/collections/users/auth-refresh", d.token, nil); res.Status != http.StatusOK {
		t.Errorf("the token after the failed revocation: %d %s", res.Status, res.Body)
	}
}

func asUser(user string) func(t *testing.T, srv *testkit.Server, client string) testkit.Response {
	return func(t *testing.T, srv *testkit.Server, client string) testkit.Response {
		return srv.Do(http.MethodPatch, clientPath(t, srv, client), srv.Token("users", user), map[string]any{"revoked": true})
	}
}

// clientPath is the records API path of the installation clientID.
func clientPath(t *testing.T, srv *testkit.Server, clientID string) string {
	t.Helper()
	c, err := srv.App.FindFirstRecordByData(schema.SyncClients, "client_id", clientID)
	if err != nil {
		t.Fatal(err)
	}
	return "/api/collections/" + schema.SyncClients + "/records/" + c.Id
}

func clientRevoked(t *testing.T, srv *testkit.Server, clientID string) bool {
	t.Helper()
	c, err := srv.App.FindFirstRecordByData(schema.SyncClients, "client_id", clientID)
	if err != nil {
		t.Fatal(err)
	}
	return c.GetBool("revoked")
}

// setRevoked sets the revoked flag of clientID through the records API.
func setRevoked(t *testing.T, srv *testkit.Server, token, clientID string, revoked bool) {
	t.Helper()
	if res := srv.Do(http.MethodPatch, clientPath(t, srv, clientID), token, map[string]any{"revoked": revoked}); res.Status != http.StatusOK {
		t.Fatalf("set revoked=%v: %d %s", revoked, res.Status, res.Body)
	}
}

// sendAs sends a request with a token and the X-Fieldsync-Client header of clientID.
func sendAs(t *testing.T, srv *testkit.Server, method, path, token, clientID string, body any) testkit.Response {
	t.Helper()
	data, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(method, srv.URL+path, bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(sync.ClientHeader, clientID)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	got, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return testkit.Response{Status: res.StatusCode, Body: got, Header: res.Header}
}

func sameAnswer(a, b testkit.Response) bool {
	return a.Status == b.Status && bytes.Equal(a.Body, b.Body)
}

func fieldCode(t *testing.T, res testkit.Response, field string) string {
	t.Helper()
	data, _ := res.JSON(t)["data"].(map[string]any)
	f, _ := data[field].(map[string]any)
	code, _ := f["code"].(string)
	return code
}

// signIn signs in with the fixture password and returns the new token.
func signIn(t *testing.T, srv *testkit.Server, email string) string {
	t.Helper()
	res := srv.Do(http.MethodPost, "/api/collections/users/auth-with-password", "",
		map[string]any{"identity": email, "password": testkit.Password})
	token, _ := res.JSON(t)["token"].(string)
	if res.Status != http.StatusOK || token == "" {
		t.Fatalf("sign in %s: %d %s", email, res.Status, res.Body)
	}
	return token
}

// touch sets one field of a record as server code does, so that its realtime event goes out.
func touch(t *testing.T, app core.App, coll, id, field string, v any) {
	t.Helper()
	r, err := app.FindRecordById(coll, id)
	if err != nil {
		t.Fatal(err)
	}
	r.Set(field, v)
	access.AsSystem(r)
	if err := app.Save(r); err != nil {
		t.Fatal(err)
	}
}

// enableBatch turns the batch API on: it is off in PocketBase's default settings.
func enableBatch(t *testing.T, app core.App) {
	t.Helper()
	s := app.Settings()
	s.Batch.Enabled, s.Batch.MaxRequests, s.Batch.Timeout = true, 50, 10
	if err := app.Save(s); err != nil {
		t.Fatal(err)
	}
}

func pngBytes() []byte {
	var buf bytes.Buffer
	png.Encode(&buf, image.NewGray(image.Rect(0, 0, 4, 4)))
	return buf.Bytes()
}

// storePhotoA uploads the bytes of fixture photo a with token and returns its download path.
func storePhotoA(t *testing.T, srv *testkit.Server, token string) string {
	t.Helper()
	img := pngBytes()
	sum := sha256.Sum256(img)
	touch(t, srv.App, schema.Photos, testkit.Side("photo", "a"), "sha256", hex.EncodeToString(sum[:]))
	res := srv.Do(http.MethodPost, "/api/fs/blobs/uploads", token,
		map[string]any{"sha256": hex.EncodeToString(sum[:]), "size": len(img), "mime": "image/png"})
	id, _ := res.JSON(t)["id"].(string)
	req, _ := http.NewRequest(http.MethodPatch, srv.URL+"/api/fs/blobs/uploads/"+id, bytes.NewReader(img))
	req.Header.Set("Authorization", token)
	req.Header.Set("Upload-Offset", "0")
	up, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	up.Body.Close()
	if up.StatusCode != http.StatusOK {
		t.Fatalf("upload photo a: %d", up.StatusCode)
	}
	return "/api/fs/photos/" + testkit.Side("photo", "a") + "/original"
}

func fileTokenOf(t *testing.T, srv *testkit.Server, token string) string {
	t.Helper()
	res := srv.Do(http.MethodPost, "/api/files/token", token, nil)
	ft, _ := res.JSON(t)["token"].(string)
	if res.Status != http.StatusOK || ft == "" {
		t.Fatalf("file token: %d %s", res.Status, res.Body)
	}
	return ft
}

// realtime is an open connection to PocketBase's realtime API (server-sent events).
type realtime struct {
	srv    *testkit.Server
	id     string
	events chan sseEvent
}

type sseEvent struct{ name, data string }

func openRealtime(t *testing.T, srv *testkit.Server) *realtime {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel) // before the server closes: it waits for open connections
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/api/realtime", nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	rt := &realtime{srv: srv, events: make(chan sseEvent, 16)}
	go rt.read(res)
	connect := rt.next(t)
	var hello struct {
		ClientID string `json:"clientId"`
	}
	if err := json.Unmarshal([]byte(connect.data), &hello); connect.name != "PB_CONNECT" || err != nil {
		t.Fatalf("realtime connect: %+v %v", connect, err)
	}
	rt.id = hello.ClientID
	return rt
}

// read turns the event stream into events until the connection closes.
func (rt *realtime) read(res *http.Response) {
	defer close(rt.events)
	defer res.Body.Close()
	var ev sseEvent
	sc := bufio.NewScanner(res.Body)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "event:"):
			ev.name = strings.TrimPrefix(line, "event:")
		case strings.HasPrefix(line, "data:"):
			ev.data = strings.TrimPrefix(line, "data:")
		case line == "":
			rt.events <- ev
			ev = sseEvent{}
		}
	}
}

// next returns the next event; the timeout only turns a missing event into a failure.
func (rt *realtime) next(t *testing.T) sseEvent {
	t.Helper()
	select {
	case ev, ok := <-rt.events:
		if !ok {
			t.Fatal("the realtime connection closed")
		}
		return ev
	case <-time.After(10 * time.Second):
		t.Fatal("no realtime event within 10 s")
	}
	return sseEvent{}
}

func (rt *realtime) subscribe(t *testing.T, token string, topics ...string) {
	t.Helper()
	res := rt.srv.Do(http.MethodPost, "/api/realtime", token, map[string]any{"clientId": rt.id, "subscriptions": topics})
	if res.Status != http.StatusNoContent {
		t.Fatalf("subscribe: %d %s", res.Status, res.Body)
	}
}
