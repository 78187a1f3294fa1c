package localsetting

// Setting is one local choice as the migration seeds it and the code falls back to.
type Setting struct {
	Key Key
	// Default is today's rule: a bool, or a []string of roles.
	Default any
	// Gazette is the line (or lines) of the gazette the choice fills or departs from.
	Gazette string
	ZH, EN  string
}

// roles a role list may hold.
var roles = []string{"inspector", "supervisor", "agency_staff"}

// All are the local choices that are settings, in the order the admin UI lists them.
var All = []Setting{
	{WhiteListNeedsLicence, true, "4762, 4833",
		"本区选择：只有持有办学许可证且正常办学（未在整改、暂停或停止办学中）的机构可列入白名单；公报未定列入标准",
		"local choice: only a centre with a school licence that operates (not rectifying, suspended or stopped) may be white-listed; the gazette sets no criteria"},
	{ListReasonRequired, true, "4762, 4833",
		"本区选择：每项黑白名单决定须写明理由",
		"local choice: every white/black-list decision states a reason"},
	{DailyCountsLaterRoutineFindings, true, "4911",
		"本区选择：已排查机构在以后的日常检查中首次发现的问题，计入当日问题栏（公报只排除再次检查和整改验收）；关闭则只计首次排查或日常检查发现的问题",
		"local choice: a problem first found at a later routine inspection of a centre already counted counts that day (the gazette excludes re-inspections and acceptance checks only); off: only the findings of a place's first survey or routine inspection count"},
	{DailyFraudCountsMisappropriatedFunds, true, "4886",
		"本区选择：日报表（一）“存在虚假宣传、违规招生、收费非法集资问题的”一栏同时计入抽逃办学资金，使以往各日报表不变；关闭则只计公报所列问题",
		"local choice: report (一)'s column of false advertising, illegal enrolment, fees and fundraising also counts misappropriated funds, so that past days do not change; off: only the gazette's problems count"},
	{ElderlyAloneNeedsBirthDate, true, "3492",
		"本区选择：勾选“独居老人”的住户须有出生日期证明年满60岁，方可安装联网报警装置；关闭则未填出生日期时以勾选为准（已填且未满60岁仍不可安装）",
		"local choice: a household ticked elderly_alone proves the category only with a birth date making the resident 60 or over; off: the tick suffices while no birth date is recorded (a recorded date under 60 still refuses)"},
	{QuotaNotesWriters, []string{"supervisor", "agency_staff"}, "3496",
		"本区选择：可填写报警装置指标备注（notes）的角色（supervisor 街镇督办主管、agency_staff 消防支队工作人员）",
		"local choice: the roles that may write a quota's notes (supervisor, agency_staff of the fire brigade)"},
	{SiteListCountsUndatedSites, true, "3739",
		"本区选择：未填开工日期的施工工地视为在施工（未竣工的季度），列入报送的工地名单；未填竣工日期的工地总视为仍在施工",
		"local choice: a construction site without a start date counts as working (in quarters it has not ended before) when a site list is sent; one without an end date is always still working"},
}

// find returns the setting of key.
func find(key Key) (Setting, bool) {
	for _, s := range All {
		if s.Key == key {
			return s, true
		}
	}
	return Setting{}, false
}
