package smokealarm_test

import (
	"fmt"
	"testing"

	"github.com/haidian/fieldsync/internal/schema"
	"github.com/haidian/fieldsync/internal/smokealarm"
	"github.com/haidian/fieldsync/internal/testkit"
)

// TestNetworked_ResidentMustBe60 enforces gazette line 3492: "为 60 岁以上独居老人、残疾人家庭安装设有报警
// 群发短信功能的报警装置". A household ticked as an elderly person living alone receives a networked
// unit only if its record holds the resident's birth date and the resident is 60 or over on
// the install day (以上 includes 60: the 60th birthday counts); at both doors. The disabled need
// no age.
func TestNetworked_ResidentMustBe60(t *testing.T) {
	srv, ds := doors(t)
	const day = "2018-08-01 00:00:00.000Z"
	homes := map[string]string{ // home id → resident's birth date ("" for none recorded)
		"sanobirth000000": "",
		"sa59yearsold000": "1958-08-02 00:00:00.000Z", // turns 60 the day after the install
		"sa60today000000": "1958-08-01 00:00:00.000Z", // 60th birthday on the install day
	}
	for id, born := range homes {
		testkit.Save(t, srv.App, schema.Places, id, map[string]any{"kind": "household", "name": "独居 " + id,
			"subdistrict": testkit.SubdistrictA, "address": "测试小区 " + id})
		h := map[string]any{"place": id, "subdistrict": testkit.SubdistrictA, "members": 1, "elderly_alone": true,
			"head_name": "独居老人", "phone": "13800000009"}
		if born != "" {
			h["resident_born_on"] = born
		}
		testkit.Save(t, srv.App, schema.Households, "hh"+id[2:], h)
	}
	id := func(door, k int) string { return testkit.RID(fmt.Sprintf("age%d", door), k) }
	for i, d := range ds {
		for k, c := range []struct {
			home, code, eligibility string
		}{
			{"sanobirth000000", smokealarm.CodeResidentAgeUnknown, ""},
			{"sa59yearsold000", smokealarm.CodeResidentUnder60, ""},
			{"sa60today000000", "", smokealarm.ElderlyAlone},
			{sides["a"].disabled, "", smokealarm.Disabled},
		} {
			id := id(i, k)
			body := with(install("a", c.home, smokealarm.Networked, "AGE-"+id), "installed_on", day)
			o := d.create(id, body)
			if c.code != "" {
				if o.OK || o.Fields["unit_type"] != c.code {
					t.Errorf("%s %s: want %s, got %s", d.Name(), c.home, c.code, o)
				}
				// An ordinary unit is still theirs, under the category the record proves.
				if o := d.create(id, with(body, "unit_type", smokealarm.Ordinary)); !o.OK {
					t.Errorf("%s %s: ordinary unit refused: %s", d.Name(), c.home, o)
				} else if e := find(t, srv, schema.AlarmInstalls, id).GetString("eligibility"); e != smokealarm.General {
					t.Errorf("%s %s: ordinary unit under %q, want general", d.Name(), c.home, e)
				}
				continue
			}
			if !o.OK {
				t.Errorf("%s %s: want accepted, got %s", d.Name(), c.home, o)
			} else if e := find(t, srv, schema.AlarmInstalls, id).GetString("eligibility"); e != c.eligibility {
				t.Errorf("%s %s: eligibility %q, want %q", d.Name(), c.home, e, c.eligibility)
			}
		}
	}
	// Moving an install to the day before the birthday re-checks the age.
	for i, d := range ds {
		if o := d.patch(id(i, 2), map[string]any{"installed_on": "2018-07-31 00:00:00.000Z"}); o.OK || o.Fields["unit_type"] != smokealarm.CodeResidentUnder60 {
			t.Errorf("%s: moving the install before the 60th birthday: want %s, got %s", d.Name(), smokealarm.CodeResidentUnder60, o)
		}
	}
}
