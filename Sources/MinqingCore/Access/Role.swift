/// What a person does in the system. A scope (an area subtree and/or a department) narrows each role.
public enum Role: String, Sendable, Codable, CaseIterable, Hashable {
    /// 系统管理员: runs the installation.
    case systemAdmin = "system_admin"
    /// 指挥中心: the joint command center (联勤指挥中心) of a city, county, town or village.
    case commandCenter = "command_center"
    /// 部门经办人: handles cases dispatched to a department.
    case departmentHandler = "department_handler"
    /// 部门负责人: heads a department; approves returns and extensions.
    case departmentHead = "department_head"
    /// 网格员: patrols a small grid, reports and solves on the spot.
    case gridWorker = "grid_worker"
    /// 联户干部: an official linked to households for visits.
    case official
    /// 领导: reads measures and the map.
    case leader
    /// 政协/协商办: runs consultation sessions.
    case consultationOffice = "consultation_office"
    /// 政务服务: runs the service catalogue.
    case servicesOfficer = "services_officer"
    /// 审计: reads the audit log.
    case auditor
    /// 群众: a resident; sees only their own reports.
    case citizen
}

/// What an API key may be used for. A key acts for its account and never does more than the
/// account's roles allow; its scopes narrow that further.
public enum APIKeyScope: String, Sendable, Codable, CaseIterable, Hashable {
    /// Everything the account may do, for the system administrator's automation.
    case admin
    /// Reading what the account may read, except personal data in full (dashboards, reports).
    case read
    /// Importing grid files.
    case gridsImport = "grids:import"
    /// Filing cases (devices, hotlines, Open311 clients).
    case intake

    /// Whether a key with this scope may be used for the action. The grid tree holds no personal
    /// data, so every key may read it (a device locates a report with it).
    public func covers(_ action: Action) -> Bool {
        switch self {
        case .admin: true
        case .read: action.isRead && action != .readPersonInFull
        case .gridsImport: action == .importGrids || action == .readAreas
        case .intake: action == .reportCase || action == .readAreas
        }
    }
}
