/// One entry of the audit log (审计日志): who did what, to what, when, from where and why. Entries
/// are chained by hash in the store, so that an edited, inserted or deleted entry is found.
public struct AuditRecord: Hashable, Sendable {
    /// Milliseconds since 1970.
    public var at: Int64
    public var cityCode: String
    /// The account's username, or `cli`, `demo`, `system`.
    public var actor: String
    /// An ``Action`` raw value, or an event such as `sign_in`.
    public var action: String
    /// What was acted on, as `kind/id`.
    public var target: String
    public var areaCode: String?
    /// The stated purpose, for reads of personal data.
    public var purpose: String?
    /// The client's address, when there is one.
    public var address: String?
    /// `ok` or `denied`.
    public var outcome: String
    public var detail: String?

    public init(
        at: Int64,
        cityCode: String,
        actor: String,
        action: String,
        target: String,
        areaCode: String? = nil,
        purpose: String? = nil,
        address: String? = nil,
        outcome: String = "ok",
        detail: String? = nil
    ) {
        self.at = at
        self.cityCode = cityCode
        self.actor = actor
        self.action = action
        self.target = target
        self.areaCode = areaCode
        self.purpose = purpose
        self.address = address
        self.outcome = outcome
        self.detail = detail
    }

    /// The exact text that is hashed: every field, in a fixed order, as JSON.
    public var canonical: String {
        func text(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }
        return JSONValue.object([
            "at": .number(Double(at)), "city": .string(cityCode), "actor": .string(actor), "action": .string(action), "target": .string(target),
            "area": text(areaCode), "purpose": text(purpose), "address": text(address), "outcome": .string(outcome), "detail": text(detail),
        ]).serialized
    }
}
