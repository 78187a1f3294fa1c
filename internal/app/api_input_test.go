package app_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/core"

	"github.com/haidian/fieldsync/internal/access"
	"github.com/haidian/fieldsync/internal/schema"
	"github.com/haidian/fieldsync/internal/testkit"
)

// inputCase is a write with bad input. It must be answered 400 (or 413 for a body over the
// limit) with the field and its error code in "data", never a 5xx, and change nothing.
type inputCase struct {
	name  string
	user  string
	coll  string
	id    string // "" creates
	body  map[string]any
	field string
	code  string
}

// newPlace returns the body of a new venue in subdistrict A.
func newPlace() map[string]any {
	return map[string]any{"kind": "venue", "name": "小饭馆", "subdistrict": testkit.SubdistrictA, "address": "万寿路 9 号"}
}

func inputCases() []inputCase {
	var (
		household = testkit.Side("household", "a")
		finding   = testkit.Side("finding", "a")
		centre    = testkit.Side("centre", "a")
		venue     = testkit.Side("venue", "a")
		dustfall  = testkit.Side("dustfall", "a")
		ia        = testkit.InspectorA
	)
	return []inputCase{
		// Wrong types, which PocketBase alone would coerce ("many" to 0, "yes" to false).
		{"number as text", ia, schema.Households, household, map[string]any{"members": "many"}, "members", "wrong_type"},
		{"number as bool", ia, schema.Households, household, map[string]any{"members": true}, "members", "wrong_type"},
		{"bool as word", ia, schema.Households, household, map[string]any{"elderly_alone": "yes"}, "elderly_alone", "wrong_type"},
		{"bool as number", ia, schema.Households, household, map[string]any{"disabled": 3}, "disabled", "wrong_type"},
		{"text as object", ia, schema.Households, household, map[string]any{"head_name": map[string]any{"zh": "王"}}, "head_name", "wrong_type"},
		{"date as words", ia, schema.Findings, finding, map[string]any{"deadline": "next week"}, "deadline", "wrong_type"},
		{"date as number", ia, schema.Findings, finding, map[string]any{"deadline": 1527811200}, "deadline", "wrong_type"},
		{"list for a single select", ia, schema.Findings, finding, map[string]any{"severity": []string{"general", "major"}}, "severity", "wrong_type"},
		{"number for a relation", ia, schema.Inspections, "", withField(newInspection(venue), "photos", 7), "photos", "wrong_type"},
		{"list for a single relation", ia, schema.Findings, "", withField(newFinding("a"), "place", []string{venue, testkit.Side("home", "a")}), "place", "wrong_type"},
		{"geo point of words", ia, schema.Places, venue, map[string]any{"location": map[string]any{"lon": "east", "lat": 39.9}}, "location", "wrong_type"},
		{"geo point as number", ia, schema.Places, "", withField(newPlace(), "location", 116.3), "location", "wrong_type"},
		{"modifier with an object", ia, schema.Findings, finding, map[string]any{"photos+": map[string]any{"id": "x"}}, "photos+", "wrong_type"},
		{"reading as words", testkit.EnvStaff, schema.Dustfall, dustfall, map[string]any{"tons_per_km2": "heavy"}, "tons_per_km2", "wrong_type"},

		// Values outside the vocabularies.
		{"unknown severity", ia, schema.Findings, "", withField(newFinding("a"), "severity", "catastrophic"), "severity", "validation_invalid_value"},
		{"unknown category", ia, schema.Findings, "", withField(newFinding("a"), "category", "fire.dragons"), "category", "validation_invalid_value"},
		{"unknown result", ia, schema.Inspections, testkit.Side("inspection", "a"), map[string]any{"result": "maybe"}, "result", "validation_invalid_value"},
		{"unknown training category", ia, schema.Centres, centre, map[string]any{"categories": []string{"art", "knitting"}}, "categories", "validation_invalid_value"},
		{"unknown kind", ia, schema.Places, "", withField(newPlace(), "kind", "castle"), "kind", "validation_invalid_value"},

		// Oversize values.
		{"oversize description", ia, schema.Findings, finding, map[string]any{"description": strings.Repeat("隐", 4001)}, "description", "validation_max_text_constraint"},
		{"oversize name", ia, schema.Places, "", withField(newPlace(), "name", strings.Repeat("名", 201)), "name", "validation_max_text_constraint"},
		{"oversize checklist", ia, schema.Inspections, "", withField(newInspection(venue), "checklist", map[string]any{"notes": strings.Repeat("x", 70<<10)}), "checklist", "validation_json_size_limit"},
		{"negative count", ia, schema.Households, household, map[string]any{"members": -1}, "members", "validation_min_number_constraint"},
		{"fractional count", ia, schema.Households, household, map[string]any{"members_60plus": 1.5}, "members_60plus", "validation_only_int_constraint"},

		// Patterns.
		{"phone of words", ia, schema.Households, household, map[string]any{"phone": "call me"}, "phone", "validation_invalid_format"},
		{"full-width phone", ia, schema.Centres, centre, map[string]any{"legal_rep_phone": "１３９００００００００"}, "legal_rep_phone", "validation_invalid_format"},
		{"credit code with O and I", ia, schema.Centres, centre, map[string]any{"credit_code": "91110108MA01OBCDIX"}, "credit_code", "credit_code_character"},
		{"credit code too short", ia, schema.Centres, centre, map[string]any{"credit_code": "9111010"}, "credit_code", "credit_code_length"},
		{"month 13", testkit.EnvStaff, schema.Dustfall, dustfall, map[string]any{"month": "2018-13"}, "month", "validation_invalid_format"},
		{"month without zero", testkit.EnvStaff, schema.Dustfall, dustfall, map[string]any{"month": "2018-5"}, "month", "validation_invalid_format"},
		{"own phone of words", ia, schema.Users, ia, map[string]any{"phone": "ring ring"}, "phone", "validation_invalid_format"},

		// Missing required values.
		{"finding without description", ia, schema.Findings, "", withField(newFinding("a"), "description", nil), "description", "validation_required"},
		{"finding without category", ia, schema.Findings, "", withField(newFinding("a"), "category", nil), "category", "validation_required"},
		{"inspection without time", ia, schema.Inspections, "", withField(newInspection(venue), "inspected_at", nil), "inspected_at", "validation_required"},
		{"place without address", ia, schema.Places, "", withField(newPlace(), "address", nil), "address", "validation_required"},
		{"description emptied", ia, schema.Findings, finding, map[string]any{"description": ""}, "description", "validation_required"},
	}
}

// TestInput_BadValues sends every bad value through REST, batch and, where the value is of
// the right type, the sync door, whose own decoder answers for types.
func TestInput_BadValues(t *testing.T) {
	for _, tc := range inputCases() {
		t.Run(tc.name, func(t *testing.T) {
			srv := testkit.Serve(t, testkit.NewApp(t)) // refused writes change nothing, so the doors share it
			for _, d := range allDoors {
				if d == viaSync && tc.code == "wrong_type" {
					continue
				}
				t.Run(string(d), func(t *testing.T) {
					unchanged := snapshotFor(t, srv, tc.coll, tc.id)
					o := write(t, srv, d, tc.user, tc.coll, tc.id, tc.body)
					if o.status != http.StatusBadRequest || o.codes[tc.field] != tc.code {
						t.Fatalf("want 400 with %s on %s, got %v", tc.code, tc.field, o)
					}
					unchanged(t)
				})
			}
		})
	}
}

// snapshotFor records the state a refused write must leave: the record's row (or the
// collection's row count, for a create) and the size of the audit trail.
func snapshotFor(t *testing.T, srv *testkit.Server, coll, id string) func(*testing.T) {
	t.Helper()
	audits, count := countRows(t, srv, schema.AuditLog), countRows(t, srv, coll)
	var check func(*testing.T)
	if id != "" {
		before := rowSnapshot(t, srv, coll, id)
		check = func(t *testing.T) { assertRowUnchanged(t, srv, coll, id, before) }
	} else {
		check = func(t *testing.T) {
			if after := countRows(t, srv, coll); after != count {
				t.Errorf("%s: %d rows before, %d after", coll, count, after)
			}
		}
	}
	return func(t *testing.T) {
		t.Helper()
		check(t)
		if after := countRows(t, srv, schema.AuditLog); after != audits {
			t.Errorf("audit trail: %d rows before, %d after a refused write", audits, after)
		}
	}
}

// TestInput_BrokenBodies sends bodies that are not JSON objects, or too large to read.
func TestInput_BrokenBodies(t *testing.T) {
	household := recordsPath(schema.Households) + "/" + testkit.Side("household", "a")
	huge := `{"notes": "` + strings.Repeat("x", 40<<20) + `"}`
	cases := []struct {
		name, method, path, body string
		status                   int
	}{
		{"truncated object", http.MethodPatch, household, `{"members": 2`, http.StatusBadRequest},
		{"trailing garbage", http.MethodPatch, household, `{"members": 2} {"members": 3}`, http.StatusBadRequest},
		{"array", http.MethodPatch, household, `[{"members": 2}]`, http.StatusBadRequest},
		{"string", http.MethodPost, recordsPath(schema.Findings), `"finding"`, http.StatusBadRequest},
		{"invalid UTF-8", http.MethodPatch, household, "{\"head_name\": \"\xff\xfe\"}", http.StatusBadRequest},
		{"truncated create", http.MethodPost, recordsPath(schema.Findings), `{"severity": "major", "subdistrict":`, http.StatusBadRequest},
		{"truncated batch", http.MethodPost, "/api/batch", `{"requests": [{"method": "PATCH", "url": "` + household, http.StatusBadRequest},
		{"over the body limit", http.MethodPatch, household, huge, http.StatusRequestEntityTooLarge},
		// Inside a batch, PocketBase passes each body on as a multipart form, whose parser
		// refuses one this large as malformed.
		{"batch over the body limit", http.MethodPost, "/api/batch", `{"requests": [{"method": "PATCH", "url": "` + household + `", "body": ` + huge + `}]}`, http.StatusBadRequest},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := testkit.Serve(t, testkit.NewApp(t))
			enableBatch(t, srv)
			unchangedHousehold := snapshotFor(t, srv, schema.Households, testkit.Side("household", "a"))
			unchangedFindings := snapshotFor(t, srv, schema.Findings, "")
			res := srv.Do(tc.method, tc.path, tokenOf(srv, testkit.InspectorA), tc.body)
			if res.Status != tc.status {
				t.Fatalf("want %d, got %d: %.300s", tc.status, res.Status, res.Body)
			}
			unchangedHousehold(t)
			unchangedFindings(t)
		})
	}
}

// TestInput_CheckTypes covers what other doors get from access.CheckTypes, the check the
// request hooks run: values of the right type pass, in JSON and multipart forms.
func TestInput_CheckTypes(t *testing.T) {
	srv := testkit.Serve(t, testkit.NewApp(t))
	coll := func(name string) *core.Collection {
		c, err := srv.App.FindCollectionByNameOrId(name)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	valid := []struct {
		coll string
		data map[string]any
	}{
		{schema.Households, map[string]any{"members": 3.0, "members_60plus": "2", "elderly_alone": true, "disabled": "false",
			"head_name": "王", "phone": 13800000000.0, "notes": nil}},
		{schema.Findings, map[string]any{"deadline": "2018-06-01 00:00:00.000Z", "severity": "major",
			"photos": []any{"p1", "p2"}, "photos+": "p3", "place": []any{"x"}, "closed_at": ""}},
		{schema.Places, map[string]any{"location": map[string]any{"lon": 116.3, "lat": 39.9}}},
		{schema.Places, map[string]any{"location": `{"lon": 116.3, "lat": 39.9}`, "unknown": []any{1}}},
		{schema.Inspections, map[string]any{"checklist": []any{map[string]any{"item": "exits", "ok": true}}}},
	}
	for _, v := range valid {
		if err := access.CheckTypes(coll(v.coll), v.data); err != nil {
			t.Errorf("%s %v: %v", v.coll, v.data, err)
		}
	}
	for _, bad := range []any{"3 people", "NaN", "Inf", true, []any{3.0}} {
		err := access.CheckTypes(coll(schema.Households), map[string]any{"members": bad})
		if errCode(err, "members") != "wrong_type" {
			t.Errorf("members %#v accepted: %v", bad, err)
		}
	}
}
