package rectify_test

import (
	"net/http"
	"testing"

	"github.com/haidian/fieldsync/internal/rectify"
	"github.com/haidian/fieldsync/internal/schema"
	"github.com/haidian/fieldsync/internal/testkit"
)

// Agency staff edit their own inspections and record findings within their referrals, at both
// doors, and nothing beyond.
//
// Gazette line 3452: "依法严格采取“查封、三停、拘留、罚款、约谈、曝光”等手段…积极发动街镇…协同开展" (the
// brigade supervises fire hazards itself); line 4696: "海淀消防支队、区安监局：负责对培训机构房屋、用火、
// 用电…进行消防安全监督检查". The fixture's fire finding at A's venue is referred to the brigade; B's
// venue has no referral. The brigade edits the inspection it recorded there, not the
// subdistrict's, and records a finding there in its own name; not at B's venue, not in another
// programme, not in another agency's name, not in another subdistrict; the environment bureau,
// with no referral there, records nothing and edits nothing of the brigade's.
func TestAgency_EditsOwnInspectionsRecordsFindingsWhereReferred(t *testing.T) {
	app := testkit.NewApp(t)
	srv := testkit.Serve(t, app)
	venueA, venueB := testkit.Side("venue", "a"), testkit.Side("venue", "b")
	A, B := testkit.SubdistrictA, testkit.SubdistrictB
	finding := func(place, sd, programme, agency string) map[string]any {
		category := map[string]string{"fire": "fire.group_rental", "dust": "dust.cover"}[programme]
		return map[string]any{"programme": programme, "place": place, "subdistrict": sd, "agency": agency,
			"category": category, "severity": "general", "description": "消防监督检查：疏散通道堵塞"}
	}
	env := testkit.Doors(t, srv, testkit.EnvStaff)
	for i, d := range testkit.Doors(t, srv, testkit.FireStaff) {
		door := d.Name()
		insp := testkit.RID("agedit"+door, 1)
		if o := d.Create(schema.Inspections, insp, map[string]any{"programme": "fire", "kind": "routine", "place": venueA,
			"subdistrict": A, "agency": testkit.AgencyFire, "inspected_at": "2018-05-21 10:00:00.000Z", "result": "fail"}); !o.OK {
			t.Fatalf("%s: the brigade's inspection where referred: %s", door, o)
		}
		// Its own inspection: the brigade edits it; never its agency, review, place.
		if o := d.Patch(schema.Inspections, insp, map[string]any{"notes": "补充：灭火器过期", "result": "pass"}); !o.OK {
			t.Errorf("%s: the brigade edits its own inspection: %s", door, o)
		}
		for field, v := range map[string]any{"agency": testkit.AgencyEnv, "review": "approved", "place": venueB} {
			if o := d.Patch(schema.Inspections, insp, map[string]any{field: v}); o.OK || o.Fields[field] != "protected_field" {
				t.Errorf("%s: the brigade changed its inspection's %s: %s", door, field, o)
			}
		}
		// The subdistrict's inspection behind the referred finding: readable, not editable.
		if o := d.Patch(schema.Inspections, testkit.Side("inspection", "a"), map[string]any{"notes": "改写"}); o.OK {
			t.Errorf("%s: the brigade edited the subdistrict's inspection: %s", door, o)
		}
		// Another agency edits nothing of the brigade's.
		if o := env[i].Patch(schema.Inspections, insp, map[string]any{"notes": "改写"}); o.OK {
			t.Errorf("%s: the environment bureau edited the brigade's inspection: %s", door, o)
		}

		for n, tc := range []struct {
			name string
			d    testkit.Door
			body map[string]any
			ok   bool
			// field, code: the refused field's code, where a field check (not the API rule) refuses
			field, code string
		}{
			{"fire, where referred", d, testkit.With(finding(venueA, A, "fire", testkit.AgencyFire), "inspection", insp), true, "", ""},
			{"an unreferred place", d, finding(venueB, B, "fire", testkit.AgencyFire), false, "subdistrict", "scope_forbidden"},
			{"another programme at the referred place", d, finding(venueA, A, "dust", testkit.AgencyFire), false, "subdistrict", "scope_forbidden"},
			{"in another agency's name", d, finding(venueA, A, "fire", testkit.AgencyEnv), false, "", ""},
			{"in no agency's name", d, finding(venueA, A, "fire", ""), false, "", ""},
			{"the referred place, named in another subdistrict", d, finding(venueA, B, "fire", testkit.AgencyFire), false, "subdistrict", "scope_forbidden"},
			{"another agency's referral", env[i], finding(venueA, A, "fire", testkit.AgencyEnv), false, "subdistrict", "scope_forbidden"},
			{"another agency's referral, in the brigade's name", env[i], finding(venueA, A, "fire", testkit.AgencyFire), false, "", ""},
		} {
			id := testkit.RID("agfind"+door, n+1)
			o := tc.d.Create(schema.Findings, id, tc.body)
			if o.OK != tc.ok || (tc.code != "" && o.Fields[tc.field] != tc.code) {
				t.Errorf("%s %s: accepted %v, want %v (%s %s): %s", door, tc.name, o.OK, tc.ok, tc.field, tc.code, o)
				continue
			}
			stored, err := app.FindRecordById(schema.Findings, id)
			if !tc.ok {
				if err == nil {
					t.Errorf("%s %s: a refused finding was stored", door, tc.name)
				}
				continue
			}
			if err != nil || stored.GetString("author") != testkit.FireStaff || stored.GetString("agency") != testkit.AgencyFire ||
				stored.GetString("status") != "open" {
				t.Fatalf("%s %s: stored %v (%v)", door, tc.name, stored, err)
			}
			// In the brigade's charge: it reads it back; B's staff do not; the brigade does not
			// edit it (findings move through the lifecycle commands).
			if res := srv.Do(http.MethodGet, "/api/collections/findings/records/"+id, srv.Token("users", testkit.FireStaff), nil); res.Status != http.StatusOK {
				t.Errorf("%s: the brigade reads its finding: %d", door, res.Status)
			}
			if res := srv.Do(http.MethodGet, "/api/collections/findings/records/"+id, srv.Token("users", testkit.InspectorB), nil); res.Status != http.StatusNotFound {
				t.Errorf("%s: B's inspector reads A's finding: %d", door, res.Status)
			}
			if o := d.Patch(schema.Findings, id, map[string]any{"description": "改写"}); o.OK {
				t.Errorf("%s: the brigade edited a finding: %s", door, o)
			}
			// It records its measures on it, as on a finding referred to it (line 3452).
			if o := d.Create(schema.Enforcements, testkit.RID("agmeasure"+door, n+1), map[string]any{"finding": id,
				"subdistrict": A, "measure": "seal", "decided_at": "2018-05-21 11:00:00.000Z"}); !o.OK {
				t.Errorf("%s: the brigade's measure on its own finding: %s", door, o)
			}
		}
	}

	// "Not ours": once the brigade declines the referral, its own findings at the place open no
	// door; it records nothing more there, at either door.
	if res := command(srv, testkit.FireStaff, rectify.ReferralDeclineCommand, "referrals", testkit.Side("referral", "a"),
		map[string]any{"response": "非本支队职责"}); res.Status != http.StatusOK {
		t.Fatalf("decline: %d %s", res.Status, res.Body)
	}
	for _, d := range []testkit.Door{testkit.NewREST(t, srv, testkit.FireStaff), testkit.NewSync(t, srv, testkit.FireStaff, "phone-fire-declined")} {
		if o := d.Create(schema.Findings, testkit.RID("agdeclined"+d.Name(), 1), finding(venueA, A, "fire", testkit.AgencyFire)); o.OK {
			t.Errorf("%s: a finding after the brigade declined: %s", d.Name(), o)
		}
		if o := d.Create(schema.Inspections, testkit.RID("agdeclinedi"+d.Name(), 1), map[string]any{"programme": "fire", "kind": "routine",
			"place": venueA, "subdistrict": A, "agency": testkit.AgencyFire, "inspected_at": "2018-05-22 10:00:00.000Z", "result": "pass"}); o.OK {
			t.Errorf("%s: an inspection after the brigade declined: %s", d.Name(), o)
		}
	}
}
