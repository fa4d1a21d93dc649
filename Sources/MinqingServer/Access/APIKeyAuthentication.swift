import Foundation
import Hummingbird
import MinqingCore
import MinqingStore

/// Reads `Authorization: Bearer mq_…` and checks the key's scope. A missing or unknown key is a 401;
/// a known key without the scope is a 403.
enum APIKeyAuthentication {
    static func holder(of request: Request, store: Store, needing scope: APIKeyScope) async throws -> APIKeyHolder {
        // The scheme name is case-insensitive (RFC 9110 §11.1).
        guard let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer ") else {
            throw Problem.unauthorized("send an API key as Authorization: Bearer mq_…")
        }
        guard let holder = try await store.apiKeyHolder(String(header.dropFirst("Bearer ".count)).trimmingCharacters(in: .whitespaces)) else {
            throw Problem.unauthorized("the API key is unknown, revoked or expired")
        }
        guard holder.scopes.contains(scope) || holder.scopes.contains(.admin) else {
            throw Problem.forbidden("this API key lacks the \(scope.rawValue) scope")
        }
        return holder
    }
}
