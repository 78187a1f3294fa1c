package dust_test

import (
	"fmt"
	"testing"

	"github.com/haidian/fieldsync/internal/dust"
	"github.com/haidian/fieldsync/internal/rectify"
	"github.com/haidian/fieldsync/internal/schema"
	"github.com/haidian/fieldsync/internal/sync"
	"github.com/haidian/fieldsync/internal/testkit"
)

func siteCheck(checklist map[string]any, result string) map[string]any {
	return map[string]any{"programme": "dust", "kind": "routine", "place": testkit.Side("siteplace", "a"),
		"subdistrict": testkit.SubdistrictA, "inspected_at": "2018-05-18 01:40:00.000Z", "result": result,
		"checklist": checklist}
}

func six(failing ...string) map[string]any {
	c := map[string]any{}
	for _, item := range dust.SixHundred {
		c[item] = true
	}
	for _, f := range failing {
		c[f] = false
	}
	return c
}

// TestSiteCheck_SixHundred: a site check records all six items, each true or false, and known
// devices; the site complies only if all six hold, whatever result was sent.
func TestSiteCheck_SixHundred(t *testing.T) {
	srv := testkit.Serve(t, testkit.NewApp(t))
	save(t, srv.App, schema.Places, "roadplacea00000", map[string]any{"kind": "road", "name": "西四环北路",
		"subdistrict": testkit.SubdistrictA, "address": "西四环北路"})
	missing := six()
	delete(missing, "wet_demolition")
	withDevice := func(c map[string]any, d ...string) map[string]any { c["devices"] = d; return c }
	for i, d := range doors(t, srv, testkit.InspectorA) {
		for j, tc := range []struct {
			checklist map[string]any
			code      string
		}{
			{missing, dust.CodeChecklistIncomplete},
			{map[string]any{}, dust.CodeChecklistIncomplete},
			{withDevice(six(), "sprinkler", "fan"), dust.CodeChecklistInvalid},
			{map[string]any{"hoarding": "yes", "cover": true}, dust.CodeChecklistInvalid},
			{map[string]any{"hoarding": true, "parking": true}, dust.CodeChecklistInvalid},
		} {
			o := d.Create(schema.Inspections, rid(fmt.Sprintf("dbad%d%d", i, j), 1), siteCheck(tc.checklist, "pass"))
			if o.OK || o.Fields["checklist"] != tc.code {
				t.Errorf("%s %v: want %s, got %s", d.Name(), tc.checklist, tc.code, o)
			}
		}
		for j, tc := range []struct {
			checklist    map[string]any
			sent, stored string
		}{
			{withDevice(six(), "sprinkler", "mist_cannon"), "fail", "pass"},
			{six("cover"), "pass", "fail"},
			{six("washing", "muck_truck"), "pass", "fail"},
		} {
			id := rid(fmt.Sprintf("dok%d%d", i, j), 1)
			if o := d.Create(schema.Inspections, id, siteCheck(tc.checklist, tc.sent)); !o.OK {
				t.Fatalf("%s: %s", d.Name(), o)
			}
			r, _ := srv.App.FindRecordById(schema.Inspections, id)
			if r.GetString("result") != tc.stored {
				t.Errorf("%s %v: result %s, want %s", d.Name(), tc.checklist, r.GetString("result"), tc.stored)
			}
		}
		// A muck-truck check on a road fails on any failed item; no six-100% items are needed.
		road := map[string]any{"programme": "dust", "kind": "routine", "place": "roadplacea00000",
			"subdistrict": testkit.SubdistrictA, "inspected_at": "2018-05-18 01:40:00.000Z", "result": "pass",
			"checklist": map[string]any{"truck_marked": true, "plate_visible": true, "load_sealed": false, "no_spillage": true}}
		id := rid(fmt.Sprintf("droad%d", i), 1)
		if o := d.Create(schema.Inspections, id, road); !o.OK {
			t.Fatalf("%s: road check: %s", d.Name(), o)
		}
		if r, _ := srv.App.FindRecordById(schema.Inspections, id); r.GetString("result") != "fail" {
			t.Errorf("%s: an unsealed load passed", d.Name())
		}
		// Correcting an item corrects the result.
		id = rid(fmt.Sprintf("dok%d1", i), 1)
		if o := d.Patch(schema.Inspections, id, map[string]any{"checklist": six()}); !o.OK {
			t.Fatalf("%s: %s", d.Name(), o)
		}
		if r, _ := srv.App.FindRecordById(schema.Inspections, id); r.GetString("result") != "pass" {
			t.Errorf("%s: corrected checklist left %s", d.Name(), r.GetString("result"))
		}
	}
}

// TestViolation_Lifecycle: a failing site check's violation is ordered to rectify by a
// deadline through the shared lifecycle and stopped by a stop-work order; an illegal mixing
// station is recorded only at a mixing-station place.
func TestViolation_Lifecycle(t *testing.T) {
	srv := testkit.Serve(t, testkit.NewApp(t))
	save(t, srv.App, schema.Places, "mixingstation01", map[string]any{"kind": "mixing_station", "name": "无名搅拌站",
		"subdistrict": testkit.SubdistrictA, "address": "西山脚下"})
	for i, d := range doors(t, srv, testkit.InspectorA) {
		insp := rid(fmt.Sprintf("vi%d", i), 1)
		if o := d.Create(schema.Inspections, insp, siteCheck(six("cover"), "fail")); !o.OK {
			t.Fatal(o)
		}
		finding := rid(fmt.Sprintf("vf%d", i), 1)
		if o := d.Create(schema.Findings, finding, map[string]any{"programme": "dust", "place": testkit.Side("siteplace", "a"),
			"subdistrict": testkit.SubdistrictA, "inspection": insp, "category": "dust.cover", "severity": "general",
			"description": "东侧土方未苫盖"}); !o.OK {
			t.Fatal(o)
		}
		args := map[string]any{"deadline": "2018-05-25 00:00:00.000Z", "responsible_party": "北京西山建设工程有限公司"}
		var ordered outcome
		if sd, ok := d.(*syncDoor); ok {
			ordered = sd.Send(sync.Mutation{Op: sync.OpCmd, Coll: schema.Findings, ID: finding, Name: rectify.OrderCommand, Args: args})
		} else {
			res := srv.Do("POST", "/api/fs/commands", d.(*restDoor).Token, sync.CommandRequest{
				Name: rectify.OrderCommand, Coll: schema.Findings, ID: finding, Args: args})
			ordered = outcome{OK: res.Status == 200, Raw: string(res.Body)}
		}
		if !ordered.OK {
			t.Fatalf("%s: order: %s", d.Name(), ordered)
		}
		if f, _ := srv.App.FindRecordById(schema.Findings, finding); f.GetString("status") != "ordered" {
			t.Errorf("%s: status %s", d.Name(), f.GetString("status"))
		}
		// The subdistrict stops and reports; 停工 is the departments' order (gazette line 3738).
		if o := d.Create(schema.Enforcements, rid(fmt.Sprintf("ve%d", i), 1), map[string]any{"finding": finding,
			"subdistrict": testkit.SubdistrictA, "measure": "stop_and_report", "decided_at": "2018-05-18 02:00:00.000Z"}); !o.OK {
			t.Errorf("%s: stop and report: %s", d.Name(), o)
		}
		station := map[string]any{"programme": "dust", "place": testkit.Side("siteplace", "a"), "subdistrict": testkit.SubdistrictA,
			"category": "dust.illegal_mixing_station", "severity": "general", "description": "违法搅拌站"}
		if o := d.Create(schema.Findings, rid(fmt.Sprintf("vm%d", i), 1), station); o.OK || o.Fields["place"] != dust.CodeMixingStationPlace {
			t.Errorf("%s: a mixing station at a site: %s", d.Name(), o)
		}
		station["place"] = "mixingstation01"
		if o := d.Create(schema.Findings, rid(fmt.Sprintf("vm%d", i), 2), station); !o.OK {
			t.Errorf("%s: a mixing station: %s", d.Name(), o)
		}
	}
}
