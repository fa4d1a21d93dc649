import Foundation
import HummingbirdBcrypt
import Logging
import MinqingCore
import MinqingStore

/// Who can sign in to the demo city, written to `demo-credentials.json` in the data directory.
public struct DemoCredentials: Codable, Sendable {
    public struct Login: Codable, Sendable {
        public var role: String
        public var username: String
        public var password: String
        public var scope: String
        public var note: String?
    }

    public var city: String
    public var url: String?
    public var logins: [Login]
    public var apiKeys: [String: String]

    public init(city: String, url: String? = nil, logins: [Login], apiKeys: [String: String]) {
        self.city = city
        self.url = url
        self.logins = logins
        self.apiKeys = apiKeys
    }

    enum CodingKeys: String, CodingKey {
        case city, url, logins
        case apiKeys = "api_keys"
    }
}

/// Builds the synthetic city (DOMAIN.md §1's reference scale, or smaller) into a store: the grid tree,
/// departments and case classes, and accounts for every role with their credentials.
public struct DemoSetup: Sendable {
    public var plan: DemoCityPlan
    /// bcrypt cost for the demo's passwords; each role's accounts share one password, hashed once.
    public var bcryptCost: UInt8 = 10
    /// How many cases of history the demo city gets (the year up to now); `nil` for 300,000 at the
    /// reference scale, fewer in proportion to the grids in a smaller city.
    public var historyCases: Int?

    public init(plan: DemoCityPlan) {
        self.plan = plan
    }

    /// Builds the city unless the store already has it; returns the credentials.
    public func run(store: Store, dataDirectory: String, logger: Logger) async throws -> DemoCredentials {
        let credentialsPath = dataDirectory + "/demo-credentials.json"
        if try await store.cities().contains(plan.cityCode) {
            logger.info("the demo city is already built", metadata: ["city": "\(plan.cityCode)"])
            guard let saved = FileManager.default.contents(atPath: credentialsPath) else {
                throw StoreError.conflict(
                    "the database already holds city \(plan.cityCode) but \(credentialsPath) is missing: start with an empty data directory"
                )
            }
            return try JSONDecoder().decode(DemoCredentials.self, from: saved)
        }
        let clock = ContinuousClock()
        var started = clock.now
        let areas = DemoCityBuilder(plan: plan).build()
        logger.info("demo city drawn", metadata: ["areas": "\(areas.count)", "duration": "\(clock.now - started)"])
        started = clock.now
        let summary = try await store.importAreas(city: plan.cityCode, actor: "demo", source: "minqing demo") { existing in
            let incoming = areas.enumerated().map { (feature: $0.offset, area: $0.element) }
            return (incoming, GridTreeValidator().validate(incoming: incoming, existing: existing))
        }
        guard summary.imported else {
            throw StoreError.conflict("the demo city did not validate: \(summary.report.errors.prefix(3).map(\.line))")
        }
        logger.info("demo city stored", metadata: ["areas": "\(summary.created)", "duration": "\(clock.now - started)"])
        try await store.addCatalog(city: plan.cityCode, departments: StandardCatalog.departments, classes: StandardCatalog.caseClasses)

        started = clock.now
        let credentials = try await createAccounts(store: store, areas: areas)
        logger.info("demo accounts created", metadata: ["duration": "\(clock.now - started)"])
        started = clock.now
        let cases = try await writeHistory(store: store, areas: areas, dataDirectory: dataDirectory)
        logger.info("demo case history written", metadata: ["cases": "\(cases)", "duration": "\(clock.now - started)"])
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try SecretFile.write(try encoder.encode(credentials), to: credentialsPath, replacing: true)
        return credentials
    }

    /// A year of cases up to now (``DemoHistory``), generated a batch ahead of the one being written,
    /// so that generating and writing share the machine's cores.
    private func writeHistory(store: Store, areas: [Area], dataDirectory: String) async throws -> Int {
        let count = historyCases ?? 300_000 * plan.grids / DemoCityPlan.reference.grids
        guard count > 0 else { return 0 }
        let end = store.nowMilliseconds
        let calendar = try CaseCatalog.calendar(cityFolder: dataDirectory + "/calendars")
        // The sums count responses on the calendar the server will use.
        store.use(calendar: calendar)
        let history = DemoHistory(
            plan: plan,
            grids: areas.filter { $0.level == .grid },
            classes: StandardCatalog.caseClasses,
            routes: try await store.caseRoutes(city: plan.cityCode),
            tree: AreaTree(areas: areas),
            calendar: calendar,
            start: end - 365 * 86_400_000,
            end: end,
            count: count
        )
        let batch = 10_000
        func generate(_ start: Int) -> Task<HistoricBatch, Never>? {
            guard start < count else { return nil }
            return Task.detached {
                store.prepareImport(history.cases(start..<min(start + batch, count)).map { HistoricCase(record: $0.record, events: $0.events) })
            }
        }
        var next = generate(0)
        var start = 0
        while let pending = next {
            let cases = await pending.value
            start += batch
            next = generate(start)
            try await store.importCases(cases, city: plan.cityCode, actor: "demo", now: end)
        }
        try await store.refreshStatistics()
        return count
    }

    private func createAccounts(store: Store, areas: [Area]) async throws -> DemoCredentials {
        var random = SystemRandomNumberGenerator()
        func password() -> String { AccountRules.newPassword(using: &random) }
        let passwords = (admin: password(), center: password(), department: password(), worker: password())
        let hashes = (
            admin: Bcrypt.hash(passwords.admin, cost: bcryptCost), center: Bcrypt.hash(passwords.center, cost: bcryptCost),
            department: Bcrypt.hash(passwords.department, cost: bcryptCost), worker: Bcrypt.hash(passwords.worker, cost: bcryptCost)
        )
        let auditorPassword = password()
        let names = DemoNames(seed: plan.seed)
        var accounts = [
            NewAccount(username: "admin", displayName: "系统管理员", passwordHash: hashes.admin, roles: [.systemAdmin], areaCode: plan.cityCode)
        ]
        // 联勤指挥中心: one command-center account per city, county and town.
        for area in areas where area.level <= .town {
            accounts.append(
                NewAccount(
                    username: "zhzx-\(area.code)",
                    displayName: "\(area.name)指挥中心",
                    passwordHash: hashes.center,
                    roles: [.commandCenter],
                    areaCode: area.code
                )
            )
        }
        for department in StandardCatalog.departments {
            accounts.append(
                NewAccount(
                    username: "bm-\(department.code)",
                    displayName: "\(department.name)负责人",
                    passwordHash: hashes.department,
                    roles: [.departmentHead, .departmentHandler],
                    departmentCode: department.code
                )
            )
        }
        // Grid workers: two per small grid, and a third in the first grids until the plan's total is met.
        let grids = areas.filter { $0.level == .grid }
        for index in 0..<plan.gridWorkers {
            let grid = grids[index % grids.count]
            let number = index / grids.count + 1
            accounts.append(
                NewAccount(
                    username: "wgy-\(grid.code)-\(number)",
                    displayName: names.person(index),
                    passwordHash: hashes.worker,
                    roles: [.gridWorker],
                    areaCode: grid.code
                )
            )
        }
        // 审计: reads the audit log and who read each resident's data.
        accounts.append(
            NewAccount(
                username: "sj-\(plan.cityCode)",
                displayName: "审计员",
                passwordHash: Bcrypt.hash(auditorPassword, cost: bcryptCost),
                roles: [.auditor],
                areaCode: plan.cityCode
            )
        )
        // 12345 热线与市民渠道: the account the Open311 key acts for. Nobody signs in with it.
        accounts.append(
            NewAccount(
                username: "rx-12345",
                displayName: "12345热线与市民渠道",
                passwordHash: Bcrypt.hash(password(), cost: bcryptCost),
                roles: [.commandCenter],
                areaCode: plan.cityCode
            )
        )
        let ids = try await store.createAccounts(city: plan.cityCode, accounts)
        let adminKey = try await store.createAPIKey(accountID: ids[0], label: "demo admin", scopes: [.admin], expiresAt: nil, actor: "demo")
        let intakeKey = try await store.createAPIKey(
            accountID: ids[ids.count - 1],
            label: "demo intake (Open311)",
            scopes: [.intake],
            expiresAt: nil,
            actor: "demo"
        )
        let firstGrid = grids[0].code
        return DemoCredentials(
            city: plan.cityCode,
            url: nil,
            logins: [
                .init(role: Role.systemAdmin.rawValue, username: "admin", password: passwords.admin, scope: plan.cityCode),
                .init(
                    role: Role.auditor.rawValue,
                    username: "sj-\(plan.cityCode)",
                    password: auditorPassword,
                    scope: plan.cityCode
                ),
                .init(
                    role: Role.commandCenter.rawValue,
                    username: "zhzx-\(plan.cityCode)",
                    password: passwords.center,
                    scope: plan.cityCode,
                    note: "every county and town has one: zhzx-<area code>, same password"
                ),
                .init(
                    role: Role.departmentHead.rawValue,
                    username: "bm-cgj",
                    password: passwords.department,
                    scope: "cgj",
                    note: "every department has one: bm-<department code>, same password"
                ),
                .init(
                    role: Role.gridWorker.rawValue,
                    username: "wgy-\(firstGrid)-1",
                    password: passwords.worker,
                    scope: firstGrid,
                    note: "\(plan.gridWorkers) grid workers: wgy-<grid code>-<1|2|3>, same password"
                ),
            ],
            apiKeys: ["admin": adminKey, "open311_api_key": intakeKey]
        )
    }
}
