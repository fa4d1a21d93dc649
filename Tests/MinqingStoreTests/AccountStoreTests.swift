import Foundation
import MinqingCore
import MinqingStore
import MinqingTestSupport
import SQLKit
import Testing

@Suite(.serialized)
struct AccountStoreTests {
    @Test(arguments: TestDatabase.enabled)
    func anAPIKeyWorksOnlyWhileItsAccountIsEnabledAndItIsUnexpired(_ database: TestDatabase) async throws {
        let clock = TestClock()
        try await database.withStore(now: clock.now) { store in
            let id = try await store.addAccount(
                city: "449900",
                NewAccount(username: "zhzx-t", displayName: "指挥中心", passwordHash: "x", roles: [.commandCenter]),
                actor: "test"
            )
            let key = try await store.createAPIKey(accountID: id, label: "t", scopes: [.intake], expiresAt: clock.now().addingTimeInterval(3600))
            let actor = try #require(try await store.apiKeyActor(key))
            #expect(actor.username == "zhzx-t")
            #expect(actor.keyScopes == [.intake])
            #expect(actor.grants == [Grant(.commandCenter)])
            // The same prefix with another secret is not the key.
            let forged = String(key.dropLast(32)) + String(repeating: "a", count: 32)
            #expect(try await store.apiKeyActor(forged) == nil)
            try await store.setAccountDisabled(city: "449900", username: "zhzx-t", disabled: true, actor: "test")
            #expect(try await store.apiKeyActor(key) == nil)
            try await store.setAccountDisabled(city: "449900", username: "zhzx-t", disabled: false, actor: "test")
            #expect(try await store.apiKeyActor(key) != nil)
            clock.advance(by: 3601)
            #expect(try await store.apiKeyActor(key) == nil)
            // A revoked key stops at once; revoking it again changes nothing; the listing never shows the key.
            let second = try await store.createAPIKey(accountID: id, label: "平板", scopes: [.read], expiresAt: nil)
            let prefix = String(second.split(separator: "_")[1])
            #expect(try await store.apiKeys(city: "449900").map(\.prefix).first == prefix)
            try await store.revokeAPIKey(city: "449900", prefix: prefix, actor: "test")
            try await store.revokeAPIKey(city: "449900", prefix: prefix, actor: "test")
            #expect(try await store.apiKeyActor(second) == nil)
            #expect(try await store.apiKeys(city: "449900").first?.revokedAt != nil)
            await #expect(throws: StoreError.self) { try await store.revokeAPIKey(city: "449800", prefix: prefix, actor: "test") }
            // Issuing the key is audited (with the account's addition), never with the key itself.
            let entries = try await store.backend.read { try await $0.raw("SELECT action, target, detail FROM audit_log ORDER BY id").all() }
            #expect(
                try entries.map { try $0.decode(column: "action", as: String.self) } == [
                    "accounts.manage", "api_keys.manage", "accounts.manage", "accounts.manage", "api_keys.manage", "api_keys.manage",
                ]
            )
            #expect(try entries.allSatisfy { try !($0.decode(column: "detail", as: String?.self) ?? "").contains(String(key.suffix(32))) })
            #expect(try await store.verifyAudit(city: "449900").firstBreak == nil)
            // Only the hash is stored.
            let stored = try await store.backend.read { try await $0.raw("SELECT key_hash FROM api_keys").all() }
            #expect(try stored.allSatisfy { try !$0.decode(column: "key_hash", as: String.self).contains(String(key.suffix(32))) })
        }
    }

    @Test(arguments: TestDatabase.enabled)
    func aCredentialEndedByAnotherProcessStopsWorkingWithinASecond(_ database: TestDatabase) async throws {
        let clock = TestClock()
        try await database.withLocation { location in
            try await Store.with(location, logger: TestDatabase.logger, now: clock.now) { first in
                try await first.migrate()
                try await Store.with(location, logger: TestDatabase.logger, now: clock.now) { second in
                    let id = try await first.addAccount(
                        city: "449900",
                        NewAccount(username: "zhzx-t", displayName: "指挥中心", passwordHash: "x", roles: [.commandCenter]),
                        actor: "test"
                    )
                    let key = try await first.createAPIKey(accountID: id, label: "t", scopes: [.intake], expiresAt: nil)
                    let other = try await first.createAPIKey(accountID: id, label: "t", scopes: [.read], expiresAt: nil)
                    #expect(try await first.apiKeyActor(key) != nil)
                    #expect(try await first.apiKeyActor(other) != nil)
                    // Revoked by the other process: this one trusts what it read for at most a second.
                    try await second.revokeAPIKey(city: "449900", prefix: String(key.split(separator: "_")[1]), actor: "test")
                    clock.advance(by: 1)
                    #expect(try await first.apiKeyActor(key) == nil)
                    #expect(try await first.apiKeyActor(other) != nil)
                    // Ended in this process: at once.
                    try await first.setAccountDisabled(city: "449900", username: "zhzx-t", disabled: true, actor: "test")
                    #expect(try await first.apiKeyActor(other) == nil)
                    clock.advance(by: 1)
                    #expect(try await second.apiKeyActor(other) == nil)
                }
            }
        }
    }
}
