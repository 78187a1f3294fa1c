package vocab

// The vocabularies below follow the district gazette (see shared/domain.md); the line numbers
// in comments point into the gazette text.

var (
	Role = define("role",
		Term{"inspector", "巡查员", "Inspector"},
		Term{"supervisor", "督办主管", "Supervisor"},
		Term{"agency_staff", "部门工作人员", "Agency staff"},
	)

	SubdistrictKind = define("subdistrict_kind",
		Term{"jiedao", "街道", "Subdistrict"},
		Term{"zhen", "镇", "Town"},
	)

	Programme = define("programme",
		Term{"fire", "消防隐患", "Fire hazards"},
		Term{"smoke_alarm", "独立感烟报警装置", "Smoke alarms"},
		Term{"tutoring", "校外培训机构", "Tutoring centres"},
		Term{"dust", "扬尘治理", "Dust control"},
	)

	PlaceKind = define("place_kind",
		Term{"household", "居民户", "Household"},
		Term{"tutoring_centre", "校外培训机构", "Tutoring centre"},
		Term{"construction_site", "建筑工地", "Construction site"},
		Term{"bare_land", "裸地", "Bare land"},
		Term{"road", "道路", "Road"},
		Term{"stockpile", "堆料场", "Stockpile"},
		Term{"mixing_station", "搅拌站", "Concrete mixing station"},
		Term{"venue", "场所", "Venue"},
		// Primary and secondary schools are inspected by the tutoring programme's table (二).
		Term{"school", "中小学校", "Primary or secondary school"},
	)

	// VenueType is what kind of premises a venue is; the fire plan lists these as priorities
	// (lines 3400-3440).
	VenueType = define("venue_type",
		Term{"rental_apartment", "大型租赁公寓", "Large rental apartment"},
		Term{"group_rental", "群租房", "Group rental"},
		Term{"basement", "地下空间", "Basement"},
		Term{"warehouse", "物流仓储", "Logistics warehouse"},
		Term{"crowded_place", "人员密集场所", "Crowded place"},
		Term{"flammable_site", "易燃易爆场所", "Flammable or explosive site"},
		Term{"old_housing", "老旧小区", "Old housing"},
		Term{"heritage", "文物古建", "Heritage building"},
		Term{"multi_in_one", "多合一场所", "Multi-in-one premises"},
		Term{"small_venue", "九小场所", "One of the nine small venues"},
		Term{"village_house", "村民自建房", "Village house"},
		Term{"high_rise", "高层建筑", "High-rise building"},
		Term{"other", "其他", "Other"},
	)

	InspectionKind = define("inspection_kind",
		Term{"survey", "摸底", "Survey"},
		Term{"routine", "日常检查", "Routine inspection"},
		Term{"reinspection", "复查", "Re-inspection"},
		Term{"acceptance", "验收", "Acceptance check"},
		Term{"install", "安装", "Install visit"},
		Term{"home_visit", "入户走访", "Home visit"},
	)

	InspectionResult = define("inspection_result",
		Term{"pass", "合格", "Pass"},
		Term{"fail", "不合格", "Fail"},
		Term{"not_present", "未遇", "Nobody present"},
	)

	ReviewStatus = define("review_status",
		Term{"submitted", "已提交", "Submitted"},
		Term{"approved", "已审核", "Approved"},
		Term{"returned", "已退回", "Returned"},
	)

	Severity = define("severity",
		Term{"general", "一般", "General"},
		Term{"major", "重大", "Major"},
	)

	// SupervisionLevel is the government level that lists a major or regional hazard for
	// supervised rectification: "落实区、街镇两级重大隐患政府挂牌督办制度" (gazette line 3406).
	SupervisionLevel = define("supervision_level",
		Term{"subdistrict", "街镇级挂牌督办", "Listed by the subdistrict"},
		Term{"district", "区级挂牌督办", "Listed by the district"},
	)

	// MilestoneMeasure is how a plan milestone's progress is counted (internal/rectify
	// milestones.go); which measure a milestone uses where the gazette is silent is the
	// district's local choice, kept on the milestone record.
	MilestoneMeasure = define("milestone_measure",
		Term{"alarm_installs", "独立感烟报警装置安装数 / 分配指标", "Smoke alarms installed / quota"},
		Term{"key_units_standardised", "完成标准化管理的重点单位 / 重点单位", "Key units standardised / key units"},
		Term{"bareland_ledger", "已建立裸地台账的街镇", "Subdistricts with a bare-land ledger"},
		Term{"centres_surveyed", "已摸底排查的培训机构 / 台账中的培训机构", "Centres surveyed / centres in the ledger"},
		Term{"tutoring_rectified", "已整改销账的培训机构问题 / 发现的问题", "Tutoring findings closed / found"},
	)

	FindingStatus = define("finding_status",
		Term{"open", "已发现", "Found"},
		Term{"ordered", "已责令整改", "Ordered to rectify"},
		Term{"acknowledged", "责任方已签收", "Acknowledged"},
		Term{"reinspected", "已复查", "Re-inspected"},
		Term{"closed", "已销账", "Closed"},
		Term{"returned", "已退回", "Returned"},
		Term{"escalated", "已升级督办", "Escalated"},
		Term{"voided", "已作废", "Voided"},
	)

	// FindingCategory is one list across programmes so a finding has one typed field; the
	// prefix names the programme and internal/access checks they agree.
	FindingCategory = define("finding_category",
		// Fire: the six classes of high-rise hazard (line 3431) and the plan's other classes.
		Term{"fire.external_insulation", "外墙保温材料易燃", "Flammable external insulation"},
		Term{"fire.facilities", "消防设施损坏", "Fire facilities faulty"},
		Term{"fire.evacuation", "疏散通道堵塞", "Evacuation routes blocked"},
		Term{"fire.pipe_shaft", "管道井封堵", "Pipe shafts not sealed"},
		Term{"fire.electric_gas", "电气燃气隐患", "Electricity and gas hazards"},
		Term{"fire.daily_management", "日常管理缺失", "Daily management lacking"},
		Term{"fire.wiring", "私拉乱接电线", "Illegal or old wiring"},
		Term{"fire.high_power_appliance", "违规使用大功率电器", "High-power appliances"},
		Term{"fire.ebike_charging", "电动自行车违规停放充电", "E-bike parked or charged indoors"},
		Term{"fire.multi_in_one", "多合一场所住人", "Living in multi-in-one premises"},
		Term{"fire.group_rental", "群租", "Group rental"},
		Term{"fire.basement_dwelling", "地下空间住人", "People living in basements"},
		Term{"fire.flammable_storage", "违规储存易燃易爆物品", "Flammable goods stored illegally"},
		Term{"fire.illegal_construction", "违法建设", "Illegal construction"},
		Term{"fire.unlicensed_business", "无照经营", "Unlicensed business"},
		Term{"fire.other", "其他消防隐患", "Other fire hazard"},
		// Tutoring: qualification, conduct and safety classes (lines 4640-4700).
		Term{"tutoring.no_licence", "无证无照", "No licence at all"},
		Term{"tutoring.business_licence_only", "有照无证", "Business licence without school licence"},
		Term{"tutoring.institution_only", "仅有事业单位或民非证书", "Institution or NGO certificate only"},
		// Conduct, as line 4635-4636 lists it: "办学方向、教学内容、办学行为违背党的教育方针…", "管理混乱，提供
		// 虚假资质、发布虚假广告或进行虚假宣传、违规招生、违规收费，抽逃办学资金、非法集资等…". 抽逃办学资金 and
		// 非法集资 are two categories (migration 1764402020_gazette_vocabulary); findings stored as
		// misappropriated_funds keep their meaning, withdrawn school funds.
		Term{"tutoring.against_education_policy", "办学方向、教学内容、办学行为违背党的教育方针", "Against the Party's education policy"},
		Term{"tutoring.mismanagement", "管理混乱", "Mismanagement"},
		Term{"tutoring.false_advertising", "虚假宣传", "False qualifications or advertising"},
		Term{"tutoring.illegal_enrolment", "违规招生", "Illegal enrolment"},
		Term{"tutoring.illegal_fees", "违规收费", "Illegal fees"},
		Term{"tutoring.misappropriated_funds", "抽逃办学资金", "School funds withdrawn"},
		Term{"tutoring.illegal_fundraising", "非法集资", "Illegal fundraising"},
		Term{"tutoring.beyond_curriculum", "超标教学", "Teaching beyond curriculum standards"},
		Term{"tutoring.ahead_of_schedule", "提前教学", "Teaching ahead of schedule"},
		Term{"tutoring.exam_cramming", "强化应试", "Exam cramming"},
		Term{"tutoring.grade_exam_admission", "等级考试与招生挂钩", "Grade exams linked to admission"},
		Term{"tutoring.public_school_teacher", "在职中小学教师任教", "In-service public-school teachers"},
		Term{"tutoring.safety_hazard", "安全隐患", "Safety hazard"},
		// Schools (daily report (二), gazette lines 4900-4910).
		Term{"tutoring.school_teaching_plan", "不遵守教学计划或“非零起点教学”", "School not following the teaching plan (non-zero-start teaching)"},
		Term{"tutoring.school_teacher_moonlighting", "教师课上不讲课后到培训机构讲", "School teachers teaching at tutoring centres"},
		Term{"tutoring.school_admission_link", "培训结果与招生入学挂钩", "School links tutoring results to admission"},
		// Dust: the six 100% rule (line 3710) and other sources.
		Term{"dust.hoarding", "工地未100%围挡", "Site not fully hoarded"},
		Term{"dust.cover", "物料未100%覆盖", "Material piles not covered"},
		Term{"dust.washing", "出入车辆未100%冲洗", "Vehicles leaving not washed"},
		Term{"dust.hardening", "场区道路未100%硬化", "Site roads not hardened"},
		Term{"dust.wet_demolition", "拆迁未100%湿法作业", "Demolition not wet"},
		Term{"dust.muck_truck", "渣土车未100%密闭", "Muck trucks not sealed"},
		Term{"dust.bare_land", "裸地未治理", "Bare land untreated"},
		Term{"dust.illegal_mixing_station", "违法搅拌站", "Illegal concrete mixing station"},
		Term{"dust.road", "道路扬尘", "Road dust"},
		Term{"dust.other", "其他扬尘", "Other dust"},
	)

	EnforcementMeasure = define("enforcement_measure",
		Term{"seal", "查封", "Seal"},
		Term{"stop_production", "停产", "Stop production"},
		Term{"stop_business", "停业", "Stop business"},
		Term{"stop_use", "停止使用", "Stop use"},
		Term{"detention", "拘留", "Detention"},
		Term{"fine", "罚款", "Fine"},
		Term{"summons", "约谈", "Summons talk"},
		Term{"exposure", "曝光", "Public exposure"},
		Term{"referral", "移交主管部门", "Referral to competent agency"},
		Term{"stop_work", "停工", "Stop work"},
		Term{"stop_and_report", "制止并报告", "Stop and report"},
	)

	ReferralStatus = define("referral_status",
		Term{"pending", "待签收", "Waiting"},
		Term{"acknowledged", "已报到", "Acknowledged"},
		Term{"declined", "非本部门职责", "Not ours"},
		Term{"done", "已办结", "Done"},
	)

	AlarmUnitType = define("alarm_unit_type",
		Term{"networked", "联网报警群发短信型", "Networked (alarm SMS)"},
		Term{"ordinary", "普通独立式", "Ordinary"},
	)

	AlarmEligibility = define("alarm_eligibility",
		Term{"elderly_alone", "独居老人", "Elderly living alone"},
		Term{"disabled", "残疾人", "Disabled person"},
		Term{"member_60plus", "有60岁以上成员", "Member aged 60+"},
		Term{"general", "一般家庭", "General household"},
	)

	// SamplingResult is the outcome of a product sample sent for testing (抽样送检, line 3392).
	SamplingResult = define("sampling_result",
		Term{"pending", "送检中", "Awaiting the laboratory"},
		Term{"pass", "合格", "Pass"},
		Term{"fail", "不合格", "Fail"},
	)

	RiskLevel = define("risk_level",
		Term{"low", "低", "Low"},
		Term{"medium", "中", "Medium"},
		Term{"high", "高", "High"},
	)

	Qualification = define("qualification",
		Term{"licensed", "有办学许可证", "Licensed school"},
		Term{"business_with_education", "有营业执照且经营范围含教育", "Business licence with education in scope"},
		Term{"business_without_education", "有营业执照但经营范围不含教育", "Business licence without education"},
		Term{"institution_only", "仅有事业单位或民非证书", "Institution or NGO certificate only"},
		Term{"none", "无证无照", "No licence"},
	)

	BusinessLicence = define("business_licence",
		Term{"none", "无", "None"},
		Term{"with_education", "经营范围含教育", "Education in scope"},
		Term{"without_education", "经营范围不含教育", "Education not in scope"},
	)

	SponsorType = define("sponsor_type",
		Term{"individual", "个人", "Individual"},
		Term{"company", "企业", "Company"},
		Term{"institution", "事业单位", "Public institution"},
		Term{"ngo", "社会组织", "Social organisation"},
		Term{"government", "政府机关", "Government body"},
		Term{"association", "社会团体", "Association"},
		Term{"other", "其他", "Other"},
	)

	// IncidentKind is what kind of incident a subdistrict reports in table (一) (安全稳定情况:
	// 本日是否发生培训机构、家长群、重大舆情等情况, line 4895).
	IncidentKind = define("incident_kind",
		Term{"centre", "培训机构事件", "Incident at a centre"},
		Term{"parent_group", "家长群体事件", "Parent group incident"},
		Term{"public_opinion", "重大舆情", "Major public-opinion event"},
		Term{"other", "其他", "Other"},
	)

	// LicenceIssuer is the authority type that issued a school licence (发证机关, line 4852).
	LicenceIssuer = define("licence_issuer",
		Term{"education", "教育行政部门", "Education authority"},
		Term{"human_resources", "人力社保行政部门", "Human resources authority"},
	)

	// LegalRegistration is where a centre is registered as a legal person (法人登记部门).
	LegalRegistration = define("legal_registration",
		Term{"civil_affairs", "民政部门", "Civil affairs"},
		Term{"market", "工商部门", "Market regulation"},
		Term{"establishment", "编制部门", "Establishment office"},
		Term{"other", "其他部门", "Other"},
	)

	EnrolmentRange = define("enrolment_range",
		Term{"global", "全球", "Worldwide"},
		Term{"national", "全国", "Nationwide"},
		Term{"beijing", "北京市", "Beijing"},
	)

	// AdChannel is a medium a centre advertises in (广告发布媒介).
	AdChannel = define("ad_channel",
		Term{"press_broadcast", "报纸、期刊、广播、电视", "Press, radio and television"},
		Term{"internet", "互联网", "Internet"},
		Term{"outdoor", "户外", "Outdoor"},
		Term{"printed", "印刷品", "Printed matter"},
		Term{"other", "其他", "Other"},
	)

	TrainingCategory = define("training_category",
		Term{"subject", "学科类", "Academic subjects"},
		Term{"art", "艺术", "Arts"},
		Term{"sport", "体育", "Sports"},
		Term{"tech", "科技", "Science and technology"},
		Term{"language", "语言", "Languages"},
		Term{"study_tour", "研学", "Study tours"},
		Term{"other", "其他", "Other"},
	)

	Subject = define("subject",
		Term{"chinese", "语文", "Chinese"},
		Term{"math", "数学", "Mathematics"},
		Term{"english", "英语", "English"},
		Term{"physics", "物理", "Physics"},
		Term{"chemistry", "化学", "Chemistry"},
		Term{"biology", "生物", "Biology"},
		Term{"history", "历史", "History"},
		Term{"geography", "地理", "Geography"},
		Term{"politics", "政治", "Politics"},
	)

	TeachingMode = define("teaching_mode",
		Term{"offline", "面授", "Face to face"},
		Term{"online", "线上", "Online"},
		Term{"both", "面授和线上", "Both"},
	)

	Premises = define("premises",
		Term{"owned", "自有", "Owned"},
		Term{"rented", "租赁", "Rented"},
		Term{"other", "其他", "Other"},
	)

	ListStatus = define("list_status",
		Term{"none", "未列入", "Not listed"},
		Term{"white", "白名单", "White list"},
		Term{"black", "黑名单", "Black list"},
	)

	CentreStatus = define("centre_status",
		Term{"operating", "正常办学", "Operating"},
		Term{"rectifying", "限期整改", "Rectifying by a deadline"},
		Term{"suspended", "暂停办学", "Suspended"},
		Term{"stopped", "停止办学", "Stopped"},
	)

	// CentreOutcome is the rectification opinion of the registration form (整改意见, line 4871).
	CentreOutcome = define("centre_outcome",
		Term{"guide_licence", "引导领证", "Guide to obtain a licence"},
		Term{"rectify", "限期整改", "Rectify by a deadline"},
		Term{"stop", "停止办学", "Stop operating"},
	)

	// RegistrySource is the agency registry an import comes from (数据比对, line 4620).
	RegistrySource = define("registry_source",
		Term{"education", "区教委办学许可", "Education commission: school licences"},
		Term{"market", "工商营业执照", "Market regulation: business licences"},
		Term{"civil_affairs", "民政民非登记", "Civil affairs: NGO registrations"},
		Term{"human_resources", "人力社保办学许可", "Human resources: vocational school licences"},
	)

	// RegistryMatch is how an imported registry line was matched to a centre of the ledger.
	RegistryMatch = define("registry_match",
		Term{"credit_code", "统一社会信用代码", "Unified social credit code"},
		Term{"name_address", "名称和地址", "Name and address"},
	)

	ImportStatus = define("import_status",
		Term{"running", "导入中", "Running"},
		Term{"done", "已完成", "Done"},
		Term{"failed", "失败", "Failed"},
	)

	// SuppressionDevice is a dust-suppression device of a construction site (line 3712).
	SuppressionDevice = define("suppression_device",
		Term{"sprinkler", "喷淋", "Sprinklers"},
		Term{"mist_cannon", "雾炮", "Mist cannon"},
		Term{"wheel_washer", "洗轮机", "Wheel washer"},
		Term{"hoarding_spray", "围挡喷淋", "Hoarding sprays"},
		Term{"monitor", "扬尘在线监测", "Online dust monitor"},
	)

	SiteStage = define("site_stage",
		Term{"earthwork", "土方", "Earthwork"},
		Term{"foundation", "基础", "Foundation"},
		Term{"structure", "主体结构", "Structure"},
		Term{"finishing", "装饰装修", "Finishing"},
		Term{"demolition", "拆除", "Demolition"},
		Term{"idle", "停工", "Idle"},
	)

	LandState = define("land_state",
		Term{"bare", "裸露", "Bare"},
		Term{"covered", "已苫盖", "Covered"},
		Term{"greened", "已绿化", "Greened"},
		Term{"paved", "已硬化", "Paved"},
		Term{"built", "已开发建设", "Built on"},
	)

	LandTreatment = define("land_treatment",
		Term{"none", "未治理", "None"},
		Term{"cover", "苫盖", "Cover"},
		Term{"green", "绿化", "Green"},
		Term{"pave", "硬化", "Pave"},
	)

	ReportCategory = define("report_category",
		Term{"tutoring.unlicensed", "无证办学", "Unlicensed tutoring centre"},
		Term{"tutoring.beyond_curriculum", "超标超前教学", "Teaching beyond or ahead of curriculum"},
		Term{"tutoring.exam_cramming", "强化应试", "Exam cramming"},
		Term{"tutoring.fees", "违规收费", "Illegal fees"},
		Term{"tutoring.false_advertising", "虚假宣传", "False advertising"},
		// 违规招生 and 等级考试 (lines 4734-4736), teachers tutoring after class (4817: 中小学教师
		// "课上不讲、课后到培训机构讲"; 4819: 在职教师有偿补课), added by migration 1764402020.
		Term{"tutoring.illegal_enrolment", "违规招生", "Illegal enrolment"},
		Term{"tutoring.grade_exams", "组织等级考试或竞赛", "Grade exams or contests organised"},
		Term{"tutoring.teacher_after_class", "在职教师课上不讲、课后到培训机构讲或有偿补课", "School teachers tutoring for pay after class"},
		Term{"tutoring.safety", "安全隐患", "Safety hazard"},
		Term{"tutoring.other", "其他培训问题", "Other tutoring problem"},
		Term{"fire", "消防隐患", "Fire hazard"},
		Term{"dust", "扬尘污染", "Dust"},
	)

	ReportStatus = define("report_status",
		Term{"received", "已受理", "Received"},
		Term{"triaged", "已分派", "Triaged"},
		Term{"inspected", "已核查", "Inspected"},
		Term{"ordered", "已责令整改", "Ordered to fix"},
		Term{"fixed", "已整改", "Fixed"},
		Term{"disputed", "举报人对整改有异议", "Fix disputed by the reporter"},
		Term{"closed", "已办结", "Closed"},
		Term{"rejected", "不予受理", "Rejected"},
		Term{"duplicate", "重复举报", "Duplicate"},
	)

	PhotoStatus = define("photo_status",
		Term{"pending", "待上传", "Pending upload"},
		Term{"stored", "已上传", "Stored"},
	)

	AuditAction = define("audit_action",
		Term{"create", "新建", "Create"},
		Term{"update", "修改", "Update"},
		Term{"delete", "删除", "Delete"},
	)

	// Door is the way a write reached the server.
	Door = define("door",
		Term{"rest", "接口", "REST API"},
		Term{"batch", "批量接口", "Batch API"},
		Term{"admin", "管理后台", "Admin UI"},
		Term{"sync", "离线同步", "Sync push"},
		Term{"hook", "服务端规则", "Server hook or job"},
		Term{"system", "系统", "System"},
	)

	ActorKind = define("actor_kind",
		Term{"user", "用户", "User"},
		Term{"superuser", "区级管理员", "District administrator"},
		Term{"anonymous", "匿名", "Anonymous"},
		Term{"system", "系统", "System"},
	)

	SyncIssueKind = define("sync_issue_kind",
		Term{"conflict", "同步冲突", "Sync conflict"},
		Term{"rejected", "同步被拒", "Rejected by a rule"},
		Term{"quarantined", "权限变更待审", "Quarantined after access change"},
	)

	SyncIssueStatus = define("sync_issue_status",
		Term{"open", "待处理", "Open"},
		Term{"acknowledged", "已知悉", "Acknowledged"},
		Term{"accepted", "已采纳", "Accepted"},
		Term{"discarded", "已舍弃", "Discarded"},
	)

	NotificationKind = define("notification_kind",
		Term{"major_found", "新发现重大隐患", "Major hazard found"},
		Term{"finding_overdue", "隐患逾期未整改，已升级督办", "Finding overdue, escalated"},
		Term{"referral_overdue", "部门逾期未报到", "Referral overdue"},
		Term{"referral_received", "收到街镇吹哨", "Case referred to your agency"},
		Term{"referral_declined", "部门回复非本部门职责", "Agency declined the referral"},
		Term{"closure_pending", "待主管销账", "Closure awaits sign-off"},
		Term{"report_received", "收到群众举报", "Public report received"},
		Term{"report_assigned", "群众举报已分派给您核查", "Public report assigned to you"},
		Term{"report_info", "举报人补充了信息", "The reporter added information"},
		Term{"report_disputed", "举报人对整改结果有异议", "The reporter disputes the fix"},
		Term{"report_untriaged", "群众举报超过 2 天未分派", "Public report not triaged within 2 days"},
		Term{"listing_proposed", "消防支队提请政府挂牌督改", "The fire brigade proposes government listing"},
		Term{"milestone_overdue", "计划节点到期未完成", "A plan milestone is overdue"},
		Term{"centre_overdue", "培训机构限期整改逾期未完成", "A centre's rectification deadline passed"},
	)

	// ReportUpdateKind is what a reporter adds to their report with its receipt.
	ReportUpdateKind = define("report_update_kind",
		Term{"info", "补充信息", "Additional information"},
		Term{"dispute", "对整改结果有异议", "Dispute of the fix"},
	)

	// ReportSource is the door a public report came through.
	ReportSource = define("report_source",
		Term{"web", "网页/小程序", "Web or mini-program"},
		Term{"open311", "Open311 接口", "Open311 client"},
		// Entered by staff (internal/reports/intake.go): 区教委's hotline and mailbox (line
		// 4694), the subdistricts' own (4692), the city hotlines (3769).
		Term{"edu_hotline", "区教委公共服务热线 68980166", "Education commission hotline 68980166"},
		Term{"edu_mailbox", "区教委公共服务邮箱 hdjwggfw@163.com", "Education commission mailbox"},
		Term{"subdistrict_hotline", "街镇举报电话", "Subdistrict report telephone"},
		Term{"subdistrict_mailbox", "街镇举报邮箱", "Subdistrict report mailbox"},
		Term{"hotline_12345", "12345 市民服务热线", "12345 citizens' hotline"},
		Term{"hotline_12369", "12369 环保举报热线", "12369 environmental hotline"},
		Term{"hotline_96310", "96310 热线", "96310 hotline"},
	)
)
