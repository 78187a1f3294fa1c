package demo

import (
	"github.com/pocketbase/pocketbase/core"

	"github.com/haidian/fieldsync/internal/access"
	"github.com/haidian/fieldsync/internal/refdata"
	"github.com/haidian/fieldsync/internal/schema"
)

// Password is the password of every demo account. It is published in the report and the
// documentation: demo accounts are for trying fieldsync out, never for production data.
const Password = "haidian-demo-2018"

// The demo sign-ins, one per role.
const (
	InspectorEmail           = "inspector@demo.fieldsync"            // inspector of 万寿路
	SupervisorEmail          = "supervisor@demo.fieldsync"           // supervisor of 万寿路
	InspectorYongdingluEmail = "inspector.yongdinglu@demo.fieldsync" // inspector of 永定路
	FireStaffEmail           = "fire@demo.fieldsync"                 // staff of the fire brigade
	EnvStaffEmail            = "env@demo.fieldsync"                  // staff of the environment bureau
	AdminEmail               = "admin@demo.fieldsync"                // district administrator (superuser)
)

// Account is a demo sign-in as the report lists it.
type Account struct {
	Email, Description string
}

// Accounts lists the demo sign-ins in the order the report prints them.
var Accounts = []Account{
	{InspectorEmail, "巡查员 inspector, 万寿路街道"},
	{SupervisorEmail, "督办主管 supervisor, 万寿路街道"},
	{InspectorYongdingluEmail, "巡查员 inspector, 永定路街道"},
	{FireStaffEmail, "部门工作人员 agency staff, 海淀消防支队"},
	{EnvStaffEmail, "部门工作人员 agency staff, 区环保局"},
	{AdminEmail, "区级管理员 superuser (admin UI at /_/)"},
}

// Ids of the demo staff, which the records name as their authors.
var (
	uInspector  = ID("us", 1)
	uSupervisor = ID("us", 2)
	uInspector2 = ID("us", 3)
	uFire       = ID("us", 4)
	uEnv        = ID("us", 5)
)

// Subdistricts and agencies the tables use, by their fixed ids.
var (
	sdWanshoulu    = refdata.SubdistrictID(1)
	sdYongdinglu   = refdata.SubdistrictID(2)
	sdYangfangdian = refdata.SubdistrictID(3)
	sdXueyuanlu    = refdata.SubdistrictID(9)
	sdZhongguancun = refdata.SubdistrictID(10)
	sdQinghe       = refdata.SubdistrictID(16)
	sdShangdi      = refdata.SubdistrictID(21)
	sdSijiqing     = refdata.SubdistrictID(23)
	sdXibeiwang    = refdata.SubdistrictID(26)
	sdWenquan      = refdata.SubdistrictID(27)

	agFire = refdata.AgencyID(1)
	agEdu  = refdata.AgencyID(2)
	agEnv  = refdata.AgencyID(3)
)

func accounts() []item {
	staff := func(id, email, name string, role access.Role, sd, agency string) item {
		d := map[string]any{"email": email, "name": name, "role": string(role),
			"phone": "010-8888" + id[len(id)-4:]}
		if sd != "" {
			d["subdistricts"] = []string{sd}
		}
		if agency != "" {
			d["agency"] = agency
		}
		return item{coll: schema.Users, id: id, data: d}
	}
	return []item{
		staff(uInspector, InspectorEmail, "李建国", access.Inspector, sdWanshoulu, ""),
		staff(uSupervisor, SupervisorEmail, "王淑芬", access.Supervisor, sdWanshoulu, ""),
		staff(uInspector2, InspectorYongdingluEmail, "张海涛", access.Inspector, sdYongdinglu, ""),
		staff(uFire, FireStaffEmail, "赵志强", access.AgencyStaff, "", agFire),
		staff(uEnv, EnvStaffEmail, "孙丽娟", access.AgencyStaff, "", agEnv),
		{coll: core.CollectionNameSuperusers, id: ID("su", 1), data: map[string]any{"email": AdminEmail}},
	}
}
