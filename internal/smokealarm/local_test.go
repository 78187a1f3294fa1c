package smokealarm_test

import (
	"fmt"
	"testing"

	"github.com/haidian/fieldsync/internal/localsetting"
	"github.com/haidian/fieldsync/internal/schema"
	"github.com/haidian/fieldsync/internal/smokealarm"
	"github.com/haidian/fieldsync/internal/testkit"
)

// TestLocal_ElderlyAloneTickWithoutBirthDate: gazette line 3492 ("为 60 岁以上独居老人…安装设有报警
// 群发短信功能的报警装置") names an age; whether a household's elderly_alone tick without a birth
// date proves it is the district's setting smokealarm.elderly_alone_needs_birth_date. By default
// it does not; once an administrator turns the setting off, the tick suffices at both doors,
// while a recorded birth date under 60 still refuses.
func TestLocal_ElderlyAloneTickWithoutBirthDate(t *testing.T) {
	srv, ds := doors(t)
	homes := map[string]string{"lsnobirth000000": "", "lsunder60000000": "1970-01-01 00:00:00.000Z"}
	for id, born := range homes {
		testkit.Save(t, srv.App, schema.Places, id, map[string]any{"kind": "household", "name": "独居 " + id,
			"subdistrict": testkit.SubdistrictA, "address": "测试小区 " + id})
		h := map[string]any{"place": id, "subdistrict": testkit.SubdistrictA, "members": 1, "elderly_alone": true,
			"head_name": "独居老人", "phone": "13800000019"}
		if born != "" {
			h["resident_born_on"] = born
		}
		testkit.Save(t, srv.App, schema.Households, "hh"+id[2:], h)
	}
	try := func(round string, home string) map[string]testkit.Outcome {
		out := map[string]testkit.Outcome{}
		for i, d := range ds {
			id := testkit.RID(fmt.Sprintf("lse%s%d", round, i), len(out)+len(home))
			out[d.Name()] = d.create(id, install("a", home, smokealarm.Networked, "LS-"+id))
		}
		return out
	}
	for door, o := range try("a", "lsnobirth000000") {
		if o.OK || o.Fields["unit_type"] != smokealarm.CodeResidentAgeUnknown {
			t.Errorf("%s, default rule: a tick without birth date got %s, want %s", door, o, smokealarm.CodeResidentAgeUnknown)
		}
	}
	testkit.SetLocal(t, srv, localsetting.ElderlyAloneNeedsBirthDate, false)
	for door, o := range try("b", "lsnobirth000000") {
		if !o.OK {
			t.Errorf("%s, tick suffices: refused %s", door, o)
		} else if e := find(t, srv, schema.AlarmInstalls, o.ID).GetString("eligibility"); e != smokealarm.ElderlyAlone {
			t.Errorf("%s, tick suffices: eligibility %q", door, e)
		}
	}
	for door, o := range try("c", "lsunder60000000") {
		if o.OK || o.Fields["unit_type"] != smokealarm.CodeResidentUnder60 {
			t.Errorf("%s, tick suffices: a recorded birth date under 60 got %s", door, o)
		}
	}
}

// TestLocal_QuotaNotesWriters: gazette line 3496 names the subdistrict's demand and the
// brigade's allocation, not who annotates a quota; the writers of notes are the district's
// setting smokealarm.quota_notes_writers. By default both write them; with the brigade alone
// named, a supervisor's notes are refused at both doors (protected_field) and the brigade's kept.
func TestLocal_QuotaNotesWriters(t *testing.T) {
	srv := testkit.Serve(t, testkit.NewApp(t))
	sup := testkit.Doors(t, srv, testkit.SupervisorA)
	fire := testkit.Doors(t, srv, testkit.FireStaff)
	for i := range sup {
		id := testkit.RID("lsquota"+sup[i].Name(), 1)
		report := map[string]any{"subdistrict": testkit.SubdistrictA, "unit_type": smokealarm.Ordinary, "year": 2030 + i, "demand": 10, "notes": "需求含新建小区"}
		if o := sup[i].Create(schema.AlarmQuotas, id, report); !o.OK {
			t.Fatalf("%s, default rule: supervisor's report with notes refused: %s", sup[i].Name(), o)
		}
		if o := fire[i].Patch(schema.AlarmQuotas, id, map[string]any{"notes": "按风险等级调整"}); !o.OK {
			t.Fatalf("%s, default rule: brigade's notes refused: %s", fire[i].Name(), o)
		}
	}
	testkit.SetLocal(t, srv, localsetting.QuotaNotesWriters, []string{"agency_staff"})
	for i := range sup {
		id := testkit.RID("lsquota"+sup[i].Name(), 1)
		if o := sup[i].Patch(schema.AlarmQuotas, id, map[string]any{"notes": "街镇补充"}); o.OK || o.Fields["notes"] != "protected_field" {
			t.Errorf("%s, brigade alone: a supervisor's notes got %s, want protected_field", sup[i].Name(), o)
		}
		if o := sup[i].Patch(schema.AlarmQuotas, id, map[string]any{"demand": 12}); !o.OK {
			t.Errorf("%s, brigade alone: the demand without notes refused: %s", sup[i].Name(), o)
		}
		if o := fire[i].Patch(schema.AlarmQuotas, id, map[string]any{"notes": "已分配"}); !o.OK {
			t.Errorf("%s, brigade alone: the brigade's notes refused: %s", fire[i].Name(), o)
		}
		if n := find(t, srv, schema.AlarmQuotas, id).GetString("notes"); n != "已分配" {
			t.Errorf("%s: stored notes %q", sup[i].Name(), n)
		}
	}
}
