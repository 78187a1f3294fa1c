package rectify

import (
	"strings"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"
	"github.com/spf13/cast"

	"github.com/haidian/fieldsync/internal/access"
	"github.com/haidian/fieldsync/internal/fault"
	"github.com/haidian/fieldsync/internal/refdata"
	"github.com/haidian/fieldsync/internal/schema"
	"github.com/haidian/fieldsync/internal/sync"
)

// The government levels that list a hazard for supervised rectification (vocab
// SupervisionLevel): "落实区、街镇两级重大隐患政府挂牌督办制度" (gazette line 3406).
const (
	LevelSubdistrict = "subdistrict"
	LevelDistrict    = "district"
)

// ProposeListingCommand is the fire brigade's proposal to list a hazard it cannot have
// rectified at once: "对难以立即整改的,提请政府挂牌督改" (gazette line 3452, whose subject is
// 海淀消防支队). args {reason}. The district lists it by setting the district level.
const ProposeListingCommand = "finding.propose_listing@1"

func init() {
	sync.RegisterCommand(ProposeListingCommand, sync.Command{Coll: schema.Findings, Run: proposeListing})
}

var errNotBrigadeCase = fault.New(fault.Permission, "finding_proposal_forbidden",
	"只有承办此隐患的消防支队可以提请政府挂牌督改", "only the fire brigade the finding is referred to may propose it for government listing")

// proposeListing records the brigade's proposal and tells the subdistrict's supervisors.
func proposeListing(app core.App, a access.Actor, r *core.Record, args map[string]any) error {
	if !a.IsStaff() || a.Agency == "" || a.Agency != r.GetString(schema.FieldAgency) || agencyCode(a.Agency) != "fire" {
		return errNotBrigadeCase
	}
	reason := strings.TrimSpace(cast.ToString(args["reason"]))
	if reason == "" {
		return errNoReason
	}
	r.Set("listing_proposed_by", a.ID)
	r.Set("listing_proposed_at", types.NowDateTime())
	r.Set("listing_proposal", reason)
	return notifySupervisors(app, r, "listing_proposed", "消防支队提请政府挂牌督改："+reason, "")
}

func agencyCode(id string) string {
	for _, ag := range refdata.Agencies() {
		if ag.ID == id {
			return ag.Code
		}
	}
	return ""
}

// checkSupervision holds the listing rules on every save of a finding, from every door:
//   - a regional hazard names its area (区域性火灾隐患, lines 3404, 3452);
//   - only a major or regional hazard, or one the brigade proposed, is listed ("重大和区域性
//     火灾隐患挂牌督办", line 3404; "提请政府挂牌督改", line 3452);
//   - the district's level is the district government's: only district administrators (and
//     server code) set it, change it or lift it; a supervisor lists at the subdistrict's level
//     (the field policy keeps every other role from the field);
//   - a listed hazard is supervised: it is closed only on a supervisor's sign-off.
func checkSupervision(app core.App, r *core.Record) error {
	if r.GetBool("regional") && strings.TrimSpace(r.GetString("region")) == "" {
		return lifecycleError("region", "finding_region_missing",
			"区域性隐患须写明涉及的区域", "a regional hazard names the area it covers")
	}
	level := r.GetString("supervision_level")
	if !access.AttributionOf(r).Actor.Privileged() && access.Changed(app, r, "supervision_level") &&
		(level == LevelDistrict || storedField(app, r, "supervision_level") == LevelDistrict) {
		return lifecycleError("supervision_level", "finding_listing_district_only",
			"区级挂牌督办由区政府决定（区级管理员办理）", "listing by the district is the district government's decision (district administrators)")
	}
	if level == "" {
		return nil
	}
	if r.GetString("severity") != "major" && !r.GetBool("regional") && r.GetDateTime("listing_proposed_at").IsZero() {
		return lifecycleError("supervision_level", "finding_listing_needs_major",
			"只有重大或区域性火灾隐患，或经提请的隐患，才能挂牌督办",
			"only a major or regional hazard, or one proposed for listing, is listed for supervision")
	}
	r.Set("supervised", true)
	return nil
}
