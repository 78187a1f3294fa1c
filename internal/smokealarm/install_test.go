package smokealarm_test

import (
	"fmt"
	"testing"

	"github.com/haidian/fieldsync/internal/access"
	"github.com/haidian/fieldsync/internal/smokealarm"
	"github.com/haidian/fieldsync/internal/testkit"
)

// doors returns inspector A's REST and sync doors on a fresh server with the test homes.
func doors(t *testing.T) (*testkit.Server, []installDoor) {
	srv := testkit.Serve(t, testkit.NewApp(t))
	addHomes(t, srv.App)
	return srv, []installDoor{{testkit.NewREST(t, srv, testkit.InspectorA)}, {testkit.NewSync(t, srv, testkit.InspectorA, "phone-inspector-a")}}
}

// TestInstall_CreateRules: every rule refuses a create with its reason code, at both doors, and
// a refused install stores nothing.
func TestInstall_CreateRules(t *testing.T) {
	a := sides["a"]
	cases := []struct {
		name        string
		body        map[string]any
		field, code string
	}{
		{"networked for a general household", install("a", a.general, smokealarm.Networked, "N-1"),
			"unit_type", smokealarm.CodeNetworkedIneligible},
		{"networked for a household with a member 60+", install("a", a.sixty, smokealarm.Networked, "N-2"),
			"unit_type", smokealarm.CodeNetworkedIneligible},
		{"no serial", install("a", a.sixty, smokealarm.Ordinary, ""), "serial", smokealarm.CodeSerialMissing},
		{"blank serial", install("a", a.sixty, smokealarm.Ordinary, "   "), "serial", smokealarm.CodeSerialMissing},
		{"no location", with(install("a", a.sixty, smokealarm.Ordinary, "N-3"), "location_in_home", " "),
			"location_in_home", smokealarm.CodeLocationMissing},
		{"no consent", with(install("a", a.sixty, smokealarm.Ordinary, "N-4"), "consent", false),
			"consent", smokealarm.CodeConsentMissing},
		{"a venue, not a home", install("a", testkit.Side("venue", "a"), smokealarm.Ordinary, "N-5"),
			"household", smokealarm.CodeHouseholdMismatch},
		{"a home without a household record", install("a", a.bare, smokealarm.Ordinary, "N-6"),
			"household", smokealarm.CodeHouseholdMismatch},
		// A home of another subdistrict is refused by the access policy, before these rules.
		{"a home of subdistrict B", install("a", sides["b"].sixty, smokealarm.Ordinary, "N-7"),
			"household", "link_invalid"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv, ds := doors(t)
			for i, d := range ds {
				before, _ := srv.App.CountRecords("smoke_alarm_installs")
				o := d.create(fmt.Sprintf("refused%08d", i), tc.body)
				if o.OK || o.Fields[tc.field] != tc.code {
					t.Errorf("%s: want %s on %s, got %s", d.Name(), tc.code, tc.field, o)
				}
				if d.Name() == "sync" && o.Code != "validation_failed" {
					t.Errorf("sync: top-level code %q, want validation_failed", o.Code)
				}
				if after, _ := srv.App.CountRecords("smoke_alarm_installs"); after != before {
					t.Errorf("%s: a refused install was stored", d.Name())
				}
			}
		})
	}
}

// TestInstall_SerialIsUniqueAcrossTheDistrict: a serial held by a live install of any
// subdistrict is refused, whatever its case and spaces; voiding the install frees it.
func TestInstall_SerialIsUniqueAcrossTheDistrict(t *testing.T) {
	srv, ds := doors(t)
	b := installDoor{testkit.NewREST(t, srv, testkit.InspectorB)}
	if o := b.create("serialinb000001", install("b", sides["b"].sixty, smokealarm.Ordinary, "HDYG-P-0001")); !o.OK {
		t.Fatalf("install in B: %s", o)
	}
	for i, d := range ds {
		o := d.create(fmt.Sprintf("serialina%06d", i), install("a", sides["a"].sixty, smokealarm.Ordinary, " hdyg-p-0001 "))
		if o.OK || o.Fields["serial"] != smokealarm.CodeSerialTaken {
			t.Errorf("%s: want %s, got %s", d.Name(), smokealarm.CodeSerialTaken, o)
		}
	}
	if o := b.patch("serialinb000001", map[string]any{"voided": true}); !o.OK {
		t.Fatalf("void: %s", o)
	}
	o := ds[1].create("serialina000009", install("a", sides["a"].sixty, smokealarm.Ordinary, "hdyg-p-0001"))
	if !o.OK {
		t.Fatalf("the serial of a voided install: %s", o)
	}
	r, err := srv.App.FindRecordById("smoke_alarm_installs", "serialina000009")
	if err != nil || r.GetString("serial") != "HDYG-P-0001" {
		t.Fatalf("stored serial: %v %v", r, err)
	}
}

// TestInstall_UpdateRules: an edit is held to the same rules as a create, at both doors.
func TestInstall_UpdateRules(t *testing.T) {
	a := sides["a"]
	cases := []struct {
		name        string
		set         map[string]any
		field, code string
	}{
		{"ordinary to networked in a general household", map[string]any{"unit_type": smokealarm.Networked},
			"unit_type", smokealarm.CodeNetworkedIneligible},
		{"a serial another install holds", map[string]any{"serial": "taken-1"}, "serial", smokealarm.CodeSerialTaken},
		{"serial cleared", map[string]any{"serial": ""}, "serial", smokealarm.CodeSerialMissing},
		{"location cleared", map[string]any{"location_in_home": ""}, "location_in_home", smokealarm.CodeLocationMissing},
		{"consent withdrawn", map[string]any{"consent": false}, "consent", smokealarm.CodeConsentMissing},
		{"moved to a venue", map[string]any{"household": testkit.Side("venue", "a")}, "household", smokealarm.CodeHouseholdMismatch},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv, ds := doors(t)
			if o := ds[0].create("takenserial0001", install("a", a.sixty, smokealarm.Ordinary, "TAKEN-1")); !o.OK {
				t.Fatalf("setup: %s", o)
			}
			for i, d := range ds {
				id := fmt.Sprintf("updaterule%05d", i)
				if o := d.create(id, install("a", a.general, smokealarm.Ordinary, fmt.Sprintf("U-%d", i))); !o.OK {
					t.Fatalf("%s: setup: %s", d.Name(), o)
				}
				o := d.patch(id, tc.set)
				if o.OK || o.Fields[tc.field] != tc.code {
					t.Errorf("%s: want %s on %s, got %s", d.Name(), tc.code, tc.field, o)
				}
				r, _ := srv.App.FindRecordById("smoke_alarm_installs", id)
				if r.GetString("unit_type") != smokealarm.Ordinary || r.GetString("serial") != fmt.Sprintf("U-%d", i) || !r.GetBool("consent") {
					t.Errorf("%s: a refused edit changed the install: %v", d.Name(), r)
				}
			}
		})
	}
}

// TestInstall_MovingAHouseholdRechecksIt: moving a networked unit to another household
// rechecks that household; moving it to another eligible one is fine.
func TestInstall_MovingAHouseholdRechecksIt(t *testing.T) {
	a := sides["a"]
	_, ds := doors(t)
	for i, d := range ds {
		id := fmt.Sprintf("movinghome%05d", i)
		if o := d.create(id, install("a", a.elderly, smokealarm.Networked, fmt.Sprintf("M-%d", i))); !o.OK {
			t.Fatalf("%s: setup: %s", d.Name(), o)
		}
		if o := d.patch(id, map[string]any{"household": a.sixty}); o.OK || o.Fields["unit_type"] != smokealarm.CodeNetworkedIneligible {
			t.Errorf("%s: networked moved to a 60+ household: %s", d.Name(), o)
		}
		if o := d.patch(id, map[string]any{"household": a.disabled}); !o.OK {
			t.Errorf("%s: networked moved to a disabled household: %s", d.Name(), o)
		}
	}
}

// TestInstall_HouseholdFactsAreDerived: the resident category and the 60+ flag come from the
// household, whatever the phone sends, and stay as they were on the day of the install.
func TestInstall_HouseholdFactsAreDerived(t *testing.T) {
	a := sides["a"]
	srv, ds := doors(t)
	cases := []struct {
		home, unit, want string
		sixty            bool
	}{
		{a.elderly, smokealarm.Networked, smokealarm.ElderlyAlone, true},
		{a.disabled, smokealarm.Networked, smokealarm.Disabled, false},
		{a.sixty, smokealarm.Ordinary, smokealarm.Member60Plus, true},
		{a.general, smokealarm.Ordinary, smokealarm.General, false},
	}
	for i, d := range ds {
		for j, tc := range cases {
			id := fmt.Sprintf("derived%04d%04d", i, j)
			body := with(install("a", tc.home, tc.unit, id), "eligibility", "general", "household_60plus", !tc.sixty)
			if o := d.create(id, body); !o.OK {
				t.Fatalf("%s: %s", d.Name(), o)
			}
			r, _ := srv.App.FindRecordById("smoke_alarm_installs", id)
			if r.GetString("eligibility") != tc.want || r.GetBool("household_60plus") != tc.sixty {
				t.Errorf("%s: %s home: eligibility %q, 60+ %v; want %q, %v", d.Name(), tc.want,
					r.GetString("eligibility"), r.GetBool("household_60plus"), tc.want, tc.sixty)
			}
			if o := d.patch(id, map[string]any{"eligibility": "disabled", "location_in_home": "卧室"}); !o.OK {
				t.Fatalf("%s: patch: %s", d.Name(), o)
			}
			r, _ = srv.App.FindRecordById("smoke_alarm_installs", id)
			if r.GetString("eligibility") != tc.want || r.GetString("location_in_home") != "卧室" {
				t.Errorf("%s: after a patch: eligibility %q, location %q", d.Name(), r.GetString("eligibility"), r.GetString("location_in_home"))
			}
		}
	}
	// The household changes later: the install keeps the facts of its day.
	h, _ := srv.App.FindFirstRecordByData("households", "place", a.general)
	h.Set("members_60plus", 1)
	access.AsSystem(h)
	if err := srv.App.Save(h); err != nil {
		t.Fatal(err)
	}
	if o := ds[0].patch("derived00000003", map[string]any{"location_in_home": "书房"}); !o.OK {
		t.Fatalf("patch after the household changed: %s", o)
	}
	if r, _ := srv.App.FindRecordById("smoke_alarm_installs", "derived00000003"); r.GetString("eligibility") != smokealarm.General {
		t.Errorf("eligibility followed the household: %q", r.GetString("eligibility"))
	}
}

// TestInstall_IntegrityBindsEveryone: district administrators (admin UI) and server code (JS
// hooks, importers) are held to the integrity rules; only the recording rules spare server code.
func TestInstall_IntegrityBindsEveryone(t *testing.T) {
	a := sides["a"]
	srv := testkit.Serve(t, testkit.NewApp(t))
	addHomes(t, srv.App)
	admin := installDoor{testkit.NewREST(t, srv, testkit.Superuser)}
	if o := admin.create("adminnetwork001", install("a", a.general, smokealarm.Networked, "A-1")); o.OK || o.Fields["unit_type"] != smokealarm.CodeNetworkedIneligible {
		t.Errorf("admin UI, networked for a general household: %s", o)
	}
	if o := admin.create("adminconsent001", with(install("a", a.sixty, smokealarm.Ordinary, "A-2"), "consent", false)); o.OK || o.Fields["consent"] != smokealarm.CodeConsentMissing {
		t.Errorf("admin UI, no consent: %s", o)
	}
	_, err := saveAs(srv.App, access.System, access.DoorHook, "hooknetwork0001", install("a", a.general, smokealarm.Networked, "H-1"))
	if code := fieldCode(err, "unit_type"); code != smokealarm.CodeNetworkedIneligible {
		t.Errorf("server code, networked for a general household: %v", err)
	}
	_, err = saveAs(srv.App, access.System, access.DoorHook, "hookserial00001", install("a", a.sixty, smokealarm.Ordinary, "TAKEN-0"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = saveAs(srv.App, access.System, access.DoorHook, "hookserial00002", install("a", a.general, smokealarm.Ordinary, "taken-0"))
	if code := fieldCode(err, "serial"); code != smokealarm.CodeSerialTaken {
		t.Errorf("server code, a taken serial: %v", err)
	}
	// A record kept on paper before the system, imported by server code: no serial, no consent.
	paper := map[string]any{"household": a.sixty, "subdistrict": testkit.SubdistrictA, "unit_type": smokealarm.Ordinary,
		"installed_on": "2018-03-01 00:00:00.000Z"}
	if _, err := saveAs(srv.App, access.System, access.DoorHook, "paperinstall001", paper); err != nil {
		t.Errorf("server code, an import without serial or consent: %v", err)
	}
	// The fixture's install (networked, elderly living alone, recorded without serial or
	// consent by server code) stays valid, and staff may complete it field by field.
	insp := installDoor{testkit.NewREST(t, srv, testkit.InspectorA)}
	if o := insp.patch(testkit.Side("install", "a"), map[string]any{"location_in_home": "卧室"}); !o.OK {
		t.Errorf("completing the fixture install: %s", o)
	}
}
