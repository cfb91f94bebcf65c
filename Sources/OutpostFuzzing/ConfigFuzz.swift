import OutpostAgent
import OutpostConfig
import OutpostDevices
import OutpostHub

/// Configuration files and `hardware/` definitions: written by people, often by hand on a board.
/// Whatever the text, the answer is a configuration or problems that each say where.
enum ConfigFuzz {
    static let file = "fuzz.toml"
    /// Profiles named in a fuzzed agent.toml are looked up in the repository's own folder.
    static let profiles = ProfileLibrary(folders: ["hardware"])

    static func agentConfiguration(_ bytes: [UInt8]) -> FuzzOutcome {
        let text = String(decoding: bytes, as: UTF8.self)
        do throws(ConfigProblems) {
            let configuration = try AgentConfiguration(toml: text, file: file, profiles: profiles)
            let names = configuration.sourceNames
            if Set(names).count != names.count { return .violated("two sources share a name: \(names)") }
            if names.isEmpty { return .violated("a configuration without sources was accepted") }
            return .accepted
        } catch {
            if error.problems.isEmpty { return .violated("refused without saying why") }
            return .combined(error.problems.map { located($0, in: text) })
        }
    }

    static func hubConfiguration(_ bytes: [UInt8]) -> FuzzOutcome {
        let text = String(decoding: bytes, as: UTF8.self)
        do throws(ConfigProblems) {
            let configuration = try HubConfiguration(toml: text, file: file)
            if !(0...65_535).contains(configuration.listenPort) {
                return .violated("listen port \(configuration.listenPort) accepted")
            }
            return .accepted
        } catch {
            if error.problems.isEmpty { return .violated("refused without saying why") }
            return .combined(error.problems.map { located($0, in: text) })
        }
    }

    /// The input as a device profile and as a board definition: accepted when it is either. A
    /// profile that is accepted plans into requests that hold each of its points.
    static func profile(_ bytes: [UInt8]) -> FuzzOutcome {
        let text = String(decoding: bytes, as: UTF8.self)
        var outcomes: [FuzzOutcome] = []
        do throws(ConfigError) {
            let profile = try DeviceProfile(toml: text, file: file)
            outcomes.append(planned(profile))
        } catch {
            outcomes.append(located(error, in: text))
        }
        do throws(ConfigError) {
            _ = try BoardDefinition(toml: text, file: file)
            outcomes.append(.accepted)
        } catch {
            outcomes.append(located(error, in: text))
        }
        return outcomes.contains(.accepted) && !outcomes.contains(where: { $0.violation != nil })
            ? .accepted : .combined(outcomes)
    }

    private static func planned(_ profile: DeviceProfile) -> FuzzOutcome {
        let requests = RequestPlanner.plan(
            profile.points, maxRegisters: profile.maxRegistersPerRequest, forbidden: profile.forbidden)
        let planned = requests.flatMap(\.points)
        if planned.count != profile.points.count {
            return .violated("\(profile.points.count) points, \(planned.count) planned")
        }
        for request in requests {
            if request.count < 1 || request.count > request.function.maximumPerRequest || request.address < 0
                || request.address + request.count > 65_536
            {
                return .violated("request of \(request.count) at \(request.address) is not a Modbus request")
            }
            for point in request.points
            where !(request.address..<(request.address + request.count)).contains(point.addresses) {
                return .violated("point \(point.name) lies outside its request")
            }
        }
        return .accepted
    }

    /// A refusal that names the file, a line within it (when it gives one) and what is wrong.
    static func located(_ error: ConfigError, in text: String) -> FuzzOutcome {
        // Lines end at LF (a CR LF pair is one Character in a String, so count the bytes).
        let lines = text.utf8.split(separator: 0x0A, omittingEmptySubsequences: false).count
        if error.file != file { return .violated("the problem names file '\(error.file)': \(error)") }
        if error.message.isEmpty { return .violated("a problem without a message at \(error.path)") }
        if let line = error.line, !(1...max(1, lines)).contains(line) {
            return .violated("line \(line) of a \(lines)-line file: \(error)")
        }
        return .refused(error.description)
    }
}

extension Range where Bound == Int {
    fileprivate func contains(_ other: Range<Int>) -> Bool {
        other.lowerBound >= lowerBound && other.upperBound <= upperBound
    }
}
