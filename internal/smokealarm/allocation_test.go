package smokealarm_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/pocketbase/pocketbase/core"

	"github.com/haidian/fieldsync/internal/schema"
	"github.com/haidian/fieldsync/internal/smokealarm"
	"github.com/haidian/fieldsync/internal/testkit"
)

// TestQuota_SubdistrictReportsBrigadeAllocates enforces gazette line 3496: "各街镇向海淀消防支队报送
// 分管单位安装需求量，由海淀消防支队按照单位报送数量、区域火灾风险等级和人口基数分布情况，将任务指标科学分配至各相关
// 街镇". At both doors (REST and a phone's sync push) subdistrict A's supervisor reports A's
// demand and nothing else, the fire brigade allocates the quota and nothing else, and the
// server records who did each.
func TestQuota_SubdistrictReportsBrigadeAllocates(t *testing.T) {
	srv := testkit.Serve(t, testkit.NewApp(t))
	sup := testkit.Doors(t, srv, testkit.SupervisorA)
	fire := testkit.Doors(t, srv, testkit.FireStaff)
	insp := testkit.Doors(t, srv, testkit.InspectorA)
	env := testkit.Doors(t, srv, testkit.EnvStaff)
	for i := range sup {
		door := sup[i].Name()
		id := testkit.RID("qreport"+door, 1)
		year := 2019 + i
		report := map[string]any{"subdistrict": testkit.SubdistrictA, "unit_type": smokealarm.Ordinary, "year": year, "demand": 800}

		// Who may not report: an inspector, another agency, a supervisor for another
		// subdistrict, a supervisor who also sets the quota.
		for _, c := range []struct {
			name string
			d    testkit.Door
			body map[string]any
		}{
			{"inspector", insp[i], report},
			{"environment bureau", env[i], report},
			{"supervisor A for B", sup[i], with(report, "subdistrict", testkit.SubdistrictB)},
		} {
			if o := c.d.Create(schema.AlarmQuotas, id, c.body); o.OK {
				t.Errorf("%s %s: a report was accepted: %s", door, c.name, o)
			}
		}
		if o := sup[i].Create(schema.AlarmQuotas, id, with(report, "quota", 500)); o.OK || o.Fields["quota"] != "protected_field" {
			t.Errorf("%s: supervisor setting the quota: want protected_field, got %s", door, o)
		}
		if n, _ := srv.App.CountRecords(schema.AlarmQuotas); n != int64(2+i) {
			t.Fatalf("%s: refused reports left %d quotas, want %d", door, n, 2+i)
		}

		if o := sup[i].Create(schema.AlarmQuotas, id, report); !o.OK {
			t.Fatalf("%s: supervisor A reports demand: %s", door, o)
		}
		q := find(t, srv, schema.AlarmQuotas, id)
		if q.GetString("reported_by") != testkit.SupervisorA || q.GetDateTime("reported_at").IsZero() || q.GetString("allocated_by") != "" {
			t.Errorf("%s: after the report: reported_by %q at %v, allocated_by %q", door,
				q.GetString("reported_by"), q.GetDateTime("reported_at"), q.GetString("allocated_by"))
		}

		// The brigade allocates; it cannot change the reported demand, nor the supervisor the quota.
		if o := fire[i].Patch(schema.AlarmQuotas, id, map[string]any{"demand": 10}); o.OK || o.Fields["demand"] != "protected_field" {
			t.Errorf("%s: brigade changing the demand: want protected_field, got %s", door, o)
		}
		if o := env[i].Patch(schema.AlarmQuotas, id, map[string]any{"quota": 1}); o.OK {
			t.Errorf("%s: the environment bureau allocated: %s", door, o)
		}
		alloc := map[string]any{"quota": 650, "risk_level": "high", "population": 91000}
		if o := fire[i].Patch(schema.AlarmQuotas, id, alloc); !o.OK {
			t.Fatalf("%s: brigade allocates: %s", door, o)
		}
		if o := sup[i].Patch(schema.AlarmQuotas, id, map[string]any{"quota": 800}); o.OK || o.Fields["quota"] != "protected_field" {
			t.Errorf("%s: supervisor changing the quota: want protected_field, got %s", door, o)
		}
		if o := sup[i].Patch(schema.AlarmQuotas, id, map[string]any{"reported_by": testkit.InspectorA}); o.OK {
			t.Errorf("%s: supervisor rewrote who reported: %s", door, o)
		}
		q = find(t, srv, schema.AlarmQuotas, id)
		if q.GetInt("demand") != 800 || q.GetInt("quota") != 650 || q.GetString("risk_level") != "high" ||
			q.GetString("reported_by") != testkit.SupervisorA || q.GetString("allocated_by") != testkit.FireStaff || q.GetDateTime("allocated_at").IsZero() {
			t.Errorf("%s: stored quota %v", door, q.FieldsData())
		}

		// The brigade reads the allocation in every subdistrict's progress; A's supervisor A's.
		path := fmt.Sprintf("/api/fs/smokealarm/progress?year=%d", year)
		for _, user := range []string{testkit.FireStaff, testkit.SupervisorA} {
			res := srv.Do(http.MethodGet, path, srv.Token("users", user), nil)
			if got := quotaIn(t, res.JSON(t), testkit.SubdistrictA, smokealarm.Ordinary); got != 650 {
				t.Errorf("%s: %s reads quota %v in the progress, want 650", door, user, got)
			}
		}
	}
}

// TestSampling_TheBrigadesRecord enforces gazette line 3392 ("加大灭火器、独立式感烟火灾探测器等消防产品的
// 现场判定及抽样送检力度"): the fire brigade records smoke-alarm samples sent for testing, at both
// doors, with its staff member as the recorder; nobody else reads or writes them.
func TestSampling_TheBrigadesRecord(t *testing.T) {
	srv := testkit.Serve(t, testkit.NewApp(t))
	sample := map[string]any{"sampled_on": "2018-08-20 00:00:00.000Z", "product": "JTY-GD-HD01 独立式感烟火灾探测报警器",
		"manufacturer": "某消防电子公司", "batch": "20180705", "quantity": 6, "laboratory": "国家消防电子产品质量监督检验中心",
		"result": "pending", "recorded_by": testkit.SupervisorA}
	for i, d := range testkit.Doors(t, srv, testkit.FireStaff) {
		id := testkit.RID("sample", i+1)
		if o := d.Create(schema.AlarmSamplings, id, sample); !o.OK {
			t.Fatalf("%s: brigade records a sample: %s", d.Name(), o)
		}
		if r := find(t, srv, schema.AlarmSamplings, id); r.GetString("recorded_by") != testkit.FireStaff {
			t.Errorf("%s: recorded_by %q, want the brigade's staff member", d.Name(), r.GetString("recorded_by"))
		}
		if o := d.Patch(schema.AlarmSamplings, id, map[string]any{"result": "fail", "report_no": "NO.2018-0912"}); !o.OK {
			t.Errorf("%s: brigade records the laboratory's result: %s", d.Name(), o)
		}
	}
	for _, user := range []string{testkit.SupervisorA, testkit.InspectorA, testkit.EnvStaff} {
		for _, d := range testkit.Doors(t, srv, user) {
			if o := d.Create(schema.AlarmSamplings, testkit.RID("sampleno", 1), sample); o.OK {
				t.Errorf("%s %s recorded a sample: %s", d.Name(), user, o)
			}
			if o := d.Patch(schema.AlarmSamplings, testkit.RID("sample", 1), map[string]any{"result": "pass"}); o.OK {
				t.Errorf("%s %s changed a sample: %s", d.Name(), user, o)
			}
		}
		res := srv.Do(http.MethodGet, "/api/collections/"+schema.AlarmSamplings+"/records", srv.Token("users", user), nil)
		if items, _ := res.JSON(t)["items"].([]any); res.Status != http.StatusOK || len(items) != 0 {
			t.Errorf("%s lists samples: %d %s", user, res.Status, res.Body)
		}
	}
	if res := srv.Do(http.MethodGet, "/api/collections/"+schema.AlarmSamplings+"/records", "", nil); res.Status == http.StatusOK {
		if items, _ := res.JSON(t)["items"].([]any); len(items) != 0 {
			t.Errorf("anonymous lists samples: %s", res.Body)
		}
	}
}

// find reads a stored record, failing the test if it is missing.
func find(t *testing.T, srv *testkit.Server, coll, id string) *core.Record {
	t.Helper()
	r, err := srv.App.FindRecordById(coll, id)
	if err != nil {
		t.Fatalf("%s %s: %v", coll, id, err)
	}
	return r
}

// quotaIn is the quota a progress answer shows for a subdistrict and unit type, -1 if none.
func quotaIn(t *testing.T, progress map[string]any, sd, unit string) float64 {
	t.Helper()
	rows, _ := progress["rows"].([]any)
	for _, r := range rows {
		row, _ := r.(map[string]any)
		if row["subdistrict"] == sd && row["unit_type"] == unit {
			q, _ := row["quota"].(float64)
			return q
		}
	}
	return -1
}
