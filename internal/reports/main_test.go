package reports_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	stdsync "sync"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"github.com/haidian/fieldsync/internal/access"
	"github.com/haidian/fieldsync/internal/app"
	"github.com/haidian/fieldsync/internal/schema"
	"github.com/haidian/fieldsync/internal/sync"
	"github.com/haidian/fieldsync/internal/testkit"
)

// clock is the tests' clock: the real time plus an offset a test moves forward.
type clock struct {
	mu     stdsync.Mutex
	offset time.Duration
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.offset += d
	c.mu.Unlock()
}

func (c *clock) reset() {
	c.mu.Lock()
	c.offset = 0
	c.mu.Unlock()
}

var testClock = &clock{}

// operatorReceiptKey is the operator's receipt key of the apps bound from now on.
var operatorReceiptKey string

func TestMain(m *testing.M) {
	testkit.SetBind(func(a core.App) {
		o := app.DefaultOptions()
		o.Now = testClock.Now
		o.Settings.ReceiptKey = operatorReceiptKey
		app.BindWith(a, o)
	})
	testkit.Main(m)
}

// The fixture's people, whose names must never reach a resident.
const (
	inspectorName  = "巡查员韩梅梅"
	supervisorName = "督办主管石磊"
	partyName      = "负责人赵德柱"
	signerName     = "签收人钱多多"
)

// newServer serves a fresh app whose staff have names, on the test clock from now.
func newServer(t *testing.T) *testkit.Server {
	t.Helper()
	testClock.reset()
	t.Cleanup(testClock.reset)
	srv := testkit.Serve(t, testkit.NewApp(t))
	for id, name := range map[string]string{testkit.InspectorA: inspectorName, testkit.SupervisorA: supervisorName} {
		u, err := srv.App.FindRecordById(schema.Users, id)
		if err != nil {
			t.Fatal(err)
		}
		u.Set("name", name)
		access.AsSystem(u)
		if err := srv.App.Save(u); err != nil {
			t.Fatal(err)
		}
	}
	return srv
}

var deviceSeq int

// device returns a new device id.
func device() string {
	deviceSeq++
	return fmt.Sprintf("device-%06d", deviceSeq)
}

// do sends a request with headers (pairs of name, value) and a body (JSON unless a string).
func do(t *testing.T, srv *testkit.Server, method, path string, body any, headers ...string) testkit.Response {
	t.Helper()
	var rd io.Reader
	ctype := "application/json"
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case url.Values:
		rd, ctype = strings.NewReader(b.Encode()), "application/x-www-form-urlencoded"
	default:
		data, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = strings.NewReader(string(data))
	}
	req, err := http.NewRequest(method, srv.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", ctype)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return testkit.Response{Status: res.StatusCode, Body: data, Header: res.Header}
}

// report is a valid report of the centre of side a with a contact.
func report(key string) map[string]any {
	return map[string]any{
		"idempotency_key": key, "category": "tutoring.exam_cramming",
		"place":       testkit.Side("centreplace", "a"),
		"description": "五年级数学班周末教初中方程，老师说为了小升初",
		"contact":     map[string]any{"name": "匿名家长孙丽", "phone": "13911112222", "email": "sun.parent@example.com"},
	}
}

// The reporter's contact in report(), which must never reach a public answer.
var contactParts = []string{"孙丽", "13911112222", "sun.parent@example.com"}

type submitted struct {
	Tracking    string `json:"tracking_no"`
	Receipt     string `json:"receipt"`
	DuplicateOf string `json:"duplicate_of"`
	Status      struct {
		Value string `json:"value"`
	} `json:"status"`
}

// submit posts body from dev and expects status.
func submit(t *testing.T, srv *testkit.Server, body map[string]any, dev string, status int) submitted {
	t.Helper()
	res := do(t, srv, http.MethodPost, "/api/fs/reports", body, "X-Fieldsync-Device", dev)
	if res.Status != status {
		t.Fatalf("submit: want %d, got %d %s", status, res.Status, res.Body)
	}
	var out submitted
	if status < 300 {
		if err := json.Unmarshal(res.Body, &out); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func reportByTracking(t *testing.T, a core.App, tracking string) *core.Record {
	t.Helper()
	r, err := a.FindFirstRecordByFilter(schema.Reports, "tracking_no = {:t}", dbx.Params{"t": tracking})
	if err != nil {
		t.Fatalf("report %s: %v", tracking, err)
	}
	return r
}

// command runs a workflow command as user through POST /api/fs/commands.
func command(t *testing.T, srv *testkit.Server, user, name, coll, id string, args map[string]any) testkit.Response {
	t.Helper()
	return srv.Do(http.MethodPost, "/api/fs/commands", srv.Token("users", user),
		sync.CommandRequest{Name: name, Coll: coll, ID: id, Args: args})
}

func mustCommand(t *testing.T, srv *testkit.Server, user, name, coll, id string, args map[string]any) {
	t.Helper()
	if res := command(t, srv, user, name, coll, id, args); res.Status != http.StatusOK {
		t.Fatalf("%s: %d %s", name, res.Status, res.Body)
	}
}
