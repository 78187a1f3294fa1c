package reports_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"

	"github.com/haidian/fieldsync/internal/rectify"
	"github.com/haidian/fieldsync/internal/reports"
	"github.com/haidian/fieldsync/internal/schema"
	"github.com/haidian/fieldsync/internal/sync"
	"github.com/haidian/fieldsync/internal/testkit"
)

// pullAll registers a phone of user and pulls every scope to the head; it returns the raw
// answers and the changes by collection.
func pullAll(t *testing.T, srv *testkit.Server, user, clientID string) (string, map[string][]sync.Change) {
	t.Helper()
	token := srv.Token("users", user)
	if res := srv.Do(http.MethodPost, "/api/sync/v1/clients", token,
		sync.ClientRequest{ClientID: clientID, AppVersion: "test", SchemaVersion: sync.SchemaVersion}); res.Status != http.StatusOK {
		t.Fatalf("register: %d %s", res.Status, res.Body)
	}
	var raw strings.Builder
	out := map[string][]sync.Change{}
	cursors := map[sync.Scope]sync.ScopeRequest{}
	for page := 0; page < 50; page++ {
		res := srv.Do(http.MethodPost, "/api/sync/v1/pull", token, sync.PullRequest{ClientID: clientID, Scopes: cursors, LimitRows: 1000})
		if res.Status != http.StatusOK {
			t.Fatalf("pull: %d %s", res.Status, res.Body)
		}
		raw.Write(res.Body)
		var pr sync.PullResponse
		if err := json.Unmarshal(res.Body, &pr); err != nil {
			t.Fatal(err)
		}
		more := false
		for sc, s := range pr.Scopes {
			for _, c := range s.Changes {
				out[c.Coll] = append(out[c.Coll], c)
			}
			cursors[sc] = sync.ScopeRequest{Cursor: s.Cursor, Floor: s.Floor}
			more = more || s.HasMore
		}
		if !more {
			return raw.String(), out
		}
	}
	t.Fatal("pull never reached the head")
	return "", nil
}

func changeOf(cs []sync.Change, id string) *sync.Change {
	for i := range cs {
		if cs[i].ID == id {
			return &cs[i]
		}
	}
	return nil
}

// TestTriage_InspectorPullsTask: a supervisor assigns the report; the inspector's phone
// receives it and a notification through a pull, and never the reporter's contact.
func TestTriage_InspectorPullsTask(t *testing.T) {
	srv := newServer(t)
	s := submit(t, srv, report("key-triage-000000001"), device(), http.StatusCreated)
	r := reportByTracking(t, srv.App, s.Tracking)
	for _, bad := range []struct {
		user string
		args map[string]any
		code string
	}{
		{testkit.InspectorA, map[string]any{"inspector": testkit.InspectorA}, "report_needs_supervisor"},
		{testkit.SupervisorB, map[string]any{"inspector": testkit.InspectorB}, ""},
		{testkit.SupervisorA, map[string]any{"inspector": testkit.InspectorB}, "report_inspector_invalid"},
	} {
		if res := command(t, srv, bad.user, reports.AssignCommand, schema.Reports, r.Id, bad.args); res.Status == http.StatusOK ||
			!strings.Contains(string(res.Body), bad.code) {
			t.Errorf("%s assigning: %d %s", bad.user, res.Status, res.Body)
		}
	}
	mustCommand(t, srv, testkit.SupervisorA, reports.AssignCommand, schema.Reports, r.Id, map[string]any{"inspector": testkit.InspectorA})
	raw, changes := pullAll(t, srv, testkit.InspectorA, "phone-inspector-a-1")
	c := changeOf(changes[schema.Reports], r.Id)
	if c == nil || c.Data["assigned_to"] != testkit.InspectorA || c.Data["status"] != "triaged" {
		t.Fatalf("the phone has no task: %+v", c)
	}
	var note *sync.Change
	for i, n := range changes[schema.Notifications] {
		if n.Data["report"] == r.Id && n.Data["kind"] == "report_assigned" {
			note = &changes[schema.Notifications][i]
		}
	}
	if note == nil {
		t.Errorf("no assignment notification pulled")
	}
	if len(changes[schema.ReportContacts]) > 0 || len(changes[schema.ReportReceipts]) > 0 {
		t.Errorf("contacts or receipts travelled to a phone")
	}
	for _, p := range append(contactParts, "submission_key") {
		if strings.Contains(raw, p) {
			t.Errorf("the pull carries %q", p)
		}
	}
	// The inspector records the visit offline and pushes it with the report's step.
	res := srv.Do(http.MethodPost, "/api/sync/v1/push", srv.Token("users", testkit.InspectorA), sync.PushRequest{
		ClientID: "phone-inspector-a-1", Mutations: []sync.Mutation{
			{MID: 1, Op: sync.OpCreate, Coll: schema.Inspections, ID: "phoneinspect001", Data: map[string]any{
				"programme": "tutoring", "kind": "routine", "place": testkit.Side("centreplace", "a"),
				"subdistrict": testkit.SubdistrictA, "inspected_at": "2030-05-02 02:00:00.000Z", "result": "fail"}},
			{MID: 2, Op: sync.OpCmd, Coll: schema.Reports, ID: r.Id, Name: reports.InspectCommand,
				Args: map[string]any{"inspection": "phoneinspect001"}},
		}})
	var pushed struct{ Results []sync.Result }
	if err := json.Unmarshal(res.Body, &pushed); err != nil || len(pushed.Results) != 2 || pushed.Results[1].Outcome != sync.Applied {
		t.Fatalf("push: %d %s", res.Status, res.Body)
	}
	if st := status(t, srv, s.Tracking); st != "inspected" {
		t.Errorf("after the pushed step: %s", st)
	}
	// Inspector B's phone has none of it.
	_, theirs := pullAll(t, srv, testkit.InspectorB, "phone-inspector-b-1")
	if changeOf(theirs[schema.Reports], r.Id) != nil {
		t.Errorf("inspector B pulled A's report")
	}
}

// lifecycle takes the finding through order, acknowledgement, a passing re-inspection and
// closure, as the assigned inspector.
func lifecycle(t *testing.T, srv *testkit.Server, finding string) {
	t.Helper()
	mustCommand(t, srv, testkit.InspectorA, rectify.OrderCommand, schema.Findings, finding,
		map[string]any{"deadline": "2030-06-01 00:00:00.000Z", "responsible_party": partyName})
	mustCommand(t, srv, testkit.InspectorA, rectify.AcknowledgeCommand, schema.Findings, finding, map[string]any{"name": signerName})
	testkit.Save(t, srv.App, schema.Inspections, "reinspection001", map[string]any{"programme": "tutoring", "kind": "reinspection",
		"place": testkit.Side("centreplace", "a"), "subdistrict": testkit.SubdistrictA, "inspector": testkit.InspectorA,
		"inspected_at": "2030-05-20 02:00:00.000Z", "result": "pass", "photos": []string{testkit.Side("photo", "a")}})
	mustCommand(t, srv, testkit.InspectorA, rectify.ReinspectCommand, schema.Findings, finding, map[string]any{"inspection": "reinspection001"})
	mustCommand(t, srv, testkit.InspectorA, rectify.CloseCommand, schema.Findings, finding, nil)
}

// newFinding records, as inspector A, the inspection and finding of the reported centre.
func newFinding(t *testing.T, srv *testkit.Server) string {
	t.Helper()
	testkit.Save(t, srv.App, schema.Inspections, "inspection00001", map[string]any{"programme": "tutoring", "kind": "routine",
		"place": testkit.Side("centreplace", "a"), "subdistrict": testkit.SubdistrictA, "inspector": testkit.InspectorA,
		"inspected_at": "2030-05-02 02:00:00.000Z", "result": "fail", "notes": inspectorName + " 现场检查"})
	testkit.Save(t, srv.App, schema.Findings, "finding00000001", map[string]any{"programme": "tutoring", "place": testkit.Side("centreplace", "a"),
		"subdistrict": testkit.SubdistrictA, "inspection": "inspection00001", "category": "tutoring.exam_cramming",
		"severity": "general", "status": "open", "description": "负责人 " + partyName + " 承认周末开设应试班", "author": testkit.InspectorA})
	return "finding00000001"
}

func status(t *testing.T, srv *testkit.Server, tracking string) string {
	t.Helper()
	return reportByTracking(t, srv.App, tracking).GetString("status")
}

// TestTriage_OutcomeReachesReporter: the report follows its finding, the reporter reads the
// outcome by dates and results with every name removed, and disputes the fix within 30 days.
func TestTriage_OutcomeReachesReporter(t *testing.T) {
	srv := newServer(t)
	s := submit(t, srv, report("key-outcome-00000001"), device(), http.StatusCreated)
	r := reportByTracking(t, srv.App, s.Tracking)
	mustCommand(t, srv, testkit.SupervisorA, reports.AssignCommand, schema.Reports, r.Id, map[string]any{"inspector": testkit.InspectorA})
	finding := newFinding(t, srv)
	// Inspector B is not the handler.
	if res := command(t, srv, testkit.InspectorB, reports.LinkCommand, schema.Reports, r.Id, map[string]any{"finding": finding}); res.Status == http.StatusOK {
		t.Errorf("inspector B linked: %s", res.Body)
	}
	mustCommand(t, srv, testkit.InspectorA, reports.InspectCommand, schema.Reports, r.Id, map[string]any{"inspection": "inspection00001"})
	mustCommand(t, srv, testkit.InspectorA, reports.LinkCommand, schema.Reports, r.Id, map[string]any{"finding": finding})
	if st := status(t, srv, s.Tracking); st != "inspected" {
		t.Fatalf("after the link: %s", st)
	}
	if res := command(t, srv, testkit.SupervisorA, reports.CloseCommand, schema.Reports, r.Id, map[string]any{"reason": "已处理"}); !strings.Contains(string(res.Body), "report_finding_open") {
		t.Errorf("closed with an open finding: %d %s", res.Status, res.Body)
	}
	lifecycle(t, srv, finding)
	if st := status(t, srv, s.Tracking); st != "fixed" {
		t.Fatalf("after closure: %s", st)
	}
	res := lookup(t, srv, s.Tracking, s.Receipt)
	for _, name := range []string{inspectorName, supervisorName, partyName, signerName, "现场检查", "承认"} {
		if strings.Contains(string(res.Body), name) {
			t.Errorf("the reporter sees %q: %s", name, res.Body)
		}
	}
	v := res.JSON(t)
	o := v["outcome"].(map[string]any)
	want := map[string]any{"inspected_on": "2030-05-02", "violation_found": true, "fix_by": "2030-06-01",
		"reinspected_on": "2030-05-20", "reinspection_passed": true}
	for k, w := range want {
		if o[k] != w {
			t.Errorf("outcome %s = %v, want %v (%v)", k, o[k], w, o)
		}
	}
	if o["fixed_on"] == nil || o["acknowledged_on"] == nil || v["dispute"].(map[string]any)["allowed"] != true {
		t.Errorf("outcome: %v, dispute %v", o, v["dispute"])
	}
	var steps []string
	for _, h := range v["history"].([]any) {
		steps = append(steps, h.(map[string]any)["status"].(map[string]any)["value"].(string))
	}
	if strings.Join(steps, ",") != "received,triaged,inspected,ordered,fixed" {
		t.Errorf("history: %v", steps)
	}
	// The dispute reopens the case and tells its handlers.
	d := do(t, srv, http.MethodPost, "/api/fs/reports/"+s.Tracking+"/dispute", map[string]any{"text": "周六上午还在上应试班，没有整改"},
		"X-Report-Receipt", s.Receipt)
	if d.Status != http.StatusCreated || status(t, srv, s.Tracking) != "disputed" {
		t.Fatalf("dispute: %d %s", d.Status, d.Body)
	}
	for _, u := range []string{testkit.SupervisorA, testkit.InspectorA} {
		if n, _ := srv.App.CountRecords(schema.Notifications, dbx.HashExp{"report": r.Id, "user": u, "kind": "report_disputed"}); n != 1 {
			t.Errorf("%s told of the dispute %d times", u, n)
		}
	}
	// A supervisor sends someone again.
	mustCommand(t, srv, testkit.SupervisorA, reports.AssignCommand, schema.Reports, r.Id, map[string]any{"inspector": testkit.InspectorA})
	if st := status(t, srv, s.Tracking); st != "triaged" {
		t.Errorf("after reassignment: %s", st)
	}
}

// TestTriage_ClosedIsNotFixed: an inspection that finds nothing closes the report as closed,
// never fixed, and a fix can no longer be disputed after 30 days.
func TestTriage_ClosedIsNotFixed(t *testing.T) {
	srv := newServer(t)
	s := submit(t, srv, report("key-closed-000000001"), device(), http.StatusCreated)
	r := reportByTracking(t, srv.App, s.Tracking)
	mustCommand(t, srv, testkit.SupervisorA, reports.AssignCommand, schema.Reports, r.Id, map[string]any{"inspector": testkit.InspectorA})
	testkit.Save(t, srv.App, schema.Inspections, "inspectionpass1", map[string]any{"programme": "tutoring", "kind": "routine",
		"place": testkit.Side("centreplace", "a"), "subdistrict": testkit.SubdistrictA, "inspector": testkit.InspectorA,
		"inspected_at": "2030-05-02 02:00:00.000Z", "result": "pass"})
	mustCommand(t, srv, testkit.InspectorA, reports.InspectCommand, schema.Reports, r.Id, map[string]any{"inspection": "inspectionpass1"})
	mustCommand(t, srv, testkit.SupervisorA, reports.CloseCommand, schema.Reports, r.Id,
		map[string]any{"reason": "经" + inspectorName + "现场核查（电话 13812345678）未发现应试教学，" + supervisorName + "审核办结"})
	v := view(t, srv, s.Tracking, s.Receipt)
	if v["status"].(map[string]any)["value"] != "closed" || v["outcome"].(map[string]any)["violation_found"] != false {
		t.Errorf("closed report: %v", v)
	}
	res := v["resolution"].(string)
	if strings.Contains(res, inspectorName) || strings.Contains(res, supervisorName) || strings.Contains(res, "13812345678") || !strings.Contains(res, "未发现应试教学") {
		t.Errorf("resolution: %q", res)
	}
	if d := do(t, srv, http.MethodPost, "/api/fs/reports/"+s.Tracking+"/dispute", map[string]any{"text": "还在上课"}, "X-Report-Receipt", s.Receipt); d.Status != http.StatusConflict {
		t.Errorf("dispute of a closed report: %d %s", d.Status, d.Body)
	}
	if d := do(t, srv, http.MethodPost, "/api/fs/reports/"+s.Tracking+"/info", map[string]any{"text": "还在上课"}, "X-Report-Receipt", s.Receipt); d.Status != http.StatusConflict {
		t.Errorf("info on a closed report: %d %s", d.Status, d.Body)
	}
	// A fix disputed after 30 days.
	other := report("key-closed-000000002")
	other["category"] = "tutoring.fees"
	s2 := submit(t, srv, other, device(), http.StatusCreated)
	r2 := reportByTracking(t, srv.App, s2.Tracking)
	mustCommand(t, srv, testkit.SupervisorA, reports.AssignCommand, schema.Reports, r2.Id, map[string]any{"inspector": testkit.InspectorA})
	finding := newFinding(t, srv)
	mustCommand(t, srv, testkit.InspectorA, reports.LinkCommand, schema.Reports, r2.Id, map[string]any{"finding": finding})
	lifecycle(t, srv, finding)
	testClock.advance(31 * 24 * time.Hour)
	if d := do(t, srv, http.MethodPost, "/api/fs/reports/"+s2.Tracking+"/dispute", map[string]any{"text": "没有整改"}, "X-Report-Receipt", s2.Receipt); d.Status != http.StatusConflict ||
		!strings.Contains(string(d.Body), "report_dispute_closed") {
		t.Errorf("late dispute: %d %s", d.Status, d.Body)
	}
	// Rejecting needs a reason and an untouched report.
	if res := command(t, srv, testkit.SupervisorA, reports.RejectCommand, schema.Reports, r2.Id, map[string]any{"reason": "重复"}); res.Status == http.StatusOK {
		t.Errorf("rejected a fixed report")
	}
}

// runJob runs the app's cron job id now.
func runJob(t *testing.T, srv *testkit.Server, id string) {
	t.Helper()
	for _, j := range srv.App.Cron().Jobs() {
		if j.Id() == id {
			j.Run()
			return
		}
	}
	t.Fatalf("no job %s", id)
}

// TestTriage_UntriagedReminder: a report nobody triaged within two days is brought back to
// its supervisors, once.
func TestTriage_UntriagedReminder(t *testing.T) {
	srv := newServer(t)
	waiting := submit(t, srv, report("key-remind-000000001"), device(), http.StatusCreated)
	other := report("key-remind-000000002")
	other["category"] = "tutoring.fees"
	handled := submit(t, srv, other, device(), http.StatusCreated)
	mustCommand(t, srv, testkit.SupervisorA, reports.AssignCommand, schema.Reports, reportByTracking(t, srv.App, handled.Tracking).Id,
		map[string]any{"inspector": testkit.InspectorA})
	count := func(tracking string) int64 {
		n, _ := srv.App.CountRecords(schema.Notifications, dbx.HashExp{"kind": "report_untriaged",
			"report": reportByTracking(t, srv.App, tracking).Id, "user": testkit.SupervisorA})
		return n
	}
	runJob(t, srv, "fieldsync_report_reminders")
	if count(waiting.Tracking) != 0 {
		t.Fatalf("reminded at once")
	}
	testClock.advance(49 * time.Hour)
	runJob(t, srv, "fieldsync_report_reminders")
	runJob(t, srv, "fieldsync_report_reminders")
	if count(waiting.Tracking) != 1 || count(handled.Tracking) != 0 {
		t.Errorf("reminders: waiting %d, handled %d", count(waiting.Tracking), count(handled.Tracking))
	}
}

// TestView_MaskingFailsClosed: when the names to mask cannot be read, the reporter's view is
// refused rather than shown with staff names and phones in the clear.
func TestView_MaskingFailsClosed(t *testing.T) {
	srv := newServer(t)
	s := submit(t, srv, report("key-masking-00000001"), device(), http.StatusCreated)
	r := reportByTracking(t, srv.App, s.Tracking)
	mustCommand(t, srv, testkit.SupervisorA, reports.RejectCommand, schema.Reports, r.Id,
		map[string]any{"reason": "经" + inspectorName + "核实（电话 13812345678）不属实"})
	if v := view(t, srv, s.Tracking, s.Receipt); strings.Contains(fmt.Sprint(v), inspectorName) {
		t.Fatalf("the name is shown even when masking works: %v", v)
	}
	// The staff names become unreadable, as a failing database would make them.
	if _, err := srv.App.DB().NewQuery("ALTER TABLE users RENAME COLUMN name TO name_gone").Execute(); err != nil {
		t.Fatal(err)
	}
	res := lookup(t, srv, s.Tracking, s.Receipt)
	if res.Status != http.StatusInternalServerError || strings.Contains(string(res.Body), inspectorName) {
		t.Errorf("view without the names to mask: %d %s, want 500 without the name", res.Status, res.Body)
	}
}
