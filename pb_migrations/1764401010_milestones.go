package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	a "github.com/haidian/fieldsync/internal/access"
	"github.com/haidian/fieldsync/internal/refdata"
	s "github.com/haidian/fieldsync/internal/schema"
	v "github.com/haidian/fieldsync/internal/vocab"
)

// The plans' deadlines as milestones (internal/rectify/milestones.go). Each record is a
// setting district administrators may edit in the admin UI (staff read them; nobody else
// writes them): the dates and shares are the gazette's, cited by line; the year where the
// gazette names none, and how progress is measured where it is silent, are the district's
// choices, said in each record's local field. due is the instant the deadline passes: the
// Beijing midnight after the last day ("11 月底前" → 2018-12-01 00:00 +08:00).
//
// fs_milestone_escalations remembers which subdistrict was told of which missed milestone
// (and due date), so the deadline job tells each once.
func init() {
	seeds := []map[string]any{
		{"code": "smoke_alarms", "programme": "smoke_alarm", "measure": "alarm_installs", "target": 1,
			"title": "安装独立感烟报警装置，完成时限 2018 年 11 月底前", "gazette_line": "3502",
			"due": "2018-11-30 16:00:00.000Z", "lead_agency": "fire",
			"local": "进度：当年 1 月 1 日以后安装、未作废的报警装置数 / 当年分配指标；期限后安装的计为逾期完成（公报第 3502 行只定期限）"},
		{"code": "key_units_10", "programme": "fire", "measure": "key_units_standardised", "target": 0.1,
			"title": "6 月底前全区 10% 的重点单位完成标准化管理工作", "gazette_line": "3406",
			"due": "2018-06-30 16:00:00.000Z", "lead_agency": "fire",
			"local": "年份 2018 取自《2018 年度政府消防工作责任状》（第 3400 行）；完成以街镇督办主管记录的标准化完成日期为准"},
		{"code": "key_units_all", "programme": "fire", "measure": "key_units_standardised", "target": 1,
			"title": "11 月底前全区所有消防安全重点单位完成标准化管理工作", "gazette_line": "3406, 3412",
			"due": "2018-11-30 16:00:00.000Z", "lead_agency": "fire",
			"local": "完成以街镇督办主管记录的标准化完成日期为准"},
		{"code": "bareland_ledger", "programme": "dust", "measure": "bareland_ledger", "target": 1,
			"title": "各街镇于 4 月底前建立裸地台账", "gazette_line": "3736",
			"due": "2018-04-30 16:00:00.000Z", "lead_agency": "urban",
			"local": "年份 2018 取自 2018 年蓝天保卫战方案（该行未写年份）；街镇以其裸地台账第一条记录的日期为建账日期"},
		{"code": "tutoring_phase1", "programme": "tutoring", "measure": "centres_surveyed", "target": 1,
			"title": "第一阶段（2018 年 6 月底前）：全面部署，摸底排查", "gazette_line": "4666",
			"due": "2018-06-30 16:00:00.000Z", "lead_agency": "edu",
			"local": "进度：台账中已摸底或日常检查过的培训机构 / 台账中的培训机构"},
		{"code": "tutoring_phase2", "programme": "tutoring", "measure": "tutoring_rectified", "target": 1,
			"title": "第二阶段（2018 年 12 月底前）：全面治理，集中整改", "gazette_line": "4668, 4825",
			"due": "2018-12-31 16:00:00.000Z", "lead_agency": "edu",
			"local": "进度：已整改销账的校外培训问题 / 发现的问题"},
		{"code": "tutoring_phase3", "programme": "tutoring", "measure": "tutoring_rectified", "target": 1,
			"title": "第三阶段（2019 年 6 月底前）：专项督查，建章立制", "gazette_line": "4670",
			"due": "2019-06-30 16:00:00.000Z", "lead_agency": "edu",
			"local": "“建章立制”无法由记录计量；进度以整改销账的问题计，同第二阶段"},
	}
	milestones := spec{name: s.Milestones,
		rules:  a.Rules{List: a.Rule(a.Staff), View: a.Rule(a.Staff)},
		unique: [][]string{{"code"}},
		fields: []core.Field{
			pattern("code", true, 50, `^[a-z0-9_]+$`),
			sel("programme", v.Programme, true),
			text("title", true, maxName),
			text("gazette_line", false, 50),
			date("due", true),
			number("target", true, 0, 1),
			sel("measure", v.MilestoneMeasure, true),
			rel("lead_agency", s.Agencies, false),
			text("local", false, maxNote),
		}}
	m.Register(func(app core.App) error {
		if err := createAll(app, []spec{milestones}, nil); err != nil {
			return err
		}
		if _, err := app.DB().NewQuery(`CREATE TABLE fs_milestone_escalations (
			milestone TEXT NOT NULL, subdistrict TEXT NOT NULL, due TEXT NOT NULL, escalated_at TEXT NOT NULL,
			PRIMARY KEY (milestone, subdistrict, due)) WITHOUT ROWID`).Execute(); err != nil {
			return err
		}
		coll, err := app.FindCollectionByNameOrId(s.Milestones)
		if err != nil {
			return err
		}
		agencies := map[string]string{}
		for _, ag := range refdata.Agencies() {
			agencies[ag.Code] = ag.ID
		}
		for _, seed := range seeds {
			r := core.NewRecord(coll)
			r.Load(seed)
			r.Set("lead_agency", agencies[seed["lead_agency"].(string)])
			a.AsSystem(r)
			if err := app.Save(r); err != nil {
				return err
			}
		}
		return nil
	}, func(app core.App) error {
		if _, err := app.DB().NewQuery("DROP TABLE fs_milestone_escalations").Execute(); err != nil {
			return err
		}
		return deleteAll(app, []spec{milestones})
	})
}
