import Hummingbird
import Logging
import MinqingCore
import MinqingStore
import OpenAPIHummingbird
import OpenAPIRuntime
import Prometheus
import ServiceLifecycle

/// Builds the whole server: router, middleware, routes and the services that live beside it.
/// `minqing serve`, `minqing demo` and every test call this one function.
public func buildApplication(
    configuration: ServerConfiguration,
    store: Store,
    registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry(),
    logger: Logger
) async throws -> some ApplicationProtocol {
    let grids = GridIndex(
        store: store,
        city: configuration.city,
        refreshSeconds: configuration.gridRefreshSeconds,
        registry: registry,
        logger: logger
    )
    let keys = PersonalDataKeys()
    let cases = CaseCatalog(store: store, calendar: try CaseCatalog.calendar(cityFolder: configuration.calendarDirectory))
    for year in cases.calendar.provisionalYears.sorted() {
        logger.warning(
            "a year of the working-time calendar is provisional: the statutory holidays (weekend ones made up), no weekends worked (调休) and no bridging days until the State Council's notice is in DATA/calendars",
            metadata: ["year": "\(year)", "replace": "\(configuration.calendarDirectory ?? "DATA/calendars")/CN-\(year).json"]
        )
    }
    store.use(calendar: cases.calendar)
    let scheduler = CaseScheduler(
        store: store,
        catalog: cases,
        grids: grids,
        intervalMilliseconds: configuration.schedulerIntervalMilliseconds,
        logger: logger
    )
    let auditLinker = AuditLinker(
        store: store,
        city: { grids.city },
        intervalMilliseconds: configuration.auditLinkIntervalMilliseconds,
        logger: logger
    )
    let photos = PhotoFiles(folder: configuration.dataDirectory + "/media")
    let photoSweep = PhotoSweep(store: store, photos: photos, interval: .seconds(configuration.photoSweepIntervalSeconds), logger: logger)
    let operations = try OperationsController(store: store, grids: grids, registry: registry)
    let router = Router(context: AppRequestContext.self)
    router.add(middleware: SecurityHeadersMiddleware())
    router.add(middleware: ProblemMiddleware())
    router.add(middleware: RequestLogMiddleware())
    router.add(middleware: MetricsMiddleware())
    router.add(middleware: try QueryValidationMiddleware(openAPI: operations.openAPIDocument))
    router.add(middleware: ClientAddressMiddleware(trusted: configuration.trustedProxies))
    router.add(middleware: AuthenticationMiddleware(store: store, uncheckedActor: configuration.unauthenticatedActorForBenchmarks))

    operations.addRoutes(to: router)
    let templates = try await HomePage.templates()
    HomePage(library: templates, grids: grids).addRoutes(to: router)
    GridImportController(store: store, grids: grids, cases: cases, maximumBytes: configuration.maximumImportBytes).addRoutes(to: router)
    let api = APIHandler(
        store: store,
        grids: grids,
        bcryptCost: configuration.bcryptCost,
        keys: keys,
        cases: cases,
        photos: photos,
        citizenIntake: RateLimit(capacity: Double(configuration.citizenIntakeBurst), perSecond: 1 / configuration.citizenIntakeRefillSeconds),
        publicIntake: RateLimit(capacity: Double(configuration.publicIntakeBurst), perSecond: 1 / configuration.publicIntakeRefillSeconds)
    )
    // Open311 and the citizens' page limit their own bodies: a form, or a form with photos.
    Open311Controller(
        api: api,
        publicSearches: RateLimit(capacity: Double(configuration.open311SearchBurst), perSecond: 1 / configuration.open311SearchRefillSeconds)
    ).addRoutes(to: router)
    let map = MapAssets(folder: configuration.mapLibraryDirectory, grids: grids, logger: logger)
    map.addRoutes(to: router)
    try CitizenPages(
        api: api,
        library: templates,
        map: map.available,
        followAttempts: RateLimit(capacity: Double(configuration.followAttemptBurst), perSecond: 1 / configuration.followAttemptRefillSeconds),
        uploads: RateLimit(capacity: Double(configuration.publicIntakeBurst), perSecond: 1 / configuration.publicIntakeRefillSeconds)
    ).addRoutes(to: router)
    // Middleware applies to the routes added after it: every route below reads small JSON bodies.
    router.add(middleware: BodyLimitMiddleware(maximumBytes: BodyLimitMiddleware.smallBody, photoBytes: BodyLimitMiddleware.withPhotos))
    SessionController(store: store, configuration: configuration).addRoutes(to: router)
    try api.registerHandlers(
        on: router,
        serverURL: try Servers.Server1.url(),
        // Keys in the order of the schema, not sorted: sorting every object cost a fifth of the
        // time to write a created case's answer (perf, at the intake ceiling).
        configuration: .init(jsonEncodingOptions: [.withoutEscapingSlashes])
    )

    var app = Application(
        router: router,
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "minqing"),
        // Stopped in reverse order, each once the one after it has: the audit linker's last pass
        // comes after the HTTP server and the scheduler have written their last entries.
        services: [store, grids, auditLinker, scheduler, photoSweep],
        logger: logger
    )
    app.beforeServerStarts {
        try await store.migrate()
        keys.load(try await configuration.personalDataCipher(logger: logger, store: store))
        try await grids.load()
        if let city = grids.city {
            // A city whose grids came before this version gave new cities their catalog.
            if try await store.seedStandardCatalog(city: city) {
                logger.notice("gave the city the standard catalog of departments and case classes", metadata: ["city": "\(city)"])
            }
            try await cases.load(city: city)
            // Several processes may start at once on one PostgreSQL: the rebuild asks again under a lock.
            if try await store.measureCountsMissing(city: city) {
                if let tree = grids.tree { try await store.fillAreasAbove(city: city, tree: tree) }
                if try await store.rebuildMeasureCountsIfMissing(city: city) {
                    logger.info("summed the case log for the measures (cases older than the sums)", metadata: ["city": "\(city)"])
                }
            }
        }
        scheduler.start()
        auditLinker.start()
    }
    return app
}
