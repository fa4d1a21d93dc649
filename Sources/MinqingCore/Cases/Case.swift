import Foundation

/// 来源: how a problem reached the platform.
public enum CaseSource: String, Sendable, Codable, CaseIterable, Hashable {
    /// 巡查: a grid worker on patrol.
    case patrol
    /// 走访: an official on a household visit.
    case visit
    /// 群众上报: a resident, through the citizen page or Open311.
    case citizen
    /// 12345 热线: a hotline operator.
    case hotline
    /// 物联感知: a sensor.
    case sensor
    /// 数据发现: found in another agency's data.
    case data
}

/// A case as it stands now: the projection of its event list, written in the same transaction as
/// each event so that it never disagrees with the log.
public struct CaseRecord: Sendable, Hashable {
    public var id: Int64
    public var cityCode: String
    public var classCode: String
    public var state: CaseState
    public var source: CaseSource
    /// The deepest area holding the location: normally a small grid.
    public var areaCode: String
    /// The county and town of `areaCode` when it was reported (``AreaTree/areasAbove(code:)``), the
    /// county first: the measures count the case in each of them, as the tree stood then.
    public var areasAbove: [String]
    /// The level handling it now (small matters stay in the village, big ones in the town).
    public var level: AreaLevel
    /// WGS84 longitude and latitude.
    public var longitude: Double
    public var latitude: Double
    public var description: String
    /// The account that reported it, by username and id (a resident sees their own reports).
    public var reporter: String
    public var reporterAccountID: Int64?
    /// How to reach the person behind the report, masked as every answer shows it; the full
    /// contact is sealed apart (``ReporterContact``).
    public var maskedContact: ReporterContact?
    /// For a case reported without an account: the digest of its follow code (``FollowCode``).
    public var followCodeDigest: String?
    /// 主办: the department leading it once dispatched.
    public var leadDepartment: String?
    /// 协办: departments assisting the lead.
    public var coDepartments: [String]
    /// 分派: the section (科室) of the lead department the case was handed to, if any: its people
    /// handle it beside the lead's (town center → department → section).
    public var section: String?
    /// 现场照片 sent with the report, by content hash (``Photo``).
    public var photos: [String]
    /// The answers to its class's questions (``CaseClassAttribute``), by code.
    public var attributes: [String: JSONValue]
    /// The state a suspended case left, to which `resume` returns it.
    public var suspendedFrom: CaseState?
    /// When the clock stopped (suspended, deferred, or waiting on an extension request).
    public var pausedAt: Int64?
    /// The working days a pending extension request asks for.
    public var requestedExtensionDays: Int?
    public var mergedInto: Int64?
    /// The earlier case this one recurs, when it does.
    public var linkedTo: Int64?
    public var reportedAt: Int64
    public var updatedAt: Int64
    /// When the handling clock started: the (latest) dispatch.
    public var dispatchedAt: Int64?
    /// The current stage's deadline; `nil` when no clock runs.
    public var dueAt: Int64?
    public var closedAt: Int64?
    /// How many events the log holds; the next event's sequence number.
    public var eventCount: Int64
    /// The hash of the latest event: the next one chains to it.
    public var lastHash: String

    public init(
        id: Int64,
        cityCode: String,
        classCode: String,
        state: CaseState,
        source: CaseSource,
        areaCode: String,
        areasAbove: [String] = [],
        level: AreaLevel,
        longitude: Double,
        latitude: Double,
        description: String,
        reporter: String,
        reporterAccountID: Int64? = nil,
        maskedContact: ReporterContact? = nil,
        followCodeDigest: String? = nil,
        leadDepartment: String? = nil,
        coDepartments: [String] = [],
        section: String? = nil,
        photos: [String] = [],
        attributes: [String: JSONValue] = [:],
        suspendedFrom: CaseState? = nil,
        pausedAt: Int64? = nil,
        requestedExtensionDays: Int? = nil,
        mergedInto: Int64? = nil,
        linkedTo: Int64? = nil,
        reportedAt: Int64,
        updatedAt: Int64,
        dispatchedAt: Int64? = nil,
        dueAt: Int64? = nil,
        closedAt: Int64? = nil,
        eventCount: Int64,
        lastHash: String
    ) {
        self.id = id
        self.cityCode = cityCode
        self.classCode = classCode
        self.state = state
        self.source = source
        self.areaCode = areaCode
        self.areasAbove = areasAbove
        self.level = level
        self.longitude = longitude
        self.latitude = latitude
        self.description = description
        self.reporter = reporter
        self.reporterAccountID = reporterAccountID
        self.maskedContact = maskedContact
        self.followCodeDigest = followCodeDigest
        self.leadDepartment = leadDepartment
        self.coDepartments = coDepartments
        self.section = section
        self.photos = photos
        self.attributes = attributes
        self.suspendedFrom = suspendedFrom
        self.pausedAt = pausedAt
        self.requestedExtensionDays = requestedExtensionDays
        self.mergedInto = mergedInto
        self.linkedTo = linkedTo
        self.reportedAt = reportedAt
        self.updatedAt = updatedAt
        self.dispatchedAt = dispatchedAt
        self.dueAt = dueAt
        self.closedAt = closedAt
        self.eventCount = eventCount
        self.lastHash = lastHash
    }

    /// The light of the running clock at `now` (a paused clock shows where it stopped): yellow at
    /// 75 % of the stage's limit used, red when overdue; `nil` when no clock runs. `limit` is the
    /// limit of the stage the case is in (``CaseClass/stageLimit(in:)``).
    public func light(at now: Int64, calendar: WorkingCalendar, limit: TimeLimit?) -> DeadlineLight? {
        guard let dueAt, let limit else { return nil }
        let reference = pausedAt ?? now
        let total = calendar.used(of: limit, from: 0, at: 0).limit
        if reference > dueAt { return .red }
        let remaining = limit.unit == .clockHours ? dueAt - reference : calendar.workingMilliseconds(from: reference, to: dueAt)
        return DeadlineLight(used: total - remaining, limit: total)
    }

    public static func auditTarget(_ id: Int64) -> String { "cases/\(id)" }
}

/// One entry of a case's log (案件日志): who did what, when, from which state to which, with the
/// fields the action carried. Chained by hash per case, so an edited, inserted or deleted event is
/// found by `minqing audit verify`.
public struct CaseEvent: Sendable, Hashable {
    /// The name of the first event of every case.
    public static let report = "report"

    public var caseID: Int64
    /// 0 for the report, then one more per event.
    public var sequence: Int64
    public var at: Int64
    public var actor: String
    /// ``report`` or a ``CaseAction`` raw value.
    public var action: String
    public var from: CaseState?
    public var to: CaseState
    public var fields: CaseActionFields

    public init(caseID: Int64, sequence: Int64, at: Int64, actor: String, action: String, from: CaseState?, to: CaseState, fields: CaseActionFields) {
        self.caseID = caseID
        self.sequence = sequence
        self.at = at
        self.actor = actor
        self.action = action
        self.from = from
        self.to = to
        self.fields = fields
    }

    /// The exact text that is hashed: every field, in a fixed order, as JSON.
    public var canonical: String {
        JSONValue.object([
            "case": .number(Double(caseID)), "seq": .number(Double(sequence)), "at": .number(Double(at)), "actor": .string(actor),
            "action": .string(action), "from": from.map { .string($0.rawValue) } ?? .null, "to": .string(to.rawValue), "fields": fields.json,
        ]).serialized
    }
}

extension CaseActionFields {
    /// The stored form: only the fields given, with their API names.
    public var json: JSONValue {
        var object: [String: JSONValue] = [:]
        if let reason { object["reason"] = .string(reason) }
        if !evidence.isEmpty { object["evidence"] = .array(evidence.map(JSONValue.string)) }
        if let result { object["result"] = .string(result) }
        if let mergedInto { object["merged_into"] = .number(Double(mergedInto)) }
        if let referral { object["referral"] = .string(referral) }
        if let leadDepartment { object["lead_department"] = .string(leadDepartment) }
        if !coDepartments.isEmpty { object["co_departments"] = .array(coDepartments.map(JSONValue.string)) }
        if let section { object["section"] = .string(section) }
        if let solved { object["solved"] = .bool(solved) }
        if let satisfied { object["satisfied"] = .bool(satisfied) }
        if let extensionDays { object["extension_days"] = .number(Double(extensionDays)) }
        if let dueAt { object["due_at"] = .number(Double(dueAt)) }
        if let linkedTo { object["linked_to"] = .number(Double(linkedTo)) }
        if !attributes.isEmpty { object["attributes"] = .object(attributes) }
        return .object(object)
    }

    /// Reads the stored form back.
    public init(json: JSONValue) {
        func strings(_ key: String) -> [String] { json[key]?.array?.compactMap(\.string) ?? [] }
        func bool(_ key: String) -> Bool? { if case .bool(let value)? = json[key] { value } else { nil } }
        self.init(
            reason: json["reason"]?.string,
            evidence: strings("evidence"),
            result: json["result"]?.string,
            mergedInto: json["merged_into"]?.number.map { Int64($0) },
            referral: json["referral"]?.string,
            leadDepartment: json["lead_department"]?.string,
            coDepartments: strings("co_departments"),
            section: json["section"]?.string,
            solved: bool("solved"),
            satisfied: bool("satisfied"),
            extensionDays: json["extension_days"]?.number.map { Int($0) },
            dueAt: json["due_at"]?.number.map { Int64($0) },
            linkedTo: json["linked_to"]?.number.map { Int64($0) },
            attributes: json["attributes"]?.object ?? [:]
        )
    }
}

/// A report as intake accepts it (上报), checked and located, before it has an id.
public struct CaseReport: Sendable, Hashable {
    public var cityCode: String
    public var classCode: String
    public var source: CaseSource
    public var areaCode: String
    /// ``CaseRecord/areasAbove``.
    public var areasAbove: [String]
    public var level: AreaLevel
    public var longitude: Double
    public var latitude: Double
    public var description: String
    public var reporter: String
    public var reporterAccountID: Int64?
    /// The person behind the report, in full: the store seals it and keeps only its masked form
    /// in the case.
    public var contact: ReporterContact?
    /// A keyed digest of ``contact`` for ``fingerprint``: the request's hash is kept with its
    /// idempotency key, and a plain hash of a phone number is undone by trying every number.
    public var contactDigest: String?
    /// For a resident without an account: the digest of the follow code they were given. Not part
    /// of ``fingerprint``: a retry from another browser derives another code, and is answered with
    /// the first case without it.
    public var followCodeDigest: String?
    /// The client's key for retries (`Idempotency-Key`).
    public var idempotencyKey: String?
    /// The client's address, for the audit log.
    public var address: String?
    /// The closed case this one recurs, if any (``CaseProximity/recurrence(of:at:among:)``).
    public var linkedTo: Int64?
    /// The photos sent with it, by content hash, already kept (``Photo``).
    public var photos: [String]
    /// The answers to its class's questions, checked (``CaseClassAttribute/answers(_:to:)``).
    public var attributes: [String: JSONValue]

    public init(
        cityCode: String,
        classCode: String,
        source: CaseSource,
        areaCode: String,
        areasAbove: [String] = [],
        level: AreaLevel,
        longitude: Double,
        latitude: Double,
        description: String,
        reporter: String,
        reporterAccountID: Int64? = nil,
        contact: ReporterContact? = nil,
        followCodeDigest: String? = nil,
        idempotencyKey: String? = nil,
        address: String? = nil,
        linkedTo: Int64? = nil,
        photos: [String] = [],
        attributes: [String: JSONValue] = [:]
    ) {
        self.attributes = attributes
        self.linkedTo = linkedTo
        self.photos = photos
        self.cityCode = cityCode
        self.classCode = classCode
        self.source = source
        self.areaCode = areaCode
        self.areasAbove = areasAbove
        self.level = level
        self.longitude = longitude
        self.latitude = latitude
        self.description = description
        self.reporter = reporter
        self.reporterAccountID = reporterAccountID
        self.contact = contact
        self.followCodeDigest = followCodeDigest
        self.idempotencyKey = idempotencyKey
        self.address = address
    }

    /// What a retry must repeat to count as the same request: everything the client sent.
    public var fingerprint: String {
        var sent: [String: JSONValue] = [
            "class": .string(classCode), "source": .string(source.rawValue), "lng": .number(longitude), "lat": .number(latitude),
            "description": .string(description), "reporter": .string(reporter),
        ]
        if !photos.isEmpty { sent["photos"] = .array(photos.map(JSONValue.string)) }
        if !attributes.isEmpty { sent["attributes"] = .object(attributes) }
        if let contactDigest { sent["contact"] = .string(contactDigest) }
        return JSONValue.object(sent).serialized
    }

    /// The case it becomes, with its first event, once it has an id.
    public func opened(id: Int64, at now: Int64) -> CaseStep {
        let event = CaseEvent(
            caseID: id,
            sequence: 0,
            at: now,
            actor: reporter,
            action: CaseEvent.report,
            from: nil,
            to: .reported,
            fields: CaseActionFields(evidence: photos, linkedTo: linkedTo, attributes: attributes)
        )
        let record = CaseRecord(
            id: id,
            cityCode: cityCode,
            classCode: classCode,
            state: .reported,
            source: source,
            areaCode: areaCode,
            areasAbove: areasAbove,
            level: level,
            longitude: longitude,
            latitude: latitude,
            description: description,
            reporter: reporter,
            reporterAccountID: reporterAccountID,
            maskedContact: contact?.masked,
            followCodeDigest: followCodeDigest,
            photos: photos,
            attributes: attributes,
            linkedTo: linkedTo,
            reportedAt: now,
            updatedAt: now,
            eventCount: 1,
            lastHash: ""
        )
        return CaseStep(record: record, event: event)
    }
}

/// The checks intake makes before anything is written; each problem names its field.
public enum CaseIntakeRules {
    public static let maximumDescription = 2000
    /// Idempotency keys: printable ASCII, as the IETF draft's examples (UUIDs and the like).
    public static let maximumKeyLength = 128

    /// Text as a browser sends a textarea (CRLF line ends) in the one form kept: `\n` alone.
    public static func normalizedLines(_ text: String) -> String {
        text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
    }

    public static func problem(description: String, idempotencyKey: String?) -> FieldProblem? {
        let text = description.trimmingCharacters(in: .whitespacesAndNewlines)
        if text.isEmpty { return FieldProblem("description", "say what the problem is") }
        if text.count > maximumDescription { return FieldProblem("description", "at most \(maximumDescription) characters, not \(text.count)") }
        if text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control && $0 != "\n" && $0 != "\t" }) {
            return FieldProblem("description", "control characters are not allowed")
        }
        if let key = idempotencyKey, key.isEmpty || key.utf8.count > maximumKeyLength || !key.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) {
            return FieldProblem("Idempotency-Key", "1–\(maximumKeyLength) printable ASCII characters without spaces")
        }
        return nil
    }

    /// The level a new report is handled at: life and property, and physical assets (owned by
    /// departments), go to the town; everything else starts in the village (小事不出村).
    public static func level(of caseClass: CaseClass) -> AreaLevel {
        caseClass.urgency == .critical || caseClass.category == .component ? .town : .village
    }
}
