package rectify_test

import (
	"bytes"
	"encoding/csv"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/xuri/excelize/v2"

	"github.com/haidian/fieldsync/internal/access"
	"github.com/haidian/fieldsync/internal/rectify"
	"github.com/haidian/fieldsync/internal/sync"
	"github.com/haidian/fieldsync/internal/testkit"
)

// command runs a workflow command through the REST door and returns the answer.
func command(srv *testkit.Server, user, name, coll, id string, args map[string]any) testkit.Response {
	return srv.Do(http.MethodPost, "/api/fs/commands", srv.Token("users", user),
		sync.CommandRequest{Name: name, Coll: coll, ID: id, Args: args})
}

func code(t *testing.T, res testkit.Response) string {
	t.Helper()
	body := res.JSON(t)
	if c, ok := body["code"].(string); ok && c != "validation_failed" {
		return c
	}
	if data, ok := body["data"].(map[string]any); ok {
		if fields, ok := data["fields"].(map[string]any); ok {
			for _, v := range fields {
				return v.(string)
			}
		}
	}
	return ""
}

// reinspection stores a re-inspection of finding A's place with the given result and photos.
func reinspection(t *testing.T, app core.App, result string, photos []string) string {
	t.Helper()
	coll, _ := app.FindCollectionByNameOrId("inspections")
	r := core.NewRecord(coll)
	r.Load(map[string]any{"programme": "fire", "kind": "reinspection", "place": testkit.Side("venue", "a"),
		"subdistrict": testkit.SubdistrictA, "inspected_at": "2018-06-02 10:00:00.000Z", "result": result,
		"photos": photos})
	access.AsSystem(r)
	if err := app.Save(r); err != nil {
		t.Fatal(err)
	}
	return r.Id
}

func status(t *testing.T, app core.App, id string) string {
	t.Helper()
	r, err := app.FindRecordById("findings", id)
	if err != nil {
		t.Fatal(err)
	}
	return r.GetString("status")
}

func TestLifecycle_FoundOrderedReinspectedClosed(t *testing.T) {
	app := testkit.NewApp(t)
	srv := testkit.Serve(t, app)
	f := testkit.Side("finding", "a")
	insp, sup := testkit.InspectorA, testkit.SupervisorA

	// Nobody sets a status by assertion, at any door.
	res := srv.Do(http.MethodPatch, "/api/collections/findings/records/"+f, srv.Token("users", sup), map[string]any{"status": "closed"})
	if res.Status != http.StatusBadRequest {
		t.Fatalf("PATCH status: %d %s", res.Status, res.Body)
	}
	admin := srv.Do(http.MethodPatch, "/api/collections/findings/records/"+f, srv.Token("_superusers", testkit.Superuser), map[string]any{"status": "closed"})
	if admin.Status != http.StatusBadRequest {
		t.Fatalf("an administrator closed a finding by assertion: %d %s", admin.Status, admin.Body)
	}

	steps := []struct {
		user, name string
		args       map[string]any
		wantCode   string
		wantStatus string
	}{
		{insp, rectify.OrderCommand, map[string]any{"deadline": "2018-06-01 00:00:00.000Z"}, "finding_order_incomplete", "open"},
		{testkit.InspectorB, rectify.OrderCommand, map[string]any{"deadline": "2018-06-01 00:00:00.000Z", "responsible_party": "房东"}, "not_found", "open"},
		{insp, rectify.OrderCommand, map[string]any{"deadline": "2018-06-01 00:00:00.000Z", "responsible_party": "房东"}, "", "ordered"},
		{insp, rectify.CloseCommand, nil, "finding_bad_transition", "ordered"},
		{insp, rectify.AcknowledgeCommand, map[string]any{"name": "房东王某"}, "", "acknowledged"},
	}
	for _, s := range steps {
		res := command(srv, s.user, s.name, "findings", f, s.args)
		if got := code(t, res); got != s.wantCode || (s.wantCode == "" && res.Status != http.StatusOK) {
			t.Fatalf("%s by %s: %d %s, want code %q", s.name, s.user, res.Status, res.Body, s.wantCode)
		}
		if got := status(t, app, f); got != s.wantStatus {
			t.Fatalf("after %s: status %s, want %s", s.name, got, s.wantStatus)
		}
	}
	// A re-inspection without photos is no evidence; a failing one returns the finding.
	noPhotos := reinspection(t, app, "pass", nil)
	if res := command(srv, insp, rectify.ReinspectCommand, "findings", f, map[string]any{"inspection": noPhotos}); code(t, res) != "hazard_close_needs_evidence" {
		t.Fatalf("re-inspection without evidence: %d %s", res.Status, res.Body)
	}
	failed := reinspection(t, app, "fail", []string{testkit.Side("photo", "a")})
	command(srv, insp, rectify.ReinspectCommand, "findings", f, map[string]any{"inspection": failed})
	if got := status(t, app, f); got != "returned" {
		t.Fatalf("after a failing re-inspection: %s", got)
	}
	passed := reinspection(t, app, "pass", []string{testkit.Side("photo", "a")})
	if res := command(srv, insp, rectify.ReinspectCommand, "findings", f, map[string]any{"inspection": passed}); res.Status != http.StatusOK {
		t.Fatalf("re-inspect: %d %s", res.Status, res.Body)
	}
	if res := command(srv, insp, rectify.CloseCommand, "findings", f, nil); res.Status != http.StatusOK {
		t.Fatalf("close: %d %s", res.Status, res.Body)
	}
	rec, _ := app.FindRecordById("findings", f)
	if rec.GetString("status") != "closed" || rec.GetString("closed_by") != insp || rec.GetString("reinspection") != passed {
		t.Fatalf("closed finding: %v", rec)
	}
	// Closed is final, and locked for edits.
	if res := command(srv, sup, rectify.ReturnCommand, "findings", f, map[string]any{"reason": "再看看"}); code(t, res) != "finding_bad_transition" && code(t, res) != "record_closed" {
		t.Fatalf("return of a closed finding: %d %s", res.Status, res.Body)
	}
	// The timeline shows every step, to whoever may see the finding, and nothing to others.
	tl := srv.Do(http.MethodGet, "/api/fs/findings/"+f+"/timeline", srv.Token("users", sup), nil)
	if tl.Status != http.StatusOK || len(tl.JSON(t)["events"].([]any)) < 7 {
		t.Fatalf("timeline: %d %s", tl.Status, tl.Body)
	}
	if other := srv.Do(http.MethodGet, "/api/fs/findings/"+f+"/timeline", srv.Token("users", testkit.InspectorB), nil); other.Status != http.StatusNotFound {
		t.Fatalf("timeline for subdistrict B: %d", other.Status)
	}
}

func TestLifecycle_MajorNeedsASupervisorsSignOff(t *testing.T) {
	app := testkit.NewApp(t)
	srv := testkit.Serve(t, app)
	f := testkit.Side("finding", "a")
	// Raising the severity lists the finding for supervised rectification at once.
	rec, _ := app.FindRecordById("findings", f)
	rec.Set("severity", "major")
	access.AsSystem(rec)
	if err := app.Save(rec); err != nil {
		t.Fatal(err)
	}
	if rec, _ = app.FindRecordById("findings", f); !rec.GetBool("supervised") {
		t.Fatal("a major finding is not supervised")
	}
	insp := testkit.InspectorA
	command(srv, insp, rectify.OrderCommand, "findings", f, map[string]any{"deadline": "2018-06-01 00:00:00.000Z", "responsible_party": "房东"})
	passed := reinspection(t, app, "pass", []string{testkit.Side("photo", "a")})
	command(srv, insp, rectify.ReinspectCommand, "findings", f, map[string]any{"inspection": passed})
	if res := command(srv, insp, rectify.CloseCommand, "findings", f, nil); code(t, res) != "finding_needs_supervisor" {
		t.Fatalf("inspector closes a major finding: %d %s", res.Status, res.Body)
	}
	if res := command(srv, testkit.SupervisorA, rectify.CloseCommand, "findings", f, nil); res.Status != http.StatusOK {
		t.Fatalf("supervisor sign-off: %d %s", res.Status, res.Body)
	}
}

func TestLifecycle_SameRulesThroughSync(t *testing.T) {
	srv := testkit.Serve(t, testkit.NewApp(t))
	res := push(t, srv, testkit.InspectorA, "device-inspector-a", sync.Mutation{MID: 1, Op: sync.OpCmd,
		Coll: "findings", ID: testkit.Side("finding", "a"), Name: rectify.CloseCommand})
	if res["outcome"] != sync.Rejected || res["code"] != "validation_failed" {
		t.Fatalf("close pushed from a phone: %v", res)
	}
	if res["fields"].(map[string]any)["status"] != "finding_bad_transition" {
		t.Fatalf("fields: %v", res["fields"])
	}
	checkSaysWhatComesFirst(t, "sync push", res["message"].(string))
}

// A refused step tells the inspector, in both languages, what must happen before it: closing
// an open finding needs an order to rectify, then a re-inspection with photos.
func TestLifecycle_RefusedStepSaysWhatMustHappenFirst(t *testing.T) {
	srv := testkit.Serve(t, testkit.NewApp(t))
	f := testkit.Side("finding", "a")
	res := command(srv, testkit.InspectorA, rectify.CloseCommand, "findings", f, nil)
	if res.Status != http.StatusBadRequest || code(t, res) != "finding_bad_transition" {
		t.Fatalf("close an open finding over REST: %d %s", res.Status, res.Body)
	}
	checkSaysWhatComesFirst(t, "REST", res.JSON(t)["message"].(string))

	command(srv, testkit.InspectorA, rectify.OrderCommand, "findings", f,
		map[string]any{"deadline": "2018-06-01 00:00:00.000Z", "responsible_party": "房东"})
	res = command(srv, testkit.InspectorA, rectify.CloseCommand, "findings", f, nil)
	msg, _ := res.JSON(t)["message"].(string)
	if !strings.Contains(msg, "first a passing re-inspection with photos is needed") ||
		strings.Contains(msg, "order to rectify") {
		t.Errorf("closing an ordered finding: the message names the wrong steps: %s", msg)
	}
}

func checkSaysWhatComesFirst(t *testing.T, door, msg string) {
	t.Helper()
	for _, want := range []string{
		"“已发现”（open）变为“已销账”（closed）",
		"须先有责令整改（写明整改期限和责任方），再有一次带照片的合格复查",
		"from Found (open) to Closed (closed)",
		"first an order to rectify with a deadline and a responsible party, then a passing re-inspection with photos is needed",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("%s: the refusal %q does not say %q", door, msg, want)
		}
	}
}

func TestEscalate_OverdueFindingsAndReferrals(t *testing.T) {
	app := testkit.NewApp(t)
	srv := testkit.Serve(t, app)
	f := testkit.Side("finding", "a")
	command(srv, testkit.InspectorA, rectify.OrderCommand, "findings", f,
		map[string]any{"deadline": "2018-06-01 00:00:00.000Z", "responsible_party": "房东"})
	before := time.Date(2018, 5, 1, 0, 0, 0, 0, time.UTC)
	if n, r, err := rectify.Escalate(app, before); err != nil || n != 0 || r != 0 {
		t.Fatalf("before the deadline: %d %d %v", n, r, err)
	}
	after := time.Date(2018, 6, 2, 0, 0, 0, 0, time.UTC)
	n, r, err := rectify.Escalate(app, after)
	// Finding A is overdue; the fixture's referrals (deadline 10 May) are both late.
	if err != nil || n != 1 || r != 2 {
		t.Fatalf("after the deadline: %d findings, %d referrals, %v", n, r, err)
	}
	if got := status(t, app, f); got != "escalated" {
		t.Fatalf("status %s", got)
	}
	notes, _ := app.FindAllRecords("notifications", dbx.HashExp{"user": testkit.SupervisorA, "kind": "finding_overdue"})
	if len(notes) != 1 {
		t.Fatalf("supervisor A has %d overdue notifications", len(notes))
	}
	// Running again escalates nothing twice.
	if n, r, err := rectify.Escalate(app, after.Add(time.Hour)); err != nil || n != 0 || r != 0 {
		t.Fatalf("second run: %d %d %v", n, r, err)
	}
	// An escalated finding is still rectified through the lifecycle.
	passed := reinspection(t, app, "pass", []string{testkit.Side("photo", "a")})
	if res := command(srv, testkit.InspectorA, rectify.ReinspectCommand, "findings", f, map[string]any{"inspection": passed}); res.Status != http.StatusOK {
		t.Fatalf("re-inspect an escalated finding: %d %s", res.Status, res.Body)
	}
}

func TestReferral_WhistleAndReportForDuty(t *testing.T) {
	app := testkit.NewApp(t)
	srv := testkit.Serve(t, app)
	f := testkit.Side("finding", "a")
	env := testkit.AgencyEnv
	if res := command(srv, testkit.InspectorA, rectify.ReferCommand, "findings", f,
		map[string]any{"agency": env, "deadline": "2018-06-01 00:00:00.000Z", "reason": "扬尘"}); code(t, res) != "finding_needs_supervisor" {
		t.Fatalf("an inspector refers: %d %s", res.Status, res.Body)
	}
	if res := command(srv, testkit.SupervisorA, rectify.ReferCommand, "findings", f,
		map[string]any{"agency": env, "deadline": "2018-06-01 00:00:00.000Z", "reason": "工地扬尘，请环保局报到"}); res.Status != http.StatusOK {
		t.Fatalf("refer: %d %s", res.Status, res.Body)
	}
	refs, _ := app.FindAllRecords("referrals", dbx.HashExp{"finding": f, "agency": env})
	if len(refs) != 1 {
		t.Fatalf("referrals to env: %d", len(refs))
	}
	ref := refs[0].Id
	// The bureau sees the case and was told; the brigade cannot answer it.
	if n, _ := app.CountRecords("notifications", dbx.HashExp{"user": testkit.EnvStaff, "kind": "referral_received"}); n != 1 {
		t.Fatalf("env staff notified %d times", n)
	}
	if res := command(srv, testkit.FireStaff, rectify.ReferralAcknowledgeCommand, "referrals", ref, nil); res.Status == http.StatusOK {
		t.Fatal("the brigade answered the bureau's referral")
	}
	// "Not ours": the finding returns to its subdistrict, the supervisors are told.
	if res := command(srv, testkit.EnvStaff, rectify.ReferralDeclineCommand, "referrals", ref,
		map[string]any{"response": "非本局职责，属城管执法"}); res.Status != http.StatusOK {
		t.Fatalf("decline: %d %s", res.Status, res.Body)
	}
	rec, _ := app.FindRecordById("findings", f)
	if rec.GetString("agency") != "" {
		t.Fatalf("the finding stayed with the bureau: %q", rec.GetString("agency"))
	}
	if n, _ := app.CountRecords("notifications", dbx.HashExp{"user": testkit.SupervisorA, "kind": "referral_declined"}); n != 1 {
		t.Fatalf("supervisor A notified %d times", n)
	}
	if res := command(srv, testkit.EnvStaff, rectify.ReferralDoneCommand, "referrals", ref, nil); code(t, res) != "referral_not_open" {
		t.Fatalf("answer after declining: %d %s", res.Status, res.Body)
	}
}

func TestFigures_CountEachFindingOnceWithinScope(t *testing.T) {
	app := testkit.NewApp(t)
	srv := testkit.Serve(t, app)
	f := testkit.Side("finding", "a")
	command(srv, testkit.InspectorA, rectify.OrderCommand, "findings", f,
		map[string]any{"deadline": "2000-01-01 00:00:00.000Z", "responsible_party": "房东"})
	figures := func(user string) []any {
		res := srv.Do(http.MethodGet, "/api/fs/rectify/figures?programme=fire", srv.Token("users", user), nil)
		if res.Status != http.StatusOK {
			t.Fatalf("figures for %s: %d %s", user, res.Status, res.Body)
		}
		return res.JSON(t)["figures"].([]any)
	}
	got := figures(testkit.SupervisorA)
	if len(got) != 1 {
		t.Fatalf("supervisor A sees %d subdistricts: %v", len(got), got)
	}
	row := got[0].(map[string]any)
	if row["subdistrict"] != testkit.SubdistrictA || row["found"] != 1.0 || row["open"] != 1.0 || row["overdue"] != 1.0 {
		t.Fatalf("figures of A: %v", row)
	}
	// Late closure: re-inspected and closed after the (past) deadline.
	passed := reinspection(t, app, "pass", []string{testkit.Side("photo", "a")})
	command(srv, testkit.InspectorA, rectify.ReinspectCommand, "findings", f, map[string]any{"inspection": passed})
	command(srv, testkit.InspectorA, rectify.CloseCommand, "findings", f, nil)
	row = figures(testkit.SupervisorA)[0].(map[string]any)
	if row["closed"] != 1.0 || row["closed_late"] != 1.0 || row["open"] != 0.0 || row["overdue"] != 0.0 {
		t.Fatalf("after the late closure: %v", row)
	}
	// The fire brigade answers for the findings referred to it (gazette line 3450: 一般火灾隐患
	// 100%整改): finding A, not B, which names no agency; the environment bureau for none.
	if got := figures(testkit.FireStaff); len(got) != 1 || got[0].(map[string]any)["subdistrict"] != testkit.SubdistrictA ||
		got[0].(map[string]any)["found"] != 1.0 || got[0].(map[string]any)["closed"] != 1.0 {
		t.Fatalf("fire brigade's figures: %v", got)
	}
	if got := figures(testkit.EnvStaff); len(got) != 0 {
		t.Fatalf("environment bureau sees fire figures it does not answer for: %v", got)
	}
	if res := srv.Do(http.MethodGet, "/api/fs/rectify/figures", "", nil); res.Status != http.StatusUnauthorized {
		t.Fatalf("anonymous: %d", res.Status)
	}
}

// The downloads hold the rows the JSON answers, for the same user, and nobody else's.
func TestFigures_ExportsMatchTheJSON(t *testing.T) {
	srv := testkit.Serve(t, testkit.NewApp(t))
	tokA := srv.Token("users", testkit.SupervisorA)
	res := srv.Do(http.MethodGet, "/api/fs/rectify/figures.csv?programme=fire", tokA, nil)
	if res.Status != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/csv") ||
		!strings.Contains(res.Header.Get("Content-Disposition"), `filename="rectify-figures-fire.csv"`) {
		t.Fatalf("csv: %d %v", res.Status, res.Header)
	}
	rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(res.Body, []byte("\ufeff")))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"万寿路街道", "1", "1", "1", "0", "0", "0", "0", "1", "0", "0", "0", "0", "0", "0", "", "0", "0", "0"}}
	if len(rows) != 2 || rows[0][0] != "街镇 Subdistrict" || !slices.Equal(rows[1], want[0]) {
		t.Fatalf("csv rows %v, want heading and %v", rows, want)
	}
	res = srv.Do(http.MethodGet, "/api/fs/rectify/figures.xlsx?programme=fire", tokA, nil)
	x, err := excelize.OpenReader(bytes.NewReader(res.Body))
	if res.Status != http.StatusOK || err != nil {
		t.Fatalf("xlsx: %d %v", res.Status, err)
	}
	got, _ := x.GetRows("Sheet1")
	if len(got) != 4 || !slices.Equal(got[3], want[0]) {
		t.Fatalf("xlsx rows %v", got)
	}
	// The environment bureau is given no finding: its download has the heading alone.
	res = srv.Do(http.MethodGet, "/api/fs/rectify/figures.csv?programme=fire", srv.Token("users", testkit.EnvStaff), nil)
	if res.Status != http.StatusOK || bytes.Count(res.Body, []byte("\n")) != 1 {
		t.Errorf("csv for the environment bureau: %d %q", res.Status, res.Body)
	}
	for _, path := range []string{"/api/fs/rectify/figures.csv", "/api/fs/rectify/figures.xlsx"} {
		if res := srv.Do(http.MethodGet, path, "", nil); res.Status != http.StatusUnauthorized {
			t.Errorf("%s anonymous: %d", path, res.Status)
		}
	}
}

// TestTimeline_ShowsNoMoreThanRESTShows: a finding referred to the environment bureau, declined,
// then referred to the fire brigade. The brigade's staff may now view the finding, but not the
// bureau's referral (REST answers 404), so its steps are not in the timeline they read either;
// the subdistrict's supervisor, who may view both referrals, reads both.
func TestTimeline_ShowsNoMoreThanRESTShows(t *testing.T) {
	app := testkit.NewApp(t)
	srv := testkit.Serve(t, app)
	f := testkit.Side("finding", "a")
	// refer refers the finding and returns the new referral (the fixture has one already).
	refer := func(agency, reason string) string {
		t.Helper()
		before, err := app.FindAllRecords("referrals", dbx.HashExp{"finding": f, "agency": agency})
		if err != nil {
			t.Fatal(err)
		}
		if res := command(srv, testkit.SupervisorA, rectify.ReferCommand, "findings", f,
			map[string]any{"agency": agency, "deadline": "2018-06-01 00:00:00.000Z", "reason": reason}); res.Status != http.StatusOK {
			t.Fatalf("refer to %s: %d %s", agency, res.Status, res.Body)
		}
		after, err := app.FindAllRecords("referrals", dbx.HashExp{"finding": f, "agency": agency})
		if err != nil || len(after) != len(before)+1 {
			t.Fatalf("referrals to %s: %d then %d, %v", agency, len(before), len(after), err)
		}
		for _, r := range after {
			if !slices.ContainsFunc(before, func(b *core.Record) bool { return b.Id == r.Id }) {
				return r.Id
			}
		}
		return ""
	}
	envRef := refer(testkit.AgencyEnv, "扬尘")
	if res := command(srv, testkit.EnvStaff, rectify.ReferralDeclineCommand, "referrals", envRef,
		map[string]any{"response": "非本局职责：环保局内部意见"}); res.Status != http.StatusOK {
		t.Fatalf("decline: %d %s", res.Status, res.Body)
	}
	fireRef := refer(testkit.AgencyFire, "消防通道堵塞")

	timeline := func(user string) string {
		t.Helper()
		res := srv.Do(http.MethodGet, "/api/fs/findings/"+f+"/timeline", srv.Token("users", user), nil)
		if res.Status != http.StatusOK {
			t.Fatalf("timeline for %s: %d %s", user, res.Status, res.Body)
		}
		return string(res.Body)
	}
	if res := srv.Do(http.MethodGet, "/api/collections/referrals/records/"+envRef, srv.Token("users", testkit.FireStaff), nil); res.Status != http.StatusNotFound {
		t.Fatalf("the brigade reads the bureau's referral through REST: %d", res.Status)
	}
	fire := timeline(testkit.FireStaff)
	if strings.Contains(fire, envRef) || strings.Contains(fire, "环保局内部意见") {
		t.Fatalf("the brigade's timeline holds the bureau's referral:\n%s", fire)
	}
	if !strings.Contains(fire, fireRef) {
		t.Fatalf("the brigade's timeline lacks its own referral:\n%s", fire)
	}
	if sup := timeline(testkit.SupervisorA); !strings.Contains(sup, envRef) || !strings.Contains(sup, fireRef) {
		t.Fatalf("the supervisor's timeline lacks a referral:\n%s", sup)
	}
}
