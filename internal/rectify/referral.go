package rectify

import (
	"slices"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"
	"github.com/spf13/cast"

	"github.com/haidian/fieldsync/internal/access"
	"github.com/haidian/fieldsync/internal/fault"
	"github.com/haidian/fieldsync/internal/schema"
	"github.com/haidian/fieldsync/internal/sync"
)

// "街镇吹哨、部门报到": a subdistrict refers a finding to an agency, which must report for duty
// by a deadline. Each referral is a record of its own, so the hand-over history stays; the
// finding's agency names who holds it now. "Not ours" hands it back to the subdistrict and
// the finding's own deadline keeps running until someone owns it.
const (
	ReferCommand               = "finding.refer@1"        // {agency, deadline, reason}, on a finding
	ReferralAcknowledgeCommand = "referral.acknowledge@1" // {response}, by the agency
	ReferralDeclineCommand     = "referral.decline@1"     // {response}: not ours
	ReferralDoneCommand        = "referral.done@1"        // {response}
)

// Referral statuses (vocab.ReferralStatus).
const (
	referralPending      = "pending"
	referralAcknowledged = "acknowledged"
	referralDeclined     = "declined"
	referralDone         = "done"
)

func init() {
	sync.RegisterCommand(ReferCommand, sync.Command{Coll: schema.Findings, Run: refer})
	for name, run := range map[string]func(core.App, access.Actor, *core.Record, map[string]any) error{
		ReferralAcknowledgeCommand: answer(referralAcknowledged, referralPending),
		ReferralDeclineCommand:     decline,
		ReferralDoneCommand:        answer(referralDone, referralPending, referralAcknowledged),
	} {
		sync.RegisterCommand(name, sync.Command{Coll: schema.Referrals, Run: run})
	}
}

var (
	errReferralTerms = fault.New(fault.Invalid, "referral_terms_missing",
		"吹哨须写明部门、报到期限和理由", "a referral needs an agency, a deadline and a reason")
	errNotTheAgency = fault.New(fault.Permission, "referral_needs_agency",
		"只有被吹哨的部门可以答复", "only the agency the case was referred to may answer")
	errReferralClosed = fault.New(fault.Conflict, "referral_not_open",
		"该吹哨已答复或已办结", "this referral is already answered or done")
	errFindingClosed = fault.New(fault.Conflict, "finding_closed",
		"隐患已销账，不能吹哨", "a closed finding cannot be referred")
)

// refer creates the referral and hands the finding to the agency.
func refer(app core.App, a access.Actor, f *core.Record, args map[string]any) error {
	if err := supervisorOf(a, f); err != nil {
		return err
	}
	if f.GetString(schema.FieldStatus) == Closed {
		return errFindingClosed
	}
	agency, reason := cast.ToString(args["agency"]), cast.ToString(args["reason"])
	if _, err := app.FindRecordById(schema.Agencies, agency); err != nil || reason == "" || args["deadline"] == nil {
		return errReferralTerms
	}
	coll, err := app.FindCachedCollectionByNameOrId(schema.Referrals)
	if err != nil {
		return err
	}
	ref := core.NewRecord(coll)
	ref.Load(map[string]any{"finding": f.Id, "subdistrict": f.GetString(schema.FieldSubdistrict),
		"agency": agency, "status": referralPending, "deadline": args["deadline"], "reason": reason, "author": a.ID})
	access.Attribute(ref, access.Attribution{Actor: a, Door: access.DoorSync, Trusted: true})
	if err := app.Save(ref); err != nil {
		return err
	}
	f.Set(schema.FieldAgency, agency)
	return notifyAgency(app, ref, f)
}

// answer returns the command by which the agency moves a referral from one of the given
// statuses to status.
func answer(status string, from ...string) func(core.App, access.Actor, *core.Record, map[string]any) error {
	return func(_ core.App, a access.Actor, ref *core.Record, args map[string]any) error {
		if a.Agency == "" || a.Agency != ref.GetString(schema.FieldAgency) {
			return errNotTheAgency
		}
		if !slices.Contains(from, ref.GetString(schema.FieldStatus)) {
			return errReferralClosed
		}
		ref.Set(schema.FieldStatus, status)
		ref.Set("response", cast.ToString(args["response"]))
		ref.Set("responded_by", a.ID)
		ref.Set("responded_at", types.NowDateTime())
		return nil
	}
}

// decline is the agency's "not ours": the finding goes back to its subdistrict, whose
// supervisors are told, and its deadline keeps running.
func decline(app core.App, a access.Actor, ref *core.Record, args map[string]any) error {
	if err := answer(referralDeclined, referralPending, referralAcknowledged)(app, a, ref, args); err != nil {
		return err
	}
	f, err := app.FindRecordById(schema.Findings, ref.GetString("finding"))
	if err != nil {
		return err
	}
	if f.GetString(schema.FieldAgency) == ref.GetString(schema.FieldAgency) {
		f.Set(schema.FieldAgency, "")
		access.Attribute(f, access.Attribution{Actor: a, Door: access.DoorSync, Trusted: true})
		if err := app.Save(f); err != nil {
			return err
		}
	}
	return notifySupervisors(app, f, "referral_declined",
		"部门答复非本部门职责，请重新确定责任单位："+f.GetString("description"), ref.Id)
}
