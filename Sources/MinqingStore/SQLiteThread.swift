import Foundation

/// The thread that talks to one SQLite connection. A transaction or a read hops onto it once, runs
/// every statement there without leaving, and hops off once at the end.
///
/// Why not sqlite-nio's own connection: it runs each statement on a thread pool, hands each row to
/// an event loop, and resumes the waiting task on the cooperative pool — three thread switches per
/// statement. The intake writer issues about twelve statements a batch, and the profile showed the
/// SQLite thread idle two thirds of the time while the cooperative pool spent a fifth of its time
/// switching threads (BENCHMARKS.md, "Case intake, third time"). As the task executor of a
/// transaction (`withTaskExecutorPreference`), this thread runs the statements inline instead.
final class SQLiteThread: TaskExecutor, @unchecked Sendable {
    // Guarded by `condition`.
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []
    private var stopping = false

    init(name: String) {
        let thread = Thread { [self] in run() }
        thread.name = name
        thread.start()
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    /// Ends the thread once the jobs already queued have run. Nothing may be queued after.
    func stop() {
        condition.lock()
        stopping = true
        condition.signal()
        condition.unlock()
    }

    private func run() {
        var batch: [UnownedJob] = []
        while true {
            condition.lock()
            while jobs.isEmpty && !stopping { condition.wait() }
            if jobs.isEmpty {
                condition.unlock()
                return
            }
            swap(&batch, &jobs)
            condition.unlock()
            for job in batch { job.runSynchronously(on: asUnownedTaskExecutor()) }
            batch.removeAll(keepingCapacity: true)
        }
    }
}
