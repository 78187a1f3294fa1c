package smokealarm_test

import (
	"testing"

	"github.com/haidian/fieldsync/internal/schema"
	"github.com/haidian/fieldsync/internal/smokealarm"
	"github.com/haidian/fieldsync/internal/testkit"
)

// TestQuota_RuleRefusesBeforeFieldChecks: gazette line 3496 ("各街镇向海淀消防支队报送…需求量，由海淀
// 消防支队…将任务指标科学分配") gives quotas two writers, neither of them an inspector. An inspector's
// quota create is refused by the collection's create rule at both doors alike, also when it
// carries a field owned by another writer: the rule's refusal comes first (REST's status, the
// push's forbidden), never the field check's protected_field, and nothing is stored.
func TestQuota_RuleRefusesBeforeFieldChecks(t *testing.T) {
	srv := testkit.Serve(t, testkit.NewApp(t))
	before, _ := srv.App.CountRecords(schema.AlarmQuotas)
	for i, d := range testkit.Doors(t, srv, testkit.InspectorA) {
		body := map[string]any{"subdistrict": testkit.SubdistrictA, "unit_type": smokealarm.Ordinary, "year": 2040 + i,
			"demand": 5, "quota": 500}
		o := d.Create(schema.AlarmQuotas, testkit.RID("lsrefuse"+d.Name(), 1), body)
		want := map[string]string{"rest": "400", "sync": "forbidden"}[d.Name()]
		if o.OK || o.Code != want || len(o.Fields) != 0 {
			t.Errorf("%s: an inspector's quota with an allocation: want the rule's %s without field codes, got %s", d.Name(), want, o)
		}
	}
	if n, _ := srv.App.CountRecords(schema.AlarmQuotas); n != before {
		t.Errorf("refused creates stored %d quotas", n-before)
	}
}
