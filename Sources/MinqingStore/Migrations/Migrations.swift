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
            ] + englishOf0024
        },
        Migration(id: "0025_retired_classes") { t in
            // 停用: a class no longer offered for new reports; its cases keep naming it.
            ["ALTER TABLE case_classes ADD COLUMN retired \(t.boolean) NOT NULL DEFAULT FALSE"]
        },
        Migration(id: "0026_audit_log_two_btrees") { t in
            // On SQLite an entry went into three B-trees, each a page more to write at every commit:
            // the log, the chain's index (city, id) and the actor's (city, actor, time). A rowid
            // table already keeps its rows in id order, so the chain needs no index of its own there,
            // provided no other index begins with the city: SQLite's planner would take that one for
            // the chain's head and sort the city's whole log. The actor's index begins with the actor
            // instead; with the city and the time after it, an auditor's search for an actor reads
            // that actor's entries alone, or those of a time window. The chain's head is then the
            // first entry of the city that a backward walk of the rowid meets: at once in a city's
            // own file; the one read per city after a start (``SQLiteWriterMemo``) walks further
            // when the file holds other cities. PostgreSQL's table is in no order: it keeps both.
            guard t.dialect == .sqlite else { return [] }
            return [
                "DROP INDEX audit_log_chain",
                "DROP INDEX audit_log_actor",
                "CREATE INDEX audit_log_actor ON audit_log (actor, city_code, at)",
            ]
        },
        Migration(id: "0027_audit_chain_heads") { t in
            // PostgreSQL's writes leave their audit entries unlinked, and a linker links them after
            // (``Store/linkAudit(city:)``): the last entry it linked in each city, which it links
            // past and `audit verify` holds the chain to. SQLite links each entry as it is written.
            // A log written before is linked to its last entry: that is its head from now on.
            guard t.dialect == .postgres else { return [] }
            return [
                "CREATE TABLE audit_chain_heads (city_code TEXT PRIMARY KEY, id BIGINT NOT NULL, hash TEXT NOT NULL)",
                """
                INSERT INTO audit_chain_heads (city_code, id, hash)
                SELECT DISTINCT ON (city_code) city_code, id, hash FROM audit_log WHERE hash <> '' ORDER BY city_code, id DESC
                """,
            ]
        },
    ]

    /// 0024's data: the standard catalog's English as it shipped, for the rows that still hold the
    /// Chinese it shipped with. Written out, not derived from ``StandardCatalog``: a later change to
    /// the catalog must never change what a landed migration does.
    static let englishOf0024: [String] = [
        #"UPDATE departments SET name_en = 'Public Security Bureau' WHERE code = 'gaj' AND name = '公安局' AND name_en IS NULL"#,
        #"UPDATE departments SET name_en = 'Urban Management and Law Enforcement Bureau' WHERE code = 'cgj' AND name = '城市管理和综合执法局' AND name_en IS NULL"#,
        #"UPDATE departments SET name_en = 'Housing and Urban-Rural Development Bureau' WHERE code = 'zjj' AND name = '住房和城乡建设局' AND name_en IS NULL"#,
        #"UPDATE departments SET name_en = 'Transport Bureau' WHERE code = 'jtj' AND name = '交通运输局' AND name_en IS NULL"#,
        #"UPDATE departments SET name_en = 'Water Affairs Bureau' WHERE code = 'swj' AND name = '水务局' AND name_en IS NULL"#,
        #"UPDATE departments SET name_en = 'Ecology and Environment Bureau' WHERE code = 'sthj' AND name = '生态环境局' AND name_en IS NULL"#,
        #"UPDATE departments SET name_en = 'Natural Resources Bureau' WHERE code = 'zrzy' AND name = '自然资源局' AND name_en IS NULL"#,
        #"UPDATE departments SET name_en = 'Market Regulation Bureau' WHERE code = 'scjg' AND name = '市场监督管理局' AND name_en IS NULL"#,
        #"UPDATE departments SET name_en = 'Health Bureau' WHERE code = 'wjj' AND name = '卫生健康局' AND name_en IS NULL"#,
        #"UPDATE departments SET name_en = 'Education Bureau' WHERE code = 'jyj' AND name = '教育局' AND name_en IS NULL"#,
        #"UPDATE departments SET name_en = 'Civil Affairs Bureau' WHERE code = 'mzj' AND name = '民政局' AND name_en IS NULL"#,
        #"UPDATE departments SET name_en = 'Human Resources and Social Security Bureau' WHERE code = 'rsj' AND name = '人力资源和社会保障局' AND name_en IS NULL"#,
        #"UPDATE departments SET name_en = 'Emergency Management Bureau' WHERE code = 'yjj' AND name = '应急管理局' AND name_en IS NULL"#,
        #"UPDATE departments SET name_en = 'Agriculture and Rural Affairs Bureau' WHERE code = 'nyj' AND name = '农业农村局' AND name_en IS NULL"#,
        #"UPDATE departments SET name_en = 'Justice Bureau' WHERE code = 'sfj' AND name = '司法局' AND name_en IS NULL"#,
        #"UPDATE departments SET name_en = 'Letters and Calls Bureau' WHERE code = 'xfj' AND name = '信访局' AND name_en IS NULL"#,
        #"UPDATE departments SET name_en = 'Fire and Rescue Detachment' WHERE code = 'xfjy' AND name = '消防救援支队' AND name_en IS NULL"#,
        #"UPDATE departments SET name_en = 'Power Supply Bureau' WHERE code = 'gdj' AND name = '供电局' AND name_en IS NULL"#,
        #"UPDATE departments SET name_en = 'Culture, Radio, Television, Tourism and Sports Bureau' WHERE code = 'wgl' AND name = '文化广电旅游体育局' AND name_en IS NULL"#,
        #"UPDATE departments SET name_en = 'Veterans Affairs Bureau' WHERE code = 'tyjr' AND name = '退役军人事务局' AND name_en IS NULL"#,
        #"UPDATE departments SET name_en = 'Forestry Bureau' WHERE code = 'lyj' AND name = '林业局' AND name_en IS NULL"#,
        #"UPDATE departments SET name_en = 'Development and Reform Bureau' WHERE code = 'fgj' AND name = '发展和改革局' AND name_en IS NULL"#,
        #"UPDATE departments SET name_en = 'Government Services and Data Bureau' WHERE code = 'zsj' AND name = '政务服务数据管理局' AND name_en IS NULL"#,
        #"UPDATE departments SET name_en = 'City Appearance and Sanitation Section' WHERE code = 'cgj-srhj' AND name = '市容环境卫生科' AND name_en IS NULL"#,
        #"UPDATE departments SET name_en = 'Law Enforcement Brigade' WHERE code = 'cgj-zfdd' AND name = '综合执法大队' AND name_en IS NULL"#,
        #"UPDATE departments SET name_en = 'Property Management Section' WHERE code = 'zjj-wygl' AND name = '物业管理科' AND name_en IS NULL"#,
        #"UPDATE departments SET name_en = 'Water Supply and Drainage Section' WHERE code = 'swj-gps' AND name = '供排水管理科' AND name_en IS NULL"#,
        #"UPDATE departments SET name_en = 'Public Order Brigade' WHERE code = 'gaj-zagl' AND name = '治安管理大队' AND name_en IS NULL"#,
        #"UPDATE case_classes SET name_en = 'Public utilities' WHERE code = 'C01' AND name = '公用设施' AND name_en IS NULL"#,
        #"UPDATE case_classes SET name_en = 'Manhole cover broken or missing' WHERE code = 'C0101' AND name = '井盖破损或缺失' AND name_en IS NULL"#,
        #"UPDATE case_classes SET attributes = '[{"choices":[{"key":"rain","name":"雨水","name_en":"Rainwater"},{"key":"sewage","name":"污水","name_en":"Sewage"},{"key":"water","name":"给水","name_en":"Water supply"},{"key":"power","name":"电力","name_en":"Power"},{"key":"telecom","name":"通信","name_en":"Telecom"},{"key":"gas","name":"燃气","name_en":"Gas"},{"key":"unknown","name":"看不清","name_en":"Cannot tell"}],"code":"cover_use","kind":"singlevaluelist","question":"井盖标识的用途","question_en":"What the cover is marked for","required":false},{"choices":[{"key":"yes","name":"是，井口敞开","name_en":"Yes, the hole is open"},{"key":"no","name":"否，破损或移位","name_en":"No, broken or moved"}],"code":"cover_missing","kind":"singlevaluelist","question":"井盖是否完全缺失（井口敞开）","question_en":"Is the cover missing altogether (the hole open)?","required":false}]' WHERE code = 'C0101' AND attributes = '[{"choices":[{"key":"rain","name":"雨水"},{"key":"sewage","name":"污水"},{"key":"water","name":"给水"},{"key":"power","name":"电力"},{"key":"telecom","name":"通信"},{"key":"gas","name":"燃气"},{"key":"unknown","name":"看不清"}],"code":"cover_use","kind":"singlevaluelist","question":"井盖标识的用途","required":false},{"choices":[{"key":"yes","name":"是，井口敞开"},{"key":"no","name":"否，破损或移位"}],"code":"cover_missing","kind":"singlevaluelist","question":"井盖是否完全缺失（井口敞开）","required":false}]'"#,
        #"UPDATE case_classes SET name_en = 'Street light out' WHERE code = 'C0102' AND name = '路灯不亮' AND name_en IS NULL"#,
        #"UPDATE case_classes SET name_en = 'Water supply facility damaged' WHERE code = 'C0103' AND name = '供水设施损坏' AND name_en IS NULL"#,
        #"UPDATE case_classes SET name_en = 'Roads and traffic' WHERE code = 'C02' AND name = '道路交通' AND name_en IS NULL"#,
        #"UPDATE case_classes SET name_en = 'Road surface damaged' WHERE code = 'C0201' AND name = '道路破损' AND name_en IS NULL"#,
        #"UPDATE case_classes SET name_en = 'Traffic sign damaged' WHERE code = 'C0202' AND name = '交通标志损坏' AND name_en IS NULL"#,
        #"UPDATE case_classes SET name_en = 'City appearance' WHERE code = 'C03' AND name = '市容环境' AND name_en IS NULL"#,
        #"UPDATE case_classes SET name_en = 'Litter bin damaged' WHERE code = 'C0301' AND name = '垃圾箱损坏' AND name_en IS NULL"#,
        #"UPDATE case_classes SET name_en = 'Public toilet damaged' WHERE code = 'C0302' AND name = '公厕设施损坏' AND name_en IS NULL"#,
        #"UPDATE case_classes SET name_en = 'Parks and greenery' WHERE code = 'C04' AND name = '园林绿化' AND name_en IS NULL"#,
        #"UPDATE case_classes SET name_en = 'Green space upkeep' WHERE code = 'C0401' AND name = '绿地维护' AND name_en IS NULL"#,
        #"UPDATE case_classes SET name_en = 'Fallen street tree' WHERE code = 'C0402' AND name = '行道树倒伏' AND name_en IS NULL"#,
        #"UPDATE case_classes SET name_en = 'Buildings and land' WHERE code = 'C05' AND name = '房屋土地' AND name_en IS NULL"#,
        #"UPDATE case_classes SET name_en = 'Dangerous building' WHERE code = 'C0501' AND name = '危房隐患' AND name_en IS NULL"#,
        #"UPDATE case_classes SET name_en = 'Other facilities' WHERE code = 'C06' AND name = '其他设施' AND name_en IS NULL"#,
        #"UPDATE case_classes SET name_en = 'Other facility damaged' WHERE code = 'C0601' AND name = '其他设施损坏' AND name_en IS NULL"#,
        #"UPDATE case_classes SET name_en = 'City appearance' WHERE code = 'E01' AND name = '市容环境' AND name_en IS NULL"#,
        #"UPDATE case_classes SET name_en = 'Exposed garbage' WHERE code = 'E0101' AND name = '暴露垃圾' AND name_en IS NULL"#,
        #"UPDATE case_classes SET name_en = 'Dirty street' WHERE code = 'E0102' AND name = '道路不洁' AND name_en IS NULL"#,
        #"UPDATE case_classes SET name_en = 'Posters and advertising' WHERE code = 'E02' AND name = '宣传广告' AND name_en IS NULL"#,
        #"UPDATE case_classes SET name_en = 'Illegal flyers and graffiti' WHERE code = 'E0201' AND name = '违规张贴小广告' AND name_en IS NULL"#,
        #"UPDATE case_classes SET name_en = 'Construction' WHERE code = 'E03' AND name = '施工管理' AND name_en IS NULL"#,
        #"UPDATE case_classes SET name_en = 'Illegal construction: stop the works' WHERE code = 'E0301' AND name = '违法建设制止' AND name_en IS NULL"#,
        #"UPDATE case_classes SET name_en = 'Illegal construction: penalty' WHERE code = 'E0302' AND name = '违法建设处罚' AND name_en IS NULL"#,
        #"UPDATE case_classes SET name_en = 'Illegal construction: demolition' WHERE code = 'E0303' AND name = '违法建设拆除' AND name_en IS NULL"#,
        #"UPDATE case_classes SET name_en = 'Construction noise and nuisance' WHERE code = 'E0304' AND name = '施工扰民' AND name_en IS NULL"#,
        #"UPDATE case_classes SET name_en = 'Emergencies' WHERE code = 'E04' AND name = '突发事件' AND name_en IS NULL"#,
        #"UPDATE case_classes SET name_en = 'Flooded road' WHERE code = 'E0401' AND name = '道路积水' AND name_en IS NULL"#,
        #"UPDATE case_classes SET name_en = 'Fire' WHERE code = 'E0402' AND name = '火情' AND name_en IS NULL"#,
        #"UPDATE case_classes SET name_en = 'Street order' WHERE code = 'E05' AND name = '街面秩序' AND name_en IS NULL"#,
        #"UPDATE case_classes SET name_en = 'Street vending on the road' WHERE code = 'E0501' AND name = '占道经营' AND name_en IS NULL"#,
        #"UPDATE case_classes SET attributes = '[{"code":"stalls","kind":"number","question":"摊位数量","question_en":"Number of stalls","required":false},{"choices":[{"key":"sidewalk","name":"人行道","name_en":"Pavement"},{"key":"road","name":"车行道","name_en":"Roadway"},{"key":"blind_path","name":"盲道","name_en":"Tactile path for the blind"},{"key":"fire_lane","name":"消防通道","name_en":"Fire lane"}],"code":"blocks","kind":"multivaluelist","question":"占用的位置","question_en":"What they block","required":false}]' WHERE code = 'E0501' AND attributes = '[{"code":"stalls","kind":"number","question":"摊位数量","required":false},{"choices":[{"key":"sidewalk","name":"人行道"},{"key":"road","name":"车行道"},{"key":"blind_path","name":"盲道"},{"key":"fire_lane","name":"消防通道"}],"code":"blocks","kind":"multivaluelist","question":"占用的位置","required":false}]'"#,
        #"UPDATE case_classes SET name_en = 'Illegal parking' WHERE code = 'E0502' AND name = '乱停放' AND name_en IS NULL"#,
        #"UPDATE case_classes SET name_en = 'Disputes' WHERE code = 'D' AND name = '矛盾纠纷' AND name_en IS NULL"#,
        #"UPDATE case_classes SET name_en = 'Family and neighbour dispute' WHERE code = 'D01' AND name = '家庭邻里纠纷' AND name_en IS NULL"#,
        #"UPDATE case_classes SET name_en = 'Labour and social insurance dispute' WHERE code = 'D02' AND name = '劳动社保纠纷' AND name_en IS NULL"#,
        #"UPDATE case_classes SET name_en = 'Tenancy dispute' WHERE code = 'D03' AND name = '房屋租赁纠纷' AND name_en IS NULL"#,
        #"UPDATE case_classes SET name_en = 'Property management dispute' WHERE code = 'D04' AND name = '物业管理纠纷' AND name_en IS NULL"#,
        #"UPDATE case_classes SET name_en = 'Dispute with an administration' WHERE code = 'D05' AND name = '行政管理纠纷' AND name_en IS NULL"#,
        #"UPDATE case_classes SET name_en = 'Dispute in or about court proceedings' WHERE code = 'D06' AND name = '涉法涉诉纠纷' AND name_en IS NULL"#,
        #"UPDATE case_classes SET name_en = 'Planning and construction dispute' WHERE code = 'D07' AND name = '规划建设纠纷' AND name_en IS NULL"#,
        #"UPDATE case_classes SET name_en = 'Economic dispute' WHERE code = 'D08' AND name = '经济关系纠纷' AND name_en IS NULL"#,
        #"UPDATE case_classes SET name_en = 'Other dispute' WHERE code = 'D09' AND name = '其他纠纷' AND name_en IS NULL"#,
        #"UPDATE case_classes SET name_en = 'Hazards and problems' WHERE code = 'H' AND name = '问题隐患' AND name_en IS NULL"#,
        #"UPDATE case_classes SET name_en = 'Public security hazard' WHERE code = 'H01' AND name = '社会治安隐患' AND name_en IS NULL"#,
        #"UPDATE case_classes SET name_en = 'Market or food safety problem' WHERE code = 'H02' AND name = '市监食监问题' AND name_en IS NULL"#,
        #"UPDATE case_classes SET name_en = 'Transport hazard' WHERE code = 'H03' AND name = '交通运输隐患' AND name_en IS NULL"#,
        #"UPDATE case_classes SET name_en = 'Urban management problem' WHERE code = 'H04' AND name = '城市管理问题' AND name_en IS NULL"#,
        #"UPDATE case_classes SET name_en = 'Work safety hazard' WHERE code = 'H05' AND name = '安全生产隐患' AND name_en IS NULL"#,
        #"UPDATE case_classes SET name_en = 'Fire hazard' WHERE code = 'H06' AND name = '消防隐患' AND name_en IS NULL"#,
        #"UPDATE case_classes SET name_en = 'Environmental problem' WHERE code = 'H07' AND name = '环保生态问题' AND name_en IS NULL"#,
        #"UPDATE case_classes SET name_en = 'Construction or water problem' WHERE code = 'H08' AND name = '建设水务问题' AND name_en IS NULL"#,
        #"UPDATE case_classes SET name_en = 'School and campus problem' WHERE code = 'H09' AND name = '教育校园问题' AND name_en IS NULL"#,
        #"UPDATE case_classes SET name_en = 'Civil affairs problem' WHERE code = 'H10' AND name = '民政事务问题' AND name_en IS NULL"#,
        #"UPDATE case_classes SET name_en = 'Other hazard or problem' WHERE code = 'H11' AND name = '其他问题隐患' AND name_en IS NULL"#,
    ]
}
