// The app's words, Chinese first. A key missing in English falls back to Chinese, never to
// the key itself. Names of stored values (categories, statuses, unit types…) come from the
// server's vocabularies (GET /api/fs/vocab), kept on the phone at each sync: term().
const words = {
  zh: {
    "app.name": "巡查通",
    "shell.loading": "正在打开…",
    "shell.ready": "已安装，无网络也能打开",
    "shell.install": "首次使用请在有网络时打开，之后可离线使用",
    "net.online": "在线",
    "net.offline": "离线：记录保存在本机，联网后自动同步",
    "lang.switch": "EN",
    "lang.label": "English",
    "signin.title": "登录",
    "signin.intro": "首次使用须联网登录。登录后本机会下载本街镇的数据，之后没有网络也能工作。",
    "signin.email": "账号（邮箱）",
    "signin.password": "密码",
    "signin.submit": "登录并下载数据",
    "signin.failed": "账号或密码错误",
    "signin.offline": "没有网络，无法登录。请在有网络的地方再试。",
    "signin.registering": "正在登记本机…",
    "signin.downloading": "正在下载本街镇数据：已收到 {n} 条",
    "signin.done": "下载完成，共 {n} 条",
    "signin.notstaff": "该账号不是巡查人员账号",
    "sync.never": "尚未同步",
    "sync.last": "上次同步 {t}",
    "sync.edits": "待上传修改 {n}",
    "sync.photos": "待上传照片 {n}",
    "sync.photoProgress": "（{p}%）",
    "sync.now": "同步",
    "sync.running": "正在同步…",
    "sync.failed": "同步未完成，稍后自动重试",
    "sync.update": "服务器已更新，请更新应用；修改仍保留在本机",
    "nav.home": "今日",
    "nav.places": "场所",
    "nav.newPlace": "新增场所",
    "nav.signout": "退出",
    "home.title": "今日任务",
    "home.reports": "派给我的群众举报",
    "home.reinspect": "待复查隐患",
    "home.overdue": "逾期隐患",
    "home.alarms": "待安装烟感的住户",
    "home.none": "暂无",
    "home.issues": "需要处理的同步问题",
    "home.sortDue": "按期限",
    "home.sortNear": "按距离",
    "home.noPosition": "未取得位置，按期限排序",
    "due": "期限 {d}",
    "distance": "{d}",
    "places.title": "场所",
    "places.search": "搜索名称、地址或统一社会信用代码",
    "places.count": "{n} 个场所",
    "places.more": "仅显示前 {n} 个，请细化搜索",
    "place.history": "历史记录",
    "place.noHistory": "暂无记录",
    "place.finding": "记录隐患",
    "place.install": "安装烟感",
    "place.tutoring": "培训机构检查",
    "place.dust": "扬尘检查（六个百分之百）",
    "place.bareLand": "裸地台账",
    "place.notFound": "本机没有该场所（可能已不属于你的街镇）",
    "record.notFound": "本机没有该记录（可能已不属于你的街镇）",
    "place.inspection": "检查",
    "place.installRecord": "烟感安装",
    "place.landEntry": "裸地台账",
    "newPlace.title": "新增场所",
    "newPlace.kind": "类型",
    "newPlace.name": "名称",
    "newPlace.address": "地址",
    "newPlace.venueType": "场所类别",
    "newPlace.gps": "用手机定位",
    "newPlace.gpsNone": "未定位",
    "newPlace.gpsAt": "经度 {lon}，纬度 {lat}，精度 ±{acc} 米",
    "newPlace.gpsFailed": "无法取得位置：{m}",
    "newPlace.save": "保存场所",
    "place.point": "位置：经度 {lon}，纬度 {lat}",
    "finding.title": "记录隐患",
    "finding.category": "隐患类别",
    "finding.severity": "严重程度",
    "finding.description": "隐患描述",
    "finding.photos": "现场照片（拍照）",
    "finding.photosHint": "照片原图保存在本机，联网后在后台上传",
    "finding.save": "保存隐患",
    "finding.detail": "隐患",
    "finding.status": "状态",
    "finding.place": "场所",
    "finding.deadline": "整改期限",
    "finding.party": "责任方",
    "finding.ackBy": "签收人",
    "finding.order": "责令整改",
    "finding.orderSave": "下达整改",
    "finding.ack": "责任方签收",
    "finding.ackName": "签收人姓名",
    "finding.ackSave": "记录签收",
    "finding.reinspect": "复查",
    "finding.reinspectResult": "复查结果",
    "finding.reinspectNotes": "复查情况",
    "finding.reinspectSave": "保存复查",
    "finding.close": "销账",
    "finding.closeSave": "销账",
    "finding.edit": "修改描述",
    "finding.editSave": "保存修改",
    "finding.queuedSteps": "待同步的办理步骤",
    "finding.unsynced": "未同步",
    "finding.photoCount": "照片 {n} 张",
    "finding.photoWaiting": "待上传",
    "finding.photoStored": "已上传",
    "finding.photoRefused": "服务器拒收，请重拍",
    "install.title": "安装烟感报警器",
    "install.household": "住户",
    "install.eligibility": "住户类别",
    "install.unitType": "装置类型",
    "install.serial": "装置序列号",
    "install.location": "安装位置（如客厅）",
    "install.consent": "住户同意安装",
    "install.consentBy": "同意人",
    "install.save": "保存安装记录",
    "install.noHousehold": "该场所没有住户档案，不能登记安装",
    "tutoring.title": "培训机构检查",
    "tutoring.centre": "机构",
    "tutoring.creditCode": "统一社会信用代码（核对营业执照）",
    "tutoring.conduct": "办学行为（发现即勾选）",
    "tutoring.safety": "消防安全（合格即勾选）",
    "tutoring.notes": "检查情况",
    "tutoring.findings": "为发现的违规行为登记隐患",
    "tutoring.save": "保存检查",
    "dust.title": "扬尘检查：六个百分之百",
    "dust.hint": "做到即勾选；未做到的项目登记为隐患",
    "dust.save": "保存检查",
    "dust.devices": "正在运行的降尘设备",
    "land.title": "裸地台账",
    "land.state": "现状",
    "land.treatment": "治理措施",
    "land.area": "面积（平方米）",
    "land.notes": "备注",
    "land.save": "保存台账",
    "report.title": "群众举报",
    "report.text": "举报内容",
    "report.photos": "举报照片",
    "report.visit": "记录现场核查",
    "report.visitResult": "核查结果",
    "report.visitNotes": "核查情况",
    "report.visitSave": "保存核查",
    "report.link": "关联隐患",
    "report.linkSave": "关联",
    "report.noPhotos": "离线时看不到举报照片",
    "result.pass": "合格",
    "result.fail": "不合格",
    "result.not_present": "未见人",
    "issue.conflict": "与他人的修改冲突：{field} 已被他人改动。保留的是：{kept}；你的是：{mine}。已交主管处理。",
    "issue.rejected": "服务器未接受这条记录：",
    "issue.quarantined": "你已不再负责该街道，修改已交该街道主管处理",
    "issue.seen": "知道了",
    "issue.mine": "你提交的内容",
    "issue.record": "查看记录",
    "required": "必填",
    "deadline_past": "期限不能早于今天",
    "location_range": "坐标超出范围",
    "saved": "已保存在本机，联网后自动同步",
    "revoked": "本机已被停用，服务器数据已从本机清除。未上传的 {n} 条修改仍保留，请联系主管。",
    "signedout": "登录已失效，请重新登录。未上传的修改仍保留在本机。",
    "back": "返回",
    "yes": "是",
    "no": "否",
  },
  en: {
    "app.name": "Xunchatong",
    "shell.loading": "Opening…",
    "shell.ready": "Installed: opens without a network",
    "shell.install": "Open it once online on first use; afterwards it works offline",
    "net.online": "Online",
    "net.offline": "Offline: records stay on this phone and sync when the network is back",
    "lang.switch": "中文",
    "lang.label": "中文",
    "signin.title": "Sign in",
    "signin.intro": "Sign in online once. The phone then downloads your subdistrict and works without a network.",
    "signin.email": "Account (email)",
    "signin.password": "Password",
    "signin.submit": "Sign in and download",
    "signin.failed": "Wrong account or password",
    "signin.offline": "No network: sign in where there is one.",
    "signin.registering": "Registering this phone…",
    "signin.downloading": "Downloading your subdistrict: {n} records so far",
    "signin.done": "Downloaded {n} records",
    "signin.notstaff": "This account is not a field staff account",
    "sync.never": "Never synced",
    "sync.last": "Last sync {t}",
    "sync.edits": "Edits waiting {n}",
    "sync.photos": "Photos waiting {n}",
    "sync.photoProgress": " ({p}%)",
    "sync.now": "Sync",
    "sync.running": "Syncing…",
    "sync.failed": "Sync did not finish; it retries by itself",
    "sync.update": "The server was updated: update the app; your edits stay on the phone",
    "nav.home": "Today",
    "nav.places": "Places",
    "nav.newPlace": "New place",
    "nav.signout": "Sign out",
    "home.title": "Today's work",
    "home.reports": "Public reports assigned to me",
    "home.reinspect": "Findings due for re-inspection",
    "home.overdue": "Overdue findings",
    "home.alarms": "Households still to install",
    "home.none": "None",
    "home.issues": "Sync problems to look at",
    "home.sortDue": "By due date",
    "home.sortNear": "By distance",
    "home.noPosition": "No position: sorted by due date",
    "due": "due {d}",
    "places.title": "Places",
    "places.search": "Search name, address or credit code",
    "places.count": "{n} places",
    "places.more": "First {n} shown: narrow the search",
    "place.history": "History",
    "place.noHistory": "Nothing recorded yet",
    "place.finding": "Record a finding",
    "place.install": "Install a smoke alarm",
    "place.tutoring": "Tutoring inspection",
    "place.dust": "Dust check (six 100%)",
    "place.bareLand": "Bare-land entry",
    "place.notFound": "This place is not on the phone (perhaps no longer your subdistrict)",
    "record.notFound": "This record is not on the phone (perhaps no longer your subdistrict)",
    "place.inspection": "Inspection",
    "place.installRecord": "Alarm install",
    "place.landEntry": "Bare-land entry",
    "newPlace.title": "New place",
    "newPlace.kind": "Kind",
    "newPlace.name": "Name",
    "newPlace.address": "Address",
    "newPlace.venueType": "Venue type",
    "newPlace.gps": "Use the phone's position",
    "newPlace.gpsNone": "No position yet",
    "newPlace.gpsAt": "lon {lon}, lat {lat}, accuracy ±{acc} m",
    "newPlace.gpsFailed": "No position: {m}",
    "newPlace.save": "Save place",
    "place.point": "Point: lon {lon}, lat {lat}",
    "finding.title": "Record a finding",
    "finding.category": "Category",
    "finding.severity": "Severity",
    "finding.description": "Description",
    "finding.photos": "Photos (camera)",
    "finding.photosHint": "Originals stay on the phone and upload in the background",
    "finding.save": "Save finding",
    "finding.detail": "Finding",
    "finding.status": "Status",
    "finding.place": "Place",
    "finding.deadline": "Deadline",
    "finding.party": "Responsible party",
    "finding.ackBy": "Acknowledged by",
    "finding.order": "Order rectification",
    "finding.orderSave": "Order",
    "finding.ack": "Party acknowledges",
    "finding.ackName": "Name of who signed",
    "finding.ackSave": "Record acknowledgement",
    "finding.reinspect": "Re-inspection",
    "finding.reinspectResult": "Result",
    "finding.reinspectNotes": "What was found",
    "finding.reinspectSave": "Save re-inspection",
    "finding.close": "Close the finding",
    "finding.closeSave": "Close",
    "finding.edit": "Edit description",
    "finding.editSave": "Save",
    "finding.queuedSteps": "Steps waiting to sync",
    "finding.unsynced": "Not synced",
    "finding.photoCount": "{n} photos",
    "finding.photoWaiting": "waiting",
    "finding.photoStored": "uploaded",
    "finding.photoRefused": "refused by the server: take it again",
    "install.title": "Install a smoke alarm",
    "install.household": "Household",
    "install.eligibility": "Household category",
    "install.unitType": "Unit type",
    "install.serial": "Serial number",
    "install.location": "Where in the home",
    "install.consent": "Resident consents",
    "install.consentBy": "Consent given by",
    "install.save": "Save install",
    "install.noHousehold": "This place has no household record: no install can be recorded",
    "tutoring.title": "Tutoring centre inspection",
    "tutoring.centre": "Centre",
    "tutoring.creditCode": "Credit code (check against the licence)",
    "tutoring.conduct": "Conduct (tick what was found)",
    "tutoring.safety": "Fire safety (tick what passed)",
    "tutoring.notes": "Notes",
    "tutoring.findings": "Record findings for the violations",
    "tutoring.save": "Save inspection",
    "dust.title": "Dust check: six 100%",
    "dust.hint": "Tick what is done; what is not becomes a finding",
    "dust.save": "Save check",
    "dust.devices": "Dust-suppression devices running",
    "land.title": "Bare-land entry",
    "land.state": "State",
    "land.treatment": "Treatment",
    "land.area": "Area (m²)",
    "land.notes": "Notes",
    "land.save": "Save entry",
    "report.title": "Public report",
    "report.text": "Report",
    "report.photos": "Reporter's photos",
    "report.visit": "Record the visit",
    "report.visitResult": "Result",
    "report.visitNotes": "What was found",
    "report.visitSave": "Save visit",
    "report.link": "Link a finding",
    "report.linkSave": "Link",
    "report.noPhotos": "The reporter's photos cannot be seen offline",
    "result.pass": "Pass",
    "result.fail": "Fail",
    "result.not_present": "Nobody there",
    "issue.conflict": "Conflict: someone else changed {field}. Kept: {kept}; yours: {mine}. Sent to the supervisor.",
    "issue.rejected": "The server did not accept this record:",
    "issue.quarantined": "You no longer hold this subdistrict; your edit waits for its supervisor",
    "issue.seen": "Seen",
    "issue.mine": "What you sent",
    "issue.record": "Open the record",
    "required": "Required",
    "deadline_past": "The deadline cannot be before today",
    "location_range": "Coordinates out of range",
    "saved": "Saved on this phone; it syncs when online",
    "revoked": "This phone was revoked and the server's data removed from it. {n} unsent edits remain: call your supervisor.",
    "signedout": "Your sign-in expired: sign in again. Unsent edits stay on the phone.",
    "back": "Back",
    "yes": "Yes",
    "no": "No",
  },
};

// Names of the tutoring checklist items (internal/tutoring/checklist.go has no display names).
const checklist = {
  false_advertising: ["虚假宣传", "False advertising"],
  illegal_enrolment: ["违规招生", "Illegal enrolment"],
  illegal_fees: ["违规收费（超三个月预收费）", "Illegal fees (prepaid beyond three months)"],
  misappropriated_funds: ["挪用学费", "Misappropriated fees"],
  beyond_curriculum: ["超纲教学", "Teaching beyond the curriculum"],
  ahead_of_schedule: ["超前教学", "Teaching ahead of schedule"],
  exam_cramming: ["应试培训", "Exam cramming"],
  grade_exam_admission: ["组织等级考试与招生挂钩", "Grade exams tied to admission"],
  public_school_teacher: ["聘用中小学在职教师", "Employs serving school teachers"],
  school_teaching_plan: ["学校未按教学计划教学", "School off its teaching plan"],
  school_teacher_moonlighting: ["在职教师有偿补课", "Teachers tutoring for pay"],
  school_admission_link: ["学校招生与培训挂钩", "School admission tied to tutoring"],
  exits_clear: ["安全出口畅通", "Exits clear"],
  evacuation_signs: ["疏散指示标志完好", "Evacuation signs"],
  emergency_lights: ["应急照明完好", "Emergency lights"],
  extinguishers: ["灭火器配备有效", "Extinguishers"],
  electricity_safe: ["用电安全", "Electricity safe"],
  fire_use_safe: ["用火安全", "Fire use safe"],
  fire_acceptance: ["通过消防验收或备案", "Fire acceptance"],
};

let lang = localStorage.getItem("xcz.lang") === "en" ? "en" : "zh";
let enums = {};
try {
  enums = JSON.parse(localStorage.getItem("xcz.vocab") ?? "{}");
} catch {
  enums = {};
}

// t returns the word for key with {name} replaced from vars.
export function t(key, vars = {}) {
  const s = words[lang][key] ?? words.zh[key] ?? key;
  return s.replace(/\{(\w+)\}/g, (_, k) => String(vars[k] ?? ""));
}

export function language() {
  return lang;
}

export function setLanguage(next) {
  lang = next === "en" ? "en" : "zh";
  localStorage.setItem("xcz.lang", lang);
  document.documentElement.lang = lang === "en" ? "en" : "zh-CN";
  for (const el of document.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
}

// setVocab keeps the server's vocabularies ({enums: [{name, terms}]}) on the phone.
export function setVocab(body) {
  enums = {};
  for (const e of body.enums ?? []) enums[e.name] = e.terms;
  localStorage.setItem("xcz.vocab", JSON.stringify(enums));
}

// term is the display name of a stored value of an enumeration, or the value itself.
export function term(enumName, value) {
  const found = (enums[enumName] ?? []).find((x) => x.value === value);
  if (!found) return value ?? "";
  return lang === "en" ? found.en || found.zh : found.zh;
}

// options lists an enumeration's values for a select, optionally only those that pass keep.
export function options(enumName, keep = () => true) {
  return (enums[enumName] ?? []).filter((x) => keep(x.value)).map((x) => ({ value: x.value, label: lang === "en" ? x.en || x.zh : x.zh }));
}

export function checkItem(item) {
  const w = checklist[item];
  return w ? w[lang === "en" ? 1 : 0] : item;
}

// A refusal code's message: the app's own for its checks, the server's words otherwise.
export function problem(code) {
  const msgs = {
    fire_category_always_major: ["此类隐患属重大火灾隐患，严重程度须为“重大”", "This category is always a major fire hazard"],
    credit_code_length: ["统一社会信用代码应为18位", "A credit code has 18 characters"],
    credit_code_character: ["统一社会信用代码只能包含数字和除I、O、S、V、Z以外的大写字母", "Digits and capitals other than I, O, S, V, Z only"],
    credit_code_check: ["统一社会信用代码校验位错误，请核对营业执照", "The check character is wrong: copy it again from the licence"],
    alarm_serial_missing: ["请填写装置序列号", "The serial number is required"],
    alarm_location_missing: ["请填写安装位置（如客厅、卧室）", "Where in the home is required"],
    alarm_consent_missing: ["须记录住户同意安装", "The resident's consent is required"],
    reinspection_photos_missing: ["复查须拍摄现场照片", "A re-inspection needs photos of the place"],
    dust_land_treatment_mismatch: ["治理措施与现状不符：覆盖对应苫盖、绿化对应绿化、硬化对应硬化、裸露对应未治理", "The treatment must fit the state"],
    alarm_networked_ineligible: ["联网报警装置仅限60岁以上独居老人或残疾人家庭安装", "Networked units are only for the elderly living alone or the disabled"],
  };
  const m = msgs[code];
  if (m) return m[lang === "en" ? 1 : 0];
  return t(code);
}

// Dates: the server stores UTC; inspectors read Beijing's day and time.
const beijing = (iso) => new Date(new Date(String(iso).replace(" ", "T")).getTime() + 8 * 3600e3);

export function day(iso) {
  if (!iso) return "";
  return beijing(iso).toISOString().slice(0, 10);
}

export function time(iso) {
  if (!iso) return "";
  return beijing(iso).toISOString().slice(0, 16).replace("T", " ");
}

// todayBeijing is today's date in Beijing, YYYY-MM-DD.
export function todayBeijing() {
  return beijing(new Date().toISOString()).toISOString().slice(0, 10);
}

// endOfDay turns a day picked in Beijing into the stored deadline: its last second, in UTC.
export function endOfDay(d) {
  return `${d} 15:59:59.000Z`;
}

// stamp is now as PocketBase stores a date.
export function stamp(date = new Date()) {
  return date.toISOString().replace("T", " ");
}
