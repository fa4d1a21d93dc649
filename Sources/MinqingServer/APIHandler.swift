import MinqingStore

/// Implements the operations generated from openapi.yaml; each module adds its own in an extension
/// in its folder (Grids/GridsAPI.swift, …).
struct APIHandler: APIProtocol {
    let store: Store
    let grids: GridIndex
}
