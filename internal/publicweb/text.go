package publicweb

import (
	"net/http"
	"net/url"

	"github.com/haidian/fieldsync/internal/fault"
	"github.com/haidian/fieldsync/internal/vocab"
)

// words are the pages' texts: Chinese first, English second.
var words = map[string][2]string{
	"site":               {"海淀区校外培训与安全举报", "Haidian tutoring and safety reports"},
	"switch":             {"English", "中文"},
	"report":             {"举报", "Report"},
	"search.title":       {"查询校外培训机构", "Check a tutoring centre"},
	"search.label":       {"机构名称或地址", "Centre name or address"},
	"search.go":          {"查询", "Search"},
	"search.area":        {"所在街道（镇）", "Subdistrict"},
	"search.anyArea":     {"全区", "All of Haidian"},
	"search.more":        {"只列出前 30 家，请输入名称或地址缩小范围。", "Only the first 30 are listed: type a name or an address to narrow the search."},
	"search.report":      {"举报此机构", "Report this centre"},
	"search.none":        {"没有找到符合的机构。没有登记的机构也可能在无证办学，可以举报。", "No centre found. A centre that is not registered may be operating without a licence: you can report it."},
	"search.hint":        {"报名前先查一查：机构是否有办学许可证、是否在白名单上。", "Check before you enrol: does the centre hold a licence, is it on the white list?"},
	"centre.title":       {"培训机构信息", "Tutoring centre"},
	"centre.unknown":     {"没有找到这家机构", "No such centre"},
	"centre.unknownMsg":  {"该二维码对应的机构不存在或已注销登记。请通过查询核实；如机构仍在办学，可以举报。", "The centre of this code does not exist or is no longer registered. Check with the search; if it still teaches, you can report it."},
	"centre.where":       {"所在街镇和地址", "Subdistrict and address"},
	"centre.qual":        {"办学资质", "Qualification"},
	"centre.licence":     {"办学许可证", "School licence"},
	"centre.nolicence":   {"没有办学许可证", "No school licence"},
	"centre.list":        {"名单", "List"},
	"centre.status":      {"办学状态", "Status"},
	"centre.credit":      {"统一社会信用代码", "Unified social credit code"},
	"centre.classes":     {"备案班次", "Filed classes"},
	"centre.noclasses":   {"没有备案的班次。", "No filed classes."},
	"centre.updated":     {"信息更新日期", "Last updated"},
	"centre.reportBtn":   {"举报这家机构", "Report this centre"},
	"hotlines":           {"举报和咨询电话", "Hotlines"},
	"hot.edu":            {"区教委公共服务热线 68980166（邮箱 hdjwggfw@163.com）", "Education commission public service line 68980166 (hdjwggfw@163.com)"},
	"hot.12345":          {"市民服务热线 12345", "Citizens' service line 12345"},
	"hot.96181":          {"海淀区政府便民热线 96181", "Haidian government service line 96181"},
	"hot.env":            {"环境违法举报 12369、96310", "Environmental violations 12369, 96310"},
	"form.title":         {"我要举报", "Make a report"},
	"form.category":      {"举报类别", "What is wrong"},
	"form.centre":        {"被举报的机构", "The centre"},
	"form.change":        {"换一家机构", "Pick another centre"},
	"form.address":       {"地址（没有选择机构时填写）", "Address (when no centre is chosen)"},
	"form.point":         {"地图位置（可不填）", "Map point (optional)"},
	"form.lat":           {"纬度", "Latitude"},
	"form.lon":           {"经度", "Longitude"},
	"form.subdistrict":   {"所在街镇", "Subdistrict"},
	"form.pick":          {"请选择", "Choose"},
	"form.description":   {"发生了什么（至少 5 个字）", "What happened (5 characters at least)"},
	"form.photos":        {"照片（最多 6 张，可不传）", "Photos (up to 6, optional)"},
	"form.photosNoJS":    {"上传照片需要浏览器允许运行脚本；不传照片也可以提交，提交后还可以补充。", "Uploading photos needs scripts enabled; you can send without photos and add them later."},
	"form.contact":       {"联系方式（可不填）", "Contact (optional)"},
	"form.name":          {"称呼", "Name"},
	"form.phone":         {"电话", "Phone"},
	"form.email":         {"邮箱（填写后处理进展会发邮件告诉您）", "E-mail (we write to you when the report moves on)"},
	"form.privacy":       {"谁能看到什么", "Who sees what"},
	"form.send":          {"提交举报", "Send the report"},
	"form.fix":           {"请修改标出的内容后再提交。", "Please correct the marked fields and send again."},
	"done.title":         {"举报已提交", "Report sent"},
	"done.tracking":      {"受理编号", "Tracking number"},
	"done.code":          {"查询码（请抄下来）", "Access code (write it down)"},
	"done.link":          {"查看进度的链接（请收藏或发给自己）", "Link to follow it (bookmark it or send it to yourself)"},
	"done.keep":          {"凭受理编号和查询码，随时可以在本网站“查询举报进度”中查看处理进展、补充材料。查询码只显示这一次。", "With the tracking number and the code you can follow the report and add to it at any time under “Follow a report”. The code is shown only this once."},
	"done.dup":           {"同一问题已有人举报，您的举报已并入该案件一同处理。", "Someone already reported this problem; your report joins that case."},
	"find.title":         {"查询举报进度", "Follow a report"},
	"find.tracking":      {"受理编号（如 HD-201806-7K3Q9M）", "Tracking number (e.g. HD-201806-7K3Q9M)"},
	"find.code":          {"查询码（12 位字母数字）", "Access code (12 letters and digits)"},
	"find.go":            {"查看", "Open"},
	"find.bad":           {"受理编号或查询码不对，请核对后再试。多次输错会被暂时禁止查询。", "The tracking number or the code is wrong. Check and try again; repeated mistakes block the lookup for a while."},
	"track.title":        {"举报进度", "Report status"},
	"track.status":       {"当前状态", "Status"},
	"track.category":     {"举报类别", "Category"},
	"track.place":        {"地点", "Place"},
	"track.submitted":    {"提交时间", "Sent"},
	"track.history":      {"处理经过", "History"},
	"track.outcome":      {"处理结果", "Outcome"},
	"track.inspected":    {"核查日期", "Inspected on"},
	"track.found":        {"发现违规", "Violation found"},
	"track.notfound":     {"核查未发现违规", "No violation found"},
	"track.ordered":      {"责令整改日期", "Ordered to fix on"},
	"track.fixby":        {"整改期限", "To be fixed by"},
	"track.reinspected":  {"复查日期", "Re-inspected on"},
	"track.fixedOn":      {"整改完成日期", "Fixed on"},
	"track.none":         {"还没有核查结果。", "No inspection yet."},
	"track.resolution":   {"处理说明", "Note from the office"},
	"track.updates":      {"您补充的内容", "What you added"},
	"track.photos":       {"张照片", "photos"},
	"track.add":          {"补充信息或照片", "Add information or photos"},
	"track.text":         {"补充内容", "What to add"},
	"track.addBtn":       {"提交补充", "Add"},
	"track.dispute":      {"对整改结果有异议", "Dispute the fix"},
	"track.disputeText":  {"哪里没有整改好", "What is still wrong"},
	"track.disputeUntil": {"整改完成后 30 天内可以提出异议，截止", "You may dispute the fix within 30 days, until"},
	"track.disputeBtn":   {"提出异议", "Dispute"},
	"track.final":        {"本举报已办结，不能再补充。", "This report is closed: nothing more can be added."},
	"track.dup":          {"已并入案件", "Joined case"},
	"track.added":        {"已收到您补充的内容。", "Your addition was received."},
	"error.title":        {"出错了", "Something went wrong"},
	"error.back":         {"返回查询", "Back to the search"},
	"error.limited":      {"操作太频繁，请稍后再试。", "Too many attempts; please try again later."},
	"error.internal":     {"服务器暂时出错，请稍后再试。", "The server failed; please try again later."},
	"yes":                {"是", "yes"},
	"no":                 {"否", "no"},
}

// fieldWords are the messages shown next to a refused field, by its code.
var fieldWords = map[string][2]string{
	"category":      {"请选择举报类别。", "Choose what is wrong."},
	"description":   {"请写清发生了什么，至少 5 个字，最多 4000 字。", "Say what happened: 5 to 4,000 characters."},
	"place":         {"请选择机构，或填写地址、地图位置。", "Choose a centre, or give an address or a map point."},
	"centre":        {"没有找到这家机构，请重新选择。", "No such centre; choose again."},
	"address":       {"地址太长（最多 300 字）。", "The address is too long (300 characters at most)."},
	"location":      {"位置不在北京范围内，请检查经纬度。", "The point is not in Beijing; check latitude and longitude."},
	"subdistrict":   {"请选择所在街镇。", "Choose the subdistrict."},
	"photos":        {"照片无效或超过 6 张，请重新上传。", "A photo is invalid or there are more than 6; upload again."},
	"contact.name":  {"称呼太长（最多 60 字）。", "The name is too long (60 characters at most)."},
	"contact.phone": {"电话号码格式不对。", "The phone number is not valid."},
	"contact.email": {"邮箱格式不对。", "The e-mail address is not valid."},
	"text":          {"请填写内容（最多 4000 字），照片最多 5 张。", "Write something (4,000 characters at most); 5 photos at most."},
	"q":             {"请输入至少 2 个字。", "Type 2 characters at least."},
	"area":          {"请从列表中选择街道（镇）。", "Choose a subdistrict from the list."},
	"code":          {"", ""},
}

func pick(lang string, w [2]string) string {
	if lang == "en" {
		return w[1]
	}
	return w[0]
}

func tr(lang, key string) string {
	w, ok := words[key]
	if !ok {
		return key
	}
	return pick(lang, w)
}

func term(lang string, zh, en string) string {
	if lang == "en" && en != "" {
		return en
	}
	return zh
}

// href adds the language to a page's link, so the English switch stays on.
func href(lang, path string) string {
	if lang != "en" {
		return path
	}
	u, err := url.Parse(path)
	if err != nil {
		return path
	}
	q := u.Query()
	q.Set("lang", "en")
	u.RawQuery = q.Encode()
	return u.String()
}

// fieldMessages turns a refusal's field codes into messages beside the fields.
func fieldMessages(lang string, fields map[string]string) map[string]string {
	out := map[string]string{}
	for f := range fields {
		if w, ok := fieldWords[f]; ok {
			out[f] = pick(lang, w)
		} else {
			out["form"] = tr(lang, "form.fix")
		}
	}
	return out
}

// faultMessage is the status and the reader's message of err.
func faultMessage(lang string, err error) (int, string) {
	fe, ok := fault.As(err)
	switch {
	case !ok:
		return http.StatusInternalServerError, tr(lang, "error.internal")
	case fe.Kind == fault.TooMany:
		return fe.Status(), tr(lang, "error.limited")
	case lang == "en":
		return fe.Status(), fe.EN
	}
	return fe.Status(), fe.ZH
}

// explain says in plain words what a centre's list or status means for a child.
var explain = map[string][2]string{
	"list:white":        {"白名单：机构证照齐全，通过了核查，可以放心了解报名。", "White list: the centre holds its licences and passed the checks."},
	"list:black":        {"黑名单：机构已被责令停止办学，请不要报名，已报名的请及时联系机构退费，有困难可拨打下方热线。", "Black list: the centre was ordered to stop. Do not enrol; if you paid, ask for a refund and call a hotline below if needed."},
	"list:none":         {"未列入：这家机构还没有列入白名单，可能证照不全或仍在核查、整改中。报名前请谨慎，可以拨打下方热线咨询。", "Not listed: the centre is not on the white list yet; its licences may be incomplete or it is still being checked. Be careful before enrolling; ask a hotline below."},
	"status:operating":  {"正常办学。", "Operating normally."},
	"status:rectifying": {"限期整改：检查发现了问题，机构必须在期限内改正，改正前请谨慎报名；孩子已在上课的，可以留意是否还有超前教学、违规收费等情况并举报。", "Rectifying: problems were found and must be fixed by a deadline. Be careful before enrolling; if your child attends, watch for the problems and report them."},
	"status:suspended":  {"暂停办学：因安全等问题暂停，暂停期间不得上课。发现仍在上课请举报。", "Suspended (for safety or other problems): no classes may be held. Report it if classes go on."},
	"status:stopped":    {"停止办学：机构不得再招生和上课。发现仍在上课请举报。", "Stopped: the centre may not enrol or teach. Report it if classes go on."},
}

func explanation(lang, kind string, t vocab.Term) string {
	if w, ok := explain[kind+":"+t.Value]; ok {
		return pick(lang, w)
	}
	return ""
}
