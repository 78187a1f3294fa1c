package rectify_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"github.com/haidian/fieldsync/internal/rectify"
	"github.com/haidian/fieldsync/internal/refdata"
	"github.com/haidian/fieldsync/internal/sync"
	"github.com/haidian/fieldsync/internal/testkit"
	"github.com/haidian/fieldsync/internal/tutoring"
)

// milestone is one milestone of GET /api/fs/milestones as user reads it.
type milestone struct {
	Code     string     `json:"code"`
	Title    string     `json:"title"`
	Rows     []progress `json:"rows"`
	District *progress  `json:"district"`
}

type progress struct {
	Subdistrict    string `json:"subdistrict"`
	Of, Done, Late int
	Met, Overdue   bool
}

func milestones(t *testing.T, srv *testkit.Server, coll, user, programme string) map[string]milestone {
	t.Helper()
	res := srv.Do(http.MethodGet, "/api/fs/milestones?programme="+programme, srv.Token(coll, user), nil)
	var body struct{ Milestones []milestone }
	if res.Status != http.StatusOK || json.Unmarshal(res.Body, &body) != nil {
		t.Fatalf("milestones for %s: %d %s", user, res.Status, res.Body)
	}
	out := map[string]milestone{}
	for _, m := range body.Milestones {
		out[m.Code] = m
	}
	return out
}

func row(t *testing.T, m milestone, sd string) progress {
	t.Helper()
	for _, p := range m.Rows {
		if p.Subdistrict == sd {
			return p
		}
	}
	t.Fatalf("%s has no row of %s: %+v", m.Code, sd, m.Rows)
	return progress{}
}

// overdueNotes counts supervisor's notifications of kind whose message names about.
func overdueNotes(t *testing.T, app core.App, supervisor, kind, about string) int {
	t.Helper()
	notes, err := app.FindAllRecords("notifications", dbx.HashExp{"user": supervisor, "kind": kind})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, r := range notes {
		if strings.Contains(r.GetString("message"), about) {
			n++
		}
	}
	return n
}

// Smoke alarms are due by the end of November 2018 (Beijing time); a later install counts,
// but as late. Installs arrive through REST and from phones alike.
//
// Gazette line 3502: "完成时限：2018 年 11 月底前".
func TestMilestones_SmokeAlarmsLateCountAsLate(t *testing.T) {
	app := testkit.NewApp(t)
	srv := testkit.Serve(t, app)
	install := func(serial, on string) map[string]any {
		return map[string]any{"household": testkit.Side("home", "a"), "subdistrict": testkit.SubdistrictA,
			"unit_type": "ordinary", "installed_on": on, "serial": serial, "location_in_home": "客厅", "consent": true}
	}
	// 23:00 on 30 November in Beijing is on time; 00:30 on 1 December is late.
	if o := testkit.NewSync(t, srv, testkit.InspectorA, "phone-alarms").Create("smoke_alarm_installs",
		testkit.RID("ontime", 1), install("ONTIME-1", "2018-11-30 15:00:00.000Z")); !o.OK {
		t.Fatalf("install pushed from a phone: %s", o)
	}
	if o := testkit.NewREST(t, srv, testkit.InspectorA).Create("smoke_alarm_installs",
		testkit.RID("late", 1), install("LATE-1", "2018-11-30 16:30:00.000Z")); !o.OK {
		t.Fatalf("install over REST: %s", o)
	}
	// Subdistrict A reads its own row: the fixture's install of July and the phone's on time,
	// the REST one late, against A's 2018 quota of 250.
	mine := milestones(t, srv, "users", testkit.SupervisorA, "smoke_alarm")["smoke_alarms"]
	if len(mine.Rows) != 1 || mine.District != nil {
		t.Fatalf("supervisor A reads %d rows and district %v", len(mine.Rows), mine.District)
	}
	if a := mine.Rows[0]; a.Subdistrict != testkit.SubdistrictA || a.Of != 250 || a.Done != 2 || a.Late != 1 || a.Met {
		t.Errorf("A's progress: %+v", a)
	}
	// The fire brigade leads the programme (主责单位, line 3498): every subdistrict and the district.
	brigade := milestones(t, srv, "users", testkit.FireStaff, "smoke_alarm")["smoke_alarms"]
	if len(brigade.Rows) != len(refdata.Subdistricts()) || brigade.District == nil ||
		brigade.District.Of != 500 || brigade.District.Done != 3 || brigade.District.Late != 1 {
		t.Errorf("brigade reads %d rows, district %+v", len(brigade.Rows), brigade.District)
	}
	if b := row(t, brigade, testkit.SubdistrictB); b.Done != 1 || b.Late != 0 {
		t.Errorf("B's progress: %+v", b)
	}
	// The environment bureau leads no smoke-alarm milestone.
	if got := milestones(t, srv, "users", testkit.EnvStaff, "smoke_alarm"); len(got) != 0 {
		t.Errorf("environment bureau reads %v", got)
	}
	if res := srv.Do(http.MethodGet, "/api/fs/milestones", "", nil); res.Status != http.StatusUnauthorized {
		t.Errorf("anonymous: %d", res.Status)
	}
	// The deadline job tells A's and B's supervisors once that the milestone is missed.
	title := "安装独立感烟报警装置"
	if _, _, err := rectify.Escalate(app, time.Date(2018, 11, 30, 15, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	if n := overdueNotes(t, app, testkit.SupervisorA, "milestone_overdue", title); n != 0 {
		t.Fatalf("told of a milestone before its deadline: %d", n)
	}
	for range 2 {
		if _, _, err := rectify.Escalate(app, time.Date(2018, 12, 2, 0, 0, 0, 0, time.UTC)); err != nil {
			t.Fatal(err)
		}
	}
	for _, sup := range []string{testkit.SupervisorA, testkit.SupervisorB} {
		if n := overdueNotes(t, app, sup, "milestone_overdue", title); n != 1 {
			t.Errorf("%s was told %d times of the missed smoke-alarm milestone", sup, n)
		}
	}
}

// Key units: 10% standardised by the end of June, all by the end of November. A supervisor
// records the date, through REST or a phone; an inspector may not.
//
// Gazette line 3406: "6月底前全区10%的重点单位完成标准化管理工作；11月底前全区所有消防安全重点单位完成标准化管理工作".
func TestMilestones_KeyUnitsTenPercentThenAll(t *testing.T) {
	app := testkit.NewApp(t)
	srv := testkit.Serve(t, app)
	units := []string{testkit.RID("keyunit", 1), testkit.RID("keyunit", 2), testkit.RID("keyunit", 3)}
	for _, id := range units {
		testkit.Save(t, app, "places", id, map[string]any{"kind": "venue", "venue_type": "crowded_place", "name": "重点单位",
			"subdistrict": testkit.SubdistrictA, "address": "测试路", "key_unit": true})
	}
	for _, door := range testkit.Doors(t, srv, testkit.InspectorA) {
		if o := door.Patch("places", units[2], map[string]any{"standardised_on": "2018-06-01 00:00:00.000Z"}); o.OK || o.Fields["standardised_on"] != "protected_field" {
			t.Errorf("%s: inspector records a standardisation: %s", door.Name(), o)
		}
	}
	doors := testkit.Doors(t, srv, testkit.SupervisorA)
	if o := doors[0].Patch("places", units[0], map[string]any{"standardised_on": "2018-06-20 00:00:00.000Z"}); !o.OK {
		t.Fatalf("supervisor over REST: %s", o)
	}
	if o := doors[1].Patch("places", units[1], map[string]any{"standardised_on": "2018-07-05 00:00:00.000Z"}); !o.OK {
		t.Fatalf("supervisor from a phone: %s", o)
	}
	got := milestones(t, srv, "users", testkit.SupervisorA, "fire")
	if a := row(t, got["key_units_10"], testkit.SubdistrictA); a.Of != 3 || a.Done != 1 || a.Late != 1 || !a.Met {
		t.Errorf("10%% by June: %+v", a)
	}
	if a := row(t, got["key_units_all"], testkit.SubdistrictA); a.Of != 3 || a.Done != 2 || a.Late != 0 || a.Met {
		t.Errorf("all by November: %+v", a)
	}
	// One unit of three by June meets 10%: nobody is told in July; by December A has missed
	// the second milestone.
	rectify.Escalate(app, time.Date(2018, 7, 1, 0, 0, 0, 0, time.UTC))
	if n := overdueNotes(t, app, testkit.SupervisorA, "milestone_overdue", "重点单位"); n != 0 {
		t.Errorf("told in July of %d key-unit milestones", n)
	}
	rectify.Escalate(app, time.Date(2018, 12, 1, 0, 0, 0, 0, time.UTC))
	if n := overdueNotes(t, app, testkit.SupervisorA, "milestone_overdue", "所有消防安全重点单位"); n != 1 {
		t.Errorf("told in December of %d missed key-unit milestones, want 1", n)
	}
}

// Each subdistrict sets up its bare-land ledger by the end of April; a ledger begun later
// counts as late.
//
// Gazette line 3736: "各街镇对辖区裸露地面开展全面排查，于4月底前，建立裸地台账并进行动态更新".
func TestMilestones_BareLandLedgerByEndOfApril(t *testing.T) {
	app := testkit.NewApp(t)
	srv := testkit.Serve(t, app)
	c := refdata.SubdistrictID(3)
	testkit.Save(t, app, "places", testkit.RID("landc", 1), map[string]any{"kind": "bare_land", "name": "裸地 C",
		"subdistrict": c, "address": "荒地 9 号"})
	if o := testkit.NewREST(t, srv, testkit.Superuser).Create("bare_land_entries", testkit.RID("entryc", 1), map[string]any{
		"place": testkit.RID("landc", 1), "subdistrict": c, "recorded_on": "2018-05-03 00:00:00.000Z",
		"area_m2": 300, "state": "bare", "treatment": "none"}); !o.OK {
		t.Fatalf("entry of C: %s", o)
	}
	// A later entry of A, pushed from a phone, does not move A's ledger from 20 April.
	if o := testkit.NewSync(t, srv, testkit.InspectorA, "phone-land").Create("bare_land_entries", testkit.RID("entrya", 1), map[string]any{
		"place": testkit.Side("land", "a"), "subdistrict": testkit.SubdistrictA, "recorded_on": "2018-06-03 00:00:00.000Z",
		"area_m2": 1200, "state": "covered", "treatment": "cover"}); !o.OK {
		t.Fatalf("entry of A from a phone: %s", o)
	}
	m := milestones(t, srv, core.CollectionNameSuperusers, testkit.Superuser, "dust")["bareland_ledger"]
	for sd, want := range map[string]progress{
		testkit.SubdistrictA: {Of: 1, Done: 1, Met: true}, c: {Of: 1, Late: 1, Overdue: true},
		refdata.SubdistrictID(4): {Of: 1, Overdue: true},
	} {
		got := row(t, m, sd)
		want.Subdistrict = sd
		if got != want {
			t.Errorf("%s: %+v, want %+v", sd, got, want)
		}
	}
}

// A centre's 限期整改 left unmet past its deadline is escalated like a finding, once per
// deadline; a new opinion is followed afresh.
//
// Gazette line 4823: "2018年12月 对未在规定时间内完成整改的培训机构，依法开展查处，予以行政处罚".
func TestMilestones_UnmetCentreDeadlineEscalates(t *testing.T) {
	app := testkit.NewApp(t)
	srv := testkit.Serve(t, app)
	centre := testkit.Side("centre", "a")
	decide := sync.Mutation{MID: 1, Op: sync.OpCmd, Coll: "tutoring_centres", ID: centre, Name: tutoring.DecideCommand,
		Args: map[string]any{"outcome": "rectify", "deadline": "2018-12-20 00:00:00.000Z"}}
	if r := push(t, srv, testkit.SupervisorA, "phone-decide", decide); r["outcome"] != sync.Applied {
		t.Fatalf("decide from a phone: %v", r)
	}
	escalate := func(day int) int {
		t.Helper()
		if _, _, err := rectify.Escalate(app, time.Date(2018, 12, day, 0, 0, 0, 0, time.UTC)); err != nil {
			t.Fatal(err)
		}
		return overdueNotes(t, app, testkit.SupervisorA, "centre_overdue", "学而思测试校区 a")
	}
	if n := escalate(19); n != 0 {
		t.Fatalf("escalated before the deadline: %d", n)
	}
	if n := escalate(21); n != 1 {
		t.Fatalf("after the deadline: %d notifications, want 1", n)
	}
	if n := escalate(22); n != 1 {
		t.Fatalf("escalated twice: %d", n)
	}
	if r, _ := app.FindRecordById("tutoring_centres", centre); r.GetDateTime("outcome_escalated_at").IsZero() {
		t.Error("the centre does not record its escalation")
	}
	// Nobody writes the escalation directly.
	for _, door := range testkit.Doors(t, srv, testkit.SupervisorA) {
		if o := door.Patch("tutoring_centres", centre, map[string]any{"outcome_escalated_at": ""}); o.OK || o.Fields["outcome_escalated_at"] != "protected_field" {
			t.Errorf("%s: supervisor clears the escalation: %s", door.Name(), o)
		}
	}
	// A new deadline over REST is followed again.
	res := command(srv, testkit.SupervisorA, tutoring.DecideCommand, "tutoring_centres", centre,
		map[string]any{"outcome": "rectify", "deadline": "2018-12-27 00:00:00.000Z"})
	if res.Status != http.StatusOK {
		t.Fatalf("new deadline: %d %s", res.Status, res.Body)
	}
	if n := escalate(26); n != 1 {
		t.Fatalf("escalated before the new deadline: %d", n)
	}
	if n := escalate(28); n != 2 {
		t.Fatalf("after the new deadline: %d notifications, want 2", n)
	}
}
