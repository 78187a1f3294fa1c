package smokealarm

import (
	"reflect"
	"slices"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"github.com/haidian/fieldsync/internal/access"
	"github.com/haidian/fieldsync/internal/atomic"
	"github.com/haidian/fieldsync/internal/localsetting"
	"github.com/haidian/fieldsync/internal/schema"
)

// A quota has two writers (gazette line 3496): the subdistrict reports its demand ("各街镇向海淀
// 消防支队报送分管单位安装需求量") and the fire brigade allocates ("由海淀消防支队按照单位报送数量、区域火灾
// 风险等级和人口基数分布情况，将任务指标科学分配至各相关街镇"). The API rules and the access policy decide
// who writes which field; this hook records who reported and who allocated, and when, as the
// write happens, so neither can be claimed by a client.
var (
	demandFields     = []string{"demand"}
	allocationFields = []string{"quota", "risk_level", "population"}
)

func registerQuotaRules(app core.App) {
	// Both run as the write executes, where atomic.Previous holds the stored row without a
	// query of its own.
	write := func(e *core.RecordEvent) error {
		if err := checkNotesWriter(e.App, e.Record); err != nil {
			return err
		}
		stampQuota(e.Record)
		return e.Next()
	}
	app.OnRecordCreateExecute(schema.AlarmQuotas).BindFunc(write)
	app.OnRecordUpdateExecute(schema.AlarmQuotas).BindFunc(write)
}

// checkNotesWriter refuses notes written by staff of a role the district's local choice
// (localsetting.QuotaNotesWriters) does not name: the gazette names the demand and the
// allocation, not who annotates them. Administrators and server code are not bound.
func checkNotesWriter(app core.App, q *core.Record) error {
	attr := access.AttributionOf(q)
	if attr.Trusted || !attr.Actor.IsStaff() {
		return nil
	}
	written := q.GetString("notes") != ""
	if !q.IsNew() {
		written = q.GetString("notes") != atomic.Previous(q).GetString("notes")
	}
	if written && !slices.Contains(localsetting.Strings(app, localsetting.QuotaNotesWriters), string(attr.Actor.Role)) {
		return access.ProtectedError("notes")
	}
	return nil
}

// stampQuota names the staff member whose write changed the demand or the allocation of q. A
// district administrator's edit in the admin UI and server code (imports, the demo loader)
// stamp nothing: they carry figures decided elsewhere, and may set the stamps themselves.
func stampQuota(q *core.Record) {
	actor := access.AttributionOf(q).Actor
	if !actor.IsStaff() {
		return
	}
	// A create reports or allocates whatever its figures (a demand of 0 is a report too); an
	// update does so when it changes them.
	prev := atomic.Previous(q)
	changed := func(fields []string, role access.Role) bool {
		if q.IsNew() {
			return actor.Role == role
		}
		return slices.ContainsFunc(fields, func(f string) bool { return !reflect.DeepEqual(q.Get(f), prev.Get(f)) })
	}
	now := types.NowDateTime()
	if changed(demandFields, access.Supervisor) {
		q.Set("reported_by", actor.ID)
		q.Set("reported_at", now)
	}
	if changed(allocationFields, access.AgencyStaff) {
		q.Set("allocated_by", actor.ID)
		q.Set("allocated_at", now)
	}
}
