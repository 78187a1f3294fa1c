package demo_test

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"github.com/haidian/fieldsync/internal/app"
	"github.com/haidian/fieldsync/internal/demo"
	"github.com/haidian/fieldsync/internal/refdata"
	"github.com/haidian/fieldsync/internal/schema"
	"github.com/haidian/fieldsync/internal/testkit"
)

func TestMain(m *testing.M) {
	testkit.SetBind(app.Bind)
	testkit.Main(m)
}

// demoRows matches the records the demo created: their fixed ids start with "dm".
var demoRows = dbx.NewExp("id LIKE {:prefix}", dbx.Params{"prefix": "dm%"})

func load(t *testing.T, a core.App) string {
	t.Helper()
	report, err := demo.Load(a)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	return report
}

// totals reads the last line of a report.
func totals(t *testing.T, report string) (created, present int) {
	t.Helper()
	m := regexp.MustCompile(`Total: created (\d+), already present (\d+)`).FindStringSubmatch(report)
	if m == nil {
		t.Fatalf("no totals in report:\n%s", report)
	}
	created, _ = strconv.Atoi(m[1])
	present, _ = strconv.Atoi(m[2])
	return created, present
}

func count(t *testing.T, a core.App, coll string, exprs ...dbx.Expression) int {
	t.Helper()
	n, err := a.CountRecords(coll, exprs...)
	if err != nil {
		t.Fatalf("count %s: %v", coll, err)
	}
	return int(n)
}

func TestLoad_CreatesAccounts(t *testing.T) {
	a := testkit.NewApp(t)
	report := load(t, a)

	staff := []struct {
		email, role, subdistrict, agency string
	}{
		{demo.InspectorEmail, "inspector", refdata.SubdistrictID(1), ""},
		{demo.SupervisorEmail, "supervisor", refdata.SubdistrictID(1), ""},
		{demo.InspectorYongdingluEmail, "inspector", refdata.SubdistrictID(2), ""},
		{demo.FireStaffEmail, "agency_staff", "", refdata.AgencyID(1)},
		{demo.EnvStaffEmail, "agency_staff", "", refdata.AgencyID(3)},
	}
	for _, s := range staff {
		u, err := a.FindAuthRecordByEmail(schema.Users, s.email)
		if err != nil {
			t.Fatalf("find %s: %v", s.email, err)
		}
		subs := strings.Join(u.GetStringSlice("subdistricts"), ",")
		if u.GetString("role") != s.role || subs != s.subdistrict || u.GetString("agency") != s.agency {
			t.Errorf("%s: role %q, subdistricts %q, agency %q; want %q, %q, %q", s.email,
				u.GetString("role"), subs, u.GetString("agency"), s.role, s.subdistrict, s.agency)
		}
		if !u.ValidatePassword(demo.Password) {
			t.Errorf("%s: the documented password does not match", s.email)
		}
	}
	su, err := a.FindAuthRecordByEmail(core.CollectionNameSuperusers, demo.AdminEmail)
	if err != nil || !su.ValidatePassword(demo.Password) {
		t.Errorf("superuser %s with the documented password: %v", demo.AdminEmail, err)
	}
	for _, acc := range demo.Accounts {
		if !strings.Contains(report, acc.Email) {
			t.Errorf("report does not list %s:\n%s", acc.Email, report)
		}
	}
	if !strings.Contains(report, demo.Password) {
		t.Errorf("report does not give the password:\n%s", report)
	}
}

// TestLoad_CreatesRecords checks that the demo shows each programme's kinds of record.
func TestLoad_CreatesRecords(t *testing.T) {
	a := testkit.NewApp(t)
	load(t, a)

	h := func(kv ...any) dbx.HashExp {
		m := dbx.HashExp{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	tests := []struct {
		name, coll string
		where      dbx.HashExp
		min        int
	}{
		{"households of elderly living alone", schema.Households, h("elderly_alone", true), 2},
		{"group rentals", schema.Places, h("venue_type", "group_rental"), 1},
		{"tutoring centres", schema.Places, h("kind", "tutoring_centre"), 3},
		{"construction sites", schema.Sites, nil, 3},
		{"bare-land plots", schema.Places, h("kind", "bare_land"), 3},
		{"fire inspections", schema.Inspections, h("programme", "fire"), 3},
		{"tutoring inspections", schema.Inspections, h("programme", "tutoring"), 3},
		{"dust inspections", schema.Inspections, h("programme", "dust"), 3},
		{"general fire hazards", schema.Findings, h("programme", "fire", "severity", "general"), 1},
		{"major fire hazards", schema.Findings, h("programme", "fire", "severity", "major", "supervised", true), 1},
		{"general tutoring findings", schema.Findings, h("programme", "tutoring", "severity", "general"), 1},
		{"major tutoring findings", schema.Findings, h("programme", "tutoring", "severity", "major"), 1},
		{"general dust findings", schema.Findings, h("programme", "dust", "severity", "general"), 1},
		{"major dust findings", schema.Findings, h("programme", "dust", "severity", "major"), 1},
		{"referrals to the fire brigade", schema.Referrals, h("agency", refdata.AgencyID(1)), 1},
		{"referrals to the environment bureau", schema.Referrals, h("agency", refdata.AgencyID(3)), 1},
		{"enforcement actions", schema.Enforcements, nil, 3},
		{"networked installs", schema.AlarmInstalls, h("unit_type", "networked"), 1},
		{"ordinary installs", schema.AlarmInstalls, h("unit_type", "ordinary"), 1},
		{"bare-land ledger entries", schema.LandEntries, nil, 4},
		{"dustfall readings", schema.Dustfall, nil, 29},
		{"public reports", schema.Reports, nil, 3},
		{"reporters' contacts", schema.ReportContacts, nil, 3},
		{"centre classes", schema.CentreClasses, nil, 3},
		{"schools", schema.Places, h("kind", "school"), 1},
		{"school findings", schema.Findings, h("category", "tutoring.school_teacher_moonlighting"), 1},
		{"tutoring incidents", schema.Incidents, nil, 1},
	}
	for _, tt := range tests {
		exprs := []dbx.Expression{demoRows}
		if tt.where != nil {
			exprs = append(exprs, tt.where)
		}
		if n := count(t, a, tt.coll, exprs...); n < tt.min {
			t.Errorf("%s: %d demo records, want at least %d", tt.name, n, tt.min)
		}
	}
	// The fixture already holds two 2018 quotas; with the demo's, every subdistrict has one
	// of each unit type, and none twice.
	for _, unit := range []string{"networked", "ordinary"} {
		if n := count(t, a, schema.AlarmQuotas, h("year", 2018, "unit_type", unit)); n != 29 {
			t.Errorf("%s quotas for 2018: %d, want 29", unit, n)
		}
	}
}

// TestLoad_EmptyDatabase loads into a migrated database without the test fixture, where the
// quotas are all the demo's and must add up to the plan.
func TestLoad_EmptyDatabase(t *testing.T) {
	a := emptyApp(t)
	created, present := totals(t, load(t, a))
	if created == 0 || present != 0 {
		t.Errorf("first load: created %d, present %d; want some created, none present", created, present)
	}
	plan := map[string]int{"networked": 5000, "ordinary": 95645}
	for unit, want := range plan {
		var sum struct {
			Total int `db:"total"`
		}
		err := a.DB().Select("COALESCE(SUM(quota), 0) AS total").From(schema.AlarmQuotas).
			Where(dbx.HashExp{"year": 2018, "unit_type": unit}).One(&sum)
		if err != nil {
			t.Fatal(err)
		}
		if sum.Total != want {
			t.Errorf("%s quotas add up to %d, want %d", unit, sum.Total, want)
		}
	}
}

func emptyApp(t *testing.T) core.App {
	t.Helper()
	a := core.NewBaseApp(core.BaseAppConfig{DataDir: t.TempDir(), EncryptionEnv: "pb_test_env"})
	if err := a.Bootstrap(); err != nil {
		t.Fatalf("bootstrap: %v", err)
	}
	t.Cleanup(func() { _ = a.ClearBootstrap() })
	if err := a.RunAllMigrations(); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	app.Bind(a)
	return a
}

// tableState is a collection's row count and latest update time.
type tableState struct {
	Rows    int    `db:"n"`
	Updated string `db:"u"`
}

// snapshot reads every collection's state, so a second load that saved anything (even a
// record saved unchanged, which bumps its updated time) shows.
func snapshot(t *testing.T, a core.App) map[string]tableState {
	t.Helper()
	colls, err := a.FindAllCollections()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]tableState{}
	for _, c := range colls {
		updated := "''"
		if c.Fields.GetByName("updated") != nil {
			updated = "COALESCE(MAX([[updated]]), '')"
		}
		var s tableState
		q := a.DB().NewQuery("SELECT COUNT(*) AS n, " + updated + " AS u FROM {{" + c.Name + "}}")
		if err := q.One(&s); err != nil {
			t.Fatalf("state of %s: %v", c.Name, err)
		}
		out[c.Name] = s
	}
	return out
}

func TestLoad_SecondRunChangesNothing(t *testing.T) {
	a := testkit.NewApp(t)
	first, _ := totals(t, load(t, a))
	before := snapshot(t, a)
	audits := count(t, a, schema.AuditLog)

	report := load(t, a)
	created, present := totals(t, report)
	if created != 0 || present == 0 {
		t.Errorf("second load: created %d, present %d; want 0 created, all present:\n%s", created, present, report)
	}
	if present < first {
		t.Errorf("second load found %d present, first created %d", present, first)
	}
	after := snapshot(t, a)
	for name, b := range before {
		if after[name] != b {
			t.Errorf("%s changed: %+v, then %+v", name, b, after[name])
		}
	}
	if len(after) != len(before) {
		t.Errorf("collections: %d, then %d", len(before), len(after))
	}
	if n := count(t, a, schema.AuditLog); n != audits {
		t.Errorf("audit log grew from %d to %d rows", audits, n)
	}
}

// TestLoad_AuditSaysSystem checks the writes went through the model hooks, attributed to the
// system: every demo record of ours has its create row in the audit log.
func TestLoad_AuditSaysSystem(t *testing.T) {
	a := testkit.NewApp(t)
	load(t, a)
	for _, coll := range []string{schema.Users, schema.Places, schema.Findings, schema.AlarmQuotas, schema.ReportContacts} {
		want := count(t, a, coll, demoRows)
		audited := dbx.And(dbx.HashExp{"coll": coll, "action": "create"},
			dbx.NewExp("record_id LIKE {:prefix}", dbx.Params{"prefix": "dm%"}))
		all := count(t, a, schema.AuditLog, audited)
		system := count(t, a, schema.AuditLog, audited, dbx.HashExp{"actor_kind": "system", "door": "system"})
		if want == 0 || all != want || system != want {
			t.Errorf("%s: %d demo records, %d create rows in the audit log, %d by the system",
				coll, want, all, system)
		}
	}
}

// TestLoad_InspectorSignsIn signs in as the demo inspector of 万寿路 over HTTP and lists the
// findings: those of 万寿路, and no others.
func TestLoad_InspectorSignsIn(t *testing.T) {
	a := testkit.NewApp(t)
	load(t, a)
	srv := testkit.Serve(t, a)

	res := srv.Do("POST", "/api/collections/users/auth-with-password", "",
		map[string]string{"identity": demo.InspectorEmail, "password": demo.Password})
	if res.Status != 200 {
		t.Fatalf("sign in: %d %s", res.Status, res.Body)
	}
	token, _ := res.JSON(t)["token"].(string)

	wanshoulu := refdata.SubdistrictID(1)
	res = srv.Do("GET", "/api/collections/findings/records?perPage=500", token, nil)
	if res.Status != 200 {
		t.Fatalf("list findings: %d %s", res.Status, res.Body)
	}
	items, _ := res.JSON(t)["items"].([]any)
	for _, it := range items {
		if sd := it.(map[string]any)["subdistrict"]; sd != wanshoulu {
			t.Errorf("finding %v of subdistrict %v listed", it.(map[string]any)["id"], sd)
		}
	}
	want := count(t, a, schema.Findings, dbx.HashExp{"subdistrict": wanshoulu})
	others := count(t, a, schema.Findings, dbx.Not(dbx.HashExp{"subdistrict": wanshoulu}))
	if len(items) != want || want == 0 || others == 0 {
		t.Errorf("listed %d findings; 万寿路 has %d, other subdistricts %d", len(items), want, others)
	}
}

// TestLoad_CreditCodes checks the demo centres' codes pass GB 32100-2015's check, as real
// ones do.
func TestLoad_CreditCodes(t *testing.T) {
	a := testkit.NewApp(t)
	load(t, a)
	centres, err := a.FindAllRecords(schema.Centres, demoRows, dbx.Not(dbx.HashExp{"credit_code": ""}))
	if err != nil {
		t.Fatal(err)
	}
	if len(centres) < 3 {
		t.Fatalf("%d demo centres with a credit code, want at least 3", len(centres))
	}
	for _, c := range centres {
		if err := checkCreditCode(c.GetString("credit_code")); err != nil {
			t.Errorf("centre %s: %v", c.Id, err)
		}
	}
}

// TestCheckCreditCode validates the test's checker on the example code that GB 32100's
// explanatory material uses, and on one altered character.
func TestCheckCreditCode(t *testing.T) {
	if err := checkCreditCode("91350100M000100Y43"); err != nil {
		t.Errorf("published example: %v", err)
	}
	if err := checkCreditCode("91350100M000100Y44"); err == nil {
		t.Error("a wrong check character passed")
	}
}

// checkCreditCode verifies both check characters of a unified social credit code: the
// organisation code's (GB 11714, positions 9-17) and the code's own (position 18). It is
// written apart from the demo's generator so the test does not grade its own homework.
func checkCreditCode(code string) error {
	const alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
	if len(code) != 18 {
		return fmt.Errorf("%q: %d characters, want 18", code, len(code))
	}
	weights := []int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}
	sum := 0
	for i, w := range weights {
		v := strings.IndexByte(alphabet, code[i])
		if v < 0 {
			return fmt.Errorf("%q: character %d not in the alphabet", code, i+1)
		}
		sum += v * w
	}
	if want := alphabet[(31-sum%31)%31]; code[17] != want {
		return fmt.Errorf("%q: check character %c, want %c", code, code[17], want)
	}
	org := 0
	for i, w := range []int{3, 7, 9, 10, 5, 8, 4, 2} {
		v, err := strconv.ParseInt(code[8+i:9+i], 36, 0)
		if err != nil {
			return fmt.Errorf("%q: organisation code: %v", code, err)
		}
		org += int(v) * w
	}
	want := "0123456789X0"[11-org%11]
	if code[16] != want {
		return fmt.Errorf("%q: organisation code check %c, want %c", code, code[16], want)
	}
	return nil
}
