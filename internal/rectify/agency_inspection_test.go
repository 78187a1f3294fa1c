package rectify_test

import (
	"net/http"
	"testing"

	"github.com/haidian/fieldsync/internal/schema"
	"github.com/haidian/fieldsync/internal/testkit"
)

// Agency staff inspect where they were called to, at both doors.
//
// Gazette line 4696: "海淀消防支队、区安监局：负责对培训机构房屋、用火、用电…进行消防安全监督检查"; line 3452:
// the brigade's supervision of fire hazards, with the subdistricts assisting. An agency records
// an inspection of its own (naming its agency) at a place where a live finding of the same
// programme, in that place's subdistrict, is referred to it; nowhere else, and never in the
// name of another agency. The inspector is the agency's staff member, whatever was sent.
func TestInspection_AgencyInspectsWhereReferred(t *testing.T) {
	app := testkit.NewApp(t)
	srv := testkit.Serve(t, app)
	venueA, venueB := testkit.Side("venue", "a"), testkit.Side("venue", "b")
	A, B := testkit.SubdistrictA, testkit.SubdistrictB
	body := func(place, sd, programme, agency string) map[string]any {
		return map[string]any{"programme": programme, "kind": "reinspection", "place": place, "subdistrict": sd,
			"agency": agency, "inspected_at": "2018-05-21 10:00:00.000Z", "result": "fail",
			"notes": "消防监督检查：私拉电线未整改", "inspector": testkit.InspectorA}
	}
	n := 0
	for _, user := range []string{testkit.FireStaff, testkit.EnvStaff} {
		for _, d := range testkit.Doors(t, srv, user) {
			for _, tc := range []struct {
				name string
				body map[string]any
				ok   bool
			}{
				// Finding A (fire) is referred to the brigade; finding B to nobody.
				{"fire, where referred", body(venueA, A, "fire", testkit.AgencyFire), user == testkit.FireStaff},
				{"fire, not referred", body(venueB, B, "fire", testkit.AgencyFire), false},
				{"another programme at the referred place", body(venueA, A, "dust", testkit.AgencyFire), false},
				{"in no agency's name", body(venueA, A, "fire", ""), false},
				{"in the brigade's name by another agency", body(venueA, A, "fire", testkit.AgencyFire), user == testkit.FireStaff},
				{"in the bureau's name", body(venueA, A, "fire", testkit.AgencyEnv), false},
			} {
				n++
				id := testkit.RID("agins", n)
				o := d.Create(schema.Inspections, id, tc.body)
				if o.OK != tc.ok {
					t.Errorf("%s %s %s: accepted %v, want %v: %s", user, d.Name(), tc.name, o.OK, tc.ok, o)
					continue
				}
				stored, err := app.FindRecordById(schema.Inspections, id)
				if !tc.ok {
					if err == nil {
						t.Errorf("%s %s %s: a refused inspection was stored", user, d.Name(), tc.name)
					}
					continue
				}
				if err != nil || stored.GetString("inspector") != user || stored.GetString("review") != "submitted" {
					t.Errorf("%s %s %s: stored %v (%v)", user, d.Name(), tc.name, stored, err)
				}
				// The agency reads back what it recorded, as REST shows it.
				res := srv.Do(http.MethodGet, "/api/collections/inspections/records/"+id, srv.Token("users", user), nil)
				if res.Status != http.StatusOK {
					t.Errorf("%s %s %s: reading its inspection: %d %s", user, d.Name(), tc.name, res.Status, res.Body)
				}
			}
		}
	}
}
