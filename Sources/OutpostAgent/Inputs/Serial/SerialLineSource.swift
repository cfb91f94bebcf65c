import Dispatch
import Logging
import OutpostSerial
import OutpostSystem
import OutpostWire
import Synchronization

/// Reads lines from a serial device (a GPS, a weather station, a logger printing `T=21.5`) and
/// turns their fields into samples.
///
/// Garbage, partial lines and corrupt sentences are counted and summarised in the log, never
/// turned into readings. A port that vanishes (USB adapter pulled) gives one bad sample per known
/// series, then the source reopens the device with backoff until it is back. The blocking reads
/// run on the source's own dispatch queue, never on the Swift concurrency pool.
package final class SerialLineSource: SampleSource {
    /// What to read and how to name it.
    package struct Settings: Sendable {
        /// The source's name: the default series prefix and its name in logs.
        package var name: String
        /// The port and its framing.
        package var line: SerialLine
        /// How lines map to fields.
        package var format: LineFormat
        /// Field → series; when empty, every field becomes series `NAME.FIELD`.
        package var fields: [String: String]
        /// How soon to try the port again after it failed or vanished.
        package var reopen: Backoff
        /// The longest time a read waits, and so how quickly a stop is noticed.
        package var readTimeout: Duration

        /// Creates settings; defaults: every field, reopen after 0.5 s doubling to 30 s.
        package init(
            name: String, line: SerialLine, format: LineFormat, fields: [String: String] = [:],
            reopen: Backoff = Backoff(initial: .milliseconds(500), maximum: .seconds(30)),
            readTimeout: Duration = .milliseconds(200)
        ) {
            self.name = name
            self.line = line
            self.format = format
            self.fields = fields
            self.reopen = reopen
            self.readTimeout = readTimeout
        }
    }

    package let name: String
    package let counters = SourceCounters()
    private let settings: Settings
    private let parser: LineParser
    private let log: RepeatedErrorLog
    private let clock: WallClock
    private let queue: DispatchQueue

    /// Creates the source; fails when the line format does not compile.
    package init(_ settings: Settings, logger: Logger, clock: @escaping WallClock = systemWallClock)
        throws(LineFormatError)
    {
        self.settings = settings
        name = "serial.\(settings.name)"
        parser = try LineParser(settings.format)
        var logger = logger
        logger[metadataKey: "source"] = "\(name)"
        logger[metadataKey: "serial.device"] = "\(settings.line.device)"
        log = RepeatedErrorLog(logger: logger)
        self.clock = clock
        queue = DispatchQueue(label: "outpost.serial.\(settings.name)")
    }

    package func run(into sink: @escaping SampleSink) async {
        await runBlocking(on: queue, counters: counters, into: sink) { [self] stop, emit in
            readUntilStopped(stop, emit: emit)
        }
    }

    /// The blocking loop: open, read lines until the port goes away or a stop, reopen.
    private func readUntilStopped(_ stop: StopFlag, emit: ([SourceSample]) -> Void) {
        var reopen = settings.reopen
        var splitter = LineSplitter()
        var known: Set<String> = []
        var opened = false
        while !stop.isSet {
            let port: SerialPort
            do throws(SerialError) {
                port = try SerialPort(settings.line)
            } catch {
                fail(error, known: known, emit: emit)
                reopen.recordFailure(at: .now, random: Double.random(in: 0..<1))
                waitForReopen(reopen, stop)
                continue
            }
            if opened { counters.reconnected() }
            opened = true
            reopen.recordSuccess()
            log.succeeded(keysWithPrefix: "\(name).port.")
            splitter.reset()
            do throws(SerialError) {
                while !stop.isSet {
                    let bytes = try port.read(timeout: settings.readTimeout)
                    if bytes.isEmpty { continue }
                    let garbageBefore = splitter.garbage
                    let lines = splitter.feed(bytes)
                    if splitter.garbage > garbageBefore {
                        reject(
                            code: "garbage", reason: "bytes that are not a text line",
                            count: splitter.garbage - garbageBefore)
                    }
                    for line in lines {
                        let samples = read(line)
                        known.formUnion(samples.map(\.series))
                        if !samples.isEmpty { emit(samples) }
                    }
                }
            } catch {
                fail(error, known: known, emit: emit)
                // A vanished port is usually back within seconds (a re-plug), but not at once.
                reopen.recordFailure(at: .now, random: Double.random(in: 0..<1))
                waitForReopen(reopen, stop)
            }
        }
    }

    private func read(_ line: String) -> [SourceSample] {
        switch parser.parse(line) {
        case .ignored:
            return []
        case .rejected(let code, let reason):
            reject(code: code, reason: reason, count: 1)
            return []
        case .values(let values):
            log.succeeded(keysWithPrefix: "\(name).line.")
            let now = clock()
            return values.sorted { $0.key < $1.key }.compactMap { field, value in
                let series = settings.fields.isEmpty ? "\(settings.name).\(field)" : settings.fields[field]
                return series.map { SourceSample($0, at: now, value) }
            }
        }
    }

    private func reject(code: String, reason: String, count: Int) {
        counters.rejected(count)
        counters.error(code, reason)
        log.failed("\(name).line.\(code)", reason)
    }

    private func fail(_ error: SerialError, known: Set<String>, emit: ([SourceSample]) -> Void) {
        counters.error(error.code.description, error.description)
        log.failed("\(name).port.\(error.code)", error.description)
        guard !known.isEmpty else { return }
        let now = clock()
        let quality = error.code == .io ? SourceQuality.io : SourceQuality.disconnected
        emit(known.sorted().map { SourceSample($0, at: now, .nan, quality) })
    }

    private func waitForReopen(_ reopen: Backoff, _ stop: StopFlag) {
        while !stop.isSet, !reopen.mayAttempt(at: .now) {
            // The reader's own thread waits out the backoff in short steps, to notice a stop.
            usleep(20_000)
        }
    }
}

#if canImport(Glibc)
    import Glibc
#endif
