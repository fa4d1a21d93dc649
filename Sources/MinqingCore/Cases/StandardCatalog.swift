import Foundation

/// The departments and case classes a new city starts from: DOMAIN.md §2, with the time limits the
/// standards and 12345 practice give. A city edits its own copy.
public enum StandardCatalog {
    public static let departments: [Department] =
        [
            ("gaj", "公安局", "Public Security Bureau"), ("cgj", "城市管理和综合执法局", "Urban Management and Law Enforcement Bureau"),
            ("zjj", "住房和城乡建设局", "Housing and Urban-Rural Development Bureau"), ("jtj", "交通运输局", "Transport Bureau"),
            ("swj", "水务局", "Water Affairs Bureau"), ("sthj", "生态环境局", "Ecology and Environment Bureau"),
            ("zrzy", "自然资源局", "Natural Resources Bureau"), ("scjg", "市场监督管理局", "Market Regulation Bureau"),
            ("wjj", "卫生健康局", "Health Bureau"), ("jyj", "教育局", "Education Bureau"), ("mzj", "民政局", "Civil Affairs Bureau"),
            ("rsj", "人力资源和社会保障局", "Human Resources and Social Security Bureau"),
            ("yjj", "应急管理局", "Emergency Management Bureau"), ("nyj", "农业农村局", "Agriculture and Rural Affairs Bureau"),
            ("sfj", "司法局", "Justice Bureau"), ("xfj", "信访局", "Letters and Calls Bureau"),
            ("xfjy", "消防救援支队", "Fire and Rescue Detachment"), ("gdj", "供电局", "Power Supply Bureau"),
            ("wgl", "文化广电旅游体育局", "Culture, Radio, Television, Tourism and Sports Bureau"),
            ("tyjr", "退役军人事务局", "Veterans Affairs Bureau"), ("lyj", "林业局", "Forestry Bureau"),
            ("fgj", "发展和改革局", "Development and Reform Bureau"), ("zsj", "政务服务数据管理局", "Government Services and Data Bureau"),
        ].map { Department(code: $0.0, name: $0.1, nameEn: $0.2) }
        // Sections that departments assign cases to (多级派遣: town center → department → section).
        + [
            ("cgj-srhj", "市容环境卫生科", "City Appearance and Sanitation Section", "cgj"),
            ("cgj-zfdd", "综合执法大队", "Law Enforcement Brigade", "cgj"), ("zjj-wygl", "物业管理科", "Property Management Section", "zjj"),
            ("swj-gps", "供排水管理科", "Water Supply and Drainage Section", "swj"), ("gaj-zagl", "治安管理大队", "Public Order Brigade", "gaj"),
        ].map { Department(code: $0.0, name: $0.1, parentCode: $0.3, nameEn: $0.2) }

    public static let caseClasses: [CaseClass] = {
        var classes: [CaseClass] = []
        func major(_ code: String, _ name: String, _ category: CaseCategory) {
            classes.append(CaseClass(code: code, name: name, category: category))
        }
        func minor(
            _ code: String,
            _ name: String,
            _ parent: String,
            _ limit: TimeLimit,
            _ department: String,
            urgency: Urgency = .routine,
            opening: String? = nil,
            closing: String? = nil,
            attributes: [CaseClassAttribute] = []
        ) {
            let category = classes.first { $0.code == parent }!.category
            classes.append(
                CaseClass(
                    code: code,
                    name: name,
                    category: category,
                    parentCode: parent,
                    limit: limit,
                    urgency: urgency,
                    departmentCode: department,
                    openingCondition: opening,
                    closingCondition: closing,
                    attributes: attributes
                )
            )
        }
        // 部件 components (GB/T 30428.2): owner department first.
        major("C01", "公用设施", .component)
        minor(
            "C0101",
            "井盖破损或缺失",
            "C01",
            TimeLimit(4, .workingHours),
            "cgj",
            urgency: .urgent,
            opening: "井盖破损、缺失或移位",
            closing: "井盖修复或补齐",
            // Which network the cover serves tells the owner (先属主) before anyone goes to look.
            attributes: [
                CaseClassAttribute(
                    code: "cover_use",
                    kind: .singleValueList,
                    question: "井盖标识的用途",
                    choices: [
                        .init(key: "rain", name: "雨水", nameEn: "Rainwater"), .init(key: "sewage", name: "污水", nameEn: "Sewage"),
                        .init(key: "water", name: "给水", nameEn: "Water supply"), .init(key: "power", name: "电力", nameEn: "Power"),
                        .init(key: "telecom", name: "通信", nameEn: "Telecom"), .init(key: "gas", name: "燃气", nameEn: "Gas"),
                        .init(key: "unknown", name: "看不清", nameEn: "Cannot tell"),
                    ],
                    questionEn: "What the cover is marked for"
                ),
                CaseClassAttribute(
                    code: "cover_missing",
                    kind: .singleValueList,
                    question: "井盖是否完全缺失（井口敞开）",
                    choices: [
                        .init(key: "yes", name: "是，井口敞开", nameEn: "Yes, the hole is open"),
                        .init(key: "no", name: "否，破损或移位", nameEn: "No, broken or moved"),
                    ],
                    questionEn: "Is the cover missing altogether (the hole open)?"
                ),
            ]
        )
        minor("C0102", "路灯不亮", "C01", TimeLimit(3, .workingDays), "gdj", opening: "路灯损坏或不亮", closing: "路灯恢复照明")
        minor("C0103", "供水设施损坏", "C01", TimeLimit(24, .clockHours), "swj", urgency: .urgent, opening: "管道破裂或漏水", closing: "设施修复、恢复供水")
        major("C02", "道路交通", .component)
        minor("C0201", "道路破损", "C02", TimeLimit(5, .workingDays), "jtj", opening: "路面坑槽、塌陷", closing: "路面修复")
        minor("C0202", "交通标志损坏", "C02", TimeLimit(3, .workingDays), "gaj", opening: "标志、标线缺损", closing: "标志修复")
        major("C03", "市容环境", .component)
        minor("C0301", "垃圾箱损坏", "C03", TimeLimit(2, .workingDays), "cgj", opening: "垃圾箱破损或缺失", closing: "修复或更换")
        minor("C0302", "公厕设施损坏", "C03", TimeLimit(2, .workingDays), "cgj", opening: "公厕设施损坏", closing: "恢复使用")
        major("C04", "园林绿化", .component)
        minor("C0401", "绿地维护", "C04", TimeLimit(5, .workingDays), "cgj", opening: "绿地缺损、枯死、杂草", closing: "补植或清理完毕")
        minor("C0402", "行道树倒伏", "C04", TimeLimit(4, .clockHours), "lyj", urgency: .critical, opening: "树木倒伏妨碍通行", closing: "清除并恢复通行")
        major("C05", "房屋土地", .component)
        minor("C0501", "危房隐患", "C05", TimeLimit(2, .clockHours), "zjj", urgency: .critical, opening: "房屋开裂、倾斜", closing: "人员撤离、鉴定处置")
        major("C06", "其他设施", .component)
        minor("C0601", "其他设施损坏", "C06", TimeLimit(5, .workingDays), "cgj")
        // 事件 events: locality first.
        major("E01", "市容环境", .event)
        minor("E0101", "暴露垃圾", "E01", TimeLimit(4, .workingHours), "cgj", opening: "垃圾暴露、散落", closing: "清理完毕")
        minor("E0102", "道路不洁", "E01", TimeLimit(2, .workingHours), "cgj", opening: "路面污渍、积存垃圾", closing: "清扫完毕")
        major("E02", "宣传广告", .event)
        minor("E0201", "违规张贴小广告", "E02", TimeLimit(1, .workingDays), "cgj", opening: "乱张贴、乱涂写", closing: "清除完毕")
        major("E03", "施工管理", .event)
        minor("E0301", "违法建设制止", "E03", TimeLimit(4, .workingHours), "cgj", urgency: .urgent, opening: "正在施工的违法建设", closing: "施工停止")
        minor("E0302", "违法建设处罚", "E03", TimeLimit(7, .workingDays), "cgj", opening: "已制止的违法建设", closing: "处罚决定送达")
        minor("E0303", "违法建设拆除", "E03", TimeLimit(20, .workingDays), "cgj", opening: "处罚决定生效", closing: "拆除完毕")
        minor("E0304", "施工扰民", "E03", TimeLimit(1, .workingDays), "zjj", opening: "夜间施工、噪声", closing: "停止扰民施工")
        major("E04", "突发事件", .event)
        minor("E0401", "道路积水", "E04", TimeLimit(2, .clockHours), "swj", urgency: .critical, opening: "积水影响通行", closing: "积水排除")
        minor("E0402", "火情", "E04", TimeLimit(1, .clockHours), "xfjy", urgency: .critical, opening: "发现火情", closing: "明火扑灭")
        major("E05", "街面秩序", .event)
        minor(
            "E0501",
            "占道经营",
            "E05",
            TimeLimit(4, .workingHours),
            "cgj",
            opening: "占用道路经营",
            closing: "恢复通行秩序",
            attributes: [
                CaseClassAttribute(code: "stalls", kind: .number, question: "摊位数量", questionEn: "Number of stalls"),
                CaseClassAttribute(
                    code: "blocks",
                    kind: .multiValueList,
                    question: "占用的位置",
                    choices: [
                        .init(key: "sidewalk", name: "人行道", nameEn: "Pavement"), .init(key: "road", name: "车行道", nameEn: "Roadway"),
                        .init(key: "blind_path", name: "盲道", nameEn: "Tactile path for the blind"),
                        .init(key: "fire_lane", name: "消防通道", nameEn: "Fire lane"),
                    ],
                    questionEn: "What they block"
                ),
            ]
        )
        minor("E0502", "乱停放", "E05", TimeLimit(4, .workingHours), "gaj", opening: "车辆乱停乱放", closing: "车辆挪离")
        // 矛盾纠纷 disputes.
        major("D", "矛盾纠纷", .dispute)
        for (index, (name, department)) in [
            ("家庭邻里纠纷", "sfj"), ("劳动社保纠纷", "rsj"), ("房屋租赁纠纷", "zjj"), ("物业管理纠纷", "zjj"), ("行政管理纠纷", "xfj"),
            ("涉法涉诉纠纷", "sfj"), ("规划建设纠纷", "zrzy"), ("经济关系纠纷", "scjg"), ("其他纠纷", "sfj"),
        ].enumerated() {
            minor("D0\(index + 1)", name, "D", TimeLimit(15, .workingDays), department, opening: "当事人反映或网格员发现", closing: "调解达成协议或依法引导")
        }
        // 问题隐患 hazards.
        major("H", "问题隐患", .hazard)
        for (index, (name, department, limit)) in [
            ("社会治安隐患", "gaj", TimeLimit(24, .clockHours)), ("市监食监问题", "scjg", TimeLimit(5, .workingDays)),
            ("交通运输隐患", "jtj", TimeLimit(5, .workingDays)), ("城市管理问题", "cgj", TimeLimit(5, .workingDays)),
            ("安全生产隐患", "yjj", TimeLimit(24, .clockHours)), ("消防隐患", "xfjy", TimeLimit(24, .clockHours)),
            ("环保生态问题", "sthj", TimeLimit(5, .workingDays)), ("建设水务问题", "swj", TimeLimit(5, .workingDays)),
            ("教育校园问题", "jyj", TimeLimit(5, .workingDays)), ("民政事务问题", "mzj", TimeLimit(7, .workingDays)),
            ("其他问题隐患", "cgj", TimeLimit(7, .workingDays)),
        ].enumerated() {
            minor(String(format: "H%02d", index + 1), name, "H", limit, department)
        }
        for index in classes.indices { classes[index].nameEn = englishNames[classes[index].code] }
        return classes
    }()

    /// The classes' names in English, by code.
    static let englishNames: [String: String] = [
        "C01": "Public utilities", "C0101": "Manhole cover broken or missing", "C0102": "Street light out",
        "C0103": "Water supply facility damaged", "C02": "Roads and traffic", "C0201": "Road surface damaged",
        "C0202": "Traffic sign damaged", "C03": "City appearance", "C0301": "Litter bin damaged", "C0302": "Public toilet damaged",
        "C04": "Parks and greenery", "C0401": "Green space upkeep", "C0402": "Fallen street tree", "C05": "Buildings and land",
        "C0501": "Dangerous building", "C06": "Other facilities", "C0601": "Other facility damaged",
        "E01": "City appearance", "E0101": "Exposed garbage", "E0102": "Dirty street", "E02": "Posters and advertising",
        "E0201": "Illegal flyers and graffiti", "E03": "Construction", "E0301": "Illegal construction: stop the works",
        "E0302": "Illegal construction: penalty", "E0303": "Illegal construction: demolition", "E0304": "Construction noise and nuisance",
        "E04": "Emergencies", "E0401": "Flooded road", "E0402": "Fire", "E05": "Street order", "E0501": "Street vending on the road",
        "E0502": "Illegal parking",
        "D": "Disputes", "D01": "Family and neighbour dispute", "D02": "Labour and social insurance dispute", "D03": "Tenancy dispute",
        "D04": "Property management dispute", "D05": "Dispute with an administration", "D06": "Dispute in or about court proceedings",
        "D07": "Planning and construction dispute", "D08": "Economic dispute", "D09": "Other dispute",
        "H": "Hazards and problems", "H01": "Public security hazard", "H02": "Market or food safety problem", "H03": "Transport hazard",
        "H04": "Urban management problem", "H05": "Work safety hazard", "H06": "Fire hazard", "H07": "Environmental problem",
        "H08": "Construction or water problem", "H09": "School and campus problem", "H10": "Civil affairs problem",
        "H11": "Other hazard or problem",
    ]
}
