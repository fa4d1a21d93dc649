import MinqingCore

extension Language {
    /// The citizens' page's language: Chinese unless English is asked for (`lang=en`).
    init(_ value: String?) { self = value == "en" ? .en : .zh }

    var text: CitizenPages.Texts { self == .zh ? .chinese : .english }

    func statusNote(_ state: CaseState) -> String { GeoReport.statusNote(of: state, in: self) }
}

extension CitizenPages {
    /// Every word the page shows, in one language.
    struct Texts {
        var htmlLanguage: String
        var title: String
        var intro: String
        var publicNotice: String
        var reportHeading: String
        var classLabel: String
        var choose: String
        var questionsLabel: String
        var requiredMark: String
        var descriptionLabel: String
        var descriptionHint: String
        var locationLabel: String
        var latitude: String
        var longitude: String
        var locateButton: String
        var locating: String
        var locateFailed: String
        var mapHint: String
        /// Before the name of the village a tap on the map fell in: "about", as a tap near a
        /// boundary, at a city's zoom, may fall on either side of it for the server.
        var mapPicked: String
        var photosLabel: String
        var photosHint: String
        var contactLabel: String
        var contactHint: String
        var nameLabel: String
        var phoneLabel: String
        var send: String
        var receivedHeading: String
        var numberLabel: String
        var codeLabel: String
        var keepCode: String
        var codeNotShownAgain: String
        var followHeading: String
        var followIntro: String
        var followButton: String
        var reportLink: String
        var followLink: String
        var progressHeading: String
        var stateLabel: String
        var classLabelShort: String
        var placeLabel: String
        var departmentLabel: String
        var reportedLabel: String
        var dueLabel: String
        var descriptionShort: String
        var contactShort: String
        var photosShort: String
        var historyLabel: String
        var rateHeading: String
        var solvedQuestion: String
        var solvedYes: String
        var solvedNo: String
        var satisfiedQuestion: String
        var satisfiedYes: String
        var satisfiedNo: String
        var rateHint: String
        var rateButton: String
        var thanks: String
        var notFound: String
        var notPublic: String
        var tooMany: String
        var notNow: String
        var expired: String
        var unavailable: String
        var notSent: String
        var checkField: String
        var supervisedNote: String
        var fields: [String: String]
        var categories: [CaseCategory: String]
        var answers: (solved: String, notSolved: String, satisfied: String, notSatisfied: String)

        func category(_ category: CaseCategory) -> String { categories[category] ?? category.rawValue }

        func rated(solved: Bool, satisfied: Bool) -> String {
            "\(rateHeading)：\(solved ? answers.solved : answers.notSolved)，\(satisfied ? answers.satisfied : answers.notSatisfied)"
        }

        static let chinese = Texts(
            htmlLanguage: "zh-CN",
            title: "随手拍 · 群众上报",
            intro: "发现身边的问题，不用注册即可上报。上报后请记下案件编号和查询码，凭它们查看办理进度，结案后评价。",
            publicNotice: "部件、事件类问题（公共设施、市容秩序等）的类型、描述、位置和办理进度会公开显示；请不要在描述里写姓名、电话等个人信息，联系方式请填在下方，只有指挥中心能看到完整信息。矛盾纠纷、问题隐患类只对持查询码的您本人显示。",
            reportHeading: "上报问题",
            classLabel: "问题类型",
            choose: "请选择",
            questionsLabel: "补充信息（选填，标明必填的除外）",
            requiredMark: "必填",
            descriptionLabel: "问题描述",
            descriptionHint: "说清楚在哪里、是什么问题（最多 2000 字）",
            locationLabel: "位置",
            latitude: "纬度",
            longitude: "经度",
            locateButton: "使用手机定位",
            locating: "正在定位…",
            locateFailed: "未能定位，请手动填写",
            mapHint: "在地图上点选问题所在的位置（图上是各镇街、村社区的界线），或使用手机定位。",
            mapPicked: "所选位置约在：",
            photosLabel: "现场照片",
            photosHint: "JPEG 或 PNG，最多 6 张；照片中的拍摄地点等信息会被去除",
            contactLabel: "联系方式（选填）",
            contactHint: "留下联系方式，办理单位回访时可以联系您；部门只看到打码后的信息。",
            nameLabel: "姓名",
            phoneLabel: "电话",
            send: "提交",
            receivedHeading: "已收到您的上报",
            numberLabel: "案件编号",
            codeLabel: "查询码",
            keepCode: "请保存案件编号和查询码：查看进度和评价都需要它们；查询码不会通过其他方式发送给您。",
            codeNotShownAgain: "这份表单已经提交过，查询码无法在这里再次显示；请使用第一次提交时保存的查询码。",
            followHeading: "查询办理进度",
            followIntro: "输入案件编号和查询码。",
            followButton: "查询",
            reportLink: "上报问题",
            followLink: "查询进度",
            progressHeading: "办理进度",
            stateLabel: "当前状态",
            classLabelShort: "类型",
            placeLabel: "地点",
            departmentLabel: "责任单位",
            reportedLabel: "上报时间",
            dueLabel: "办理时限",
            descriptionShort: "描述",
            contactShort: "联系方式",
            photosShort: "照片",
            historyLabel: "办理记录",
            rateHeading: "评价",
            solvedQuestion: "问题解决了吗？",
            solvedYes: "已解决",
            solvedNo: "未解决",
            satisfiedQuestion: "您对办理满意吗？",
            satisfiedYes: "满意",
            satisfiedNo: "不满意",
            rateHint: "两个问题分开回答。选择“未解决”，案件将重新派遣办理。",
            rateButton: "提交评价",
            thanks: "感谢您的评价。",
            notFound: "没有找到这个案件：请核对案件编号和查询码。",
            notPublic: "这个案件的进度只对上报人显示：请输入案件编号和查询码。",
            tooMany: "提交太频繁，请稍后再试。",
            notNow: "案件当前的状态不能进行这项操作。",
            expired: "表单已过期，请在本页重新提交。",
            unavailable: "系统暂时不可用，请稍后再试。",
            notSent: "未能提交，请检查填写的内容。",
            checkField: "请检查：",
            supervisedNote: "上级已督办",
            fields: [
                "class": "问题类型", "description": "问题描述", "location": "位置", "contact.name": "姓名", "contact.phone": "电话",
                "photos": "现场照片", "multipart": "现场照片", "number": "案件编号", "code": "查询码", "solved": "问题解决了吗",
                "satisfied": "您对办理满意吗", "Idempotency-Key": "表单", "attributes": "补充信息",
            ],
            categories: [.component: "部件", .event: "事件", .dispute: "矛盾纠纷", .hazard: "问题隐患"],
            answers: ("已解决", "未解决", "满意", "不满意")
        )

        static let english = Texts(
            htmlLanguage: "en",
            title: "Report a problem",
            intro: "Report a problem you have found, without an account. Keep the case number and follow code you receive: "
                + "with them you follow the case and rate it once it is closed.",
            publicNotice: "For problems of public space (components and events) the kind, description, place and progress are shown "
                + "publicly: do not write names or phone numbers in the description; put your contact below, where only the command "
                + "center sees it in full. Disputes and hazards are shown only to you, with the follow code.",
            reportHeading: "Report a problem",
            classLabel: "Kind of problem",
            choose: "Choose one",
            questionsLabel: "More about it (optional unless marked required)",
            requiredMark: "required",
            descriptionLabel: "Description",
            descriptionHint: "Say where it is and what is wrong (at most 2,000 characters)",
            locationLabel: "Location",
            latitude: "Latitude",
            longitude: "Longitude",
            locateButton: "Use my phone's position",
            locating: "Finding your position…",
            locateFailed: "Could not find your position: please type it",
            mapHint: "Tap the map where the problem is (it shows the towns' and villages' boundaries), or use your phone's position.",
            mapPicked: "Place chosen, in or near: ",
            photosLabel: "Photos",
            photosHint: "JPEG or PNG, at most 6; where a photo was taken is removed from it",
            contactLabel: "Contact (optional)",
            contactHint: "Leave a contact so that the return call can reach you; departments see it masked.",
            nameLabel: "Name",
            phoneLabel: "Phone",
            send: "Send",
            receivedHeading: "Your report was received",
            numberLabel: "Case number",
            codeLabel: "Follow code",
            keepCode:
                "Keep the case number and the follow code: you need both to follow and rate the case. The code is not sent to you any other way.",
            codeNotShownAgain: "This form was already sent, and its follow code cannot be shown again here: use the one you kept then.",
            followHeading: "Follow a case",
            followIntro: "Enter the case number and the follow code.",
            followButton: "Show",
            reportLink: "Report a problem",
            followLink: "Follow a case",
            progressHeading: "Progress",
            stateLabel: "Now",
            classLabelShort: "Kind",
            placeLabel: "Place",
            departmentLabel: "Responsible department",
            reportedLabel: "Reported",
            dueLabel: "Due",
            descriptionShort: "Description",
            contactShort: "Contact",
            photosShort: "Photos",
            historyLabel: "History",
            rateHeading: "Rating",
            solvedQuestion: "Was the problem solved?",
            solvedYes: "Solved",
            solvedNo: "Not solved",
            satisfiedQuestion: "Are you satisfied with how it was handled?",
            satisfiedYes: "Satisfied",
            satisfiedNo: "Not satisfied",
            rateHint: "The two questions are answered apart. \"Not solved\" sends the case to be handled again.",
            rateButton: "Send rating",
            thanks: "Thank you for your rating.",
            notFound: "No case was found: check the case number and the follow code.",
            notPublic: "This case's progress is shown to its reporter only: enter the case number and the follow code.",
            tooMany: "Too many at once: please try again a little later.",
            notNow: "The case cannot take this step in its present state.",
            expired: "The form has expired: please send it again from this page.",
            unavailable: "The service is unavailable for a moment: please try again later.",
            notSent: "Not sent: please check what you entered.",
            checkField: "Please check: ",
            supervisedNote: "Pressed by the level above (supervision)",
            fields: [
                "class": "Kind of problem", "description": "Description", "location": "Location", "contact.name": "Name", "contact.phone": "Phone",
                "photos": "Photos", "multipart": "Photos", "number": "Case number", "code": "Follow code", "solved": "Was the problem solved",
                "satisfied": "Are you satisfied", "Idempotency-Key": "the form", "attributes": "More about it",
            ],
            categories: [.component: "Component", .event: "Event", .dispute: "Dispute", .hazard: "Hazard"],
            answers: ("solved", "not solved", "satisfied", "not satisfied")
        )
    }
}
