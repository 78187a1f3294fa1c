package reports

// Notice is one line of the privacy notice, in both languages.
type Notice struct {
	ZH string `json:"zh"`
	EN string `json:"en"`
}

// PrivacyNotice says up front who sees what of a report. The report form shows it before the
// reporter writes anything, and every answer to the reporter repeats it.
var PrivacyNotice = []Notice{
	{"您的姓名、电话和邮箱只有负责处理本举报的街镇督办主管可以看到；被举报的机构、巡查员、其他部门和公众都看不到，也不会出现在任何公开查询结果中。",
		"Your name, phone and e-mail are seen only by the supervisors of the subdistrict that handles the report: never by the reported centre, inspectors, other agencies or the public, and never in any public answer."},
	{"联系方式可以不填：不留联系方式也能凭回执查看进度、补充材料和提出异议。",
		"Contact details are optional: with the receipt alone you can follow the report, add information and dispute a fix."},
	{"举报内容和照片由处理本举报的街镇巡查员和主管查看，用于核查；照片在保存前会去除拍摄位置、设备等元数据。",
		"The description and photos are seen by the inspectors and supervisors of the handling subdistrict, to check the report; photos are stripped of location, device and other metadata before they are kept."},
	{"公开查询（Open311）只显示类别、状态、约百米精度的位置和处理结果，不显示举报描述、照片、联系方式或工作人员姓名。",
		"Public queries (Open311) show only the category, the status, the location to about 100 m and the outcome: never the description, photos, contact details or staff names."},
	{"处理结果会告诉您核查日期、是否发现问题、整改期限和复查结果，其中工作人员及其他当事人的姓名已隐去。",
		"The outcome tells you the date of the inspection, whether a violation was found, the deadline to fix it and the re-inspection, with the names of staff and other parties removed."},
	{"请妥善保管回执：凭回执即可查看和补充本举报。整改完成后 30 天内可凭回执提出异议。",
		"Keep the receipt safe: it alone opens this report. You may dispute a fix within 30 days of it."},
}
