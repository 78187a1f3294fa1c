package inspectorapp_test

import (
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/core"

	"github.com/haidian/fieldsync/internal/access"
	"github.com/haidian/fieldsync/internal/dust"
	"github.com/haidian/fieldsync/internal/fire"
	"github.com/haidian/fieldsync/internal/rectify"
	"github.com/haidian/fieldsync/internal/schema"
	"github.com/haidian/fieldsync/internal/testkit"
	"github.com/haidian/fieldsync/internal/tutoring"
)

// TestRules_MirrorTheServer: the lists the phone checks before a push (ui/rules.js) are the
// server's own, so a rule changed on the server cannot silently leave the phone behind.
func TestRules_MirrorTheServer(t *testing.T) {
	src, err := os.ReadFile("ui/rules.js")
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string][]string{
		"alwaysMajor":  fire.AlwaysMajor,
		"conductItems": tutoring.ConductItems,
		"safetyItems":  tutoring.SafetyItems,
		"dustItems":    dust.SixHundred,
		// What the phone offers a subdistrict's staff to record on a finding.
		"subdistrictMeasures": rectify.SubdistrictMeasures,
	} {
		if got := jsList(t, string(src), name); !slices.Equal(got, want) {
			t.Errorf("rules.js %s = %v, the server's %v", name, got, want)
		}
	}
}

// TestRules_AgencyMeasuresMirrorTheServer: the measures the phone offers an agency's staff are
// the ones internal/rectify lets that agency record, agency by agency.
func TestRules_AgencyMeasuresMirrorTheServer(t *testing.T) {
	src, err := os.ReadFile("ui/rules.js")
	if err != nil {
		t.Fatal(err)
	}
	got := jsLists(t, string(src), "agencyMeasures")
	if len(got) != len(rectify.AgencyMeasures) {
		t.Errorf("rules.js agencyMeasures names %d agencies, the server %d", len(got), len(rectify.AgencyMeasures))
	}
	for code, want := range rectify.AgencyMeasures {
		if !slices.Equal(got[code], want) {
			t.Errorf("rules.js agencyMeasures.%s = %v, the server's %v", code, got[code], want)
		}
	}
}

// TestRules_CentreMirrorsTheServer: what the phone lets each role write on a tutoring centre is
// the server's field policy, its registration-form codes are internal/tutoring's, and the
// phones' alphabet it checks is the schema's pattern of each contact phone.
func TestRules_CentreMirrorsTheServer(t *testing.T) {
	src, err := os.ReadFile("ui/rules.js")
	if err != nil {
		t.Fatal(err)
	}
	locked := jsLists(t, string(src), "centreLocked")
	if len(locked) != 2 {
		t.Errorf("rules.js centreLocked names %d roles, the field staff's two", len(locked))
	}
	for _, role := range []access.Role{access.Inspector, access.Supervisor} {
		if got, want := locked[string(role)], access.Policies[schema.Centres].Locked(role); !slices.Equal(got, want) {
			t.Errorf("rules.js centreLocked.%s = %v, the server's %v", role, got, want)
		}
	}
	for name, want := range map[string]string{
		"centreOtherUnspecified":           tutoring.CodeOtherUnspecified,
		"centreSubjectModeWithoutSubjects": tutoring.CodeSubjectModeNoSubject,
	} {
		if !strings.Contains(string(src), `export const `+name+` = "`+want+`";`) {
			t.Errorf("rules.js %s is not the server's %q", name, want)
		}
	}
	app := testkit.NewApp(t)
	centres, err := app.FindCollectionByNameOrId(schema.Centres)
	if err != nil {
		t.Fatal(err)
	}
	phone := regexp.MustCompile(`export const phonePattern = /(.*)/;`).FindStringSubmatch(string(src))
	for _, f := range []string{"legal_rep_phone", "principal_phone", "sponsor_phone"} {
		if want := centres.Fields.GetByName(f).(*core.TextField).Pattern; phone == nil || phone[1] != want {
			t.Errorf("rules.js phonePattern %v, the schema's %s %q", phone, f, want)
		}
	}
}

// jsLists reads `export const name = { key: [ "a", … ], … };` from a module's source.
func jsLists(t *testing.T, src, name string) map[string][]string {
	t.Helper()
	block := regexp.MustCompile(`(?s)export const ` + name + ` = \{(.*?)\n\};`).FindStringSubmatch(src)
	if block == nil {
		t.Fatalf("rules.js has no %s", name)
	}
	out := map[string][]string{}
	for _, m := range regexp.MustCompile(`(?m)^\s*(\w+): (\[[^\]]*\]),`).FindAllStringSubmatch(block[1], -1) {
		out[m[1]] = jsList(t, "export const x = "+m[2], "x")
	}
	return out
}

// jsList reads `export const name = [ "a", "b", … ];` from a module's source.
func jsList(t *testing.T, src, name string) []string {
	t.Helper()
	m := regexp.MustCompile(`export const ` + name + ` = \[([^\]]*)\]`).FindStringSubmatch(src)
	if m == nil {
		t.Fatalf("rules.js has no list %s", name)
	}
	var out []string
	for _, q := range regexp.MustCompile(`"([^"]*)"`).FindAllStringSubmatch(m[1], -1) {
		out = append(out, strings.TrimSpace(q[1]))
	}
	return out
}

// TestRules_FieldLimitsAreTheSchemas: the limits the phone checks a follow-up's new serial and
// a place's accuracy against are the stored schema's, which the server validates with.
func TestRules_FieldLimitsAreTheSchemas(t *testing.T) {
	src, err := os.ReadFile("ui/rules.js")
	if err != nil {
		t.Fatal(err)
	}
	app := testkit.NewApp(t)
	field := func(coll, name string) core.Field {
		c, err := app.FindCollectionByNameOrId(coll)
		if err != nil {
			t.Fatal(err)
		}
		return c.Fields.GetByName(name)
	}
	serial := regexp.MustCompile(`export const serialPattern = /(.*)/;`).FindStringSubmatch(string(src))
	if want := field("smoke_alarm_followups", "new_serial").(*core.TextField).Pattern; serial == nil || serial[1] != want {
		t.Errorf("rules.js serialPattern %v, the schema's %q", serial, want)
	}
	max := regexp.MustCompile(`export const maxAccuracyM = (\d+);`).FindStringSubmatch(string(src))
	if want := field("places", "location_accuracy_m").(*core.NumberField).Max; max == nil || want == nil || max[1] != strconv.FormatFloat(*want, 'f', -1, 64) {
		t.Errorf("rules.js maxAccuracyM %v, the schema's %v", max, want)
	}
	if min := field("places", "location_accuracy_m").(*core.NumberField).Min; min == nil || *min != 0 {
		t.Errorf("the schema's least accuracy %v; rules.js refuses below 0", min)
	}
}
