import Foundation
import MinqingCore
import MinqingStore

/// Implements the operations generated from openapi.yaml; each module adds its own in an extension
/// in its folder (Grids/GridsAPI.swift, Access/AdminAPI.swift, …). The caller is in ``Caller/current``.
struct APIHandler: APIProtocol {
    let store: Store
    let grids: GridIndex
    let bcryptCost: UInt8
    /// Seals and opens residents' identifiers.
    let keys: PersonalDataKeys
    /// Case classes, departments, routes and the working-time calendar.
    let cases: CaseCatalog
    /// The photos sent with reports.
    let photos: PhotoFiles
    /// Citizens' reports, per account (``ServerConfiguration/citizenIntakeBurst``).
    let citizenIntake: RateLimit
    /// Reports without an account, per address (``ServerConfiguration/publicIntakeBurst``).
    let publicIntake: RateLimit
}

extension APIHandler {
    /// The grid tree every scope is checked against.
    func currentTree() throws -> AreaTree {
        guard let tree = grids.tree else { throw Problem.unavailable("the grid index is still loading") }
        return tree
    }
}

extension APIHandler {
    /// A purpose for reading personal data in full (办理事项), trimmed; `nil` when none was stated.
    /// It is written in the audit log as given, so it must be plain text.
    static func statedPurpose(_ raw: String?) throws -> String? {
        guard let purpose = raw?.trimmingCharacters(in: .whitespacesAndNewlines), !purpose.isEmpty else { return nil }
        guard !purpose.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw Problem.badRequest("purpose must be plain text without control characters")
        }
        return purpose
    }
}
