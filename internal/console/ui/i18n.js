// Every string the console shows, in Chinese and English. Chinese is the default; the
// choice is kept in the browser.
const strings = {
  "title": ["巡查督办台", "Inspection console"],
  "nav.queues": ["待办", "Queues"],
  "nav.figures": ["统计", "Figures"],
  "signout": ["退出", "Sign out"],
  "login.title": ["工作人员登录", "Staff sign-in"],
  "login.identity": ["账号（邮箱）", "Account (e-mail)"],
  "login.password": ["密码", "Password"],
  "login.submit": ["登录", "Sign in"],
  "login.failed": ["账号或密码错误", "Wrong account or password"],
  "login.notstaff": ["此账号不是街镇或部门工作人员", "This account is not subdistrict or agency staff"],
  "q.review": ["待审核的检查记录", "Inspections to review"],
  "q.closure": ["待销账的隐患（已复查）", "Findings to close (re-inspected)"],
  "q.overdue": ["逾期与督办中的隐患", "Overdue and escalated findings"],
  "q.referrals": ["待签收的转办", "Referrals waiting"],
  "q.issues": ["同步冲突与权限变更待审", "Sync conflicts and quarantined edits"],
  "q.missing": ["缺少照片", "Missing photos"],
  "q.reports": ["群众举报待分派", "Public reports to triage"],
  "q.empty": ["暂无", "Nothing waiting"],
  "col.tracking": ["受理编号", "Tracking no."],
  "col.received": ["受理时间", "Received"],
  "act.assign": ["分派", "Assign"],
  "act.reject": ["不予受理", "Reject"],
  "act.rejectreason": ["不予受理的理由（举报人可见）", "Reason (the reporter reads it)"],
  "act.inspector": ["巡查员", "Inspector"],
  "fig.tutoring": ["校外培训机构专项治理日报（一）", "Tutoring daily report (1): centres"],
  "fig.day": ["日期", "Day"],
  "fig.today": ["本日", "Today"],
  "fig.cumulative": ["累计", "Cumulative"],
  "fig.rectified": ["已整改", "Rectified"],
  "fig.dust": ["扬尘治理月度排名", "Monthly dust ranking"],
  "fig.month": ["月份", "Month"],
  "col.rank": ["降尘排名", "Rank by dust fall"],
  "col.dustfall": ["降尘量", "Dust fall"],
  "col.compliance": ["工地检查达标率", "Site-check compliance"],
  "col.land": ["裸地治理率", "Bare land treated"],
  "tut.total": ["机构", "Centres"],
  "tut.licensed": ["有教育部门许可证", "Education licence"],
  "tut.licensed_hr": ["人社许可证(本区增列)", "HR licence (local)"],
  "tut.business_without_education": ["有照无证(无培训)", "Licence, no education"],
  "tut.business_with_education": ["有照无证(有培训)", "Licence, education"],
  "tut.institution_only": ["仅事业/民非(本区增列)", "Institution only (local)"],
  "tut.unqualified": ["无证无照(本区增列)", "Unlicensed (local)"],
  "tut.fraud": ["虚假宣传等", "Fraud"],
  "tut.subject_training": ["学科类", "Academic"],
  "tut.teaching": ["超目标提前应试", "Teaching"],
  "tut.admission_link": ["与招生挂钩", "Admission link"],
  "tut.incidents": ["突发情况", "Incidents"],
  "tut.major_hazard": ["重大隐患", "Major hazards"],
  "col.place": ["场所", "Place"],
  "col.programme": ["专项", "Programme"],
  "col.date": ["日期", "Date"],
  "col.result": ["结果", "Result"],
  "col.category": ["类别", "Category"],
  "col.status": ["状态", "Status"],
  "col.deadline": ["整改期限", "Deadline"],
  "col.agency": ["部门", "Agency"],
  "col.reason": ["原因", "Reason"],
  "col.kind": ["类型", "Kind"],
  "col.record": ["记录", "Record"],
  "col.message": ["说明", "Message"],
  "col.inspector": ["巡查员", "Inspector"],
  "col.pending": ["待传", "Pending"],
  "col.oldest": ["最早", "Oldest"],
  "col.subdistrict": ["街镇", "Subdistrict"],
  "col.unit": ["类型", "Unit type"],
  "col.quota": ["配额", "Quota"],
  "col.installed": ["已安装", "Installed"],
  "col.remaining": ["剩余", "Remaining"],
  "col.found": ["发现", "Found"],
  "col.open": ["未销账", "Open"],
  "col.overdue": ["逾期", "Overdue"],
  "col.closed": ["已销账", "Closed"],
  "col.ontime": ["按期销账", "Closed on time"],
  "col.late": ["逾期销账", "Closed late"],
  "act.approve": ["通过", "Approve"],
  "act.return": ["退回", "Return"],
  "act.close": ["销账", "Close"],
  "act.accept": ["采纳", "Accept"],
  "act.discard": ["舍弃", "Discard"],
  "act.open": ["查看", "Open"],
  "act.reason": ["退回原因", "Reason for returning"],
  "act.record": ["检查记录 PDF", "Inspection record (PDF)"],
  "act.notice": ["整改通知书 PDF", "Rectification notice (PDF)"],
  "done": ["已处理", "Done"],
  "failed": ["操作失败", "Failed"],
  "finding.title": ["隐患详情", "Finding"],
  "finding.timeline": ["处理过程", "Timeline"],
  "finding.photos": ["照片", "Photos"],
  "finding.notfound": ["没有这条隐患，或您无权查看", "No such finding, or you may not see it"],
  "fig.hazards": ["隐患发现与整改", "Hazards found and rectified"],
  "fig.alarms": ["独立式烟感安装进度", "Smoke-alarm installs"],
  "fig.district": ["全区", "District"],
  "fig.map": ["未销账隐患分布", "Open findings on the map"],
  "fig.maphint": ["红点为逾期；点击查看。坐标网格间隔 0.05°（服务器离线运行，不加载底图）。", "Red: overdue; click to open. Grid every 0.05° (the server runs offline and loads no base map)."],
  "fig.target": ["目标", "Target"],
  "prog.fire": ["消防", "Fire"],
  "prog.tutoring": ["校外培训", "Tutoring"],
  "prog.dust": ["扬尘", "Dust"],
  "prog.all": ["全部专项", "All programmes"],
  "export.csv": ["导出 CSV", "Export CSV"],
  "export.xlsx": ["导出 Excel", "Export Excel"],
  "loading": ["加载中…", "Loading…"],
};

let lang = localStorage.getItem("fieldsync.lang") === "en" ? 1 : 0;

export function t(key) {
  const s = strings[key];
  return s ? s[lang] : key;
}

export function isEnglish() { return lang === 1; }

export function toggle() {
  lang = 1 - lang;
  localStorage.setItem("fieldsync.lang", lang ? "en" : "zh");
  document.documentElement.lang = lang ? "en" : "zh-CN";
}

// label picks the Chinese or English name of a vocabulary term ({zh, en}).
export function label(term, fallback) {
  if (!term) return fallback ?? "";
  return lang ? term.en : term.zh;
}

// apply translates the static elements marked data-i18n.
export function apply(root = document) {
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  document.documentElement.lang = lang ? "en" : "zh-CN";
}
