package publicweb_test

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
	"github.com/pocketbase/pocketbase/tools/mailer"

	"github.com/haidian/fieldsync/internal/publicweb"
	"github.com/haidian/fieldsync/internal/reports"
	"github.com/haidian/fieldsync/internal/schema"
	"github.com/haidian/fieldsync/internal/sync"
	"github.com/haidian/fieldsync/internal/testkit"
)

// mailpit is a real SMTP server on loopback (github.com/axllent/mailpit, built by
// `make mailpit`), with its HTTP API to read what arrived.
type mailpit struct {
	api string
	// down sends the app's mail to a closed port instead, as when the mail server is down.
	down atomic.Bool
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// startMailpit starts mailpit and points app's mailer at it.
func startMailpit(t *testing.T, app core.App) *mailpit {
	t.Helper()
	bin := os.Getenv("FIELDSYNC_MAILPIT")
	if bin == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("FIELDSYNC_MAILPIT is not set: run the tests through make test")
		}
		t.Skip("no mailpit: run `make mailpit` and set FIELDSYNC_MAILPIT")
	}
	smtp, web := freePort(t), freePort(t)
	cmd := exec.Command(bin, "--smtp", fmt.Sprintf("127.0.0.1:%d", smtp), "--listen", fmt.Sprintf("127.0.0.1:%d", web),
		"--database", t.TempDir()+"/mailpit.db", "--smtp-auth-accept-any", "--smtp-auth-allow-insecure", "--quiet")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	m := &mailpit{api: fmt.Sprintf("http://127.0.0.1:%d/api/v1", web)}
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if res, err := http.Get(m.api + "/info"); err == nil {
			res.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("mailpit did not start")
		}
	}
	s := app.Settings()
	s.SMTP.Enabled, s.SMTP.Host, s.SMTP.Port = true, "127.0.0.1", smtp
	s.Meta.SenderAddress, s.Meta.SenderName = "noreply@haidian.example", "海淀区举报"
	if err := app.Save(s); err != nil {
		t.Fatal(err)
	}
	// PocketBase's test app swaps every mailer for a recorder (tests.TestApp, priority -99999);
	// this handler, next in line, puts the SMTP client of the settings back.
	closed := freePort(t)
	app.OnMailerSend().Bind(&hook.Handler[*core.MailerEvent]{Priority: -99998, Func: func(e *core.MailerEvent) error {
		e.Mailer = &mailer.SMTPClient{Host: "127.0.0.1", Port: smtp}
		if m.down.Load() {
			e.Mailer = &mailer.SMTPClient{Host: "127.0.0.1", Port: closed}
		}
		return e.Next()
	}})
	return m
}

type mail struct {
	To      []string
	Subject string
	Text    string
}

// messages returns every message mailpit received.
func (m *mailpit) messages(t *testing.T) []mail {
	t.Helper()
	var list struct {
		Messages []struct {
			ID string `json:"ID"`
		} `json:"messages"`
	}
	getJSON(t, m.api+"/messages", &list)
	var out []mail
	for _, msg := range list.Messages {
		var full struct {
			To []struct {
				Address string `json:"Address"`
			} `json:"To"`
			Subject string `json:"Subject"`
			Text    string `json:"Text"`
		}
		getJSON(t, m.api+"/message/"+url.PathEscape(msg.ID), &full)
		ml := mail{Subject: full.Subject, Text: full.Text}
		for _, to := range full.To {
			ml.To = append(ml.To, to.Address)
		}
		out = append(out, ml)
	}
	return out
}

// waitFor returns the messages once n have arrived: mailpit may store a message a moment
// after it acknowledged it.
func (m *mailpit) waitFor(t *testing.T, n int) []mail {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if got := m.messages(t); len(got) >= n || time.Now().After(deadline) {
			return got
		}
	}
}

func getJSON(t *testing.T, u string, v any) {
	t.Helper()
	res, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if err := json.NewDecoder(res.Body).Decode(v); err != nil {
		t.Fatal(err)
	}
}

// TestReport_FollowUpAndMail: the reporter adds information, staff fix the case through the
// API, the page shows it fixed, the reporter disputes within 30 days; the reporter and the
// reporter of a duplicate each get their own e-mail at each change, naming only their own
// report, and nothing of the other.
func TestReport_FollowUpAndMail(t *testing.T) {
	srv := newServer(t)
	pit := startMailpit(t, srv.App)
	values := reportForm(t, get(t, srv, "/r").body)
	done := post(t, srv, "/r", values)
	tracking, code := trackingRE.FindStringSubmatch(done.body)[1], codeRE.FindStringSubmatch(done.body)[1]
	// A second parent reports the same problem at the same centre: a duplicate.
	second := reportForm(t, get(t, srv, "/r").body)
	second["description"], second["name"], second["phone"], second["email"] = []string{"周六上午还在讲初中题"}, []string{"李华"}, []string{"13800000009"}, []string{"li.parent@example.com"}
	dup := post(t, srv, "/r", second)
	dupTracking := trackingRE.FindStringSubmatch(dup.body)[1]
	if !strings.Contains(dup.body, "并入") {
		t.Errorf("the second report is not a duplicate")
	}
	// A third parent reports something else: none of the case's mails is theirs.
	third := reportForm(t, get(t, srv, "/r").body)
	third["category"], third["email"], third["name"], third["phone"] = []string{"tutoring.fees"}, []string{"wang.parent@example.com"}, nil, nil
	if p := post(t, srv, "/r", third); p.status != http.StatusCreated || strings.Contains(p.body, "并入") {
		t.Fatalf("third report: %d", p.status)
	}
	path := "/t/" + tracking + "/" + code

	if p := post(t, srv, path, url.Values{"kind": {"info"}, "text": {"  "}}); p.status != http.StatusBadRequest || !strings.Contains(p.body, `id="info-error"`) {
		t.Errorf("empty addition: %d", p.status)
	}
	if p := post(t, srv, path, url.Values{"kind": {"info"}, "text": {"每周六上午 9 点上课"}}); p.status != http.StatusSeeOther {
		t.Fatalf("addition: %d %s", p.status, p.body)
	}
	if p := get(t, srv, path+"?added=1"); !strings.Contains(p.body, "每周六上午 9 点上课") || !strings.Contains(p.body, "已收到您补充的内容") {
		t.Errorf("the addition is not on the page")
	}
	// No dispute before a fix.
	if p := post(t, srv, path, url.Values{"kind": {"dispute"}, "text": {"还在上课"}}); p.status != http.StatusConflict {
		t.Errorf("dispute before a fix: %d", p.status)
	}

	r, err := srv.App.FindFirstRecordByFilter(schema.Reports, "tracking_no = {:t}", dbx.Params{"t": tracking})
	if err != nil {
		t.Fatal(err)
	}
	fixThroughAPI(t, srv, r.Id)
	fixed := get(t, srv, path)
	if !strings.Contains(fixed.body, `id="status">已整改<`) || !strings.Contains(fixed.body, "提出异议") {
		t.Fatalf("the page does not show the fix: %s", fixed.body)
	}
	if p := post(t, srv, path, url.Values{"kind": {"dispute"}, "text": {"周六还在上课"}}); p.status != http.StatusSeeOther {
		t.Fatalf("dispute: %d %s", p.status, p.body)
	}
	if p := get(t, srv, path); !strings.Contains(p.body, `id="status">举报人对整改有异议<`) {
		t.Errorf("after the dispute: %s", p.body)
	}

	// Mails: triaged, inspected, ordered, fixed, disputed: each to both reporters, alone.
	mails := pit.waitFor(t, 10)
	got := map[string][]string{}
	for _, m := range mails {
		if len(m.To) != 1 || m.To[0] == "wang.parent@example.com" {
			t.Fatalf("a mail to %v: %s", m.To, m.Subject)
		}
		own, other := tracking, dupTracking
		if m.To[0] == "li.parent@example.com" {
			own, other = dupTracking, tracking
		}
		got[m.To[0]] = append(got[m.To[0]], m.Subject)
		body := m.Subject + m.Text
		if !strings.Contains(body, own) || strings.Contains(body, other) {
			t.Errorf("a mail to %s names %s or lacks %s", m.To[0], other, own)
		}
		for _, personal := range []string{"孙丽", "13911112222", "李华", "13800000009", "sun.parent", "li.parent", "周末", "负责人", "学而思"} {
			if strings.Contains(body, personal) {
				t.Errorf("a mail to %s contains %q", m.To[0], personal)
			}
		}
	}
	for _, to := range []string{"sun.parent@example.com", "li.parent@example.com"} {
		subjects := strings.Join(got[to], "|")
		if !strings.Contains(subjects, "已整改") || !strings.Contains(subjects, "举报人对整改有异议") {
			t.Errorf("%s got %v", to, got[to])
		}
	}
}

// TestReportMail_SurvivesAMailServerOutage: while the mail server is down a status change is
// committed and its mail waits in the outbox; it is sent once the server is back (and only
// once), and a mail that keeps failing is given up after the last attempt, without a send.
func TestReportMail_SurvivesAMailServerOutage(t *testing.T) {
	srv := newServer(t)
	pit := startMailpit(t, srv.App)
	values := reportForm(t, get(t, srv, "/r").body)
	tracking := trackingRE.FindStringSubmatch(post(t, srv, "/r", values).body)[1]
	r, err := srv.App.FindFirstRecordByFilter(schema.Reports, "tracking_no = {:t}", dbx.Params{"t": tracking})
	if err != nil {
		t.Fatal(err)
	}

	pit.down.Store(true)
	res := srv.Do(http.MethodPost, "/api/fs/commands", srv.Token("users", testkit.SupervisorA),
		sync.CommandRequest{Name: reports.AssignCommand, Coll: schema.Reports, ID: r.Id, Args: map[string]any{"inspector": testkit.InspectorA}})
	if res.Status != http.StatusOK {
		t.Fatalf("assign: %d %s", res.Status, res.Body)
	}
	// The change is committed; the after-commit send fails and leaves the mail waiting.
	var queued *core.Record
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		rows, err := srv.App.FindAllRecords(schema.ReportMail, dbx.HashExp{"report": r.Id})
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) == 1 && rows[0].GetInt("attempts") == 1 {
			queued = rows[0]
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("outbox %v: the failed send was not recorded", rows)
		}
	}
	if queued.GetString("last_error") == "" || queued.GetString("sent_at") != "" {
		t.Errorf("after a failed send: %v", queued.FieldsData())
	}
	now := time.Now()
	if run, err := publicweb.SendDueMail(srv.App, now); err != nil || run != (publicweb.MailRun{}) {
		t.Errorf("before its retry time: %+v %v", run, err)
	}

	pit.down.Store(false)
	if run, err := publicweb.SendDueMail(srv.App, now.Add(2*time.Minute)); err != nil || run.Sent != 1 {
		t.Fatalf("once the server is back: %+v %v", run, err)
	}
	if run, _ := publicweb.SendDueMail(srv.App, now.Add(time.Hour)); run != (publicweb.MailRun{}) {
		t.Errorf("a sent mail went again: %+v", run)
	}
	if got := pit.waitFor(t, 1); len(got) != 1 || got[0].To[0] != values.Get("email") || !strings.Contains(got[0].Subject, tracking) {
		t.Fatalf("mailpit got %+v", got)
	}

	// A mail server that never comes back: the mail is given up after the last attempt.
	pit.down.Store(true)
	rejected := srv.Do(http.MethodPost, "/api/fs/commands", srv.Token("users", testkit.SupervisorA),
		sync.CommandRequest{Name: reports.RejectCommand, Coll: schema.Reports, ID: r.Id, Args: map[string]any{"reason": "不属于本区"}})
	if rejected.Status != http.StatusOK {
		t.Fatalf("reject: %d %s", rejected.Status, rejected.Body)
	}
	gaveUp := 0
	for i := 0; i < 40 && gaveUp == 0; i++ {
		now = now.Add(2 * time.Hour)
		run, err := publicweb.SendDueMail(srv.App, now)
		if err != nil || run.Sent != 0 {
			t.Fatalf("pass %d: %+v %v", i, run, err)
		}
		gaveUp = run.GaveUp
	}
	failed, err := srv.App.FindAllRecords(schema.ReportMail, dbx.NewExp("failed_at != ''"))
	if err != nil || gaveUp != 1 || len(failed) != 1 || failed[0].GetInt("attempts") < 2 {
		t.Fatalf("given up: %d, rows %v (%v)", gaveUp, failed, err)
	}
	if got := pit.messages(t); len(got) != 1 {
		t.Errorf("mailpit got %d messages", len(got))
	}
}
