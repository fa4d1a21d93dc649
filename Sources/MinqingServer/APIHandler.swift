import MinqingStore

/// Implements the operations generated from openapi.yaml; each module adds its own in an extension
/// in its folder (Grids/GridsAPI.swift, Access/AdminAPI.swift, …). The caller is in ``Caller/current``.
struct APIHandler: APIProtocol {
    let store: Store
    let grids: GridIndex
    let bcryptCost: UInt8
    /// Seals and opens residents' identifiers.
    let cipher: PersonalDataCipher
}
