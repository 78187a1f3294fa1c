package access

import (
	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/core"

	"github.com/haidian/fieldsync/internal/schema"
)

// The codes of an incomplete or mixed staff account.
const (
	CodeAccountNeedsSubdistrict  = "account_needs_subdistrict"
	CodeAccountNeedsAgency       = "account_needs_agency"
	CodeAccountFieldStaffAgency  = "account_field_staff_agency"
	CodeAccountAgencySubdistrict = "account_agency_subdistrict"
)

// bindAccountCheck refuses a staff account whose memberships do not fit its role, on every
// save from any door (REST, batch, the admin UI, a JS hook, server code): the API rules read
// the memberships, so an inspector without a subdistrict sees nothing and can do nothing, and
// one with an agency as well would see that agency's cases. Inspectors and supervisors belong
// to one or more subdistricts and to no agency; agency staff to an agency and no subdistrict.
func bindAccountCheck(app core.App) {
	app.OnRecordValidate(schema.Users).BindFunc(func(e *core.RecordEvent) error {
		if err := checkAccount(e.Record); err != nil {
			return err
		}
		return e.Next()
	})
}

func checkAccount(r *core.Record) error {
	subdistricts, agency := len(r.GetStringSlice("subdistricts")) > 0, r.GetString("agency") != ""
	errs := validation.Errors{}
	switch Role(r.GetString("role")) {
	case Inspector, Supervisor:
		if !subdistricts {
			errs["subdistricts"] = validation.NewError(CodeAccountNeedsSubdistrict,
				"巡查员和督办主管须至少选择一个所属街镇 / inspectors and supervisors must belong to at least one subdistrict")
		}
		if agency {
			errs["agency"] = validation.NewError(CodeAccountFieldStaffAgency,
				"巡查员和督办主管不属于部门，请清空所属部门 / inspectors and supervisors belong to no agency: leave the agency empty")
		}
	case AgencyStaff:
		if !agency {
			errs["agency"] = validation.NewError(CodeAccountNeedsAgency,
				"部门工作人员须选择所属部门 / agency staff must belong to an agency")
		}
		if subdistricts {
			errs["subdistricts"] = validation.NewError(CodeAccountAgencySubdistrict,
				"部门工作人员不属于街镇，请清空所属街镇 / agency staff belong to no subdistrict: leave the subdistricts empty")
		}
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}
