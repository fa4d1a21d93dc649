import Foundation
import MinqingCore

/// One schema change, run once, in a transaction, and recorded by its id. Landed migrations are
/// never edited: a change, even a data fix, is a new migration at the end of the list.
struct Migration: Sendable {
    let id: String
    let statements: @Sendable (ColumnTypes) -> [String]
}

enum Migrations {
    static let all: [Migration] = [
        Migration(id: "0001_areas") { t in
            [
                """
                CREATE TABLE areas (
                    id \(t.serialKey),
                    city_code TEXT NOT NULL,
                    code TEXT NOT NULL,
                    name TEXT NOT NULL,
                    level TEXT NOT NULL,
                    parent_code TEXT,
                    responsible_party TEXT,
                    geometry \(t.blob) NOT NULL,
                    min_lng \(t.double) NOT NULL,
                    min_lat \(t.double) NOT NULL,
                    max_lng \(t.double) NOT NULL,
                    max_lat \(t.double) NOT NULL,
                    valid_from \(t.bigint) NOT NULL,
                    valid_to \(t.bigint),
                    import_id \(t.bigint)
                )
                """,
                "CREATE UNIQUE INDEX areas_in_force ON areas (city_code, code) WHERE valid_to IS NULL",
                "CREATE INDEX areas_level_in_force ON areas (city_code, level, code) WHERE valid_to IS NULL",
                "CREATE INDEX areas_history ON areas (city_code, code, valid_from)",
                """
                CREATE TABLE area_imports (
                    id \(t.serialKey),
                    city_code TEXT NOT NULL,
                    imported_at \(t.bigint) NOT NULL,
                    actor TEXT NOT NULL,
                    source TEXT NOT NULL,
                    features \(t.bigint) NOT NULL,
                    created \(t.bigint) NOT NULL,
                    changed \(t.bigint) NOT NULL,
                    unchanged \(t.bigint) NOT NULL,
                    warnings \(t.bigint) NOT NULL
                )
                """,
            ]
        },
        Migration(id: "0002_departments_classes") { t in
            [
                """
                CREATE TABLE departments (
                    id \(t.serialKey),
                    city_code TEXT NOT NULL,
                    code TEXT NOT NULL,
                    name TEXT NOT NULL,
                    UNIQUE (city_code, code)
                )
                """,
                """
                CREATE TABLE case_classes (
                    id \(t.serialKey),
                    city_code TEXT NOT NULL,
                    code TEXT NOT NULL,
                    name TEXT NOT NULL,
                    category TEXT NOT NULL,
                    parent_code TEXT,
                    time_limit \(t.bigint),
                    time_unit TEXT,
                    urgency TEXT NOT NULL,
                    department_code TEXT,
                    opening_condition TEXT,
                    closing_condition TEXT,
                    UNIQUE (city_code, code)
                )
                """,
            ]
        },
        Migration(id: "0003_accounts") { t in
            [
                """
                CREATE TABLE accounts (
                    id \(t.serialKey),
                    city_code TEXT NOT NULL,
                    username TEXT NOT NULL UNIQUE,
                    display_name TEXT NOT NULL,
                    password_hash TEXT NOT NULL,
                    roles TEXT NOT NULL,
                    area_code TEXT,
                    department_code TEXT,
                    disabled \(t.boolean) NOT NULL,
                    created_at \(t.bigint) NOT NULL
                )
                """,
                "CREATE INDEX accounts_area ON accounts (city_code, area_code)",
                """
                CREATE TABLE api_keys (
                    id \(t.serialKey),
                    account_id \(t.bigint) NOT NULL REFERENCES accounts (id),
                    prefix TEXT NOT NULL UNIQUE,
                    key_hash TEXT NOT NULL,
                    label TEXT NOT NULL,
                    scopes TEXT NOT NULL,
                    created_at \(t.bigint) NOT NULL,
                    expires_at \(t.bigint),
                    revoked_at \(t.bigint)
                )
                """,
            ]
        },
        Migration(id: "0004_audit_log") { t in
            [
                """
                CREATE TABLE audit_log (
                    id \(t.serialKey),
                    city_code TEXT NOT NULL,
                    at \(t.bigint) NOT NULL,
                    actor TEXT NOT NULL,
                    action TEXT NOT NULL,
                    target TEXT NOT NULL,
                    area_code TEXT,
                    purpose TEXT,
                    address TEXT,
                    outcome TEXT NOT NULL,
                    detail TEXT,
                    previous_hash TEXT NOT NULL,
                    hash TEXT NOT NULL
                )
                """,
                "CREATE INDEX audit_log_chain ON audit_log (city_code, id)",
                "CREATE INDEX audit_log_actor ON audit_log (city_code, actor, at)",
            ]
        },
        Migration(id: "0005_sessions") { t in
            [
                "ALTER TABLE accounts ADD COLUMN failed_sign_ins \(t.bigint) NOT NULL DEFAULT 0",
                "ALTER TABLE accounts ADD COLUMN locked_until \(t.bigint)",
                """
                CREATE TABLE sessions (
                    id \(t.serialKey),
                    token_hash TEXT NOT NULL UNIQUE,
                    account_id \(t.bigint) NOT NULL REFERENCES accounts (id),
                    csrf_token TEXT NOT NULL,
                    address TEXT,
                    created_at \(t.bigint) NOT NULL,
                    expires_at \(t.bigint) NOT NULL,
                    revoked_at \(t.bigint)
                )
                """,
                "CREATE INDEX sessions_account ON sessions (account_id)",
            ]
        },
        Migration(id: "0006_audit_no_forks") { _ in
            // Two entries linked to the same predecessor would fork the chain.
            ["CREATE UNIQUE INDEX audit_log_link ON audit_log (city_code, previous_hash)"]
        },
        Migration(id: "0007_persons") { t in
            [
                """
                CREATE TABLE persons (
                    id \(t.serialKey),
                    city_code TEXT NOT NULL,
                    area_code TEXT NOT NULL,
                    name TEXT NOT NULL,
                    identity_number TEXT,
                    phone TEXT,
                    created_at \(t.bigint) NOT NULL,
                    updated_at \(t.bigint) NOT NULL
                )
                """,
                "CREATE INDEX persons_area ON persons (city_code, area_code, id)",
                // Which residents' data each audited read disclosed: one audit entry for a list or an
                // export, one row here per person in it (the resident's "who read my data").
                """
                CREATE TABLE personal_data_reads (
                    audit_id \(t.bigint) NOT NULL REFERENCES audit_log (id),
                    person_id \(t.bigint) NOT NULL REFERENCES persons (id)
                )
                """,
                "CREATE INDEX personal_data_reads_person ON personal_data_reads (person_id, audit_id)",
                // A citizen's account may be linked to their own record.
                "ALTER TABLE accounts ADD COLUMN person_id \(t.bigint) REFERENCES persons (id)",
            ]
        },
        Migration(id: "0008_credential_epoch") { t in
            // Moved by every change that ends a credential, so that each process empties its cache.
            [
                "CREATE TABLE credential_epoch (id \(t.bigint) PRIMARY KEY CHECK (id = 1), epoch \(t.bigint) NOT NULL)",
                "INSERT INTO credential_epoch (id, epoch) VALUES (1, 0)",
            ]
        },
        Migration(id: "0009_cases") { t in
            [
                // The projection of each case's event list, written in the same transaction as its events.
                """
                CREATE TABLE cases (
                    id \(t.serialKey),
                    city_code TEXT NOT NULL,
                    class_code TEXT NOT NULL,
                    state TEXT NOT NULL,
                    source TEXT NOT NULL,
                    area_code TEXT NOT NULL,
                    level TEXT NOT NULL,
                    lng \(t.double) NOT NULL,
                    lat \(t.double) NOT NULL,
                    description TEXT NOT NULL,
                    reporter TEXT NOT NULL,
                    reporter_account_id \(t.bigint),
                    lead_department TEXT,
                    co_departments TEXT NOT NULL,
                    suspended_from TEXT,
                    paused_at \(t.bigint),
                    requested_extension_days \(t.bigint),
                    merged_into \(t.bigint),
                    linked_to \(t.bigint),
                    reported_at \(t.bigint) NOT NULL,
                    updated_at \(t.bigint) NOT NULL,
                    dispatched_at \(t.bigint),
                    due_at \(t.bigint),
                    closed_at \(t.bigint),
                    event_count \(t.bigint) NOT NULL,
                    last_hash TEXT NOT NULL
                )
                """,
                "CREATE INDEX cases_area ON cases (city_code, area_code, id)",
                "CREATE INDEX cases_state ON cases (city_code, state, id)",
                "CREATE INDEX cases_department ON cases (city_code, lead_department, state)",
                "CREATE INDEX cases_due ON cases (due_at) WHERE due_at IS NOT NULL",
                """
                CREATE TABLE case_events (
                    case_id \(t.bigint) NOT NULL REFERENCES cases (id),
                    seq \(t.bigint) NOT NULL,
                    at \(t.bigint) NOT NULL,
                    actor TEXT NOT NULL,
                    action TEXT NOT NULL,
                    from_state TEXT,
                    to_state TEXT NOT NULL,
                    fields TEXT NOT NULL,
                    previous_hash TEXT NOT NULL,
                    hash TEXT NOT NULL,
                    PRIMARY KEY (case_id, seq)
                )
                """,
                "CREATE INDEX case_events_at ON case_events (at)",
                // A retried create returns the first result: the key is the client's, per account.
                """
                CREATE TABLE idempotency_keys (
                    actor TEXT NOT NULL,
                    idempotency_key TEXT NOT NULL,
                    request_hash TEXT NOT NULL,
                    case_id \(t.bigint) NOT NULL REFERENCES cases (id),
                    created_at \(t.bigint) NOT NULL,
                    PRIMARY KEY (actor, idempotency_key)
                )
                """,
                // Where a class goes in part of the city when not to its default department.
                """
                CREATE TABLE case_routes (
                    city_code TEXT NOT NULL,
                    class_code TEXT NOT NULL,
                    area_code TEXT NOT NULL,
                    department_code TEXT NOT NULL,
                    PRIMARY KEY (city_code, class_code, area_code)
                )
                """,
            ]
        },
        Migration(id: "0010_audit_link_unindexed") { _ in
            // The unique index on (city, previous hash) put every entry at a random place in a B-tree:
            // each group commit dirtied a page per entry, and the audit entry cost intake 46 % of its
            // throughput (BENCHMARKS.md). Forks cannot be written (one writer per city's chain: the
            // advisory lock on PostgreSQL, the single writer on SQLite), and `audit verify` walks the
            // chain in id order, where a fork breaks the link to the entry before it.
            ["DROP INDEX audit_log_link"]
        },
        Migration(id: "0011_case_timers") { t in
            [
                // The durable scheduler: warnings, overdue supervision and follow-ups, each a row with a
                // due time, written with the step that set it; a sweep fires each once.
                """
                CREATE TABLE case_timers (
                    id \(t.serialKey),
                    city_code TEXT NOT NULL,
                    case_id \(t.bigint) NOT NULL REFERENCES cases (id),
                    kind TEXT NOT NULL,
                    due_at \(t.bigint) NOT NULL,
                    reference \(t.bigint) NOT NULL,
                    done_at \(t.bigint),
                    outcome TEXT
                )
                """,
                // Only timers still to fire are indexed: a sweep reads the earliest of them.
                "CREATE INDEX case_timers_due ON case_timers (due_at) WHERE done_at IS NULL",
                "CREATE INDEX case_timers_case ON case_timers (case_id) WHERE done_at IS NULL",
                // What the scheduler told people: a department, or an area's command center.
                """
                CREATE TABLE case_notices (
                    id \(t.serialKey),
                    city_code TEXT NOT NULL,
                    case_id \(t.bigint) NOT NULL REFERENCES cases (id),
                    timer_id \(t.bigint) NOT NULL REFERENCES case_timers (id),
                    kind TEXT NOT NULL,
                    department_code TEXT,
                    area_code TEXT NOT NULL,
                    message TEXT NOT NULL,
                    created_at \(t.bigint) NOT NULL
                )
                """,
                "CREATE INDEX case_notices_department ON case_notices (city_code, department_code, id)",
                "CREATE INDEX case_notices_area ON case_notices (city_code, area_code, id)",
            ]
        },
        Migration(id: "0012_case_counts") { t in
            // The measures' sums (CaseCounters in Core, one column each, written out here so that this
            // migration never changes): moved by each event's `after − before` in the event's
            // transaction. By report day, class and department; by area too in the first table (for
            // any area subtree), not in the second (the whole city, few rows however many cases).
            let counters = """
                    reports \(t.bigint) NOT NULL DEFAULT 0,
                    valid \(t.bigint) NOT NULL DEFAULT 0,
                    on_the_spot \(t.bigint) NOT NULL DEFAULT 0,
                    dispatches \(t.bigint) NOT NULL DEFAULT 0,
                    returns \(t.bigint) NOT NULL DEFAULT 0,
                    handled \(t.bigint) NOT NULL DEFAULT 0,
                    handled_on_time \(t.bigint) NOT NULL DEFAULT 0,
                    extended \(t.bigint) NOT NULL DEFAULT 0,
                    reworked \(t.bigint) NOT NULL DEFAULT 0,
                    closed \(t.bigint) NOT NULL DEFAULT 0,
                    closed_on_time \(t.bigint) NOT NULL DEFAULT 0,
                    deferred \(t.bigint) NOT NULL DEFAULT 0,
                    return_calls \(t.bigint) NOT NULL DEFAULT 0,
                    solved \(t.bigint) NOT NULL DEFAULT 0,
                    satisfied \(t.bigint) NOT NULL DEFAULT 0,
                    responded \(t.bigint) NOT NULL DEFAULT 0,
                    respondable \(t.bigint) NOT NULL DEFAULT 0,
                    closed_at_grid \(t.bigint) NOT NULL DEFAULT 0,
                    closed_at_village \(t.bigint) NOT NULL DEFAULT 0,
                    closed_at_town \(t.bigint) NOT NULL DEFAULT 0,
                    closed_at_county \(t.bigint) NOT NULL DEFAULT 0,
                    closed_at_city \(t.bigint) NOT NULL DEFAULT 0,
                    report_to_dispatch_ms \(t.bigint) NOT NULL DEFAULT 0,
                    report_to_dispatch_count \(t.bigint) NOT NULL DEFAULT 0,
                    dispatch_to_handle_ms \(t.bigint) NOT NULL DEFAULT 0,
                    dispatch_to_handle_count \(t.bigint) NOT NULL DEFAULT 0,
                    handle_to_close_ms \(t.bigint) NOT NULL DEFAULT 0,
                    handle_to_close_count \(t.bigint) NOT NULL DEFAULT 0
                """
            return [
                """
                CREATE TABLE case_counts_by_area (
                    city_code TEXT NOT NULL,
                    area_code TEXT NOT NULL,
                    day \(t.bigint) NOT NULL,
                    class_code TEXT NOT NULL,
                    department_code TEXT NOT NULL,
                \(counters),
                    PRIMARY KEY (city_code, area_code, day, class_code, department_code)
                )
                """,
                """
                CREATE TABLE case_counts_by_day (
                    city_code TEXT NOT NULL,
                    day \(t.bigint) NOT NULL,
                    class_code TEXT NOT NULL,
                    department_code TEXT NOT NULL,
                \(counters),
                    PRIMARY KEY (city_code, day, class_code, department_code)
                )
                """,
            ]
        },
        Migration(id: "0013_case_class_stage_limits") { t in
            // Each class's limits per stage beside its handling limit, and its follow-up days.
            [
                "ALTER TABLE case_classes ADD COLUMN sign_limit \(t.bigint)",
                "ALTER TABLE case_classes ADD COLUMN sign_unit TEXT",
                "ALTER TABLE case_classes ADD COLUMN verify_limit \(t.bigint)",
                "ALTER TABLE case_classes ADD COLUMN verify_unit TEXT",
                "ALTER TABLE case_classes ADD COLUMN follow_up_days TEXT",
            ]
        },
        Migration(id: "0014_cases_nearby") { _ in
            // Cases of a class near a point (duplicates, recurrences): by class, then a band of latitude.
            ["CREATE INDEX cases_nearby ON cases (city_code, class_code, lat)"]
        },
        Migration(id: "0015_case_counts_by_city_day") { t in
            // The city's own sums by day alone: 366 rows a year however many cases, for the figure
            // every dashboard opens with. Filled from the finer sums, which hold the same.
            [
                """
                CREATE TABLE case_counts_by_city_day (
                    city_code TEXT NOT NULL,
                    day \(t.bigint) NOT NULL,
                    reports \(t.bigint) NOT NULL DEFAULT 0,
                    valid \(t.bigint) NOT NULL DEFAULT 0,
                    on_the_spot \(t.bigint) NOT NULL DEFAULT 0,
                    dispatches \(t.bigint) NOT NULL DEFAULT 0,
                    returns \(t.bigint) NOT NULL DEFAULT 0,
                    handled \(t.bigint) NOT NULL DEFAULT 0,
                    handled_on_time \(t.bigint) NOT NULL DEFAULT 0,
                    extended \(t.bigint) NOT NULL DEFAULT 0,
                    reworked \(t.bigint) NOT NULL DEFAULT 0,
                    closed \(t.bigint) NOT NULL DEFAULT 0,
                    closed_on_time \(t.bigint) NOT NULL DEFAULT 0,
                    deferred \(t.bigint) NOT NULL DEFAULT 0,
                    return_calls \(t.bigint) NOT NULL DEFAULT 0,
                    solved \(t.bigint) NOT NULL DEFAULT 0,
                    satisfied \(t.bigint) NOT NULL DEFAULT 0,
                    responded \(t.bigint) NOT NULL DEFAULT 0,
                    respondable \(t.bigint) NOT NULL DEFAULT 0,
                    closed_at_grid \(t.bigint) NOT NULL DEFAULT 0,
                    closed_at_village \(t.bigint) NOT NULL DEFAULT 0,
                    closed_at_town \(t.bigint) NOT NULL DEFAULT 0,
                    closed_at_county \(t.bigint) NOT NULL DEFAULT 0,
                    closed_at_city \(t.bigint) NOT NULL DEFAULT 0,
                    report_to_dispatch_ms \(t.bigint) NOT NULL DEFAULT 0,
                    report_to_dispatch_count \(t.bigint) NOT NULL DEFAULT 0,
                    dispatch_to_handle_ms \(t.bigint) NOT NULL DEFAULT 0,
                    dispatch_to_handle_count \(t.bigint) NOT NULL DEFAULT 0,
                    handle_to_close_ms \(t.bigint) NOT NULL DEFAULT 0,
                    handle_to_close_count \(t.bigint) NOT NULL DEFAULT 0,
                    PRIMARY KEY (city_code, day)
                )
                """,
                """
                INSERT INTO case_counts_by_city_day (city_code, day, reports, valid, on_the_spot, dispatches, returns, handled, handled_on_time, extended, reworked, closed, closed_on_time, deferred, return_calls, solved, satisfied, responded, respondable, closed_at_grid, closed_at_village, closed_at_town, closed_at_county, closed_at_city, report_to_dispatch_ms, report_to_dispatch_count, dispatch_to_handle_ms, dispatch_to_handle_count, handle_to_close_ms, handle_to_close_count)
                SELECT city_code, day, SUM(reports), SUM(valid), SUM(on_the_spot), SUM(dispatches), SUM(returns), SUM(handled), SUM(handled_on_time), SUM(extended), SUM(reworked), SUM(closed), SUM(closed_on_time), SUM(deferred), SUM(return_calls), SUM(solved), SUM(satisfied), SUM(responded), SUM(respondable), SUM(closed_at_grid), SUM(closed_at_village), SUM(closed_at_town), SUM(closed_at_county), SUM(closed_at_city), SUM(report_to_dispatch_ms), SUM(report_to_dispatch_count), SUM(dispatch_to_handle_ms), SUM(dispatch_to_handle_count), SUM(handle_to_close_ms), SUM(handle_to_close_count) FROM case_counts_by_day GROUP BY city_code, day
                """,
            ]
        },
        Migration(id: "0016_cases_overdue") { _ in
            // The open cases whose clock runs, by deadline: "overdue and still open" counts a few
            // hundred rows instead of every case of a class or area.
            [
                """
                CREATE INDEX cases_overdue ON cases (city_code, due_at)
                WHERE paused_at IS NULL AND state IN ('dispatched', 'signed', 'extension_requested')
                """
            ]
        },
        Migration(id: "0017_cases_closed") { _ in
            // Cases closed lately, by class: where intake looks for the case a report recurs.
            ["CREATE INDEX cases_closed ON cases (city_code, class_code, closed_at) WHERE closed_at IS NOT NULL"]
        },
        Migration(id: "0018_case_areas_above") { _ in
            // Each case is counted in its town and county too, so that their measures read their own
            // rows instead of every grid below them. The sums are emptied: the server fills each case's
            // areas from the tree and sums the log afresh at its next start.
            [
                "ALTER TABLE cases ADD COLUMN areas_above TEXT NOT NULL DEFAULT '[]'",
                "DELETE FROM case_counts_by_area",
                "DELETE FROM case_counts_by_day",
                "DELETE FROM case_counts_by_city_day",
            ]
        },
        Migration(id: "0019_sections_photos") { _ in
            // 多级派遣: a department's sections (科室), and the section a case was assigned to; the
            // photos sent with a report (content hashes, the files under the data directory).
            [
                "ALTER TABLE departments ADD COLUMN parent_code TEXT",
                "ALTER TABLE cases ADD COLUMN section TEXT",
                "ALTER TABLE cases ADD COLUMN photos TEXT NOT NULL DEFAULT '[]'",
            ]
        },
        Migration(id: "0020_recurrence_index") { _ in
            // 复发: the writer looks, for each batch, for closed cases of a class around each report.
            // Through `cases_nearby` it read every case in the band of latitude, open ones too, and
            // then each row: a place reported a thousand times (a market, a crossing) cost every
            // later batch milliseconds. This index holds closed cases only, with what the question
            // asks, so the search reads nothing else.
            ["CREATE INDEX cases_recurrence ON cases (city_code, class_code, lat, lng, closed_at) WHERE closed_at IS NOT NULL"]
        },
        Migration(id: "0021_reporter_contact") { _ in
            // 报告人联系方式: the person behind a report, masked as every answer shows it, and sealed
            // (AES-GCM under the key of residents' identifiers) for those who may read it in full.
            [
                "ALTER TABLE cases ADD COLUMN contact_masked TEXT",
                "ALTER TABLE cases ADD COLUMN contact_sealed TEXT",
            ]
        },
        Migration(id: "0022_cases_reported") { _ in
            // Open311's GET requests: a city's cases in a window of report times, newest first.
            ["CREATE INDEX cases_reported ON cases (city_code, reported_at)"]
        },
        Migration(id: "0023_follow_code_and_attributes") { _ in
            [
                // 查询码: the digest of the code a resident without an account follows and rates their case with.
                "ALTER TABLE cases ADD COLUMN follow_digest TEXT",
                // 附加信息: a class's questions (JSON), and a case's answers (JSON).
                "ALTER TABLE case_classes ADD COLUMN attributes TEXT",
                "ALTER TABLE cases ADD COLUMN attributes TEXT",
            ]
        },
        Migration(id: "0024_english_names") { _ in
            // Classes and departments in English, for residents and Open311 clients reading English
            // (a class's questions carry theirs in their JSON). The standard catalog's English is
            // given to the cities that hold its classes and departments as they were shipped: a
            // name or a question a city changed keeps no English that no longer fits it.
            [
                "ALTER TABLE case_classes ADD COLUMN name_en TEXT",
                "ALTER TABLE departments ADD COLUMN name_en TEXT",
            ] + standardEnglish()
        },
    ]

    /// The standard catalog's English for the rows that still hold its Chinese. Literals, not
    /// binds (a migration is a list of statements): the catalog's own constants, quoted.
    static func standardEnglish() -> [String] {
        func literal(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "''") + "'" }
        let departments = StandardCatalog.departments.compactMap { department in
            department.nameEn.map {
                "UPDATE departments SET name_en = \(literal($0)) WHERE code = \(literal(department.code)) AND name = \(literal(department.name)) AND name_en IS NULL"
            }
        }
        let classes = StandardCatalog.caseClasses.flatMap { item -> [String] in
            var statements: [String] = []
            if let nameEn = item.nameEn {
                statements.append(
                    "UPDATE case_classes SET name_en = \(literal(nameEn)) WHERE code = \(literal(item.code)) AND name = \(literal(item.name)) AND name_en IS NULL"
                )
            }
            if !item.attributes.isEmpty {
                let shipped = item.attributes.map { attribute in
                    var attribute = attribute
                    attribute.questionEn = nil
                    for index in attribute.choices.indices { attribute.choices[index].nameEn = nil }
                    return attribute
                }
                statements.append(
                    "UPDATE case_classes SET attributes = \(literal(Store.attributesColumn(item.attributes)!)) WHERE code = \(literal(item.code)) AND attributes = \(literal(Store.attributesColumn(shipped)!))"
                )
            }
            return statements
        }
        return departments + classes
    }
}
