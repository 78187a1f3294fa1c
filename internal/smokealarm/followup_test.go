package smokealarm_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/haidian/fieldsync/internal/schema"
	"github.com/haidian/fieldsync/internal/smokealarm"
	"github.com/haidian/fieldsync/internal/testkit"
)

func followup(install, result, newSerial string) map[string]any {
	return map[string]any{"install": install, "subdistrict": testkit.SubdistrictA,
		"visited_on": "2018-10-08 00:00:00.000Z", "result": result, "new_serial": newSerial}
}

// TestFollowup_TestAndReplacement: a follow-up is recorded against the unit by its inspector;
// each replacement records the serial it replaced, so the unit's history reads in order.
func TestFollowup_TestAndReplacement(t *testing.T) {
	srv, ds := doors(t)
	for i, d := range ds {
		inst := fmt.Sprintf("followupinst%03d", i)
		if o := d.create(inst, install("a", sides["a"].sixty, smokealarm.Ordinary, fmt.Sprintf("F%d-1", i))); !o.OK {
			t.Fatalf("%s: install: %s", d.Name(), o)
		}
		steps := []struct{ result, newSerial, replaced string }{
			{"pass", "", ""},
			{"fail", "", ""},
			{"pass", fmt.Sprintf("f%d-2", i), fmt.Sprintf("F%d-1", i)},
			{"pass", fmt.Sprintf("F%d-3", i), fmt.Sprintf("F%d-2", i)},
		}
		for j, s := range steps {
			id := fmt.Sprintf("followup%03d%04d", i, j)
			body := followup(inst, s.result, s.newSerial)
			body["visited_on"] = fmt.Sprintf("2018-10-%02d 00:00:00.000Z", 10+j)
			if o := d.Create(schema.AlarmFollowups, id, body); !o.OK {
				t.Fatalf("%s: follow-up %d: %s", d.Name(), j, o)
			}
			r, err := srv.App.FindRecordById(schema.AlarmFollowups, id)
			if err != nil || r.GetString("replaced_serial") != s.replaced || r.GetString("inspector") != testkit.InspectorA {
				t.Errorf("%s: follow-up %d: %v %v", d.Name(), j, r, err)
			}
		}
	}
}

// TestFollowup_Rules: every follow-up rule refuses with its code, at both doors.
func TestFollowup_Rules(t *testing.T) {
	cases := []struct {
		name        string
		body        map[string]any
		field, code string
	}{
		{"a new unit whose serial an install holds", followup("fuinstall000001", "pass", "fu-other"),
			"new_serial", smokealarm.CodeSerialTaken},
		{"a new unit with the serial it replaces", followup("fuinstall000001", "pass", "fu-1"),
			"new_serial", smokealarm.CodeSerialTaken},
		{"a new unit another replacement put up", followup("fuinstall000001", "pass", "fu-new"),
			"new_serial", smokealarm.CodeSerialTaken},
		{"a replacement nobody was home for", followup("fuinstall000001", "not_present", "fu-9"),
			"result", smokealarm.CodeReplacementUntested},
		{"a voided install", followup("fuinstall000002", "pass", ""), "install", smokealarm.CodeInstallVoided},
		{"an install of subdistrict B", followup(testkit.Side("install", "b"), "pass", ""), "install", "link_invalid"},
		{"the replaced serial typed by the phone", with(followup("fuinstall000001", "pass", "fu-10"), "replaced_serial", "FU-1"),
			"replaced_serial", "protected_field"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv, ds := doors(t)
			a := sides["a"]
			for id, body := range map[string]map[string]any{
				"fuinstall000001": install("a", a.sixty, smokealarm.Ordinary, "FU-1"),
				"fuinstall000002": install("a", a.general, smokealarm.Ordinary, "FU-2"),
				"fuinstall000003": install("a", a.elderly, smokealarm.Networked, "FU-OTHER"),
			} {
				if o := ds[0].create(id, body); !o.OK {
					t.Fatal(o)
				}
			}
			if o := ds[0].Create(schema.AlarmFollowups, "fureplacement01", followup("fuinstall000003", "pass", "FU-NEW")); !o.OK {
				t.Fatal(o)
			}
			if o := ds[0].patch("fuinstall000002", map[string]any{"voided": true}); !o.OK {
				t.Fatal(o)
			}
			for i, d := range ds {
				before, _ := srv.App.CountRecords(schema.AlarmFollowups)
				o := d.Create(schema.AlarmFollowups, fmt.Sprintf("furefused%06d", i), tc.body)
				if o.OK || o.Fields[tc.field] != tc.code {
					t.Errorf("%s: want %s on %s, got %s", d.Name(), tc.code, tc.field, o)
				}
				if after, _ := srv.App.CountRecords(schema.AlarmFollowups); after != before {
					t.Errorf("%s: a refused follow-up was stored", d.Name())
				}
			}
		})
	}
}

// TestFollowup_SerialsStayUniqueBothWays: an install cannot take the serial of a unit put up
// by a replacement, and the ledger is append-only for staff.
func TestFollowup_SerialsStayUniqueBothWays(t *testing.T) {
	srv, ds := doors(t)
	a := sides["a"]
	if o := ds[0].create("fuinstall000001", install("a", a.sixty, smokealarm.Ordinary, "FB-1")); !o.OK {
		t.Fatal(o)
	}
	if o := ds[0].Create(schema.AlarmFollowups, "fureplacement01", followup("fuinstall000001", "pass", "FB-2")); !o.OK {
		t.Fatal(o)
	}
	for i, d := range ds {
		if o := d.create(fmt.Sprintf("fbinstall%06d", i), install("a", a.general, smokealarm.Ordinary, "fb-2")); o.OK || o.Fields["serial"] != smokealarm.CodeSerialTaken {
			t.Errorf("%s: an install with a replacement's serial: %s", d.Name(), o)
		}
	}
	rest := srv.Do(http.MethodPatch, "/api/collections/"+schema.AlarmFollowups+"/records/fureplacement01",
		srv.Token("users", testkit.SupervisorA), map[string]any{"notes": "改"})
	if rest.Status != http.StatusForbidden {
		t.Errorf("REST edit of a follow-up: %d %s", rest.Status, rest.Body)
	}
	if o := ds[1].Patch(schema.AlarmFollowups, "fureplacement01", map[string]any{"notes": "改"}); o.OK || o.Code != "forbidden" {
		t.Errorf("sync edit of a follow-up: %s", o)
	}
}
